// `harness search`: settings → tasks, policy, engine, store (a fresh run or the resumed one)
// → SearchRun → exit code.
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "harness/interrupt.hpp"
#include "harness/library_grow.hpp"
#include "harness/resume.hpp"
#include "harness/score_settings.hpp"
#include "harness/search_run.hpp"
#include "harness/shard.hpp"
#include "harness/search_settings.hpp"
#include "harness/settings_tables.hpp"
#include "policy/make_policy.hpp"
#include "store/input_hash.hpp"
#include "policy/rl/curriculum.hpp"
#include "tasks/input_error.hpp"
#include "tasks/task_index.hpp"
#include "tasks/trace_reader.hpp"

namespace harness {
namespace {

using nlohmann::json;

// The policy's configuration: the one place the table-bound settings are handed to the policy
// library (the remote options land in SearchSettings::remote as they are).
policy::PolicyConfig policy_config(const SearchSettings& s) {
  policy::PolicyConfig c;
  c.spec = s.policy;
  c.vocabulary = s.vocabulary;
  c.learning_rate = s.learning_rate;
  c.temperature = s.temperature;
  c.remote = s.remote;
  c.remote.timeout_ms = static_cast<int>(s.request_timeout_s * 1000);
  c.remote.api_key = policy::api_key_from_env(s.api_key_env);
  c.default_header = s.header;
  return c;
}

policy::rl::CurriculumOptions curriculum_options(const SearchSettings& s) {
  policy::rl::CurriculumOptions o;
  try {
    o.schedule = policy::rl::parse_schedule(s.curriculum);
  } catch (const std::invalid_argument& e) {
    throw UsageError(fmt::format("--curriculum: {}", e.what()));
  }
  return o;
}

// Full-batch cross-entropy steps of --init-from (docs/search.md, "Starting from traces").
constexpr int kInitFitSteps = 20;

// The (goal, previous tactic, tactic) decisions of a traces file, read as step mode's decisions
// are made (step_search.cpp): the goal is every goal before the step, blank-line separated; the
// previous tactic is the step before it in the same proof under the same enclosing step ("" for
// the first). A step with no goal before it is left out and counted in `no_goal`.
std::vector<policy::Decision> trace_decisions(const std::vector<tasks::TraceRecord>& records,
                                              int& no_goal) {
  std::vector<policy::Decision> out;
  std::map<std::pair<std::string, int64_t>, std::string> previous;  // (proof, parent) → tactic
  for (const auto& r : records) {
    std::string& before = previous[{r.proof_id, r.parent}];
    if (r.goals_before.empty()) {
      ++no_goal;
    } else {
      std::string goals;
      for (const auto& g : r.goals_before) goals += (goals.empty() ? "" : "\n\n") + g;
      out.push_back({goals, before, r.tactic});
    }
    before = r.tactic;
  }
  return out;
}

// Fits the policy on the traces of --init-from; returns what the run summary records.
json fit_from_traces(policy::Policy& policy, const std::string& path) {
  if (!std::filesystem::exists(path)) throw UsageError(fmt::format("--init-from {}: no such file", path));
  auto records = tasks::read_traces(path);
  int no_goal = 0;
  auto decisions = trace_decisions(records, no_goal);
  policy::FitStats fit = policy.fit(decisions, kInitFitSteps);
  fmt::print(stderr,
             "harness search: --init-from {}: {} steps, fitted on {} (goal, tactic) pairs, {} "
             "skipped (tactic outside the vocabulary), {} without a goal; cross-entropy {:.3f} -> "
             "{:.3f} in {} steps\n",
             path, records.size(), fit.pairs, fit.skipped, no_goal, fit.loss_before,
             fit.loss_after, fit.steps);
  return {{"file", path},
          {"sha256", store::file_sha256(path)},
          {"steps", records.size()},
          {"pairs", fit.pairs},
          {"skipped_vocabulary", fit.skipped},
          {"skipped_no_goal", no_goal},
          {"fit_steps", fit.steps},
          {"loss_before", fit.loss_before},
          {"loss_after", fit.loss_after}};
}

void check(const SearchSettings& s) {
  if (s.mode != "whole" && s.mode != "step") {
    throw UsageError(fmt::format("--mode {}: expected whole or step", s.mode));
  }
  if (s.samples < 1) throw UsageError("--samples must be at least 1");
  if (s.epochs < 0) throw UsageError("--epochs must be 0 or more");
  if (s.grow_library && s.epochs == 0) {
    throw UsageError("--grow-library grows the library between training epochs: give --epochs E "
                     "(E > 0), or search with a grown one (--library)");
  }
  if (!s.propose.url.empty() && !s.grow_library) {
    throw UsageError("--propose asks a model for lemmas as the library grows: give --grow-library, "
                     "or grow one with `harness library grow --propose`");
  }
}

int search(SearchSettings s) {
  std::optional<store::Store> db;
  std::optional<store::RunRow> resumed;
  if (s.resume) {
    if (!std::filesystem::exists(s.db)) {
      throw UsageError(fmt::format("--resume {}: --db {}: no such file", *s.resume, s.db));
    }
    db.emplace(store::Store::open(s.db, store::OpenMode::existing, "--db"));
    resumed = find_resumable_run(*db, *s.resume, "search", s.db);
    if (resumed->status == store::RunStatus::completed) {
      fmt::print(stderr, "harness search: run {} is already complete\n", resumed->uuid);
      return kExitOk;
    }
    // The settings that decide what the run samples and learns, as it recorded them
    // (settings_tables.hpp: search_record), so that the resumed run is the run that was killed.
    json recorded = json::parse(resumed->settings_json);
    try {
      settings::restore_search(s, recorded.at("search"));
      // How Lean ran (--repl, --workspace, --sandbox, limits), unless given again.
      if (recorded.contains("options")) settings::restore_engine_options(s, recorded["options"]);
    } catch (const std::exception& e) {
      throw UsageError(fmt::format("--resume {}: run {}: {}", *s.resume, resumed->uuid, e.what()));
    }
  }
  check(s);
  if (!std::filesystem::exists(s.tasks)) throw UsageError(fmt::format("{}: no such file", s.tasks));
  tasks::TaskIndex index = tasks::TaskIndex::load(s.tasks, s.header.value_or(""));
  if (index.size() == 0) throw UsageError(fmt::format("{}: no tasks", s.tasks));
  Shard shard = s.shard ? Shard::parse(*s.shard) : Shard{};
  std::vector<tasks::Task> task_list;
  for (const auto& t : index.tasks()) {
    if (shard.owns_task(t.task.id)) task_list.push_back(t.task);
  }
  if (task_list.empty()) {
    throw UsageError(fmt::format("--shard {}: none of the {} tasks of {} falls in this shard",
                                 shard.text(), index.size(), s.tasks));
  }
  if (!shard.all()) {
    fmt::print(stderr, "harness search: shard {}: {} of {} tasks\n", shard.text(), task_list.size(),
               index.size());
  }

  std::unique_ptr<policy::Policy> policy;
  try {
    policy = policy::make_policy(policy_config(s));
  } catch (const policy::PolicyError& e) {
    throw UsageError(fmt::format("--policy {}: {}", s.policy, e.what()));
  }
  for (const auto& warning : policy::policy_warnings(*policy)) {
    fmt::print(stderr, "harness search: policy: {}\n", warning);
  }
  auto caps = policy->capabilities();
  if (s.mode == "step" && !caps.step) {
    throw UsageError(fmt::format("--mode step: the {} policy cannot propose tactics", policy->kind()));
  }
  if (s.mode == "whole" && !caps.whole) {
    throw UsageError(fmt::format("--mode whole: the {} policy cannot write whole proofs",
                                 policy->kind()));
  }
  if (s.init_from && !caps.fits) {
    throw UsageError(fmt::format(
        "--init-from: the {} policy cannot be fitted on (goal, tactic) pairs; only the built-in "
        "policy (builtin, builtin:mlp) learns from traces", policy->kind()));
  }
  if (s.revisions > 0 && s.mode != "whole") {
    throw UsageError("--revisions: revisions are of whole proofs (--mode whole); step mode's "
                     "search already continues from the states Lean accepted");
  }
  if (s.revisions > 0 && !caps.revises) {
    throw UsageError(fmt::format("--revisions {}: the {} policy cannot revise a proof (builtin "
                                 "and openai policies can)", s.revisions, policy->kind()));
  }
  if ((s.library || s.grow_library) && !caps.uses_library) {
    throw UsageError(fmt::format("--{}: the {} policy cannot use a lemma library (builtin and openai "
                                 "policies can)", s.library ? "library" : "grow-library", policy->kind()));
  }
  // The library the run starts from (docs/library.md, "Use in search").
  StoredLibrary library = given_library(s.library, s.library_version).value_or(StoredLibrary{});
  Engine engine = make_engine(s);
  if (resumed) {
    std::string sha256 = store::file_sha256(s.tasks);
    if (resumed->input_sha256 && *resumed->input_sha256 != sha256) {
      throw UsageError(fmt::format(
          "--resume {}: {} has changed since run {} read it (SHA-256 {}, now {}): a resumed run "
          "searches the same tasks; start a new run for the new tasks",
          *s.resume, s.tasks, resumed->uuid, *resumed->input_sha256, sha256));
    }
    if (resumed->toolchain != engine.identity.toolchain) {
      throw UsageError(fmt::format(
          "--resume {}: run {} was checked with toolchain `{}`, this workspace has `{}`: the "
          "verdicts of one run come from one toolchain; start a new run", *s.resume,
          resumed->uuid, resumed->toolchain, engine.identity.toolchain));
    }
  }
  if (!db) db.emplace(store::Store::open(s.db));

  LoopState state{1, policy::rl::Curriculum(curriculum_options(s)), {}, ""};
  int64_t run_id = 0;
  json init_from;  // what --init-from fitted (null without it)
  if (resumed) {
    run_id = resumed->id;
    auto checkpoint = db->latest_checkpoint(run_id);
    int64_t kept = 0;
    json recorded = json::parse(resumed->settings_json);
    if (recorded.contains("init_from")) init_from = recorded["init_from"];
    if (checkpoint) {
      policy->restore(checkpoint->bytes);  // the fit is in the checkpoint
      state = LoopState::from_json(checkpoint->state_json, curriculum_options(s));
      kept = checkpoint->epoch;
      // The library the killed run had reached: grown in this store, or the one it started from.
      if (state.library_version != library.version) {
        auto grown = state.library_version.empty() ? std::optional<StoredLibrary>(StoredLibrary{})
                                                   : stored_library(*db, state.library_version);
        if (!grown) {
          throw UsageError(fmt::format("--resume {}: run {} searched with library {}, which is "
                                       "neither in {} nor --library", *s.resume, resumed->uuid,
                                       state.library_version, s.db));
        }
        library = std::move(*grown);
      }
    } else if (recorded.contains("library") &&
               recorded["library"].value("version", "") != library.version) {
      throw UsageError(fmt::format("--resume {}: the library {} has changed since run {} started "
                                   "with it; start a new run", *s.resume,
                                   s.library.value_or("(none)"), resumed->uuid));
    } else if (s.init_from) {
      // Killed before its first checkpoint: the same fit again (it is deterministic), from the
      // same traces.
      json again = fit_from_traces(*policy, *s.init_from);
      if (init_from.is_object() && init_from.value("sha256", "") != again.value("sha256", "")) {
        throw UsageError(fmt::format("--resume {}: {} has changed since run {} was fitted on it; "
                                     "start a new run", *s.resume, *s.init_from, resumed->uuid));
      }
      init_from = std::move(again);
    }
    db->discard_after_epoch(run_id, kept);
    db->reopen_run(run_id, host_name());
    fmt::print(stderr, "harness search: resuming run {} after epoch {}\n", resumed->uuid, kept);
  } else {
    if (s.init_from) init_from = fit_from_traces(*policy, *s.init_from);
    json settings = engine_settings_json(s, engine);
    if (!init_from.is_null()) settings["init_from"] = init_from;
    if (s.library) settings["library"] = library_record(*s.library, library);
    settings["search"] = settings::search_record(s);
    settings["options"] = settings::engine_options(s);
    store::RunInfo info{"search", json(s.argv).dump(), engine.identity.toolchain, engine.repl,
                        settings.dump(), s.tasks, store::file_sha256(s.tasks), host_name()};
    run_id = db->begin_run(info);
    fmt::print(stderr, "harness search: run {}\n", db->run(run_id)->uuid);
  }
  if (s.library) announce_library("search", library);
  SearchRun run(s, engine, *db, run_id, *policy, std::move(task_list), std::move(state),
                std::move(library));
  if (!init_from.is_null()) run.set_init_from(init_from);
  install_interrupt_handlers();
  try {
    return run.run();
  } catch (const std::exception&) {
    try {
      db->finish_run(run_id, store::RunStatus::failed, run.summary_json());
    } catch (const store::StoreError&) {
    }
    throw;
  }
}

}  // namespace

int run_search(const SearchSettings& settings) {
  return run_command("search", [&] { return search(settings); });
}

}  // namespace harness

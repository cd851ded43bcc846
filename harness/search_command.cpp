// `harness search`: settings → tasks, policy, engine, store (a fresh run or the resumed one)
// → SearchRun → exit code.
#include <filesystem>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "harness/interrupt.hpp"
#include "harness/score_settings.hpp"
#include "harness/search_run.hpp"
#include "harness/search_settings.hpp"
#include "policy/make_policy.hpp"
#include "policy/rl/curriculum.hpp"
#include "tasks/input_error.hpp"
#include "tasks/task_index.hpp"

namespace harness {
namespace {

using nlohmann::json;

// The settings that decide what a run samples and learns: recorded in the run, and read back
// by --resume so that the resumed run is the run that was killed.
json learning_settings(const SearchSettings& s) {
  return {{"tasks", s.tasks},
          {"header", s.header ? json(*s.header) : json(nullptr)},
          {"policy", s.policy},
          {"samples", s.samples},
          {"mode", s.mode},
          {"epochs", s.epochs},
          {"out", s.out},
          {"seed", s.seed},
          {"curriculum", s.curriculum},
          {"train_split", s.train_split},
          {"evaluate", s.evaluate},
          {"shaping", s.shaping},
          {"expansions", s.expansions},
          {"width", s.width},
          {"search_seconds", s.search_seconds},
          {"tactic_timeout_s", s.tactic_timeout_s},
          {"model", s.model},
          {"api_key_env", s.api_key_env},
          {"endpoint", s.endpoint},
          {"prompt_template", s.prompt_template},
          {"temperature", s.temperature},
          {"max_tokens", s.max_tokens},
          {"concurrency", s.concurrency},
          {"samples_per_request", s.samples_per_request},
          {"top_p", s.top_p},
          {"retries", s.retries},
          {"request_timeout_s", s.request_timeout_s},
          {"vocabulary", s.vocabulary},
          {"learning_rate", s.learning_rate ? json(*s.learning_rate) : json(nullptr)},
          {"timeout_s", s.timeout_s},
          {"kernel_replay", s.kernel_replay},
          {"forbid", s.forbid_files}};
}

void apply_learning_settings(SearchSettings& s, const json& j) {
  s.tasks = j.at("tasks").get<std::string>();
  if (!j.at("header").is_null()) s.header = j.at("header").get<std::string>();
  s.policy = j.at("policy").get<std::string>();
  s.samples = j.at("samples").get<int>();
  s.mode = j.at("mode").get<std::string>();
  s.epochs = j.at("epochs").get<int>();
  if (s.out.empty()) s.out = j.at("out").get<std::string>();
  s.seed = j.at("seed").get<uint64_t>();
  s.curriculum = j.at("curriculum").get<std::string>();
  s.train_split = j.at("train_split").get<std::string>();
  s.evaluate = j.at("evaluate").get<bool>();
  s.shaping = j.at("shaping").get<std::string>();
  s.expansions = j.at("expansions").get<int>();
  s.width = j.at("width").get<int>();
  s.search_seconds = j.at("search_seconds").get<double>();
  s.tactic_timeout_s = j.at("tactic_timeout_s").get<double>();
  s.model = j.at("model").get<std::string>();
  s.api_key_env = j.at("api_key_env").get<std::string>();
  s.endpoint = j.at("endpoint").get<std::string>();
  s.prompt_template = j.at("prompt_template").get<std::string>();
  s.temperature = j.at("temperature").get<double>();
  s.max_tokens = j.at("max_tokens").get<int>();
  s.concurrency = j.at("concurrency").get<int>();
  s.samples_per_request = j.at("samples_per_request").get<int>();
  s.top_p = j.at("top_p").get<double>();
  s.retries = j.at("retries").get<int>();
  s.request_timeout_s = j.at("request_timeout_s").get<double>();
  s.vocabulary = j.at("vocabulary").get<std::string>();
  if (!j.at("learning_rate").is_null()) s.learning_rate = j.at("learning_rate").get<double>();
  s.timeout_s = j.at("timeout_s").get<double>();
  s.kernel_replay = j.at("kernel_replay").get<bool>();
  s.forbid_files = j.at("forbid").get<std::vector<std::string>>();
}

policy::PolicyConfig policy_config(const SearchSettings& s) {
  policy::PolicyConfig c;
  c.spec = s.policy;
  c.vocabulary = s.vocabulary;
  c.learning_rate = s.learning_rate;
  c.temperature = s.temperature;
  c.model = s.model;
  c.api_key_env = s.api_key_env;
  c.endpoint = s.endpoint;
  c.prompt_template = s.prompt_template;
  c.max_tokens = s.max_tokens;
  c.concurrency = s.concurrency;
  c.samples_per_request = s.samples_per_request;
  c.top_p = s.top_p;
  c.retries = s.retries;
  c.request_timeout_s = s.request_timeout_s;
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

void check(const SearchSettings& s) {
  if (s.mode != "whole" && s.mode != "step") {
    throw UsageError(fmt::format("--mode {}: expected whole or step", s.mode));
  }
  if (s.samples < 1) throw UsageError("--samples must be at least 1");
  if (s.epochs < 0) throw UsageError("--epochs must be 0 or more");
}

int search(SearchSettings s) {
  std::optional<store::Store> db;
  std::optional<store::RunRow> resumed;
  if (s.resume) {
    db.emplace(store::Store::open(s.db));
    resumed = *s.resume == "latest" ? db->latest_run("search") : db->run_by_uuid(*s.resume);
    if (!resumed) {
      throw UsageError(fmt::format("--resume {}: no such search run in {}", *s.resume, s.db));
    }
    if (resumed->command != "search") {
      throw UsageError(fmt::format("--resume {}: run {} is a `{}` run", *s.resume, resumed->uuid,
                                   resumed->command));
    }
    if (resumed->status == store::RunStatus::completed) {
      fmt::print(stderr, "harness search: run {} is already complete\n", resumed->uuid);
      return kExitOk;
    }
    json recorded = json::parse(resumed->settings_json);
    apply_learning_settings(s, recorded.at("search"));
  }
  check(s);
  if (!std::filesystem::exists(s.tasks)) throw UsageError(fmt::format("{}: no such file", s.tasks));
  tasks::TaskIndex index = tasks::TaskIndex::load(s.tasks, s.header.value_or(""));
  if (index.size() == 0) throw UsageError(fmt::format("{}: no tasks", s.tasks));
  std::vector<tasks::Task> task_list;
  for (const auto& t : index.tasks()) task_list.push_back(t.task);

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
  Engine engine = make_engine(s);
  if (!db) db.emplace(store::Store::open(s.db));

  LoopState state{1, policy::rl::Curriculum(curriculum_options(s)), {}};
  int64_t run_id = 0;
  if (resumed) {
    run_id = resumed->id;
    auto checkpoint = db->latest_checkpoint(run_id);
    int64_t kept = 0;
    if (checkpoint) {
      policy->restore(checkpoint->bytes);
      state = LoopState::from_json(checkpoint->state_json, curriculum_options(s));
      kept = checkpoint->epoch;
    }
    db->discard_after_epoch(run_id, kept);
    db->reopen_run(run_id);
    fmt::print(stderr, "harness search: resuming run {} after epoch {}\n", resumed->uuid, kept);
  } else {
    json settings = engine_settings_json(s, engine);
    settings["search"] = learning_settings(s);
    store::RunInfo info{"search", json(s.argv).dump(), engine.identity.toolchain, engine.repl,
                        settings.dump(), s.tasks, std::nullopt, host_name()};
    run_id = db->begin_run(info);
    fmt::print(stderr, "harness search: run {}\n", db->run(run_id)->uuid);
  }
  SearchRun run(s, engine, *db, run_id, *policy, std::move(task_list), std::move(state));
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

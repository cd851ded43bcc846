#include "harness/search_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "harness/interrupt.hpp"
#include "harness/library_checker.hpp"
#include "harness/library_propose.hpp"
#include "library/description_length.hpp"
#include "metrics/compression.hpp"
#include "metrics/lean_text.hpp"
#include "harness/reward.hpp"
#include "harness/revision.hpp"
#include "harness/score_settings.hpp"
#include "policy/rl/budget.hpp"
#include "policy/rl/grpo.hpp"
#include "policy/rl/pass_at_k.hpp"
#include "policy/rl/seeds.hpp"

namespace harness {
namespace {

using lean_bridge::DecidedBy;
using lean_bridge::Verdict;
using nlohmann::json;
using ojson = nlohmann::ordered_json;

constexpr size_t kSamplesPerChunk = 512;  // candidates generated and verified at once
constexpr uint64_t kEvalStream = 0x65766131;  // seeds of the evaluation differ from training's
constexpr uint64_t kRevisionStream = 0x72657669;  // "revi": the last part of a revision's seed

ojson null_or(const std::optional<double>& v) { return v ? ojson(*v) : ojson(nullptr); }

std::string rollout_line(const store::SearchAttemptRow& r) {
  const store::AttemptRow& a = r.attempt;
  // The reward the learner got: the verdict's, or its shaped value (base_reward keeps the
  // verdict's).
  ojson reward = null_or(a.reward);
  ojson shaping = nullptr;
  if (r.extra_json) {
    ojson extra = ojson::parse(*r.extra_json, nullptr, false);
    if (extra.is_object() && extra.contains("shaped_reward")) {
      reward = extra["shaped_reward"];
      shaping = extra.value("shaping", ojson(nullptr));
    }
  }
  ojson out = {{"line", a.line},
               {"task", a.name},
               {"task_id", a.task_id ? ojson(*a.task_id) : ojson(nullptr)},
               {"epoch", r.epoch},
               {"phase", r.phase},
               {"group", r.group_index},
               {"sample", r.sample},
               {"mode", r.mode},
               {"policy_version", r.policy_version},
               {"prompt", r.prompt},
               {"completion", r.completion},
               {"proof", a.proof},
               {"verdict", a.verdict},
               {"decided_by", a.decided_by},
               {"reason", a.reason},
               {"reward", reward},
               {"base_reward", null_or(a.reward)},
               {"shaping", shaping},
               {"advantage", null_or(r.advantage)},
               {"logprob", null_or(r.logprob)},
               {"expansions", r.expansions ? ojson(*r.expansions) : ojson(nullptr)},
               {"cached", a.cached},
               {"round", r.round},
               {"revises", r.revises ? ojson(*r.revises) : ojson(nullptr)}};
  return out.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

// One point of the learning curve, as the run summary holds it.
json curve_entry(const store::EpochRecord& e) {
  auto optional = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  json out = {{"epoch", e.epoch},          {"phase", e.phase},         {"tasks", e.tasks},
              {"attempts", e.attempts},    {"passes", e.passes},       {"errors", e.errors},
              {"pass_rate", optional(e.pass_rate)}, {"mean_reward", optional(e.mean_reward)},
              {"entropy", optional(e.entropy)},     {"new_solved", e.new_solved}};
  // With a lemma library: its size and the description length of library + proofs.
  if (e.library_size) out["library_size"] = *e.library_size;
  if (e.description_bytes) out["description_bytes"] = *e.description_bytes;
  // With --revisions: the epoch's revisions and its success within a budget of checks.
  json stats = json::parse(e.stats_json, nullptr, false);
  if (stats.is_object()) {
    for (const char* key : {"revisions", "budget"}) {
      if (stats.contains(key)) out[key] = stats[key];
    }
  }
  return out;
}

Row generation_failure(const tasks::Task& task, const policy::Completion& c) {
  Row row = candidate_row({0, task.name, task, tasks::ProofForm::continuation, c.proof});
  // The model's own output held no usable proof: a wrong answer (reward 0). Anything else
  // (the server failed) says nothing about the policy's proofs: `error`, no reward.
  set_verdict(row, c.malformed ? Verdict::fail : Verdict::error, DecidedBy::input,
              "policy: " + c.error.value_or("no candidate"));
  return row;
}

// Revisions of an epoch: how many, how many Lean judged, how many passed.
struct RevisionCounts {
  int64_t attempts = 0, rewarded = 0, passes = 0;
  void add(const Row& row, bool has_reward) {
    ++attempts;
    if (has_reward) ++rewarded;
    if (row.verdict == Verdict::pass) ++passes;
  }
  json to_json() const {
    return {{"attempts", attempts}, {"rewarded", rewarded}, {"passes", passes}};
  }
};

json budget_json(const std::vector<policy::rl::BudgetRow>& rows) {
  json out = json::array();
  for (const auto& row : rows) {
    out.push_back({{"budget", row.budget}, {"revising", row.chains},
                   {"plain", row.plain ? json(*row.plain) : json(nullptr)}, {"tasks", row.tasks}});
  }
  return out;
}

// Each task group's chains (policy/rl/budget.hpp): a first try, then the revision of it, and so
// on, rewarded attempts only.
template <class Attempt>
std::vector<policy::rl::TaskChains> chains_of(const std::vector<std::vector<Attempt>>& groups,
                                              const std::vector<tasks::Task>& tasks) {
  std::vector<policy::rl::TaskChains> out;
  for (const auto& group : groups) {
    if (group.empty()) continue;
    policy::rl::TaskChains task{tasks[group.front().task].split, {}};
    std::map<size_t, size_t> revision_of;  // index → the index of its revision
    for (size_t i = 0; i < group.size(); ++i) {
      if (group[i].revises) revision_of[*group[i].revises] = i;
    }
    for (size_t i = 0; i < group.size(); ++i) {
      if (group[i].round != 0) continue;
      std::vector<bool> chain;
      for (std::optional<size_t> at = i; at;) {
        const auto& a = group[*at];
        if (!reward_for(a.row.verdict)) break;  // an `error` spent no judged check and ends it
        chain.push_back(a.row.verdict == Verdict::pass);
        auto next = revision_of.find(*at);
        at = next == revision_of.end() ? std::nullopt : std::optional<size_t>(next->second);
      }
      task.chains.push_back(std::move(chain));
    }
    out.push_back(std::move(task));
  }
  return out;
}

}  // namespace

std::string LoopState::to_json() const {
  ojson out = {{"format", "search-loop-v1"},
               {"next_epoch", next_epoch},
               {"curriculum", json::parse(curriculum.to_json())},
               {"solved", solved}};
  if (!library_version.empty()) out["library"] = library_version;
  if (library_saved_bytes != 0) out["library_saved_bytes"] = library_saved_bytes;
  return out.dump();
}

LoopState LoopState::from_json(const std::string& text, policy::rl::CurriculumOptions options) {
  LoopState state{1, policy::rl::Curriculum(options), {}, ""};
  json in = json::parse(text, nullptr, false);
  if (in.is_discarded() || !in.is_object() || in.value("format", "") != "search-loop-v1") {
    throw std::runtime_error("the checkpoint's loop state is not search-loop-v1 JSON");
  }
  state.next_epoch = in.at("next_epoch").get<int64_t>();
  state.curriculum = policy::rl::Curriculum::from_json(in.at("curriculum").dump());
  state.solved = in.at("solved").get<std::set<std::string>>();
  state.library_version = in.value("library", "");
  state.library_saved_bytes = in.value("library_saved_bytes", int64_t{0});
  return state;
}

SearchRun::SearchRun(const SearchSettings& settings, const Engine& engine, store::Store& store,
                     int64_t run_id, policy::Policy& policy, std::vector<tasks::Task> tasks,
                     LoopState state, StoredLibrary library)
    : m_settings(settings),
      m_engine(engine),
      m_store(store),
      m_run_id(run_id),
      m_policy(policy),
      m_tasks(std::move(tasks)),
      m_state(std::move(state)),
      m_lemmas(std::move(library)),
      m_start(std::chrono::steady_clock::now()) {
  if (!m_lemmas.lemmas.empty()) use_library();
  m_next_line = m_store.next_line(m_run_id);
  auto shaping = metrics::parse_shaping(m_settings.shaping);
  if (!shaping) throw UsageError(fmt::format("--shaping {}: expected none, length or novelty", m_settings.shaping));
  m_shaping = *shaping;
  // The library of a resumed run: its committed verified training proofs, in line order.
  for (const auto& row : m_store.search_attempts(m_run_id)) {
    if (row.phase == "train" && row.attempt.verdict == "pass" && row.attempt.task_id) {
      add_to_library(*row.attempt.task_id, row.attempt.name, row.attempt.proof);
    }
  }
  if (!m_settings.out.empty()) {
    // Rewritten from the store: a resumed run's rollouts are exactly its committed rows.
    m_rollouts.open(m_settings.out, std::ios::binary | std::ios::trunc);
    if (!m_rollouts) throw UsageError(fmt::format("{}: cannot write the rollouts file", m_settings.out));
    write_rollouts(m_store.search_attempts(m_run_id));
  }
  for (const auto& e : m_store.epochs(m_run_id)) m_curve.push_back(curve_entry(e));
}

SearchRun::~SearchRun() = default;

void SearchRun::use_library() {
  m_state.library_version = m_lemmas.version;
  // A lemma is never offered to, nor accepted from, a task it was derived from.
  m_engine.library = layers_of(m_lemmas.lemmas, true);
  std::vector<policy::LibraryLemma> offered;
  for (const auto& l : m_lemmas.lemmas) {
    offered.push_back({l.name, library::statement_text(l), l.derived_from});
  }
  m_policy.set_library(std::move(offered));
  if (m_pipeline) {
    m_pipeline->close();
    const PipelineStats& v = m_pipeline->stats();
    m_earlier_stats.decided_early += v.decided_early;
    m_earlier_stats.cache_hits += v.cache_hits;
    m_earlier_stats.duplicates += v.duplicates;
    m_earlier_stats.lean_checks += v.lean_checks;
    m_earlier_stats.infra_errors += v.infra_errors;
    m_pipeline.reset();
  }
  m_searcher.reset();
}

bool SearchRun::grow_library(int64_t epoch, const std::set<int64_t>& lines, store::EpochRecord& rec,
                             json& stats) {
  std::vector<TracedProof> work;
  for (auto& p : verified_proofs(m_store, {m_run_id})) {
    if (lines.count(p.proof.line) != 0) work.push_back(std::move(p));
  }
  GrowParams params;
  params.settings = m_settings.grow;
  params.split = m_settings.train_split;
  params.run_id = m_run_id;
  // --propose: the lemmas a remote model states join the candidates of their statements.
  ProposalReport proposals;
  propose_in(params, m_settings.propose, "harness search", stderr, m_lemmas.lemmas, proposals);
  GrowResult grown = harness::grow_library(m_store, m_engine, std::move(work), m_lemmas, params);
  if (grown.status == GrowResult::Status::fatal) {
    m_fatal = grown.fatal.empty() ? "Lean failed while the library grew" : grown.fatal;
    return false;
  }
  if (grown.status == GrowResult::Status::interrupted) return false;
  auto& rejected = grown.selection.rejected;
  rejected.insert(rejected.end(), proposals.rejected.begin(), proposals.rejected.end());
  const library::Selection& sel = grown.selection;
  fmt::print(stderr, "epoch {}: library grown from {} verified proofs\n", epoch, grown.proofs);
  print_growth(stderr, grown);
  // The run's training proofs as the library rewrote them, and the library.
  m_state.library_saved_bytes += sel.proofs_bytes_before - sel.proofs_bytes_after;
  rec.library_size = static_cast<int64_t>(grown.library.lemmas.size());
  rec.description_bytes = m_training_bytes - m_state.library_saved_bytes + sel.library_bytes;
  stats["library"] = {{"version", grown.library.version},
                      {"lemmas", grown.library.lemmas.size()},
                      {"kept", sel.kept.size()},
                      {"proofs", grown.proofs},
                      {"traced", grown.traced},
                      {"candidates", grown.candidates},
                      {"lemma_checks", sel.lemma_checks},
                      {"rewrite_checks", sel.rewrite_checks},
                      {"proofs_bytes_before", sel.proofs_bytes_before},
                      {"proofs_bytes_after", sel.proofs_bytes_after},
                      {"library_bytes", sel.library_bytes}};
  if (proposals.asked) {
    json failure = proposals.failure ? json(*proposals.failure) : json();
    stats["library"]["proposed"] = {{"shown", proposals.shown},
                                    {"read", proposals.read},
                                    {"joined", proposals.joined},
                                    {"failure", failure}};
  }
  if (grown.library.version != m_lemmas.version) {
    m_lemmas = std::move(grown.library);
    use_library();
  }
  return true;
}

policy::TaskView SearchRun::view(size_t task) const {
  const tasks::Task& t = m_tasks[task];
  return {t.id, t.name, t.header, t.statement};
}

void SearchRun::write_rollouts(const std::vector<store::SearchAttemptRow>& rows) {
  if (!m_rollouts.is_open()) return;
  for (const auto& r : rows) m_rollouts << rollout_line(r) << '\n';
  m_rollouts.flush();
  if (!m_rollouts) throw std::runtime_error(fmt::format("{}: write failed", m_settings.out));
}

std::vector<std::vector<SearchRun::Attempt>> SearchRun::sample_whole(
    int64_t epoch, const std::vector<size_t>& chunk) {
  std::vector<policy::GenerationRequest> requests;
  for (size_t task : chunk) {
    requests.push_back({view(task), m_settings.samples,
                        policy::rl::derive_seed(m_settings.seed, {static_cast<uint64_t>(epoch),
                                                                  static_cast<uint64_t>(task)})});
  }
  auto completions = m_policy.generate(requests);
  if (completions.size() != requests.size()) {
    throw policy::PolicyError(fmt::format("the policy answered {} requests out of {}",
                                          completions.size(), requests.size()));
  }
  std::vector<std::vector<Attempt>> groups(chunk.size());
  std::vector<std::pair<size_t, size_t>> which;
  for (size_t g = 0; g < chunk.size(); ++g) {
    for (size_t s = 0; s < completions[g].size(); ++s) {
      Attempt a;
      a.task = chunk[g];
      a.sample = static_cast<int>(s);
      a.completion = std::move(completions[g][s]);
      groups[g].push_back(std::move(a));
      which.emplace_back(g, s);
    }
  }
  if (!check_attempts(groups, which)) return {};
  for (int round = 1; round <= m_settings.revisions && !m_fatal; ++round) {
    if (!revise_round(epoch, round, groups)) return {};
  }
  return groups;
}

bool SearchRun::check_attempts(std::vector<std::vector<Attempt>>& groups,
                               const std::vector<std::pair<size_t, size_t>>& which) {
  std::vector<tasks::Candidate> candidates;
  std::vector<std::pair<size_t, size_t>> where;  // candidate → (group, index)
  for (auto [g, i] : which) {
    Attempt& a = groups[g][i];
    const tasks::Task& task = m_tasks[a.task];
    if (a.completion.error) {
      a.row = generation_failure(task, a.completion);
      continue;
    }
    candidates.push_back({0, task.name, task,
                          a.completion.whole_file ? tasks::ProofForm::whole_text
                                                  : tasks::ProofForm::continuation,
                          a.completion.proof});
    where.emplace_back(g, i);
  }
  if (candidates.empty()) return true;
  if (!m_pipeline) {
    const Engine& engine = m_engine;
    PipelineOptions options{engine.identity, m_settings.use_cache, engine.used_constants,
                            m_settings.tasks, 0};
    options.library = engine.library;
    m_pipeline = std::make_unique<Pipeline>(
        engine.guard, &m_cache,
        [&engine] { return std::make_unique<lean_bridge::WorkerPool>(engine.pool); },
        std::move(options));
  }
  auto rows = check_batch(*m_pipeline, candidates);
  if (!rows) return false;
  for (size_t i = 0; i < rows->size(); ++i) {
    groups[where[i].first][where[i].second].row = std::move((*rows)[i]);
  }
  if (!m_fatal) m_fatal = m_pipeline->fatal_error();
  return true;
}

bool SearchRun::revise_round(int64_t epoch, int round, std::vector<std::vector<Attempt>>& groups) {
  std::vector<policy::RevisionRequest> requests;
  std::vector<std::pair<size_t, size_t>> revised;  // request → (group, index revised)
  for (size_t g = 0; g < groups.size(); ++g) {
    for (size_t i = 0; i < groups[g].size(); ++i) {
      const Attempt& a = groups[g][i];
      if (a.round != round - 1 || !revisable(a.row)) continue;
      const tasks::Task& task = m_tasks[a.task];
      policy::RevisionRequest r;
      r.task = view(a.task);
      r.previous = a.completion;
      r.feedback = feedback_for(a.row, task.statement, a.completion.whole_file);
      r.round = round;
      // A stream of its own: (epoch, task, sample, round) never meets the step mode's
      // (epoch, task, sample) nor the first tries' (epoch, task).
      r.seed = policy::rl::derive_seed(m_settings.seed,
                                       {static_cast<uint64_t>(epoch), static_cast<uint64_t>(a.task),
                                        static_cast<uint64_t>(a.sample),
                                        static_cast<uint64_t>(round), kRevisionStream});
      requests.push_back(std::move(r));
      revised.emplace_back(g, i);
    }
  }
  if (requests.empty()) return true;
  auto completions = m_policy.revise(requests);
  if (completions.size() != requests.size()) {
    throw policy::PolicyError(fmt::format("the policy answered {} revisions out of {}",
                                          completions.size(), requests.size()));
  }
  std::vector<std::pair<size_t, size_t>> which;
  for (size_t r = 0; r < requests.size(); ++r) {
    auto [g, i] = revised[r];
    Attempt a;
    a.task = groups[g][i].task;
    a.sample = groups[g][i].sample;
    a.round = round;
    a.revises = i;
    a.completion = std::move(completions[r]);
    groups[g].push_back(std::move(a));
    which.emplace_back(g, groups[g].size() - 1);
  }
  return check_attempts(groups, which);
}

std::optional<std::vector<std::vector<SearchRun::Attempt>>> SearchRun::sample_step(
    int64_t epoch, const std::vector<size_t>& chunk) {
  if (!m_searcher) {
    StepBudget budget{m_settings.expansions, m_settings.width, m_settings.search_seconds,
                      m_settings.tactic_timeout_s};
    m_searcher = std::make_unique<StepSearcher>(m_engine, budget, m_policy);
  }
  std::vector<StepJob> jobs;
  for (size_t task : chunk) {
    for (int s = 0; s < m_settings.samples; ++s) {
      jobs.push_back({m_tasks[task], view(task),
                      policy::rl::derive_seed(m_settings.seed,
                                              {static_cast<uint64_t>(epoch),
                                               static_cast<uint64_t>(task),
                                               static_cast<uint64_t>(s)})});
    }
  }
  auto outcomes = m_searcher->run(jobs);
  if (!outcomes) return std::nullopt;
  if (!m_fatal) m_fatal = m_searcher->fatal_error();
  std::vector<std::vector<Attempt>> groups(chunk.size());
  for (size_t j = 0; j < outcomes->size(); ++j) {
    StepOutcome& o = (*outcomes)[j];
    size_t g = j / static_cast<size_t>(m_settings.samples);
    Attempt a;
    a.task = chunk[g];
    a.sample = static_cast<int>(j % static_cast<size_t>(m_settings.samples));
    a.row = std::move(o.row);
    a.completion.prompt = o.root_goal;
    a.completion.completion = o.script;
    a.completion.proof = o.script;
    a.completion.decisions = std::move(o.decisions);
    a.completion.logprob = o.logprob;
    a.expansions = o.expansions;
    groups[g].push_back(std::move(a));
  }
  return groups;
}

void SearchRun::add_to_library(const std::string& task_id, const std::string& name,
                               const std::string& proof) {
  if (!m_library_seen.emplace(task_id, proof).second) return;
  m_training_bytes += metrics::compressed_size(proof, library::SizerOptions{}.level);
  metrics::ProofDoc doc;
  doc.key = std::to_string(m_library.size());
  doc.task_id = task_id;
  doc.task_name = name;
  // Code only: shaping must not pay for comments.
  doc.text = metrics::without_comments(proof);
  int64_t c = metrics::compressed_size(doc.text, metrics::MetricsOptions{}.level);
  auto [it, fresh] = m_min_c.emplace(task_id, c);
  if (!fresh) it->second = std::min(it->second, c);
  m_library.push_back(std::move(doc));
}

void SearchRun::refresh_library_metrics() {
  if (m_shaping != metrics::Shaping::novelty || m_library.empty()) return;
  m_library_metrics = metrics::compute_metrics(m_library, {});
}

std::optional<double> SearchRun::shaped_reward(const Attempt& a) const {
  auto base = reward_for(a.row.verdict);
  if (!base || m_shaping == metrics::Shaping::none || a.row.verdict != Verdict::pass) return base;
  const tasks::Task& task = m_tasks[a.task];
  metrics::ProofDoc doc{"x", task.id, task.name, metrics::without_comments(a.row.proof), {}, false};
  const int level = metrics::MetricsOptions{}.level;
  metrics::ProofMetrics measured;
  int fold = m_library_metrics ? metrics::fold_for_task(task.id, *m_library_metrics) : -1;
  if (fold >= 0) {
    measured = metrics::measure_proof(doc, m_library_metrics->dictionaries[static_cast<size_t>(fold)], level);
  } else {
    measured.c = metrics::compressed_size(doc.text, level);
    measured.c_given_library = measured.c;
    measured.novelty = 1.0;  // nothing to share with an empty library
  }
  metrics::ShapingParams params;
  params.task_min_c = measured.c;
  if (auto it = m_min_c.find(task.id); it != m_min_c.end()) {
    params.task_min_c = std::min(it->second, measured.c);
  }
  return metrics::shaped_reward(*base, true, measured, m_shaping, params);
}

void SearchRun::record(int64_t epoch, const std::string& phase, int64_t first_group,
                       std::vector<std::vector<Attempt>>& groups) {
  std::vector<store::SearchAttemptRecord> batch;
  for (size_t g = 0; g < groups.size(); ++g) {
    for (Attempt& a : groups[g]) {
      a.reward = phase == "train" ? shaped_reward(a) : reward_for(a.row.verdict);
    }
    // GRPO groups (docs/search.md, "Revisions"): the task's first tries form one group, and
    // the revisions of each round another: a revision is compared with the other revisions
    // of the same round of the task, never with first tries.
    std::map<int, std::vector<size_t>> by_round;
    for (size_t s = 0; s < groups[g].size(); ++s) by_round[groups[g][s].round].push_back(s);
    std::vector<std::optional<double>> advantages(groups[g].size());
    for (const auto& [round, members] : by_round) {
      std::vector<std::optional<double>> rewards;
      for (size_t s : members) rewards.push_back(groups[g][s].reward);
      auto a = policy::rl::grpo_advantages(rewards);
      for (size_t m = 0; m < members.size(); ++m) advantages[members[m]] = a[m];
    }
    for (size_t s = 0; s < groups[g].size(); ++s) {
      Attempt& a = groups[g][s];
      a.advantage = phase == "train" ? advantages[s] : std::nullopt;
      a.row.line = m_next_line++;
      store::SearchAttemptRecord r;
      r.attempt = attempt_record(m_run_id, a.row);
      r.epoch = epoch;
      r.phase = phase;
      r.group_index = first_group + static_cast<int64_t>(g);
      r.sample = a.sample;
      r.mode = m_settings.mode;
      r.policy_version = m_policy_version;
      r.prompt = a.completion.prompt;
      r.completion = a.completion.completion;
      r.advantage = a.advantage;
      r.logprob = a.completion.logprob;
      r.expansions = a.expansions;
      r.round = a.round;
      if (a.revises) r.revises = groups[g][*a.revises].row.line;
      if (m_shaping != metrics::Shaping::none && phase == "train") {
        json extra = {{"shaping", std::string(metrics::to_string(m_shaping))},
                      {"shaped_reward", a.reward ? json(*a.reward) : json(nullptr)}};
        r.extra_json = extra.dump();
      }
      batch.push_back(std::move(r));
    }
  }
  m_store.record_search(batch);
}

SearchRun::EpochResult SearchRun::sample_epoch(int64_t epoch, const std::string& phase,
                                               const std::vector<size_t>& selection) {
  EpochResult result;
  size_t per_chunk = std::max<size_t>(1, kSamplesPerChunk / static_cast<size_t>(m_settings.samples));
  if (m_settings.mode == "step") per_chunk = std::max<size_t>(1, static_cast<size_t>(m_engine.pool.workers));
  int64_t seed_epoch = phase == "eval" ? static_cast<int64_t>(kEvalStream) + epoch : epoch;
  for (size_t begin = 0; begin < selection.size(); begin += per_chunk) {
    std::vector<size_t> chunk(selection.begin() + static_cast<std::ptrdiff_t>(begin),
                              selection.begin() + static_cast<std::ptrdiff_t>(
                                                      std::min(selection.size(), begin + per_chunk)));
    std::vector<std::vector<Attempt>> groups;
    if (m_settings.mode == "step") {
      auto sampled = sample_step(seed_epoch, chunk);
      if (!sampled) {
        result.interrupted = true;
        return result;
      }
      groups = std::move(*sampled);
    } else {
      groups = sample_whole(seed_epoch, chunk);
      if (groups.empty()) {
        result.interrupted = true;
        return result;
      }
    }
    record(epoch, phase, static_cast<int64_t>(begin), groups);
    for (auto& g : groups) result.groups.push_back(std::move(g));
    if (m_fatal) return result;
    if (interrupt_requested()) {
      result.interrupted = true;
      return result;
    }
    if (m_settings.progress) {
      fmt::print(stderr, "\r  epoch {} ({}): {}/{} tasks", epoch, phase,
                 std::min(selection.size(), begin + per_chunk), selection.size());
    }
  }
  if (m_settings.progress) fmt::print(stderr, "\r\033[K");
  return result;
}

int SearchRun::finish(store::RunStatus status, int code, const std::string& message) {
  if (!message.empty()) fmt::print(stderr, "harness search: {}\n", message);
  m_store.finish_run(m_run_id, status, summary_json());
  return code;
}

int SearchRun::run() {
  std::vector<size_t> train;
  std::vector<std::string> train_ids;
  for (size_t i = 0; i < m_tasks.size(); ++i) {
    if (m_settings.train_split.empty() || m_tasks[i].split == m_settings.train_split) {
      train.push_back(i);
      train_ids.push_back(m_tasks[i].id);
    }
  }
  bool learns = m_policy.capabilities().learns;
  bool no_splits = std::all_of(m_tasks.begin(), m_tasks.end(),
                               [](const tasks::Task& t) { return t.split.empty(); });
  if (m_settings.epochs > 0 && train.empty() && no_splits && !m_tasks.empty()) {
    // A task file without splits (a plain list of statements): every task is trained on.
    for (size_t i = 0; i < m_tasks.size(); ++i) {
      train.push_back(i);
      train_ids.push_back(m_tasks[i].id);
    }
    fmt::print(stderr,
               "harness search: no task of {} has a `split`: training on all {} tasks (the "
               "final pass@k is then on the tasks trained on, not held out)\n",
               m_settings.tasks, m_tasks.size());
  }
  if (m_settings.epochs > 0 && train.empty()) {
    return finish(store::RunStatus::failed, kExitUsage,
                  fmt::format("no task of split `{}` to train on in {}", m_settings.train_split,
                              m_settings.tasks));
  }
  if (m_settings.epochs > 0 && !learns) {
    fmt::print(stderr, "harness search: the {} policy does not learn: the {} epochs sample and "
                       "record only\n", m_policy.kind(), m_settings.epochs);
  }
  for (int64_t epoch = m_state.next_epoch; epoch <= m_settings.epochs; ++epoch) {
    auto epoch_start = std::chrono::steady_clock::now();
    m_policy_version = m_policy.version();
    refresh_library_metrics();
    auto picked = m_state.curriculum.select(epoch, train_ids);
    std::vector<size_t> selection;
    for (size_t i : picked) selection.push_back(train[i]);
    EpochResult result = sample_epoch(epoch, "train", selection);
    if (m_fatal) return finish(store::RunStatus::failed, kExitLeanOrStore, *m_fatal +
                               "\nRun `harness doctor` to see what is missing.");
    if (result.interrupted) {
      return finish(store::RunStatus::interrupted, kExitInterrupted,
                    fmt::format("interrupted in epoch {}; `--resume` continues from epoch {}",
                                epoch, epoch));
    }
    store::EpochRecord rec;
    rec.run_id = m_run_id;
    rec.epoch = epoch;
    rec.phase = "train";
    rec.tasks = static_cast<int64_t>(selection.size());
    std::vector<store::TaskSampleRecord> samples;
    std::vector<policy::Experience> experience;
    double reward_sum = 0, entropy_sum = 0;
    int64_t rewarded = 0, entropies = 0;
    RevisionCounts revision_counts;
    for (auto& group : result.groups) {
      if (group.empty()) continue;
      int64_t n = 0, c = 0;
      bool passed = false;
      for (Attempt& a : group) {
        auto reward = a.reward;
        if (a.round > 0) {
          // A revision: learned from and counted apart; the curve's figures are first tries'.
          revision_counts.add(a.row, reward.has_value());
          if (!reward) continue;
          if (a.row.verdict == Verdict::pass) passed = true;
          experience.push_back({a.completion.decisions, a.advantage.value_or(0),
                                a.row.verdict == Verdict::pass});
          continue;
        }
        ++rec.attempts;
        if (!reward) {
          ++rec.errors;
          continue;
        }
        ++n;
        reward_sum += *reward;
        if (a.row.verdict == Verdict::pass) ++c;
        if (a.completion.entropy) {
          entropy_sum += *a.completion.entropy;
          ++entropies;
        }
        experience.push_back({a.completion.decisions, a.advantage.value_or(0),
                              a.row.verdict == Verdict::pass});
      }
      const tasks::Task& task = m_tasks[group.front().task];
      rewarded += n;
      rec.passes += c;
      if ((c > 0 || passed) && m_state.solved.insert(task.id).second) ++rec.new_solved;
      m_state.curriculum.observe(task.id, epoch, n, c);
      samples.push_back({m_run_id, epoch, task.id, task.split, n, c});
    }
    if (rewarded > 0) {
      rec.pass_rate = static_cast<double>(rec.passes) / static_cast<double>(rewarded);
      rec.mean_reward = reward_sum / static_cast<double>(rewarded);
    }
    if (entropies > 0) rec.entropy = entropy_sum / static_cast<double>(entropies);
    policy::UpdateStats update;
    if (learns) update = m_policy.update(experience);
    for (const auto& group : result.groups) {
      for (const Attempt& a : group) {
        if (a.row.verdict == Verdict::pass) {
          add_to_library(m_tasks[a.task].id, m_tasks[a.task].name, a.row.proof);
        }
      }
    }
    json stats{{"policy_version", m_policy_version},
               {"update", {{"decisions", update.decisions},
                           {"replayed", update.replayed},
                           {"vocabulary_size", update.vocabulary_size},
                           {"new_tactics", update.new_tactics},
                           {"loss", update.loss}}}};
    if (m_settings.grow_library) {
      // The library grows from what this epoch verified in training (docs/library.md, "The
      // loop"); the next epoch searches with it, and the checkpoint below names its version.
      std::set<int64_t> lines;
      for (const auto& group : result.groups) {
        for (const Attempt& a : group) {
          if (a.row.verdict == Verdict::pass) lines.insert(a.row.line);
        }
      }
      if (!grow_library(epoch, lines, rec, stats)) {
        if (m_fatal) return finish(store::RunStatus::failed, kExitLeanOrStore, *m_fatal);
        return finish(store::RunStatus::interrupted, kExitInterrupted,
                      fmt::format("interrupted while the library grew after epoch {}; `--resume` "
                                  "continues from epoch {}", epoch, epoch));
      }
    }
    rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
    std::string budget_note;
    if (m_settings.revisions > 0) {
      stats["revisions"] = revision_counts.to_json();
      auto rows = policy::rl::budget_table(chains_of(result.groups, m_tasks), m_settings.samples,
                                           budget_limit());
      stats["budget"] = budget_json(rows);
      for (const auto& row : rows) {
        if (row.budget != m_settings.samples) continue;
        budget_note = fmt::format(", within {} checks/task: revising {:.3f}, plain {}", row.budget,
                                  row.chains, row.plain ? fmt::format("{:.3f}", *row.plain) : "-");
      }
      budget_note += fmt::format(", {} revisions ({} passed)", revision_counts.attempts,
                                 revision_counts.passes);
    }
    rec.stats_json = stats.dump();
    m_state.next_epoch = epoch + 1;
    store::CheckpointRecord checkpoint;
    checkpoint.run_id = m_run_id;
    checkpoint.epoch = epoch;
    checkpoint.policy_kind = m_policy.kind();
    checkpoint.policy_version = m_policy.version();
    checkpoint.bytes = m_policy.checkpoint();
    checkpoint.state_json = m_state.to_json();
    m_store.finish_epoch(rec, samples, checkpoint);
    write_rollouts(m_store.search_attempts(m_run_id, epoch));
    m_curve.push_back(curve_entry(rec));
    fmt::print(stderr,
               "epoch {}/{}: {} tasks, {} samples, pass rate {}, mean reward {}, entropy {}, "
               "{} newly solved{}, {:.1f} s\n",
               epoch, m_settings.epochs, rec.tasks, rec.attempts,
               rec.pass_rate ? fmt::format("{:.3f}", *rec.pass_rate) : "-",
               rec.mean_reward ? fmt::format("{:.3f}", *rec.mean_reward) : "-",
               rec.entropy ? fmt::format("{:.3f}", *rec.entropy) : "-", rec.new_solved,
               budget_note, rec.seconds);
    if (const char* stop = std::getenv("HARNESS_TEST_KILL_AFTER_EPOCH");
        stop != nullptr && std::to_string(epoch) == stop) {
      std::_Exit(137);  // a kill right after a committed epoch, for the resume tests
    }
  }
  if (!m_settings.evaluate) return finish(store::RunStatus::completed, kExitOk);

  // The evaluation: every task, K samples, the final policy, no update.
  int64_t epoch = m_settings.epochs + 1;
  auto epoch_start = std::chrono::steady_clock::now();
  m_policy_version = m_policy.version();
  std::vector<size_t> all(m_tasks.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  EpochResult result = sample_epoch(epoch, "eval", all);
  if (m_fatal) return finish(store::RunStatus::failed, kExitLeanOrStore, *m_fatal +
                             "\nRun `harness doctor` to see what is missing.");
  if (result.interrupted) {
    return finish(store::RunStatus::interrupted, kExitInterrupted,
                  "interrupted in the evaluation; `--resume` runs it again");
  }
  store::EpochRecord rec;
  rec.run_id = m_run_id;
  rec.epoch = epoch;
  rec.phase = "eval";
  rec.tasks = static_cast<int64_t>(all.size());
  std::vector<store::TaskSampleRecord> samples;
  std::vector<policy::rl::TaskOutcome> outcomes;
  int64_t rewarded = 0;
  RevisionCounts revision_counts;
  for (auto& group : result.groups) {
    if (group.empty()) continue;
    const tasks::Task& task = m_tasks[group.front().task];
    policy::rl::TaskOutcome outcome{task.split, {}};
    for (const Attempt& a : group) {
      if (a.round > 0) {
        revision_counts.add(a.row, reward_for(a.row.verdict).has_value());
        continue;  // pass@k is over first tries only: revisions are not independent samples
      }
      ++rec.attempts;
      if (!reward_for(a.row.verdict)) {
        ++rec.errors;
        continue;
      }
      outcome.passes.push_back(a.row.verdict == Verdict::pass);
    }
    int64_t n = static_cast<int64_t>(outcome.passes.size());
    int64_t c = std::count(outcome.passes.begin(), outcome.passes.end(), true);
    rewarded += n;
    rec.passes += c;
    samples.push_back({m_run_id, epoch, task.id, task.split, n, c});
    outcomes.push_back(std::move(outcome));
  }
  if (rewarded > 0) {
    rec.pass_rate = static_cast<double>(rec.passes) / static_cast<double>(rewarded);
    rec.mean_reward = rec.pass_rate;
  }
  auto tables = policy::rl::pass_at_k_tables_by_split(outcomes, m_settings.samples);
  m_pass_at_k = json::object();
  for (const auto& [split, rows] : tables) {
    json& out = m_pass_at_k[split.empty() ? "(none)" : split];
    for (const auto& row : rows) {
      out.push_back({{"k", row.k}, {"any_of_k", row.any_of_k}, {"unbiased", row.unbiased},
                     {"tasks", row.tasks}});
    }
  }
  rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
  json stats{{"policy_version", m_policy_version}, {"pass_at_k", m_pass_at_k}};
  std::map<std::string, std::vector<policy::rl::BudgetRow>> budget_tables;
  if (m_settings.revisions > 0) {
    budget_tables = policy::rl::budget_tables_by_split(chains_of(result.groups, m_tasks),
                                                       m_settings.samples, budget_limit());
    m_budget = json::object();
    for (const auto& [split, rows] : budget_tables) {
      m_budget[split.empty() ? "(none)" : split] = budget_json(rows);
    }
    stats["budget"] = m_budget;
    stats["revisions"] = revision_counts.to_json();
  }
  rec.stats_json = stats.dump();
  m_store.finish_epoch(rec, samples, std::nullopt);
  write_rollouts(m_store.search_attempts(m_run_id, epoch));
  m_curve.push_back(curve_entry(rec));

  fmt::print(stderr, "evaluation: {} tasks x {} samples, policy {}\n", all.size(),
             m_settings.samples, m_policy_version);
  fmt::print(stderr, "pass@k by split (any-of-k: a task counts when one of its first k samples "
                     "passed; unbiased: 1 - C(n-c,k)/C(n,k))\n");
  fmt::print(stderr, "{:<10} {:>5} {:>7} {:>16} {:>16}\n", "split", "k", "tasks",
             "pass@k any-of-k", "pass@k unbiased");
  for (const auto& [split, rows] : tables) {
    for (const auto& row : rows) {
      fmt::print(stderr, "{:<10} {:>5} {:>7} {:>16.4f} {:>16.4f}\n",
                 split.empty() ? "(none)" : split, row.k, row.tasks, row.any_of_k, row.unbiased);
    }
  }
  if (rec.errors > 0) {
    fmt::print(stderr, "{} samples had no verdict (error) and are left out of pass@k\n", rec.errors);
  }
  if (m_settings.revisions > 0) {
    fmt::print(stderr,
               "success within a budget of B Lean checks per task (docs/search.md, "
               "\"Revisions\"): revising: chains of a first try and up to {} revisions, spent one "
               "after another; plain: unbiased pass@B of independent first tries (\"-\": fewer "
               "than B first tries; compare with a run of --samples B); {} revisions, {} passed\n",
               m_settings.revisions, revision_counts.attempts, revision_counts.passes);
    fmt::print(stderr, "{:<10} {:>5} {:>7} {:>10} {:>10}\n", "split", "B", "tasks", "revising",
               "plain");
    for (const auto& [split, rows] : budget_tables) {
      for (const auto& row : rows) {
        fmt::print(stderr, "{:<10} {:>5} {:>7} {:>10.4f} {:>10}\n",
                   split.empty() ? "(none)" : split, row.budget, row.tasks, row.chains,
                   row.plain ? fmt::format("{:.4f}", *row.plain) : "-");
      }
    }
  }
  return finish(store::RunStatus::completed, kExitOk);
}

std::string SearchRun::summary_json() const {
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  json out = {{"curve", m_curve}, {"pass_at_k", m_pass_at_k}, {"seconds", seconds},
              {"policy_version", m_policy.version()}};
  if (!m_init_from.is_null()) out["init_from"] = m_init_from;
  if (m_settings.revisions > 0) out["budget"] = m_budget;
  if (m_pipeline || m_earlier_stats.lean_checks + m_earlier_stats.cache_hits > 0) {
    PipelineStats v = m_earlier_stats;
    if (m_pipeline) {
      v.cache_hits += m_pipeline->stats().cache_hits;
      v.lean_checks += m_pipeline->stats().lean_checks;
      v.duplicates += m_pipeline->stats().duplicates;
      v.infra_errors += m_pipeline->stats().infra_errors;
    }
    out["verification"] = {{"cache_hits", v.cache_hits}, {"lean_checks", v.lean_checks},
                           {"duplicates", v.duplicates}, {"infra_errors", v.infra_errors}};
  }
  if (!m_lemmas.version.empty()) {
    out["library"] = {{"version", m_lemmas.version}, {"lemmas", m_lemmas.lemmas.size()}};
  }
  return out.dump();
}

}  // namespace harness

#include "harness/step_search.hpp"

#include <fmt/format.h>

#include <chrono>
#include <mutex>
#include <queue>
#include <set>
#include <thread>

#include "harness/heartbeats.hpp"
#include "harness/library_layers.hpp"
#include "harness/pipeline.hpp"
#include "harness/interrupt.hpp"
#include "common/lean_header.hpp"
#include "policy/rl/seeds.hpp"

namespace harness {
namespace {

using lean_bridge::DecidedBy;
using lean_bridge::Verdict;
using Clock = std::chrono::steady_clock;

struct Node {
  double logprob = 0;
  uint64_t order = 0;  // ties: the older node first
  lean_bridge::ProofState state;
  std::vector<policy::Decision> path;
  bool operator<(const Node& other) const {  // priority_queue: the top is the "largest"
    if (logprob != other.logprob) return logprob < other.logprob;
    return order > other.order;
  }
};

std::string script_of(const std::vector<policy::Decision>& path) {
  std::string text;
  for (const auto& d : path) text += "  " + d.tactic + "\n";
  return text;
}

std::string goals_key(const std::vector<std::string>& goals) {
  std::string key;
  for (const auto& g : goals) key += g + '\x1e';
  return key;
}

Row no_proof(const StepJob& job, Verdict verdict, DecidedBy by, std::string reason) {
  Row row;
  row.name = job.task.name;
  row.task = task_record(job.task);
  set_verdict(row, verdict, by, std::move(reason));
  return row;
}

}  // namespace

StepSearcher::StepSearcher(const Engine& engine, StepBudget budget, policy::Policy& policy)
    : m_engine(engine), m_budget(budget), m_policy(policy) {
  for (int i = 0; i < std::max(1, engine.pool.workers); ++i) {
    m_workers.push_back(std::make_unique<lean_bridge::Worker>(engine.pool.worker));
  }
  for (auto& worker : m_workers) {
    m_threads.emplace_back([this, w = worker.get()] { serve(*w); });
  }
}

StepSearcher::~StepSearcher() {
  {
    std::lock_guard lock(m_mutex);
    m_shutdown = true;
  }
  m_work.notify_all();
  for (auto& t : m_threads) t.join();
  for (auto& w : m_workers) w->stop();
}

std::optional<std::string> StepSearcher::fatal_error() const {
  std::lock_guard lock(m_mutex);
  return m_fatal;
}

lean_bridge::WorkerCounters StepSearcher::counters() const {
  std::lock_guard lock(m_mutex);
  lean_bridge::WorkerCounters total;
  for (const auto& w : m_workers) total += w->counters();
  return total;
}

void StepSearcher::serve(lean_bridge::Worker& worker) {
  std::unique_lock lock(m_mutex);
  while (true) {
    m_work.wait(lock, [&] { return m_shutdown || (m_jobs != nullptr && m_next < m_jobs->size()); });
    if (m_shutdown) return;
    size_t i = m_next++;
    const StepJob& job = (*m_jobs)[i];
    lock.unlock();
    StepOutcome outcome;
    if (!m_stop && !interrupt_requested()) {
      outcome = search(worker, job);
      worker.recycle_if_due();
    } else {
      m_stop = true;
    }
    lock.lock();
    (*m_outcomes)[i] = std::move(outcome);
    if (++m_finished == m_jobs->size()) m_done.notify_all();
  }
}

std::optional<std::vector<StepOutcome>> StepSearcher::run(const std::vector<StepJob>& jobs) {
  std::vector<StepOutcome> outcomes(jobs.size());
  if (jobs.empty()) return outcomes;
  {
    std::unique_lock lock(m_mutex);
    m_jobs = &jobs;
    m_outcomes = &outcomes;
    m_next = 0;
    m_finished = 0;
    m_work.notify_all();
    m_done.wait(lock, [&] { return m_finished == jobs.size(); });
    m_jobs = nullptr;
    m_outcomes = nullptr;
  }
  if (m_stop || interrupt_requested()) {
    m_stop = true;
    for (auto& w : m_workers) w->stop();
    return std::nullopt;
  }
  return outcomes;
}

// The script found in tactic mode, checked again as a whole theorem through the pipeline, on
// this thread's own worker. No cache: the search's verdicts reach the store with its attempts.
Row StepSearcher::recheck(lean_bridge::Worker& worker, const tasks::Candidate& candidate) {
  PipelineOptions options{m_engine.identity, false, m_engine.used_constants, "", 0};
  options.library = m_engine.library;  // the same layer the proof states were opened on
  Pipeline pipeline(m_engine.guard, nullptr,
                    [&worker] { return std::make_unique<lean_bridge::WorkerChecker>(worker); },
                    std::move(options));
  pipeline.add(candidate);
  auto rows = pipeline.take_ready(std::chrono::milliseconds(0));
  return std::move(rows.at(0));
}

StepOutcome StepSearcher::search(lean_bridge::Worker& worker, const StepJob& job) {
  StepOutcome out;
  if (auto fatal = fatal_error(); fatal) {
    out.row = no_proof(job, Verdict::error, DecidedBy::worker, *fatal);
    return out;
  }
  auto started = Clock::now();
  auto deadline = started + std::chrono::milliseconds(static_cast<int64_t>(m_budget.seconds * 1000));
  auto tactic_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(m_budget.tactic_timeout_s * 1000));
  // The heartbeat limit, as for a whole proof (harness/assembly.cpp): in the header's rest, so
  // the root's proof states carry it, and capping the statement's and each tactic's own
  // `set_option maxHeartbeats`. The same header text as the re-check's, so the same env.
  auto header = common::split_header(job.task.header);
  const int64_t limit = effective_heartbeats(job.task.header, m_engine.identity.heartbeats);
  lean_bridge::ProofStart start{header.imports, with_heartbeat_limit(header.rest, limit),
                                cap_heartbeats(job.task.statement, limit),
                                m_engine.library ? m_engine.library->layer(job.task.header)
                                                 : lean_bridge::LibraryLayer{}};
  auto run_tactic = [&](const lean_bridge::ProofState& state, const std::string& tactic) {
    return worker.run_tactic(state, cap_heartbeats(tactic, limit), tactic_timeout);
  };
  auto elapsed_ms = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  };

  // The root, opened again whenever the process that held the states is gone.
  auto open = [&]() -> std::optional<lean_bridge::ProofState> {
    auto opened = worker.open_proof(start, m_engine.pool.worker.header_timeout);
    if (auto* state = std::get_if<lean_bridge::ProofState>(&opened)) return *state;
    if (auto* infra = std::get_if<lean_bridge::InfraFailure>(&opened)) {
      if (infra->during_start && !worker.ever_started()) {
        std::lock_guard lock(m_mutex);
        if (!m_fatal) m_fatal = "Lean cannot be started: " + infra->reason;
      }
      out.row = no_proof(job, Verdict::error, DecidedBy::worker, infra->reason);
    } else {
      const auto& result = std::get<lean_bridge::CheckResult>(opened);
      out.row = no_proof(job, result.verdict, result.decided_by, result.reason);
    }
    return std::nullopt;
  };
  auto root = open();
  if (!root) {
    out.row.elapsed_ms = elapsed_ms();
    return out;
  }
  out.root_goal = root->goals.empty() ? "" : root->goals.front();
  // Replays a node's tactics from a fresh root after its process was replaced.
  auto revive = [&](Node& node) -> bool {
    auto fresh = open();
    if (!fresh) return false;
    lean_bridge::ProofState state = *fresh;
    for (const auto& d : node.path) {
      auto step = run_tactic(state, d.tactic);
      auto* s = std::get_if<lean_bridge::TacticStep>(&step);
      if (s == nullptr || s->status != lean_bridge::TacticStep::Status::progress) return false;
      state = s->state;
      ++out.tactics_run;
    }
    node.state = state;
    return true;
  };

  std::priority_queue<Node> frontier;
  std::set<std::string> seen{goals_key(root->goals)};
  uint64_t order = 0;
  frontier.push(Node{0, order++, *root, {}});
  Node deepest = frontier.top();
  bool out_of_time = false;
  while (!frontier.empty() && out.expansions < m_budget.expansions) {
    if (Clock::now() >= deadline) {
      out_of_time = true;
      break;
    }
    if (interrupt_requested()) break;
    Node node = frontier.top();
    frontier.pop();
    if (node.state.generation != worker.generation() && !revive(node)) continue;
    ++out.expansions;
    if (node.path.size() > deepest.path.size()) deepest = node;
    policy::StepState view{&job.view, node.state.goals,
                           node.path.empty() ? "" : node.path.back().tactic,
                           static_cast<int>(node.path.size())};
    uint64_t seed = policy::rl::derive_seed(job.seed, {static_cast<uint64_t>(out.expansions)});
    std::vector<policy::TacticChoice> choices;
    try {
      choices = m_policy.propose(view, m_budget.width, seed);
    } catch (const policy::PolicyError& e) {
      out.row = no_proof(job, Verdict::error, DecidedBy::input, e.what());
      out.row.elapsed_ms = elapsed_ms();
      return out;
    }
    for (const auto& choice : choices) {
      if (choice.tactic.empty() || choice.tactic.find('\n') != std::string::npos) continue;
      // The guard reads every tactic before Lean runs it, as it reads whole proofs.
      tasks::Candidate probe{0, job.task.name, job.task, tasks::ProofForm::continuation,
                             "  " + choice.tactic + "\n"};
      if (m_engine.guard.check(probe.proof, lean_bridge::GuardMode::proof_body, job.task.header)) {
        continue;
      }
      // Nor a lemma derived from this task (the re-check would reject the script).
      if (m_engine.library && m_engine.library->names_forbidden(job.task.id, choice.tactic)) {
        continue;
      }
      if (node.state.generation != worker.generation() && !revive(node)) break;
      auto step = run_tactic(node.state, choice.tactic);
      ++out.tactics_run;
      auto* s = std::get_if<lean_bridge::TacticStep>(&step);
      if (s == nullptr) continue;  // the process is gone: the node is revived for the next one
      using Status = lean_bridge::TacticStep::Status;
      if (s->status == Status::failed || s->status == Status::timeout) continue;
      Node child{node.logprob + choice.logprob, order++, s->state, node.path};
      // The goals as the policy saw them: separated by blank lines, as Lean prints them.
      std::string goals;
      for (const auto& g : node.state.goals) goals += (goals.empty() ? "" : "\n\n") + g;
      child.path.push_back({goals, view.previous_tactic, choice.tactic});
      if (s->status == Status::progress) {
        if (seen.insert(goals_key(s->state.goals)).second) frontier.push(std::move(child));
        continue;
      }
      // Every goal closed in tactic mode: check the script again as a whole theorem.
      tasks::Candidate candidate{0, job.task.name, job.task, tasks::ProofForm::continuation,
                                 script_of(child.path)};
      Row row = recheck(worker, candidate);
      out.script = candidate.proof;
      out.decisions = child.path;
      out.logprob = child.logprob;
      if (row.verdict == Verdict::pass) {
        row.elapsed_ms = elapsed_ms();
        out.row = std::move(row);
        return out;
      }
      // Lean did not accept the script as a theorem: keep searching, remember why.
      deepest = child;
      out.row = std::move(row);
    }
  }
  if (out.row.task && out.row.verdict != Verdict::pass && !out.script.empty()) {
    out.row.elapsed_ms = elapsed_ms();
    return out;  // the best candidate found was refused when checked as a theorem
  }
  out.script = script_of(deepest.path);
  out.decisions = deepest.path;
  out.logprob = deepest.logprob;
  out.row = no_proof(job, out_of_time ? Verdict::timeout : Verdict::fail,
                     out_of_time ? DecidedBy::timeout : DecidedBy::lean,
                     fmt::format("search: no proof after {} expansions ({} tactics run{})",
                                 out.expansions, out.tactics_run,
                                 out_of_time ? ", out of time" : ""));
  out.row.proof = out.script;
  out.row.elapsed_ms = elapsed_ms();
  return out;
}

}  // namespace harness

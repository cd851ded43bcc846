#pragma once
// Step-wise best-first search over the REPL's proof states (tactic mode). Each worker thread
// owns a REPL process; a search opens the task's statement with `sorry`, asks the policy for
// tactics for the main goal of the most promising open node (priority: the cumulative
// log-probability of its tactics), runs them, and stops at a budget of expansions or seconds.
// A tactic script that closes every goal is checked again as a whole theorem, through the guard
// and the same verifier as any candidate, before it counts: tactic-mode answers only guide.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <optional>
#include <string>
#include <vector>

#include "harness/engine.hpp"
#include "harness/rows.hpp"
#include "lean-bridge/worker.hpp"
#include "policy/policy.hpp"
#include "tasks/candidate.hpp"
#include "tasks/task.hpp"

namespace harness {

struct StepBudget {
  int expansions = 32;           // nodes expanded per search
  int width = 4;                 // tactics proposed per expansion
  double seconds = 60;           // wall clock per search
  double tactic_timeout_s = 10;  // per tactic
};

struct StepJob {
  tasks::Task task;
  policy::TaskView view;
  uint64_t seed = 0;
};

struct StepOutcome {
  Row row;                                  // the re-check's verdict, or why nothing was found
  std::string root_goal;                    // the goal the search started from ("" if none)
  std::string script;                       // the tactic script found, else the deepest path
  std::vector<policy::Decision> decisions;  // of that script
  double logprob = 0;                       // of that script under the policy
  int64_t expansions = 0;
  int64_t tactics_run = 0;
};

class StepSearcher {
 public:
  StepSearcher(const Engine& engine, StepBudget budget, policy::Policy& policy);
  ~StepSearcher();

  // Runs every job on the workers; outcomes in job order. nullopt when interrupted.
  std::optional<std::vector<StepOutcome>> run(const std::vector<StepJob>& jobs);
  std::optional<std::string> fatal_error() const;
  lean_bridge::WorkerCounters counters() const;

 private:
  StepOutcome search(lean_bridge::Worker& worker, const StepJob& job);
  Row recheck(lean_bridge::Worker& worker, const tasks::Candidate& candidate);
  void serve(lean_bridge::Worker& worker);

  const Engine& m_engine;
  StepBudget m_budget;
  policy::Policy& m_policy;
  std::vector<std::unique_ptr<lean_bridge::Worker>> m_workers;
  // One thread per worker for the searcher's whole life: a REPL process dies with the thread
  // that started it (PR_SET_PDEATHSIG), so the threads must outlive every run().
  std::vector<std::thread> m_threads;
  mutable std::mutex m_mutex;
  std::condition_variable m_work;
  std::condition_variable m_done;
  const std::vector<StepJob>* m_jobs = nullptr;  // the batch of the run() in progress
  std::vector<StepOutcome>* m_outcomes = nullptr;
  size_t m_next = 0;      // next job to take
  size_t m_finished = 0;  // jobs of the batch done
  bool m_shutdown = false;
  std::optional<std::string> m_fatal;
  std::atomic<bool> m_stop{false};
};

}  // namespace harness

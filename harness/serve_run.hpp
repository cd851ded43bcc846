#pragma once
// The verification side of `harness serve`: one dispatcher thread owns the pipeline (unordered:
// each snippet's row as soon as it is decided) and the store. HTTP threads hand it jobs (the
// snippets of one request and the exchange to answer); it turns each snippet into a candidate
// (serve/snippet.hpp), records every verification in the serve run, and answers each exchange
// once all its snippets are decided.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "harness/engine.hpp"
#include "harness/pipeline.hpp"
#include "serve/http_server.hpp"
#include "serve/kimina.hpp"
#include "store/store.hpp"
#include "tasks/task_index.hpp"

namespace harness {

struct ServeStats {
  int64_t requests = 0;
  int64_t snippets = 0;
  int64_t answered = 0;   // exchanges answered
  int64_t cancelled = 0;  // clients that went away before their answer
  int64_t dropped = 0;    // checks of theirs dropped before Lean ran them
  int64_t refused = 0;    // 429: the queue was full
  int64_t queued = 0;     // items waiting or being checked now
  int64_t in_flight = 0;  // items in the pipeline now
  std::map<std::string, int64_t> verdicts;  // decided items by verdict
};

class ServeDispatcher {
 public:
  // retain_days > 0: the dispatcher deletes the store's serve attempts older than that at its
  // start and about once an hour (prune()).
  ServeDispatcher(const Engine& engine, store::Store& store, int64_t run_id,
                  const tasks::TaskIndex* tasks, size_t max_queued, int retain_days = 0);
  // Finishes what is queued, then stops.
  ~ServeDispatcher();

  // One thing a request asks to have checked: a candidate, or an outcome decided without Lean
  // (no code, no usable answer).
  struct Item {
    std::optional<tasks::Candidate> candidate;
    bool known_task = false;  // its reward counts; else the reward is null
    serve::kimina::Outcome decided;  // when there is no candidate
    Pipeline::AddOptions options;    // the request's own timeout and cache use
    std::optional<Pipeline::Prepared> prepared;  // by submit(), on the caller's thread
  };
  // Builds the HTTP answer from the items' outcomes, in order (runs on the dispatcher).
  using Answer = std::function<serve::HttpResponse(const std::vector<serve::kimina::Outcome>&)>;

  // Queues a request's items; false (nothing queued) when they would not fit.
  bool submit(std::vector<Item> items, std::shared_ptr<serve::Exchange> exchange, Answer answer);
  // Stops taking jobs and waits until every queued one is answered.
  void drain();
  ServeStats stats() const;
  PipelineStats pipeline_stats() const;
  std::optional<lean_bridge::PoolStats> checker_stats() const;
  // The Lean processes' resident memory, read at most every kMemoryEvery by the dispatcher.
  lean_bridge::ResidentMemory resident_memory() const;
  std::optional<std::string> fatal_error() const;
  static constexpr std::chrono::seconds kMemoryEvery{1};

 private:
  struct Job {
    std::vector<Item> items;
    std::shared_ptr<serve::Exchange> exchange;
    Answer answer;
    std::vector<serve::kimina::Outcome> outcomes;
    std::vector<uint64_t> seqs;  // its items' places in the pipeline
    size_t remaining = 0;
  };
  void drop(const std::shared_ptr<Job>& job);  // its client went away
  void run();
  void loop();
  void start(std::shared_ptr<Job> job);
  void finish(Job& job);
  void prune();

  const Engine& m_engine;
  store::Store& m_store;
  int64_t m_run_id;
  const tasks::TaskIndex* m_tasks;
  size_t m_max_queued;
  StoreCache m_cache;
  std::unique_ptr<Pipeline> m_pipeline;  // the dispatcher thread's only
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  std::deque<std::shared_ptr<Job>> m_incoming;
  std::vector<std::weak_ptr<Job>> m_gone;  // jobs whose client went away
  size_t m_queued = 0;  // snippets submitted and not yet answered
  bool m_draining = false;
  bool m_results_ready = false;  // Lean answered since the dispatcher last looked
  std::optional<std::string> m_fatal;  // why the dispatcher stopped
  ServeStats m_stats;
  PipelineStats m_pipeline_stats;
  std::optional<lean_bridge::PoolStats> m_checker_stats;
  lean_bridge::ResidentMemory m_memory;
  std::chrono::steady_clock::time_point m_memory_read{};  // dispatcher's
  bool m_memory_empty = true;                              // dispatcher's: no worker read yet
  std::map<uint64_t, std::pair<std::shared_ptr<Job>, size_t>> m_by_seq;  // dispatcher's
  int64_t m_next_line = 1;
  int m_retain_days = 0;
  std::chrono::steady_clock::time_point m_next_prune{};  // dispatcher's
  int64_t m_pruned = 0;  // attempts deleted by the pruning in progress
  std::thread m_thread;
};

}  // namespace harness

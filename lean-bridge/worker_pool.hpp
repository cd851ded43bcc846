#pragma once
// N workers, each on a thread of its own, fed from one queue. A worker takes the highest
// priority first and, among those, the oldest request whose imports it already holds, so
// imports are elaborated once per worker and not once per proof. A worker with nothing of its
// own to do takes imports no other worker holds; imports others hold it leaves to them until it
// has been idle as long as an import takes (then importing has paid for itself: at most twice
// the best choice made knowing the future). With warm spares (PoolOptions::spares), a worker
// that loses its process takes a ready one. A check whose worker dies is retried on a fresh worker (bounded); a proof
// that takes down every worker it is given gets `fail` (reason `resource: ...`), while a
// worker that cannot even start gives `error`. When Lean cannot be started at all, the pool turns fatal and answers every request
// with `error` at once; fatal_error() says why. As a check's closing request goes out, its
// worker takes the oldest waiting request of the top priority for the same imports and sends
// it behind (Worker::check): two checks in flight per worker; a request so taken can no longer
// be cancelled (its answer comes).
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "lean-bridge/check.hpp"
#include "lean-bridge/checker.hpp"
#include "lean-bridge/spares.hpp"
#include "lean-bridge/worker.hpp"

namespace lean_bridge {

struct PoolOptions {
  int workers = 1;
  WorkerOptions worker;
  int max_tries = 2;       // workers a check may be sent to before it is an `error`
  size_t queue_limit = 0;  // submit() blocks above this many waiting requests; 0: 32 × workers, at least 64
  // Warm spares (spares.hpp); count 0: none, a replacement starts and imports on the spot.
  SpareOptions spares{.count = 0};
};

// The real Checker (checker.hpp).
class WorkerPool final : public Checker {
 public:
  explicit WorkerPool(PoolOptions options);
  // Stops at once: queued checks are dropped and REPLs still checking are killed.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues a check; blocks while the queue is full. Thread-safe.
  void submit(CheckRequest request) override;
  // Drops a queued check (no result will come); false when it is running or unknown.
  bool cancel(uint64_t id) override;
  // No more submissions; workers finish what is queued.
  void close() override;
  // The next finished check, in completion order; nothing once closed and drained.
  std::optional<CheckResult> next_result();
  // Like next_result(), but gives up after `wait`; `drained` tells the two empty cases apart.
  std::optional<CheckResult> next_result_for(std::chrono::milliseconds wait,
                                             bool& drained) override;
  // Every finished check at once, under one lock.
  size_t take_results(std::vector<CheckResult>& out, std::chrono::milliseconds wait,
                      bool& drained) override;
  std::optional<std::string> fatal_error() const override;
  PoolStats stats() const override;
  ResidentMemory resident_memory() const override;
  void on_result(std::function<void()> hook) override;

 private:
  struct Slot {
    std::unique_ptr<Worker> worker;
    std::thread thread;
    WorkerCounters counters;  // the worker's counters as of its last finished check
    std::vector<std::string> held;  // the import sets its process held then
    bool working = false;  // a check taken and not yet finished (its imports, retries included)
    // The running check's wall-clock budget, read by the spares' risk probe without the pool's
    // lock (with the worker's proof_started_ns()).
    std::unique_ptr<std::atomic<int64_t>> budget_ms = std::make_unique<std::atomic<int64_t>>(0);
  };
  int checks_at_risk() const;
  void run_slot(Slot& slot);
  std::optional<CheckRequest> take(Slot& slot);
  std::deque<CheckRequest>::iterator choose(const Slot& slot, int priority,
                                           Clock::duration idle);
  // The oldest request of the top priority for `imports`, when one waits (never blocks).
  std::optional<CheckRequest> take_next(const std::string& imports);
  CheckResult run_with_retries(Worker& worker, const CheckRequest& request,
                               const Worker::NextRequest& next);
  void note_start_failure(const std::string& reason);
  void deliver(CheckResult result);
  bool stopping() const;

  PoolOptions m_options;
  std::unique_ptr<SpareSet> m_spares;
  std::vector<Slot> m_slots;
  mutable std::mutex m_mutex;
  std::condition_variable m_work_ready;
  std::condition_variable m_space_ready;
  std::condition_variable m_result_ready;
  std::deque<CheckRequest> m_queue;
  std::deque<CheckResult> m_results;
  size_t m_in_flight = 0;  // submitted and not yet taken by next_result()
  bool m_closed = false;
  bool m_stopping = false;
  bool m_any_started = false;
  int m_start_failures = 0;
  std::optional<std::string> m_fatal;
  PoolStats m_stats;
  std::function<void()> m_on_result;  // set before the first submit, then only read
};

}  // namespace lean_bridge

#pragma once
// The seam in front of Lean: what a run asks of whatever checks its candidates. The worker
// pool is the real one (worker_pool.hpp); WorkerChecker serves one worker inline (a step
// search's thread re-checking a script on its own REPL); tests use an in-process fake. The
// harness's pipeline (harness/pipeline.hpp) is written against this interface only.
//
// Contract:
// - submit() queues a request (it may block while a bounded queue is full); every request
//   submitted and not cancelled gets exactly one result, carrying its id.
// - Requests are taken by priority (higher first), then in submission order; a checker may
//   prefer, among equals, what its workers can run cheaply (the imports they hold).
// - cancel(id) drops a request still queued: no result will come for it. A request already
//   running is not stopped (false), and its result comes as usual.
// - After close(), next_result_for() reports `drained` once every result has been taken.
// - fatal_error() is set when Lean cannot be started at all; from then on every request is
//   answered at once with verdict `error`.
// - take_results() takes every finished result at once (one hand-off for a batch, not one
//   per answer).
// - on_result(hook): `hook` runs, on whatever thread delivers it, when a result becomes ready
//   and none was waiting to be taken (once per batch: the caller takes them all with
//   take_results()), so that a caller waiting on something else as well (a server's new
//   requests) can wait on its own condition variable. A checker that cannot tell keeps the
//   default, which never runs it: the caller must then also poll take_results().
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <vector>
#include <string>

#include "lean-bridge/check.hpp"
#include "lean-bridge/worker.hpp"

namespace lean_bridge {

// The workers' counters added up, plus the checks sent to a second worker and what the warm
// spares did. Every process a worker used was started by it (starts) or taken from the spares
// (spares_taken); every import set paid is in imports + spare_starts.
struct PoolStats : WorkerCounters {
  int retries = 0;
  int spare_starts = 0;      // processes the spares started (each with one import)
  int spares_target = 0;     // warm spares wanted at the end
  int spares_discarded = 0;  // ready spares dropped for imports more in demand
  int spares_ready = 0;      // warm spares ready now
  int workers = 0;           // pool slots
  int busy = 0;              // workers with a check in hand now (importing for it included)
};

// What a checker's Lean processes hold in memory now, in bytes: each worker's process (0 when
// it has none) and the warm spares ready.
struct ResidentMemory {
  std::vector<uint64_t> workers;
  uint64_t spares = 0;
};

class Checker {
 public:
  virtual ~Checker() = default;
  virtual void submit(CheckRequest request) = 0;
  virtual bool cancel(uint64_t id) = 0;
  virtual void close() = 0;
  // The next finished check, in completion order; gives up after `wait`. `drained` tells "none
  // yet" from "none will come" (closed, every result taken).
  virtual std::optional<CheckResult> next_result_for(std::chrono::milliseconds wait,
                                                     bool& drained) = 0;
  // Every finished check (appended to `out` in completion order), waiting up to `wait` for the
  // first; `drained` as next_result_for's. Returns how many were appended. The default takes
  // them one by one through next_result_for().
  virtual size_t take_results(std::vector<CheckResult>& out, std::chrono::milliseconds wait,
                              bool& drained);
  virtual std::optional<std::string> fatal_error() const = 0;
  virtual PoolStats stats() const = 0;
  // Reads /proc once: for a gauge read seconds apart, not for every check. Thread-safe.
  virtual ResidentMemory resident_memory() const { return {}; }
  // Set before the first submit().
  virtual void on_result(std::function<void()> hook) { (void)hook; }
};

// One worker, driven inline by the thread that owns it: submit() runs the check at once (a
// worker that fails is not retried: its InfraFailure becomes an `error` result) and queues the
// result. For code that already runs on a worker's own thread.
class WorkerChecker final : public Checker {
 public:
  explicit WorkerChecker(Worker& worker) : m_worker(worker) {}
  void submit(CheckRequest request) override;
  bool cancel(uint64_t) override { return false; }  // nothing is ever queued
  void close() override { m_closed = true; }
  std::optional<CheckResult> next_result_for(std::chrono::milliseconds wait,
                                             bool& drained) override;
  std::optional<std::string> fatal_error() const override { return std::nullopt; }
  PoolStats stats() const override;

 private:
  Worker& m_worker;
  std::deque<CheckResult> m_results;
  bool m_closed = false;
};

}  // namespace lean_bridge

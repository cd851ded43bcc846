#pragma once
// Warm spares: REPL processes that start and import in the background, so that a worker whose
// process is killed (a timeout), dies, is recycled or must change imports takes one ready
// instead of paying an import on the spot. With Mathlib the import is the expensive part of
// Lean (seconds to a minute), so without spares every timeout costs the timeout plus an import.
//
// How many: a fixed number, or `auto`: `initial` until a replacement is seen or foreseen, then the observed rate of replacements times the observed
// import time (Little's law: the replacements that happen while one spare imports), doubled for
// bursts, at least one, at most `max_auto`, and never more than the memory left allows (the
// resident size a spare reached × the count ≤ 80% of MemAvailable). The rate counts the
// replacements of the last minute, and the checks running past half their wall-clock budget as
// replacements to come, over the time since the first import finished (at least 1 s). Which imports: the ones most
// in demand (the requests submitted, decayed) that the spares do not already hold; a process due
// for recycling asks for its own imports on top of that.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "lean-bridge/worker.hpp"

namespace lean_bridge {

struct SpareOptions {
  int count = -1;  // spares kept warm; -1: auto
  int max_auto = 8;
  int initial = 1;  // auto's count before any replacement is seen
  // Memory the spares may take in bytes; 0: 80% of MemAvailable, read as they start.
  uint64_t memory_bytes = 0;
};

// What a SpareSet has done, for the pool's summary.
struct SpareStats {
  WorkerCounters counters;  // the spares' own starts, imports, deaths
  int target = 0;           // spares wanted now
  int ready = 0;            // ready now
  int taken = 0;            // handed to workers
  int discarded = 0;        // ready spares dropped (imports no longer in demand)
  int memory_capped = 0;    // times auto sizing was held back by memory
};

class SpareSet final : public ProcessSource {
 public:
  SpareSet(WorkerOptions worker, SpareOptions options);
  // Kills the spares, those still importing included.
  ~SpareSet() override;
  SpareSet(const SpareSet&) = delete;
  SpareSet& operator=(const SpareSet&) = delete;

  std::optional<StartedRepl> take(const std::string& imports, bool wait) override;
  void want(const std::string& imports, bool wanted) override;
  void note_replacement(std::optional<std::chrono::milliseconds> imported) override;
  // A request for these imports was submitted: the demand the spares follow.
  void note_request(const std::string& imports);
  // How many running checks are likely to end in a replacement (past half their wall-clock
  // budget): auto sizing counts them as replacements already, so that spares start importing
  // before the kills. Called under the set's lock; must not call back into the set.
  void set_risk_probe(std::function<int()> probe);
  // No spare is started after this; those importing finish or are killed by the destructor.
  void stop();
  SpareStats stats() const;
  // The process groups of the spares ready now (for their resident memory).
  std::vector<pid_t> ready_groups() const;

 private:
  void run_warmer(size_t index);
  int target_locked();
  int needed_locked();
  void trim_locked();  // ready spares beyond a memory-capped target are stopped
  std::optional<std::string> pick_imports_locked();
  int held_locked(const std::string& imports) const;  // ready + importing
  void note_import_locked(std::chrono::milliseconds took);

  WorkerOptions m_worker;
  SpareOptions m_options;
  mutable std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<StartedRepl> m_ready;
  std::map<std::string, int> m_importing;  // imports → spares importing them
  std::map<std::string, int> m_waiters;    // imports → workers waiting for one importing
  std::map<std::string, int> m_wanted;     // imports → recycling workers wanting one
  std::map<std::string, double> m_demand;  // imports → decayed count of requests
  std::deque<Clock::time_point> m_replacements;  // recent ones, for the auto rate
  std::optional<Clock::time_point> m_first_ready;  // the first import anyone finished
  std::function<int()> m_risk;
  double m_import_s = 0;         // observed import time (moving average); 0: none yet
  uint64_t m_spare_rss = 0;      // largest resident size a ready spare had
  uint64_t m_available = 0;      // MemAvailable as last read
  Clock::time_point m_available_read{};
  int m_start_failures = 0;      // consecutive
  bool m_stopping = false;
  bool m_memory_capped = false;  // the last target was held back by memory
  SpareStats m_stats;
  std::vector<std::thread> m_threads;
  std::vector<std::unique_ptr<std::atomic<pid_t>>> m_groups;  // each warmer's importing process
};

// The memory the system still has for new processes (MemAvailable), 0 when unknown.
uint64_t available_memory_bytes();

}  // namespace lean_bridge

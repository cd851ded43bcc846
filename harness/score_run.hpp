#pragma once
// One `harness score` run: reads candidate lines, answers each from the verification cache
// or through the worker pool, and writes one OUT row and one attempt row per line, in input
// order, committing rows in batches so a crash loses at most the batch in progress.
#include <array>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness/canaries.hpp"
#include "harness/progress.hpp"
#include "harness/rows.hpp"
#include "lean-bridge/guard.hpp"
#include "harness/score_settings.hpp"
#include "harness/workspace.hpp"
#include "lean-bridge/worker_pool.hpp"
#include "store/store.hpp"
#include "tasks/candidate_reader.hpp"

namespace harness {

class ScoreRun {
 public:
  ScoreRun(const ScoreSettings& settings, store::Store& store, int64_t run_id,
           lean_bridge::PoolOptions pool, std::string toolchain, std::string repl,
           std::vector<Canary> canaries, const lean_bridge::Guard& guard,
           std::string sandbox_mode);
  // Runs to the end of the input (or an interruption, a fatal pool, a strict stop).
  void run(tasks::CandidateReader& reader);
  std::string summary_json() const;
  void print_summary() const;
  std::optional<std::string> fatal_error() const { return m_fatal; }
  std::optional<std::string> canary_failure() const { return m_canary_failure; }
  bool stopped_on_invalid() const { return m_strict_stop; }
  bool interrupted() const { return m_interrupted; }

 private:
  struct Pending {
    int64_t seq;
    Row row;  // filled except for Lean's answer
  };
  void take(tasks::Candidate candidate);
  void take(const tasks::InvalidLine& invalid);
  void submit(lean_bridge::CheckRequest request);
  void submit_due_canaries(bool all);
  void on_canary(const lean_bridge::CheckResult& result);
  void finish(int64_t seq, Row row);
  void on_result(lean_bridge::CheckResult result);
  void drain(std::chrono::milliseconds wait);
  void write_ready(bool force_flush);
  void flush();
  std::string cache_key_for(const tasks::Candidate& candidate) const;

  const ScoreSettings& m_settings;
  const lean_bridge::Guard& m_guard;
  store::Store& m_store;
  int64_t m_run_id;
  std::string m_toolchain;
  std::string m_repl;
  std::string m_sandbox_mode;  // part of the cache key: a verdict depends on how Lean ran
  std::unique_ptr<lean_bridge::WorkerPool> m_pool;
  lean_bridge::PoolOptions m_pool_options;
  std::optional<lean_bridge::PoolStats> m_pool_stats;
  std::ofstream m_out;
  int64_t m_next_seq = 0;     // sequence number of the next line read
  int64_t m_written_seq = 0;  // rows before this are written
  std::map<int64_t, Row> m_ready;
  std::map<uint64_t, Pending> m_in_flight;               // by check id
  std::map<std::string, std::vector<Pending>> m_waiting;  // same key as a check in flight
  std::map<std::string, uint64_t> m_key_in_flight;
  std::vector<store::AttemptRecord> m_batch;
  std::vector<std::string> m_out_lines;
  std::chrono::steady_clock::time_point m_last_flush;
  std::chrono::steady_clock::time_point m_start;
  std::array<int64_t, 7> m_counts{};
  int64_t m_cache_hits = 0;
  int64_t m_lean_checks = 0;
  Progress m_progress;
  std::optional<std::string> m_fatal;
  std::vector<Canary> m_canaries;
  std::vector<int64_t> m_canary_at;  // the line sequence number after which each one goes in
  size_t m_next_canary = 0;
  std::set<uint64_t> m_in_flight_canaries;
  int64_t m_canaries_refused = 0;
  int64_t m_canaries_done = 0;
  std::optional<std::string> m_canary_failure;
  lean_bridge::CheckRequest m_last_request;  // its imports and header carry the canaries
  bool m_strict_stop = false;
  bool m_interrupted = false;
};

}  // namespace harness

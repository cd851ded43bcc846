#pragma once
// Checks a batch of candidates and hands back one Row per candidate, in the batch's order:
// the guard first (a refusal means Lean is not asked), then the verification cache, then the
// worker pool; identical candidates of a batch are checked once. Used by `search` in whole-proof
// mode. The pool starts on first use and lives across batches (workers keep their imports).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/engine.hpp"
#include "harness/rows.hpp"
#include "store/store.hpp"
#include "tasks/candidate.hpp"

namespace harness {

struct VerifyStats {
  int64_t cache_hits = 0;
  int64_t lean_checks = 0;
  int64_t duplicates = 0;
};

class BatchVerifier {
 public:
  BatchVerifier(const Engine& engine, store::Store& store, bool use_cache);
  ~BatchVerifier();

  // Blocks until every candidate has its verdict, or the run is interrupted (then nullopt:
  // checks still running are killed). Row::line is left to the caller.
  std::optional<std::vector<Row>> verify(const std::vector<tasks::Candidate>& candidates);
  // Set when Lean cannot be started at all (every check then has verdict `error`).
  std::optional<std::string> fatal_error() const { return m_fatal; }
  const VerifyStats& stats() const { return m_stats; }
  std::optional<lean_bridge::PoolStats> pool_stats() const;

 private:
  const Engine& m_engine;
  store::Store& m_store;
  bool m_use_cache;
  std::unique_ptr<lean_bridge::WorkerPool> m_pool;
  std::optional<std::string> m_fatal;
  VerifyStats m_stats;
};

}  // namespace harness

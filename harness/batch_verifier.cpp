#include "harness/batch_verifier.hpp"

#include <map>

#include "harness/assembly.hpp"
#include "harness/interrupt.hpp"

namespace harness {

BatchVerifier::BatchVerifier(const Engine& engine, store::Store& store, bool use_cache)
    : m_engine(engine), m_store(store), m_use_cache(use_cache) {}

BatchVerifier::~BatchVerifier() = default;

std::optional<lean_bridge::PoolStats> BatchVerifier::pool_stats() const {
  if (!m_pool) return std::nullopt;
  return m_pool->stats();
}

std::optional<std::vector<Row>> BatchVerifier::verify(
    const std::vector<tasks::Candidate>& candidates) {
  std::vector<Row> rows(candidates.size());
  std::map<std::string, std::vector<size_t>> by_key;  // checks in flight → rows waiting
  std::map<uint64_t, std::string> key_of_check;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const tasks::Candidate& c = candidates[i];
    Row& row = rows[i];
    row = candidate_row(c);
    Assembly assembly = assemble(c, m_engine.guard);
    if (assembly.early) {
      set_verdict(row, assembly.early->verdict, assembly.early->decided_by, assembly.early->reason);
      continue;
    }
    row.cache_key = verification_key(m_engine.identity, c);
    if (auto same = by_key.find(*row.cache_key); same != by_key.end()) {
      same->second.push_back(i);
      ++m_stats.duplicates;
      continue;
    }
    if (m_use_cache) {
      // A verdict cached without the constants this run asks for is checked again.
      auto hit = m_store.lookup_cache(*row.cache_key);
      if (hit && (!m_engine.used_constants || hit->used_constants_json)) {
        apply_cached(row, *hit);
        ++m_stats.cache_hits;
        continue;
      }
    }
    by_key[*row.cache_key].push_back(i);
    assembly.request.id = i;
    assembly.request.used_constants = m_engine.used_constants;
    key_of_check[i] = *row.cache_key;
    if (!m_pool) m_pool = std::make_unique<lean_bridge::WorkerPool>(m_engine.pool);
    ++m_stats.lean_checks;
    m_pool->submit(std::move(assembly.request));
  }
  size_t waiting = key_of_check.size();
  while (waiting > 0) {
    if (interrupt_requested()) {
      m_pool.reset();  // kills the checks still running
      return std::nullopt;
    }
    bool drained = false;
    auto result = m_pool->next_result_for(std::chrono::milliseconds(100), drained);
    if (!result) continue;
    auto key = key_of_check.find(result->id);
    if (key == key_of_check.end()) continue;
    --waiting;
    if (!m_fatal) m_fatal = m_pool->fatal_error();
    const auto& indices = by_key[key->second];
    for (size_t n = 0; n < indices.size(); ++n) {
      Row& row = rows[indices[n]];
      apply_result(row, *result);
      row.cached = n > 0;  // answered by the identical check of this batch
    }
    by_key.erase(key->second);
  }
  return rows;
}

}  // namespace harness

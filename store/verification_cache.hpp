#pragma once
// Internal to the store library: the verification_cache table's hot path.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "store/records.hpp"
#include "store/statement.hpp"

namespace store {

// Reads and writes verification_cache through statements prepared once. Not thread-safe.
class VerificationCache {
 public:
  // `db` must outlive this object.
  explicit VerificationCache(Database& db);

  // The entry for `key`, counting the hit in memory (flush_hits writes the counts); nullopt
  // when there is none. A read, never a write: a lookup costs no transaction of its own.
  std::optional<CachedVerdict> lookup(const std::string& key);
  // Adds the hits counted since the last flush to their entries. The caller holds the
  // transaction (Store::record's, or the store's last one when it closes).
  void flush_hits();
  bool hits_pending() const { return !m_pending_hits.empty(); }
  // The hits counted and not yet flushed, taken away; and hits counted elsewhere, added.
  CacheHits take_hits();
  void add_hits(const CacheHits& hits);

  // Writes the verdict of `attempt` under `key`, replacing an older entry for the key but
  // keeping its hit count. The caller has checked is_cacheable and opened the transaction.
  void put(const std::string& key, const AttemptRecord& attempt);

  int64_t count();

 private:
  Database& m_db;
  Statement m_lookup;
  Statement m_put;
  Statement m_count_hits;
  CacheHits m_pending_hits;
};

}  // namespace store

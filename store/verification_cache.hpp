#pragma once
// Internal to the store library: the verification_cache table's hot path.
#include <cstdint>
#include <optional>
#include <string>

#include "store/records.hpp"
#include "store/statement.hpp"

namespace store {

// Reads and writes verification_cache through statements prepared once. Not thread-safe.
class VerificationCache {
 public:
  // `db` must outlive this object.
  explicit VerificationCache(Database& db);

  // The entry for `key`, counting the hit; nullopt when there is none.
  std::optional<CachedVerdict> lookup(const std::string& key);

  // Writes the verdict of `attempt` under `key`, replacing an older entry for the key but
  // keeping its hit count. The caller has checked is_cacheable and opened the transaction.
  void put(const std::string& key, const AttemptRecord& attempt);

  int64_t count();

 private:
  Database& m_db;
  Statement m_lookup;
  Statement m_put;
};

}  // namespace store

#include "store/verification_cache.hpp"

#include <fmt/format.h>

namespace store {
namespace {

// A lookup only reads: its hit is counted in memory and written with the next batch of
// attempts (kCountHitsSql), so a cache hit never costs a write transaction of its own.
constexpr std::string_view kLookupSql = R"sql(
SELECT verdict, decided_by, reason, elapsed_ms, axioms, messages, used_constants
FROM verification_cache WHERE key = ?1)sql";

constexpr std::string_view kCountHitsSql = R"sql(
UPDATE verification_cache SET hits = hits + ?2 WHERE key = ?1)sql";

// A re-verification replaces the entry, except that a check which did not ask for the used
// constants keeps those of the entry when it reached the same verdict (same key, same proof:
// the constants still hold).
constexpr std::string_view kPutSql = R"sql(
INSERT INTO verification_cache (key, verdict, decided_by, reason, elapsed_ms, axioms, messages,
                                used_constants)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
ON CONFLICT (key) DO UPDATE SET
  used_constants = CASE
    WHEN excluded.used_constants IS NULL AND excluded.verdict = verification_cache.verdict
    THEN verification_cache.used_constants ELSE excluded.used_constants END,
  verdict = excluded.verdict, decided_by = excluded.decided_by, reason = excluded.reason,
  elapsed_ms = excluded.elapsed_ms, axioms = excluded.axioms, messages = excluded.messages,
  created_at = excluded.created_at)sql";

}  // namespace

VerificationCache::VerificationCache(Database& db)
    : m_db(db),
      m_lookup(db, kLookupSql, Lifetime::persistent),
      m_put(db, kPutSql, Lifetime::persistent),
      m_count_hits(db, kCountHitsSql, Lifetime::persistent) {}

std::optional<CachedVerdict> VerificationCache::lookup(const std::string& key) {
  m_lookup.start().bind_text(1, key);
  auto describe = [&] { return fmt::format("look up cache entry {}", key); };
  if (!m_lookup.step_or_describe(describe)) return std::nullopt;
  CachedVerdict found{.verdict = m_lookup.text(0),
                      .decided_by = m_lookup.text(1),
                      .reason = m_lookup.text(2),
                      .elapsed_ms = m_lookup.integer(3),
                      .axioms_json = m_lookup.optional_text(4),
                      .messages_json = m_lookup.text(5),
                      .used_constants_json = m_lookup.optional_text(6)};
  while (m_lookup.step_or_describe(describe)) {
  }
  ++m_pending_hits[key];
  return found;
}

void VerificationCache::flush_hits() {
  for (const auto& [key, hits] : m_pending_hits) {
    m_count_hits.start().bind_text(1, key).bind_int(2, hits);
    m_count_hits.step_or_describe([&] { return fmt::format("count the hits of cache entry {}", key); });
  }
  m_pending_hits.clear();
}

CacheHits VerificationCache::take_hits() {
  CacheHits taken;
  taken.swap(m_pending_hits);
  return taken;
}

void VerificationCache::add_hits(const CacheHits& hits) {
  for (const auto& [key, n] : hits) m_pending_hits[key] += n;
}

void VerificationCache::put(const std::string& key, const AttemptRecord& attempt) {
  m_put.start()
      .bind_text(1, key)
      .bind_text(2, attempt.verdict)
      .bind_text(3, attempt.decided_by)
      .bind_text(4, attempt.reason)
      .bind_int(5, attempt.elapsed_ms)
      .bind_text(6, attempt.axioms_json)
      .bind_text(7, attempt.messages_json)
      .bind_text(8, attempt.used_constants_json);
  m_put.step_or_describe([&] {
    return fmt::format("write cache entry (run {}, line {})", attempt.run_id, attempt.line);
  });
}

int64_t VerificationCache::count() {
  return m_db.query_int("SELECT count(*) FROM verification_cache", "count cache entries");
}

}  // namespace store

// store::Store, retention: deleting old attempts with the rows that reference them, and
// giving the space back to the filesystem.
#include <fmt/format.h>

#include <algorithm>

#include "store/store_impl.hpp"
#include "store/transaction.hpp"

namespace store {
namespace {

// Attempts deleted per transaction: a chunk takes milliseconds, so a serving harness writing
// to the same file waits no longer than that (its busy timeout is 5 s).
constexpr int64_t kChunk = 2000;

constexpr std::string_view kCutoffSql = "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?1)";

// The attempts to delete, oldest first: ?1 cutoff, ?2 command (NULL: any), ?3 limit (-1: none).
// attempts_by_created serves the range and the order.
constexpr std::string_view kChosenSql = R"sql(
SELECT a.run_id, a.line FROM attempts AS a JOIN runs AS r ON r.id = a.run_id
WHERE a.created_at < ?1 AND (?2 IS NULL OR r.command = ?2)
ORDER BY a.created_at LIMIT ?3)sql";

constexpr std::string_view kCreateChosenSql = R"sql(
CREATE TEMP TABLE IF NOT EXISTS prune_chosen (
  run_id INTEGER NOT NULL,
  line   INTEGER NOT NULL,
  PRIMARY KEY (run_id, line)
))sql";

// Every table with a foreign key into attempts, in the order its rows go (the attempts last).
// tests/store/prune_test.cpp checks that no other table references attempts: a new one must
// be added here, or kept on purpose. Kept on purpose: lemma_sources, whose link to a deleted
// attempt SQLite sets to NULL (ON DELETE SET NULL), keeping the lemma's proof key and task.
constexpr std::string_view kDependents[] = {"proof_metrics", "search_attempts", "attempts"};

std::string cutoff(Database& db, int64_t keep_days) {
  Statement select(db, kCutoffSql);
  std::string modifier = fmt::format("-{} days", keep_days);
  select.bind_text(1, modifier);
  return select.collect("prune: cutoff", [](const Statement& row) { return row.text(0); }).at(0);
}

void bind_choice(Statement& statement, const std::string& before,
                 const std::optional<std::string>& command, int64_t limit) {
  statement.bind_text(1, before).bind_text(2, command).bind_int(3, limit > 0 ? limit : -1);
}

// A dry run: counts, read only.
PruneCounts count(Database& db, const PruneOptions& options, const std::string& before) {
  PruneCounts counts{.cutoff = before};
  int64_t* targets[] = {&counts.proof_metrics, &counts.search_attempts, &counts.attempts};
  for (size_t i = 0; i < std::size(kDependents); ++i) {
    Statement select(db, fmt::format("WITH chosen AS ({}) SELECT count(*) FROM {} "
                                     "WHERE (run_id, line) IN (SELECT run_id, line FROM chosen)",
                                     kChosenSql, kDependents[i]));
    bind_choice(select, before, options.command, options.limit);
    *targets[i] = select
                      .collect(fmt::format("prune: count {}", kDependents[i]),
                               [](const Statement& row) { return row.integer(0); })
                      .at(0);
  }
  return counts;
}

}  // namespace

PruneCounts Store::prune_attempts(const PruneOptions& options) {
  Database& db = m_impl->db;
  if (options.keep_days < 0) db.fail("prune", "keep_days must be 0 or more");
  std::string before = cutoff(db, options.keep_days);
  if (options.dry_run) return count(db, options, before);
  db.exec(std::string(kCreateChosenSql), "prune: create the list of attempts");
  PruneCounts counts{.cutoff = before};
  int64_t* targets[] = {&counts.proof_metrics, &counts.search_attempts, &counts.attempts};
  for (;;) {
    int64_t chunk = kChunk;
    if (options.limit > 0) chunk = std::min(chunk, options.limit - counts.attempts);
    if (chunk <= 0) break;
    std::string operation = fmt::format("prune attempts created before {}", before);
    Transaction transaction(db, operation);
    db.exec("DELETE FROM temp.prune_chosen", operation);
    Statement choose(db,
                     fmt::format("INSERT INTO temp.prune_chosen (run_id, line) {}", kChosenSql));
    bind_choice(choose, before, options.command, chunk);
    choose.step(operation);
    int64_t chosen = db.changes();
    for (size_t i = 0; i < std::size(kDependents); ++i) {
      db.exec(fmt::format("DELETE FROM {} WHERE (run_id, line) IN "
                          "(SELECT run_id, line FROM temp.prune_chosen)",
                          kDependents[i]),
              operation);
      *targets[i] += db.changes();
    }
    db.exec("DELETE FROM temp.prune_chosen", operation);
    transaction.commit();
    if (chosen < chunk) break;
  }
  return counts;
}

int64_t Store::size_bytes() const {
  Database& db = m_impl->db;
  return db.query_int("PRAGMA page_count", "read the size") *
         db.query_int("PRAGMA page_size", "read the size");
}

int64_t Store::vacuum() {
  m_impl->db.exec("VACUUM", "vacuum");
  m_impl->db.exec("PRAGMA wal_checkpoint(TRUNCATE)", "vacuum: checkpoint");
  return size_bytes();
}

}  // namespace store

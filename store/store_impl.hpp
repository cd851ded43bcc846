#pragma once
// Internal to the store library (includes sqlite3.h): what the files of store::Store share.
// store.cpp opens and closes the file; the tables are split by what they store:
//   runs.cpp      runs
//   attempts.cpp  tasks, attempts and the verification cache (verification_cache.cpp: its SQL)
//   search.cpp    search attempts, epochs, task samples, checkpoints
//   metrics.cpp   metrics computations, dictionaries, proof, task and declaration metrics
//   report_queries.cpp  what `harness report` reads (attempt summaries)
//   library.cpp   the lemma library: lemmas, their sources, library versions, members, rewrites
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "store/checkpointer.hpp"
#include "store/database.hpp"
#include "store/records.hpp"
#include "store/statement.hpp"
#include "store/store.hpp"
#include "store/verification_cache.hpp"

namespace store {

// attempts.cpp: writes an attempt with its task and its cache entry, through statements
// prepared once. The caller holds the transaction.
class AttemptWriter {
 public:
  // `db` and `cache` must outlive the writer.
  AttemptWriter(Database& db, VerificationCache& cache);
  // The attempt's task (kept if already present), the attempt, and its cache entry when it
  // has a cache_key, was not served from the cache and is_cacheable(verdict).
  void write(const AttemptRecord& attempt);
  // The same for a whole batch: every task first (each once, in key order), the attempts in
  // their order, then the cache entries (in key order).
  void write_all(const std::vector<AttemptRecord>& batch);
  // A new transaction begins: the task written last is no longer known to be in the store
  // (the transaction that wrote it may have been rolled back).
  void begin_batch() { m_last_task.clear(); }

 private:
  void insert_task(const TaskRecord& task, const AttemptRecord& attempt);
  void insert_attempt(const AttemptRecord& attempt);
  static bool caches(const AttemptRecord& attempt);

  VerificationCache& m_cache;
  Statement m_insert_task;
  Statement m_insert_attempt;
  // The task of the previous attempt of this transaction: the samples of one task usually come
  // one after another, and its row need not be written again.
  std::string m_last_task;
};

// search.cpp: writes the search_attempts row of an attempt already written, through a
// statement prepared once. The caller holds the transaction.
class SearchWriter {
 public:
  explicit SearchWriter(Database& db);
  void write(const SearchAttemptRecord& search);

 private:
  Statement m_insert_search;
};

struct Store::Impl {
  explicit Impl(Database database)
      : db(std::move(database)), cache(db), attempts(db, cache), search(db) {}

  Database db;  // declared first: the statements below are finalized before it closes
  VerificationCache cache;
  AttemptWriter attempts;
  SearchWriter search;
  bool wal = false;  // the write-ahead log, not the rollback journal (filesystem.hpp)
  // Store::checkpoint_in_background; destroyed first, while `db` is open.
  std::unique_ptr<BackgroundCheckpointer> checkpointer;
};

// attempts.cpp: an AttemptRow from columns 0-15 of a query that selects, in this order,
// run_id, line, name, task_id, verdict, decided_by, reason, reward, elapsed_ms, cached,
// axioms, messages, proof, cache_key, created_at, used_constants (search.cpp's join too).
AttemptRow read_attempt(const Statement& row);

// library.cpp: links every lemma source not linked to an attempt to the attempts row its
// proof key ("RUN-UUID:LINE") names, when that row is in the store (record_library, merge_from).
void link_lemma_sources(Database& db, std::string_view operation);

// The first of `rows` (a query of at most one row, collected); nullopt when there is none.
template <class Row>
std::optional<Row> first(std::vector<Row> rows) {
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

}  // namespace store

// store::Store, tasks, attempts and the verification cache: recording batches of attempts
// (each with its task and cache entry), cache lookups, and reading attempts and tasks back.
// The cache's own SQL is in verification_cache.cpp.
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "store/store_impl.hpp"
#include "store/transaction.hpp"

namespace store {
namespace {

constexpr std::string_view kInsertTaskSql = R"sql(
INSERT OR IGNORE INTO tasks (task_id, name, header, statement, split)
VALUES (?1, ?2, ?3, ?4, ?5))sql";

constexpr std::string_view kInsertAttemptSql = R"sql(
INSERT INTO attempts (run_id, line, name, task_id, verdict, decided_by, reason, reward,
                      elapsed_ms, cached, axioms, messages, proof, cache_key, used_constants)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15))sql";

// The columns in read_attempt's order.
constexpr std::string_view kSelectAttemptsSql = R"sql(
SELECT run_id, line, name, task_id, verdict, decided_by, reason, reward, elapsed_ms, cached,
       axioms, messages, proof, cache_key, created_at, used_constants
FROM attempts WHERE run_id = ?1 ORDER BY line)sql";

constexpr std::string_view kSelectTaskSql = R"sql(
SELECT task_id, name, header, statement, split FROM tasks WHERE task_id = ?1)sql";

constexpr std::string_view kNextLineSql = R"sql(
SELECT coalesce(max(line), 0) + 1 FROM attempts WHERE run_id = ?1)sql";

TaskRecord read_task(const Statement& row) {
  return TaskRecord{.task_id = row.text(0),
                    .name = row.text(1),
                    .header = row.text(2),
                    .statement = row.text(3),
                    .split = row.optional_text(4)};
}

}  // namespace

AttemptRow read_attempt(const Statement& row) {
  return AttemptRow{.run_id = row.integer(0),
                    .line = row.integer(1),
                    .name = row.text(2),
                    .task_id = row.optional_text(3),
                    .verdict = row.text(4),
                    .decided_by = row.text(5),
                    .reason = row.text(6),
                    .reward = row.optional_real(7),
                    .elapsed_ms = row.integer(8),
                    .cached = row.integer(9) != 0,
                    .axioms_json = row.optional_text(10),
                    .messages_json = row.text(11),
                    .proof = row.text(12),
                    .cache_key = row.optional_text(13),
                    .created_at = row.text(14),
                    .used_constants_json = row.optional_text(15)};
}

AttemptWriter::AttemptWriter(Database& db, VerificationCache& cache)
    : m_cache(cache),
      m_insert_task(db, kInsertTaskSql, Lifetime::persistent),
      m_insert_attempt(db, kInsertAttemptSql, Lifetime::persistent) {}

void AttemptWriter::insert_task(const TaskRecord& task, const AttemptRecord& a) {
  m_insert_task.start()
      .bind_text(1, task.task_id)
      .bind_text(2, task.name)
      .bind_text(3, task.header)
      .bind_text(4, task.statement)
      .bind_text(5, task.split);
  m_insert_task.step_or_describe([&] {
    return fmt::format("insert task {} (run {}, line {})", task.task_id, a.run_id, a.line);
  });
}

void AttemptWriter::insert_attempt(const AttemptRecord& a) {
  m_insert_attempt.start()
      .bind_int(1, a.run_id)
      .bind_int(2, a.line)
      .bind_text(3, a.name)
      .bind_text(5, a.verdict)
      .bind_text(6, a.decided_by)
      .bind_text(7, a.reason)
      .bind_real(8, a.reward)
      .bind_int(9, a.elapsed_ms)
      .bind_int(10, a.cached ? 1 : 0)
      .bind_text(11, a.axioms_json)
      .bind_text(12, a.messages_json)
      .bind_text(13, a.proof)
      .bind_text(14, a.cache_key)
      .bind_text(15, a.used_constants_json);
  if (a.task) {
    m_insert_attempt.bind_text(4, a.task->task_id);  // bound text must outlive the step
  } else {
    m_insert_attempt.bind_null(4);
  }
  m_insert_attempt.step_or_describe(
      [&] { return fmt::format("insert attempt (run {}, line {})", a.run_id, a.line); });
}

// A verdict served from the cache is already there; rewriting it would replace the original
// check's elapsed time with the lookup's.
bool AttemptWriter::caches(const AttemptRecord& a) {
  return a.cache_key && !a.cached && is_cacheable(a.verdict);
}

void AttemptWriter::write(const AttemptRecord& a) {
  if (a.task && a.task->task_id != m_last_task) {
    insert_task(*a.task, a);
    m_last_task = a.task->task_id;
  }
  insert_attempt(a);
  if (caches(a)) m_cache.put(*a.cache_key, a);
}

void AttemptWriter::write_all(const std::vector<AttemptRecord>& batch) {
  // The tasks and the cache entries go in key order, each task once: their keys are hashes,
  // and one pass through each key index in order costs less than a batch of random probes.
  // The attempts keep the input's order. Equal keys keep their order (a later entry replaces
  // an earlier one, as it would have one by one).
  std::vector<const AttemptRecord*> with_task, cached;
  for (const AttemptRecord& a : batch) {
    if (a.task) with_task.push_back(&a);
    if (caches(a)) cached.push_back(&a);
  }
  std::stable_sort(with_task.begin(), with_task.end(),
                   [](auto* x, auto* y) { return x->task->task_id < y->task->task_id; });
  for (size_t i = 0; i < with_task.size(); ++i) {
    if (i > 0 && with_task[i]->task->task_id == with_task[i - 1]->task->task_id) continue;
    insert_task(*with_task[i]->task, *with_task[i]);
  }
  for (const AttemptRecord& a : batch) insert_attempt(a);
  std::stable_sort(cached.begin(), cached.end(),
                   [](auto* x, auto* y) { return *x->cache_key < *y->cache_key; });
  for (const AttemptRecord* a : cached) m_cache.put(*a->cache_key, *a);
  m_last_task.clear();
}

void Store::record(const std::vector<AttemptRecord>& batch) {
  if (batch.empty()) return;
  Transaction transaction(m_impl->db, fmt::format("record batch of {} attempts", batch.size()));
  m_impl->attempts.begin_batch();
  m_impl->attempts.write_all(batch);
  m_impl->cache.flush_hits();
  transaction.commit();
}

std::optional<CachedVerdict> Store::lookup_cache(const std::string& key) {
  return m_impl->cache.lookup(key);
}

CacheHits Store::take_cache_hits() { return m_impl->cache.take_hits(); }

void Store::add_cache_hits(const CacheHits& hits) { m_impl->cache.add_hits(hits); }

int64_t Store::count_cache_entries() const {
  return m_impl->cache.count();
}

std::vector<AttemptRow> Store::attempts(int64_t run_id) const {
  Statement select(m_impl->db, kSelectAttemptsSql);
  select.bind_int(1, run_id);
  return select.collect(fmt::format("read attempts of run {}", run_id), read_attempt);
}

std::optional<TaskRecord> Store::task(const std::string& task_id) const {
  Statement select(m_impl->db, kSelectTaskSql);
  select.bind_text(1, task_id);
  return first(select.collect(fmt::format("read task {}", task_id), read_task));
}

int64_t Store::next_line(int64_t run_id) const {
  Statement select(m_impl->db, kNextLineSql);
  select.bind_int(1, run_id);
  // An aggregate: always one row.
  return select
      .collect(fmt::format("read next line of run {}", run_id),
               [](const Statement& row) { return row.integer(0); })
      .at(0);
}

}  // namespace store

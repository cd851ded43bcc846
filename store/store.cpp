#include "store/store.hpp"

#include <fmt/format.h>

#include <utility>

#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/statement.hpp"
#include "store/transaction.hpp"
#include "store/uuid.hpp"
#include "store/verification_cache.hpp"

namespace store {
namespace {

constexpr std::string_view kInsertTaskSql = R"sql(
INSERT OR IGNORE INTO tasks (task_id, name, header, statement, split)
VALUES (?1, ?2, ?3, ?4, ?5))sql";

constexpr std::string_view kInsertAttemptSql = R"sql(
INSERT INTO attempts (run_id, line, name, task_id, verdict, decided_by, reason, reward,
                      elapsed_ms, cached, axioms, messages, proof, cache_key)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14))sql";

constexpr std::string_view kBeginRunSql = R"sql(
INSERT INTO runs (uuid, command, argv, toolchain, repl, settings, input_path, input_sha256, host)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
RETURNING id)sql";

constexpr std::string_view kFinishRunSql = R"sql(
UPDATE runs SET status = ?2, summary = ?3, ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?1 AND status = 'running'
RETURNING id)sql";

constexpr std::string_view kSelectRunSql = R"sql(
SELECT id, uuid, command, argv, started_at, ended_at, status, toolchain, repl, settings,
       input_path, input_sha256, summary, host
FROM runs WHERE id = ?1)sql";

constexpr std::string_view kSelectAttemptsSql = R"sql(
SELECT run_id, line, name, task_id, verdict, decided_by, reason, reward, elapsed_ms, cached,
       axioms, messages, proof, cache_key, created_at
FROM attempts WHERE run_id = ?1 ORDER BY line)sql";

constexpr std::string_view kSelectTaskSql = R"sql(
SELECT task_id, name, header, statement, split FROM tasks WHERE task_id = ?1)sql";

// Connection settings applied on every open, before migrating. busy_timeout comes first so
// that the others wait for a concurrent writer instead of failing.
constexpr std::string_view kOpenPragmas[] = {
    "PRAGMA busy_timeout = 5000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
};

void configure(Database& db) {
  for (std::string_view pragma : kOpenPragmas) {
    std::string sql(pragma);
    db.exec(sql, fmt::format("open ({})", pragma.substr(7)));
  }
}

RunRow read_run(const Database& db, Statement& row) {
  auto status_text = row.text(6);
  auto status = parse_run_status(status_text);
  if (!status) {
    db.fail(fmt::format("read run {}", row.integer(0)),
            fmt::format("unknown status '{}'", status_text));
  }
  return RunRow{.id = row.integer(0),
                .uuid = row.text(1),
                .command = row.text(2),
                .argv_json = row.text(3),
                .started_at = row.text(4),
                .ended_at = row.optional_text(5),
                .status = *status,
                .toolchain = row.text(7),
                .repl = row.text(8),
                .settings_json = row.text(9),
                .input_path = row.text(10),
                .input_sha256 = row.optional_text(11),
                .summary_json = row.optional_text(12),
                .host = row.optional_text(13)};
}

AttemptRow read_attempt(Statement& row) {
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
                    .created_at = row.text(14)};
}

}  // namespace

struct Store::Impl {
  explicit Impl(Database database)
      : db(std::move(database)),
        cache(db),
        insert_task(db, kInsertTaskSql, Lifetime::persistent),
        insert_attempt(db, kInsertAttemptSql, Lifetime::persistent) {}

  void write(const AttemptRecord& attempt);
  void write_task(const TaskRecord& task, const AttemptRecord& attempt);
  void write_attempt(const AttemptRecord& attempt);

  Database db;  // declared first: the statements below are finalized before it closes
  VerificationCache cache;
  Statement insert_task;
  Statement insert_attempt;
};

void Store::Impl::write(const AttemptRecord& attempt) {
  if (attempt.task) write_task(*attempt.task, attempt);
  write_attempt(attempt);
  // A verdict served from the cache is already there; rewriting it would replace the
  // original check's elapsed time with the lookup's.
  if (attempt.cache_key && !attempt.cached && is_cacheable(attempt.verdict)) {
    cache.put(*attempt.cache_key, attempt);
  }
}

void Store::Impl::write_task(const TaskRecord& task, const AttemptRecord& attempt) {
  insert_task.start()
      .bind_text(1, task.task_id)
      .bind_text(2, task.name)
      .bind_text(3, task.header)
      .bind_text(4, task.statement)
      .bind_text(5, task.split);
  insert_task.step_or_describe([&] {
    return fmt::format("insert task {} (run {}, line {})", task.task_id, attempt.run_id,
                       attempt.line);
  });
}

void Store::Impl::write_attempt(const AttemptRecord& a) {
  insert_attempt.start()
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
      .bind_text(14, a.cache_key);
  if (a.task) {
    insert_attempt.bind_text(4, a.task->task_id);  // bound text must outlive the step
  } else {
    insert_attempt.bind_null(4);
  }
  insert_attempt.step_or_describe(
      [&] { return fmt::format("insert attempt (run {}, line {})", a.run_id, a.line); });
}

Store Store::open(const std::string& path) {
  Database db = Database::open(path);
  configure(db);
  migrate(db, schema_migrations());
  return Store(std::make_unique<Impl>(std::move(db)));
}

Store::Store(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Store::Store(Store&& other) noexcept = default;
Store& Store::operator=(Store&& other) noexcept = default;
Store::~Store() = default;

const std::string& Store::path() const {
  return m_impl->db.path();
}

int64_t Store::begin_run(const RunInfo& info) {
  std::string uuid = random_uuid();
  Statement insert(m_impl->db, kBeginRunSql);
  insert.bind_text(1, uuid)
      .bind_text(2, info.command)
      .bind_text(3, info.argv_json)
      .bind_text(4, info.toolchain)
      .bind_text(5, info.repl)
      .bind_text(6, info.settings_json)
      .bind_text(7, info.input_path)
      .bind_text(8, info.input_sha256)
      .bind_text(9, info.host);
  insert.step(fmt::format("begin run ({})", info.command));
  int64_t id = insert.integer(0);
  while (insert.step("begin run")) {
  }
  return id;
}

void Store::finish_run(int64_t run_id, RunStatus status, const std::string& summary_json) {
  std::string operation = fmt::format("finish run {}", run_id);
  if (status == RunStatus::running) {
    m_impl->db.fail(operation, "a run cannot finish with status 'running'");
  }
  Statement update(m_impl->db, kFinishRunSql);
  update.bind_int(1, run_id).bind_text(2, to_string(status)).bind_text(3, summary_json);
  if (!update.step(operation)) m_impl->db.fail(operation, "no running run has that id");
  while (update.step(operation)) {
  }
}

void Store::record(const std::vector<AttemptRecord>& batch) {
  if (batch.empty()) return;
  Transaction transaction(m_impl->db, fmt::format("record batch of {} attempts", batch.size()));
  for (const auto& attempt : batch) m_impl->write(attempt);
  transaction.commit();
}

std::optional<CachedVerdict> Store::lookup_cache(const std::string& key) {
  return m_impl->cache.lookup(key);
}

std::optional<RunRow> Store::run(int64_t id) const {
  Statement select(m_impl->db, kSelectRunSql);
  select.bind_int(1, id);
  if (!select.step(fmt::format("read run {}", id))) return std::nullopt;
  return read_run(m_impl->db, select);
}

std::vector<AttemptRow> Store::attempts(int64_t run_id) const {
  Statement select(m_impl->db, kSelectAttemptsSql);
  select.bind_int(1, run_id);
  std::string operation = fmt::format("read attempts of run {}", run_id);
  std::vector<AttemptRow> rows;
  while (select.step(operation)) rows.push_back(read_attempt(select));
  return rows;
}

std::optional<TaskRecord> Store::task(const std::string& task_id) const {
  Statement select(m_impl->db, kSelectTaskSql);
  select.bind_text(1, task_id);
  if (!select.step(fmt::format("read task {}", task_id))) return std::nullopt;
  return TaskRecord{.task_id = select.text(0),
                    .name = select.text(1),
                    .header = select.text(2),
                    .statement = select.text(3),
                    .split = select.optional_text(4)};
}

int64_t Store::count_cache_entries() const {
  return m_impl->cache.count();
}

int64_t Store::set_max_page_count_for_test(int64_t pages) {
  return m_impl->db.query_int(fmt::format("PRAGMA max_page_count = {}", pages),
                              "set max_page_count (test hook)");
}

}  // namespace store

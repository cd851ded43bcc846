// store::Store, the runs table: beginning, finishing, reopening and reading runs, and marking
// the runs whose process is gone as abandoned.
#include <fmt/format.h>

#include "store/process.hpp"
#include "store/store_impl.hpp"
#include "store/transaction.hpp"
#include "store/uuid.hpp"

namespace store {
namespace {

constexpr std::string_view kBeginRunSql = R"sql(
INSERT INTO runs (uuid, command, argv, toolchain, repl, settings, input_path, input_sha256, host,
                  pid, pid_start, boot_id, pid_ns)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
RETURNING id)sql";

constexpr std::string_view kFinishRunSql = R"sql(
UPDATE runs SET status = ?2, summary = ?3, ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?1 AND status = 'running'
RETURNING id)sql";

constexpr std::string_view kReopenRunSql = R"sql(
UPDATE runs SET status = 'running', ended_at = NULL, host = coalesce(?2, host),
                pid = ?3, pid_start = ?4, boot_id = ?5, pid_ns = ?6
WHERE id = ?1
RETURNING id)sql";

// The runs of a host that a process still runs, as far as the store knows.
constexpr std::string_view kRunningOfHostSql = R"sql(
SELECT id, pid, pid_start, boot_id, pid_ns FROM runs
WHERE status = 'running' AND host = ?1 AND pid IS NOT NULL
ORDER BY id)sql";

constexpr std::string_view kAbandonSql = R"sql(
UPDATE runs SET status = 'abandoned', ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?1 AND status = 'running'
RETURNING id)sql";

// The columns read_run reads, then the condition that picks the run.
constexpr std::string_view kSelectRunSql = R"sql(
SELECT id, uuid, command, argv, started_at, ended_at, status, toolchain, repl, settings,
       input_path, input_sha256, summary, host, pid, pid_start, boot_id, pid_ns
FROM runs {})sql";
constexpr std::string_view kById = "WHERE id = ?1";
constexpr std::string_view kByUuid = "WHERE uuid = ?1";
constexpr std::string_view kLatestOfCommand = "WHERE command = ?1 ORDER BY id DESC LIMIT 1";

int64_t read_id(const Statement& row) {
  return row.integer(0);
}

// The process of columns `first` to `first` + 3 (pid, pid_start, boot_id, pid_ns); nullopt
// when pid is NULL (a run recorded before schema version 4).
std::optional<ProcessIdentity> read_process(const Statement& row, int first) {
  if (row.is_null(first)) return std::nullopt;
  return ProcessIdentity{.pid = row.integer(first),
                         .start_ticks = row.optional_integer(first + 1).value_or(0),
                         .boot_id = row.optional_text(first + 2).value_or(""),
                         .pid_namespace = row.optional_text(first + 3).value_or("")};
}

// Binds a process to parameters `first` to `first` + 3 (its strings without a copy: `process`
// must outlive the statement's steps).
void bind_process(Statement& statement, int first, const ProcessIdentity& process) {
  statement.bind_int(first, process.pid)
      .bind_int(first + 1, process.start_ticks)
      .bind_text(first + 2, process.boot_id)
      .bind_text(first + 3, process.pid_namespace);
}

// Marks abandoned every run of `host` still 'running' whose process is gone (process.hpp); the
// caller holds the transaction. Returns how many.
int64_t abandon_gone(Database& db, const std::string& host) {
  std::string operation = fmt::format("mark abandoned runs (host {})", host);
  Statement select(db, kRunningOfHostSql);
  select.bind_text(1, host);
  struct Running {
    int64_t id;
    std::optional<ProcessIdentity> process;
  };
  auto running = select.collect(operation, [](const Statement& row) {
    return Running{row.integer(0), read_process(row, 1)};
  });
  int64_t abandoned = 0;
  for (const auto& run : running) {
    if (!run.process || process_state(*run.process) != ProcessState::gone) continue;
    Statement update(db, kAbandonSql);
    update.bind_int(1, run.id);
    abandoned += static_cast<int64_t>(update.collect(operation, read_id).size());
  }
  return abandoned;
}

RunRow read_run(const Database& db, const Statement& row) {
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
                .host = row.optional_text(13),
                .process = read_process(row, 14)};
}

// The run `select` (kSelectRunSql, bound) finds; nullopt when none.
std::optional<RunRow> select_run(Database& db, Statement& select, std::string_view operation) {
  return first(select.collect(operation, [&](const Statement& row) { return read_run(db, row); }));
}

}  // namespace

int64_t Store::begin_run(const RunInfo& info) {
  std::string uuid = random_uuid();
  std::string operation = fmt::format("begin run ({})", info.command);
  ProcessIdentity process = info.process.value_or(this_process());
  Transaction transaction(m_impl->db, operation);
  if (info.host) abandon_gone(m_impl->db, *info.host);
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
  bind_process(insert, 10, process);
  int64_t id = insert.collect(operation, read_id).at(0);
  transaction.commit();
  return id;
}

int64_t Store::abandon_gone_runs(const std::string& host) {
  Transaction transaction(m_impl->db, fmt::format("mark abandoned runs (host {})", host));
  int64_t abandoned = abandon_gone(m_impl->db, host);
  transaction.commit();
  return abandoned;
}

void Store::finish_run(int64_t run_id, RunStatus status, const std::string& summary_json) {
  std::string operation = fmt::format("finish run {}", run_id);
  if (status == RunStatus::running) {
    m_impl->db.fail(operation, "a run cannot finish with status 'running'");
  }
  Statement update(m_impl->db, kFinishRunSql);
  update.bind_int(1, run_id).bind_text(2, to_string(status)).bind_text(3, summary_json);
  if (update.collect(operation, read_id).empty()) {
    m_impl->db.fail(operation, "no running run has that id");
  }
}

void Store::reopen_run(int64_t run_id, const std::optional<std::string>& host) {
  std::string operation = fmt::format("reopen run {}", run_id);
  Transaction transaction(m_impl->db, operation);
  if (host) abandon_gone(m_impl->db, *host);
  ProcessIdentity process = this_process();  // bound strings must outlive the statement
  Statement update(m_impl->db, kReopenRunSql);
  update.bind_int(1, run_id).bind_text(2, host);
  bind_process(update, 3, process);
  if (update.collect(operation, read_id).empty()) m_impl->db.fail(operation, "no run has that id");
  transaction.commit();
}

std::optional<RunRow> Store::run(int64_t id) const {
  Statement select(m_impl->db, fmt::format(kSelectRunSql, kById));
  select.bind_int(1, id);
  return select_run(m_impl->db, select, fmt::format("read run {}", id));
}

std::optional<RunRow> Store::run_by_uuid(const std::string& uuid) const {
  Statement select(m_impl->db, fmt::format(kSelectRunSql, kByUuid));
  select.bind_text(1, uuid);
  return select_run(m_impl->db, select, fmt::format("read run {}", uuid));
}

std::vector<RunRow> Store::runs() const {
  Statement select(m_impl->db, fmt::format(kSelectRunSql, "ORDER BY id"));
  return select.collect("read runs", [&](const Statement& row) { return read_run(m_impl->db, row); });
}

std::optional<RunRow> Store::latest_run(const std::string& command) const {
  Statement select(m_impl->db, fmt::format(kSelectRunSql, kLatestOfCommand));
  select.bind_text(1, command);
  return select_run(m_impl->db, select, fmt::format("read latest run of {}", command));
}

}  // namespace store

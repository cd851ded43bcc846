// store::Store, the runs table: beginning, finishing, reopening and reading runs.
#include <fmt/format.h>

#include "store/store_impl.hpp"
#include "store/uuid.hpp"

namespace store {
namespace {

constexpr std::string_view kBeginRunSql = R"sql(
INSERT INTO runs (uuid, command, argv, toolchain, repl, settings, input_path, input_sha256, host)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
RETURNING id)sql";

constexpr std::string_view kFinishRunSql = R"sql(
UPDATE runs SET status = ?2, summary = ?3, ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?1 AND status = 'running'
RETURNING id)sql";

constexpr std::string_view kReopenRunSql = R"sql(
UPDATE runs SET status = 'running', ended_at = NULL WHERE id = ?1
RETURNING id)sql";

// The columns read_run reads, then the condition that picks the run.
constexpr std::string_view kSelectRunSql = R"sql(
SELECT id, uuid, command, argv, started_at, ended_at, status, toolchain, repl, settings,
       input_path, input_sha256, summary, host
FROM runs {})sql";
constexpr std::string_view kById = "WHERE id = ?1";
constexpr std::string_view kByUuid = "WHERE uuid = ?1";
constexpr std::string_view kLatestOfCommand = "WHERE command = ?1 ORDER BY id DESC LIMIT 1";

int64_t read_id(const Statement& row) {
  return row.integer(0);
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
                .host = row.optional_text(13)};
}

// The run `select` (kSelectRunSql, bound) finds; nullopt when none.
std::optional<RunRow> select_run(Database& db, Statement& select, std::string_view operation) {
  return first(select.collect(operation, [&](const Statement& row) { return read_run(db, row); }));
}

}  // namespace

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
  return insert.collect(fmt::format("begin run ({})", info.command), read_id).at(0);
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

void Store::reopen_run(int64_t run_id) {
  std::string operation = fmt::format("reopen run {}", run_id);
  Statement update(m_impl->db, kReopenRunSql);
  update.bind_int(1, run_id);
  if (update.collect(operation, read_id).empty()) m_impl->db.fail(operation, "no run has that id");
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

std::optional<RunRow> Store::latest_run(const std::string& command) const {
  Statement select(m_impl->db, fmt::format(kSelectRunSql, kLatestOfCommand));
  select.bind_text(1, command);
  return select_run(m_impl->db, select, fmt::format("read latest run of {}", command));
}

}  // namespace store

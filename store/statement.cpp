#include "store/statement.hpp"

#include <fmt/format.h>

#include <utility>

#include "store/store_error.hpp"

namespace store {

Statement::Statement(Database& db, std::string_view sql, Lifetime lifetime) : m_db(&db) {
  unsigned flags = lifetime == Lifetime::persistent ? SQLITE_PREPARE_PERSISTENT : 0;
  int rc = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()), flags, &m_stmt,
                              nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(m_stmt);
    db.fail(fmt::format("prepare `{}`", sql.substr(0, 60)));
  }
}

Statement::Statement(Statement&& other) noexcept
    : m_db(other.m_db), m_stmt(std::exchange(other.m_stmt, nullptr)) {}

Statement::~Statement() {
  sqlite3_finalize(m_stmt);
}

Statement& Statement::start() {
  sqlite3_reset(m_stmt);  // its result repeats the last step's error, already reported
  sqlite3_clear_bindings(m_stmt);
  return *this;
}

Statement& Statement::bind_text(int index, std::string_view text) {
  // A null data pointer would bind SQL NULL; an empty view must bind ''.
  const char* data = text.data() ? text.data() : "";
  return check_bind(
      index, sqlite3_bind_text64(m_stmt, index, data, text.size(), SQLITE_STATIC, SQLITE_UTF8));
}

Statement& Statement::bind_text(int index, const std::string& text) {
  return bind_text(index, std::string_view(text));
}

Statement& Statement::bind_int(int index, int64_t value) {
  return check_bind(index, sqlite3_bind_int64(m_stmt, index, value));
}

Statement& Statement::bind_real(int index, double value) {
  return check_bind(index, sqlite3_bind_double(m_stmt, index, value));
}

Statement& Statement::bind_null(int index) {
  return check_bind(index, sqlite3_bind_null(m_stmt, index));
}

Statement& Statement::bind_text(int index, const std::optional<std::string>& text) {
  return text ? bind_text(index, std::string_view(*text)) : bind_null(index);
}

Statement& Statement::bind_real(int index, const std::optional<double>& value) {
  return value ? bind_real(index, *value) : bind_null(index);
}

Statement& Statement::bind_int(int index, const std::optional<int64_t>& value) {
  return value ? bind_int(index, *value) : bind_null(index);
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  // As for text: a null data pointer would bind SQL NULL.
  const char* data = bytes.data() ? bytes.data() : "";
  return check_bind(index, sqlite3_bind_blob64(m_stmt, index, data, bytes.size(), SQLITE_STATIC));
}

bool Statement::step(std::string_view operation) {
  return step_or_describe([operation] { return operation; });
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(m_stmt, column);
}

double Statement::real(int column) const {
  return sqlite3_column_double(m_stmt, column);
}

std::string Statement::text(int column) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
  if (!data) return {};
  return std::string(data, static_cast<size_t>(sqlite3_column_bytes(m_stmt, column)));
}

std::optional<std::string> Statement::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

std::optional<double> Statement::optional_real(int column) const {
  if (is_null(column)) return std::nullopt;
  return real(column);
}

std::optional<int64_t> Statement::optional_integer(int column) const {
  if (is_null(column)) return std::nullopt;
  return integer(column);
}

std::string Statement::blob(int column) const {
  const auto* data = static_cast<const char*>(sqlite3_column_blob(m_stmt, column));
  if (!data) return {};  // NULL or a zero-length blob
  return std::string(data, static_cast<size_t>(sqlite3_column_bytes(m_stmt, column)));
}

void Statement::fail_step(std::string_view operation) {
  std::string cause = m_db->error_cause();
  sqlite3_reset(m_stmt);
  m_db->fail(operation, cause);
}

void Statement::fail_bind(int index, int rc) {
  m_db->fail(fmt::format("bind parameter {} of `{}`", index,
                         std::string_view(sqlite3_sql(m_stmt)).substr(0, 60)),
             sqlite3_errstr(rc));
}

Statement& Statement::check_bind(int index, int rc) {
  if (rc != SQLITE_OK) fail_bind(index, rc);
  return *this;
}

}  // namespace store

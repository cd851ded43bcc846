#include "store/database.hpp"

#include <cstring>
#include <utility>

#include "store/store_error.hpp"

namespace store {
namespace {

// SQLite's message, plus the operating system's when SQLite recorded one ("unable to open
// database file" alone does not say why).
std::string open_failure(sqlite3* db) {
  std::string cause = db ? sqlite3_errmsg(db) : "out of memory";
  int os_error = db ? sqlite3_system_errno(db) : 0;
  if (os_error != 0) cause.append(" (").append(std::strerror(os_error)).append(")");
  return cause;
}

}  // namespace

Database Database::open(const std::string& path) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string cause = open_failure(db);
    sqlite3_close(db);
    throw make_store_error(path, "open", cause);
  }
  Database opened(db, path);
  if (sqlite3_db_readonly(db, "main") == 1) {
    opened.fail("open", "the file can only be opened read-only");
  }
  sqlite3_extended_result_codes(db, 1);
  return opened;
}

Database::Database(Database&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)),
      m_path(std::move(other.m_path)),
      m_transaction_origin(std::move(other.m_transaction_origin)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(m_db);
    m_db = std::exchange(other.m_db, nullptr);
    m_path = std::move(other.m_path);
    m_transaction_origin = std::move(other.m_transaction_origin);
  }
  return *this;
}

// sqlite3_close_v2 defers the close until the last statement is finalized, so member
// destruction order cannot leak the connection.
Database::~Database() {
  sqlite3_close_v2(m_db);
}

void Database::exec(const std::string& sql, std::string_view operation) {
  char* message = nullptr;
  int rc = sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return;
  std::string cause = message ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  fail(operation, cause);
}

int64_t Database::query_int(const std::string& sql, std::string_view operation) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) fail(operation);
  int rc = sqlite3_step(stmt);
  int64_t value = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    std::string cause = sqlite3_errmsg(m_db);
    sqlite3_finalize(stmt);
    fail(operation, cause);
  }
  sqlite3_finalize(stmt);
  return value;
}

void Database::fail(std::string_view operation) const {
  fail(operation, sqlite3_errmsg(m_db));
}

void Database::fail(std::string_view operation, std::string_view cause) const {
  throw make_store_error(m_path, operation, cause);
}

}  // namespace store

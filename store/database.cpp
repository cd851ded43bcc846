#include "store/database.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "store/store_error.hpp"

namespace store {
namespace {

// Before SQLite's first use: no global count of its allocations. That count takes one mutex
// shared by every connection, so the run's reader (cache lookups) and its writer thread (batch
// commits) would wait on each other at every allocation.
void configure_sqlite_once() {
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);  // SQLITE_MISUSE once initialized: then as is
    return true;
  }();
  (void)configured;
}

// True for the result codes a filesystem that refuses the file can cause.
bool may_be_filesystem(int extended_code) {
  switch (extended_code & 0xff) {
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_PERM:
      return true;
    default:
      return false;
  }
}

// `cause` (SQLite's words for the error `db` holds), then why the filesystem refuses `path`,
// or else the operating system's error SQLite recorded.
std::string explain(std::string cause, sqlite3* db, const std::string& path) {
  if (!db || !may_be_filesystem(sqlite3_extended_errcode(db))) return cause;
  if (std::string obstacle = write_obstacle(path); !obstacle.empty()) {
    return cause.append(" (").append(obstacle).append(")");
  }
  if (int os_error = sqlite3_system_errno(db); os_error != 0) {
    cause.append(" (").append(std::strerror(os_error)).append(")");
  }
  return cause;
}

}  // namespace

std::string write_obstacle(const std::string& path) {
  std::filesystem::path folder = std::filesystem::path(path).parent_path();
  if (folder.empty()) folder = ".";
  struct stat info {};
  if (::stat(folder.c_str(), &info) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return fmt::format("no such folder {}", folder.string());
    }
    return fmt::format("cannot reach {}: {}", folder.string(), std::strerror(errno));
  }
  if (!S_ISDIR(info.st_mode)) return fmt::format("{} is not a folder", folder.string());
  if (::stat(path.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) return fmt::format("{} is a folder", path);
    if (::access(path.c_str(), R_OK | W_OK) != 0) {
      return fmt::format("cannot write {}: {}", path, std::strerror(errno));
    }
  } else if (errno != ENOENT) {
    return fmt::format("cannot reach {}: {}", path, std::strerror(errno));
  }
  if (::access(folder.c_str(), W_OK | X_OK) != 0) {
    return fmt::format("cannot create files in {}: {}", folder.string(), std::strerror(errno));
  }
  return {};
}

Database Database::open(const std::string& path, bool create) {
  configure_sqlite_once();
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string cause = db ? explain(sqlite3_errmsg(db), db, path) : "out of memory";
    sqlite3_close(db);
    throw make_store_error(path, "open", cause);
  }
  Database opened(db, path);
  sqlite3_extended_result_codes(db, 1);
  if (sqlite3_db_readonly(db, "main") == 1) {
    std::string cause = "the file can only be opened read-only";
    if (std::string obstacle = write_obstacle(path); !obstacle.empty()) {
      cause.append(" (").append(obstacle).append(")");
    }
    opened.fail("open", cause);
  }
  return opened;
}

Database Database::open_read_only(const std::string& path) {
  configure_sqlite_once();
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string cause = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw make_store_error(path, "open", cause);
  }
  sqlite3_extended_result_codes(db, 1);
  return Database(db, path);
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
  fail(operation, explain(std::move(cause), m_db, m_path));
}

int64_t Database::query_int(const std::string& sql, std::string_view operation) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) fail(operation);
  int rc = sqlite3_step(stmt);
  int64_t value = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    std::string cause = error_cause();
    sqlite3_finalize(stmt);
    fail(operation, cause);
  }
  sqlite3_finalize(stmt);
  return value;
}

std::string Database::error_cause() const {
  return explain(sqlite3_errmsg(m_db), m_db, m_path);
}

void Database::fail(std::string_view operation) const {
  fail(operation, error_cause());
}

void Database::fail(std::string_view operation, std::string_view cause) const {
  throw make_store_error(m_path, operation, cause);
}

}  // namespace store

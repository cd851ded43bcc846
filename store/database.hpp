#pragma once
// Internal to the store library (includes sqlite3.h): one owned SQLite connection.
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace store {

// Owns one SQLite connection and closes it on destruction. Every failure is thrown as a
// StoreError naming path() and the operation. Not thread-safe: one thread uses it at a time.
// What keeps `path` from being created or written, as the filesystem tells it: "no such
// folder DIR", "DIR is not a folder", "PATH is a folder", "cannot write PATH: Read-only file
// system", "cannot create files in DIR: Permission denied" (the folder must take the file and
// SQLite's -wal and -shm files next to it). Empty when nothing there is in the way.
// SQLite's own errno is no help here: after a failed read-write open it retries read-only,
// and that retry's ENOENT is what it keeps.
std::string write_obstacle(const std::string& path);

class Database {
 public:
  // Opens `path` read-write, creating the file if needed (`create`) or refusing a missing
  // file (!`create`: the caller has checked that it exists; one removed meanwhile is not
  // created). Refuses a file SQLite can only open read-only. Does not read the file yet: a
  // file that is not a database fails on first use.
  static Database open(const std::string& path, bool create = true);
  // Opens an existing `path` read-only (a file to read and never write, e.g. a store being
  // merged from); a missing file is refused.
  static Database open_read_only(const std::string& path);

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  sqlite3* handle() const { return m_db; }
  const std::string& path() const { return m_path; }

  // Runs `sql` (one or more statements, results ignored) as `operation`.
  void exec(const std::string& sql, std::string_view operation);
  // Runs a statement whose first row's first column is an integer (e.g. a pragma).
  int64_t query_int(const std::string& sql, std::string_view operation);
  // Rows the last INSERT, UPDATE or DELETE of this connection changed.
  int64_t changes() const { return sqlite3_changes64(m_db); }

  // Throws a StoreError for `operation` with error_cause().
  [[noreturn]] void fail(std::string_view operation) const;
  // Throws a StoreError for `operation` with the given cause.
  [[noreturn]] void fail(std::string_view operation, std::string_view cause) const;

  // SQLite's message for the connection's last error; when that error may come from the
  // filesystem (cannot open, read-only, I/O), followed by what keeps the file from being
  // created or written (write_obstacle), or else by the operating system's error.
  std::string error_cause() const;

  // True while a transaction is open on this connection.
  bool in_transaction() const { return sqlite3_get_autocommit(m_db) == 0; }
  // Where the open Transaction began ("record batch, begun at store.cpp:120"); maintained by
  // Transaction, empty when none is open.
  const std::string& transaction_origin() const { return m_transaction_origin; }
  void set_transaction_origin(std::string origin) { m_transaction_origin = std::move(origin); }

 private:
  Database(sqlite3* db, std::string path) : m_db(db), m_path(std::move(path)) {}

  sqlite3* m_db = nullptr;
  std::string m_path;
  std::string m_transaction_origin;
};

}  // namespace store

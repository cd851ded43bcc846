#pragma once
// Internal to the store library (includes sqlite3.h): one owned prepared statement.
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "store/database.hpp"

namespace store {

// Whether a statement is kept for the life of the connection (the hot path) or used once.
enum class Lifetime { once, persistent };

// A prepared statement; finalized on destruction. Parameters are 1-based, columns 0-based.
//
// Text is bound without a copy: the caller keeps every bound string alive until the
// statement has been stepped to completion or start()ed again. A cached statement is
// start()ed before each use, which resets it and clears its bindings.
class Statement {
 public:
  Statement(Database& db, std::string_view sql, Lifetime lifetime = Lifetime::once);
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Resets the statement and clears its bindings; returns *this for chaining.
  Statement& start();

  Statement& bind_text(int index, std::string_view text);
  Statement& bind_text(int index, const std::string& text);
  Statement& bind_int(int index, int64_t value);
  Statement& bind_real(int index, double value);
  Statement& bind_null(int index);
  Statement& bind_text(int index, const std::optional<std::string>& text);
  Statement& bind_real(int index, const std::optional<double>& value);
  Statement& bind_int(int index, const std::optional<int64_t>& value);
  // Binds `bytes` as a BLOB (never NULL: empty bytes are a zero-length blob).
  Statement& bind_blob(int index, std::string_view bytes);

  // Advances: true when a row is available, false when the statement is done. On failure the
  // statement is reset and a StoreError for `operation` is thrown.
  bool step(std::string_view operation);
  // As step(), but the operation is described only when it failed: `describe()` returns the
  // description (keeps formatting off the hot path).
  template <class Describe>
  bool step_or_describe(Describe&& describe) {
    int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail_step(describe());
  }

  // The read loop of every query: steps the statement to completion as `operation` and
  // returns `read(*this)` of each row (its columns put into a struct), in order. A failed
  // step throws as step() does.
  template <class Read>
  auto collect(std::string_view operation, Read&& read) {
    std::vector<std::invoke_result_t<Read&, const Statement&>> rows;
    while (step(operation)) rows.push_back(read(std::as_const(*this)));
    return rows;
  }

  bool is_null(int column) const;
  int64_t integer(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::optional<double> optional_real(int column) const;
  std::optional<int64_t> optional_integer(int column) const;
  // The column's bytes as a BLOB, NULs included.
  std::string blob(int column) const;

 private:
  [[noreturn]] void fail_step(std::string_view operation);
  [[noreturn]] void fail_bind(int index, int rc);
  Statement& check_bind(int index, int rc);

  Database* m_db;
  sqlite3_stmt* m_stmt = nullptr;
};

}  // namespace store

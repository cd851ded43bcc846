#pragma once
// Internal to the store library: an RAII write transaction.
#include <source_location>
#include <string>
#include <string_view>

namespace store {

class Database;

// An IMMEDIATE transaction: begins on construction (taking the write lock at once, so a busy
// database fails here rather than halfway through), rolls back on destruction unless
// commit() succeeded. It remembers its operation and the source line that began it; both
// appear in its own errors and in the error of any attempt to begin a second transaction on
// the same connection meanwhile (SQLite does not nest transactions).
class Transaction {
 public:
  Transaction(Database& db, std::string operation,
              std::source_location where = std::source_location::current());
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  // Makes the transaction's writes durable. Throws StoreError (the destructor then rolls
  // back); calling it twice is an error.
  void commit();

  // "OPERATION (begun at FILE:LINE)", for error messages.
  const std::string& origin() const { return m_origin; }

 private:
  Database& m_db;
  std::string m_origin;
  bool m_open = false;
};

}  // namespace store

#include "store/transaction.hpp"

#include <fmt/format.h>

#include "store/database.hpp"

namespace store {
namespace {

std::string describe_origin(std::string_view operation, const std::source_location& where) {
  std::string_view file = where.file_name();
  if (auto slash = file.rfind('/'); slash != std::string_view::npos) file.remove_prefix(slash + 1);
  return fmt::format("{} (begun at {}:{})", operation, file, where.line());
}

}  // namespace

Transaction::Transaction(Database& db, std::string operation, std::source_location where)
    : m_db(db), m_origin(describe_origin(operation, where)) {
  if (db.in_transaction()) {
    const std::string& open = db.transaction_origin();
    db.fail(m_origin, fmt::format("cannot begin: the transaction {} is still open",
                                  open.empty() ? "begun outside store::Transaction" : open));
  }
  db.exec("BEGIN IMMEDIATE", m_origin);
  db.set_transaction_origin(m_origin);
  m_open = true;
}

Transaction::~Transaction() {
  if (!m_open) return;
  // SQLite may already have rolled back on its own (e.g. after SQLITE_FULL); errors cannot
  // be reported from a destructor, and a failed rollback leaves nothing committed anyway.
  if (m_db.in_transaction()) sqlite3_exec(m_db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  m_db.set_transaction_origin({});
}

void Transaction::commit() {
  if (!m_open) m_db.fail(m_origin, "commit: the transaction is already finished");
  if (!m_db.in_transaction()) {
    m_db.fail(m_origin, "commit: SQLite rolled the transaction back after an earlier error");
  }
  m_db.exec("COMMIT", fmt::format("commit {}", m_origin));
  m_open = false;
  m_db.set_transaction_origin({});
}

}  // namespace store

// store::Store, opening and closing: the connection's settings, the migrations, and the
// refusal of a missing store when the caller needs an existing one. The tables are in
// runs.cpp, attempts.cpp, search.cpp and metrics.cpp (store_impl.hpp says which holds what).
#include "store/store.hpp"
#include "store/transaction.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <utility>

#include "store/filesystem.hpp"
#include "store/migrations.hpp"
#include "store/store_impl.hpp"

namespace store {
namespace {

// Connection settings applied on every open, before migrating. busy_timeout comes first so
// that the others (and the schema check of an existing store) wait for a concurrent writer
// instead of failing.
constexpr std::string_view kBusyTimeoutPragma = "PRAGMA busy_timeout = 5000";
// The journal mode comes first, WAL unless the store is on a network filesystem
// (filesystem.hpp).
constexpr std::string_view kOpenPragmas[] = {
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
};

// The log is copied into the file every 4,000 pages (16 MB at most) instead of SQLite's 1,000:
// a page that several commits changed is copied once. The keys of the cache and of the tasks
// are hashes, so each batch changes pages all over their indexes: on a store of 100,000
// attempts the writer spent 7 % less per row.
constexpr int kCheckpointPages = 4000;

void apply_pragma(Database& db, std::string_view pragma) {
  db.exec(std::string(pragma), fmt::format("open ({})", pragma.substr(7)));
}

// "PATH: no such store[: DETAIL] (PURPOSE)".
[[noreturn]] void refuse_missing(const std::string& path, std::string_view detail,
                                 std::string_view purpose) {
  std::string message = fmt::format("{}: no such store", path);
  if (!detail.empty()) message.append(": ").append(detail);
  if (!purpose.empty()) message.append(" (").append(purpose).append(")");
  throw StoreError(message);
}

}  // namespace

Store Store::open(const std::string& path, OpenMode mode, std::string_view purpose) {
  bool existing = mode == OpenMode::existing;
  struct stat info {};
  if (existing && ::stat(path.c_str(), &info) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
    refuse_missing(path, "", purpose);
  }
  std::string journal = journal_mode_for(path, network_filesystem_of(path),
                                         std::getenv("HARNESS_STORE_ON_NETWORK_FS"));
  Database db = Database::open(path, /*create=*/!existing);
  apply_pragma(db, kBusyTimeoutPragma);
  // Before anything writes to it: an empty file, or another program's database, is not a
  // store a reader can use, and is left as it is.
  if (existing && db.query_int("PRAGMA user_version", "read schema version") == 0) {
    refuse_missing(path, "the file holds no harness schema", purpose);
  }
  apply_pragma(db, "PRAGMA journal_mode = " + journal);
  for (std::string_view pragma : kOpenPragmas) apply_pragma(db, pragma);
  sqlite3_wal_autocheckpoint(db.handle(), kCheckpointPages);
  int64_t version = db.query_int("PRAGMA user_version", "read schema version");
  migrate(db, schema_migrations());
  // The pages the migrations wrote (a new store's whole schema; migration 4's rebuilt runs
  // table) would wait in the write-ahead log for the next automatic checkpoint, 1000 pages
  // away: copied into the file now, the log starts over at the first write. PASSIVE never
  // waits for another connection; one that reads meanwhile only delays the restart.
  if (db.query_int("PRAGMA user_version", "read schema version") != version) {
    db.exec("PRAGMA wal_checkpoint(PASSIVE)", "open (checkpoint after migrating)");
  }
  auto impl = std::make_unique<Impl>(std::move(db));
  impl->wal = journal == "WAL";
  return Store(std::move(impl));
}

Store::Store(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Store::Store(Store&& other) noexcept = default;
Store& Store::operator=(Store&& other) noexcept = default;
Store::~Store() {
  // The cache hits counted since the last batch of attempts: statistics, written when they can.
  if (!m_impl || !m_impl->cache.hits_pending()) return;
  try {
    Transaction transaction(m_impl->db, "count cache hits");
    m_impl->cache.flush_hits();
    transaction.commit();
  } catch (const std::exception&) {
  }
}

void Store::checkpoint_in_background() {
  if (m_impl->checkpointer || !m_impl->wal) return;
  m_impl->checkpointer = std::make_unique<BackgroundCheckpointer>(
      m_impl->db.handle(), m_impl->db.path(), kCheckpointPages);
}

const std::string& Store::path() const {
  return m_impl->db.path();
}

int64_t Store::set_max_page_count_for_test(int64_t pages) {
  return m_impl->db.query_int(fmt::format("PRAGMA max_page_count = {}", pages),
                              "set max_page_count (test hook)");
}

}  // namespace store

// store::BackgroundCheckpointer: the write-ahead log copied into the file by a thread of its
// own, a log that starts over, commits made while the thread copies, the writer's catch-up
// when the thread cannot work, and SQLite's own checkpoint given back;
// Store::checkpoint_in_background on a store. The writer's finishing copy (step 2) needs a
// commit to land inside the thread's checkpoint, which a test cannot time: `serve_bench` shows
// it (docs/benchmarks.md, eighth round).
#include "store/checkpointer.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "fixtures.hpp"
#include "store/database.hpp"

using store::BackgroundCheckpointer;
using store_test::TempDir;

namespace {

constexpr int kPages = 20;

// A WAL database with one table; each commit adds rows of about a page each.
struct Log {
  TempDir dir;
  std::string path = dir.file("c.db");
  store::Database db = store::Database::open(path);

  Log() {
    db.exec("PRAGMA journal_mode = WAL", "wal");
    db.exec("PRAGMA synchronous = NORMAL", "synchronous");
    db.exec("CREATE TABLE t (x BLOB)", "create");
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)", "empty the log");
  }
  void commit_pages(int n) {
    db.exec(fmt::format("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                        "WHERE i < {}) INSERT INTO t SELECT randomblob(3000) FROM n",
                        n),
            "insert");
  }
  uintmax_t file_bytes() const { return std::filesystem::file_size(path); }
  // Frames the log file has room for: it grows as the log does and is reused from its start
  // once the log starts over, so it shows the longest the log has been.
  int64_t log_frames() const {
    auto bytes = std::filesystem::file_size(path + "-wal");
    return bytes <= 32 ? 0 : static_cast<int64_t>((bytes - 32) / (4096 + 24));
  }
  int64_t rows() { return db.query_int("SELECT count(*) FROM t", "count"); }
};

bool wait_idle(const BackgroundCheckpointer& checkpointer) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!checkpointer.idle()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace

TEST_CASE("the log is copied into the file by the checkpointer's thread, not by the commit",
          "[store][checkpointer]") {
  Log log;
  BackgroundCheckpointer checkpointer(log.db.handle(), log.path, kPages);
  auto before = log.file_bytes();
  log.commit_pages(kPages / 2);
  REQUIRE(wait_idle(checkpointer));
  CHECK(checkpointer.counts().by_thread == 0);  // below the size: nothing to do
  CHECK(log.file_bytes() == before);
  log.commit_pages(kPages);
  REQUIRE(wait_idle(checkpointer));
  auto counts = checkpointer.counts();
  CHECK(counts.by_thread == 1);
  CHECK(counts.caught_up_by_writer == 0);
  CHECK(counts.finished_by_writer == 0);
  // The rows' pages are in the file now, not only in the log.
  CHECK(log.file_bytes() >= before + static_cast<uintmax_t>(kPages) * 3 * 4096 / 2);
  CHECK(log.rows() == kPages / 2 + kPages);
}

TEST_CASE("after the thread's copy the log starts over, without the writer's help",
          "[store][checkpointer]") {
  Log log;
  BackgroundCheckpointer checkpointer(log.db.handle(), log.path, kPages);
  for (int i = 0; i < 100; ++i) {
    log.commit_pages(3);
    REQUIRE(wait_idle(checkpointer));  // nothing is committed while the thread copies
  }
  auto counts = checkpointer.counts();
  CHECK(counts.by_thread >= 10);  // 300 pages, a copy every 20 or so
  CHECK(counts.finished_by_writer == 0);
  CHECK(counts.caught_up_by_writer == 0);
  // 300 pages were committed; the log was never much longer than the size and one commit.
  CHECK(log.log_frames() <= kPages + 10);
  CHECK(log.rows() == 300);
}

TEST_CASE("commits while the thread copies: every row kept, the log bounded",
          "[store][checkpointer]") {
  Log log;
  BackgroundCheckpointer checkpointer(log.db.handle(), log.path, kPages);
  for (int i = 0; i < 400; ++i) log.commit_pages(1);  // not waiting for the thread
  REQUIRE(wait_idle(checkpointer));
  auto counts = checkpointer.counts();
  // Which step copied what depends on the timing; something did, and the log stayed bounded.
  CHECK(counts.by_thread + counts.finished_by_writer + counts.caught_up_by_writer >= 1);
  CHECK(log.log_frames() <= BackgroundCheckpointer::kCatchUpFactor * kPages + 10);
  CHECK(log.rows() == 400);
}

TEST_CASE("a log the thread cannot copy is copied by the writer at four times the size",
          "[store][checkpointer]") {
  Log log;
  // The thread opens a path where no store can be.
  BackgroundCheckpointer checkpointer(log.db.handle(), log.dir.file("missing/c.db"), kPages);
  for (int i = 0; i < 60; ++i) {
    log.commit_pages(3);
    REQUIRE(wait_idle(checkpointer));
  }
  auto counts = checkpointer.counts();
  CHECK(counts.by_thread == 0);
  CHECK(counts.caught_up_by_writer >= 2);  // 180 pages
  CHECK(log.log_frames() <= BackgroundCheckpointer::kCatchUpFactor * kPages + 10);
  CHECK(log.rows() == 180);
}

TEST_CASE("once the checkpointer is gone, the connection checkpoints itself again",
          "[store][checkpointer]") {
  Log log;
  { BackgroundCheckpointer checkpointer(log.db.handle(), log.path, kPages); }
  auto before = log.file_bytes();
  log.commit_pages(kPages + 5);
  CHECK(log.file_bytes() > before);  // SQLite's own checkpoint, in the commit
}

TEST_CASE("a store that checkpoints in the background keeps every row and closes whole",
          "[store][checkpointer]") {
  TempDir dir;
  std::string path = dir.file("h.db");
  {
    store::Store db = store::Store::open(path);
    db.checkpoint_in_background();
    db.checkpoint_in_background();  // already on: nothing more
    int64_t run = db.begin_run(store_test::sample_run_info());
    // 4,000 attempts of 5 kB: past the store's 4,000-page log size.
    for (int batch = 0; batch < 40; ++batch) {
      std::vector<store::AttemptRecord> rows;
      for (int i = 0; i < 100; ++i) {
        int line = batch * 100 + i + 1;
        store::AttemptRecord a = store_test::sample_attempt(run, line);
        a.task = store_test::sample_task(fmt::format("task-v1:{:04}", line));
        a.proof = std::string(5000, 'p');
        rows.push_back(std::move(a));
      }
      db.record(rows);
    }
  }
  // Closed: the log was copied in and removed, as without the thread.
  CHECK_FALSE(std::filesystem::exists(path + "-wal"));
  store_test::RawDb raw(path);
  CHECK(raw.query_int("SELECT count(*) FROM attempts") == 4000);
  CHECK(raw.query_int("SELECT count(*) FROM pragma_integrity_check "
                      "WHERE integrity_check = 'ok'") == 1);
}

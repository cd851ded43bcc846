// Store::open (creation, migration, refusals) and the runs table.
#include "store/store.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "fixtures.hpp"
#include "store/migrations.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using store_test::RawDb;
using store_test::TempDir;

TEST_CASE("open creates the file and applies every migration", "[store]") {
  TempDir dir;
  auto path = dir.file("harness.db");
  { auto db = store::Store::open(path); }
  RawDb raw(path);
  CHECK(raw.query_int("PRAGMA user_version") == store::latest_schema_version());
  CHECK(store::latest_schema_version() == static_cast<int>(store::schema_migrations().size()));
  CHECK(store::latest_schema_version() >= 1);
  for (const char* table :
       {"runs", "tasks", "attempts", "verification_cache", "search_attempts", "epochs",
        "task_samples", "checkpoints", "metrics_computations", "dictionaries", "proof_metrics",
        "task_metrics", "declaration_metrics"}) {
    INFO(table);
    CHECK(raw.query_int(std::string("SELECT count(*) FROM sqlite_schema WHERE name = '") + table +
                        "'") == 1);
  }
  CHECK(raw.query_int("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'") == 1);
}

TEST_CASE("reopening is a no-op and keeps the data", "[store]") {
  TempDir dir;
  auto path = dir.file("harness.db");
  int64_t run_id = 0;
  {
    auto db = store::Store::open(path);
    run_id = db.begin_run(store_test::sample_run_info());
    db.record({store_test::sample_attempt(run_id, 1)});
  }
  auto schema_before = RawDb(path).query_int("PRAGMA schema_version");
  auto db = store::Store::open(path);
  CHECK(RawDb(path).query_int("PRAGMA schema_version") == schema_before);
  CHECK(RawDb(path).query_int("PRAGMA user_version") == store::latest_schema_version());
  CHECK(db.run(run_id).has_value());
  CHECK(db.attempts(run_id).size() == 1);
  CHECK(db.count_cache_entries() == 1);
}

TEST_CASE("a database from a newer harness is refused and left alone", "[store]") {
  TempDir dir;
  auto path = dir.file("future.db");
  { auto db = store::Store::open(path); }
  int newer = store::latest_schema_version() + 1;
  RawDb(path).exec("PRAGMA user_version = " + std::to_string(newer));
  auto expected = path + ": schema version " + std::to_string(newer) +
                  " is newer than this harness understands (" +
                  std::to_string(store::latest_schema_version()) + "); upgrade the harness";
  CHECK_THROWS_WITH(store::Store::open(path), expected);
  CHECK(RawDb(path).query_int("PRAGMA user_version") == newer);
}

TEST_CASE("a file that is not a database is refused, naming the file", "[store]") {
  TempDir dir;
  auto path = dir.file("garbage.db");
  std::ofstream(path) << std::string(4096, 'x') << "this is not a SQLite database\n";
  CHECK_THROWS_AS(store::Store::open(path), store::StoreError);
  CHECK_THROWS_WITH(store::Store::open(path),
                    StartsWith(path + ": ") && Contains("not a database"));
}

TEST_CASE("an unwritable path is refused, naming it", "[store]") {
  TempDir dir;
  auto path = dir.file("missing-dir/harness.db");
  CHECK_THROWS_AS(store::Store::open(path), store::StoreError);
  CHECK_THROWS_WITH(store::Store::open(path),
                    StartsWith(path + ": open: ") && Contains("unable to open"));
}

TEST_CASE("begin_run and finish_run round trip", "[store]") {
  TempDir dir;
  auto db = store::Store::open(dir.file("harness.db"));
  auto info = store_test::sample_run_info();
  int64_t id = db.begin_run(info);

  auto running = db.run(id);
  REQUIRE(running);
  CHECK(running->id == id);
  CHECK(running->uuid.size() == 36);
  CHECK(running->command == info.command);
  CHECK(running->argv_json == info.argv_json);
  CHECK(running->toolchain == info.toolchain);
  CHECK(running->repl == info.repl);
  CHECK(running->settings_json == info.settings_json);
  CHECK(running->input_path == info.input_path);
  CHECK(running->input_sha256 == info.input_sha256);
  CHECK(running->host == info.host);
  CHECK(running->status == store::RunStatus::running);
  CHECK_FALSE(running->ended_at);
  CHECK_FALSE(running->summary_json);
  CHECK(store_test::is_utc_millis(running->started_at));

  db.finish_run(id, store::RunStatus::completed, R"({"pass":1})");
  auto done = db.run(id);
  REQUIRE(done);
  CHECK(done->status == store::RunStatus::completed);
  CHECK(done->summary_json == R"({"pass":1})");
  REQUIRE(done->ended_at);
  CHECK(*done->ended_at >= done->started_at);
  CHECK_FALSE(db.run(id + 100));
}

TEST_CASE("runs get distinct uuids and optional fields may be absent", "[store]") {
  TempDir dir;
  auto db = store::Store::open(dir.file("harness.db"));
  auto info = store_test::sample_run_info();
  info.input_sha256.reset();
  info.host.reset();
  auto first = db.run(db.begin_run(info));
  auto second = db.run(db.begin_run(info));
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->uuid != second->uuid);
  CHECK(first->uuid[14] == '4');
  CHECK_FALSE(first->input_sha256);
  CHECK_FALSE(first->host);
}

TEST_CASE("finish_run refuses unknown, finished and still-running outcomes", "[store]") {
  TempDir dir;
  auto path = dir.file("harness.db");
  auto db = store::Store::open(path);
  int64_t id = db.begin_run(store_test::sample_run_info());
  CHECK_THROWS_WITH(
      db.finish_run(id + 1, store::RunStatus::failed, "{}"),
      path + ": finish run " + std::to_string(id + 1) + ": no running run has that id");
  CHECK_THROWS_AS(db.finish_run(id, store::RunStatus::running, "{}"), store::StoreError);
  CHECK_THROWS_WITH(db.finish_run(id, store::RunStatus::failed, "not json"),
                    Contains("CHECK constraint failed"));
  db.finish_run(id, store::RunStatus::interrupted, "{}");
  CHECK_THROWS_AS(db.finish_run(id, store::RunStatus::completed, "{}"), store::StoreError);
  CHECK(db.run(id)->status == store::RunStatus::interrupted);
}

TEST_CASE("begin_run refuses argv that is not JSON", "[store]") {
  TempDir dir;
  auto db = store::Store::open(dir.file("harness.db"));
  auto info = store_test::sample_run_info();
  info.argv_json = "[unterminated";
  CHECK_THROWS_WITH(db.begin_run(info), Contains("begin run (score)"));
}

TEST_CASE("a moved Store keeps working and the old one can be destroyed", "[store]") {
  TempDir dir;
  auto first = store::Store::open(dir.file("harness.db"));
  int64_t id = first.begin_run(store_test::sample_run_info());
  store::Store second = std::move(first);
  CHECK(second.run(id));
  auto third = store::Store::open(dir.file("other.db"));
  third = std::move(second);
  CHECK(third.run(id));
  CHECK(third.path() == dir.file("harness.db"));
}

TEST_CASE("run statuses convert to and from their stored text", "[store]") {
  for (auto status : {store::RunStatus::running, store::RunStatus::completed,
                      store::RunStatus::failed, store::RunStatus::interrupted,
                      store::RunStatus::abandoned}) {
    CHECK(store::parse_run_status(store::to_string(status)) == status);
  }
  CHECK_FALSE(store::parse_run_status("done"));
}

TEST_CASE("two Stores on one file see each other's committed writes", "[store]") {
  TempDir dir;
  auto path = dir.file("shared.db");
  auto writer = store::Store::open(path);
  auto reader = store::Store::open(path);
  int64_t id = writer.begin_run(store_test::sample_run_info());
  reader.record({store_test::sample_attempt(id, 1)});
  CHECK(writer.attempts(id).size() == 1);
  CHECK(reader.run(id));
}

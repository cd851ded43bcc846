// Parsing schema files into migrations and applying them.
#include "store/migrations.hpp"

#include <catch2/catch.hpp>

#include <map>

#include "common/tagged_hash.hpp"
#include "fixtures.hpp"
#include "store/database.hpp"
#include "store/store_error.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using store_test::RawDb;
using store_test::TempDir;

namespace {

const std::vector<store::Migration> kTwo = store::parse_migrations(
    "-- two migrations\n"
    "-- migration 1: first\n"
    "CREATE TABLE a (x INTEGER);\n"
    "-- migration 2: second\n"
    "CREATE TABLE b (y INTEGER);\n",
    "two.sql");

}  // namespace

TEST_CASE("the embedded schema parses into numbered migrations", "[store][migrations]") {
  const auto& migrations = store::schema_migrations();
  REQUIRE_FALSE(migrations.empty());
  CHECK(migrations[0].number == 1);
  CHECK(migrations[0].description == "initial schema");
  CHECK_THAT(migrations[0].sql, Contains("CREATE TABLE attempts"));
  for (size_t i = 0; i < migrations.size(); ++i) CHECK(migrations[i].number == int(i) + 1);
}

TEST_CASE("parse_migrations splits at marker lines only", "[store][migrations]") {
  auto migrations = store::parse_migrations(
      "-- header comment\n"
      "-- migration policy: not a marker (no number)\n"
      "\n"
      "-- migration 1: one\n"
      "CREATE TABLE a (x);\n"
      "-- migration 2:   two  \n"
      "-- a comment inside migration 2\n"
      "CREATE TABLE b (y);",
      "test.sql");
  REQUIRE(migrations.size() == 2);
  CHECK(migrations[0].description == "one");
  CHECK(migrations[0].sql == "CREATE TABLE a (x);\n");
  CHECK(migrations[1].description == "two");
  CHECK(migrations[1].sql == "-- a comment inside migration 2\nCREATE TABLE b (y);\n");
  CHECK(store::parse_migrations("-- nothing yet\n", "empty.sql").empty());
}

TEST_CASE("parse_migrations refuses gaps, disorder and stray SQL", "[store][migrations]") {
  CHECK_THROWS_WITH(
      store::parse_migrations("-- migration 1: a\nSELECT 1;\n-- migration 3: c\n", "gap.sql"),
      "gap.sql:3: migration 3 found where migration 2 belongs");
  CHECK_THROWS_WITH(store::parse_migrations("-- migration 2: b\n", "late.sql"),
                    "late.sql:1: migration 2 found where migration 1 belongs");
  CHECK_THROWS_AS(store::parse_migrations("CREATE TABLE t (x);\n-- migration 1: a\n", "s.sql"),
                  store::StoreError);
  CHECK_THROWS_WITH(store::parse_migrations("\nCREATE TABLE t (x);\n", "s.sql"),
                    StartsWith("s.sql:2: SQL before the first"));
}

TEST_CASE("migrate applies pending migrations once, in order", "[store][migrations]") {
  TempDir dir;
  auto path = dir.file("m.db");
  {
    auto db = store::Database::open(path);
    store::migrate(db, {kTwo[0]});
  }
  CHECK(RawDb(path).query_int("PRAGMA user_version") == 1);
  {
    auto db = store::Database::open(path);
    store::migrate(db, kTwo);
    store::migrate(db, kTwo);  // a no-op: CREATE TABLE would fail if re-run
  }
  RawDb raw(path);
  CHECK(raw.query_int("PRAGMA user_version") == 2);
  CHECK(raw.query_int("SELECT count(*) FROM sqlite_schema WHERE name IN ('a', 'b')") == 2);
}

TEST_CASE("a failing migration leaves the database at the previous version",
          "[store][migrations]") {
  TempDir dir;
  auto path = dir.file("m.db");
  auto three = kTwo;
  three.push_back({3, "broken", "CREATE TABLE c (z INTEGER);\nINSERT INTO missing VALUES (1);\n"});
  auto db = store::Database::open(path);
  CHECK_THROWS_WITH(store::migrate(db, three),
                    StartsWith(path + ": migration 3 (broken)") && Contains("no such table"));
  RawDb raw(path);
  CHECK(raw.query_int("PRAGMA user_version") == 2);
  CHECK(raw.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'c'") == 0);
  CHECK_FALSE(db.in_transaction());
}

TEST_CASE("migrate refuses a database newer than its migrations", "[store][migrations]") {
  TempDir dir;
  auto path = dir.file("m.db");
  auto db = store::Database::open(path);
  store::migrate(db, kTwo);
  CHECK_THROWS_WITH(store::migrate(db, {kTwo[0]}),
                    path +
                        ": schema version 2 is newer than this harness understands (1); "
                        "upgrade the harness");
}

TEST_CASE("a version 1 database with data upgrades to the latest schema and keeps it",
          "[store][migrations]") {
  TempDir dir;
  auto path = dir.file("v1.db");
  auto fresh = dir.file("fresh.db");
  {
    auto db = store::Database::open(path);
    store::migrate(db, {store::schema_migrations().at(0)});
  }
  {
    RawDb raw(path);
    REQUIRE(raw.query_int("PRAGMA user_version") == 1);
    raw.exec(R"sql(
      INSERT INTO runs (id, uuid, command, argv, toolchain, repl, settings, input_path)
      VALUES (4, 'a3c1e3f0-0000-4000-8000-000000000001', 'score', '[]', 'lean', 'repl', '{}',
              'in.jsonl');
      INSERT INTO tasks VALUES ('task-v1:0001', 't', 'import Mathlib', 'theorem t : True', NULL);
      INSERT INTO attempts (run_id, line, name, task_id, verdict, decided_by, reason, reward,
                            elapsed_ms, cached, messages, proof, cache_key)
      VALUES (4, 1, 't', 'task-v1:0001', 'pass', 'lean', 'ok', 1.0, 5, 0, '[]', 'trivial',
              'verify-v1:k1'),
             (4, 2, 't', 'task-v1:0001', 'fail', 'lean', 'no', 0.0, 6, 0, '[]', 'sorry', NULL);
      INSERT INTO verification_cache (key, verdict, decided_by, reason, elapsed_ms, messages)
      VALUES ('verify-v1:k1', 'pass', 'lean', 'ok', 5, '[]');
    )sql");
  }
  { auto upgraded = store::Store::open(fresh); }

  auto db = store::Store::open(path);
  CHECK(RawDb(path).query_int("PRAGMA user_version") == store::latest_schema_version());
  auto run = db.run(4);
  REQUIRE(run);
  CHECK(run->uuid == "a3c1e3f0-0000-4000-8000-000000000001");
  CHECK(db.run_by_uuid(run->uuid)->id == 4);
  CHECK(db.latest_run("score")->id == 4);
  auto rows = db.attempts(4);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].proof == "trivial");
  CHECK(rows[1].verdict == "fail");
  CHECK(db.next_line(4) == 3);
  CHECK(db.task("task-v1:0001"));
  REQUIRE(db.lookup_cache("verify-v1:k1"));
  CHECK(db.lookup_cache("verify-v1:k1")->verdict == "pass");

  // The upgraded file has exactly the layout of a file created at the latest version.
  RawDb raw(path);
  raw.exec("ATTACH DATABASE '" + fresh + "' AS fresh");
  auto differing = [&](const std::string& a, const std::string& b) {
    auto select = [&](const std::string& schema) {
      return "SELECT type, name, tbl_name, sql FROM " + schema + ".sqlite_schema";
    };
    return raw.query_int("SELECT count(*) FROM (" + select(a) + " EXCEPT " + select(b) + ")");
  };
  CHECK(differing("main", "fresh") == 0);
  CHECK(differing("fresh", "main") == 0);
  CHECK(raw.query_int("SELECT count(*) FROM main.sqlite_schema WHERE name IN "
                      "('search_attempts', 'epochs', 'task_samples', 'checkpoints')") == 4);

  // The old run can carry search rows and epochs.
  store::SearchAttemptRecord search;
  search.attempt = store_test::sample_attempt(4, 3);
  search.phase = "train";
  search.mode = "whole";
  db.record_search({search});
  store::EpochRecord epoch;
  epoch.run_id = 4;
  epoch.phase = "train";
  db.finish_epoch(epoch, {}, std::nullopt);
  CHECK(db.search_attempts(4).size() == 1);
  CHECK(db.epochs(4).size() == 1);
}

TEST_CASE("a version 2 database with search data upgrades to the latest schema and keeps it",
          "[store][migrations]") {
  TempDir dir;
  auto path = dir.file("v2.db");
  auto fresh = dir.file("fresh.db");
  {
    auto db = store::Database::open(path);
    const auto& all = store::schema_migrations();
    store::migrate(db, {all.at(0), all.at(1)});
  }
  const std::string checkpoint_sha = common::sha256_hex("weights");
  {
    RawDb raw(path);
    REQUIRE(raw.query_int("PRAGMA user_version") == 2);
    raw.exec(R"sql(
      INSERT INTO runs (id, uuid, command, argv, toolchain, repl, settings, input_path, status,
                        ended_at, summary)
      VALUES (7, 'a3c1e3f0-0000-4000-8000-000000000007', 'search', '[]', 'lean', 'repl', '{}',
              '', 'completed', '2024-05-01T12:00:00.000Z', '{"epochs":1}');
      INSERT INTO tasks VALUES ('task-v1:0001', 't', 'import Mathlib', 'theorem t : True', 'train');
      INSERT INTO attempts (run_id, line, name, task_id, verdict, decided_by, reason, reward,
                            elapsed_ms, cached, axioms, messages, proof, cache_key)
      VALUES (7, 1, 't', 'task-v1:0001', 'pass', 'lean', 'ok', 1.0, 5, 0, '["propext"]', '[]',
              'trivial', 'verify-v1:k1'),
             (7, 2, 't', 'task-v1:0001', 'fail', 'lean', 'no', 0.0, 6, 0, NULL, '[]', 'sorry',
              NULL);
      INSERT INTO search_attempts (run_id, line, epoch, phase, group_index, sample, mode,
                                   policy_version, prompt, completion)
      VALUES (7, 1, 0, 'train', 0, 0, 'whole', 'v0', 'p', 'trivial'),
             (7, 2, 0, 'train', 0, 1, 'whole', 'v0', 'p', 'sorry');
      INSERT INTO epochs (run_id, epoch, phase, tasks, attempts, passes, errors, pass_rate,
                          mean_reward, new_solved, seconds, stats)
      VALUES (7, 0, 'train', 1, 2, 1, 0, 0.5, 0.5, 1, 1.5, '{}');
      INSERT INTO task_samples VALUES (7, 0, 'task-v1:0001', 'train', 2, 1);
      INSERT INTO verification_cache (key, verdict, decided_by, reason, elapsed_ms, messages)
      VALUES ('verify-v1:k1', 'pass', 'lean', 'ok', 5, '[]');
    )sql");
    raw.exec(
        "INSERT INTO checkpoints (run_id, epoch, policy_kind, policy_version, bytes, sha256, "
        "state) VALUES (7, 0, 'builtin', 'v1', CAST('weights' AS BLOB), '" +
        checkpoint_sha + "', '{}')");
  }
  { auto created = store::Store::open(fresh); }

  auto db = store::Store::open(path);
  CHECK(RawDb(path).query_int("PRAGMA user_version") == store::latest_schema_version());
  auto run = db.run(7);
  REQUIRE(run);
  CHECK(run->status == store::RunStatus::completed);
  CHECK(run->summary_json == R"({"epochs":1})");
  auto rows = db.attempts(7);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].proof == "trivial");
  CHECK(rows[0].axioms_json == R"(["propext"])");
  CHECK_FALSE(rows[0].used_constants_json);
  CHECK(rows[1].verdict == "fail");
  CHECK(db.search_attempts(7).size() == 2);
  CHECK(db.epochs(7).size() == 1);
  CHECK(db.task_samples(7).size() == 1);
  auto checkpoint = db.latest_checkpoint(7);
  REQUIRE(checkpoint);
  CHECK(checkpoint->bytes == "weights");
  auto hit = db.lookup_cache("verify-v1:k1");
  REQUIRE(hit);
  CHECK(hit->verdict == "pass");
  CHECK_FALSE(hit->used_constants_json);

  // The upgraded file has exactly the layout of a file created at the latest version.
  {
    RawDb raw(path);
    raw.exec("ATTACH DATABASE '" + fresh + "' AS fresh");
    auto select = [](const std::string& schema) {
      return "SELECT type, name, tbl_name, sql FROM " + schema + ".sqlite_schema";
    };
    CHECK(raw.query_int("SELECT count(*) FROM (" + select("main") + " EXCEPT " + select("fresh") +
                        ")") == 0);
    CHECK(raw.query_int("SELECT count(*) FROM (" + select("fresh") + " EXCEPT " + select("main") +
                        ")") == 0);
    // The new column's CHECK holds on the upgraded table too.
    CHECK_THROWS(raw.exec("UPDATE attempts SET used_constants = '{}' WHERE line = 1"));
  }

  // The old rows take part in the new features.
  auto proofs = db.verified_proofs(7);
  REQUIRE(proofs.size() == 1);
  CHECK(proofs[0].proof == "trivial");
  CHECK(proofs[0].task_name == "t");
  CHECK_FALSE(proofs[0].used_constants_json);
  store::ProofMetricsRecord metrics{.run_id = 7, .line = 1, .bytes = 7, .tactics = 1, .c = 16};
  int64_t computation = db.record_metrics({.scope = "7"}, {}, {metrics}, {}, {});
  CHECK(db.proof_metrics(computation) == std::vector{metrics});
  auto next = store_test::sample_attempt(7, 3);
  db.record({next});
  CHECK(db.attempts(7).back().used_constants_json == next.used_constants_json);
}

TEST_CASE("a version 3 store with runs, attempts, search and metrics rows upgrades to version 4 "
          "with every row and reference intact",
          "[store][migrations][abandoned]") {
  TempDir dir;
  auto path = dir.file("v3.db");
  auto fresh = dir.file("fresh.db");
  {
    auto db = store::Database::open(path);
    db.exec("PRAGMA foreign_keys = ON", "test");
    const auto& all = store::schema_migrations();
    store::migrate(db, {all.at(0), all.at(1), all.at(2)});
  }
  const std::string sha = common::sha256_hex("weights");
  {
    RawDb raw(path);
    REQUIRE(raw.query_int("PRAGMA user_version") == 3);
    raw.exec("PRAGMA foreign_keys = ON");
    raw.exec(R"sql(
      INSERT INTO runs (id, uuid, command, argv, toolchain, repl, settings, input_path, status,
                        ended_at, summary, host)
      VALUES (3, 'a3c1e3f0-0000-4000-8000-000000000003', 'score', '["harness","score"]', 'lean',
              'repl', '{}', 'in.jsonl', 'completed', '2024-05-01T12:00:00.000Z', '{"lines":2}',
              'node-1'),
             (7, 'a3c1e3f0-0000-4000-8000-000000000007', 'search', '[]', 'lean', 'repl', '{}',
              '', 'running', NULL, NULL, 'node-1');
      INSERT INTO tasks VALUES ('task-v1:0001', 't', 'import Mathlib', 'theorem t : True', 'train');
      INSERT INTO attempts (run_id, line, name, task_id, verdict, decided_by, reason, reward,
                            elapsed_ms, cached, messages, proof, cache_key, used_constants)
      VALUES (3, 1, 't', 'task-v1:0001', 'pass', 'lean', 'ok', 1.0, 5, 0, '[]', 'trivial',
              'verify-v2:k1', '["True.intro"]'),
             (3, 2, 't', 'task-v1:0001', 'fail', 'lean', 'no', 0.0, 6, 0, '[]', 'sorry', NULL,
              NULL),
             (7, 1, 't', 'task-v1:0001', 'pass', 'lean', 'ok', 1.0, 5, 1, '[]', 'trivial',
              'verify-v2:k1', NULL);
      INSERT INTO verification_cache (key, verdict, decided_by, reason, elapsed_ms, messages)
      VALUES ('verify-v2:k1', 'pass', 'lean', 'ok', 5, '[]');
      INSERT INTO search_attempts (run_id, line, epoch, phase, group_index, sample, mode,
                                   policy_version, prompt, completion)
      VALUES (7, 1, 0, 'train', 0, 0, 'whole', 'v0', 'p', 'trivial');
      INSERT INTO epochs (run_id, epoch, phase, tasks, attempts, passes, errors, pass_rate,
                          mean_reward, new_solved, seconds, stats)
      VALUES (7, 0, 'train', 1, 1, 1, 0, 1.0, 1.0, 1, 1.5, '{}');
      INSERT INTO task_samples VALUES (7, 0, 'task-v1:0001', 'train', 1, 1);
      INSERT INTO metrics_computations (id, scope, params, summary) VALUES (1, 'all', '{}', '{}');
      INSERT INTO dictionaries (id, computation, version, fold, kind, samples, params, bytes, sha256)
      VALUES (1, 1, 'raw-v1', 0, 'raw', 1, '{}', CAST('d' AS BLOB), ')sql" +
             common::sha256_hex("d") + R"sql(');
      INSERT INTO proof_metrics VALUES (1, 3, 1, 7, 1, 16, 12, 4, 0.75, 0, 1);
      INSERT INTO task_metrics VALUES (1, 'task-v1:0001', 1, NULL);
    )sql");
    raw.exec("INSERT INTO checkpoints (run_id, epoch, policy_kind, policy_version, bytes, sha256, "
             "state) VALUES (7, 0, 'builtin', 'v1', CAST('weights' AS BLOB), '" + sha + "', '{}')");
  }
  auto count_rows = [](RawDb& raw) {
    std::map<std::string, int64_t> counts;
    for (const char* table : {"runs", "tasks", "attempts", "verification_cache", "search_attempts",
                              "epochs", "task_samples", "checkpoints", "metrics_computations",
                              "dictionaries", "proof_metrics", "task_metrics"}) {
      counts[table] = raw.query_int(std::string("SELECT count(*) FROM ") + table);
    }
    return counts;
  };
  std::map<std::string, int64_t> before;
  {
    RawDb raw(path);
    before = count_rows(raw);
  }
  { auto created = store::Store::open(fresh); }

  auto db = store::Store::open(path);
  {
    RawDb raw(path);
    CHECK(raw.query_int("PRAGMA user_version") == store::latest_schema_version());
    CHECK(count_rows(raw) == before);
    CHECK(raw.query_int("SELECT count(*) FROM pragma_foreign_key_check") == 0);
    CHECK(raw.query_int("SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'")
          == 0);
    // The same layout as a new file.
    raw.exec("ATTACH DATABASE '" + fresh + "' AS fresh");
    auto select = [](const std::string& schema) {
      return "SELECT type, name, tbl_name, sql FROM " + schema + ".sqlite_schema";
    };
    CHECK(raw.query_int("SELECT count(*) FROM (" + select("main") + " EXCEPT " + select("fresh") +
                        ")") == 0);
    CHECK(raw.query_int("SELECT count(*) FROM (" + select("fresh") + " EXCEPT " + select("main") +
                        ")") == 0);
    // The foreign keys into runs still hold: a run with attempts cannot be deleted.
    raw.exec("PRAGMA foreign_keys = ON");
    CHECK_THROWS(raw.exec("DELETE FROM runs WHERE id = 3"));
  }
  auto score = db.run(3);
  REQUIRE(score);
  CHECK(score->uuid == "a3c1e3f0-0000-4000-8000-000000000003");
  CHECK(score->status == store::RunStatus::completed);
  CHECK(score->ended_at == "2024-05-01T12:00:00.000Z");
  CHECK(score->summary_json == R"({"lines":2})");
  CHECK(score->argv_json == R"(["harness","score"])");
  CHECK(score->host == "node-1");
  CHECK_FALSE(score->process);  // recorded before runs had a process
  CHECK(db.latest_run("search")->id == 7);
  CHECK(db.attempts(3).size() == 2);
  CHECK(db.attempts(3)[0].used_constants_json == R"(["True.intro"])");
  CHECK(db.search_attempts(7).size() == 1);
  CHECK(db.epochs(7).size() == 1);
  CHECK(db.task_samples(7).size() == 1);
  CHECK(db.latest_checkpoint(7)->bytes == "weights");
  CHECK(db.proof_metrics(1).size() == 1);
  CHECK(db.task_metrics(1).size() == 1);
  CHECK(db.dictionaries(1).size() == 1);

  // The running run of before has no process to look at: a new run of its host leaves it.
  auto info = store_test::sample_run_info();
  info.host = "node-1";
  int64_t next = db.begin_run(info);
  CHECK(next == 8);
  CHECK(db.run(7)->status == store::RunStatus::running);
  RawDb(path).exec("UPDATE runs SET status = 'abandoned', ended_at = '2024-05-02T00:00:00.000Z' "
                   "WHERE id = 7");
  CHECK(db.run(7)->status == store::RunStatus::abandoned);
}

TEST_CASE("attempts by task index the attempts Lean checked, and a version 8 store gets the same",
          "[store][migrations]") {
  store_test::RunFixture f;
  auto checked = store_test::sample_attempt(f.run_id, 1);
  auto hit = store_test::sample_attempt(f.run_id, 2);
  hit.cached = true;
  f.db.record({checked, hit});
  auto index_sql = [&] {
    return RawDb(f.path).query_int(
        "SELECT count(*) FROM sqlite_schema WHERE name = 'attempts_by_task' "
        "AND sql LIKE '%(task_id) WHERE cached = 0'");
  };
  CHECK(index_sql() == 1);
  // Every attempt of a task is found, cache hits included; the checked ones through the index.
  const std::string task = checked.task->task_id;
  CHECK(RawDb(f.path).query_int("SELECT count(*) FROM attempts WHERE task_id = '" + task + "'") == 2);
  CHECK(RawDb(f.path).query_int("SELECT count(*) FROM attempts INDEXED BY attempts_by_task "
                                "WHERE task_id = '" + task + "' AND cached = 0") == 1);
  // A store of version 8 had the index over every attempt: opening it brings it to the above.
  {
    RawDb raw(f.path);
    raw.exec("DROP INDEX attempts_by_task; CREATE INDEX attempts_by_task ON attempts (task_id);"
             "PRAGMA user_version = 8;");
  }
  CHECK(index_sql() == 0);
  auto reopened = store::Store::open(f.path);
  CHECK(index_sql() == 1);
  CHECK(RawDb(f.path).query_int("PRAGMA user_version") == store::latest_schema_version());
  CHECK(reopened.attempts(f.run_id).size() == 2);
}

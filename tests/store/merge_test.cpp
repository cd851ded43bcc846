// Merging stores: runs by uuid, content-addressed tables by key, every row of a run re-keyed,
// provenance in run_sources; idempotent, independent of order, and refusing what it cannot
// merge.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>

#include "common/tagged_hash.hpp"
#include "fixtures.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using store_test::RawDb;
using store_test::sample_attempt;
using store_test::TempDir;

namespace {

using Rows = std::map<std::string, std::multiset<std::string>>;

// A store's content with every local id replaced by what it stands for (a run by its uuid, a
// computation by its run's uuid, time and parameters, a dictionary by its computation and
// fold), table by table: two stores with the same content compare equal whatever their ids.
Rows content(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  auto query = [&](const std::string& sql, auto&& each) {
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW) each(stmt);
    sqlite3_finalize(stmt);
  };
  auto text = [](sqlite3_stmt* stmt, int i) {
    const unsigned char* t = sqlite3_column_text(stmt, i);
    return sqlite3_column_type(stmt, i) == SQLITE_NULL
               ? std::string("NULL")
               : std::string(reinterpret_cast<const char*>(t));
  };
  std::map<std::string, std::string> runs, computations, dictionaries;
  query("SELECT id, uuid FROM runs", [&](sqlite3_stmt* s) { runs[text(s, 0)] = text(s, 1); });
  query("SELECT id, scope, created_at, params FROM metrics_computations", [&](sqlite3_stmt* s) {
    std::string scope = text(s, 1);
    computations[text(s, 0)] =
        (scope == "all" ? scope : runs[scope]) + "|" + text(s, 2) + "|" + text(s, 3);
  });
  query("SELECT id, computation, fold FROM dictionaries", [&](sqlite3_stmt* s) {
    dictionaries[text(s, 0)] = computations[text(s, 1)] + "|" + text(s, 2);
  });
  Rows rows;
  std::vector<std::string> tables;
  query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        [&](sqlite3_stmt* s) { tables.push_back(text(s, 0)); });
  for (const auto& table : tables) {
    query("SELECT * FROM " + table, [&](sqlite3_stmt* s) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(s); ++i) {
        std::string column = sqlite3_column_name(s, i);
        std::string value = text(s, i);
        if (column == "id" || (table == "run_sources" && column == "merged_at")) continue;
        if ((column == "run_id" || column == "attempt_run_id") && value != "NULL")
          value = runs[value];
        if (column == "computation") value = computations[value];
        if (column == "dictionary_id" && value != "NULL") value = dictionaries[value];
        if (table == "metrics_computations" && column == "scope" && value != "all")
          value = runs[value];
        row += column + "=" + value + ";";
      }
      rows[table].insert(row);
    });
  }
  sqlite3_close(db);
  return rows;
}

store::RunInfo run_info(const std::string& command, const std::string& toolchain = "lean-4.32") {
  auto info = store_test::sample_run_info();
  info.command = command;
  info.toolchain = toolchain;
  return info;
}

// A shard: a score run with three attempts, a search run with search rows, an epoch, task
// samples and a checkpoint, a metrics computation over the score run (with a dictionary, proof,
// task and declaration rows) and one over the whole file, and a library version grown by the
// search run (a lemma of its own and one every shard has, lifted from the score run's line 1).
// `tag` makes its proofs and cache keys its own; line 1's cache key and the task are shared by
// every shard.
struct Shard {
  TempDir dir;
  std::string path = dir.file("shard.db");
  std::string score_uuid, search_uuid;

  explicit Shard(const std::string& tag, const std::string& toolchain = "lean-4.32") {
    auto db = store::Store::open(path);
    int64_t score = db.begin_run(run_info("score", toolchain));
    std::vector<store::AttemptRecord> batch;
    for (int64_t line = 1; line <= 3; ++line) {
      auto a = sample_attempt(score, line);
      a.proof = tag + " proof " + std::to_string(line);
      a.cache_key =
          line == 1 ? std::string("verify-v3:shared") : "verify-v3:" + tag + std::to_string(line);
      batch.push_back(a);
    }
    db.record(batch);
    db.finish_run(score, store::RunStatus::completed, R"({"lines":3})");
    int64_t search = db.begin_run(run_info("search", toolchain));
    store::SearchAttemptRecord s;
    s.attempt = sample_attempt(search, 1);
    s.attempt.cache_key = "verify-v3:" + tag + "-search";
    s.phase = "train";
    s.mode = "whole";
    s.prompt = tag;
    db.record_search({s});
    store::EpochRecord epoch;
    epoch.run_id = search;
    epoch.phase = "train";
    epoch.tasks = epoch.attempts = epoch.passes = 1;
    store::CheckpointRecord checkpoint;
    checkpoint.run_id = search;
    checkpoint.policy_kind = "builtin";
    checkpoint.policy_version = "v1";
    checkpoint.bytes = tag + std::string("\0w", 2);
    db.finish_epoch(
        epoch, {{.run_id = search, .task_id = "task-v1:0001", .split = "train", .n = 1, .c = 1}},
        checkpoint);
    store::DictionaryRecord dictionary{
        .version = "raw-v1", .fold = 0, .kind = "raw", .samples = 2, .bytes = tag + " dictionary"};
    store::ProofMetricsRecord proof{.run_id = score,
                                    .line = 1,
                                    .bytes = 9,
                                    .tactics = 1,
                                    .c = 12,
                                    .c_given_library = 8,
                                    .shared = 4,
                                    .novelty = 0.66,
                                    .dictionary_id = store::dictionary_in_call(0)};
    db.record_metrics(
        {.scope = store::metrics_scope(score), .params_json = R"({"tag":")" + tag + "\"}"},
        {dictionary}, {proof}, {{.task_id = "task-v1:0001", .proofs = 1}},
        {{.name = "helper", .reuse = 1, .method = "text"}});
    db.record_metrics({.scope = "all"}, {}, {}, {}, {});
    score_uuid = db.run(score)->uuid;
    search_uuid = db.run(search)->uuid;
    auto shared = store_test::sample_lemma("shared", {store_test::sample_source(score_uuid, 1)});
    auto own = store_test::sample_lemma(tag, {store_test::sample_source(score_uuid, 2)});
    store::LibraryVersionRecord version{.version = store_test::library_version_string(tag),
                                        .run_id = search,
                                        .members = {{.lemma_digest = shared.digest},
                                                    {.lemma_digest = own.digest, .position = 1}}};
    db.record_library(version, {shared, own}, {store_test::sample_rewrite(own, score_uuid, 2)});
  }
};

int64_t total(const store::MergeCounts& counts) {
  int64_t n = counts.runs_updated;
  for (const auto& [table, added] : counts.added) n += added;
  return n;
}

}  // namespace

TEST_CASE("merge brings every row of two shards into one store, re-keyed by run",
          "[store][merge]") {
  Shard a("a"), b("b");
  TempDir dir;
  auto out_path = dir.file("all.db");
  auto out = store::Store::open(out_path);
  auto first = out.merge_from(a.path);
  CHECK(first.added["runs"] == 2);
  CHECK(first.added["attempts"] == 4);
  CHECK(first.added["search_attempts"] == 1);
  CHECK(first.added["epochs"] == 1);
  CHECK(first.added["task_samples"] == 1);
  CHECK(first.added["checkpoints"] == 1);
  CHECK(first.added["tasks"] == 1);
  CHECK(first.added["verification_cache"] == 4);
  CHECK(first.added["run_sources"] == 2);
  CHECK(first.added["metrics_computations"] == 1);
  CHECK(first.added["dictionaries"] == 1);
  CHECK(first.added["proof_metrics"] == 1);
  CHECK(first.added["task_metrics"] == 1);
  CHECK(first.added["declaration_metrics"] == 1);
  CHECK(first.added["lemmas"] == 2);
  CHECK(first.added["lemma_sources"] == 2);
  CHECK(first.added["library_versions"] == 1);
  CHECK(first.added["library_rewrites"] == 1);
  CHECK(first.computations_skipped == 1);  // the one over the whole file
  auto second = out.merge_from(b.path);
  CHECK(second.added["runs"] == 2);
  CHECK(second.added["tasks"] == 0);               // the same task
  CHECK(second.added["verification_cache"] == 3);  // "verify-v3:shared" was there
  CHECK(second.added["lemmas"] == 1);         // the shared lemma was there
  CHECK(second.added["lemma_sources"] == 2);  // its source in b is another proof

  for (const auto& shard : {&a, &b}) {
    auto score = out.run_by_uuid(shard->score_uuid);
    REQUIRE(score);
    CHECK(score->status == store::RunStatus::completed);
    CHECK(score->summary_json == R"({"lines":3})");
    auto attempts = out.attempts(score->id);
    REQUIRE(attempts.size() == 3);
    CHECK(attempts[2].proof.ends_with("proof 3"));
    auto search = out.run_by_uuid(shard->search_uuid);
    REQUIRE(search);
    CHECK(out.search_attempts(search->id).size() == 1);
    CHECK(out.epochs(search->id).size() == 1);
    CHECK(out.task_samples(search->id).size() == 1);
    REQUIRE(out.latest_checkpoint(search->id));
    auto metrics = out.latest_metrics(store::metrics_scope(score->id));
    REQUIRE(metrics);
    auto proofs = out.proof_metrics(metrics->id);
    REQUIRE(proofs.size() == 1);
    CHECK(proofs[0].run_id == score->id);
    auto dictionaries = out.dictionaries(metrics->id);
    REQUIRE(dictionaries.size() == 1);
    CHECK(proofs[0].dictionary_id == dictionaries[0].id);
    auto version = out.library_version(store_test::library_version_string(shard == &a ? "a" : "b"));
    REQUIRE(version);
    CHECK(version->run_id == search->id);
    auto lemmas = out.library_lemmas(version->version);
    REQUIRE(lemmas.size() == 2);
    REQUIRE(lemmas[1].sources.size() == 1);
    CHECK(lemmas[1].sources[0].attempt == store::AttemptKey{score->id, 2});
  }
  CHECK(out.library_lemmas(store_test::library_version_string("a"))[0].sources.size() == 2);
  CHECK(out.latest_checkpoint(out.run_by_uuid(b.search_uuid)->id)->bytes == std::string("b\0w", 3));
  CHECK_FALSE(out.latest_metrics("all"));
  RawDb raw(out_path);
  CHECK(raw.query_int("SELECT count(*) FROM run_sources") == 4);
  auto source = std::filesystem::absolute(a.path).lexically_normal().string();
  CHECK(raw.query_int("SELECT count(*) FROM run_sources AS s JOIN runs AS r ON r.id = s.run_id "
                      "WHERE s.source = '" +
                      source + "' AND r.uuid = '" + a.score_uuid + "' AND s.source_run_id = 1") ==
        1);
  CHECK(raw.query_int("SELECT count(*) FROM pragma_foreign_key_check") == 0);
}

TEST_CASE("merging the same store again adds nothing", "[store][merge]") {
  Shard a("a"), b("b");
  TempDir dir;
  auto out_path = dir.file("all.db");
  auto out = store::Store::open(out_path);
  out.merge_from(a.path);
  out.merge_from(b.path);
  Rows once = content(out_path);
  CHECK(total(out.merge_from(a.path)) == 0);
  CHECK(total(out.merge_from(b.path)) == 0);
  CHECK(content(out_path) == once);

  // A merged store merged into another brings its provenance along.
  auto twice_path = dir.file("twice.db");
  auto twice = store::Store::open(twice_path);
  twice.merge_from(out_path);
  CHECK(RawDb(twice_path).query_int("SELECT count(*) FROM run_sources") == 8);
  CHECK(total(twice.merge_from(a.path)) == 0);
}

TEST_CASE("merging in either order gives the same content", "[store][merge]") {
  Shard a("a"), b("b");
  // The same run in two copies: one taken while it ran, one after it finished with more lines.
  TempDir dir;
  auto early = dir.file("early.db");
  {
    auto db = store::Store::open(a.path);
    int64_t serve = db.begin_run(run_info("serve"));
    db.record({sample_attempt(serve, 1)});
  }
  std::filesystem::copy_file(a.path, early);
  {
    auto db = store::Store::open(a.path);
    int64_t serve = db.latest_run("serve")->id;
    db.record({sample_attempt(serve, 2)});
    db.finish_run(serve, store::RunStatus::completed, R"({"snippets":2})");
  }
  auto ab = dir.file("ab.db"), ba = dir.file("ba.db");
  {
    auto out = store::Store::open(ab);
    for (const auto& source : {early, a.path, b.path}) out.merge_from(source);
  }
  {
    auto out = store::Store::open(ba);
    for (const auto& source : {b.path, a.path, early}) out.merge_from(source);
  }
  Rows left = content(ab), right = content(ba);
  for (const auto& [table, rows] : left) {
    INFO(table);
    CHECK(rows == right[table]);
  }
  CHECK(left.size() == right.size());
  auto out = store::Store::open(ba);
  auto serve = out.latest_run("serve");
  REQUIRE(serve);
  CHECK(serve->status == store::RunStatus::completed);  // the further copy, whatever the order
  CHECK(serve->summary_json == R"({"snippets":2})");
  CHECK(out.attempts(serve->id).size() == 2);
}

TEST_CASE("merge refuses what it cannot merge, naming the file", "[store][merge]") {
  Shard a("a");
  TempDir dir;
  auto out_path = dir.file("all.db");
  auto out = store::Store::open(out_path);
  CHECK_THROWS_WITH(out.merge_from(dir.file("missing.db")),
                    StartsWith(dir.file("missing.db") + ": no such store"));
  auto empty = dir.write("empty.db", "");
  CHECK_THROWS_WITH(out.merge_from(empty), Contains("empty.db: no such store: the file holds no "
                                                    "harness schema"));
  CHECK_THROWS_WITH(out.merge_from(out_path), Contains("cannot be merged into itself"));
  auto old_path = dir.file("old.db");
  {
    auto db = store::Database::open(old_path);
    const auto& all = store::schema_migrations();
    store::migrate(db, {all.at(0), all.at(1), all.at(2)});
  }
  CHECK_THROWS_WITH(out.merge_from(old_path),
                    Contains("old.db: schema version 3 differs from this store's"));
  CHECK(store::Store::inspect(old_path).schema_version == 3);  // inspect does not migrate
  CHECK(RawDb(out_path).query_int("SELECT count(*) FROM runs") == 0);

  RawDb(out_path).exec("CREATE TABLE notes (run_id INTEGER)");
  CHECK_THROWS_WITH(out.merge_from(a.path), Contains("no rule to merge table notes"));
  CHECK(RawDb(out_path).query_int("SELECT count(*) FROM runs") == 0);
}

TEST_CASE("inspect reads a store's version and toolchains without writing it", "[store][merge]") {
  Shard a("a", "lean-4.31");
  auto facts = store::Store::inspect(a.path);
  CHECK(facts.schema_version == store::latest_schema_version());
  CHECK(facts.toolchains == std::vector<std::string>{"lean-4.31"});
  CHECK(facts.runs == 2);
}

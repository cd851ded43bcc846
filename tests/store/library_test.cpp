// The lemma library's storage: lemmas (content-addressed) with their sources and derived-from
// tasks, library versions with members and rewrites, their lookup, and how they live with
// prune, merge and the migration that added them; the learning curve's library columns.
#include <catch2/catch.hpp>

#include <map>

#include "fixtures.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

using Catch::Matchers::Contains;
using store_test::library_version_string;
using store_test::RawDb;
using store_test::RunFixture;
using store_test::sample_attempt;
using store_test::sample_lemma;
using store_test::sample_rewrite;
using store_test::sample_source;
using store_test::TempDir;

namespace {

store::LibraryVersionRecord sample_version(const std::string& version,
                                           const std::vector<store::LemmaRecord>& members,
                                           const std::string& parent = "") {
  store::LibraryVersionRecord v;
  v.version = version;
  v.parent = parent;
  v.params_json = R"({"order":"greedy","zstd_level":19})";
  v.proofs_bytes = 1000;
  v.library_bytes = 80;
  v.rewrite_checks = 3;
  v.candidates = 5;
  for (size_t i = 0; i < members.size(); ++i) {
    v.members.push_back({.lemma_digest = members[i].digest,
                         .position = static_cast<int64_t>(i),
                         .gain = 30 - static_cast<int64_t>(i),
                         .uses = 2,
                         .mutual_information = 1.5});
  }
  return v;
}

int64_t count(const std::string& path, const std::string& table) {
  return RawDb(path).query_int("SELECT count(*) FROM " + table);
}

// A store with a run of three passing attempts, ready for lemmas lifted from them.
struct LibraryFixture : RunFixture {
  std::string uuid;
  LibraryFixture() {
    db.record({sample_attempt(run_id, 1), sample_attempt(run_id, 2), sample_attempt(run_id, 3)});
    uuid = db.run(run_id)->uuid;
  }
};

}  // namespace

TEST_CASE("a library version round-trips with its lemmas, sources, members and rewrites",
          "[store][library]") {
  LibraryFixture f;
  auto a = sample_lemma("a", {sample_source(f.uuid, 1), sample_source(f.uuid, 2, "task-v1:0002")});
  a.derived_from = {"task-v1:0009"};  // a task named without a source proof
  auto b = sample_lemma("b", {sample_source(f.uuid, 7)});  // line 7: no such attempt here
  b.sources[0].origin = "subproof";
  b.origin = "";  // taken from its first source
  auto rejected = sample_lemma("rejected");  // a candidate not kept, whose rewrite is recorded
  auto version = sample_version(library_version_string("v1"), {a, b});
  version.run_id = f.run_id;
  auto bad = sample_rewrite(rejected, f.uuid, 3);
  bad.verdict = "fail";
  bad.counted = false;
  std::vector<store::RewriteRecord> rewrites{sample_rewrite(a, f.uuid, 1),
                                             sample_rewrite(a, f.uuid, 2), bad};

  auto stored = f.db.record_library(version, {a, b, rejected}, rewrites);
  CHECK(store_test::is_utc_millis(stored.created_at));
  auto expected = version;
  expected.created_at = stored.created_at;
  CHECK(stored == expected);

  auto read = f.db.library_version(version.version);
  REQUIRE(read);
  CHECK(*read == expected);
  CHECK(f.db.library_versions() == std::vector{expected});
  CHECK(f.db.library_rewrites(version.version) == rewrites);

  auto lemmas = f.db.library_lemmas(version.version);
  REQUIRE(lemmas.size() == 2);  // the members, in position order; not the rejected candidate
  CHECK(lemmas[0].digest == a.digest);
  CHECK(lemmas[0].name == a.name);
  CHECK(lemmas[0].header == a.header);
  CHECK(lemmas[0].statement == a.statement);
  CHECK(lemmas[0].proof == a.proof);
  CHECK(lemmas[0].origin == "have");
  CHECK(lemmas[0].verdict_key == a.verdict_key);
  CHECK(lemmas[0].description_bytes == 40);
  CHECK(store_test::is_utc_millis(lemmas[0].created_at));
  REQUIRE(lemmas[0].sources.size() == 2);
  // Each source is linked to the attempt its proof key names.
  CHECK(lemmas[0].sources[0].attempt == store::AttemptKey{f.run_id, 1});
  CHECK(lemmas[0].sources[1].attempt == store::AttemptKey{f.run_id, 2});
  CHECK(lemmas[0].sources[1].proof_key == f.uuid + ":2");
  CHECK(lemmas[0].sources[1].task_id == "task-v1:0002");
  CHECK(lemmas[0].sources[1].step == 2);
  CHECK(lemmas[0].derived_from ==
        std::vector<std::string>{"task-v1:0001", "task-v1:0002", "task-v1:0009"});
  CHECK(lemmas[1].digest == b.digest);
  CHECK(lemmas[1].origin == "subproof");
  REQUIRE(lemmas[1].sources.size() == 1);
  CHECK_FALSE(lemmas[1].sources[0].attempt);  // no attempt of that line in this store
  CHECK(lemmas[1].derived_from == std::vector<std::string>{"task-v1:0001"});

  // The rejected candidate is stored (its rewrite names it), not a member.
  auto candidate = f.db.lemma(rejected.digest);
  REQUIRE(candidate);
  CHECK(candidate->origin == "remote");
  CHECK(candidate->sources.empty());
  CHECK_FALSE(f.db.lemma("lemma-v1:" + std::string(64, '0')));
  CHECK(f.db.library_lemmas(library_version_string("unknown")).empty());
  CHECK(f.db.library_rewrites(library_version_string("unknown")).empty());

  // A given creation time is kept.
  auto dated = sample_version(library_version_string("dated"), {a}, version.version);
  dated.created_at = "2026-01-02T03:04:05.678Z";
  CHECK(f.db.record_library(dated, {}, {}).created_at == "2026-01-02T03:04:05.678Z");
  CHECK(f.db.library_version(dated.version)->parent == version.version);
}

TEST_CASE("a lemma kept by two versions is stored once with the sources of both",
          "[store][library]") {
  LibraryFixture f;
  auto a1 = sample_lemma("a", {sample_source(f.uuid, 1)});
  auto v1 = sample_version(library_version_string("v1"), {a1});
  f.db.record_library(v1, {a1}, {});

  // The same lemma found again: one source already stored, one new; and a new lemma.
  auto a2 = sample_lemma("a", {sample_source(f.uuid, 1), sample_source(f.uuid, 3, "task-v1:0003")});
  a2.verdict_key = "verify-v3:another-check";  // the stored row is kept as it is
  auto b = sample_lemma("b", {sample_source(f.uuid, 2)});
  auto v2 = sample_version(library_version_string("v2"), {a2, b}, v1.version);
  f.db.record_library(v2, {a2, b}, {sample_rewrite(a2, f.uuid, 3)});

  CHECK(count(f.path, "lemmas") == 2);
  CHECK(count(f.path, "lemma_sources") == 3);
  auto in_v1 = f.db.library_lemmas(v1.version);
  auto in_v2 = f.db.library_lemmas(v2.version);
  REQUIRE(in_v1.size() == 1);
  REQUIRE(in_v2.size() == 2);
  CHECK(in_v1[0] == in_v2[0]);  // one row: what v1 reads now has v2's source too
  REQUIRE(in_v2[0].sources.size() == 2);
  CHECK(in_v2[0].sources[0].proof_key == f.uuid + ":1");
  CHECK(in_v2[0].sources[1].proof_key == f.uuid + ":3");
  CHECK(in_v2[0].verdict_key == a1.verdict_key);
  CHECK(in_v2[0].derived_from == std::vector<std::string>{"task-v1:0001", "task-v1:0003"});
  CHECK(f.db.library_rewrites(v1.version).empty());
  CHECK(f.db.library_rewrites(v2.version).size() == 1);

  // The same source lifted at another step is another source.
  auto a3 = sample_lemma("a", {sample_source(f.uuid, 1, "task-v1:0001", 5)});
  f.db.record_library(sample_version(library_version_string("v3"), {a3}), {a3}, {});
  CHECK(f.db.lemma(a1.digest)->sources.size() == 3);

  // A digest stored with another text is refused, and the call leaves nothing behind.
  auto forged = sample_lemma("a");
  forged.proof = "by omega";
  auto v4 = sample_version(library_version_string("v4"), {forged});
  CHECK_THROWS_WITH(f.db.record_library(v4, {forged}, {}),
                    Contains(forged.digest) && Contains("another header, statement or proof"));
  CHECK_FALSE(f.db.library_version(v4.version));
  CHECK(f.db.lemma(a1.digest)->proof == a1.proof);
}

TEST_CASE("recording a version again writes nothing and returns the stored one",
          "[store][library]") {
  LibraryFixture f;
  auto a = sample_lemma("a", {sample_source(f.uuid, 1)});
  auto v = sample_version(library_version_string("v1"), {a});
  auto first = f.db.record_library(v, {a}, {sample_rewrite(a, f.uuid, 1)});

  // A resumed grow records the version again, with what it found since.
  auto again = sample_lemma("a", {sample_source(f.uuid, 1), sample_source(f.uuid, 2)});
  auto extra = sample_lemma("extra");
  auto changed = v;
  changed.proofs_bytes = 1;
  changed.created_at = "2030-01-01T00:00:00.000Z";
  auto second = f.db.record_library(changed, {again, extra},
                                    {sample_rewrite(a, f.uuid, 1), sample_rewrite(a, f.uuid, 2)});
  CHECK(second == first);
  CHECK(f.db.library_versions().size() == 1);
  CHECK(f.db.library_rewrites(v.version).size() == 1);
  CHECK(f.db.lemma(a.digest)->sources.size() == 1);
  CHECK_FALSE(f.db.lemma(extra.digest));
  CHECK(count(f.path, "library_members") == 1);
}

TEST_CASE("library_version finds the latest, a version and a unique prefix of its hex",
          "[store][library]") {
  RunFixture f;
  auto a = sample_lemma("a");
  auto first = sample_version(library_version_string("one", "ab12"), {a});
  auto second = sample_version(library_version_string("two", "ab34"), {a}, first.version);
  CHECK_FALSE(f.db.library_version("latest"));
  f.db.record_library(first, {a}, {});
  CHECK(f.db.library_version("latest")->version == first.version);
  f.db.record_library(second, {}, {});  // its member is already stored

  CHECK(f.db.library_version("latest")->version == second.version);
  CHECK(f.db.library_version(first.version)->version == first.version);
  CHECK(f.db.library_version(first.version.substr(11))->version == first.version);  // bare hex
  CHECK(f.db.library_version("ab1")->version == first.version);
  CHECK(f.db.library_version("library-v1:ab3")->version == second.version);
  CHECK(f.db.library_version("AB34")->version == second.version);
  CHECK(f.db.library_version("ab1")->members == first.members);
  CHECK_THROWS_WITH(f.db.library_version("ab"),
                    Contains("ambiguous") && Contains(first.version) && Contains(second.version));
  CHECK_FALSE(f.db.library_version("cd"));
  CHECK_FALSE(f.db.library_version(""));
  CHECK_FALSE(f.db.library_version("library-v1:"));
  CHECK_FALSE(f.db.library_version("ab%"));
  CHECK_FALSE(f.db.library_version(library_version_string("three")));
  auto all = f.db.library_versions();
  REQUIRE(all.size() == 2);
  CHECK(all[0].version == first.version);
  CHECK(all[1].version == second.version);
  CHECK(all[1].parent == first.version);
  CHECK(all[1].members.size() == 1);
}

TEST_CASE("record_library refuses what breaks the library's rules, writing nothing",
          "[store][library]") {
  LibraryFixture f;
  auto a = sample_lemma("a", {sample_source(f.uuid, 1)});
  auto unknown = sample_lemma("not recorded");
  auto nothing_written = [&] {
    CHECK(count(f.path, "lemmas") == 0);
    CHECK(count(f.path, "lemma_sources") == 0);
    CHECK(count(f.path, "library_versions") == 0);
    CHECK(count(f.path, "library_members") == 0);
    CHECK(count(f.path, "library_rewrites") == 0);
  };
  auto v = sample_version(library_version_string("v"), {a, unknown});
  CHECK_THROWS_WITH(f.db.record_library(v, {a}, {}),
                    Contains("insert member 1 (lemma " + unknown.digest) &&
                        Contains("FOREIGN KEY"));
  nothing_written();
  v = sample_version(library_version_string("v"), {a});
  CHECK_THROWS_WITH(f.db.record_library(v, {a}, {sample_rewrite(unknown, f.uuid, 1)}),
                    Contains("insert rewrite 0"));
  nothing_written();
  auto uncounted = sample_rewrite(a, f.uuid, 1);
  uncounted.verdict = "fail";  // counted, but not verified
  CHECK_THROWS_WITH(f.db.record_library(v, {a}, {uncounted}), Contains("counted_if_verified"));
  nothing_written();
  auto malformed = v;
  malformed.version = "library-v1:XYZ";
  CHECK_THROWS(f.db.record_library(malformed, {a}, {}));
  auto misnamed = sample_lemma("misnamed");
  misnamed.statement = "theorem other (n : Nat) : n = n";
  CHECK_THROWS(f.db.record_library(sample_version(library_version_string("w"), {misnamed}),
                                   {misnamed}, {}));
  auto odd_origin = a;
  odd_origin.sources[0].origin = "guess";
  CHECK_THROWS(f.db.record_library(v, {odd_origin}, {}));
  nothing_written();
}

TEST_CASE("prune keeps lemmas and their sources and unlinks the pruned attempts",
          "[store][library][prune]") {
  LibraryFixture f;
  auto a = sample_lemma("a", {sample_source(f.uuid, 1), sample_source(f.uuid, 2)});
  f.db.record_library(sample_version(library_version_string("v"), {a}), {a},
                      {sample_rewrite(a, f.uuid, 1)});
  RawDb(f.path).exec("UPDATE attempts SET created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', "
                     "'-40 days') WHERE line = 1");
  auto counts = f.db.prune_attempts({.keep_days = 30});
  CHECK(counts.attempts == 1);
  auto kept = f.db.lemma(a.digest);
  REQUIRE(kept);
  REQUIRE(kept->sources.size() == 2);
  CHECK_FALSE(kept->sources[0].attempt);
  CHECK(kept->sources[0].proof_key == f.uuid + ":1");
  CHECK(kept->sources[0].task_id == "task-v1:0001");
  CHECK(kept->sources[1].attempt == store::AttemptKey{f.run_id, 2});
  CHECK(kept->derived_from == std::vector<std::string>{"task-v1:0001"});
  CHECK(f.db.library_rewrites(library_version_string("v")).size() == 1);
  CHECK(RawDb(f.path).query_int("SELECT count(*) FROM pragma_foreign_key_check") == 0);

  // Discarding a search's epochs unlinks the same way.
  store::SearchAttemptRecord s;
  s.attempt = sample_attempt(f.run_id, 4);
  s.epoch = 1;
  s.phase = "train";
  s.mode = "whole";
  f.db.record_search({s});
  auto b = sample_lemma("b", {sample_source(f.uuid, 4)});
  f.db.record_library(sample_version(library_version_string("w"), {b}), {b}, {});
  CHECK(f.db.lemma(b.digest)->sources[0].attempt == store::AttemptKey{f.run_id, 4});
  f.db.discard_after_epoch(f.run_id, 0);
  CHECK_FALSE(f.db.lemma(b.digest)->sources[0].attempt);
}

TEST_CASE("merge brings the library of two stores, lemmas by digest and versions by string",
          "[store][library][merge]") {
  TempDir dir;
  struct Side {
    std::string path, uuid, version;
  };
  auto shared = [](const std::string& uuid) {
    return sample_lemma("shared", {sample_source(uuid, 1)});
  };
  auto make = [&](const std::string& tag) {
    Side side{dir.file(tag + ".db"), "", library_version_string(tag)};
    auto db = store::Store::open(side.path);
    int64_t run = db.begin_run(store_test::sample_run_info());
    db.record({sample_attempt(run, 1)});
    side.uuid = db.run(run)->uuid;
    auto own = sample_lemma(tag, {sample_source(side.uuid, 1)});
    auto version = sample_version(side.version, {shared(side.uuid), own});
    version.run_id = run;
    db.record_library(version, {shared(side.uuid), own}, {sample_rewrite(own, side.uuid, 1)});
    return side;
  };
  Side a = make("a"), b = make("b");
  auto out_path = dir.file("out.db");
  auto out = store::Store::open(out_path);
  // A run of its own first, so that merged run ids differ from the sources'.
  out.begin_run(store_test::sample_run_info());
  auto added = out.merge_from(a.path);
  CHECK(added.added["lemmas"] == 2);
  CHECK(added.added["library_versions"] == 1);
  CHECK(added.added["library_members"] == 2);
  CHECK(added.added["library_rewrites"] == 1);
  out.merge_from(b.path);

  CHECK(count(out_path, "lemmas") == 3);
  auto versions = out.library_versions();
  REQUIRE(versions.size() == 2);
  CHECK(versions[0].version == a.version);
  CHECK(versions[1].version == b.version);
  CHECK(out.library_version("latest")->version == b.version);
  REQUIRE(versions[0].run_id);
  CHECK(out.run(*versions[0].run_id)->uuid == a.uuid);  // re-keyed onto the run's id here
  CHECK(out.run(*versions[1].run_id)->uuid == b.uuid);

  auto lemmas = out.library_lemmas(b.version);
  REQUIRE(lemmas.size() == 2);
  REQUIRE(lemmas[0].sources.size() == 2);  // the shared lemma: once, with both stores' sources
  CHECK(lemmas[0].sources[0].proof_key == a.uuid + ":1");
  CHECK(lemmas[0].sources[1].proof_key == b.uuid + ":1");
  for (const auto& source : lemmas[0].sources) {
    REQUIRE(source.attempt);  // linked to the merged attempt, under this store's run id
    CHECK(out.run(source.attempt->run_id)->uuid + ":1" == source.proof_key);
    CHECK(source.attempt->line == 1);
  }
  CHECK(out.library_rewrites(a.version).size() == 1);
  CHECK(out.library_rewrites(b.version).size() == 1);
  CHECK(RawDb(out_path).query_int("SELECT count(*) FROM pragma_foreign_key_check") == 0);

  // Again: nothing new; a version already here is skipped, whatever its copy holds.
  RawDb(a.path).exec("UPDATE library_versions SET proofs_bytes = 1");
  auto again = out.merge_from(a.path);
  for (const auto& [table, n] : again.added) {
    INFO(table);
    CHECK(n == 0);
  }
  CHECK(out.library_version(a.version)->proofs_bytes == 1000);

  // A lemma lifted from a proof of another store is linked once that store's attempts arrive.
  auto c_path = dir.file("c.db");
  auto from_a = sample_lemma("from a", {sample_source(a.uuid, 1)});
  {
    auto c = store::Store::open(c_path);
    c.record_library(sample_version(library_version_string("c"), {from_a}), {from_a}, {});
    CHECK_FALSE(c.lemma(from_a.digest)->sources[0].attempt);
  }
  auto late_path = dir.file("late.db");
  auto late = store::Store::open(late_path);
  late.merge_from(c_path);
  CHECK_FALSE(late.lemma(from_a.digest)->sources[0].attempt);
  late.merge_from(a.path);
  auto linked = late.lemma(from_a.digest)->sources[0].attempt;
  REQUIRE(linked);
  CHECK(late.run(linked->run_id)->uuid == a.uuid);
}

TEST_CASE("a version 7 store with search epochs upgrades to the library schema",
          "[store][library][migrations]") {
  TempDir dir;
  auto path = dir.file("v7.db");
  auto fresh = dir.file("fresh.db");
  {
    auto db = store::Database::open(path);
    db.exec("PRAGMA foreign_keys = ON", "test");
    const auto& all = store::schema_migrations();
    REQUIRE(all.size() >= 8);
    store::migrate(db, {all.begin(), all.begin() + 7});
  }
  const std::string uuid = "a3c1e3f0-0000-4000-8000-000000000007";
  {
    RawDb raw(path);
    REQUIRE(raw.query_int("PRAGMA user_version") == 7);
    raw.exec(R"sql(
      INSERT INTO runs (id, uuid, command, argv, toolchain, repl, settings, input_path)
      VALUES (7, 'a3c1e3f0-0000-4000-8000-000000000007', 'search', '[]', 'lean', 'repl', '{}', '');
      INSERT INTO tasks VALUES ('task-v1:0001', 't', 'import Mathlib', 'theorem t : True', 'train');
      INSERT INTO attempts (run_id, line, name, task_id, verdict, decided_by, reason, reward,
                            elapsed_ms, cached, messages, proof, cache_key)
      VALUES (7, 1, 't', 'task-v1:0001', 'pass', 'lean', 'ok', 1.0, 5, 0, '[]', 'trivial', NULL);
      INSERT INTO search_attempts (run_id, line, epoch, phase, group_index, sample, mode,
                                   policy_version, prompt, completion, round)
      VALUES (7, 1, 0, 'train', 0, 0, 'whole', 'v0', 'p', 'trivial', 0);
      INSERT INTO epochs (run_id, epoch, phase, tasks, attempts, passes, errors, pass_rate,
                          mean_reward, new_solved, seconds, stats)
      VALUES (7, 0, 'train', 1, 1, 1, 0, 1.0, 1.0, 1, 1.5, '{}');
    )sql");
  }
  { auto created = store::Store::open(fresh); }

  auto db = store::Store::open(path);
  {
    RawDb raw(path);
    CHECK(raw.query_int("PRAGMA user_version") == store::latest_schema_version());
    CHECK(store::latest_schema_version() >= 8);
    raw.exec("ATTACH DATABASE '" + fresh + "' AS fresh");
    auto select = [](const std::string& schema) {
      return "SELECT type, name, tbl_name, sql FROM " + schema + ".sqlite_schema";
    };
    CHECK(raw.query_int("SELECT count(*) FROM (" + select("main") + " EXCEPT " + select("fresh") +
                        ")") == 0);
    CHECK(raw.query_int("SELECT count(*) FROM (" + select("fresh") + " EXCEPT " + select("main") +
                        ")") == 0);
  }
  auto epochs = db.epochs(7);
  REQUIRE(epochs.size() == 1);
  CHECK(epochs[0].passes == 1);
  CHECK_FALSE(epochs[0].library_size);
  CHECK_FALSE(epochs[0].description_bytes);
  // The old attempt is a lemma's source like any other.
  auto a = sample_lemma("a", {sample_source(uuid, 1)});
  db.record_library(sample_version(library_version_string("v"), {a}), {a}, {});
  CHECK(db.lemma(a.digest)->sources[0].attempt == store::AttemptKey{7, 1});
}

TEST_CASE("the learning curve keeps the library's size and description length when given",
          "[store][library][search]") {
  RunFixture f;
  store::EpochRecord plain;
  plain.run_id = f.run_id;
  plain.phase = "train";
  plain.tasks = 1;
  store::EpochRecord grown = plain;
  grown.epoch = 1;
  grown.library_size = 12;
  grown.description_bytes = 34567;
  store::EpochRecord emptied = plain;
  emptied.epoch = 2;
  emptied.library_size = 0;  // a library with no lemma yet is not no library
  emptied.description_bytes = 0;
  for (const auto& e : {plain, grown, emptied}) f.db.finish_epoch(e, {}, std::nullopt);
  CHECK(f.db.epochs(f.run_id) == std::vector{plain, grown, emptied});
  CHECK(RawDb(f.path).query_int("SELECT count(*) FROM epochs WHERE library_size IS NULL") == 1);
  store::EpochRecord negative = plain;
  negative.epoch = 3;
  negative.library_size = -1;
  CHECK_THROWS(f.db.finish_epoch(negative, {}, std::nullopt));
  CHECK(f.db.epochs(f.run_id).size() == 3);
}

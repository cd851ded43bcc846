// What `harness metrics` stores: verified proofs as its input, and computations with their
// dictionaries and per-proof, per-task and per-declaration rows.
#include <catch2/catch.hpp>

#include "common/tagged_hash.hpp"
#include "fixtures.hpp"
#include "store/store.hpp"

using Catch::Matchers::Contains;
using store_test::RawDb;
using store_test::RunFixture;
using store_test::sample_attempt;
using store_test::TempDir;

namespace {

const std::string kTask = "task-v1:0001";  // sample_attempt's task
const std::string kOtherTask = "task-v1:0002";

// A passing attempt of `task_id` with `proof`.
store::AttemptRecord proof_attempt(int64_t run_id, int64_t line, const std::string& task_id,
                                   const std::string& proof) {
  auto a = sample_attempt(run_id, line);
  a.task = store_test::sample_task(task_id);
  a.task->name = "name of " + task_id;
  a.task->statement = "theorem of " + task_id;
  a.proof = proof;
  return a;
}

store::MetricsComputation sample_computation(const std::string& scope = "all") {
  return store::MetricsComputation{.scope = scope,
                                   .params_json = R"({"level":19,"folds":2})",
                                   .summary_json = R"({"proofs":2,"tasks":2})"};
}

store::DictionaryRecord sample_dictionary(int64_t fold) {
  store::DictionaryRecord d;
  d.version = "zdict-v1:" + std::string(64, 'e');
  d.fold = fold;
  d.kind = "zdict";
  d.samples = 10 + fold;
  d.params_json = R"({"dictionary_bytes":16384})";
  d.bytes = std::string("\x37\xa4\x30\xec\0\0dict\0", 11) + std::to_string(fold);
  return d;
}

store::ProofMetricsRecord sample_proof_metrics(int64_t run_id, int64_t line,
                                               std::optional<int64_t> dictionary_id) {
  return store::ProofMetricsRecord{.run_id = run_id,
                                   .line = line,
                                   .bytes = 120,
                                   .tactics = 3,
                                   .c = 80,
                                   .c_given_library = 50,
                                   .shared = 30,
                                   .novelty = 0.625,
                                   .fold = 1,
                                   .dictionary_id = dictionary_id};
}

// Every field but those the store fills in (id, sha256, created_at, computation).
void check_same(const store::DictionaryRecord& read, const store::DictionaryRecord& written) {
  CHECK(read.version == written.version);
  CHECK(read.fold == written.fold);
  CHECK(read.kind == written.kind);
  CHECK(read.samples == written.samples);
  CHECK(read.params_json == written.params_json);
  CHECK(read.bytes == written.bytes);
  CHECK(read.sha256 == common::sha256_hex(written.bytes));
  CHECK(store_test::is_utc_millis(read.created_at));
  CHECK(read.id > 0);
}

int64_t count(const std::string& path, const std::string& table) {
  return RawDb(path).query_int("SELECT count(*) FROM " + table);
}

// A run with two passing proofs (lines 1 and 2, two tasks) and a failing one (line 3).
struct MetricsFixture : RunFixture {
  MetricsFixture() {
    auto failed = proof_attempt(run_id, 3, kTask, "by simp");
    failed.verdict = "fail";
    db.record({proof_attempt(run_id, 1, kTask, "by norm_num"),
               proof_attempt(run_id, 2, kOtherTask, "by decide"), failed});
  }
};

}  // namespace

TEST_CASE("metrics_scope names every run or one run", "[store][metrics]") {
  CHECK(store::metrics_scope(std::nullopt) == "all");
  CHECK(store::metrics_scope(42) == "42");
  CHECK(store::dictionary_in_call(0) == -1);
  CHECK(store::dictionary_in_call(3) == -4);
}

TEST_CASE("verified_proofs lists passing attempts with their tasks, in run and line order",
          "[store][metrics]") {
  RunFixture f;
  int64_t other_run = f.db.begin_run(store_test::sample_run_info());
  auto no_task = proof_attempt(f.run_id, 4, kTask, "by omega");
  no_task.task.reset();
  std::vector<store::AttemptRecord> batch;
  batch.push_back(proof_attempt(other_run, 1, kOtherTask, "by decide"));
  batch.push_back(proof_attempt(f.run_id, 9, kTask, "by linarith"));
  batch.push_back(proof_attempt(f.run_id, 2, kTask, "by norm_num"));
  batch.back().used_constants_json.reset();
  batch.push_back(no_task);
  for (const char* verdict : {"fail", "incomplete", "rejected", "timeout", "error", "invalid"}) {
    batch.push_back(proof_attempt(f.run_id, 10 + static_cast<int64_t>(batch.size()), kTask,
                                  std::string("by ") + verdict));
    batch.back().verdict = verdict;
  }
  f.db.record(batch);

  auto all = f.db.verified_proofs(std::nullopt);
  REQUIRE(all.size() == 3);
  CHECK(all[0] == store::VerifiedProof{.run_id = f.run_id,
                                       .line = 2,
                                       .task_id = kTask,
                                       .task_name = "name of " + kTask,
                                       .proof = "by norm_num",
                                       .used_constants_json = std::nullopt,
                                       .statement = "theorem of " + kTask,
                                       .header = "import Mathlib",
                                       .split = all[0].split});
  CHECK(all[0].split == f.db.task(kTask)->split);
  CHECK(all[1].line == 9);
  CHECK(all[1].proof == "by linarith");
  CHECK(all[1].used_constants_json == batch[1].used_constants_json);
  CHECK(all[2].run_id == other_run);
  CHECK(all[2].task_id == kOtherTask);
  CHECK(all[2].task_name == "name of " + kOtherTask);

  auto one = f.db.verified_proofs(f.run_id);
  REQUIRE(one.size() == 2);
  CHECK(one[0] == all[0]);
  CHECK(one[1] == all[1]);
  CHECK(f.db.verified_proofs(other_run) == std::vector{all[2]});
  CHECK(f.db.verified_proofs(other_run + 1).empty());
}

TEST_CASE("verified_proofs lists a proof of a task once, as its first attempt",
          "[store][metrics]") {
  RunFixture f;
  int64_t second_run = f.db.begin_run(store_test::sample_run_info());
  auto first = proof_attempt(f.run_id, 3, kTask, "by norm_num");
  first.used_constants_json.reset();  // its check did not ask Lean for constants
  auto later = proof_attempt(f.run_id, 5, kTask, "by norm_num");
  later.used_constants_json = R"(["Nat.two"])";
  auto latest = proof_attempt(second_run, 1, kTask, "by norm_num");
  latest.used_constants_json = R"(["Nat.three"])";
  auto other_task = proof_attempt(f.run_id, 4, kOtherTask, "by norm_num");
  auto spaced = proof_attempt(f.run_id, 6, kTask, "by  norm_num");  // another text
  f.db.record({latest});
  f.db.record({later, first, other_task, spaced});

  auto all = f.db.verified_proofs(std::nullopt);
  REQUIRE(all.size() == 3);
  CHECK(all[0].run_id == f.run_id);
  CHECK(all[0].line == 3);
  // The first duplicate has no constants: those of the next one that has some.
  CHECK(all[0].used_constants_json == later.used_constants_json);
  CHECK(all[1].line == 4);
  CHECK(all[1].task_id == kOtherTask);
  CHECK(all[2].line == 6);

  // Within one run only that run's duplicates count.
  auto second = f.db.verified_proofs(second_run);
  REQUIRE(second.size() == 1);
  CHECK(second[0].used_constants_json == latest.used_constants_json);
  CHECK(f.db.verified_proofs(f.run_id) == all);
}

TEST_CASE("a metrics computation reads back field by field", "[store][metrics]") {
  MetricsFixture f;
  std::string every_byte;
  for (int i = 0; i < 256; ++i) every_byte.push_back(static_cast<char>(i));
  auto fold0 = sample_dictionary(0);
  fold0.bytes = std::string(3, '\0') + every_byte + std::string(2, '\0');
  auto fold1 = sample_dictionary(1);
  fold1.kind = "raw";
  fold1.sha256 = "ignored on write";
  fold1.id = 999;  // ignored on write
  auto empty = sample_dictionary(2);
  empty.kind = "empty";
  empty.bytes.clear();
  empty.samples = 0;

  auto with_dictionary = sample_proof_metrics(f.run_id, 2, store::dictionary_in_call(1));
  auto without = sample_proof_metrics(f.run_id, 1, std::nullopt);
  without.shared = -2;  // C(x | L) slightly above C(x)
  without.c_given_library = 82;
  without.novelty = 1.025;
  without.fold = 0;
  std::vector<store::TaskMetricsRecord> tasks{{.task_id = kOtherTask, .proofs = 1},
                                              {.task_id = kTask, .proofs = 3, .diversity = 0.75}};
  std::vector<store::DeclarationMetricsRecord> declarations{
      {.name = "aux",
       .reuse = 2,
       .method = "text",
       .mdl_gain = -14,
       .digest = std::string(64, 'a'),
       .c = 40,
       .declared_in = 2},
      {.name = "aux", .reuse = 1, .method = "text", .digest = std::string(64, 'b'), .c = 41},
      {.name = "Nat.add_comm", .reuse = 7, .method = "lean"},
      {.name = "Nat.succ_le", .reuse = 0, .method = "mixed", .mdl_gain = 120}};

  auto computation = sample_computation(store::metrics_scope(f.run_id));
  computation.id = 555;  // ignored on write
  int64_t id = f.db.record_metrics(computation, {fold0, fold1, empty}, {with_dictionary, without},
                                   tasks, declarations);

  auto read = f.db.metrics_computation(id);
  REQUIRE(read);
  CHECK(read->id == id);
  CHECK(read->scope == std::to_string(f.run_id));
  CHECK(read->params_json == computation.params_json);
  CHECK(read->summary_json == computation.summary_json);
  CHECK(store_test::is_utc_millis(read->created_at));
  CHECK(f.db.latest_metrics(std::to_string(f.run_id)) == read);
  CHECK_FALSE(f.db.latest_metrics("all"));
  CHECK_FALSE(f.db.metrics_computation(id + 1));

  auto dictionaries = f.db.dictionaries(id);
  REQUIRE(dictionaries.size() == 3);
  check_same(dictionaries[0], fold0);
  check_same(dictionaries[1], fold1);
  check_same(dictionaries[2], empty);
  CHECK(dictionaries[0].bytes.size() == 261);
  for (const auto& d : dictionaries) CHECK(d.computation == id);
  CHECK(dictionaries[1].id != 999);
  CHECK(f.db.dictionary(dictionaries[1].id) == dictionaries[1]);
  CHECK_FALSE(f.db.dictionary(dictionaries[2].id + 100));
  CHECK(RawDb(f.path).query_int("SELECT count(*) FROM dictionaries WHERE typeof(bytes) = 'blob'") ==
        3);

  auto proofs = f.db.proof_metrics(id);
  REQUIRE(proofs.size() == 2);
  without.dictionary_id.reset();
  CHECK(proofs[0] == without);  // ordered by (run_id, line)
  with_dictionary.dictionary_id = dictionaries[1].id;
  CHECK(proofs[1] == with_dictionary);

  CHECK(f.db.task_metrics(id) == tasks);  // in the order written
  CHECK(f.db.declaration_metrics(id) == declarations);
  CHECK(f.db.proof_metrics(id + 1).empty());
  CHECK(f.db.task_metrics(id + 1).empty());
  CHECK(f.db.declaration_metrics(id + 1).empty());
  CHECK(f.db.dictionaries(id + 1).empty());
}

TEST_CASE("latest_metrics picks the newest computation of a scope", "[store][metrics]") {
  MetricsFixture f;
  CHECK_FALSE(f.db.latest_metrics("all"));
  int64_t first_all = f.db.record_metrics(sample_computation("all"), {}, {}, {}, {});
  int64_t run_scope =
      f.db.record_metrics(sample_computation(store::metrics_scope(f.run_id)), {}, {}, {}, {});
  auto second = sample_computation("all");
  second.summary_json = R"({"proofs":5})";
  int64_t second_all = f.db.record_metrics(second, {}, {}, {}, {});
  CHECK(first_all < run_scope);
  CHECK(run_scope < second_all);

  auto latest = f.db.latest_metrics("all");
  REQUIRE(latest);
  CHECK(latest->id == second_all);
  CHECK(latest->summary_json == R"({"proofs":5})");
  CHECK(f.db.latest_metrics(std::to_string(f.run_id))->id == run_scope);
  CHECK_FALSE(f.db.latest_metrics(std::to_string(f.run_id + 1)));
  CHECK(f.db.metrics_computation(first_all)->scope == "all");
}

TEST_CASE("record_metrics refuses a bad scope and malformed JSON", "[store][metrics]") {
  MetricsFixture f;
  for (const char* scope : {"", "ALL", "run 3", "3a", "03", "0", "-2", " 3"}) {
    INFO(scope);
    CHECK_THROWS_WITH(f.db.record_metrics(sample_computation(scope), {}, {}, {}, {}),
                      Contains(f.path + ": insert metrics computation (scope " + scope + ")") &&
                          Contains("known_scope"));
  }
  auto bad_params = sample_computation();
  bad_params.params_json = "{level: 19}";
  CHECK_THROWS_AS(f.db.record_metrics(bad_params, {}, {}, {}, {}), store::StoreError);
  auto bad_summary = sample_computation();
  bad_summary.summary_json = "";
  CHECK_THROWS_AS(f.db.record_metrics(bad_summary, {}, {}, {}, {}), store::StoreError);
  auto bad_dictionary = sample_dictionary(0);
  bad_dictionary.params_json = "[";
  CHECK_THROWS_AS(f.db.record_metrics(sample_computation(), {bad_dictionary}, {}, {}, {}),
                  store::StoreError);
  CHECK(count(f.path, "metrics_computations") == 0);
  CHECK(count(f.path, "dictionaries") == 0);
}

TEST_CASE("a computation with one bad row leaves no trace", "[store][metrics]") {
  MetricsFixture f;
  auto dictionaries = std::vector{sample_dictionary(0), sample_dictionary(1)};
  auto proofs = std::vector{sample_proof_metrics(f.run_id, 1, store::dictionary_in_call(0)),
                            sample_proof_metrics(f.run_id, 2, store::dictionary_in_call(1))};
  std::vector<store::TaskMetricsRecord> tasks{{.task_id = kTask, .proofs = 1},
                                              {.task_id = kOtherTask, .proofs = 1}};
  std::vector<store::DeclarationMetricsRecord> declarations{
      {.name = "Nat.add_comm", .reuse = 2, .method = "lean"}};
  auto id = std::to_string(1);  // the id the failed computations would have had
  std::string expected;

  SECTION("an attempt that does not exist") {
    proofs.push_back(sample_proof_metrics(f.run_id, 40, std::nullopt));
    expected = "insert proof metrics (computation " + id + ", run " + std::to_string(f.run_id) +
               ", line 40): FOREIGN KEY constraint failed";
  }
  SECTION("a dictionary id that does not exist") {
    proofs.back().dictionary_id = 77;
    expected = "FOREIGN KEY constraint failed";
  }
  SECTION("an index past the call's dictionaries") {
    proofs.back().dictionary_id = store::dictionary_in_call(2);
    expected = "record metrics (scope all): the metrics of (run " + std::to_string(f.run_id) +
               ", line 2) name dictionary 2 of the call, which has 2";
  }
  SECTION("the same attempt twice") {
    proofs.push_back(proofs.front());
    expected = "UNIQUE constraint failed";
  }
  SECTION("two dictionaries for one fold") {
    dictionaries.push_back(sample_dictionary(1));
    expected = "insert dictionary (computation " + id + ", fold 1): UNIQUE constraint failed";
  }
  SECTION("an unknown dictionary kind") {
    dictionaries.back().kind = "lz4";
    expected = "known_dictionary_kind";
  }
  SECTION("a task not in tasks") {
    tasks.push_back({.task_id = "task-v1:none", .proofs = 1});
    expected = "insert task metrics (computation " + id +
               ", task task-v1:none): FOREIGN KEY constraint failed";
  }
  SECTION("a negative proof count") {
    tasks.back().proofs = -1;
    expected = "CHECK constraint failed";
  }
  SECTION("an unknown method, last of all rows") {
    declarations.push_back({.name = "aux", .reuse = 1, .method = "guess"});
    expected = "insert declaration metrics (computation " + id +
               ", declaration aux): CHECK constraint failed: known_method";
  }
  SECTION("a digest that is not a SHA-256") {
    declarations.back().digest = "abc";
    expected = "CHECK constraint failed";
  }
  SECTION("a declaration twice with the same digest") {
    declarations.push_back(declarations.back());
    expected = "UNIQUE constraint failed";
  }
  CHECK_THROWS_WITH(
      f.db.record_metrics(sample_computation(), dictionaries, proofs, tasks, declarations),
      Contains(f.path + ": ") && Contains(expected));
  CHECK_FALSE(f.db.latest_metrics("all"));
  for (const char* table : {"metrics_computations", "dictionaries", "proof_metrics", "task_metrics",
                            "declaration_metrics"}) {
    INFO(table);
    CHECK(count(f.path, table) == 0);
  }
  // The connection is usable afterwards.
  int64_t written = f.db.record_metrics(
      sample_computation(), {sample_dictionary(0), sample_dictionary(1)},
      {sample_proof_metrics(f.run_id, 1, store::dictionary_in_call(0))}, {}, {});
  CHECK(f.db.latest_metrics("all")->id == written);
  CHECK(f.db.proof_metrics(written).size() == 1);
}

TEST_CASE("record_metrics on a full disk leaves no partial computation", "[store][metrics]") {
  TempDir dir;
  auto path = dir.file("harness.db");
  int64_t run_id = 0;
  {
    auto db = store::Store::open(path);
    run_id = db.begin_run(store_test::sample_run_info());
    db.record({proof_attempt(run_id, 1, kTask, "by norm_num")});
    db.set_max_page_count_for_test(1);  // no more growth
    auto big = sample_dictionary(0);
    big.bytes = std::string(1 << 20, '\x5a');
    CHECK_THROWS_WITH(db.record_metrics(sample_computation(), {big},
                                        {sample_proof_metrics(run_id, 1, std::nullopt)}, {}, {}),
                      Contains(path + ": ") && Contains("full"));
    CHECK_FALSE(db.latest_metrics("all"));
  }
  auto db = store::Store::open(path);
  CHECK_FALSE(db.latest_metrics("all"));
  CHECK(count(path, "dictionaries") == 0);
  CHECK(count(path, "proof_metrics") == 0);
}

TEST_CASE("a later computation may measure proofs with a stored dictionary", "[store][metrics]") {
  MetricsFixture f;
  int64_t first = f.db.record_metrics(
      sample_computation(), {sample_dictionary(0)},
      {sample_proof_metrics(f.run_id, 1, store::dictionary_in_call(0))}, {}, {});
  auto stored = f.db.dictionaries(first);
  REQUIRE(stored.size() == 1);

  auto reused = sample_proof_metrics(f.run_id, 2, stored[0].id);
  auto fresh = sample_proof_metrics(f.run_id, 1, store::dictionary_in_call(0));
  int64_t second =
      f.db.record_metrics(sample_computation(), {sample_dictionary(0)}, {reused, fresh}, {}, {});
  auto own = f.db.dictionaries(second);
  REQUIRE(own.size() == 1);
  CHECK(own[0].id != stored[0].id);
  auto proofs = f.db.proof_metrics(second);
  REQUIRE(proofs.size() == 2);
  CHECK(proofs[0].dictionary_id == own[0].id);
  CHECK(proofs[1].dictionary_id == stored[0].id);
  // The first computation is untouched.
  REQUIRE(f.db.proof_metrics(first).size() == 1);
  CHECK(f.db.proof_metrics(first)[0].dictionary_id == stored[0].id);
  CHECK(f.db.dictionaries(first) == stored);
}

TEST_CASE("a corrupted dictionary is refused, naming it", "[store][metrics]") {
  MetricsFixture f;
  int64_t id = f.db.record_metrics(sample_computation(),
                                   {sample_dictionary(0), sample_dictionary(1)}, {}, {}, {});
  auto intact = f.db.dictionaries(id);
  REQUIRE(intact.size() == 2);
  auto where = " WHERE id = " + std::to_string(intact[1].id);
  auto expected = f.path + ": read dictionary " + std::to_string(intact[1].id) + " (computation " +
                  std::to_string(id) + ", fold 1): corrupt dictionary";

  SECTION("the blob's bytes changed, its length kept") {
    RawDb(f.path).exec("UPDATE dictionaries SET bytes = zeroblob(length(bytes))" + where);
  }
  SECTION("the blob truncated") {
    RawDb(f.path).exec("UPDATE dictionaries SET bytes = substr(bytes, 1, 3)" + where);
  }
  SECTION("the recorded hash changed") {
    RawDb(f.path).exec("UPDATE dictionaries SET sha256 = '" + std::string(64, '0') + "'" + where);
  }
  CHECK_THROWS_WITH(f.db.dictionaries(id), Contains(expected));
  CHECK_THROWS_WITH(f.db.dictionary(intact[1].id), Contains(expected));
  CHECK(f.db.dictionary(intact[0].id) == intact[0]);  // the intact one still reads
}

TEST_CASE("discard_after_epoch drops the proof metrics of the attempts it discards",
          "[store][metrics]") {
  RunFixture f;
  store::SearchAttemptRecord kept;
  kept.attempt = sample_attempt(f.run_id, 1);
  kept.phase = "train";
  kept.mode = "whole";
  auto discarded = kept;
  discarded.attempt = sample_attempt(f.run_id, 2);
  discarded.epoch = 1;
  f.db.record_search({kept, discarded});
  store::EpochRecord epoch0;
  epoch0.run_id = f.run_id;
  epoch0.phase = "train";
  f.db.finish_epoch(epoch0, {}, std::nullopt);
  int64_t id = f.db.record_metrics(sample_computation(), {},
                                   {sample_proof_metrics(f.run_id, 1, std::nullopt),
                                    sample_proof_metrics(f.run_id, 2, std::nullopt)},
                                   {}, {});

  f.db.discard_after_epoch(f.run_id, 0);
  CHECK(f.db.attempts(f.run_id).size() == 1);
  auto proofs = f.db.proof_metrics(id);
  REQUIRE(proofs.size() == 1);
  CHECK(proofs[0].line == 1);
  CHECK(f.db.latest_metrics("all")->id == id);
}

TEST_CASE("the cache hands a verdict back with its constants, for a later attempt to record",
          "[store][metrics]") {
  RunFixture f;
  auto checked = proof_attempt(f.run_id, 1, kTask, "by norm_num");
  f.db.record({checked});
  auto hit = f.db.lookup_cache(*checked.cache_key);
  REQUIRE(hit);
  REQUIRE(hit->used_constants_json == checked.used_constants_json);

  // A later run served from the cache records the cached constants with its attempt.
  int64_t later_run = f.db.begin_run(store_test::sample_run_info());
  auto served = proof_attempt(later_run, 1, kTask, "by norm_num");
  served.cached = true;
  served.used_constants_json = hit->used_constants_json;
  f.db.record({served});
  auto proofs = f.db.verified_proofs(later_run);
  REQUIRE(proofs.size() == 1);
  CHECK(proofs[0].used_constants_json == checked.used_constants_json);
}

// Store::record: field-by-field round trip, batch atomicity, a full disk.
#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "store/store.hpp"

using Catch::Matchers::Contains;
using store_test::sample_attempt;
using store_test::TempDir;

namespace {

void check_same(const store::AttemptRow& row, const store::AttemptRecord& record) {
  CHECK(row.run_id == record.run_id);
  CHECK(row.line == record.line);
  CHECK(row.name == record.name);
  CHECK(row.task_id == (record.task ? std::optional(record.task->task_id) : std::nullopt));
  CHECK(row.verdict == record.verdict);
  CHECK(row.decided_by == record.decided_by);
  CHECK(row.reason == record.reason);
  CHECK(row.reward == record.reward);
  CHECK(row.elapsed_ms == record.elapsed_ms);
  CHECK(row.cached == record.cached);
  CHECK(row.axioms_json == record.axioms_json);
  CHECK(row.messages_json == record.messages_json);
  CHECK(row.proof == record.proof);
  CHECK(row.cache_key == record.cache_key);
  CHECK(row.used_constants_json == record.used_constants_json);
  CHECK(store_test::is_utc_millis(row.created_at));
}

using store_test::RunFixture;

}  // namespace

TEST_CASE("a recorded batch reads back field by field", "[store][record]") {
  RunFixture f;
  auto full = sample_attempt(f.run_id, 1);

  auto sparse = sample_attempt(f.run_id, 2);
  sparse.task.reset();
  sparse.verdict = "invalid";
  sparse.decided_by = "input";
  sparse.reason = "line 2: missing field \"proof\"";
  sparse.reward.reset();
  sparse.axioms_json.reset();
  sparse.cache_key.reset();
  sparse.used_constants_json.reset();
  sparse.messages_json = "[]";
  sparse.proof = "";

  auto unicode = sample_attempt(f.run_id, 3);
  unicode.verdict = "fail";
  unicode.reward = 0.0;
  unicode.cached = true;
  unicode.proof =
      "by\n  intro x ∀ ε > 0, ∃ δ : ℝ, ‖f x‖ ≤ ε  -- λ → ⟨_, _⟩ 🙂";
  unicode.used_constants_json = R"(["Real.norm_eq_abs","«weird name»","ε.δ"])";

  auto quoted = sample_attempt(f.run_id, 4);
  quoted.used_constants_json = "[]";  // asked, and Lean reported none
  quoted.reward = -0.25;
  quoted.proof =
      R"(by simp [show "a\"b" = 'c' by rfl]; exact "\\\n\t\\' ''; DROP TABLE attempts; --")";
  quoted.messages_json = R"([{"data":"unexpected token '\"'; expected term \\"}])";

  f.db.record({full, sparse, unicode, quoted});
  auto rows = f.db.attempts(f.run_id);
  REQUIRE(rows.size() == 4);
  check_same(rows[0], full);
  check_same(rows[1], sparse);
  check_same(rows[2], unicode);
  check_same(rows[3], quoted);
  CHECK(f.db.task(full.task->task_id) == full.task);
}

TEST_CASE("attempts come back ordered by line and only for their run", "[store][record]") {
  RunFixture f;
  int64_t other_run = f.db.begin_run(store_test::sample_run_info());
  f.db.record({sample_attempt(f.run_id, 9), sample_attempt(f.run_id, 2),
               sample_attempt(other_run, 5), sample_attempt(f.run_id, 4)});
  auto rows = f.db.attempts(f.run_id);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].line == 2);
  CHECK(rows[1].line == 4);
  CHECK(rows[2].line == 9);
  CHECK(f.db.attempts(other_run).size() == 1);
  CHECK(f.db.attempts(other_run + 1).empty());
  f.db.record({});
}

TEST_CASE("tasks are content-addressed: the first record of a task id is kept", "[store][record]") {
  RunFixture f;
  auto first = sample_attempt(f.run_id, 1);
  auto again = sample_attempt(f.run_id, 2);
  again.task->name = "renamed";
  f.db.record({first});
  f.db.record({again});
  CHECK(f.db.task(first.task->task_id)->name == "exercise_5_1");
  auto other = sample_attempt(f.run_id, 3);
  other.task = store_test::sample_task("task-v1:0002");
  other.task->split.reset();
  f.db.record({other});
  CHECK(f.db.task("task-v1:0002") == other.task);
  CHECK_FALSE(f.db.task("task-v1:none"));
}

TEST_CASE("a batch whose last row repeats a line writes nothing", "[store][record]") {
  RunFixture f;
  f.db.record({sample_attempt(f.run_id, 1)});
  auto fresh = sample_attempt(f.run_id, 2);
  fresh.task = store_test::sample_task("task-v1:fresh");
  CHECK_THROWS_WITH(f.db.record({fresh, sample_attempt(f.run_id, 3), sample_attempt(f.run_id, 2)}),
                    f.path + ": insert attempt (run " + std::to_string(f.run_id) +
                        ", line 2): UNIQUE constraint failed: attempts.run_id, attempts.line");
  auto rows = f.db.attempts(f.run_id);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].line == 1);
  CHECK_FALSE(f.db.task("task-v1:fresh"));
  CHECK(f.db.count_cache_entries() == 1);
  f.db.record({sample_attempt(f.run_id, 2)});  // the connection is usable afterwards
  CHECK(f.db.attempts(f.run_id).size() == 2);
}

TEST_CASE("a batch whose last row has an unknown verdict writes nothing", "[store][record]") {
  RunFixture f;
  f.db.record({sample_attempt(f.run_id, 1)});
  auto bad = sample_attempt(f.run_id, 4);
  bad.verdict = "maybe";
  CHECK_THROWS_WITH(f.db.record({sample_attempt(f.run_id, 2), sample_attempt(f.run_id, 3), bad}),
                    Contains("(run " + std::to_string(f.run_id) + ", line 4)") &&
                        Contains("CHECK constraint failed: known_verdict"));
  CHECK(f.db.attempts(f.run_id).size() == 1);
  CHECK(f.db.count_cache_entries() == 1);
}

TEST_CASE("record refuses attempts of an unknown run and malformed JSON", "[store][record]") {
  RunFixture f;
  CHECK_THROWS_WITH(f.db.record({sample_attempt(f.run_id + 7, 1)}),
                    Contains("FOREIGN KEY constraint failed"));
  auto bad_messages = sample_attempt(f.run_id, 1);
  bad_messages.messages_json = R"({"not":"an array"})";
  CHECK_THROWS_AS(f.db.record({bad_messages}), store::StoreError);
  auto bad_axioms = sample_attempt(f.run_id, 1);
  bad_axioms.axioms_json = "[propext";
  CHECK_THROWS_AS(f.db.record({bad_axioms}), store::StoreError);
  auto bad_constants = sample_attempt(f.run_id, 1);
  bad_constants.used_constants_json = R"({"Nat.add_comm":1})";
  CHECK_THROWS_AS(f.db.record({bad_constants}), store::StoreError);
  bad_constants.used_constants_json = "[Nat.add_comm]";
  CHECK_THROWS_AS(f.db.record({bad_constants}), store::StoreError);
  CHECK(f.db.attempts(f.run_id).empty());
}

TEST_CASE("a full disk fails the batch and keeps what was committed", "[store][record]") {
  TempDir dir;
  auto path = dir.file("harness.db");
  int64_t run_id = 0;
  {
    auto db = store::Store::open(path);
    run_id = db.begin_run(store_test::sample_run_info());
    db.record({sample_attempt(run_id, 1), sample_attempt(run_id, 2)});
    db.set_max_page_count_for_test(1);  // clamps to the current size: no more growth
    std::vector<store::AttemptRecord> big;
    for (int line = 3; line < 23; ++line) {
      big.push_back(sample_attempt(run_id, line));
      big.back().proof = std::string(20000, 'p');
    }
    CHECK_THROWS_WITH(db.record(big), Contains(path + ": ") && Contains("full"));
    CHECK(db.attempts(run_id).size() == 2);
  }
  auto db = store::Store::open(path);
  auto rows = db.attempts(run_id);
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].proof == "by norm_num");
  db.record({sample_attempt(run_id, 3)});  // the cap died with the connection
  CHECK(db.attempts(run_id).size() == 3);
}

TEST_CASE("thousands of attempts in batches of hundreds", "[store][record]") {
  RunFixture f;
  constexpr int kBatches = 10;
  constexpr int kBatchSize = 300;
  for (int b = 0; b < kBatches; ++b) {
    std::vector<store::AttemptRecord> batch;
    for (int i = 0; i < kBatchSize; ++i) {
      batch.push_back(sample_attempt(f.run_id, b * kBatchSize + i + 1));
      batch.back().task = store_test::sample_task("task-v1:" + std::to_string(i % 50));
    }
    f.db.record(batch);
  }
  CHECK(f.db.attempts(f.run_id).size() == kBatches * kBatchSize);
  CHECK(f.db.count_cache_entries() == kBatches * kBatchSize);
}

TEST_CASE("attempt summaries carry the task's recorded name and split, without the texts",
          "[store][record][report]") {
  store_test::RunFixture f;
  auto first = sample_attempt(f.run_id, 1);
  first.name = "as the line named it";
  auto unmatched = sample_attempt(f.run_id, 2);
  unmatched.task.reset();
  unmatched.verdict = "invalid";
  unmatched.reward.reset();
  unmatched.cache_key.reset();
  auto cached = sample_attempt(f.run_id, 3);
  cached.cached = true;
  cached.verdict = "timeout";
  cached.decided_by = "heartbeats";
  cached.cache_key.reset();
  f.db.record({cached, unmatched, first});
  int64_t other = f.db.begin_run(store_test::sample_run_info());
  f.db.record({sample_attempt(other, 1)});

  auto rows = f.db.attempt_summaries(f.run_id);
  REQUIRE(rows.size() == 3);  // ordered by line, this run's only
  CHECK(rows[0].line == 1);
  CHECK(rows[0].name == "as the line named it");
  CHECK(rows[0].task_name == "exercise_5_1");
  CHECK(rows[0].task_id == "task-v1:0001");
  CHECK(rows[0].split == "valid");
  CHECK(rows[0].verdict == "pass");
  CHECK(rows[0].reward == 1.0);
  CHECK(rows[0].elapsed_ms == 1234);
  CHECK_FALSE(rows[0].cached);
  CHECK_FALSE(rows[1].task_id);
  CHECK_FALSE(rows[1].task_name);
  CHECK_FALSE(rows[1].split);
  CHECK_FALSE(rows[1].reward);
  CHECK(rows[2].cached);
  CHECK(rows[2].decided_by == "heartbeats");
  CHECK(f.db.attempt_summaries(other).size() == 1);
  CHECK(f.db.attempt_summaries(other + 1).empty());
}

TEST_CASE("a task's samples in a row write its row once, and a rolled back batch takes it along",
          "[store][record]") {
  RunFixture f;
  const store::TaskRecord task = store_test::sample_task("task-of-eight-samples");
  auto of_task = [&](int64_t line) {
    auto a = sample_attempt(f.run_id, line);
    a.task = task;
    return a;
  };
  // The first batch writes the task with its first sample, then fails: all of it is undone,
  // the task's row included.
  auto bad = of_task(3);
  bad.verdict = "maybe";
  CHECK_THROWS(f.db.record({of_task(1), of_task(2), bad}));
  CHECK_FALSE(f.db.task("task-of-eight-samples"));
  // The next batch writes it again (the writer does not take it for granted), and once for
  // its eight samples.
  std::vector<store::AttemptRecord> batch;
  for (int64_t line = 1; line <= 8; ++line) batch.push_back(of_task(line));
  f.db.record(batch);
  REQUIRE(f.db.task("task-of-eight-samples"));
  auto rows = f.db.attempts(f.run_id);
  REQUIRE(rows.size() == 8);
  for (const auto& row : rows) CHECK(row.task_id == std::optional<std::string>("task-of-eight-samples"));
}

TEST_CASE("a batch of interleaved tasks keeps each task's first record, the lines' order and the "
          "last entry of a repeated cache key", "[store][record]") {
  RunFixture f;
  // Tasks written in key order, each once; attempts in their order; cache entries in key order.
  const char* ids[] = {"task-v1:b", "task-v1:a", "task-v1:b", "task-v1:c", "task-v1:a"};
  std::vector<store::AttemptRecord> batch;
  for (int64_t line = 1; line <= 5; ++line) {
    auto a = sample_attempt(f.run_id, line);
    a.task = store_test::sample_task(ids[line - 1]);
    a.task->name = "name at line " + std::to_string(line);
    a.cache_key = "verify-v1:key-" + std::string(1, static_cast<char>('z' - line));
    batch.push_back(a);
  }
  // Lines 4 and 5 share a key: the later verdict is the one the cache keeps, as one by one.
  batch[3].cache_key = batch[4].cache_key = "verify-v1:shared";
  batch[3].verdict = "fail";
  batch[3].reward = 0.0;
  f.db.record(batch);
  CHECK(f.db.task("task-v1:b")->name == "name at line 1");
  CHECK(f.db.task("task-v1:a")->name == "name at line 2");
  CHECK(f.db.task("task-v1:c")->name == "name at line 4");
  auto rows = f.db.attempts(f.run_id);
  REQUIRE(rows.size() == 5);
  for (size_t i = 0; i < rows.size(); ++i) {
    CHECK(rows[i].line == static_cast<int64_t>(i + 1));
    CHECK(rows[i].task_id == std::optional<std::string>(ids[i]));
  }
  CHECK(f.db.lookup_cache("verify-v1:shared")->verdict == "pass");
  CHECK(f.db.lookup_cache(*batch[0].cache_key)->verdict == "pass");
  CHECK(f.db.count_cache_entries() == 4);
}

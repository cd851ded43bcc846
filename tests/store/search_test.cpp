// What a search run stores: search attempts, epochs, task samples, checkpoints, and the
// calls a resumed search makes (discard_after_epoch, reopen_run, run lookups, next_line).
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

// A search attempt at `line` of `epoch`, every optional field set.
store::SearchAttemptRecord sample_search(int64_t run_id, int64_t line, int64_t epoch) {
  store::SearchAttemptRecord s;
  s.attempt = sample_attempt(run_id, line);
  s.epoch = epoch;
  s.phase = "train";
  s.group_index = line / 4;
  s.sample = line % 4;
  s.mode = "whole";
  s.policy_version = "v" + std::to_string(epoch);
  s.prompt = "theorem t : 1 + 1 = 2 := ";
  s.completion = "by norm_num";
  s.advantage = 0.5;
  s.logprob = -3.25;
  s.expansions = 7;
  s.extra_json = R"({"temperature":0.8})";
  return s;
}

store::EpochRecord sample_epoch(int64_t run_id, int64_t epoch) {
  return store::EpochRecord{.run_id = run_id,
                            .epoch = epoch,
                            .phase = "train",
                            .tasks = 3,
                            .attempts = 12,
                            .passes = 5,
                            .errors = 1,
                            .pass_rate = 5.0 / 11.0,
                            .mean_reward = 0.375,
                            .entropy = 1.5,
                            .new_solved = 2,
                            .seconds = 12.5,
                            .stats_json = R"({"groups":3,"kl":0.01})"};
}

store::TaskSampleRecord sample_counts(int64_t run_id, int64_t epoch,
                                      const std::string& task_id = kTask) {
  return store::TaskSampleRecord{
      .run_id = run_id, .epoch = epoch, .task_id = task_id, .split = "train", .n = 8, .c = 3};
}

store::CheckpointRecord sample_checkpoint(int64_t run_id, int64_t epoch) {
  store::CheckpointRecord c;
  c.run_id = run_id;
  c.epoch = epoch;
  c.policy_kind = "builtin";
  c.policy_version = "v" + std::to_string(epoch);
  c.bytes = std::string("weights\0\x01\xff\0end", 14) + std::to_string(epoch);
  c.state_json = R"({"curriculum":{"level":2},"step":)" + std::to_string(epoch) + "}";
  return c;
}

void check_same(const store::SearchAttemptRow& row, const store::SearchAttemptRecord& record) {
  CHECK(row.attempt.run_id == record.attempt.run_id);
  CHECK(row.attempt.line == record.attempt.line);
  CHECK(row.attempt.name == record.attempt.name);
  CHECK(row.attempt.task_id ==
        (record.attempt.task ? std::optional(record.attempt.task->task_id) : std::nullopt));
  CHECK(row.attempt.verdict == record.attempt.verdict);
  CHECK(row.attempt.reward == record.attempt.reward);
  CHECK(row.attempt.proof == record.attempt.proof);
  CHECK(row.attempt.cache_key == record.attempt.cache_key);
  CHECK(row.attempt.used_constants_json == record.attempt.used_constants_json);
  CHECK(store_test::is_utc_millis(row.attempt.created_at));
  CHECK(row.epoch == record.epoch);
  CHECK(row.phase == record.phase);
  CHECK(row.group_index == record.group_index);
  CHECK(row.sample == record.sample);
  CHECK(row.mode == record.mode);
  CHECK(row.policy_version == record.policy_version);
  CHECK(row.prompt == record.prompt);
  CHECK(row.completion == record.completion);
  CHECK(row.advantage == record.advantage);
  CHECK(row.logprob == record.logprob);
  CHECK(row.expansions == record.expansions);
  CHECK(row.extra_json == record.extra_json);
}

// Every field but those the store fills in (sha256, created_at).
void check_same(const store::CheckpointRecord& read, const store::CheckpointRecord& written) {
  CHECK(read.run_id == written.run_id);
  CHECK(read.epoch == written.epoch);
  CHECK(read.policy_kind == written.policy_kind);
  CHECK(read.policy_version == written.policy_version);
  CHECK(read.bytes == written.bytes);
  CHECK(read.state_json == written.state_json);
  CHECK(read.sha256 == common::sha256_hex(written.bytes));
  CHECK(store_test::is_utc_millis(read.created_at));
}

// Epochs 0..last of `run_id`, each with `per_epoch` search attempts (lines numbered on from
// next_line), its curve row, its task samples and a checkpoint.
void run_epochs(store::Store& db, int64_t run_id, int64_t last, int per_epoch = 3) {
  for (int64_t epoch = 0; epoch <= last; ++epoch) {
    std::vector<store::SearchAttemptRecord> batch;
    int64_t line = db.next_line(run_id);
    for (int i = 0; i < per_epoch; ++i) batch.push_back(sample_search(run_id, line + i, epoch));
    db.record_search(batch);
    db.finish_epoch(sample_epoch(run_id, epoch), {sample_counts(run_id, epoch)},
                    sample_checkpoint(run_id, epoch));
  }
}

int64_t count(const std::string& path, const std::string& table, int64_t run_id) {
  return RawDb(path).query_int("SELECT count(*) FROM " + table +
                               " WHERE run_id = " + std::to_string(run_id));
}

}  // namespace

TEST_CASE("search attempts read back field by field, beside their attempts", "[store][search]") {
  RunFixture f;
  auto full = sample_search(f.run_id, 1, 0);

  auto sparse = sample_search(f.run_id, 2, 0);
  sparse.attempt.task.reset();
  sparse.attempt.verdict = "timeout";
  sparse.attempt.reward.reset();
  sparse.attempt.used_constants_json.reset();
  sparse.phase = "eval";
  sparse.mode = "step";
  sparse.advantage.reset();
  sparse.logprob.reset();
  sparse.expansions.reset();
  sparse.extra_json.reset();
  sparse.prompt = "";
  sparse.completion = "";

  auto unicode = sample_search(f.run_id, 3, 1);
  unicode.completion = "by\n  intro x -- ∀ ε > 0, ‖f x‖ ≤ ε ⟨_, _⟩ 'quoted' \"twice\"";
  unicode.advantage = -1.75;

  f.db.record_search({full, sparse, unicode});
  auto rows = f.db.search_attempts(f.run_id);
  REQUIRE(rows.size() == 3);
  check_same(rows[0], full);
  check_same(rows[1], sparse);
  check_same(rows[2], unicode);

  auto epoch1 = f.db.search_attempts(f.run_id, 1);
  REQUIRE(epoch1.size() == 1);
  check_same(epoch1[0], unicode);
  CHECK(f.db.search_attempts(f.run_id, 2).empty());
  CHECK(f.db.search_attempts(f.run_id + 1).empty());

  // The attempts are ordinary attempts: listed by attempts(), cached like record()'s.
  CHECK(f.db.attempts(f.run_id).size() == 3);
  CHECK(f.db.count_cache_entries() == 2);  // the timeout is not cacheable
  auto hit = f.db.lookup_cache(*full.attempt.cache_key);
  REQUIRE(hit);
  CHECK(hit->used_constants_json == full.attempt.used_constants_json);
  CHECK(f.db.task(kTask));
  f.db.record_search({});
}

TEST_CASE("search attempts come back in line order", "[store][search]") {
  RunFixture f;
  f.db.record_search({sample_search(f.run_id, 7, 0), sample_search(f.run_id, 2, 1),
                      sample_search(f.run_id, 5, 0)});
  auto rows = f.db.search_attempts(f.run_id);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].attempt.line == 2);
  CHECK(rows[1].attempt.line == 5);
  CHECK(rows[2].attempt.line == 7);
  auto epoch0 = f.db.search_attempts(f.run_id, 0);
  REQUIRE(epoch0.size() == 2);
  CHECK(epoch0[0].attempt.line == 5);
  CHECK(epoch0[1].attempt.line == 7);
}

TEST_CASE("a search batch with one bad row writes nothing", "[store][search]") {
  RunFixture f;
  auto fresh = sample_search(f.run_id, 1, 0);
  fresh.attempt.task = store_test::sample_task("task-v1:fresh");
  auto bad = sample_search(f.run_id, 3, 0);
  bad.phase = "warmup";
  CHECK_THROWS_WITH(
      f.db.record_search({fresh, sample_search(f.run_id, 2, 0), bad}),
      Contains(f.path + ": insert search attempt (run " + std::to_string(f.run_id) + ", line 3)") &&
          Contains("CHECK constraint failed: known_phase"));
  auto bad_mode = sample_search(f.run_id, 1, 0);
  bad_mode.mode = "tree";
  CHECK_THROWS_WITH(f.db.record_search({bad_mode}), Contains("known_mode"));
  auto bad_extra = sample_search(f.run_id, 1, 0);
  bad_extra.extra_json = "{unquoted: 1}";
  CHECK_THROWS_AS(f.db.record_search({bad_extra}), store::StoreError);
  auto bad_verdict = sample_search(f.run_id, 1, 0);
  bad_verdict.attempt.verdict = "maybe";
  CHECK_THROWS_WITH(f.db.record_search({bad_verdict}), Contains("known_verdict"));

  CHECK(f.db.search_attempts(f.run_id).empty());
  CHECK(f.db.attempts(f.run_id).empty());
  CHECK(f.db.count_cache_entries() == 0);
  CHECK_FALSE(f.db.task("task-v1:fresh"));
  f.db.record_search({fresh});  // the connection is usable afterwards
  CHECK(f.db.search_attempts(f.run_id).size() == 1);
}

TEST_CASE("finish_epoch writes the curve row, the task samples and the checkpoint",
          "[store][search]") {
  RunFixture f;
  f.db.record({sample_attempt(f.run_id, 1)});  // puts kTask in tasks
  auto other = sample_attempt(f.run_id, 2);
  other.task = store_test::sample_task("task-v1:0002");
  f.db.record({other});

  auto first = sample_epoch(f.run_id, 0);
  auto second = sample_epoch(f.run_id, 1);
  second.phase = "eval";
  second.pass_rate.reset();
  second.mean_reward.reset();
  second.entropy.reset();
  second.passes = 0;
  second.errors = 0;
  second.stats_json = "{}";
  auto counts = sample_counts(f.run_id, 0);
  auto zero = sample_counts(f.run_id, 0, "task-v1:0002");
  zero.split = "valid";
  zero.n = 0;
  zero.c = 0;
  auto checkpoint = sample_checkpoint(f.run_id, 0);

  f.db.finish_epoch(first, {zero, counts}, checkpoint);
  f.db.finish_epoch(second, {}, std::nullopt);

  auto curve = f.db.epochs(f.run_id);
  REQUIRE(curve.size() == 2);
  CHECK(curve[0] == first);
  CHECK(curve[1] == second);
  CHECK(f.db.epochs(f.run_id + 1).empty());

  auto samples = f.db.task_samples(f.run_id);
  REQUIRE(samples.size() == 2);
  CHECK(samples[0] == counts);  // ordered by task_id
  CHECK(samples[1] == zero);
  CHECK(f.db.task_samples(f.run_id, 0) == samples);
  CHECK(f.db.task_samples(f.run_id, 1).empty());

  auto read = f.db.checkpoint(f.run_id, 0);
  REQUIRE(read);
  check_same(*read, checkpoint);
  CHECK_FALSE(f.db.checkpoint(f.run_id, 1));
}

TEST_CASE("checkpoint bytes are binary-safe", "[store][search]") {
  RunFixture f;
  std::string every_byte;
  for (int i = 0; i < 256; ++i) every_byte.push_back(static_cast<char>(i));
  auto bytes = std::string(3, '\0') + every_byte + every_byte + std::string(2, '\0');

  auto checkpoint = sample_checkpoint(f.run_id, 0);
  checkpoint.bytes = bytes;
  checkpoint.sha256 = "ignored on write";
  f.db.finish_epoch(sample_epoch(f.run_id, 0), {}, checkpoint);
  auto empty = sample_checkpoint(f.run_id, 1);
  empty.bytes.clear();
  f.db.finish_epoch(sample_epoch(f.run_id, 1), {}, empty);

  auto read = f.db.checkpoint(f.run_id, 0);
  REQUIRE(read);
  CHECK(read->bytes.size() == bytes.size());
  CHECK(read->bytes == bytes);
  CHECK(read->sha256 == common::sha256_hex(bytes));
  auto read_empty = f.db.checkpoint(f.run_id, 1);
  REQUIRE(read_empty);
  CHECK(read_empty->bytes.empty());
  CHECK(read_empty->sha256 == common::sha256_hex(""));
  RawDb raw(f.path);
  CHECK(raw.query_int("SELECT count(*) FROM checkpoints WHERE typeof(bytes) = 'blob'") == 2);
  CHECK(raw.query_int("SELECT length(bytes) FROM checkpoints WHERE epoch = 0") ==
        static_cast<int64_t>(bytes.size()));
}

TEST_CASE("finish_epoch with an unknown task writes no part of the epoch", "[store][search]") {
  RunFixture f;
  f.db.record({sample_attempt(f.run_id, 1)});
  CHECK_THROWS_WITH(
      f.db.finish_epoch(sample_epoch(f.run_id, 0),
                        {sample_counts(f.run_id, 0), sample_counts(f.run_id, 0, "task-v1:none")},
                        sample_checkpoint(f.run_id, 0)),
      Contains(f.path + ": insert task sample task-v1:none (run " + std::to_string(f.run_id) +
               ", epoch 0)") &&
          Contains("FOREIGN KEY constraint failed"));
  CHECK(f.db.epochs(f.run_id).empty());
  CHECK(f.db.task_samples(f.run_id).empty());
  CHECK_FALSE(f.db.latest_checkpoint(f.run_id));

  f.db.finish_epoch(sample_epoch(f.run_id, 0), {sample_counts(f.run_id, 0)},
                    sample_checkpoint(f.run_id, 0));
  CHECK(f.db.epochs(f.run_id).size() == 1);
}

TEST_CASE("finish_epoch refuses bad rows and a finished epoch, writing nothing",
          "[store][search]") {
  RunFixture f;
  f.db.record({sample_attempt(f.run_id, 1)});
  auto epoch = sample_epoch(f.run_id, 0);

  auto too_many = sample_counts(f.run_id, 0);
  too_many.c = too_many.n + 1;
  CHECK_THROWS_WITH(f.db.finish_epoch(epoch, {too_many}, std::nullopt),
                    Contains("CHECK constraint failed"));
  auto bad_state = sample_checkpoint(f.run_id, 0);
  bad_state.state_json = "{curriculum";
  CHECK_THROWS_WITH(f.db.finish_epoch(epoch, {}, bad_state),
                    Contains("insert checkpoint (run " + std::to_string(f.run_id) + ", epoch 0)"));
  auto bad_phase = epoch;
  bad_phase.phase = "test";
  CHECK_THROWS_WITH(f.db.finish_epoch(bad_phase, {}, std::nullopt), Contains("known_phase"));
  auto bad_rate = epoch;
  bad_rate.pass_rate = 1.5;
  CHECK_THROWS_AS(f.db.finish_epoch(bad_rate, {}, std::nullopt), store::StoreError);
  CHECK_THROWS_AS(f.db.finish_epoch(sample_epoch(f.run_id + 9, 0), {}, std::nullopt),
                  store::StoreError);  // no such run

  auto elsewhere = sample_checkpoint(f.run_id, 3);
  CHECK_THROWS_WITH(f.db.finish_epoch(epoch, {}, elsewhere),
                    f.path + ": finish epoch 0 of run " + std::to_string(f.run_id) +
                        ": the checkpoint is for run " + std::to_string(f.run_id) + ", epoch 3");
  CHECK_THROWS_WITH(f.db.finish_epoch(epoch, {sample_counts(f.run_id, 1)}, std::nullopt),
                    Contains("the task sample of " + kTask + " is for run"));
  CHECK(f.db.epochs(f.run_id).empty());
  CHECK(f.db.task_samples(f.run_id).empty());
  CHECK_FALSE(f.db.latest_checkpoint(f.run_id));

  f.db.finish_epoch(epoch, {sample_counts(f.run_id, 0)}, sample_checkpoint(f.run_id, 0));
  auto again = sample_epoch(f.run_id, 0);
  again.passes = 0;
  CHECK_THROWS_WITH(f.db.finish_epoch(again, {}, std::nullopt),
                    Contains("insert epoch (run " + std::to_string(f.run_id) + ", epoch 0)") &&
                        Contains("UNIQUE constraint failed"));
  REQUIRE(f.db.epochs(f.run_id).size() == 1);
  CHECK(f.db.epochs(f.run_id)[0] == epoch);
}

TEST_CASE("finish_epoch on a full disk leaves no partial epoch", "[store][search]") {
  TempDir dir;
  auto path = dir.file("harness.db");
  int64_t run_id = 0;
  {
    auto db = store::Store::open(path);
    run_id = db.begin_run(store_test::sample_run_info());
    run_epochs(db, run_id, 0);
    db.set_max_page_count_for_test(1);  // no more growth
    auto big = sample_checkpoint(run_id, 1);
    big.bytes = std::string(1 << 20, '\x7f');
    CHECK_THROWS_WITH(db.finish_epoch(sample_epoch(run_id, 1), {sample_counts(run_id, 1)}, big),
                      Contains(path + ": ") && Contains("full"));
    CHECK(db.epochs(run_id).size() == 1);
  }
  auto db = store::Store::open(path);
  CHECK(db.epochs(run_id).size() == 1);
  CHECK(db.task_samples(run_id).size() == 1);
  CHECK(db.task_samples(run_id, 1).empty());
  auto latest = db.latest_checkpoint(run_id);
  REQUIRE(latest);
  CHECK(latest->epoch == 0);
}

TEST_CASE("latest_checkpoint picks the highest epoch that has one", "[store][search]") {
  RunFixture f;
  int64_t other_run = f.db.begin_run(store_test::sample_run_info());
  CHECK_FALSE(f.db.latest_checkpoint(f.run_id));
  f.db.finish_epoch(sample_epoch(f.run_id, 0), {}, sample_checkpoint(f.run_id, 0));
  f.db.finish_epoch(sample_epoch(f.run_id, 2), {}, sample_checkpoint(f.run_id, 2));
  f.db.finish_epoch(sample_epoch(f.run_id, 1), {}, sample_checkpoint(f.run_id, 1));
  f.db.finish_epoch(sample_epoch(f.run_id, 3), {}, std::nullopt);  // an epoch without one
  f.db.finish_epoch(sample_epoch(other_run, 5), {}, sample_checkpoint(other_run, 5));

  auto latest = f.db.latest_checkpoint(f.run_id);
  REQUIRE(latest);
  check_same(*latest, sample_checkpoint(f.run_id, 2));
  CHECK(f.db.latest_checkpoint(other_run)->epoch == 5);
  CHECK_FALSE(f.db.latest_checkpoint(other_run + 1));
}

TEST_CASE("a corrupted checkpoint is refused, naming it", "[store][search]") {
  RunFixture f;
  f.db.finish_epoch(sample_epoch(f.run_id, 0), {}, sample_checkpoint(f.run_id, 0));
  f.db.finish_epoch(sample_epoch(f.run_id, 1), {}, sample_checkpoint(f.run_id, 1));
  auto where = " WHERE run_id = " + std::to_string(f.run_id);
  auto expected = f.path + ": read checkpoint (run " + std::to_string(f.run_id) + ", epoch 1): ";

  SECTION("the blob's bytes changed, its length kept") {
    RawDb(f.path).exec("UPDATE checkpoints SET bytes = zeroblob(length(bytes))" + where +
                       " AND epoch = 1");
  }
  SECTION("the blob truncated") {
    RawDb(f.path).exec("UPDATE checkpoints SET bytes = substr(bytes, 1, 5)" + where +
                       " AND epoch = 1");
  }
  SECTION("the recorded hash changed") {
    RawDb(f.path).exec("UPDATE checkpoints SET sha256 = '" + std::string(64, '0') + "'" + where +
                       " AND epoch = 1");
  }
  CHECK_THROWS_WITH(f.db.latest_checkpoint(f.run_id), Contains(expected + "corrupt checkpoint"));
  CHECK_THROWS_AS(f.db.checkpoint(f.run_id, 1), store::StoreError);
  CHECK(f.db.checkpoint(f.run_id, 0));  // the intact one still reads
}

TEST_CASE("discard_after_epoch removes exactly the later epochs of the run", "[store][search]") {
  RunFixture f;
  int64_t other_run = f.db.begin_run(store_test::sample_run_info());
  f.db.record({sample_attempt(f.run_id, 1)});  // an attempt of no epoch
  run_epochs(f.db, f.run_id, 3);               // lines 2-13, 3 per epoch
  run_epochs(f.db, other_run, 3);
  // Epoch 4 was sampled but the process died before finish_epoch.
  f.db.record_search({sample_search(f.run_id, 14, 4), sample_search(f.run_id, 15, 4)});
  auto cache_before = f.db.count_cache_entries();
  REQUIRE(cache_before > 0);

  f.db.discard_after_epoch(f.run_id, 1);

  auto searches = f.db.search_attempts(f.run_id);
  REQUIRE(searches.size() == 6);
  for (const auto& row : searches) CHECK(row.epoch <= 1);
  CHECK(searches.back().attempt.line == 7);
  auto attempts = f.db.attempts(f.run_id);
  REQUIRE(attempts.size() == 7);  // the epoch-less attempt and epochs 0-1
  CHECK(attempts.front().line == 1);
  CHECK(attempts.back().line == 7);
  CHECK(f.db.next_line(f.run_id) == 8);
  auto curve = f.db.epochs(f.run_id);
  REQUIRE(curve.size() == 2);
  CHECK(curve.back().epoch == 1);
  CHECK(f.db.task_samples(f.run_id).size() == 2);
  CHECK(f.db.latest_checkpoint(f.run_id)->epoch == 1);
  CHECK_FALSE(f.db.checkpoint(f.run_id, 2));

  // The other run, the tasks and the verification cache are untouched.
  CHECK(f.db.search_attempts(other_run).size() == 12);
  CHECK(f.db.attempts(other_run).size() == 12);
  CHECK(f.db.epochs(other_run).size() == 4);
  CHECK(f.db.task_samples(other_run).size() == 4);
  CHECK(f.db.latest_checkpoint(other_run)->epoch == 3);
  CHECK(f.db.count_cache_entries() == cache_before);
  CHECK(f.db.task(kTask));

  // The discarded epochs can be redone with the same numbers.
  f.db.record_search({sample_search(f.run_id, 8, 2)});
  f.db.finish_epoch(sample_epoch(f.run_id, 2), {sample_counts(f.run_id, 2)},
                    sample_checkpoint(f.run_id, 2));
  CHECK(f.db.latest_checkpoint(f.run_id)->epoch == 2);

  f.db.discard_after_epoch(f.run_id, 5);  // nothing after epoch 5: a no-op
  CHECK(f.db.epochs(f.run_id).size() == 3);
}

TEST_CASE("discard_after_epoch -1 removes every epoch of the run", "[store][search]") {
  RunFixture f;
  int64_t other_run = f.db.begin_run(store_test::sample_run_info());
  run_epochs(f.db, f.run_id, 2);
  run_epochs(f.db, other_run, 0);
  f.db.discard_after_epoch(f.run_id, -1);
  for (const char* table :
       {"search_attempts", "attempts", "epochs", "task_samples", "checkpoints"}) {
    INFO(table);
    CHECK(count(f.path, table, f.run_id) == 0);
    CHECK(count(f.path, table, other_run) > 0);
  }
  CHECK(f.db.next_line(f.run_id) == 1);
  CHECK(f.db.count_cache_entries() > 0);
  CHECK(f.db.run(f.run_id));
}

TEST_CASE("reopen_run puts a finished run back to running, keeping its summary",
          "[store][search]") {
  RunFixture f;
  for (auto status :
       {store::RunStatus::completed, store::RunStatus::failed, store::RunStatus::interrupted}) {
    INFO(store::to_string(status));
    f.db.finish_run(f.run_id, status, R"({"epochs":2})");
    f.db.reopen_run(f.run_id);
    auto run = f.db.run(f.run_id);
    REQUIRE(run);
    CHECK(run->status == store::RunStatus::running);
    CHECK_FALSE(run->ended_at);
    CHECK(run->summary_json == R"({"epochs":2})");
  }
  f.db.reopen_run(f.run_id);  // a run left running by a killed process stays as it is
  CHECK(f.db.run(f.run_id)->status == store::RunStatus::running);
  f.db.finish_run(f.run_id, store::RunStatus::completed, R"({"epochs":4})");
  CHECK(f.db.run(f.run_id)->summary_json == R"({"epochs":4})");
  CHECK_THROWS_WITH(
      f.db.reopen_run(f.run_id + 1),
      f.path + ": reopen run " + std::to_string(f.run_id + 1) + ": no run has that id");
}

TEST_CASE("runs are found by uuid and the latest by command", "[store][search]") {
  RunFixture f;
  auto info = store_test::sample_run_info();
  info.command = "search";
  int64_t first_search = f.db.begin_run(info);
  int64_t second_search = f.db.begin_run(info);
  f.db.finish_run(second_search, store::RunStatus::interrupted, "{}");
  int64_t later_score = f.db.begin_run(store_test::sample_run_info());

  auto first = f.db.run(first_search);
  REQUIRE(first);
  auto found = f.db.run_by_uuid(first->uuid);
  REQUIRE(found);
  CHECK(found->id == first_search);
  CHECK(found->command == "search");
  CHECK_FALSE(f.db.run_by_uuid("00000000-0000-4000-8000-000000000000"));
  CHECK_FALSE(f.db.run_by_uuid(""));

  auto latest = f.db.latest_run("search");
  REQUIRE(latest);
  CHECK(latest->id == second_search);  // whatever its status
  CHECK(latest->status == store::RunStatus::interrupted);
  CHECK(f.db.latest_run("score")->id == later_score);
  CHECK_FALSE(f.db.latest_run("serve"));
}

TEST_CASE("next_line follows the run's highest line", "[store][search]") {
  RunFixture f;
  int64_t other_run = f.db.begin_run(store_test::sample_run_info());
  CHECK(f.db.next_line(f.run_id) == 1);
  f.db.record({sample_attempt(f.run_id, 1), sample_attempt(f.run_id, 5)});
  f.db.record_search({sample_search(f.run_id, 9, 0)});
  f.db.record({sample_attempt(other_run, 40)});
  CHECK(f.db.next_line(f.run_id) == 10);
  CHECK(f.db.next_line(other_run) == 41);
  CHECK(f.db.next_line(other_run + 1) == 1);
}

// The verification cache through Store::record and Store::lookup_cache.
#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "store/store.hpp"

using store_test::RawDb;
using store_test::sample_attempt;
using store_test::TempDir;

namespace {

using store_test::RunFixture;

}  // namespace

TEST_CASE("a pass is cached and looked up with its fields", "[store][cache]") {
  RunFixture f;
  auto attempt = sample_attempt(f.run_id, 1);
  f.db.record({attempt});
  auto hit = f.db.lookup_cache(*attempt.cache_key);
  REQUIRE(hit);
  CHECK(hit->verdict == "pass");
  CHECK(hit->decided_by == attempt.decided_by);
  CHECK(hit->reason == attempt.reason);
  CHECK(hit->elapsed_ms == attempt.elapsed_ms);
  CHECK(hit->axioms_json == attempt.axioms_json);
  CHECK(hit->messages_json == attempt.messages_json);
  CHECK(hit->used_constants_json == attempt.used_constants_json);
  CHECK_FALSE(f.db.lookup_cache("verify-v1:unknown"));

  auto not_asked = sample_attempt(f.run_id, 2);
  not_asked.cache_key = "verify-v1:not-asked";
  not_asked.used_constants_json.reset();
  f.db.record({not_asked});
  auto bare = f.db.lookup_cache(*not_asked.cache_key);
  REQUIRE(bare);
  CHECK_FALSE(bare->used_constants_json);
}

TEST_CASE("a re-verification keeps the entry's used constants only for the same verdict",
          "[store][cache]") {
  RunFixture f;
  auto asked = sample_attempt(f.run_id, 1);
  f.db.record({asked});
  const std::string key = *asked.cache_key;

  // Checked again without asking Lean for constants: same verdict, the constants still hold.
  auto again = sample_attempt(f.run_id, 2);
  again.cache_key = key;
  again.used_constants_json.reset();
  again.elapsed_ms = 77;
  f.db.record({again});
  auto kept = f.db.lookup_cache(key);
  REQUIRE(kept);
  CHECK(kept->elapsed_ms == 77);
  CHECK(kept->used_constants_json == asked.used_constants_json);

  // Asked again, with a different answer: the new constants replace the old.
  auto newer = sample_attempt(f.run_id, 3);
  newer.cache_key = key;
  newer.used_constants_json = R"(["Nat.succ"])";
  f.db.record({newer});
  CHECK(f.db.lookup_cache(key)->used_constants_json == newer.used_constants_json);

  // A different verdict without constants: the old constants no longer describe the entry.
  auto failed = sample_attempt(f.run_id, 4);
  failed.cache_key = key;
  failed.verdict = "fail";
  failed.used_constants_json.reset();
  f.db.record({failed});
  auto dropped = f.db.lookup_cache(key);
  REQUIRE(dropped);
  CHECK(dropped->verdict == "fail");
  CHECK_FALSE(dropped->used_constants_json);
}

TEST_CASE("fail, incomplete and rejected are cached too", "[store][cache]") {
  RunFixture f;
  std::vector<store::AttemptRecord> batch;
  int line = 0;
  for (const char* verdict : {"fail", "incomplete", "rejected"}) {
    batch.push_back(sample_attempt(f.run_id, ++line));
    batch.back().verdict = verdict;
    batch.back().axioms_json.reset();
  }
  f.db.record(batch);
  CHECK(f.db.count_cache_entries() == 3);
  auto rejected = f.db.lookup_cache(*batch[2].cache_key);
  REQUIRE(rejected);
  CHECK(rejected->verdict == "rejected");
  CHECK_FALSE(rejected->axioms_json);
}

TEST_CASE("timeout, error and invalid are never cached", "[store][cache]") {
  RunFixture f;
  std::vector<store::AttemptRecord> batch;
  int line = 0;
  for (const char* verdict : {"timeout", "error", "invalid"}) {
    CHECK_FALSE(store::is_cacheable(verdict));
    batch.push_back(sample_attempt(f.run_id, ++line));
    batch.back().verdict = verdict;
    batch.back().reward.reset();
  }
  f.db.record(batch);
  CHECK(f.db.attempts(f.run_id).size() == 3);
  CHECK(f.db.count_cache_entries() == 0);
  for (const auto& attempt : batch) CHECK_FALSE(f.db.lookup_cache(*attempt.cache_key));
  for (const char* verdict : {"pass", "fail", "incomplete", "rejected"}) {
    CHECK(store::is_cacheable(verdict));
  }
}

TEST_CASE("the schema refuses uncacheable verdicts even behind the store's back",
          "[store][cache]") {
  RunFixture f;
  RawDb raw(f.path);
  CHECK_THROWS(
      raw.exec("INSERT INTO verification_cache (key, verdict, decided_by, reason, "
               "elapsed_ms, messages) VALUES ('k', 'timeout', 'timeout', '', 1, '[]')"));
  raw.exec(
      "INSERT INTO verification_cache (key, verdict, decided_by, reason, elapsed_ms, "
      "messages) VALUES ('k', 'pass', 'lean', '', 1, '[]')");
  CHECK(f.db.count_cache_entries() == 1);
}

TEST_CASE("lookups count hits, and a re-verification keeps the count", "[store][cache]") {
  RunFixture f;
  auto attempt = sample_attempt(f.run_id, 1);
  f.db.record({attempt});
  RawDb raw(f.path);
  auto hits = [&] { return raw.query_int("SELECT hits FROM verification_cache"); };
  CHECK(hits() == 0);
  f.db.lookup_cache(*attempt.cache_key);
  f.db.lookup_cache(*attempt.cache_key);
  CHECK(hits() == 0);  // counted in memory: a lookup is a read, not a transaction
  auto other = sample_attempt(f.run_id, 3);
  other.cache_key.reset();
  f.db.record({other});  // written with the next batch
  CHECK(hits() == 2);

  auto again = sample_attempt(f.run_id, 2);
  again.verdict = "fail";
  again.elapsed_ms = 99;
  again.cache_key = attempt.cache_key;
  f.db.record({again});
  CHECK(f.db.count_cache_entries() == 1);
  CHECK(f.db.lookup_cache(*again.cache_key)->verdict == "fail");
  CHECK(hits() == 2);
}

TEST_CASE("hits counted after the last batch are written when the store closes",
          "[store][cache]") {
  TempDir tmp;
  std::string path = tmp.file("h.db");
  std::string key;
  {
    auto db = store::Store::open(path);
    int64_t run = db.begin_run(store_test::sample_run_info());
    auto attempt = sample_attempt(run, 1);
    key = *attempt.cache_key;
    db.record({attempt});
    CHECK(db.lookup_cache(key).has_value());
    CHECK(db.lookup_cache(key).has_value());
    CHECK_FALSE(db.lookup_cache("no such key").has_value());
  }
  RawDb raw(path);
  CHECK(raw.query_int("SELECT hits FROM verification_cache") == 2);
}

TEST_CASE("an attempt served from the cache does not rewrite its entry", "[store][cache]") {
  RunFixture f;
  auto original = sample_attempt(f.run_id, 1);
  f.db.record({original});
  auto served = sample_attempt(f.run_id, 2);
  served.cached = true;
  served.elapsed_ms = 0;
  f.db.record({served});
  CHECK(f.db.lookup_cache(*original.cache_key)->elapsed_ms == original.elapsed_ms);
  CHECK(f.db.attempts(f.run_id)[1].cached);
}

TEST_CASE("the cache survives reopening", "[store][cache]") {
  TempDir dir;
  auto path = dir.file("harness.db");
  auto attempt = sample_attempt(0, 1);
  {
    auto db = store::Store::open(path);
    attempt.run_id = db.begin_run(store_test::sample_run_info());
    db.record({attempt});
  }
  auto db = store::Store::open(path);
  CHECK(db.lookup_cache(*attempt.cache_key));
}

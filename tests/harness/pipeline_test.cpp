// The pipeline (harness/pipeline.hpp) against an in-process checker: input order, identical
// checks once, the cache and what never enters it, canaries, infrastructure failures, the guard
// before Lean, and no checker made for a run the cache answers.
#include "harness/pipeline.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "tests/harness/fake_checker.hpp"

using namespace harness;
using harness_test::checker_of;
using harness_test::FakeLean;
using lean_bridge::DecidedBy;
using lean_bridge::Verdict;

namespace {

const lean_bridge::Guard& guard() {
  static const lean_bridge::Guard g = lean_bridge::Guard::with_default_rules();
  return g;
}

CheckIdentity identity() { return {"leanprover/lean4:v4.32.0", "repl", guard().version(), "none"}; }

tasks::Candidate candidate(int64_t line, const std::string& name, const std::string& proof) {
  auto task = tasks::make_task(name, "", "", "theorem " + name + " : True := by\n");
  return {line, name, task, tasks::ProofForm::continuation, proof};
}

struct MapCache final : VerdictCache {
  std::map<std::string, store::CachedVerdict> entries;
  int lookups = 0;
  std::optional<store::CachedVerdict> lookup(const std::string& key) override {
    ++lookups;
    auto it = entries.find(key);
    if (it == entries.end()) return std::nullopt;
    return it->second;
  }
};

PipelineOptions options(bool use_cache = true) { return {identity(), use_cache, false, "in.jsonl", 0}; }

// Every row, waiting until `n` have come.
std::vector<Row> take(Pipeline& p, size_t n) {
  std::vector<Row> rows;
  for (int i = 0; i < 1000 && rows.size() < n; ++i) {
    for (Row& r : p.take_ready(std::chrono::milliseconds(0))) rows.push_back(std::move(r));
  }
  return rows;
}

lean_bridge::CheckResult verdict_of(const lean_bridge::CheckRequest& r, Verdict v, DecidedBy by,
                                    std::string reason = "") {
  lean_bridge::CheckResult result;
  result.id = r.id;
  result.verdict = v;
  result.decided_by = by;
  result.reason = std::move(reason);
  result.tries = 1;
  return result;
}

}  // namespace

TEST_CASE("rows come back in input order whatever order Lean answers in", "[pipeline]") {
  FakeLean lean;
  lean.hold = true;
  Pipeline p(guard(), nullptr, checker_of(lean), options());
  for (int i = 0; i < 5; ++i) p.add(candidate(i + 1, "t" + std::to_string(i), "  trivial\n"));
  REQUIRE(lean.submitted.size() == 5);
  std::vector<int64_t> lines;
  for (uint64_t id : {4, 2, 3}) {
    lean.release(lean.submitted[id].id);
    CHECK(p.take_ready(std::chrono::milliseconds(0)).empty());  // line 1 is still out
  }
  lean.release(lean.submitted[0].id);
  for (Row& r : p.take_ready(std::chrono::milliseconds(0))) lines.push_back(r.line);
  CHECK(lines == std::vector<int64_t>{1});  // line 2 is still out
  lean.release(lean.submitted[1].id);
  for (Row& r : p.take_ready(std::chrono::milliseconds(0))) lines.push_back(r.line);
  CHECK(lines == std::vector<int64_t>{1, 2, 3, 4, 5});
  CHECK(p.pending() == 0);
}

TEST_CASE("unordered, each row comes back as soon as it is decided, with its seq",
          "[pipeline]") {
  FakeLean lean;
  lean.hold = true;
  auto opts = options();
  opts.ordered = false;
  Pipeline p(guard(), nullptr, checker_of(lean), opts);
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 4; ++i) {
    seqs.push_back(p.add(candidate(i + 1, "u" + std::to_string(i), "  trivial\n")));
  }
  CHECK(seqs == std::vector<uint64_t>{0, 1, 2, 3});
  Row refused;
  refused.line = 5;
  refused.verdict = Verdict::invalid;
  CHECK(p.add_row(refused) == 4);
  // The row decided without Lean comes first, then each as Lean answers it.
  auto first = p.take_ready(std::chrono::milliseconds(0));
  REQUIRE(first.size() == 1);
  CHECK(first[0].seq == 4);
  CHECK(first[0].line == 5);
  for (uint64_t id : {3, 1}) {
    lean.release(lean.submitted[id].id);
    auto rows = p.take_ready(std::chrono::milliseconds(0));
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].seq == id);
    CHECK(rows[0].line == static_cast<int64_t>(id) + 1);
  }
  CHECK(p.pending() == 2);
  lean.release(lean.submitted[0].id);
  lean.release(lean.submitted[2].id);
  auto rest = p.take_ready(std::chrono::milliseconds(0));
  REQUIRE(rest.size() == 2);
  CHECK(p.pending() == 0);
}

TEST_CASE("unordered, an addition not yet decided can be dropped", "[pipeline]") {
  FakeLean lean;
  lean.hold = true;
  auto opts = options();
  opts.ordered = false;
  Pipeline p(guard(), nullptr, checker_of(lean), opts);
  uint64_t a = p.add(candidate(1, "a", "  trivial\n"));
  uint64_t b = p.add(candidate(2, "b", "  trivial\n"));
  uint64_t twin = p.add(candidate(3, "b", "  trivial\n"));  // identical to b: waits for it
  REQUIRE(lean.submitted.size() == 2);
  CHECK_FALSE(p.cancel(b));  // its twin waits for its answer
  CHECK(p.cancel(twin));
  CHECK(p.cancel(b));        // now alone: cancelled at the checker
  CHECK(lean.cancelled == std::vector<uint64_t>{b});
  CHECK(p.pending() == 1);
  lean.release(lean.submitted[0].id);
  auto rows = p.take_ready(std::chrono::milliseconds(0));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].seq == a);
  CHECK_FALSE(p.cancel(a));  // decided
  CHECK(p.pending() == 0);
  // Ordered pipelines keep every row.
  Pipeline ordered(guard(), nullptr, checker_of(lean), options());
  CHECK_FALSE(ordered.cancel(ordered.add(candidate(4, "c", "  trivial\n"))));
}

TEST_CASE("identical candidates in flight are checked once", "[pipeline]") {
  FakeLean lean;
  lean.hold = true;
  Pipeline p(guard(), nullptr, checker_of(lean), options());
  p.add(candidate(1, "same", "  trivial\n"));
  p.add(candidate(2, "other", "  trivial\n"));
  p.add(candidate(3, "same", "  trivial\n"));
  p.add(candidate(4, "same", "  trivial\n"));
  CHECK(lean.submitted.size() == 2);
  lean.release(lean.submitted[1].id);
  lean.release(lean.submitted[0].id);
  auto rows = take(p, 4);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].cached == false);
  CHECK(rows[2].cached == true);  // answered by line 1's check
  CHECK(rows[3].cached == true);
  for (const Row& r : rows) CHECK(r.verdict == Verdict::pass);
  CHECK(rows[2].line == 3);
  CHECK(p.stats().duplicates == 2);
  CHECK(p.stats().lean_checks == 2);
}

TEST_CASE("a verdict is remembered until the store has it, then the cache answers",
          "[pipeline]") {
  FakeLean lean;
  MapCache cache;
  Pipeline p(guard(), &cache, checker_of(lean), options());
  p.add(candidate(1, "t", "  trivial\n"));
  auto first = take(p, 1);
  REQUIRE(first.size() == 1);
  // Answered, not yet in the store: an identical line is not checked again.
  p.add(candidate(2, "t", "  trivial\n"));
  auto second = take(p, 1);
  REQUIRE(second.size() == 1);
  CHECK(second[0].cached);
  CHECK(second[0].verdict == Verdict::pass);
  CHECK(lean.submitted.size() == 1);
  // Once forgotten (the rows are in the store), the store's cache is asked; here it has
  // nothing, so Lean checks it again.
  p.forget_decided();
  p.add(candidate(3, "t", "  trivial\n"));
  take(p, 1);
  CHECK(lean.submitted.size() == 2);
}

TEST_CASE("forget_decided_before forgets only the verdicts of earlier additions", "[pipeline]") {
  FakeLean lean;
  MapCache cache;
  Pipeline p(guard(), &cache, checker_of(lean), options());
  uint64_t a = p.add(candidate(1, "a", "  trivial\n"));
  uint64_t b = p.add(candidate(2, "b", "  trivial\n"));
  REQUIRE(take(p, 2).size() == 2);
  REQUIRE(lean.submitted.size() == 2);
  // The first row's batch is in the store, the second's not yet: only `a` is asked again.
  p.forget_decided_before(a + 1);
  p.add(candidate(3, "b", "  trivial\n"));
  auto again_b = take(p, 1);
  REQUIRE(again_b.size() == 1);
  CHECK(again_b[0].cached);
  CHECK(lean.submitted.size() == 2);
  p.add(candidate(4, "a", "  trivial\n"));
  take(p, 1);
  CHECK(lean.submitted.size() == 3);
  p.forget_decided_before(b + 1);
  p.add(candidate(5, "b", "  trivial\n"));
  take(p, 1);
  CHECK(lean.submitted.size() == 4);
}

TEST_CASE("the verification cache answers hits, and only when reading it is allowed",
          "[pipeline]") {
  FakeLean lean;
  MapCache cache;
  std::string key = verification_key(identity(), candidate(1, "t", "  trivial\n"));
  cache.entries[key] = {"fail", "lean", "from the cache", 7, std::nullopt, "[]", std::nullopt};
  {
    Pipeline p(guard(), &cache, checker_of(lean), options());
    p.add(candidate(1, "t", "  trivial\n"));
    auto rows = take(p, 1);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].verdict == Verdict::fail);
    CHECK(rows[0].reason == "from the cache");
    CHECK(rows[0].cached);
    CHECK(p.stats().cache_hits == 1);
    CHECK(lean.checkers_made == 0);  // a run the cache answers starts no Lean
  }
  {
    Pipeline p(guard(), &cache, checker_of(lean), options(/*use_cache=*/false));
    p.add(candidate(1, "t", "  trivial\n"));
    auto rows = take(p, 1);
    CHECK(rows.at(0).verdict == Verdict::pass);
    CHECK(lean.submitted.size() == 1);
  }
  {
    // A run that asks Lean for the constants a proof uses does not take a hit without them.
    auto with_constants = options();
    with_constants.used_constants = true;
    Pipeline p(guard(), &cache, checker_of(lean), with_constants);
    p.add(candidate(1, "t", "  trivial\n"));
    take(p, 1);
    CHECK(lean.submitted.size() == 2);
    CHECK(lean.submitted.back().used_constants);
  }
}

TEST_CASE("timeouts, errors and invalid lines are never remembered as verdicts", "[pipeline]") {
  FakeLean lean;
  lean.answer = [](const lean_bridge::CheckRequest& r) {
    if (r.body.find("slow") != std::string::npos) return verdict_of(r, Verdict::timeout, DecidedBy::timeout);
    return verdict_of(r, Verdict::error, DecidedBy::worker, "the REPL died on the header");
  };
  Pipeline p(guard(), nullptr, checker_of(lean), options());
  p.add(candidate(1, "t", "  trivial -- slow\n"));
  p.add(candidate(2, "u", "  trivial\n"));
  auto rows = take(p, 2);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].verdict == Verdict::timeout);
  CHECK(rows[1].verdict == Verdict::error);
  p.add(candidate(3, "t", "  trivial -- slow\n"));
  p.add(candidate(4, "u", "  trivial\n"));
  take(p, 2);
  CHECK(lean.submitted.size() == 4);  // both checked again
}

TEST_CASE("an infrastructure failure becomes an error row and is not counted as a Lean check",
          "[pipeline]") {
  FakeLean lean;
  lean.fatal = "Lean cannot be started: cannot resolve the workspace's Lean environment";
  Pipeline p(guard(), nullptr, checker_of(lean), options());
  p.add(candidate(1, "t", "  trivial\n"));
  auto rows = take(p, 1);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].verdict == Verdict::error);
  CHECK(rows[0].decided_by == DecidedBy::worker);
  CHECK(rows[0].reason.find("Lean cannot be started") != std::string::npos);
  CHECK(p.stats().lean_checks == 0);
  CHECK(p.stats().infra_errors == 1);
  CHECK(p.fatal_error() == lean.fatal);
}

TEST_CASE("the guard decides before Lean: a refused proof is never submitted", "[pipeline]") {
  FakeLean lean;
  Pipeline p(guard(), nullptr, checker_of(lean), options());
  p.add(candidate(1, "t", "  native_decide\n"));
  p.add(candidate(2, "u", "  sorry\n"));
  auto rows = take(p, 2);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].verdict == Verdict::rejected);
  CHECK(rows[0].decided_by == DecidedBy::guard);
  CHECK(rows[1].verdict == Verdict::incomplete);
  CHECK(lean.submitted.empty());
  CHECK(lean.checkers_made == 0);
  CHECK(p.stats().decided_early == 2);
}

TEST_CASE("an invalid line keeps its place among the rows", "[pipeline]") {
  FakeLean lean;
  lean.hold = true;
  Pipeline p(guard(), nullptr, checker_of(lean), options());
  p.add(candidate(1, "t", "  trivial\n"));
  Row invalid;
  invalid.line = 2;
  invalid.verdict = Verdict::invalid;
  invalid.decided_by = DecidedBy::input;
  p.add_row(invalid);
  CHECK(p.take_ready(std::chrono::milliseconds(0)).empty());
  lean.release(lean.submitted[0].id);
  auto rows = take(p, 2);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].line == 1);
  CHECK(rows[1].verdict == Verdict::invalid);
}

TEST_CASE("canaries are checked every time, bypass the cache and make no row", "[pipeline]") {
  FakeLean lean;
  MapCache cache;
  Pipeline p(guard(), &cache, checker_of(lean), options());
  p.add(candidate(1, "t", "  trivial\n"));
  int done = 0;
  for (int i = 0; i < 2; ++i) {
    lean_bridge::CheckRequest canary;
    canary.body = "theorem false_canary : False := by\n  trivial\n";
    canary.target = "false_canary";
    p.add_unrowed(canary, [&](const lean_bridge::CheckResult& r) {
      CHECK(r.verdict == Verdict::pass);
      ++done;
    });
  }
  auto rows = take(p, 1);
  for (int i = 0; i < 10 && p.pending() > 0; ++i) p.take_ready(std::chrono::milliseconds(0));
  CHECK(rows.size() == 1);
  CHECK(done == 2);
  CHECK(lean.submitted.size() == 3);  // the candidate and both identical canaries
  CHECK(cache.lookups == 1);          // the candidate's only
  CHECK(p.pending() == 0);
}

TEST_CASE("a pipeline's checks carry its priority, and the canaries follow its last header",
          "[pipeline]") {
  FakeLean lean;
  auto interactive = options();
  interactive.priority = 5;
  Pipeline p(guard(), nullptr, checker_of(lean), interactive);
  auto c = candidate(1, "t", "  trivial\n");
  c.task = tasks::make_task("t", "", "import Mathlib\nopen Real", "theorem t : True := by\n");
  p.add(c);
  REQUIRE(lean.submitted.size() == 1);
  CHECK(lean.submitted[0].priority == 5);
  CHECK(p.last_request().imports == "import Mathlib");
  CHECK(p.last_request().header_rest.find("open Real") != std::string::npos);
}

TEST_CASE("every check runs under the heartbeat budget of the pipeline's identity", "[pipeline]") {
  FakeLean lean;
  auto budget = options();
  budget.identity.heartbeats = 1234;
  Pipeline p(guard(), nullptr, checker_of(lean), budget);
  p.add(candidate(1, "t", "  set_option maxHeartbeats 99999 in\n  trivial\n"));
  REQUIRE(lean.submitted.size() == 1);
  CHECK(lean.submitted[0].header_rest == "set_option maxHeartbeats 1234\n");
  CHECK(lean.submitted[0].body.find("set_option maxHeartbeats 1234  in") != std::string::npos);
  CHECK(p.last_request().header_rest == "set_option maxHeartbeats 1234\n");
}

TEST_CASE("an addition's own wall clock reaches its check, and it may skip the cache",
          "[pipeline]") {
  FakeLean lean;
  MapCache cache;
  Pipeline p(guard(), &cache, checker_of(lean), options());
  Pipeline::AddOptions own;
  own.wall = std::chrono::milliseconds(1500);
  p.add(candidate(1, "t", "  trivial\n"), own);
  REQUIRE(lean.submitted.size() == 1);
  REQUIRE(lean.submitted[0].budget.wall);
  CHECK(*lean.submitted[0].budget.wall == std::chrono::milliseconds(1500));
  CHECK(cache.lookups == 1);
  take(p, 1);
  // Remembered now, and in the cache: an addition that skips the cache is checked again.
  cache.entries[verification_key(identity(), candidate(1, "t", "  trivial\n"))] =
      store::CachedVerdict{};
  Pipeline::AddOptions fresh;
  fresh.use_cache = false;
  p.add(candidate(2, "t", "  trivial\n"), fresh);
  CHECK(lean.submitted.size() == 2);
  CHECK(cache.lookups == 1);
  CHECK_FALSE(lean.submitted[1].budget.wall);  // the worker's own --timeout
  take(p, 1);
  p.add(candidate(3, "t", "  trivial\n"));  // the default reads it again
  CHECK(lean.submitted.size() == 2);
}

TEST_CASE("the heartbeat budget is part of the cache key", "[pipeline]") {
  auto c = candidate(1, "t", "  trivial\n");
  CheckIdentity other = identity();
  other.heartbeats = identity().heartbeats + 1;
  CHECK(verification_key(identity(), c) != verification_key(other, c));
  // A verdict cached under one budget does not answer a run with another.
  FakeLean lean;
  MapCache cache;
  store::CachedVerdict hit{"pass", "lean", "", 7, "[]", "[]", std::nullopt};
  cache.entries[verification_key(identity(), c)] = hit;
  auto with_other = options();
  with_other.identity = other;
  Pipeline p(guard(), &cache, checker_of(lean), with_other);
  p.add(c);
  take(p, 1);
  CHECK(p.stats().cache_hits == 0);
  CHECK(lean.submitted.size() == 1);
  // The same budget is answered by it.
  Pipeline same(guard(), &cache, checker_of(lean), options());
  same.add(c);
  take(same, 1);
  CHECK(same.stats().cache_hits == 1);
  CHECK(lean.submitted.size() == 1);
}

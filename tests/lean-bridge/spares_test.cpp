// Warm spares (lean-bridge/spares.hpp), a worker holding several import sets, and recycling
// without a stall, against the REPL double with a slow import.
#include "lean-bridge/spares.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "lean-bridge/worker_pool.hpp"
#include "pool_fixture.hpp"

using namespace lean_bridge;
using namespace pool_test;

namespace {

WorkerOptions fake_worker(std::vector<std::string> options = {}) {
  WorkerOptions w;
  w.process.argv = {FAKE_REPL_PATH};
  for (auto& o : options) w.process.argv.push_back(o);
  w.proof_timeout = std::chrono::milliseconds(5000);
  w.header_timeout = std::chrono::milliseconds(10000);
  return w;
}

// Waits (at most 10 s) until the set has `n` spares ready.
bool wait_ready(const SpareSet& spares, int n) {
  auto until = Clock::now() + std::chrono::seconds(10);
  while (spares.stats().ready < n) {
    if (Clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace

TEST_CASE("a spare takes over after a kill, with the right verdicts", "[pool][spares]") {
  // Without a spare each replacement would pay the 600 ms import; with two, one is ready at
  // the first kill and the other has been refilled by the second.
  auto options = fake_pool(1, {"--import-ms", "600"});
  options.spares.count = 2;
  options.worker.proof_timeout = std::chrono::milliseconds(300);
  WorkerPool pool(options);
  auto r = check_all(pool, {proof(0, "before", "--! axioms propext\n"),
                            proof(1, "hangs", "--! hang\n"),
                            proof(2, "errs", "--! sleep 100\n--! error type mismatch\n"),
                            proof(3, "sorried", "--! sleep 100\n  sorry\n"),
                            proof(4, "hangs_too", "--! hang\n"),
                            proof(5, "odd", "--! axioms Lean.ofReduceBool\n"),
                            proof(6, "after")});
  CHECK(r[0].verdict == Verdict::pass);
  CHECK(r[1].verdict == Verdict::timeout);
  CHECK(r[1].decided_by == DecidedBy::timeout);
  CHECK(r[2].verdict == Verdict::fail);
  CHECK(r[2].reason == "type mismatch");
  CHECK(r[3].verdict == Verdict::incomplete);
  CHECK(r[4].verdict == Verdict::timeout);
  CHECK(r[5].verdict == Verdict::rejected);
  CHECK(r[6].verdict == Verdict::pass);
  for (const auto& x : r) CHECK(x.tries == 1);
  auto stats = pool.stats();
  CHECK(stats.timeouts == 2);
  CHECK(processes_used(stats) == 3);  // the first process and one per kill
  CHECK(stats.spares_taken >= 2);     // both kills were replaced by spares
  // A replacement taken ready costs no import: far below the 600 ms of one.
  CHECK(stats.import_wait_ms < 300);
}

TEST_CASE("without spares a kill costs the replacement's import", "[pool][spares]") {
  auto options = fake_pool(1, {"--import-ms", "300"});
  options.spares.count = 0;
  options.worker.proof_timeout = std::chrono::milliseconds(200);
  WorkerPool pool(options);
  auto r = check_all(pool, {proof(0, "hangs", "--! hang\n"), proof(1, "after")});
  CHECK(r[0].verdict == Verdict::timeout);
  CHECK(r[1].verdict == Verdict::pass);
  auto stats = pool.stats();
  CHECK(stats.starts == 2);
  CHECK(stats.spares_taken == 0);
  CHECK(stats.spare_starts == 0);
  CHECK(stats.import_wait_ms >= 300);
}

TEST_CASE("a worker due for recycling serves on until its replacement is ready",
          "[pool][spares]") {
  TempDir dir;
  auto log = (dir.path() / "requests.log").string();
  auto options = fake_pool(1, {"--import-ms", "400", "--log", log});
  options.spares.count = 1;
  options.worker.recycle_after = 2;
  WorkerPool pool(options);
  std::vector<CheckRequest> rs;
  // 12 × 100 ms of checks: a replacement (400 ms to import) is ready well before the end.
  for (uint64_t i = 0; i < 12; ++i) rs.push_back(proof(i, "r" + std::to_string(i), "--! sleep 100\n"));
  auto r = check_all(pool, rs);
  for (const auto& x : r) CHECK(x.verdict == Verdict::pass);
  auto stats = pool.stats();
  CHECK(stats.recycles >= 1);
  CHECK(stats.spares_taken >= stats.recycles);  // every retirement took a ready process
  CHECK(stats.import_wait_ms < 200);            // and no check waited for an import
  CHECK(count_containing(read_lines(log), "#print axioms") == 12);
}

TEST_CASE("a process holds several import sets, one more replaces it", "[pool][spares]") {
  TempDir dir;
  auto log = (dir.path() / "requests.log").string();
  auto options = fake_worker({"--log", log});
  options.import_sets = 2;
  Worker worker(options);
  auto check = [&](uint64_t id, const std::string& imports) {
    Outcome o = worker.check(proof(id, "s" + std::to_string(id), "", imports));
    REQUIRE(std::holds_alternative<CheckResult>(o));
    return std::get<CheckResult>(o);
  };
  for (uint64_t i = 0; i < 6; ++i) CHECK(check(i, i % 2 ? "import A" : "import B").verdict == Verdict::pass);
  CHECK(worker.counters().starts == 1);
  CHECK(worker.counters().imports == 2);
  CHECK(worker.holds("import A"));
  CHECK(worker.holds("import B"));
  CHECK(count_containing(read_lines(log), "\"cmd\":\"import A\"") == 1);
  // A third set does not fit: a new process holds it alone.
  CHECK(check(6, "import C").verdict == Verdict::pass);
  CHECK(worker.counters().starts == 2);
  CHECK(worker.holds("import C"));
  CHECK_FALSE(worker.holds("import A"));
  // A header that fails in one set does not touch the other.
  CHECK(check(7, "import MissingX").verdict == Verdict::error);
  CHECK(check(8, "import C").verdict == Verdict::pass);
  CHECK(worker.counters().starts == 2);
}

TEST_CASE("spares hold the imports in demand", "[spares]") {
  SpareSet spares(fake_worker(), SpareOptions{.count = 1});
  CHECK_FALSE(spares.take("import A", false));  // nothing asked for yet, nothing warm
  spares.note_request("import A");
  REQUIRE(wait_ready(spares, 1));
  auto a = spares.take("import A", false);
  REQUIRE(a);
  CHECK(a->imports == "import A");
  CHECK(a->import_env == 0);
  CHECK_FALSE(a->import_failure);
  // Demand moves to B: a spare of A nobody asks for gives way, and the next ones hold B.
  for (int i = 0; i < 50; ++i) spares.note_request("import B");
  auto take_b = [&] {
    auto until = Clock::now() + std::chrono::seconds(10);
    std::optional<StartedRepl> b;
    while (!b && Clock::now() < until) {
      b = spares.take("import B", true);
      if (!b) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return b;
  };
  auto b = take_b();
  REQUIRE(b);
  CHECK(b->imports == "import B");
  REQUIRE(take_b());
  REQUIRE(wait_ready(spares, 1));
  CHECK_FALSE(spares.take("import A", false));
}

TEST_CASE("a spare still importing is killed with its set, not waited for", "[spares]") {
  auto began = Clock::now();
  {
    SpareSet spares(fake_worker({"--import-ms", "60000"}), SpareOptions{.count = 2});
    spares.note_request("import A");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(spares.stats().ready == 0);
  }
  CHECK(Clock::now() - began < std::chrono::seconds(10));
}

TEST_CASE("auto sizing follows replacements × import time, within the memory bound",
          "[spares]") {
  SECTION("starts with its initial count") {
    SpareSet spares(fake_worker(), SpareOptions{.count = -1, .max_auto = 6, .initial = 3});
    spares.note_request("import A");
    REQUIRE(wait_ready(spares, 3));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(spares.stats().ready == 3);
    CHECK(spares.stats().target == 3);
  }
  SECTION("grows with the rate of replacements") {
    SpareSet spares(fake_worker({"--import-ms", "200"}), SpareOptions{.count = -1, .max_auto = 6});
    spares.note_request("import A");
    REQUIRE(wait_ready(spares, 1));
    CHECK(spares.stats().target == 1);  // `initial`, before anything was replaced
    for (int i = 0; i < 20; ++i) spares.note_replacement(std::chrono::milliseconds(2000));
    spares.note_request("import A");
    // 20 replacements within a couple of seconds × a 2 s import: far above the cap of 6.
    REQUIRE(wait_ready(spares, 6));
    CHECK(spares.stats().target == 6);
  }
  SECTION("held back when their memory does not fit") {
    SpareSet spares(fake_worker(), SpareOptions{.count = -1, .max_auto = 6, .memory_bytes = 1});
    spares.note_request("import A");
    // The first one shows how large a spare is; it does not fit in 1 byte, so it is stopped.
    auto until = Clock::now() + std::chrono::seconds(10);
    while (spares.stats().counters.starts < 1 && Clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    for (int i = 0; i < 20; ++i) spares.note_replacement(std::chrono::milliseconds(2000));
    spares.note_request("import A");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto stats = spares.stats();
    CHECK(stats.target == 0);
    CHECK(stats.memory_capped > 0);
    CHECK(stats.ready == 0);
    CHECK(stats.discarded == 1);
    CHECK(stats.counters.starts == 1);
  }
}

TEST_CASE("spares that cannot start leave the pool's own failure to say why", "[pool][spares]") {
  auto options = fake_pool(2, {"--crash-on-import"});
  options.spares.count = 2;
  WorkerPool pool(options);
  auto r = check_all(pool, {proof(0, "a"), proof(1, "b"), proof(2, "c")});
  for (const auto& x : r) CHECK(x.verdict == Verdict::error);
  REQUIRE(pool.fatal_error());
  CHECK(pool.fatal_error()->find("unknown package") != std::string::npos);
}

TEST_CASE("a process that elaborated its bound of header environments is recycled",
          "[pool][spares]") {
  auto options = fake_worker();
  options.header_envs = 3;
  Worker worker(options);
  auto check = [&](uint64_t id, const std::string& rest) {
    Outcome o = worker.check(proof(id, "h" + std::to_string(id), "", "import A", rest));
    REQUIRE(std::holds_alternative<CheckResult>(o));
    worker.recycle_if_due();
    return std::get<CheckResult>(o).verdict;
  };
  CHECK(check(0, "open Nat") == Verdict::pass);
  CHECK(check(1, "open Nat") == Verdict::pass);  // held: no new environment
  CHECK(check(2, "open Real") == Verdict::pass);
  CHECK(worker.counters().recycles == 0);
  CHECK(check(3, "open Set") == Verdict::pass);  // the third: due
  CHECK(worker.counters().recycles == 1);
  CHECK(check(4, "open Nat") == Verdict::pass);  // elaborated again in the new process
  CHECK(worker.counters().starts == 2);
}

// The pool against the project's REPL double, which speaks the real wire format and can be
// told to be slow, slow to import, to crash, to hang, to print noise and to grow in memory.
#include "lean-bridge/worker_pool.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <sched.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "pool_fixture.hpp"

using namespace lean_bridge;
using namespace pool_test;

TEST_CASE("one worker, one proof: Lean's clean answer and standard axioms give pass", "[pool]") {
  WorkerPool pool(fake_pool(1));
  auto r = check_all(pool, {proof(0, "t1", "--! axioms propext, Quot.sound\n")});
  CHECK(r[0].verdict == Verdict::pass);
  CHECK(r[0].decided_by == DecidedBy::lean);
  REQUIRE(r[0].axioms);
  CHECK(*r[0].axioms == std::vector<std::string>{"propext", "Quot.sound"});
  CHECK(r[0].tries == 1);
}

TEST_CASE("errors fail, sorries are incomplete, odd axioms are rejected", "[pool]") {
  WorkerPool pool(fake_pool(2));
  auto shifted = proof(3, "t3", "--! error unsolved goals\n");
  shifted.line_offset = 10;
  auto r = check_all(pool, {proof(0, "t0", "--! error type mismatch\n"),
                            proof(1, "t1", "  sorry\n"),
                            proof(2, "t2", "--! axioms propext, sorryAx\n"),
                            shifted,
                            proof(4, "t4", "--! axioms Lean.ofReduceBool\n"),
                            proof(5, "t5", "--! axioms none\n")});
  CHECK(r[0].verdict == Verdict::fail);
  CHECK(r[0].reason == "type mismatch");
  CHECK_FALSE(r[0].axioms);
  CHECK(r[1].verdict == Verdict::incomplete);
  CHECK(r[1].decided_by == DecidedBy::lean);
  CHECK(r[2].verdict == Verdict::incomplete);
  CHECK(r[2].decided_by == DecidedBy::axioms);
  REQUIRE(r[3].messages.size() == 1);
  CHECK(r[3].messages[0].pos.value.line == 3 + 10);  // the directive is on line 3
  CHECK(r[4].verdict == Verdict::rejected);
  CHECK(r[4].reason == "non-standard axioms: Lean.ofReduceBool");
  CHECK(r[5].verdict == Verdict::pass);
}

TEST_CASE("a target that the proof does not declare is never a pass", "[pool]") {
  WorkerPool pool(fake_pool(1));
  auto request = proof(0, "declared");
  request.target = "other_name";
  auto r = check_all(pool, {request, proof(1, "after")});
  CHECK(r[0].verdict == Verdict::rejected);
  CHECK(r[0].decided_by == DecidedBy::axioms);
  CHECK(r[1].verdict == Verdict::pass);
}

TEST_CASE("imports are elaborated once per worker, each header rest once on top", "[pool]") {
  TempDir dir;
  auto log = (dir.path() / "requests.log").string();
  WorkerPool pool(fake_pool(1, {"--log", log}));
  std::vector<CheckRequest> rs;
  for (uint64_t i = 0; i < 10; ++i) {
    rs.push_back(proof(i, "p" + std::to_string(i), "", "import Init",
                       i % 2 ? "open Nat" : "set_option pp.all true"));
  }
  auto r = check_all(pool, rs);
  for (auto& x : r) CHECK(x.verdict == Verdict::pass);
  auto lines = read_lines(log);
  auto stats = pool.stats();
  CHECK(stats.imports + stats.spares_taken == 1);  // the worker's one import set
  // The rest are the spares' own (a spare still importing is counted once it is ready).
  CHECK(count_containing(lines, "\"cmd\":\"import Init\"") >= 1 + static_cast<size_t>(stats.spare_starts));
  CHECK(count_containing(lines, "open Nat") == 1);
  CHECK(count_containing(lines, "pp.all") == 1);
  CHECK(count_containing(lines, "#print axioms") == 10);
  CHECK(processes_used(stats) == 1);
}

TEST_CASE("workers take requests for the imports they hold", "[pool]") {
  TempDir dir;
  auto log = (dir.path() / "requests.log").string();
  auto options = fake_pool(2, {"--log", log, "--check-ms", "5"});
  options.queue_limit = 100;
  WorkerPool pool(options);
  std::vector<CheckRequest> rs;
  for (uint64_t i = 0; i < 40; ++i) {
    rs.push_back(proof(i, "q" + std::to_string(i), "", i % 2 ? "import A" : "import B"));
  }
  auto r = check_all(pool, rs);
  for (auto& x : r) CHECK(x.verdict == Verdict::pass);
  auto lines = read_lines(log);
  size_t imports = count_containing(lines, "\"cmd\":\"import A\"") +
                   count_containing(lines, "\"cmd\":\"import B\"");
  // without affinity, alternating requests would re-import ~40 times
  CHECK(imports <= 4 + static_cast<size_t>(pool.stats().spare_starts));
}

TEST_CASE("header time never counts against a proof's timeout", "[pool]") {
  auto options = fake_pool(1, {"--import-ms", "700"});
  options.worker.proof_timeout = std::chrono::milliseconds(400);
  WorkerPool pool(options);
  auto r = check_all(pool, {proof(0, "slow_header")});
  CHECK(r[0].verdict == Verdict::pass);
  CHECK(r[0].elapsed_ms < 400);
}

TEST_CASE("a slow proof is timed, a hanging one times out and its worker is replaced",
          "[pool]") {
  auto options = fake_pool(1);
  options.worker.proof_timeout = std::chrono::milliseconds(500);
  WorkerPool pool(options);
  auto r = check_all(pool, {proof(0, "slowish", "--! sleep 100\n"), proof(1, "hangs", "--! hang\n"),
                            proof(2, "fine")});
  CHECK(r[0].verdict == Verdict::pass);
  CHECK(r[0].elapsed_ms >= 100);
  CHECK(r[1].verdict == Verdict::timeout);
  CHECK(r[1].decided_by == DecidedBy::timeout);
  CHECK(r[1].elapsed_ms >= 500);
  CHECK(r[2].verdict == Verdict::pass);
  CHECK(processes_used(pool.stats()) == 2);
  CHECK(pool.stats().timeouts == 1);
}

TEST_CASE("Lean's heartbeat error makes a timeout decided by heartbeats, never a pass",
          "[pool]") {
  const std::string stop =
      "(deterministic) timeout at `whnf`, maximum number of heartbeats (400000) has been reached";
  auto options = fake_pool(1);
  options.worker.proof_timeout = std::chrono::milliseconds(500);
  WorkerPool pool(options);
  auto r = check_all(pool, {proof(0, "spins", "--! heartbeats 10000000\n"),
                            proof(1, "errs", "--! error " + stop + "\n"),
                            proof(2, "prints", "--! info " + stop + "\n"),
                            proof(3, "holey", "--! info " + stop + "\n  sorry\n"),
                            proof(4, "hangs", "--! hang\n"),
                            proof(5, "after")});
  CHECK(r[0].verdict == Verdict::timeout);
  CHECK(r[0].decided_by == DecidedBy::heartbeats);
  CHECK(r[0].reason.find("maximum number of heartbeats (200000)") != std::string::npos);
  CHECK(r[1].verdict == Verdict::timeout);
  CHECK(r[1].decided_by == DecidedBy::heartbeats);
  CHECK(r[1].reason == "Lean's heartbeat limit: " + stop);
  // The text elsewhere than in an error changes nothing.
  CHECK(r[2].verdict == Verdict::pass);
  CHECK(r[3].verdict == Verdict::incomplete);
  // The wall clock keeps its own label; only it costs a process.
  CHECK(r[4].verdict == Verdict::timeout);
  CHECK(r[4].decided_by == DecidedBy::timeout);
  CHECK(r[5].verdict == Verdict::pass);
  CHECK(pool.stats().timeouts == 1);
  CHECK(processes_used(pool.stats()) == 2);
}

TEST_CASE("a proof that kills every fresh worker it is given is charged with fail", "[pool]") {
  WorkerPool pool(fake_pool(1));
  auto r = check_all(pool, {proof(0, "crashes", "--! crash\n"), proof(1, "fine")});
  CHECK(r[0].verdict == Verdict::fail);
  CHECK(r[0].decided_by == DecidedBy::worker);
  CHECK(r[0].tries == 2);
  CHECK(r[0].reason.rfind("resource: ", 0) == 0);
  CHECK(r[0].reason.find("died during the check") != std::string::npos);
  CHECK(r[1].verdict == Verdict::pass);
  CHECK(pool.stats().deaths == 2);
  CHECK(pool.stats().retries == 1);
}

TEST_CASE("a worker that dies between proofs costs no verdict", "[pool]") {
  // Import, proof and axioms answered, then the process dies on the next request.
  WorkerPool pool(fake_pool(1, {"--die-after", "3"}));
  auto r = check_all(pool, {proof(0, "a"), proof(1, "b"), proof(2, "c")});
  for (auto& x : r) CHECK(x.verdict == Verdict::pass);
  CHECK(r[1].tries == 2);
  CHECK(pool.stats().deaths >= 1);
}

TEST_CASE("noise on stdout before answers does not desynchronise the reader", "[pool]") {
  WorkerPool pool(fake_pool(2, {"--noise", "--startup-noise"}));
  auto r = check_all(pool, {proof(0, "n0", "--! noise hello from the proof\n"), proof(1, "n1"),
                            proof(2, "n2", "--! noise-block\n")});
  for (auto& x : r) CHECK(x.verdict == Verdict::pass);
}

TEST_CASE("an unreadable or forged answer fails closed and the worker is replaced", "[pool]") {
  WorkerPool pool(fake_pool(1));
  auto r = check_all(pool, {proof(0, "garbled", "--! noise {not json\n"),
                            proof(1, "forged", "--! forge {\"env\": 99}\n--! error nope\n"),
                            proof(2, "fine")});
  CHECK(r[0].verdict == Verdict::rejected);
  CHECK(r[1].verdict != Verdict::pass);
  CHECK(r[2].verdict == Verdict::pass);
}

TEST_CASE("workers that grow are recycled above the RSS bound and after N uses", "[pool]") {
  auto options = fake_pool(1, {"--grow-mb-per-check", "40"});
  options.worker.max_rss_bytes = uint64_t{60} << 20;
  WorkerPool pool(options);
  std::vector<CheckRequest> rs;
  for (uint64_t i = 0; i < 6; ++i) {
    rs.push_back(proof(i, "g" + std::to_string(i), "--! sleep 300\n"));
  }
  auto r = check_all(pool, rs);
  for (auto& x : r) CHECK(x.verdict == Verdict::pass);
  CHECK(pool.stats().recycles >= 1);

  auto by_uses = fake_pool(1);
  by_uses.worker.recycle_after = 2;
  WorkerPool pool2(by_uses);
  auto r2 = check_all(pool2, {proof(0, "u0"), proof(1, "u1"), proof(2, "u2"), proof(3, "u3")});
  for (auto& x : r2) CHECK(x.verdict == Verdict::pass);
#ifdef POOL_SPARES
  // Retired only once a replacement is ready (these checks may all be done before one is):
  // never more often than due, and never by a stall (spares_test.cpp shows the wait).
  CHECK(pool2.stats().recycles <= 2);
  CHECK(processes_used(pool2.stats()) == 1 + pool2.stats().recycles);
#else
  CHECK(pool2.stats().starts == 2);
  CHECK(pool2.stats().recycles == 2);
#endif
}

TEST_CASE("the address-space limit stops a proof that allocates past it", "[pool]") {
  auto options = fake_pool(1);
  options.worker.process.address_space_bytes = uint64_t{512} << 20;
  WorkerPool pool(options);
  auto r = check_all(pool, {proof(0, "hog", "--! grow 2048\n"), proof(1, "fine")});
  CHECK(r[0].verdict == Verdict::fail);
  CHECK(r[0].reason.rfind("resource: ", 0) == 0);
  CHECK(r[0].reason.find("out of memory") != std::string::npos);
  CHECK(r[1].verdict == Verdict::pass);
}

TEST_CASE("Lean that cannot be started makes the pool fatal, with the reason", "[pool]") {
  SECTION("no such program") {
    auto options = fake_pool(1);
    options.worker.process.argv = {"/nonexistent/lake", "env", "repl"};
    WorkerPool pool(options);
    auto r = check_all(pool, {proof(0, "a"), proof(1, "b"), proof(2, "c"), proof(3, "d")});
    for (auto& x : r) CHECK(x.verdict == Verdict::error);
    REQUIRE(pool.fatal_error());
    CHECK(pool.fatal_error()->find("/nonexistent/lake") != std::string::npos);
  }
  SECTION("dies on its imports") {
    WorkerPool pool(fake_pool(1, {"--crash-on-import"}));
    auto r = check_all(pool, {proof(0, "a"), proof(1, "b"), proof(2, "c")});
    for (auto& x : r) CHECK(x.verdict == Verdict::error);
    REQUIRE(pool.fatal_error());
    CHECK(pool.fatal_error()->find("unknown package") != std::string::npos);
  }
}

TEST_CASE("a header that Lean rejects gives error for its proofs, others go on", "[pool]") {
  WorkerPool pool(fake_pool(1));
  auto r = check_all(pool, {proof(0, "a", "", "import MissingThing"), proof(1, "b")});
  CHECK(r[0].verdict == Verdict::error);
  CHECK(r[0].reason.find("imports failed") != std::string::npos);
  CHECK(r[1].verdict == Verdict::pass);
  CHECK_FALSE(pool.fatal_error());
}

TEST_CASE("many proofs over several workers all come back, once each", "[pool]") {
  WorkerPool pool(fake_pool(4, {"--check-ms", "2"}));
  std::vector<CheckRequest> rs;
  for (uint64_t i = 0; i < 200; ++i) rs.push_back(proof(i, "m" + std::to_string(i)));
  auto r = check_all(pool, rs);
  for (uint64_t i = 0; i < r.size(); ++i) {
    CHECK(r[i].id == i);
    CHECK(r[i].verdict == Verdict::pass);
  }
  CHECK(processes_used(pool.stats()) == 4);
}

namespace {

CheckRequest with_statement(uint64_t id, std::string name, std::string type, std::string body_type,
                            std::string extra = "") {
  CheckRequest r = proof(id, name, extra);
  r.statement = "theorem " + name + " : " + type + " := by\n";
  r.body = "theorem " + name + " : " + body_type + " := by\n  trivial\n" + extra;
  return r;
}

}  // namespace

TEST_CASE("the target's statement must be the task's, as Lean judges it", "[pool]") {
  TempDir dir;
  auto log = (dir.path() / "requests.log").string();
  WorkerPool pool(fake_pool(1, {"--log", log}));
  auto r = check_all(pool, {with_statement(0, "same", "1 = 1", "1 = 1"),
                            with_statement(1, "weakened", "1 = 1 ∧ 2 = 2", "1 = 1"),
                            with_statement(2, "same2", "1 = 1", "1 = 1", "--! error boom\n"),
                            with_statement(3, "same", "1 = 1", "1 = 1")});
  CHECK(r[0].verdict == Verdict::pass);
  CHECK(r[1].verdict == Verdict::rejected);
  CHECK(r[1].decided_by == DecidedBy::statement);
  CHECK(r[2].verdict == Verdict::fail);
  CHECK(r[3].verdict == Verdict::pass);
  auto lines = read_lines(log);
  // The reference is elaborated once per statement and worker, before the candidate runs.
  CHECK(count_containing(lines, ":= sorry") == 3);
  CHECK(count_containing(lines, "type_of%") == 3);  // not asked for the failed proof
}

TEST_CASE("a candidate sent behind a statement that does not elaborate is read and set aside, "
          "and the stream stays in step", "[pool]") {
  TempDir dir;
  auto log = (dir.path() / "requests.log").string();
  WorkerPool pool(fake_pool(1, {"--log", log}));
  CheckRequest bad = proof(0, "bad");
  bad.statement = "theorem bad : True\n--! error unknown identifier 'Nat.foo'\n:= by\n";
  CheckRequest bad_again = bad;
  bad_again.id = 2;
  auto r = check_all(pool, {bad, with_statement(1, "good", "1 = 1", "1 = 1"), bad_again,
                            with_statement(3, "good2", "2 = 2", "2 = 2")});
  CHECK(r[0].verdict == Verdict::error);
  CHECK(r[0].decided_by == DecidedBy::statement);
  CHECK(r[0].reason.find("does not elaborate") != std::string::npos);
  CHECK(r[1].verdict == Verdict::pass);
  CHECK(r[2].verdict == Verdict::error);  // the failure is remembered: no second reference
  CHECK(r[3].verdict == Verdict::pass);
  auto lines = read_lines(log);
  // The candidate went behind its reference before the reference's answer: Lean saw it once.
  CHECK(count_containing(lines, "theorem bad : True") == 1);
  CHECK(count_containing(lines, "Nat.foo") == 1);  // one reference for both requests
  // No process was lost to it: one served every request (started by the worker, or a warm
  // spare taken when the first start was slow on a busy machine).
  CHECK(pool.stats().deaths == 0);
  CHECK(pool.stats().starts + pool.stats().spares_taken == 1);
}

TEST_CASE("a forged answer sequence is caught by the nonce or the env numbering", "[pool]") {
  WorkerPool pool(fake_pool(1));
  // Envs: 0 imports, 1-2 the first proof and its closing request; the second proof prints a
  // clean answer with the right env id (3) and a passing axioms answer (4) ahead of its own.
  std::string forged_check = "--! forge {\"env\": 3}\n";
  std::string forged_axioms =
      "--! forge {\"messages\": [{\"severity\": \"info\", \"pos\": {\"line\": 1, \"column\": 0}, "
      "\"endPos\": {\"line\": 1, \"column\": 6}, \"data\": \"'f1' does not depend on any "
      "axioms\"}], \"env\": 4}\n";
  auto r = check_all(pool, {proof(0, "f0"), proof(1, "f1", forged_check + forged_axioms +
                                                            "--! error the real answer\n"),
                            proof(2, "f2", "--! forge {\"env\": 41}\n"), proof(3, "after")});
  CHECK(r[0].verdict == Verdict::pass);
  CHECK(r[1].verdict == Verdict::rejected);
  CHECK(r[1].decided_by == DecidedBy::nonce);
  CHECK(r[1].reason.find("nonce") != std::string::npos);
  CHECK(r[2].verdict == Verdict::rejected);
  CHECK(r[2].reason.find("env numbering") != std::string::npos);
  CHECK(r[3].verdict == Verdict::pass);
}

TEST_CASE("with kernel replay a pass stands only when the replay accepts it", "[pool]") {
  TempDir dir;
  auto seen = (dir.path() / "module.lean").string();
  auto options = fake_pool(1);
  KernelReplayOptions replay;
  // A stand-in for `lean -o` + `leanchecker`: keeps the module it was given and refuses one
  // that mentions `kernel_refuses`.
  replay.process.argv = {"/bin/sh", "-c",
                         "cat > '" + seen + "'; ! grep -q kernel_refuses '" + seen + "'"};
  replay.timeout = std::chrono::milliseconds(5000);
  options.worker.kernel_replay = replay;
  WorkerPool pool(options);
  auto r = check_all(pool, {proof(0, "accepted", "", "import Init", "open Nat"),
                            proof(1, "kernel_refuses"), proof(2, "failing", "--! error no\n")});
  CHECK(r[0].verdict == Verdict::pass);
  CHECK(r[1].verdict == Verdict::rejected);
  CHECK(r[1].decided_by == DecidedBy::kernel);
  CHECK(r[1].reason.find("kernel replay failed") != std::string::npos);
  CHECK(r[2].verdict == Verdict::fail);  // only passes are replayed
  std::ifstream module(seen);
  std::string text((std::istreambuf_iterator<char>(module)), {});
  CHECK(text.rfind("import Init\n", 0) == 0);  // the last replayed module: imports first
  CHECK(text.find("theorem kernel_refuses") != std::string::npos);
}

TEST_CASE("the replay module holds the imports, the header rest and the checked text",
          "[pool]") {
  CheckRequest r = proof(0, "t", "", "import Mathlib", "open Real");
  CHECK(replay_module_text(r) == "import Mathlib\nopen Real\n" + r.body + "\n");
  r.imports = "";
  r.header_rest = "";
  CHECK(replay_module_text(r) == r.body + "\n");
}

// The Checker seam's scheduling: priority, cancelling a queued request, a budget per request.
TEST_CASE("a higher priority is taken before requests queued earlier", "[pool][checker]") {
  TempDir dir;
  auto log = (dir.path() / "requests.log").string();
  WorkerPool pool(fake_pool(1, {"--log", log}));
  // The first request keeps the only worker busy while the rest queue up behind it.
  pool.submit(proof(0, "busy", "--! sleep 300\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (uint64_t id = 1; id <= 3; ++id) pool.submit(proof(id, fmt::format("batch{}", id)));
  auto urgent = proof(4, "urgent");
  urgent.priority = 10;
  pool.submit(urgent);
  pool.close();
  std::vector<uint64_t> order;
  while (auto r = pool.next_result()) {
    CHECK(r->verdict == Verdict::pass);
    order.push_back(r->id);
  }
  CHECK(order == std::vector<uint64_t>{0, 4, 1, 2, 3});
}

TEST_CASE("a cancelled request is never checked and gets no result", "[pool][checker]") {
  TempDir dir;
  auto log = (dir.path() / "requests.log").string();
  WorkerPool pool(fake_pool(1, {"--log", log}));
  pool.submit(proof(0, "busy", "--! sleep 300\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  pool.submit(proof(1, "gone_away"));
  pool.submit(proof(2, "stays"));
  CHECK(pool.cancel(1));
  CHECK_FALSE(pool.cancel(1));   // already gone
  CHECK_FALSE(pool.cancel(0));   // running: it finishes
  CHECK_FALSE(pool.cancel(99));  // unknown
  pool.close();
  std::vector<uint64_t> ids;
  while (auto r = pool.next_result()) ids.push_back(r->id);
  CHECK(ids == std::vector<uint64_t>{0, 2});
  CHECK(count_containing(read_lines(log), "gone_away") == 0);
}

TEST_CASE("a request's own time budget replaces the worker's timeout", "[pool][checker]") {
  auto options = fake_pool(1);
  options.worker.proof_timeout = std::chrono::milliseconds(5000);
  WorkerPool pool(options);
  auto tight = proof(0, "tight", "--! sleep 2000\n");
  tight.budget.wall = std::chrono::milliseconds(200);
  auto roomy = proof(1, "roomy", "--! sleep 300\n");
  auto start = std::chrono::steady_clock::now();
  auto r = check_all(pool, {tight, roomy});
  CHECK(r[0].verdict == Verdict::timeout);
  CHECK(r[0].reason == "no answer within 200 ms");
  CHECK(r[1].verdict == Verdict::pass);  // the worker's own 5 s
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(4000));
}

TEST_CASE("the pool reads each worker's resident memory and counts the workers busy", "[pool]") {
  WorkerPool pool(fake_pool(2));
  CHECK(pool.stats().workers == 2);
  CHECK(pool.stats().busy == 0);
  // One worker's process grows by 64 MiB, and keeps it.
  pool.submit(proof(0, "big", "--! grow 64\n"));
  auto big = pool.next_result();
  REQUIRE(big);
  REQUIRE(big->verdict == Verdict::pass);
  ResidentMemory memory = pool.resident_memory();
  REQUIRE(memory.workers.size() == 2);
  uint64_t most = std::max(memory.workers[0], memory.workers[1]);
  uint64_t least = std::min(memory.workers[0], memory.workers[1]);
  CHECK(most > 64ull << 20);
  CHECK(least < most);
  CHECK(pool.stats().busy == 0);
  // While a check runs, its worker is busy.
  pool.submit(proof(1, "slow", "--! sleep 800\n"));
  int busy = 0;
  for (int i = 0; i < 50 && busy == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    busy = pool.stats().busy;
  }
  CHECK(busy == 1);
  auto slow = pool.next_result();
  REQUIRE(slow);
  CHECK(pool.stats().busy == 0);
}

TEST_CASE("answers are handed over in batches: one wake-up for all that arrived meanwhile",
          "[pool]") {
  std::atomic<int> hooks{0};
  int takes = 0;  // take_results calls that took something
  size_t taken = 0;
  constexpr size_t kChecks = 8;
  {
    WorkerPool pool(fake_pool(2));
    pool.on_result([&] { ++hooks; });
    for (size_t i = 0; i < kChecks; ++i) pool.submit(proof(i, fmt::format("t{}", i)));
    pool.close();
    // Nothing is taken for a while: the answers pile up behind the first.
    for (int i = 0; i < 500 && hooks == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::vector<CheckResult> results;
    bool drained = false;
    while (!drained) {
      if (pool.take_results(results, std::chrono::milliseconds(1000), drained) > 0) ++takes;
    }
    taken = results.size();
    for (const auto& r : results) CHECK(r.verdict == Verdict::pass);
  }  // the workers have ended: every hook has run
  CHECK(taken == kChecks);
  CHECK(takes < static_cast<int>(kChecks));  // several answers came in one hand-off
  // The hook ran once per hand-off: for the answer that found none waiting, not for the others.
  CHECK(hooks == takes);
}

namespace {

// The text a `--! read-stdin` directive found waiting on the REPL's stdin, from its info.
std::optional<std::string> spied(const CheckResult& result) {
  for (const auto& m : result.messages) {
    if (m.data.rfind("read-stdin:", 0) == 0) return m.data.substr(std::string("read-stdin:").size());
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("a check's successor goes behind its closing request, where no proof can read it",
          "[pool][ahead]") {
  // One worker, every request queued at once: each check's successor is taken as its closing
  // request goes out. Each proof reads what waits on the REPL's stdin while it runs, as a
  // proof spying on the harness would: it must find nothing (no nonce, no other proof).
  WorkerPool pool(fake_pool(1));
  std::vector<CheckRequest> rs;
  for (uint64_t i = 0; i < 24; ++i) {
    std::string name = "spy" + std::to_string(i);
    if (i % 3 == 0) {
      rs.push_back(proof(i, name, "--! read-stdin\n"));  // no statement: no reference
    } else {
      // A statement of its own (a reference sent ahead too), or one already elaborated.
      std::string type = i % 3 == 1 ? fmt::format("{} = {}", i, i) : "1 = 1";
      rs.push_back(with_statement(i, name, type, type, "--! read-stdin\n"));
    }
  }
  rs[5].body += "--! error boom\n";  // a failed proof still gets its closing (the nonce alone)
  auto r = check_all(pool, rs);
  for (uint64_t i = 0; i < r.size(); ++i) {
    INFO("check " << i);
    CHECK(r[i].verdict == (i == 5 ? Verdict::fail : Verdict::pass));
    auto seen = spied(r[i]);
    REQUIRE(seen);
    CHECK(*seen == " ");  // the info's text after "read-stdin:": nothing was waiting
  }
  auto stats = pool.stats();
  CHECK(stats.sent_ahead >= 12);  // most checks went behind their predecessor's closing
  CHECK(processes_used(stats) == 1);
}

TEST_CASE("a process lost with a check sent behind a closing request costs that check no try",
          "[pool][ahead]") {
  // Answers 0-3 (import, a, a's closing, b), then the process dies on b's closing, with c's
  // candidate behind it. b is retried; c was never checked: it is checked afresh, and on the
  // next process it is c's own closing that meets the double's death (one try), then c passes.
  WorkerPool pool(fake_pool(1, {"--die-after", "4"}));
  auto r = check_all(pool, {proof(0, "a"), proof(1, "b"), proof(2, "c")});
  for (auto& x : r) CHECK(x.verdict == Verdict::pass);
  CHECK(r[0].tries == 1);
  CHECK(r[1].tries == 2);
  CHECK(r[2].tries == 2);
  CHECK(pool.stats().deaths >= 2);
}

namespace {

// The scheduling policy of each of this process's threads named `name`.
std::vector<int> policies_of_threads(const std::string& name) {
  std::vector<int> policies;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string line;
    if (!std::getline(comm, line) || line != name) continue;
    policies.push_back(sched_getscheduler(std::stoi(task.path().filename().string())));
  }
  return policies;
}

// Field 41 of a /proc/PID/stat line (proc(5)): the scheduling policy.
int policy_in_stat(const std::string& stat) {
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= 41 && fields >> field; ++i) {
    if (i == 41) return std::stoi(field);
  }
  FAIL("no policy in: " << stat);
  return -1;
}

}  // namespace

TEST_CASE("the pool's workers run as SCHED_BATCH, the REPLs they start as SCHED_OTHER", "[pool]") {
  // A worker woken by the REPL's first answer would preempt it on a busy CPU: as SCHED_BATCH
  // it reads the answers once the REPL waits for input (common/thread_policy.hpp).
  WorkerPool pool(fake_pool(2));
  pool.submit(proof(0, "t", "--! read /proc/self/stat\n"));
  auto r = pool.next_result();
  REQUIRE(r);
  CHECK(r->verdict == Verdict::pass);
  CHECK(policies_of_threads("lean-worker") == std::vector<int>{SCHED_BATCH, SCHED_BATCH});
  const std::string prefix = "read /proc/self/stat: ";
  std::string stat;
  for (const auto& m : r->messages) {
    if (m.data.rfind(prefix, 0) == 0) stat = m.data.substr(prefix.size());
  }
  REQUIRE_FALSE(stat.empty());
  CHECK(policy_in_stat(stat) == SCHED_OTHER);
  pool.close();
}

// The library layer (CheckRequest::library, issue 15) against the REPL double: the kept lemmas
// are elaborated once per worker process on top of the header's env, the reference and the
// candidate run on that env, and a layer Lean refuses makes every check on it an `error`.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "lean-bridge/kernel_replay.hpp"
#include "lean-bridge/worker.hpp"
#include "lean-bridge/worker_pool.hpp"
#include "tests/lean-bridge/pool_fixture.hpp"

using namespace lean_bridge;
using namespace pool_test;

namespace {

const std::string kLemma = "theorem lib_0123456789ab : True := trivial\n\n";
const std::string kOtherLemma = "theorem lib_ba9876543210 : True := trivial\n\n";

LibraryLayer layer(std::string version, std::string text) {
  return LibraryLayer{std::move(version), std::make_shared<const std::string>(std::move(text))};
}

// A candidate whose text only elaborates where the lemma is declared: the double answers
// `#print axioms` of an unknown name with Lean's `unknown constant` error.
CheckRequest using_lemma(uint64_t id, const std::string& name, LibraryLayer library,
                         const std::string& lemma = "lib_0123456789ab") {
  CheckRequest r = proof(id, name);
  r.statement = "theorem " + name + " : True := by\n";
  r.body =
      "theorem " + name + " : True := by\n  exact " + lemma + "\n#print axioms " + lemma + "\n";
  r.library = std::move(library);
  return r;
}

}  // namespace

TEST_CASE("a library layer is elaborated once per worker process for many checks",
          "[worker][library]") {
  TempDir dir;
  auto log = (dir.path() / "requests.log").string();
  WorkerPool pool(fake_pool(1, {"--log", log}));
  auto library = layer("library-v1:aaaa", kLemma);
  std::vector<CheckRequest> rs;
  for (uint64_t i = 0; i < 8; ++i) rs.push_back(using_lemma(i, "u" + std::to_string(i), library));
  auto r = check_all(pool, rs);
  for (auto& x : r) CHECK(x.verdict == Verdict::pass);
  auto lines = read_lines(log);
  CHECK(count_containing(lines, "theorem lib_0123456789ab") == 1);
  // The layer goes on the import env (0) and is env 1; each reference goes on env 1.
  for (const auto& line : lines) {
    if (line.find("theorem lib_0123456789ab") != std::string::npos) {
      CHECK(line.find("\"env\":0") != std::string::npos);
    }
    if (line.find(":= sorry") != std::string::npos)
      CHECK(line.find("\"env\":1") != std::string::npos);
  }
  CHECK(processes_used(pool.stats()) == 1);
}

TEST_CASE("a candidate sees the layer's lemmas, and without the layer it does not",
          "[worker][library]") {
  WorkerPool pool(fake_pool(1));
  auto without = using_lemma(1, "bare", LibraryLayer{});
  auto r =
      check_all(pool, {using_lemma(0, "with_lemma", layer("library-v1:aaaa", kLemma)), without});
  CHECK(r[0].verdict == Verdict::pass);
  CHECK(r[1].verdict == Verdict::fail);
  CHECK(r[1].reason.find("unknown constant") != std::string::npos);
}

TEST_CASE("two library versions give two layers on the same header", "[worker][library]") {
  TempDir dir;
  auto log = (dir.path() / "requests.log").string();
  WorkerPool pool(fake_pool(1, {"--log", log}));
  auto first = layer("library-v1:aaaa", kLemma);
  auto second = layer("library-v1:bbbb", kLemma + kOtherLemma);
  std::vector<CheckRequest> rs;
  for (uint64_t i = 0; i < 6; ++i) {
    rs.push_back(i % 2 ? using_lemma(i, "v" + std::to_string(i), second, "lib_ba9876543210")
                       : using_lemma(i, "v" + std::to_string(i), first));
  }
  // The first version does not hold the second's lemma.
  rs.push_back(using_lemma(6, "missing", first, "lib_ba9876543210"));
  rs.push_back(using_lemma(7, "v0", second, "lib_ba9876543210"));  // v0's statement again
  auto r = check_all(pool, rs);
  for (uint64_t i = 0; i < 6; ++i) CHECK(r[i].verdict == Verdict::pass);
  CHECK(r[6].verdict == Verdict::fail);
  CHECK(r[7].verdict == Verdict::pass);
  auto lines = read_lines(log);
  CHECK(count_containing(lines, "theorem lib_0123456789ab") == 2);  // once in each layer
  CHECK(count_containing(lines, "theorem lib_ba9876543210") == 1);
  // A reference per (layer, statement): the same statement on two layers is two references.
  CHECK(count_containing(lines, ":= sorry") == 8);
}

TEST_CASE("a layer Lean answers with an error makes every check on it an error, never a pass",
          "[worker][library]") {
  TempDir dir;
  auto log = (dir.path() / "requests.log").string();
  WorkerPool pool(fake_pool(1, {"--log", log}));
  auto broken =
      layer("library-v1:cccc", "theorem lib_0123456789ab : True := by\n  --! error boom\n\n");
  auto r = check_all(
      pool, {using_lemma(0, "a", broken), using_lemma(1, "b", broken), proof(2, "no_library")});
  for (int i = 0; i < 2; ++i) {
    CHECK(r[i].verdict == Verdict::error);
    CHECK(r[i].decided_by == DecidedBy::worker);
    CHECK(r[i].reason == "library: boom");
  }
  CHECK(r[2].verdict == Verdict::pass);
  auto lines = read_lines(log);
  CHECK(count_containing(lines, "--! error boom") == 1);          // the failure is remembered
  CHECK(count_containing(lines, "exact lib_0123456789ab") == 0);  // no candidate went to Lean
  CHECK_FALSE(pool.fatal_error());
}

TEST_CASE("a layer with a sorry is refused like one with an error", "[worker][library]") {
  WorkerPool pool(fake_pool(1));
  auto sorried = layer("library-v1:dddd", "theorem lib_0123456789ab : True := sorry\n\n");
  auto r = check_all(pool, {using_lemma(0, "a", sorried), using_lemma(1, "b", sorried)});
  for (int i = 0; i < 2; ++i) {
    CHECK(r[i].verdict == Verdict::error);
    CHECK(r[i].reason.rfind("library: ", 0) == 0);
    CHECK(r[i].reason.find("sorry") != std::string::npos);
  }
}

TEST_CASE("layers count toward the header environments that make a process due for recycling",
          "[worker][library]") {
  auto options = fake_pool(1).worker;
  options.header_envs = 2;
  Worker worker(options);
  auto check = [&](uint64_t id, const std::string& version) {
    auto outcome = worker.check(using_lemma(id, "h" + std::to_string(id), layer(version, kLemma)));
    REQUIRE(std::holds_alternative<CheckResult>(outcome));
    CHECK(std::get<CheckResult>(outcome).verdict == Verdict::pass);
  };
  check(0, "library-v1:1111");
  worker.recycle_if_due();
  uint64_t before = worker.generation();
  check(1, "library-v1:2222");  // a second layer: two envs on top of the imports
  worker.recycle_if_due();
  CHECK(worker.generation() != before);
  CHECK(worker.counters().recycles == 1);
}

TEST_CASE("open_proof opens the statement on the layer's env, and refuses on a broken layer",
          "[worker][library][tactics]") {
  TempDir dir;
  auto log = (dir.path() / "requests.log").string();
  Worker worker(fake_pool(1, {"--log", log}).worker);
  ProofStart start{"import Init", "", "theorem t : True := by\n", layer("library-v1:aaaa", kLemma)};
  const std::chrono::milliseconds timeout(5000);
  for (int i = 0; i < 2; ++i) {
    auto opened = worker.open_proof(start, timeout);
    REQUIRE(std::holds_alternative<ProofState>(opened));
  }
  auto lines = read_lines(log);
  CHECK(count_containing(lines, "theorem lib_0123456789ab") == 1);
  for (const auto& line : lines) {
    if (line.find("theorem t : True") != std::string::npos) {
      CHECK(line.find("\"env\":1") != std::string::npos);
    }
  }
  start.library =
      layer("library-v1:eeee", "theorem lib_0123456789ab : True := by\n  --! error boom\n");
  auto refused = worker.open_proof(start, timeout);
  REQUIRE(std::holds_alternative<CheckResult>(refused));
  CHECK(std::get<CheckResult>(refused).verdict == Verdict::error);
  CHECK(std::get<CheckResult>(refused).reason == "library: boom");
}

TEST_CASE("the kernel replay's module holds the library layer between header and text",
          "[worker][library]") {
  CheckRequest r = proof(0, "k");
  r.imports = "import Init";
  r.header_rest = "open Nat";
  r.library = layer("library-v1:aaaa", kLemma);
  CHECK(replay_module_text(r) == "import Init\nopen Nat\n" + kLemma + "\n" + r.body + "\n");
}

TEST_CASE("a layer's time never counts against a proof's timeout", "[worker][library]") {
  auto options = fake_pool(1);
  options.worker.proof_timeout = std::chrono::milliseconds(400);
  WorkerPool pool(options);
  auto slow = layer("library-v1:ffff",
                    "theorem lib_0123456789ab : True := by\n  --! sleep 700\n  trivial\n\n");
  auto r = check_all(pool, {using_lemma(0, "after_slow_layer", slow)});
  CHECK(r[0].verdict == Verdict::pass);
  CHECK(r[0].elapsed_ms < 400);
}

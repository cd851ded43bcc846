// Tactic mode of the Worker against the REPL double: opening a statement's proof state and
// running tactics on it.
#include <catch2/catch.hpp>

#include "lean-bridge/worker.hpp"
#include "tests/lean-bridge/pool_fixture.hpp"

namespace {

using lean_bridge::ProofState;
using lean_bridge::TacticStep;
using Status = lean_bridge::TacticStep::Status;

const std::chrono::milliseconds kTimeout(5000);

ProofState open_root(lean_bridge::Worker& worker, const std::string& statement) {
  auto opened = worker.open_proof({"import Init", "", statement}, kTimeout);
  REQUIRE(std::holds_alternative<ProofState>(opened));
  return std::get<ProofState>(opened);
}

TacticStep step(lean_bridge::Worker& worker, const ProofState& state, const std::string& tactic) {
  auto outcome = worker.run_tactic(state, tactic, kTimeout);
  REQUIRE(std::holds_alternative<TacticStep>(outcome));
  return std::get<TacticStep>(outcome);
}

}  // namespace

TEST_CASE("open_proof elaborates the statement with sorry and returns its proof state",
          "[worker][tactics]") {
  lean_bridge::Worker worker(pool_test::fake_pool(1).worker);
  ProofState root = open_root(worker, "theorem t (x : Nat) : x = x := by\n");
  CHECK(root.goals.size() == 1);
  CHECK(root.generation == worker.generation());
  // A second proof opens a new state on the same process, after the first one's.
  ProofState again = open_root(worker, "theorem u : True := by\n");
  CHECK(again.id > root.id);
  CHECK(again.generation == root.generation);
}

TEST_CASE("tactic answers: completed, open goals, Lean's error, a sorry", "[worker][tactics]") {
  lean_bridge::Worker worker(pool_test::fake_pool(1).worker);
  ProofState root = open_root(worker, "theorem t : True := by\n");

  TacticStep done = step(worker, root, "trivial");
  CHECK(done.status == Status::completed);
  CHECK(done.state.goals.empty());

  TacticStep open = step(worker, root, "intro h");
  CHECK(open.status == Status::progress);
  CHECK(open.state.goals == std::vector<std::string>{"⊢ True"});
  CHECK(open.state.id > done.state.id);
  // States stay usable: a tactic on the child state.
  CHECK(step(worker, open.state, "rfl").status == Status::completed);

  TacticStep failed = step(worker, root, "fail \"nope\"");
  CHECK(failed.status == Status::failed);
  CHECK(failed.reason.find("nope") != std::string::npos);

  TacticStep sorry = step(worker, root, "exact sorry");
  CHECK(sorry.status == Status::failed);
}

TEST_CASE("a state of a replaced process is refused, and a new generation starts",
          "[worker][tactics]") {
  lean_bridge::Worker worker(pool_test::fake_pool(1).worker);
  ProofState root = open_root(worker, "theorem t : True := by\n");
  worker.stop();
  auto outcome = worker.run_tactic(root, "trivial", kTimeout);
  REQUIRE(std::holds_alternative<lean_bridge::InfraFailure>(outcome));
  ProofState fresh = open_root(worker, "theorem t : True := by\n");
  CHECK(fresh.generation != root.generation);
  CHECK(step(worker, fresh, "trivial").status == Status::completed);
}

TEST_CASE("a statement Lean refuses cannot be searched: error, decided by the statement",
          "[worker][tactics]") {
  lean_bridge::Worker worker(pool_test::fake_pool(1).worker);
  auto opened = worker.open_proof({"import Init", "", "theorem t : True := by\n  --! error boom\n"},
                                  kTimeout);
  REQUIRE(std::holds_alternative<lean_bridge::CheckResult>(opened));
  const auto& result = std::get<lean_bridge::CheckResult>(opened);
  CHECK(result.verdict == lean_bridge::Verdict::error);
  CHECK(result.decided_by == lean_bridge::DecidedBy::statement);
  CHECK(result.reason.find("boom") != std::string::npos);
}

TEST_CASE("a REPL that cannot start gives an infrastructure failure, not a verdict",
          "[worker][tactics]") {
  auto options = pool_test::fake_pool(1, {"--crash-on-import"}).worker;
  lean_bridge::Worker worker(options);
  auto opened = worker.open_proof({"import Init", "", "theorem t : True := by\n"}, kTimeout);
  REQUIRE(std::holds_alternative<lean_bridge::InfraFailure>(opened));
  CHECK(std::get<lean_bridge::InfraFailure>(opened).during_start);
}

TEST_CASE("check() still works on a process that ran tactics", "[worker][tactics]") {
  lean_bridge::Worker worker(pool_test::fake_pool(1).worker);
  ProofState root = open_root(worker, "theorem t : True := by\n");
  step(worker, root, "intro h");
  step(worker, root, "fail");
  auto outcome = worker.check(pool_test::proof(1, "p"));
  REQUIRE(std::holds_alternative<lean_bridge::CheckResult>(outcome));
  CHECK(std::get<lean_bridge::CheckResult>(outcome).verdict == lean_bridge::Verdict::pass);
}

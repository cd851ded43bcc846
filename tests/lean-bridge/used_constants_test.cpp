// The constants Lean reports for a proof's tactics ("allTactics": usedConstants), read from
// a recorded answer and asked of the REPL double through a worker.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "lean-bridge/repl_answer.hpp"
#include "lean-bridge/worker.hpp"
#include "tests/lean-bridge/pool_fixture.hpp"

namespace {

lean_bridge::CommandAnswer command_answer(const std::string& frame) {
  auto parsed = lean_bridge::parse_answer(frame);
  REQUIRE(parsed.answer);
  REQUIRE(std::holds_alternative<lean_bridge::CommandAnswer>(*parsed.answer));
  return std::get<lean_bridge::CommandAnswer>(*parsed.answer);
}

}  // namespace

TEST_CASE("used constants are read from the recorded allTactics answer", "[used-constants]") {
  std::ifstream in(std::string(HARNESS_SHARED_DIR) +
                   "/lean-repl-transcripts/core/all_tactics-20250622.expected.out");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  std::string first = all.substr(0, all.find("\n\n"));  // the command's answer
  auto used = lean_bridge::used_constants(command_answer(first));
  REQUIRE(used);
  CHECK(used->empty());  // `exact hp` uses no constant
}

TEST_CASE("used constants: union sorted without duplicates, nothing when not asked or unreadable",
          "[used-constants]") {
  auto used = lean_bridge::used_constants(command_answer(
      R"({"tactics": [{"usedConstants": ["Nat.add_comm", "Eq.refl"], "tactic": "a"},)"
      R"( {"usedConstants": ["Eq.refl"], "tactic": "b"}], "env": 3})"));
  REQUIRE(used);
  CHECK(*used == std::vector<std::string>{"Eq.refl", "Nat.add_comm"});
  CHECK_FALSE(lean_bridge::used_constants(command_answer(R"({"env": 3})")));
  CHECK_FALSE(lean_bridge::used_constants(
      command_answer(R"({"tactics": [{"usedConstants": [1]}], "env": 3})")));
}

TEST_CASE("a check that asks for used constants gets them from the REPL", "[used-constants]") {
  lean_bridge::Worker worker(pool_test::fake_pool(1).worker);
  auto request = pool_test::proof(1, "t");
  request.body = "theorem t (a b : Nat) : a + b = b + a := by\n  exact Nat.add_comm a b\n";
  request.used_constants = true;
  auto outcome = worker.check(request);
  REQUIRE(std::holds_alternative<lean_bridge::CheckResult>(outcome));
  const auto& result = std::get<lean_bridge::CheckResult>(outcome);
  CHECK(result.verdict == lean_bridge::Verdict::pass);
  REQUIRE(result.used_constants);
  CHECK(*result.used_constants == std::vector<std::string>{"Nat.add_comm"});
  // Not asked: nothing, and the request carries no allTactics.
  request.used_constants = false;
  auto plain = std::get<lean_bridge::CheckResult>(worker.check(request));
  CHECK_FALSE(plain.used_constants);
}

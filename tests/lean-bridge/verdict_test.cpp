#include "lean-bridge/verdict.hpp"

#include <catch2/catch.hpp>

using namespace lean_bridge;

namespace {

CommandAnswer answer_with(std::vector<std::pair<std::string, std::string>> messages,
                          std::optional<int64_t> env = 1) {
  CommandAnswer a;
  a.env = env;
  for (auto& [severity, data] : messages) a.messages.push_back(Message{severity, {}, {}, data, ""});
  return a;
}

}  // namespace

TEST_CASE("verdict names are the shared vocabulary", "[verdict]") {
  CHECK(to_string(Verdict::pass) == "pass");
  CHECK(to_string(Verdict::invalid) == "invalid");
  CHECK(to_string(DecidedBy::axioms) == "axioms");
  CHECK(parse_verdict("timeout") == Verdict::timeout);
  CHECK_FALSE(parse_verdict("passed"));
}

TEST_CASE("an error message fails the proof whatever else is there", "[verdict]") {
  auto a = answer_with({{"warning", "unused variable"}, {"error", "unsolved goals"}});
  a.sorries.push_back(Sorry{});
  auto j = judge_check(a);
  REQUIRE(j);
  CHECK(j->verdict == Verdict::fail);
  CHECK(j->decided_by == DecidedBy::lean);
  CHECK(j->reason == "unsolved goals");
}

TEST_CASE("sorries make a proof incomplete whatever the warning's wording", "[verdict]") {
  auto a = answer_with({{"warning", "some other wording entirely"}});
  a.sorries.push_back(Sorry{});
  auto j = judge_check(a);
  REQUIRE(j);
  CHECK(j->verdict == Verdict::incomplete);
}

TEST_CASE("a clean answer goes on to the axioms and one without env fails closed", "[verdict]") {
  CHECK_FALSE(judge_check(answer_with({{"info", "Try this: simp"}})));
  auto j = judge_check(answer_with({}, std::nullopt));
  REQUIRE(j);
  CHECK(j->verdict == Verdict::rejected);
}

TEST_CASE("#print axioms answers are read strictly", "[verdict]") {
  auto read = [](std::string data, std::string target = "foo") {
    return read_axioms(answer_with({{"info", data}}), target);
  };
  CHECK(read("'foo' depends on axioms: [propext, Classical.choice, Quot.sound]").axioms ==
        std::vector<std::string>{"propext", "Classical.choice", "Quot.sound"});
  CHECK(read("'foo' does not depend on any axioms").axioms == std::vector<std::string>{});
  CHECK(read("'Ns.h₀'' depends on axioms: [propext,\n  sorryAx]", "Ns.h₀'").axioms ==
        std::vector<std::string>{"propext", "sorryAx"});
  CHECK(read("'«my thm»' depends on axioms: [propext]", "«my thm»").axioms.has_value());
  // Another declaration's answer, a different wording, or garbage: never a pass.
  CHECK_FALSE(read("'bar' depends on axioms: [propext]").axioms);
  CHECK_FALSE(read("'foo' uses axioms: [propext]").axioms);
  CHECK_FALSE(read("'foo' depends on axioms: propext").axioms);
  CHECK_FALSE(read("'foo' depends on axioms: [propext, ]").axioms);
  CHECK_FALSE(read_axioms(answer_with({}), "foo").axioms);
  CHECK_FALSE(read_axioms(answer_with({{"error", "unknown constant 'foo'"}}), "foo").axioms);
  auto twice = answer_with({{"info", "'foo' does not depend on any axioms"},
                            {"info", "'foo' does not depend on any axioms"}});
  CHECK(read_axioms(twice, "foo").problem == "more than one axioms answer");
}

TEST_CASE("axioms decide pass, incomplete or rejected", "[verdict]") {
  CHECK(judge_axioms({}).verdict == Verdict::pass);
  CHECK(judge_axioms({"propext", "Classical.choice", "Quot.sound"}).verdict == Verdict::pass);
  CHECK(judge_axioms({"propext", "sorryAx"}).verdict == Verdict::incomplete);
  auto native = judge_axioms({"propext", "Lean.ofReduceBool", "Lean.trustCompiler"});
  CHECK(native.verdict == Verdict::rejected);
  CHECK(native.decided_by == DecidedBy::axioms);
  CHECK(native.reason == "non-standard axioms: Lean.ofReduceBool, Lean.trustCompiler");
  CHECK(judge_axioms({"sorryAx", "myAxiom"}).verdict == Verdict::rejected);
}

TEST_CASE("heartbeats is a decided_by of its own, with a name that reads back", "[verdict]") {
  CHECK(to_string(DecidedBy::heartbeats) == "heartbeats");
  CHECK(parse_decided_by("heartbeats") == DecidedBy::heartbeats);
  CHECK(to_string(DecidedBy::timeout) == "timeout");
  CHECK(parse_decided_by("kernel") == DecidedBy::kernel);
}

TEST_CASE("Lean's heartbeat error is recognised in every wording and nesting", "[verdict]") {
  // Recent Lean (CoreM.lean, throwMaxHeartbeat), older Lean, and a tactic nesting it.
  const char* recent =
      "(deterministic) timeout at `whnf`, maximum number of heartbeats (200000) has been "
      "reached\nUse `set_option maxHeartbeats <num>` to set the limit.\n\nNote: Additional "
      "diagnostic information may be available using the `set_option diagnostics true` command.";
  const char* older =
      "(deterministic) timeout at 'whnf', maximum number of heartbeats (200000) has been reached "
      "(use 'set_option maxHeartbeats <num>' to set the limit)";
  const char* synth =
      "Tactic `simp` failed with a nested error:\n(deterministic) timeout at `isDefEq`, maximum "
      "number of heartbeats (20000) has been reached\nUse `set_option synthInstance.maxHeartbeats "
      "<num>` to set the limit.";
  for (const char* text : {recent, older, synth}) {
    INFO(text);
    CHECK(is_heartbeat_error(text));
    auto a = answer_with({{"warning", "unused variable"}, {"error", text}});
    auto j = judge_heartbeats(a.messages);
    REQUIRE(j);
    CHECK(j->verdict == Verdict::timeout);
    CHECK(j->decided_by == DecidedBy::heartbeats);
    CHECK(j->reason.starts_with("Lean's heartbeat limit: (deterministic) timeout at "));
    CHECK(j->reason.find('\n') == std::string::npos);
  }
  CHECK(judge_heartbeats(answer_with({{"error", synth}}).messages)->reason ==
        "Lean's heartbeat limit: (deterministic) timeout at `isDefEq`, maximum number of "
        "heartbeats (20000) has been reached");
  // Not an error, or not that error: nothing.
  CHECK_FALSE(judge_heartbeats(answer_with({{"info", recent}}).messages));
  CHECK_FALSE(
      judge_heartbeats(answer_with({{"error", "maximum recursion depth has been reached"}}).messages));
  CHECK_FALSE(judge_heartbeats(answer_with({{"error", "(deterministic) timeout"}}).messages));
  CHECK_FALSE(is_heartbeat_error("maximum number of heartbeats"));
}

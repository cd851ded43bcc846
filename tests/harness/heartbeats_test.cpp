// Heartbeat budgets (harness/heartbeats.hpp): the limit a check runs under (the header's own,
// capped at the budget), the line that applies it at the end of the header's rest, the capping
// of a candidate's own `set_option maxHeartbeats` on the lexer's tokens, and what
// harness::assemble makes of them.
#include "harness/heartbeats.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "harness/assembly.hpp"

using namespace harness;

namespace {

// The lines of a text (a trailing newline gives a last empty line).
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out(1);
  for (char c : text) {
    if (c == '\n') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

const lean_bridge::Guard& guard() {
  static const lean_bridge::Guard g = lean_bridge::Guard::with_default_rules();
  return g;
}

tasks::Candidate continuation(const std::string& header, const std::string& proof) {
  auto task = tasks::make_task("t", "", header, "theorem t : True := by\n");
  return {1, "t", task, tasks::ProofForm::continuation, proof};
}

const std::string kMiniF2F =
    "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\n"
    "open BigOperators Real Nat Topology Rat\n";

}  // namespace

TEST_CASE("the limit is the header's own maxHeartbeats capped at the budget", "[heartbeats]") {
  CHECK(effective_heartbeats("import Mathlib\nopen Real\n", 400000) == 400000);
  CHECK(effective_heartbeats("set_option maxHeartbeats 100000\n", 400000) == 100000);
  CHECK(effective_heartbeats("set_option maxHeartbeats 1000000\n", 400000) == 400000);
  // 0 is "no limit" for Lean; inside the harness it means the budget.
  CHECK(effective_heartbeats("import Mathlib\nset_option maxHeartbeats 0\n", 400000) == 400000);
  CHECK(effective_heartbeats("set_option maxHeartbeats 0\n", 50) == 50);
  // The last top-level one counts; an `in` form scopes one command and does not.
  CHECK(effective_heartbeats("set_option maxHeartbeats 100\nset_option maxHeartbeats 300\n",
                             1000) == 300);
  CHECK(effective_heartbeats("set_option maxHeartbeats 300\nset_option maxHeartbeats 100 in\n"
                             "def x := 1\n",
                             1000) == 300);
  // Comments and strings are not options.
  CHECK(effective_heartbeats("-- set_option maxHeartbeats 100\n/- set_option maxHeartbeats 10 -/\n"
                             "def s := \"set_option maxHeartbeats 7\"\n",
                             1000) == 1000);
  CHECK(effective_heartbeats("set_option maxHeartbeats 0x64\n", 1000) == 100);
  CHECK(effective_heartbeats("set_option maxHeartbeats 99999999999999999999999999\n", 1000) ==
        1000);
  CHECK(header_max_heartbeats("set_option synthInstance.maxHeartbeats 5\n") == std::nullopt);
}

TEST_CASE("the limit ends the header's rest on a line of its own", "[heartbeats]") {
  CHECK(with_heartbeat_limit("", 400000) == "set_option maxHeartbeats 400000\n");
  CHECK(with_heartbeat_limit("open Real", 7) == "open Real\nset_option maxHeartbeats 7\n");
  CHECK(with_heartbeat_limit("open Real\n", 7) == "open Real\nset_option maxHeartbeats 7\n");
  CHECK(with_heartbeat_limit("open Real\n-- a comment", 7) ==
        "open Real\n-- a comment\nset_option maxHeartbeats 7\n");
}

TEST_CASE("a candidate's own maxHeartbeats above the limit is capped in place", "[heartbeats]") {
  std::string proof = "  set_option maxHeartbeats 10000000 in\n  nlinarith [sq_nonneg x]\n";
  std::string capped = cap_heartbeats(proof, 400000);
  CHECK(capped == "  set_option maxHeartbeats 400000   in\n  nlinarith [sq_nonneg x]\n");
  // Lines and columns stay: every line keeps its length.
  auto before = lines_of(proof);
  auto after = lines_of(capped);
  REQUIRE(before.size() == after.size());
  for (size_t i = 0; i < before.size(); ++i) CHECK(before[i].size() == after[i].size());
  // 0 ("no limit") becomes the limit: the line grows, the lines do not move.
  CHECK(cap_heartbeats("set_option maxHeartbeats 0 in\n  simp\n", 400000) ==
        "set_option maxHeartbeats 400000 in\n  simp\n");
  // At or below the limit: untouched, as written.
  CHECK(cap_heartbeats("  set_option maxHeartbeats 200_000 in simp\n", 400000) ==
        "  set_option maxHeartbeats 200_000 in simp\n");
  CHECK(cap_heartbeats("set_option maxHeartbeats 400000\n", 400000) ==
        "set_option maxHeartbeats 400000\n");
  // Other numerals, by value.
  CHECK(cap_heartbeats("set_option maxHeartbeats 0xFFFFFFFF in", 400000) ==
        "set_option maxHeartbeats 400000     in");
  CHECK(cap_heartbeats("set_option maxHeartbeats 1_000_000 in", 400000) ==
        "set_option maxHeartbeats 400000    in");
  CHECK(cap_heartbeats("set_option «maxHeartbeats» 500000 in", 400000) ==
        "set_option «maxHeartbeats» 400000 in");
  // A comment between the tokens is skipped, and kept.
  CHECK(cap_heartbeats("set_option /- budget -/ maxHeartbeats 9000000 in", 400000) ==
        "set_option /- budget -/ maxHeartbeats 400000  in");
  // Every occurrence.
  CHECK(cap_heartbeats("set_option maxHeartbeats 500000\nset_option maxHeartbeats 600000 in\n",
                       400000) ==
        "set_option maxHeartbeats 400000\nset_option maxHeartbeats 400000 in\n");
}

TEST_CASE("capping leaves comments, strings, other options and non-numerals alone",
          "[heartbeats]") {
  for (std::string text : {
           std::string("  -- set_option maxHeartbeats 10000000 in\n  simp\n"),
           std::string("  /- set_option maxHeartbeats 0 in -/ simp\n"),
           std::string("  have s := \"set_option maxHeartbeats 10000000 in\"\n"),
           std::string("  set_option synthInstance.maxHeartbeats 10000000 in simp\n"),
           std::string("  set_option maxRecDepth 10000000 in simp\n"),
           std::string("  set_option maxHeartbeats true in simp\n"),
           std::string("  set_option maxHeartbeats 2.5e9 in simp\n"),
           std::string("  exact maxHeartbeats 10000000\n"),
       }) {
    INFO(text);
    CHECK(cap_heartbeats(text, 400000) == text);
  }
}

TEST_CASE("assembly applies the limit to the header's rest, the proof and the statement",
          "[heartbeats]") {
  auto c = continuation(kMiniF2F, "  set_option maxHeartbeats 1000000 in\n  simp\n");
  auto a = assemble(c, guard(), 400000);
  REQUIRE_FALSE(a.early);
  CHECK(a.request.imports == "import Mathlib\nimport Aesop");
  CHECK(a.request.header_rest ==
        "set_option maxHeartbeats 400000\n\nopen BigOperators Real Nat Topology Rat\n"
        "set_option maxHeartbeats 400000\n");
  CHECK(a.request.body ==
        "theorem t : True := by\n  set_option maxHeartbeats 400000  in\n  simp\n");

  // A smaller budget caps the header's own 400000, and the header texts differ, so a worker
  // keeps one environment per limit.
  auto small = assemble(c, guard(), 1000);
  CHECK(small.request.header_rest.ends_with("\nset_option maxHeartbeats 1000\n"));
  CHECK(small.request.header_rest != a.request.header_rest);
  CHECK(small.request.body ==
        "theorem t : True := by\n  set_option maxHeartbeats 1000    in\n  simp\n");

  // A header with a smaller limit keeps it, and the candidate is capped at it.
  auto own = assemble(continuation("set_option maxHeartbeats 200000\n",
                                   "  set_option maxHeartbeats 300000 in\n  simp\n"),
                      guard(), 400000);
  CHECK(own.request.header_rest ==
        "set_option maxHeartbeats 200000\nset_option maxHeartbeats 200000\n");
  CHECK(own.request.body ==
        "theorem t : True := by\n  set_option maxHeartbeats 200000 in\n  simp\n");

  // A header without imports or rest still gets the line.
  auto bare = assemble(continuation("", "  simp\n"), guard(), 400000);
  CHECK(bare.request.header_rest == "set_option maxHeartbeats 400000\n");

  // The statement is capped too (a user's statement may carry its own `in` form).
  auto task =
      tasks::make_task("t", "", "", "set_option maxHeartbeats 0 in\ntheorem t : True := by\n");
  auto stated = assemble({1, "t", task, tasks::ProofForm::continuation, "  simp\n"}, guard(), 50);
  CHECK(stated.request.statement == "set_option maxHeartbeats 50 in\ntheorem t : True := by\n");
}

TEST_CASE("a whole file's command-level maxHeartbeats is capped, its lines unmoved",
          "[heartbeats]") {
  // miniF2F's header sets maxHeartbeats 0, so a file may repeat it (docs/guard.md).
  const std::string header =
      "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 0\n\nopen BigOperators Real Nat "
      "Topology Rat\n";
  auto task = tasks::make_task("t", "", header, "theorem t : True := by\n");
  std::string file =
      "import Mathlib\nimport Aesop\nset_option maxHeartbeats 0\n\ntheorem t : True := by\n"
      "  set_option maxHeartbeats 99999999 in\n  trivial\n";
  auto a = assemble({1, "t", task, tasks::ProofForm::whole_text, file}, guard(), 400000);
  REQUIRE_FALSE(a.early);
  CHECK(a.request.header_rest == "set_option maxHeartbeats 400000\n");
  CHECK(a.request.body ==
        "set_option maxHeartbeats 400000\n\ntheorem t : True := by\n"
        "  set_option maxHeartbeats 400000   in\n  trivial\n");
  CHECK(a.request.line_offset == 2);
  CHECK(lines_of(a.request.body).size() == lines_of(file).size() - 2);
}

TEST_CASE("the guard judges the text as written, before any capping", "[heartbeats]") {
  // `maxHeartbeats 0` in a proof is refused unless the task header sets it.
  auto refused =
      assemble(continuation("import Mathlib\n", "  set_option maxHeartbeats 0 in\n  simp\n"),
               guard(), 400000);
  REQUIRE(refused.early);
  CHECK(refused.early->decided_by == lean_bridge::DecidedBy::guard);
  CHECK(refused.early->reason.find("maxHeartbeats 0") != std::string::npos);
  // With miniF2F's header (which sets 0), the same proof is checked, capped at the budget.
  auto allowed = assemble(continuation("import Mathlib\nset_option maxHeartbeats 0\n",
                                       "  set_option maxHeartbeats 0 in\n  simp\n"),
                          guard(), 400000);
  REQUIRE_FALSE(allowed.early);
  CHECK(allowed.request.body.find("set_option maxHeartbeats 400000 in") != std::string::npos);
}

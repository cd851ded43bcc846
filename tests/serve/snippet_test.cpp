// How a client's code becomes a candidate (serve/snippet.hpp), and that the guard and the
// assembly then take it as `score` would.
#include "serve/snippet.hpp"

#include <catch2/catch.hpp>

#include "harness/assembly.hpp"
#include "lean-bridge/guard.hpp"

using namespace serve;

namespace {

const lean_bridge::Guard& guard() {
  static lean_bridge::Guard g = lean_bridge::Guard::with_default_rules();
  return g;
}

std::optional<harness::EarlyVerdict> early(const tasks::Candidate& c) {
  return harness::assemble(c, guard(), 400000).early;
}

}  // namespace

TEST_CASE("snippet: the header is the leading import, open and set_option lines",
          "[serve][snippet]") {
  CHECK(header_of("import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n"
                  "open Real Nat\n-- a note\ntheorem t : True := trivial\n") ==
        "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\nopen Real Nat\n-- a note\n");
  // `open ... in` belongs to the declaration after it.
  CHECK(header_of("import Mathlib\nopen Real in\ntheorem t : True := trivial\n") ==
        "import Mathlib\n");
  CHECK(header_of("theorem t : True := trivial") == "");
}

TEST_CASE("snippet: code that names no known task is judged on what it is, with no reward",
          "[serve][snippet]") {
  std::string code = "import Mathlib\nopen Real\n\ntheorem free : True := trivial\n";
  auto s = candidate_for(code, nullptr);
  CHECK_FALSE(s.known_task);
  CHECK(s.candidate.form == tasks::ProofForm::whole_text);
  CHECK(s.candidate.proof == code);
  CHECK(s.candidate.task.header == "import Mathlib\nopen Real\n\n");
  CHECK(s.candidate.task.statement.empty());
  CHECK(s.candidate.header_source == tasks::TextSource::line);
  CHECK(s.candidate.name == "free");
  // The guard reads the client's header, and the file repeats it: nothing refused.
  CHECK_FALSE(early(s.candidate));
  // A header the guard refuses is refused, as for an input line's own header.
  auto hostile = candidate_for("import Mathlib\nset_option debug.skipKernelTC true\n"
                               "theorem t : False := sorry\n", nullptr);
  auto refusal = early(hostile.candidate);
  REQUIRE(refusal);
  CHECK(refusal->verdict == lean_bridge::Verdict::rejected);
}

TEST_CASE("snippet: code declaring a known task's theorem is judged against that task",
          "[serve][snippet]") {
  tasks::TaskIndex index("tasks.jsonl");
  index.add(tasks::make_task("amc_1", "test", "import Mathlib\nopen Real\n",
                             "theorem amc_1 : (2 : ℝ) + 2 = 4 := by\n"),
            1);
  index.add(tasks::make_task("twice", "", "import Mathlib\n", "theorem twice : True := by\n"), 2);
  index.add(tasks::make_task("twice", "", "import Mathlib\n", "theorem twice : 1 = 1 := by\n"), 3);
  std::string code = "import Mathlib\nopen Real\n\ntheorem amc_1 : (2 : ℝ) + 2 = 4 := by\n  norm_num\n";
  auto s = candidate_for(code, &index);
  CHECK(s.known_task);
  CHECK(s.candidate.task.name == "amc_1");
  CHECK(s.candidate.task.statement == "theorem amc_1 : (2 : ℝ) + 2 = 4 := by\n");
  CHECK(s.candidate.header_source == tasks::TextSource::user);
  CHECK_FALSE(early(s.candidate));
  // A name two tasks share says nothing about which: judged on what it is.
  auto ambiguous = candidate_for("import Mathlib\ntheorem twice : True := trivial\n", &index);
  CHECK_FALSE(ambiguous.known_task);
  // An unknown name likewise.
  CHECK_FALSE(candidate_for("import Mathlib\ntheorem other : True := trivial\n", &index).known_task);
}

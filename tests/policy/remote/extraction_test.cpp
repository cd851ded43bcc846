// Extraction: from the answers models give to a candidate proof (policy/remote/README.md).
#include "policy/remote/extraction.hpp"

#include <catch2/catch.hpp>

using policy::remote::AnswerForm;
using policy::remote::extract_proof;
using policy::remote::extract_tactic;
using policy::remote::Extracted;

namespace {

const std::string kHeader = "import Mathlib\n";
const std::string kStatement = "theorem add_zero' (n : Nat) : n + 0 = n := by\n";

Extracted continuation(const std::string& answer) {
  return extract_proof(answer, AnswerForm::continuation, kHeader, kStatement);
}
Extracted chat(const std::string& answer) {
  return extract_proof(answer, AnswerForm::answer, kHeader, kStatement);
}

}  // namespace

TEST_CASE("continuation: the proof runs to the first closing fence") {
  Extracted fenced = continuation("  simp\n```\n\nThe proof uses simp.\n```lean4\n  rfl\n```");
  CHECK(fenced.proof == "  simp\n");
  CHECK_FALSE(fenced.whole_file);
  CHECK_FALSE(fenced.error);
  // A server that honours the stop sequence leaves the fence out.
  CHECK(continuation("  induction n <;> simp").proof == "  induction n <;> simp");
}

TEST_CASE("continuation that restates the statement is cut back to a continuation") {
  Extracted out = continuation("\ntheorem add_zero' (n : Nat) : n + 0 = n := by\n  omega\n```");
  CHECK(out.proof == "  omega\n");
  CHECK_FALSE(out.whole_file);
}

TEST_CASE("continuation that restates the theorem differently becomes a whole file") {
  std::string restated = "  sorry\n\ntheorem add_zero' (n : Nat) :\n    n + 0 = n := by simp\n";
  Extracted out = continuation(restated + "```");
  CHECK(out.whole_file);
  CHECK(out.proof == restated);
}

TEST_CASE("an empty continuation is an error, not a candidate") {
  Extracted out = continuation("\n```");
  CHECK(out.error == "empty proof in the model's answer");
}

TEST_CASE("chat: a block restating header and statement is cut to a continuation") {
  Extracted out = chat(
      "Here is the proof.\n\n```lean4\nimport Mathlib\n\ntheorem add_zero' (n : Nat) : n + 0 = n "
      ":= by\n  simp\n```\nIt works by simp.");
  CHECK_FALSE(out.error);
  CHECK_FALSE(out.whole_file);
  CHECK(out.proof == "  simp\n");
}

TEST_CASE("chat: a block restating the theorem after other commands is a whole file") {
  std::string block =
      "import Mathlib\nopen Nat\n\ntheorem add_zero' (n : Nat) : n + 0 = n := by\n  simp\n";
  Extracted out = chat("```lean4\n" + block + "```");
  CHECK(out.whole_file);
  CHECK(out.proof == block);
}

TEST_CASE("chat: lemma, namespaced and _root_ restatements count, a longer name does not") {
  CHECK(chat("```lean\nlemma add_zero' (n : ℕ) : n + 0 = n := by simp\n```").whole_file);
  CHECK(chat("```lean\ntheorem Foo.add_zero' (n : ℕ) : n + 0 = n := by simp\n```").whole_file);
  CHECK(chat("```lean\ntheorem _root_.add_zero' (n : ℕ) : n + 0 = n := by simp\n```").whole_file);
  Extracted other = chat("```lean\ntheorem add_zero'' (n : ℕ) : n + 0 = n := by simp\n```");
  CHECK_FALSE(other.whole_file);
}

TEST_CASE("chat: a restatement inside a comment or string does not count") {
  Extracted out = chat("```lean4\n-- theorem add_zero' is simp\n  simp\n```");
  CHECK_FALSE(out.whole_file);
  CHECK(out.proof == "-- theorem add_zero' is simp\n  simp\n");
}

TEST_CASE("chat: a block of tactics alone continues the statement") {
  Extracted out = chat("```\n  intro\n  simp\n```");
  CHECK_FALSE(out.whole_file);
  CHECK(out.proof == "  intro\n  simp\n");
}

TEST_CASE("chat: the last Lean block wins, other languages are skipped") {
  Extracted out = chat(
      "Sketch:\n```lean4\ntheorem add_zero' (n : Nat) : n + 0 = n := by\n  sorry\n```\n"
      "Final:\n```lean4\ntheorem add_zero' (n : Nat) : n + 0 = n := by\n  omega\n```\n"
      "Check with:\n```python\nprint('theorem')\n```\n");
  CHECK(out.proof == "  omega\n");
  Extracted indented = chat("  ```Lean4\n  simp\n  ```\n");
  CHECK(indented.proof == "  simp\n");
}

TEST_CASE("chat: no code block is an error, an unclosed one says so") {
  CHECK(chat("I think simp proves it.").error == "no Lean code block in the model's answer");
  CHECK(chat("```python\nx = 1\n```").error == "no Lean code block in the model's answer");
  Extracted cut = chat("```lean4\ntheorem add_zero' (n : Nat) : n + 0 = n := by\n  sim");
  REQUIRE(cut.error);
  CHECK_THAT(*cut.error, Catch::StartsWith("no Lean code block in the model's answer"));
  CHECK_THAT(*cut.error, Catch::Contains("never closed"));
}

TEST_CASE("a <think> part is dropped before extraction") {
  // Blocks inside the thinking never count.
  CHECK(chat("<think>\n```lean4\n  simp\n```\n</think>\nI could not prove it.").error ==
        "no Lean code block in the model's answer");
  Extracted after = chat("<think>try simp</think>\n```lean4\n  omega\n```");
  CHECK(after.proof == "  omega\n");
  // The server's chat template opened <think>; only the closing tag is in the answer.
  CHECK(chat("so omega works\n```lean4\n  wrong\n```\n</think>\n```lean4\n  omega\n```").proof ==
        "  omega\n");
  // Still thinking when cut: nothing to extract.
  CHECK(chat("<think>\n```lean4\n  simp\n```").error);
  CHECK(continuation("<think>hmm</think>  simp\n```").proof == "  simp\n");
}

TEST_CASE("declared names are read past doc comments and attributes") {
  CHECK(policy::remote::declared_name("/-- theorem fake -/\n@[simp] theorem h₀' : True := by\n") ==
        "h₀'");
  CHECK(policy::remote::declared_name("lemma Foo.bar : True := by\n") == "Foo.bar");
  CHECK(policy::remote::declared_name("example : True := by\n").empty());
}

TEST_CASE("tactics: the first non-blank line, from the last Lean block when there is one") {
  CHECK(extract_tactic(" simp") == "simp");
  CHECK(extract_tactic("\n\n  intro h\n  exact h\n") == "intro h");
  CHECK(extract_tactic("Use this:\n```lean4\nnorm_num [foo]\n```") == "norm_num [foo]");
  CHECK(extract_tactic("<think>maybe ring</think>\n`omega`") == "omega");
  CHECK_FALSE(extract_tactic(""));
  CHECK_FALSE(extract_tactic("  \n\t\n"));
  CHECK_FALSE(extract_tactic("<think>still thinking"));
}

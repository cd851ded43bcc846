// Tactic counts, declaration spans and name uses (metrics/lean_text.hpp).
#include "metrics/lean_text.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using metrics::count_tactics;
using metrics::find_declarations;
using metrics::NameIndex;

TEST_CASE("tactics: one step per line of a continuation block") {
  CHECK(count_tactics("") == 0);
  CHECK(count_tactics("  \n  ") == 0);
  CHECK(count_tactics("  ring") == 1);
  CHECK(count_tactics("  intro x\n  simp\n  ring") == 3);
  CHECK(count_tactics("  norm_num [h₀] at h₁ ⊢\n  linarith") == 2);
}

TEST_CASE("tactics: comments are ignored") {
  CHECK(count_tactics("  /- We apply the distributive property.\n  simp\n  -/\n  ring") == 1);
  CHECK(count_tactics("  -- first\n  simp -- then\n  /- nested /- x -/ -/\n  ring") == 2);
  CHECK(count_tactics("  -- only a comment") == 0);
  CHECK(count_tactics("  exact \"; <;> by\"") == 1);
}

TEST_CASE("tactics: semicolons and the then-combinator separate steps") {
  CHECK(count_tactics("  simp; ring") == 2);
  CHECK(count_tactics("  constructor <;> linarith") == 2);
  CHECK(count_tactics("  constructor <;> norm_num <;> linarith") == 3);
  CHECK(count_tactics("  constructor\n  <;> linarith") == 2);
  // Inside brackets a `;` is not a step separator of the block.
  CHECK(count_tactics("  try (simp; ring)") == 1);
}

TEST_CASE("tactics: indented lines continue a step") {
  CHECK(count_tactics(
            "  nlinarith [sq_nonneg (a - b),\n    sq_nonneg (a + b),\n    sq_nonneg a]") == 1);
  CHECK(count_tactics("  rw [h₀,\n    h₁] at h₂\n  exact h₂") == 2);
}

TEST_CASE("tactics: bullets open nested blocks") {
  CHECK(count_tactics("  constructor\n  · linarith\n  · intro h\n    simp\n    ring") == 5);
  CHECK(count_tactics("  constructor\n  . linarith\n  . nlinarith") == 3);
  CHECK(count_tactics("  refine ⟨?_, ?_⟩\n  · norm_num\n  · constructor\n    · simp\n    · ring") ==
        5);
}

TEST_CASE("tactics: nested by blocks count but calc steps do not") {
  const std::string proof =
      "  specialize h₀ 500 _ (6 / 5) _\n"
      "  · linarith\n"
      "  · linarith\n"
      "  calc\n"
      "    f 600 = f (500 * (6 / 5)) := by\n"
      "      congr\n"
      "      norm_num\n"
      "    _ = f 500 / (6 / 5) := by rw [h₀]\n"
      "    _ = 3 / (6 / 5) := by rw [h₁]\n"
      "    _ = 5 / 2 := by norm_num";
  // specialize, linarith, linarith, calc, congr, norm_num, rw, rw, norm_num
  CHECK(count_tactics(proof) == 9);
  CHECK(count_tactics("  have h : x = 1 := by\n    linarith\n  simp [h]") == 3);
  CHECK(count_tactics("  have h : x = 1 := by linarith\n  simp [h]") == 3);
  CHECK(count_tactics("  exact ⟨by simp, by ring⟩") == 3);
}

TEST_CASE("tactics: alternatives and case blocks") {
  const std::string induction =
      "  induction n with\n"
      "  | zero => simp\n"
      "  | succ n ih =>\n"
      "    simp [Finset.sum_range_succ]\n"
      "    omega";
  CHECK(count_tactics(induction) == 4);
  CHECK(count_tactics(
            "  cases h\n  case inl h => exact h\n  case inr h =>\n    simp\n    exact h") == 6);
  CHECK(count_tactics("  rcases h with h | h\n  all_goals linarith") == 2);
  CHECK(count_tactics("  exact fun x => x") == 1);
}

TEST_CASE("tactics: whole-file texts count by blocks only") {
  const std::string file =
      "import Mathlib\n\n"
      "open Real\n\n"
      "/-- A helper. -/\n"
      "lemma aux (a b : ℝ) : 0 ≤ (a - b) ^ 2 := by\n"
      "  positivity\n\n"
      "theorem main (a b : ℝ) : 2 * a * b ≤ a ^ 2 + b ^ 2 := by\n"
      "  have := aux a b\n"
      "  nlinarith\n\n"
      "theorem term_mode : 1 + 1 = 2 := rfl\n";
  CHECK(count_tactics(file) == 3);
  CHECK(count_tactics("by\n  simp\n  ring") == 2);
  CHECK(count_tactics(":= by simp") == 1);
}

TEST_CASE("tactics: a term continuation is one step") {
  CHECK(count_tactics("Nat.le_refl _") == 1);
}

TEST_CASE("tactics: malformed text never throws") {
  const std::vector<std::string> texts = {")))",
                                          "by by by",
                                          "  · ",
                                          "  <;>",
                                          "\"unterminated",
                                          "/- open",
                                          "  ⟨⟨⟨",
                                          std::string("\xff\xfe by simp")};
  for (const std::string& t : texts) CHECK_NOTHROW(count_tactics(t));
}

TEST_CASE("comments: removed with whitespace and strings kept") {
  CHECK(metrics::without_comments("  /- why -/\n  simp -- done\n  exact \"-- not a comment\"") ==
        "  \n  simp \n  exact \"-- not a comment\"");
  CHECK(metrics::without_comments("/-- doc -/ /- /- nested -/ -/x") == " x");
  CHECK(metrics::without_comments("") == "");
}

TEST_CASE("declarations: theorem and lemma spans with their proofs") {
  const std::string file =
      "import Mathlib\n\n"
      "/-- doc -/\n"
      "lemma aux (a b : ℝ) (h : a := 3) : 0 ≤ (a - b) ^ 2 := by\n"
      "  positivity\n"
      "-- trailing comment\n\n"
      "theorem main : 2 * a * b ≤ a ^ 2 + b ^ 2 :=\n"
      "  by nlinarith [aux a b]\n"
      "theorem no_proof : True\n"
      "def d := 1\n";
  const auto spans = find_declarations(file);
  REQUIRE(spans.size() == 2);
  CHECK(spans[0].keyword == "lemma");
  CHECK(spans[0].name == "aux");
  CHECK(file.substr(spans[0].offset, spans[0].length) ==
        "lemma aux (a b : ℝ) (h : a := 3) : 0 ≤ (a - b) ^ 2 := by\n  positivity");
  CHECK(file.substr(spans[0].proof_offset, spans[0].proof_length) == "by\n  positivity");
  CHECK(spans[1].name == "main");
  CHECK(file.substr(spans[1].proof_offset, spans[1].proof_length) == "by nlinarith [aux a b]");
  CHECK(find_declarations("  simp [theorem_name]").empty());
  CHECK(find_declarations("-- lemma x : True := trivial").empty());
}

TEST_CASE("uses: exact names and qualified suffixes and projections") {
  const NameIndex index({"Nat.add_comm", "add_comm", "Nat.succ_le_iff", "aux", "Foo.bar"});
  auto all = [](std::size_t) { return true; };
  auto entries = [&](const std::string& text) {
    std::vector<std::size_t> out;
    for (const auto& u : index.uses(text, all)) out.push_back(u.entry);
    return out;
  };
  // `add_comm` is the exact name of entry 1, so the suffix of Nat.add_comm does not count.
  CHECK(entries("  rw [add_comm]") == std::vector<std::size_t>{1});
  CHECK(entries("  rw [Nat.add_comm]") == std::vector<std::size_t>{0});
  CHECK(entries("  exact Nat.succ_le_iff.mp h") == std::vector<std::size_t>{2});
  CHECK(entries("  exact succ_le_iff.mpr h") == std::vector<std::size_t>{2});
  CHECK(entries("  simp [bar, Foo.«bar»]") == std::vector<std::size_t>{4, 4});
  CHECK(entries("  -- aux\n  simp [\"aux\"]").empty());
  CHECK(entries("lemma aux : True := trivial").empty());
  CHECK(entries("  exact auxiliary").empty());
  // Invisible entries do not match; the suffix entry then does.
  const auto uses = index.uses("  rw [add_comm]", [](std::size_t e) { return e != 1; });
  REQUIRE(uses.size() == 1);
  CHECK(uses[0].entry == 0);
  CHECK(uses[0].offset == 6);
  CHECK(uses[0].length == 8);
}

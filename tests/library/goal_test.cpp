#include <catch2/catch.hpp>

#include "library/goal.hpp"
#include "library/lemma.hpp"

using namespace library;

TEST_CASE("a goal is read back with its merged hypotheses, its tag and a wrapped target", "[library]") {
  auto goal = parse_goal("case left\nx y : Nat\nh : x ≤\n    y\n⊢ x + 0 ≤\n  y");
  REQUIRE(goal);
  CHECK(goal->tag == "left");
  REQUIRE(goal->hypotheses.size() == 3);
  CHECK(goal->hypotheses[0].name == "x");
  CHECK(goal->hypotheses[1].name == "y");
  CHECK(goal->hypotheses[1].type == "Nat");
  CHECK(goal->hypotheses[2].type == "x ≤ y");
  CHECK(goal->target == "x + 0 ≤ y");
  CHECK(parse_goal("⊢ True")->hypotheses.empty());
  CHECK_FALSE(parse_goal("x : Nat"));
  CHECK_FALSE(parse_goal("no colon here\n⊢ True"));
}

TEST_CASE("identifiers are renamed as whole tokens, projections included, comments untouched", "[library]") {
  std::string out = rename_identifiers("h.1 + hx + h -- h stays", {{"h", "a"}});
  CHECK(out == "a.1 + hx + a -- h stays");
  auto ids = identifiers("exact h.left (foo x)");
  CHECK(std::find(ids.begin(), ids.end(), "h") != ids.end());
  CHECK(std::find(ids.begin(), ids.end(), "x") != ids.end());
  CHECK_FALSE(is_accessible("h✝"));
  CHECK(is_accessible("h'"));
}

TEST_CASE("a lemma's key and name ignore binder names but not types, the header or the statement", "[library]") {
  Statement a{{{"n", "Nat"}, {"h", "n > 0"}}, "Chain n"};
  Statement b{{{"m", "Nat"}, {"hm", "m > 0"}}, "Chain m"};
  Statement c{{{"m", "Int"}, {"hm", "m > 0"}}, "Chain m"};
  CHECK(canonical_key("import Mathlib", a) == canonical_key("import Mathlib", b));
  CHECK(canonical_key("import Mathlib", a) != canonical_key("import Mathlib", c));
  CHECK(canonical_key("import Mathlib", a) != canonical_key("", a));
  std::string name = lemma_name(canonical_key("", a));
  CHECK(name.size() == 16);
  CHECK(name.rfind("lib_", 0) == 0);
  Lemma l;
  l.name = "lib_0123456789ab";
  l.statement = a;
  l.proof = "by\n  omega";
  CHECK(statement_text(l) == "theorem lib_0123456789ab (n : Nat) (h : n > 0) : Chain n");
  CHECK(declaration_text(l) == "theorem lib_0123456789ab (n : Nat) (h : n > 0) : Chain n := by\n  omega");
  CHECK(application("lib_x", {"a", "f b"}) == "lib_x a (f b)");
  CHECK(library_version({}) == "");
  CHECK(library_version({l}).rfind("library-v1:", 0) == 0);
}

TEST_CASE("a lemma's statement text reads back into its name, binders and type", "[library]") {
  auto parsed = parse_statement("theorem lib_0123456789ab (a b : Nat) (h : f (a + b) = 0) : Chain a ∧ (b = b)");
  REQUIRE(parsed);
  CHECK(parsed->name == "lib_0123456789ab");
  REQUIRE(parsed->statement.binders.size() == 3);
  CHECK(parsed->statement.binders[1].name == "b");
  CHECK(parsed->statement.binders[1].type == "Nat");
  CHECK(parsed->statement.binders[2].type == "f (a + b) = 0");
  CHECK(parsed->statement.type == "Chain a ∧ (b = b)");
  Lemma l;
  l.name = parsed->name;
  l.statement = parsed->statement;
  CHECK(statement_text(l) == "theorem lib_0123456789ab (a : Nat) (b : Nat) (h : f (a + b) = 0) : Chain a ∧ (b = b)");
  CHECK(parse_statement("theorem lib_x : True")->statement.binders.empty());
  CHECK_FALSE(parse_statement("theorem lib_x {a : Nat} : True"));
  CHECK_FALSE(parse_statement("def x : Nat"));
  CHECK_FALSE(parse_statement("theorem lib_x (a : Nat)"));
}

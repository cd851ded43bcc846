// Tests of policy/builtin/vocabulary.cpp: the embedded lists, vocabulary files and growth.
#include <catch2/catch.hpp>

#include "policy/builtin/vocabulary.hpp"
#include "policy/policy.hpp"
#include "tests/support/temp_dir.hpp"

using namespace policy::builtin;
using Catch::Matchers::Contains;

TEST_CASE("the embedded vocabularies parse and hold the tactics they promise") {
  const auto core = load_vocabulary("core");
  CHECK(core.size() >= 30);
  CHECK(core.size() <= 60);
  CHECK(core[0] == "rfl");
  for (const char* t : {"decide", "omega", "simp", "constructor", "intro h", "exact h.1"}) {
    INFO(t);
    CHECK(Vocabulary(core).find(t).has_value());
  }
  const auto mathlib = load_vocabulary("mathlib");
  CHECK(mathlib.size() >= 30);
  CHECK(mathlib.size() <= 60);
  for (const char* t : {"norm_num", "linarith", "nlinarith", "ring", "positivity", "aesop", "omega"}) {
    INFO(t);
    CHECK(Vocabulary(mathlib).find(t).has_value());
  }
  // No comment line and no blank entry made it in.
  for (const auto& t : core) {
    CHECK_FALSE(t.empty());
    CHECK(t[0] != '#');
  }
}

TEST_CASE("a vocabulary file: one tactic per line, '#' comments, errors with FILE:LINE") {
  test_support::TempDir dir;
  const auto good = dir.write("v.txt", "# comment\n\n  rfl  \r\nsimp [foo]\n   # indented comment\nomega");
  CHECK(load_vocabulary(good) == std::vector<std::string>{"rfl", "simp [foo]", "omega"});

  const auto dup = dir.write("dup.txt", "rfl\nsimp\nrfl\n");
  CHECK_THROWS_WITH(load_vocabulary(dup), Contains("dup.txt:3: duplicate tactic 'rfl'"));
  const auto empty = dir.write("empty.txt", "# nothing\n\n");
  CHECK_THROWS_AS(load_vocabulary(empty), policy::PolicyError);
  CHECK_THROWS_WITH(load_vocabulary(dir.file("missing.txt")), Contains("missing.txt"));
}

TEST_CASE("the vocabulary keeps append order and refuses duplicates") {
  Vocabulary v({"rfl", "simp", "rfl"});
  CHECK(v.size() == 2);
  CHECK(v.add("omega"));
  CHECK_FALSE(v.add("simp"));
  CHECK(v.tactics() == std::vector<std::string>{"rfl", "simp", "omega"});
  CHECK(v.find("omega") == 2);
  CHECK_FALSE(v.find("decide").has_value());
}

TEST_CASE("normalise_tactic trims and dedents") {
  CHECK(normalise_tactic("  simp  \n") == "simp");
  CHECK(normalise_tactic("\n  constructor\n  · exact h\n    \n") == "constructor\n· exact h");
  CHECK(normalise_tactic("    cases h with\n    | inl x => simp\n      -- more\n") ==
        "cases h with\n| inl x => simp\n  -- more");
  CHECK(normalise_tactic(" \n\t\n").empty());
}

#include "common/text.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace {

// The trims the libraries had before they shared common::trim, by the set each one stripped:
// policy/remote/extraction.cpp and lean-bridge/verdict.cpp " \t\r\n" (answers and Lean
// messages, several lines); store/migrations.cpp and lean-bridge/guard_rules.cpp " \t\r" (one
// line of schema.sql or of the rule table, split at '\n').
std::string_view trim_by(std::string_view s, std::string_view set) {
  size_t begin = s.find_first_not_of(set);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(set) - begin + 1);
}

}  // namespace

TEST_CASE("trim strips space, tab, CR, LF, FF and VT at both ends only", "[common]") {
  CHECK(common::trim("") == "");
  CHECK(common::trim(" \t\r\n\f\v") == "");
  CHECK(common::trim(" \t\r\n\f\va b\f\v\n\r\t ") == "a b");
  CHECK(common::trim("a \t\r\n\f\v b") == "a \t\r\n\f\v b");
  CHECK(common::trim("x") == "x");
  // Other bytes are not whitespace: NUL, a non-breaking space's UTF-8 bytes, DEL.
  CHECK(common::trim(std::string_view("\0a\0", 3)) == std::string_view("\0a\0", 3));
  CHECK(common::trim("\xC2\xA0" "a") == "\xC2\xA0" "a");
  CHECK(common::trim("\x7F" "a") == "\x7F" "a");
  CHECK(common::trim_start("  a  ") == "a  ");
  CHECK(common::trim_end("  a  ") == "  a");
  static_assert(common::trim("  constexpr ") == "constexpr");
}

TEST_CASE("trim returns a view into its argument", "[common]") {
  std::string text = "  word  ";
  std::string_view trimmed = common::trim(text);
  CHECK(trimmed.data() == text.data() + 2);
  CHECK(trimmed.size() == 4);
}

TEST_CASE("trim gives each former caller's result on the text that caller reads", "[common]") {
  // Lean's messages and a model's answers (extraction, verdict): several lines, never FF/VT.
  const std::vector<std::string_view> multi_line = {
      "'thm' depends on axioms: [propext, Classical.choice, Quot.sound]\n",
      "\n  [propext,\n   Classical.choice]  \n",
      "'thm' does not depend on any axioms",
      "\r\n```lean\ntheorem t : 1 = 1 := by\n  rfl\n```\r\n",
      " \t ",
      "",
  };
  for (std::string_view text : multi_line) {
    INFO(text);
    CHECK(common::trim(text) == trim_by(text, " \t\r\n"));
  }
  // One line of schema.sql or of the guard's rule table (migrations, guard rules): split at
  // '\n', so it holds no LF, and neither file holds FF or VT.
  const std::vector<std::string_view> one_line = {
      "-- migration 3:  proof compression metrics \r",
      "   -- a comment\t",
      "sorry_tactic  reject  sorry  -- an unfinished proof\r",
      "\t\r",
      "CREATE TABLE runs (",
  };
  for (std::string_view line : one_line) {
    INFO(line);
    CHECK(common::trim(line) == trim_by(line, " \t\r"));
  }
}

#include "common/lean_lexer.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

using common::lex;
using common::Token;
using common::TokenKind;

namespace {

// "kind:text" for each token, for compact expectations.
std::vector<std::string> shapes(std::string_view text) {
  std::vector<std::string> out;
  for (const Token& token : lex(text)) {
    out.push_back(std::string(common::to_string(token.kind)) + ":" + std::string(token.text));
  }
  return out;
}

using Shapes = std::vector<std::string>;

}  // namespace

TEST_CASE("nested block comments and doc comments are single tokens", "[lexer]") {
  CHECK(shapes("/- a /- b -/ theorem c -/ theorem x") ==
        Shapes{"block_comment:/- a /- b -/ theorem c -/", "keyword:theorem", "identifier:x"});
  CHECK(shapes("/-- doc -/ def f /-! module -/") == Shapes{"doc_comment:/-- doc -/", "keyword:def",
                                                           "identifier:f",
                                                           "doc_comment:/-! module -/"});
  CHECK(shapes("/- \"not a string -/ x") ==
        Shapes{"block_comment:/- \"not a string -/", "identifier:x"});
  CHECK(shapes("x -- theorem y\nz") ==
        Shapes{"identifier:x", "line_comment:-- theorem y", "identifier:z"});
}

TEST_CASE("`--` and `/-` inside strings are not comments", "[lexer]") {
  CHECK(shapes(R"(def s := "a \" -- not a comment" x)") ==
        Shapes{"keyword:def", "identifier:s", "symbol::=", R"(string:"a \" -- not a comment")",
               "identifier:x"});
  CHECK(shapes(R"("/- no" y)") == Shapes{R"(string:"/- no")", "identifier:y"});
  CHECK(shapes(R"(s!"a {f "b -- c"} d" e)") ==
        Shapes{R"(string:s!"a {f "b -- c"} d")", "identifier:e"});
  CHECK(shapes(R"(r#"raw " -- "# z)") == Shapes{R"(string:r#"raw " -- "#)", "identifier:z"});
  CHECK(shapes("\"a\\\\\" b") == Shapes{"string:\"a\\\\\"", "identifier:b"});
}

TEST_CASE("primes belong to identifiers, and char literals need both quotes", "[lexer]") {
  CHECK(shapes("h' foo'' 'a' '\\n' '\\x41' '\\u{3B1}' 'α'") ==
        Shapes{"identifier:h'", "identifier:foo''", "char_literal:'a'", "char_literal:'\\n'",
               "char_literal:'\\x41'", "char_literal:'\\u{3B1}'", "char_literal:'α'"});
  CHECK(shapes("f '' s") == Shapes{"identifier:f", "symbol:'", "symbol:'", "identifier:s"});
  CHECK(shapes("h₀' x") == Shapes{"identifier:h₀'", "identifier:x"});
  CHECK(shapes("'") == Shapes{"symbol:'"});
}

TEST_CASE("identifiers: dots, guillemets, unicode letters, subscripts", "[lexer]") {
  CHECK(shapes("Nat.add_comm «my thm».foo Foo.«bar baz» x.1 get! p?") ==
        Shapes{"identifier:Nat.add_comm", "identifier:«my thm».foo", "identifier:Foo.«bar baz»",
               "identifier:x", "symbol:.", "number:1", "identifier:get!", "identifier:p?"});
  CHECK(shapes("∀ α : ℝ, h₀ ≤ 𝓝 x ∧ λ") ==
        Shapes{"symbol:∀", "identifier:α", "symbol::", "identifier:ℝ", "symbol:,", "identifier:h₀",
               "symbol:≤", "identifier:𝓝", "identifier:x", "symbol:∧", "symbol:λ"});
  CHECK(shapes("théorème Σ x") == Shapes{"identifier:théorème", "symbol:Σ", "identifier:x"});
  CHECK(shapes("Foo.{u} x⁻¹") == Shapes{"identifier:Foo", "symbol:.", "symbol:{", "identifier:u",
                                        "symbol:}", "identifier:x", "symbol:⁻¹"});
}

TEST_CASE("keywords, commands and attributes", "[lexer]") {
  CHECK(shapes("#print axioms foo\n@[simp] theorem t := by sorry") ==
        Shapes{"keyword:#print", "identifier:axioms", "identifier:foo", "keyword:@[",
               "identifier:simp", "symbol:]", "keyword:theorem", "identifier:t",
               "symbol::=", "keyword:by", "keyword:sorry"});
  CHECK(shapes("#[1] # x theorem'") == Shapes{"symbol:#[", "number:1", "symbol:]", "symbol:#",
                                              "identifier:x", "identifier:theorem'"});
  CHECK(common::is_keyword("lemma"));
  CHECK(!common::is_keyword("simp"));
}

TEST_CASE("numbers", "[lexer]") {
  CHECK(shapes("0x1F 0b101 2.5 1e10 3e-2 20! 7.foo") ==
        Shapes{"number:0x1F", "number:0b101", "number:2.5", "number:1e10", "number:3e-2",
               "number:20", "symbol:!", "number:7", "symbol:.", "identifier:foo"});
}

TEST_CASE("malformed input yields error tokens, not loops or exceptions", "[lexer]") {
  auto tokens = lex("x /- never /- closed -/");
  REQUIRE(tokens.size() == 2);
  CHECK(tokens[1].kind == TokenKind::error);
  CHECK(tokens[1].problem == "unterminated comment");
  CHECK(tokens[1].text == "/- never /- closed -/");

  tokens = lex("def s := \"open");
  CHECK(tokens.back().kind == TokenKind::error);
  CHECK(tokens.back().problem == "unterminated string literal");

  tokens = lex("theorem «open x");
  CHECK(tokens.back().kind == TokenKind::error);

  CHECK(shapes("a \xFF b") == Shapes{"identifier:a", "error:\xFF", "identifier:b"});
  tokens = lex(
      "a \xC3\x28 \xED\xA0\x80 \xF4\x90\x80\x80 \xC0\xAF");  // bad, surrogate, >U+10FFFF, overlong
  int errors = 0;
  for (const Token& token : tokens) errors += token.kind == TokenKind::error;
  CHECK(errors == 1 + 3 + 4 + 2);  // the lone \x28 is a symbol
  tokens = lex("-- ok\n/- \xFF -/ x");
  CHECK(tokens[1].kind == TokenKind::error);
  CHECK(tokens[1].problem == "invalid UTF-8 in a comment");
  CHECK(tokens[2].text == "x");
}

TEST_CASE("positions: byte offset, 1-based line, column in code points", "[lexer]") {
  auto tokens = lex("theorem α₁ :\n  ∀ x, x = x -- c\n/- a\nb -/ y");
  REQUIRE(tokens.size() == 12);
  CHECK(tokens[1].text == "α₁");
  CHECK(tokens[1].offset == 8);
  CHECK(tokens[1].column == 8);
  CHECK(tokens[2].text == ":");
  CHECK(tokens[2].column == 11);  // α₁ is 5 bytes but 2 columns
  CHECK(tokens[2].offset == 14);
  CHECK(tokens[3].text == "∀");
  CHECK(tokens[3].line == 2);
  CHECK(tokens[3].column == 2);
  CHECK(tokens[4].text == "x");
  CHECK(tokens[4].column == 4);
  CHECK(tokens[9].kind == TokenKind::line_comment);
  CHECK(tokens[9].column == 13);
  CHECK(tokens[10].line == 3);
  CHECK(tokens[11].text == "y");
  CHECK(tokens[11].line == 4);
  CHECK(tokens[11].column == 5);
}

TEST_CASE("with Whitespace::keep the tokens tile the text, and random bytes terminate",
          "[lexer][fuzz]") {
  std::mt19937 random(7);
  const std::string alphabet = "ab'\"-/!{}«»\\\n #@[]r.0x₀ℝ∀ \xFF\xC3";
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    std::size_t length = random() % 64;
    for (std::size_t i = 0; i < length; ++i) {
      text.push_back(round % 2 ? static_cast<char>(random() % 256)
                               : alphabet[random() % alphabet.size()]);
    }
    std::string joined;
    std::size_t expected_offset = 0;
    for (const Token& token : lex(text, common::Whitespace::keep)) {
      REQUIRE(!token.text.empty());
      REQUIRE(token.offset == expected_offset);
      expected_offset += token.text.size();
      joined += token.text;
    }
    REQUIRE(joined == text);
  }
}

TEST_CASE("UTF-8 helpers", "[lexer]") {
  CHECK(!common::find_invalid_utf8("ℝ α h₀ 𝓝"));
  CHECK(common::find_invalid_utf8("ok\xE2\x84") == std::optional<std::size_t>(2));
  auto c = common::decode_utf8("𝓝", 0);
  CHECK(c.valid);
  CHECK(c.length == 4);
  CHECK(c.code == U'𝓝');
  CHECK(common::is_plain_identifier("h₀'"));
  CHECK(!common::is_plain_identifier("my thm"));
  CHECK(!common::is_plain_identifier("theorem"));
  CHECK(!common::is_plain_identifier("1x"));
}

TEST_CASE("pathological inputs lex in linear time", "[lexer]") {
  for (std::string_view unit :
       {"'\\u{", "\u00AB", "/-", "\"", "s!\"{", "r#\"", "a.", "'", "--\n"}) {
    std::string text;
    for (int i = 0; i < 100000; ++i) text += unit;
    std::size_t covered = 0;
    for (const Token& token : lex(text, common::Whitespace::keep)) covered += token.text.size();
    CHECK(covered == text.size());
  }
}

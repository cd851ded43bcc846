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
  CHECK(shapes(R"(s!"a {x} -- {y + 1} d" e)") ==
        Shapes{"identifier:s!", R"(string:"a {x} -- {y + 1} d")", "identifier:e"});
  CHECK(shapes(R"(r#"raw " -- "# z)") == Shapes{R"(string:r#"raw " -- "#)", "identifier:z"});
  CHECK(shapes("\"a\\\\\" b") == Shapes{"string:\"a\\\\\"", "identifier:b"});
}

TEST_CASE("primes belong to identifiers, and char literals need both quotes", "[lexer]") {
  CHECK(shapes("h' foo'' 'a' '\\n' '\\x41' '\\u03B1' 'α'") ==
        Shapes{"identifier:h'", "identifier:foo''", "char_literal:'a'", "char_literal:'\\n'",
               "char_literal:'\\x41'", "char_literal:'\\u03B1'", "char_literal:'α'"});
  // Mathlib's image notation is one token, `''` (Lean never opens a char literal at `''`).
  CHECK(shapes("f '' s") == Shapes{"identifier:f", "symbol:''", "identifier:s"});
  CHECK(shapes("h₀' x") == Shapes{"identifier:h₀'", "identifier:x"});
  // A lone prime opens a char literal for Lean, which then fails.
  CHECK(shapes("'") == Shapes{"error:'"});
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
  // Lean's scientific literal takes the dot even when no digit follows (`7.` then `foo`).
  CHECK(shapes("0x1F 0b101 2.5 1e10 3e-2 20! 7.foo") ==
        Shapes{"number:0x1F", "number:0b101", "number:2.5", "number:1e10", "number:3e-2",
               "number:20", "symbol:!", "number:7.", "identifier:foo"});
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
  const std::string alphabet = "ab'\"-/!{}«»\\\n #@[]r.0x₀ℝ∀ \xFF\xC3_eu(+)∘⁻¹é";
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
  for (std::string_view unit : {"'\\u{", "\u00AB", "/-", "\"", "s!\"{", "r#\"", "a.", "'", "--\n",
                                "\"{(", "\"{x +", "'\\u00", "1_", "\u00E9'", "\u2218'"}) {
    std::string text;
    for (int i = 0; i < 100000; ++i) text += unit;
    std::size_t covered = 0;
    for (const Token& token : lex(text, common::Whitespace::keep)) covered += token.text.size();
    CHECK(covered == text.size());
  }
}

namespace {

// The kind and problem of the first token of `text`.
Token first_token(std::string_view text) {
  auto tokens = lex(text);
  REQUIRE(!tokens.empty());
  return tokens.front();
}

// True if `text` lexes to exactly one error token after which Lean may read on differently.
bool one_hiding_error(std::string_view text) {
  auto tokens = lex(text);
  return tokens.size() == 1 && tokens[0].kind == TokenKind::error &&
         common::error_may_hide_code(tokens[0]);
}

}  // namespace

TEST_CASE("escapes are Lean's: u and x take exactly four and two hex digits, no braces",
          "[lexer]") {
  // Lean reads '\u0022' as one char ('"'): the string after it is `"' x "`, not code.
  CHECK(shapes(R"('\u0022'"' x " y)") ==
        Shapes{R"(char_literal:'\u0022')", R"(string:"' x ")", "identifier:y"});
  CHECK(shapes(R"("\u0022\x41\\\"\'\n\t\r" z)") ==
        Shapes{R"(string:"\u0022\x41\\\"\'\n\t\r")", "identifier:z"});
  for (std::string_view bad :
       {R"('\u{3B1}')", R"('\u03B')", R"('\x4')", R"('\q')", R"('\{')", "'\\\n'"}) {
    INFO(bad);
    Token token = first_token(bad);
    CHECK(token.kind == TokenKind::error);
    CHECK(token.problem == "invalid escape sequence");
    CHECK(common::error_may_hide_code(token));
  }
  // In a string, a bad escape makes the whole string (to its closing quote) one error token.
  for (std::string_view bad : {R"("\u{22}")", R"("a\qb")", R"("\x4g")", R"("\{x}")", "\"\\"}) {
    INFO(bad);
    CHECK(one_hiding_error(bad));
  }
  // String gaps: `\`, a newline, then spaces; a second newline is an error.
  CHECK(shapes("\"a\\\n    b\" c") == Shapes{"string:\"a\\\n    b\"", "identifier:c"});
  CHECK(one_hiding_error("\"a\\\n\n b\""));
}

TEST_CASE("char literals: one code point or one escape between primes", "[lexer]") {
  CHECK(shapes("'\"' '\n' ' ' '\\''") ==
        Shapes{"char_literal:'\"'", "char_literal:'\n'", "char_literal:' '", "char_literal:'\\''"});
  CHECK(shapes("('a', ['b'], ⟨'c'⟩, #['d'], {'e'}, ⦃'f'⦄)") ==
        Shapes{"symbol:(",         "char_literal:'a'", "symbol:,", "symbol:[",
               "char_literal:'b'", "symbol:]",         "symbol:,", "symbol:⟨",
               "char_literal:'c'", "symbol:⟩",         "symbol:,", "symbol:#[",
               "char_literal:'d'", "symbol:]",         "symbol:,", "symbol:{",
               "char_literal:'e'", "symbol:}",         "symbol:,", "symbol:⦃",
               "char_literal:'f'", "symbol:⦄",         "symbol:)"});
  for (std::string_view bad : {"'ab'", "'a", "'", "' x"}) {
    INFO(bad);
    Token token = first_token(bad);
    CHECK(token.kind == TokenKind::error);
    CHECK(common::error_may_hide_code(token));
  }
  CHECK(shapes("'a'b") == Shapes{"char_literal:'a'", "identifier:b"});
}

TEST_CASE("a string's {...} is read only when it holds a plain term", "[lexer]") {
  // Where the string may be interpolated (here after `s!`), a plain term is fine: Lean parses it
  // whether or not the string is interpolated, and as text the string ends at the same quote.
  for (std::string_view ok :
       {R"("{x}")", R"("{x}'s")", R"("n = {(n + 1) * 2 - k / 3 % m ^ 2}")", R"("{f x₁ y'}")",
        R"("{x}}")", R"("}")", "\"{\n  x\n}\"", R"("no braces")"}) {
    std::string text = "s!" + std::string(ok);
    INFO(text);
    auto tokens = lex(text);
    REQUIRE(tokens.size() == 2);
    CHECK(tokens[1].kind == TokenKind::string);
  }
  CHECK(shapes(R"(s! /- c -/ "{x + 1}" m!"{y}")") ==
        Shapes{"identifier:s!", "block_comment:/- c -/", R"(string:"{x + 1}")", "identifier:m!",
               R"(string:"{y}")"});
  // Anything else may read differently: Lean parses a term inside an interpolated string (its
  // own strings, chars, comments, keywords) and text inside a plain one.
  for (std::string_view bad :
       {R"("{f "b -- c"} d")", R"("{'"'}")", R"("{}")", R"("{x")", R"("{x --}")", R"("{x ++ y}")",
        R"("{x.y}")", R"("{toString x}")", R"("{1_000}")", R"("{(x}")", R"("{x)}")", R"("{x +}")",
        R"("{r#"a"#}")", R"("{x /- c -/}")", "\"{x\ty}\"", R"("{2x}")", R"("{0x1}")", R"("{x‹y}")",
        R"("{native := true}")"}) {
    for (std::string before : {"s!", "h! ", "throwError ", "f x ", "x[0] ", "m!(x) := "}) {
      std::string text = before + std::string(bad);
      INFO(text);
      auto tokens = lex(text);
      REQUIRE(!tokens.empty());
      size_t at = 0;
      while (at + 1 < tokens.size() && tokens[at].text.front() != '"') ++at;
      CHECK(tokens[at].kind == TokenKind::error);
      CHECK(common::error_may_hide_code(tokens[at]));
    }
  }
  // `h!` is an identifier, so for Lean the string is `"{"`; the lexer cannot tell `"{"` from
  // the start of an interpolation and refuses to read it.
  CHECK(shapes(R"(h!"{" native_decide "}")") ==
        Shapes{"identifier:h!", R"(error:"{")", "identifier:native_decide", R"(string:"}")"});
  // The error token ends at the string's closing quote on a lenient reading.
  CHECK(shapes(R"(f "{'x'}" y)") == Shapes{"identifier:f", R"(error:"{'x'}")", "identifier:y"});
  // Where no interpolation can be (after `:=`, `(`, `=`, at the start, with no word that
  // introduces one before), `{` is text.
  CHECK(shapes(R"(def s := "{native := true}" = ("{'}"))") ==
        Shapes{"keyword:def", "identifier:s", "symbol::=", R"(string:"{native := true}")",
               "symbol:=", "symbol:(", R"(string:"{'}")", "symbol:)"});
  // `\{` is an escape only in interpolated strings: an error everywhere.
  CHECK(first_token(R"("\{")").kind == TokenKind::error);
}

TEST_CASE("primes after symbols: Lean's prime tokens, else an error", "[lexer]") {
  CHECK(shapes("f ⁻¹' s ∪ f⁻¹'t") == Shapes{"identifier:f", "symbol:⁻¹'", "identifier:s",
                                            "symbol:∪", "identifier:f", "symbol:⁻¹'",
                                            "identifier:t"});
  // After `⁻¹'` Lean reads on: the quote opens a string, not a char literal.
  CHECK(shapes(R"(f ⁻¹'"' x " y)") ==
        Shapes{"identifier:f", "symbol:⁻¹'", R"(string:"' x ")", "identifier:y"});
  CHECK(shapes("α ×' β Σ' x ∑' n ∏' n g ∘' h") ==
        Shapes{"identifier:α", "symbol:×'", "identifier:β", "symbol:Σ'", "identifier:x",
               "symbol:∑'", "identifier:n", "symbol:∏'", "identifier:n", "identifier:g",
               "symbol:∘'", "identifier:h"});
  CHECK(common::is_mathlib_prime_symbol("⁻¹'"));
  CHECK(common::is_mathlib_prime_symbol("''"));
  CHECK(common::is_mathlib_prime_symbol("∘'"));
  CHECK(!common::is_mathlib_prime_symbol("×'"));
  CHECK(!common::is_mathlib_prime_symbol("'"));
  // Any other symbol might be the start of a token that takes the prime: not guessed.
  for (std::string_view text : {"x ≤'a'", "(f x)'a'", "x ⊗'\"'", "₀'", "a ≃'b"}) {
    INFO(text);
    auto tokens = lex(text);
    bool refused = false;
    for (const Token& token : tokens) refused = refused || common::error_may_hide_code(token);
    CHECK(refused);
  }
  // A prime after a letter Lean does not accept: Lean stops at the letter.
  CHECK(shapes("s\u043Erry") == Shapes{"identifier:s\u043Erry"});
  CHECK(one_hiding_error("\u00E9'"));
  CHECK(first_token("x\u00E9'\"'").problem ==
        "a prime after a letter Lean does not accept (Lean stops at the letter)");
}

TEST_CASE("numerals: `_` separators, base prefixes and exponents as Lean reads them", "[lexer]") {
  CHECK(shapes("1_000 0x_FF 0b1_0 1__2 2.5e1_0 1.e5") == Shapes{"number:1_000", "number:0x_FF",
                                                                "number:0b1_0", "number:1__2",
                                                                "number:2.5e1_0", "number:1.e5"});
  for (std::string_view bad : {"1_", "1_'\"'", "0x", "0xg", "0b2", "2eq", "3e-", "1e_5"}) {
    INFO(bad);
    Token token = first_token(bad);
    CHECK(token.kind == TokenKind::error);
    CHECK(token.problem == "malformed numeral");
    CHECK(common::error_may_hide_code(token));
  }
  CHECK(shapes("2eq") == Shapes{"error:2", "identifier:eq"});
}

TEST_CASE("which error tokens may hide code", "[lexer]") {
  CHECK(!common::error_may_hide_code(first_token("/- open")));
  CHECK(!common::error_may_hide_code(first_token("\xFF")));
  CHECK(!common::error_may_hide_code(first_token("\"a\xFF\"")));
  CHECK(common::error_may_hide_code(first_token("\"open")));
  CHECK(common::error_may_hide_code(first_token("«open")));
  CHECK(!common::error_may_hide_code(first_token("x")));
}

#pragma once
// A lexer for Lean 4 source text, shared by everything that must look at Lean code without
// running Lean: the header split, the target-declaration rule (tasks/) and the guards that
// refuse forbidden constructs (lean-bridge/).
//
// Contract:
// - Total: any byte string lexes to a finite token stream; every token covers at least one
//   byte; tokens tile the input exactly (with Whitespace::keep, concatenating the token texts
//   gives the input back). Malformed input yields TokenKind::error tokens, never an exception
//   or a loop.
// - Comments and string/char literals are single tokens, so their contents never look like
//   code: `"-- no comment"`, `/- theorem x -/` and `/- /- nested -/ -/` are one token each.
// - Identifiers follow Lean's rules (letters, `_`, Greek and letter-like symbols such as `ℝ`,
//   subscripts, `'`, `!`, `?` after the first character, `.`-separated components,
//   `«guillemet»` components), made permissive: Latin-1/Latin Extended and Cyrillic letters
//   count as letters too. A prime directly after an identifier character belongs to the
//   identifier (`h'`, `foo''`), so it never opens a char literal.
// - Positions: byte offset, 1-based line, 0-based column counted in code points (as Lean
//   reports columns); an invalid UTF-8 byte counts as one column.
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace common {

enum class TokenKind {
  identifier,     // Nat.add_comm, h₀', «my thm», ℝ, _
  keyword,        // reserved words and commands: theorem, def, end, sorry, #print, @[
  symbol,         // := ( ⟨ → ∀ ' (a prime that opens no char literal)
  number,         // 42, 0x1F, 2.5, 1e-3
  string,         // "a \" b", s!"x {f "y"}", r#"raw"#
  char_literal,   // 'a', '\n', '\u{3B1}'
  line_comment,   // `--` up to (not including) the end of the line
  block_comment,  // /- ... -/, nested
  doc_comment,    // /-- ... -/ and /-! ... -/, nested
  whitespace,     // spaces, tabs, CR and LF (only produced with Whitespace::keep)
  error,          // malformed input; Token::problem says what is wrong
};

struct Token {
  TokenKind kind;
  std::string_view text;  // the exact bytes; views the text given to the lexer
  std::size_t offset;     // byte offset of the first byte
  int line;               // 1-based
  int column;             // 0-based, in code points
  // For TokenKind::error: a static description ("unterminated block comment", "invalid
  // UTF-8", ...). An unterminated comment, string or «name» runs to the end of the text.
  std::string_view problem;
};

enum class Whitespace { skip, keep };

class LeanLexer {
 public:
  // `text` must outlive the lexer and every token it returns.
  explicit LeanLexer(std::string_view text, Whitespace whitespace = Whitespace::skip);
  // The next token, or nullopt at the end of the text.
  std::optional<Token> next();

 private:
  void advance_to(std::size_t end);

  std::string_view m_text;
  Whitespace m_whitespace;
  std::size_t m_pos = 0;
  int m_line = 1;
  int m_column = 0;
};

// Every token of `text` (comments included, whitespace only with Whitespace::keep).
std::vector<Token> lex(std::string_view text, Whitespace whitespace = Whitespace::skip);

// Line, block and doc comments.
bool is_comment(TokenKind kind);
std::string_view to_string(TokenKind kind);

// Words the lexer reports as TokenKind::keyword (Lean's reserved words and commands, plus
// Mathlib's `lemma`).
bool is_keyword(std::string_view word);
// Lean's identifier character classes (with the permissive letter ranges above).
bool is_identifier_start(char32_t c);
bool is_identifier_rest(char32_t c);
// True if `component` can be written without «» (an identifier start, identifier rest
// characters, not a keyword).
bool is_plain_identifier(std::string_view component);

// One decoded UTF-8 sequence. `valid` is false for a malformed or overlong sequence, a
// surrogate or a value past U+10FFFF; `length` is then 1 so callers skip a single byte.
struct Utf8Char {
  char32_t code;
  int length;
  bool valid;
};
// Decodes the code point starting at `offset` (< text.size()).
Utf8Char decode_utf8(std::string_view text, std::size_t offset);
// Byte offset of the first invalid UTF-8 sequence, if any.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

}  // namespace common

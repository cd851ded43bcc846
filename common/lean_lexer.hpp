#pragma once
// A lexer for Lean 4 source text, shared by everything that must look at Lean code without
// running Lean: the header split, the target-declaration rule (tasks/) and the guards that
// refuse forbidden constructs (lean-bridge/).
//
// Contract:
// - Total: any byte string lexes to a finite token stream; every token covers at least one
//   byte; tokens tile the input exactly (with Whitespace::keep, concatenating the token texts
//   gives the input back). Malformed input yields TokenKind::error tokens, never an exception
//   or a loop. Time is linear in the text.
// - Comments and string/char literals are single tokens, so their contents never look like
//   code: `"-- no comment"`, `/- theorem x -/` and `/- /- nested -/ -/` are one token each.
// - Literals are read as Lean's tokenizer reads them (`Lean.Parser.Basic`): escapes are `\\`,
//   `\"`, `\'`, `\n`, `\t`, `\r`, `\xHH` and `\uHHHH` (exactly two and four hex digits, no
//   braces), plus string gaps (`\` newline) in strings; a char literal is one code point (a
//   newline too) or one escape between primes; numerals take `_` separators, `2.` and `1e5`.
// - Where Lean's reading depends on what the lexer cannot see (the token table, or whether a
//   string is interpolated), the lexer does not guess: it yields an error token, and
//   error_may_hide_code() says so. This covers any malformed literal, escape or numeral (after
//   which Lean resumes reading mid-token), a prime right after a symbol that Lean might read as
//   part of that symbol (`∘'"'`), and a string whose `{...}` holds more than a plain term (see
//   TokenKind::string).
// - Identifiers follow Lean's rules (letters, `_`, Greek and letter-like symbols such as `ℝ`,
//   subscripts, `'`, `!`, `?` after the first character, `.`-separated components,
//   `«guillemet»` components), made permissive: Latin-1/Latin Extended and Cyrillic letters
//   count as letters too (a prime after such a letter is an error token: Lean stops at the
//   letter). A prime directly after an identifier character belongs to the identifier (`h'`,
//   `foo''`), so it never opens a char literal. `s!`, `m!`, `h!` are identifiers: the string
//   after them is a token of its own.
// - Positions: byte offset, 1-based line, 0-based column counted in code points (as Lean
//   reports columns); an invalid UTF-8 byte counts as one column.
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace common {

// Two kinds need more words than fit beside them:
// - symbol: also the tokens that end in a prime, `''`, `×'`, `Σ'`, `⁻¹'`, `∑'`, `∏'`, `∘'`
//   (see is_mathlib_prime_symbol). Any other prime right after a symbol is an error token
//   (Lean might have a longer token that takes it), except after `( [ { ⟨ , ⦃`, where it opens
//   a char literal.
// - string: Lean reads a string's `{...}` as a term when the string is interpolated (after s!,
//   m!, f!, throwError, trace[c], a library's `foo!`...) and as text otherwise. Which one
//   depends on the syntax around it, which the lexer does not parse. A string may be
//   interpolated when it follows an identifier, a keyword or `]`, or comes anywhere after a
//   word that introduces interpolated strings (any word ending in `!`, throwError,
//   throwErrorAt, trace, dbg_trace, logInfo...: these may take an argument before the string).
//   There, a string with `{` is a string token only if both readings end it at the same quote
//   and the term is one Lean surely parses: short names (one ASCII letter, then digits, primes
//   or subscript digits), ASCII numerals, `+ - * / % ^` and parentheses; otherwise it is an
//   error token. Elsewhere (after `:=`, `(`, `=`...) `{` is text.
enum class TokenKind {
  identifier,     // Nat.add_comm, h₀', «my thm», ℝ, _
  keyword,        // reserved words and commands: theorem, def, end, sorry, #print, @[
  symbol,         // := ( ⟨ → ∀ '' ⁻¹'
  number,         // 42, 0x1F, 1_000, 2.5, 2., 1e-3
  string,         // "a \" b", "x = {x + 1}", r#"raw"#
  char_literal,   // 'a', '\n', '\x41', '\u03B1', '"'
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
  // For TokenKind::error: a static description ("unterminated comment", "invalid UTF-8",
  // "invalid escape sequence", ...). An unterminated comment, string or «name» runs to the end
  // of the text; a string with a bad escape or `{...}` runs to its closing quote.
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
  // What the next scan needs to know of the text before m_pos: the token that ends there
  // (whitespace and comments included; whether a prime opens a char literal depends on it), the
  // last code token, and whether a word that introduces interpolated strings came before (both
  // decide whether a string may be interpolated).
  TokenKind m_adjacent_kind = TokenKind::whitespace;
  std::string_view m_adjacent_text;
  TokenKind m_code_kind = TokenKind::whitespace;
  std::string_view m_code_text;
  bool m_interpolating_seen = false;
};

// Every token of `text` (comments included, whitespace only with Whitespace::keep).
std::vector<Token> lex(std::string_view text, Whitespace whitespace = Whitespace::skip);

// Line, block and doc comments.
bool is_comment(TokenKind kind);
// For an error token: true if Lean, reading the same text, may end a literal, a comment or a
// token elsewhere than the lexer does (a malformed literal, escape, numeral or «name», an
// ambiguous prime, a string's {...} that is not a plain term), so that code could hide in what
// the lexer calls a string, char literal or comment. After a tokenizer error Lean reports it
// and resumes reading at the error's position, which may lie inside what the lexer took for
// one token. False for an unterminated comment (it runs to the end of the text; so does Lean's)
// and for invalid UTF-8 (Lean never reads such text). False for any other token.
bool error_may_hide_code(const Token& token);
// Symbol tokens that are Mathlib's notation and end in a prime: `''` (image), `⁻¹'`
// (preimage), `∑'`, `∏'` (tsum, tprod), `∘'` (dcomp). The lexer reads them as one token, as
// Lean does when Mathlib is imported; without Mathlib, Lean reads the prime as the start of a
// char literal (or stops with an error), so a caller that does not know Mathlib is imported
// must not trust what follows them. `×'` and `Σ'` are Lean core's and always tokens.
bool is_mathlib_prime_symbol(std::string_view symbol);
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
// Decodes a code point of two to four bytes starting at `offset` (decode_utf8's other half).
Utf8Char decode_utf8_multibyte(std::string_view text, std::size_t offset);
// Decodes the code point starting at `offset` (< text.size()). Inline for ASCII: the lexers
// call it for every character.
inline Utf8Char decode_utf8(std::string_view text, std::size_t offset) {
  auto b0 = static_cast<unsigned char>(text[offset]);
  if (b0 < 0x80) return {b0, 1, true};
  return decode_utf8_multibyte(text, offset);
}
// Byte offset of the first invalid UTF-8 sequence, if any.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

}  // namespace common

#pragma once
// Internal to the lexer (common/lean_lexer.cpp): Lean's literal grammar, as Lean's tokenizer
// reads it (`Lean.Parser.Basic`: strLitFnAux, quotedCharCoreFn, hexDigitFn, stringGapFn,
// charLitFnAux, rawStrLitFnAux, numberFnAux; `Lean.Parser.StrInterpolation`:
// interpolatedStrFn). Not part of the lexer's API.
//
// Each scanner starts at the literal's first byte and returns where its token ends (always past
// the start) and its kind; an error token carries one of the problems below. Every scan is
// linear in the length of the token it returns (plus the few bytes after it that end it).
#include <cstddef>
#include <string_view>

#include "common/lean_lexer.hpp"

namespace common::detail {

// Problems of error tokens (Token::problem). Only the first four are harmless for a reader
// that skips error tokens (see error_may_hide_code).
inline constexpr std::string_view kUnterminatedComment = "unterminated comment";
inline constexpr std::string_view kInvalidUtf8 = "invalid UTF-8";
inline constexpr std::string_view kInvalidUtf8InComment = "invalid UTF-8 in a comment";
inline constexpr std::string_view kInvalidUtf8InString = "invalid UTF-8 in a string";
inline constexpr std::string_view kUnterminatedString = "unterminated string literal";
inline constexpr std::string_view kUnterminatedName = "unterminated \u00AB\u00BB name";
inline constexpr std::string_view kInvalidEscape = "invalid escape sequence";
inline constexpr std::string_view kMalformedChar = "malformed character literal";
inline constexpr std::string_view kMalformedNumber = "malformed numeral";
inline constexpr std::string_view kOpaqueInterpolation =
    "a string's {...} that holds more than short names, numerals, + - * / % ^ and parentheses "
    "(Lean may read a term there)";
inline constexpr std::string_view kPrimeAfterSymbol =
    "a prime right after a symbol (Lean may read it as part of the symbol)";
inline constexpr std::string_view kPrimeAfterForeignLetter =
    "a prime after a letter Lean does not accept (Lean stops at the letter)";

struct Scan {
  std::size_t end;
  TokenKind kind;
  std::string_view problem = {};
};

// `"..."` from the opening quote at `open`. Where the string may be interpolated, a `{` opens
// what Lean reads as a term if it is and as text if it is not: it must hold a plain term (see
// TokenKind::string), else the string is an error token up to its closing quote. Elsewhere `{`
// is text. `\{` (an escape only interpolated strings have) is always an invalid escape: either
// Lean rejects it, or the lexer cannot tell.
Scan scan_string(std::string_view text, std::size_t open, bool maybe_interpolated);

// True if a raw string starts at `pos` (`r"`, `r#"`, `r##"`...).
bool is_raw_string_start(std::string_view text, std::size_t pos);
// r"..." or r#"..."#: no escapes; closes at `"` followed by as many `#` as opened.
Scan scan_raw_string(std::string_view text, std::size_t pos);

// A char literal at the prime at `pos`, which the caller has checked opens one (the next byte
// is not a prime; the token before allows it): one code point or one escape, then a prime.
Scan scan_char_literal(std::string_view text, std::size_t pos);

// A numeral at the ASCII digit at `pos`: 0b/0o/0x forms, decimal with `_` separators, an
// optional fraction (`2.` included) and exponent.
Scan scan_number(std::string_view text, std::size_t pos);

}  // namespace common::detail

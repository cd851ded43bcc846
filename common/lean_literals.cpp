#include "common/lean_literals.hpp"

#include <algorithm>
#include <optional>

namespace common::detail {
namespace {

bool is_dec(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_bin(char c) {
  return c == '0' || c == '1';
}
bool is_oct(char c) {
  return c >= '0' && c <= '7';
}
bool is_ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The outcome of reading part of a literal: `end` is past it when `ok`, else where Lean stops.
struct Read {
  bool ok;
  std::size_t end;
};

// Exactly `count` hex digits at `i` (Lean's hexDigitFn, repeated).
Read hex_digits(std::string_view t, std::size_t i, int count) {
  for (int k = 0; k < count; ++k, ++i) {
    if (i >= t.size() || !is_hex(t[i])) return {false, i};
  }
  return {true, i};
}

// A string gap after `\` newline (Lean's stringGapFn): whitespace holding no second newline.
Read string_gap(std::string_view t, std::size_t i) {
  for (; i < t.size(); ++i) {
    char c = t[i];
    if (c == '\n') return {false, i};
    if (c != ' ' && c != '\t' && c != '\r') break;
  }
  return {true, i};
}

// The escape whose letter is at `i`, after a backslash (Lean's quotedCharCoreFn with
// isQuotableCharDefault). `\{` is not one: only interpolated strings have it.
Read escape(std::string_view t, std::size_t i, bool in_string) {
  if (i >= t.size()) return {false, i};
  switch (t[i]) {
    case '\\':
    case '"':
    case '\'':
    case 'r':
    case 'n':
    case 't':
      return {true, i + 1};
    case 'x':
      return hex_digits(t, i + 1, 2);
    case 'u':
      return hex_digits(t, i + 1, 4);
    case '\n':
      if (in_string) return string_gap(t, i + 1);
      return {false, i};
    default:
      return {false, i};
  }
}

// Where a string from `open` ends on a lenient reading (any `\x` pair skipped), or the end of
// the text: the extent of an error token for a string Lean may read otherwise.
std::size_t lenient_string_end(std::string_view t, std::size_t open) {
  for (std::size_t i = open + 1; i < t.size(); ++i) {
    if (t[i] == '\\') {
      ++i;
    } else if (t[i] == '"') {
      return i + 1;
    }
  }
  return t.size();
}

// After a short name or numeral in a `{...}` term, one of these may follow directly; anything
// else (an identifier character, `.`, `_`...) would make Lean read a longer token.
bool ends_operand(char c) {
  return c == ' ' || c == '\n' || c == '}' || c == ')' || c == '(' || c == '+' || c == '-' ||
         c == '*' || c == '/' || c == '%' || c == '^';
}
bool is_operator(char c) {
  return c == '+' || c == '-' || c == '*' || c == '/' || c == '%' || c == '^';
}

// The end of a short name at `i` (an ASCII letter, then ASCII digits, primes or subscript
// digits ₀-₉), or nothing if a longer identifier (or no name) starts there. No single ASCII
// letter with such a tail is a token of Lean or Mathlib, so Lean reads it as an identifier.
std::optional<std::size_t> short_name_end(std::string_view t, std::size_t i) {
  if (!is_ascii_letter(t[i])) return std::nullopt;
  ++i;
  for (;;) {
    if (i < t.size() && (is_dec(t[i]) || t[i] == '\'')) {
      ++i;
    } else if (t.substr(i, 2) == "\xE2\x82" && i + 2 < t.size() &&
               static_cast<unsigned char>(t[i + 2]) >= 0x80 &&
               static_cast<unsigned char>(t[i + 2]) <= 0x89) {
      i += 3;  // U+2080..U+2089
    } else {
      break;
    }
  }
  if (i < t.size() && !ends_operand(t[i])) return std::nullopt;
  return i;
}

// A `{...}` whose `{` ends at `i`, read as a term Lean surely parses: operands (short names,
// ASCII numerals, parenthesised terms) applied to each other or joined by `+ - * / % ^`
// (each followed by a space, a newline, an operand or `(`, so that no longer token such as
// `++`, `--` or `/-` starts there), spaces and newlines between. Returns the position after the
// closing `}`, or nothing.
std::optional<std::size_t> plain_term_end(std::string_view t, std::size_t i) {
  bool want_operand = true;
  int depth = 0;
  while (i < t.size()) {
    char c = t[i];
    if (c == ' ' || c == '\n') {
      ++i;
    } else if (c == '}') {
      if (want_operand || depth > 0) return std::nullopt;
      return i + 1;
    } else if (c == '(') {
      ++depth;
      want_operand = true;
      ++i;
    } else if (c == ')') {
      if (want_operand || depth == 0) return std::nullopt;
      --depth;
      ++i;
    } else if (is_operator(c)) {
      char next = i + 1 < t.size() ? t[i + 1] : '\0';
      bool spaced =
          next == ' ' || next == '\n' || next == '(' || is_dec(next) || is_ascii_letter(next);
      if (want_operand || !spaced) return std::nullopt;
      want_operand = true;
      ++i;
    } else if (is_dec(c)) {
      while (i < t.size() && is_dec(t[i])) ++i;
      if (i < t.size() && !ends_operand(t[i])) return std::nullopt;
      want_operand = false;
    } else if (auto end = short_name_end(t, i)) {
      i = *end;
      want_operand = false;
    } else {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// Digits of one kind with Lean's `_` separators (takeDigitsFn): a `_` must be followed by a
// digit (or more `_` and then a digit); `need_digit` says a digit must come first.
Read digits(std::string_view t, std::size_t i, bool (*is_digit)(char), bool need_digit) {
  while (i < t.size()) {
    if (t[i] == '_') {
      need_digit = true;
    } else if (is_digit(t[i])) {
      need_digit = false;
    } else {
      break;
    }
    ++i;
  }
  return {!need_digit, i};
}

}  // namespace

Scan scan_string(std::string_view t, std::size_t open, bool maybe_interpolated) {
  auto unreadable = [&](std::string_view problem) {
    return Scan{lenient_string_end(t, open), TokenKind::error, problem};
  };
  std::size_t i = open + 1;
  while (i < t.size()) {
    char c = t[i];
    if (c == '"') return {i + 1, TokenKind::string};
    if (c == '\\') {
      Read read = escape(t, i + 1, true);
      if (!read.ok) return unreadable(kInvalidEscape);
      i = read.end;
    } else if (c == '{' && maybe_interpolated) {
      auto end = plain_term_end(t, i + 1);
      if (!end) return unreadable(kOpaqueInterpolation);
      i = *end;
    } else {
      ++i;
    }
  }
  return {t.size(), TokenKind::error, kUnterminatedString};
}

bool is_raw_string_start(std::string_view t, std::size_t pos) {
  std::size_t i = pos + 1;
  while (i < t.size() && t[i] == '#') ++i;
  return t[pos] == 'r' && i < t.size() && t[i] == '"';
}

Scan scan_raw_string(std::string_view t, std::size_t pos) {
  std::size_t hashes = 0;
  while (pos + 1 + hashes < t.size() && t[pos + 1 + hashes] == '#') ++hashes;
  std::size_t i = pos + 2 + hashes;
  while ((i = t.find('"', i)) != std::string_view::npos) {
    std::size_t k = 0;
    while (k < hashes && i + 1 + k < t.size() && t[i + 1 + k] == '#') ++k;
    if (k == hashes) return {i + 1 + hashes, TokenKind::string};
    ++i;
  }
  return {t.size(), TokenKind::error, kUnterminatedString};
}

Scan scan_char_literal(std::string_view t, std::size_t pos) {
  std::size_t i = pos + 1;
  if (i >= t.size()) return {t.size(), TokenKind::error, kMalformedChar};
  Utf8Char c = decode_utf8(t, i);
  if (!c.valid) return {i, TokenKind::error, kMalformedChar};
  std::size_t j = i + static_cast<std::size_t>(c.length);
  if (c.code == '\\') {
    Read read = escape(t, j, false);
    if (!read.ok) return {std::max(read.end, j), TokenKind::error, kInvalidEscape};
    j = read.end;
  }
  if (j < t.size() && t[j] == '\'') return {j + 1, TokenKind::char_literal};
  return {j, TokenKind::error, kMalformedChar};
}

Scan scan_number(std::string_view t, std::size_t pos) {
  auto bad = [&](std::size_t end) {
    return Scan{std::max(end, pos + 1), TokenKind::error, kMalformedNumber};
  };
  if (t[pos] == '0' && pos + 1 < t.size()) {
    char base = t[pos + 1];
    bool (*is_digit)(char) = base == 'b' || base == 'B'   ? is_bin
                             : base == 'o' || base == 'O' ? is_oct
                             : base == 'x' || base == 'X' ? is_hex
                                                          : nullptr;
    if (is_digit) {
      Read read = digits(t, pos + 2, is_digit, true);
      return read.ok ? Scan{read.end, TokenKind::number} : bad(read.end);
    }
  }
  Read read = digits(t, pos + 1, is_dec, false);
  if (!read.ok) return bad(read.end);
  std::size_t i = read.end;
  if (i < t.size() && t[i] == '.') {
    ++i;  // Lean's scientific literal takes the dot even without digits after it: `2.`
    if (i < t.size() && is_dec(t[i])) {
      read = digits(t, i, is_dec, false);
      if (!read.ok) return bad(read.end);
      i = read.end;
    }
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < t.size() && (t[j] == '+' || t[j] == '-')) ++j;
    if (j >= t.size() || !is_dec(t[j])) return bad(i);  // Lean: missing exponent digits
    read = digits(t, j, is_dec, false);
    if (!read.ok) return bad(read.end);
    i = read.end;
  }
  return {i, TokenKind::number};
}

}  // namespace common::detail

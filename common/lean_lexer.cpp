#include "common/lean_lexer.hpp"

#include <algorithm>
#include <array>
#include <unordered_set>

namespace common {
namespace {

constexpr std::string_view kOpenGuillemet = "\u00AB";   // «
constexpr std::string_view kCloseGuillemet = "\u00BB";  // »

// Reserved words and commands, space-separated.
constexpr std::string_view kKeywordList =
    "theorem lemma def abbrev instance example opaque axiom structure class inductive "
    "coinductive namespace section end open export variable universe noncomputable private "
    "protected partial unsafe nonrec mutual where deriving attribute local scoped set_option "
    "import in at by fun have show from let if then else match with do return calc suffices "
    "sorry macro macro_rules syntax elab elab_rules notation infix infixl infixr prefix postfix "
    "initialize builtin_initialize declare_syntax_cat run_cmd termination_by decreasing_by omit "
    "include extends forall Type Sort Prop";

// Multi-character ASCII symbols, longest first so the first match is the longest.
constexpr std::array<std::string_view, 24> kLongSymbols = {
    "``(", "...", "<->", "<;>", "<|>", ">>=", "|>.", ":=", "::", "=>", "->", "<-",
    "..",  "|>",  "<|",  "&&",  "||",  "==",  "!=",  "<=", ">=", "++", "`(", "%["};

bool is_space(char32_t c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool is_ascii_digit(char32_t c) {
  return c >= '0' && c <= '9';
}
bool is_ascii_alpha(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Lean's `isLetterLike`: Greek (without λ, Π, Σ), Coptic, polytonic Greek, the letter-like
// block (ℕ, ℝ, ...) and the mathematical alphanumerics (𝓝, 𝔽, ...).
bool is_letter_like(char32_t c) {
  return (c >= 0x3B1 && c <= 0x3C9 && c != 0x3BB) ||
         (c >= 0x391 && c <= 0x3A9 && c != 0x3A0 && c != 0x3A3) || (c >= 0x3CA && c <= 0x3FB) ||
         (c >= 0x1F00 && c <= 0x1FFE) || (c >= 0x2100 && c <= 0x214F) ||
         (c >= 0x1D49C && c <= 0x1D59F);
}

// Beyond Lean: accented Latin and Cyrillic letters, so that a name Lean would reject is at
// least one token rather than a run of symbols.
bool is_permissive_letter(char32_t c) {
  return (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x400 && c <= 0x4FF);
}

// Lean's `isSubScriptAlnum`: ₀-₉, ₐ-ₜ, ᵢ-ᵪ.
bool is_subscript(char32_t c) {
  return (c >= 0x2080 && c <= 0x2089) || (c >= 0x2090 && c <= 0x209C) ||
         (c >= 0x1D62 && c <= 0x1D6A);
}

struct Scan {
  std::size_t end;
  TokenKind kind;
  std::string_view problem = {};
};

// Scans one token at a time; every scan ends past its start.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : m_text(text) {}

  Scan scan(std::size_t pos) const {
    Utf8Char c = decode_utf8(m_text, pos);
    if (!c.valid) return {pos + 1, TokenKind::error, "invalid UTF-8"};
    if (is_space(c.code)) return whitespace(pos);
    if (starts(pos, "--")) return line_comment(pos);
    if (starts(pos, "/-")) return checked(pos, block_comment(pos), "invalid UTF-8 in a comment");
    if (c.code == '"') return checked(pos, string(pos + 1, false), "invalid UTF-8 in a string");
    if (c.code == 'r' && is_raw_string(pos))
      return checked(pos, raw_string(pos), "invalid UTF-8 in a string");
    if (c.code == '\'') return char_literal(pos);
    if (starts(pos, kOpenGuillemet) || is_identifier_start(c.code)) return identifier(pos);
    if (is_ascii_digit(c.code)) return number(pos);
    if (c.code == '#') return hash(pos);
    if (starts(pos, "@[")) return {pos + 2, TokenKind::keyword};
    return symbol(pos, c);
  }

 private:
  bool starts(std::size_t pos, std::string_view prefix) const {
    return m_text.substr(pos, prefix.size()) == prefix;
  }
  char byte(std::size_t pos) const { return pos < m_text.size() ? m_text[pos] : '\0'; }
  // The code point at `pos`, or U+0000 at the end / U+FFFD for an invalid byte.
  char32_t code(std::size_t pos) const {
    return pos < m_text.size() ? decode_utf8(m_text, pos).code : U'\0';
  }
  std::size_t after(std::size_t pos) const { return pos + decode_utf8(m_text, pos).length; }

  Scan checked(std::size_t pos, Scan scan, std::string_view problem) const {
    if (scan.kind != TokenKind::error && find_invalid_utf8(m_text.substr(pos, scan.end - pos))) {
      return {scan.end, TokenKind::error, problem};
    }
    return scan;
  }

  Scan whitespace(std::size_t pos) const {
    while (pos < m_text.size() && is_space(static_cast<unsigned char>(m_text[pos]))) ++pos;
    return {pos, TokenKind::whitespace};
  }

  Scan line_comment(std::size_t pos) const {
    std::size_t end = m_text.find('\n', pos);
    return {end == std::string_view::npos ? m_text.size() : end, TokenKind::line_comment};
  }

  // `/-` nests; `/--` and `/-!` open doc comments. Only `/-` and `-/` are special inside.
  Scan block_comment(std::size_t pos) const {
    bool doc = byte(pos + 2) == '-' || byte(pos + 2) == '!';
    std::size_t i = pos + (doc ? 3 : 2);
    int depth = 1;
    while (i + 1 < m_text.size()) {
      if (m_text[i] == '-' && m_text[i + 1] == '/') {
        i += 2;
        if (--depth == 0) return {i, doc ? TokenKind::doc_comment : TokenKind::block_comment};
      } else if (m_text[i] == '/' && m_text[i + 1] == '-') {
        i += 2;
        ++depth;
      } else {
        ++i;
      }
    }
    return {m_text.size(), TokenKind::error, "unterminated comment"};
  }

  // The end of a string whose body starts at `i`, or npos. In an interpolated string
  // (`s!"a {f "b"} c"`) the `{...}` parts may hold plain strings of their own.
  std::size_t string_end(std::size_t i, bool interpolated) const {
    int depth = 0;
    while (i < m_text.size()) {
      char b = m_text[i];
      if (b == '\\') {
        i += 2;
      } else if (b == '"' && depth == 0) {
        return i + 1;
      } else if (b == '"') {
        i = string_end(i + 1, false);
        if (i == std::string_view::npos) return i;
      } else {
        if (interpolated && b == '{') ++depth;
        if (interpolated && b == '}' && depth > 0) --depth;
        ++i;
      }
    }
    return std::string_view::npos;
  }

  Scan string(std::size_t body, bool interpolated) const {
    std::size_t end = string_end(body, interpolated);
    if (end == std::string_view::npos) {
      return {m_text.size(), TokenKind::error, "unterminated string literal"};
    }
    return {end, TokenKind::string};
  }

  bool is_raw_string(std::size_t pos) const {
    std::size_t i = pos + 1;
    while (byte(i) == '#') ++i;
    return byte(i) == '"';
  }

  // r"..." or r#"..."#: no escapes; closes at `"` followed by as many `#` as opened.
  Scan raw_string(std::size_t pos) const {
    std::size_t hashes = 0;
    while (byte(pos + 1 + hashes) == '#') ++hashes;
    std::size_t i = pos + 2 + hashes;
    while ((i = m_text.find('"', i)) != std::string_view::npos) {
      std::size_t k = 0;
      while (k < hashes && byte(i + 1 + k) == '#') ++k;
      if (k == hashes) return {i + 1 + hashes, TokenKind::string};
      ++i;
    }
    return {m_text.size(), TokenKind::error, "unterminated string literal"};
  }

  // 'a', '\n', '\x41', '\u{3B1}'; a prime that does not close within that shape is a symbol
  // (Mathlib's image notation `f '' s`).
  Scan char_literal(std::size_t pos) const {
    std::size_t i = pos + 1;
    if (i >= m_text.size() || !decode_utf8(m_text, i).valid || byte(i) == '\n') {
      return {pos + 1, TokenKind::symbol};
    }
    std::size_t j = after(i);
    if (byte(i) == '\\' && j < m_text.size()) {
      if (byte(j) == 'x') {
        j += 3;
      } else if (byte(j) == 'u' && byte(j + 1) == '{') {
        std::size_t close = m_text.substr(j, 12).find('}');  // bounded: no quadratic scans
        j = close == std::string_view::npos ? j : j + close + 1;
      } else if (decode_utf8(m_text, j).valid) {
        j = after(j);
      }
    }
    if (byte(j) == '\'' && j < m_text.size()) return {j + 1, TokenKind::char_literal};
    return {pos + 1, TokenKind::symbol};
  }

  Scan identifier(std::size_t pos) const {
    std::size_t i = pos;
    for (;;) {
      if (starts(i, kOpenGuillemet)) {
        std::size_t close = m_text.find(kCloseGuillemet, i + kOpenGuillemet.size());
        if (close == std::string_view::npos) {
          return {m_text.size(), TokenKind::error, "unterminated \u00AB\u00BB name"};
        }
        i = close + kCloseGuillemet.size();
      } else {
        i = after(i);
        while (i < m_text.size() && is_identifier_rest(code(i))) i = after(i);
      }
      bool dotted = byte(i) == '.' && i + 1 < m_text.size() &&
                    (starts(i + 1, kOpenGuillemet) || is_identifier_start(code(i + 1)));
      if (!dotted) break;
      ++i;
    }
    if (m_text[i - 1] == '!' && byte(i) == '"') {
      return checked(pos, string(i + 1, true), "invalid UTF-8 in a string");
    }
    bool keyword = is_keyword(m_text.substr(pos, i - pos));
    return {i, keyword ? TokenKind::keyword : TokenKind::identifier};
  }

  std::size_t digits(std::size_t i, bool (*is_digit)(char)) const {
    while (i < m_text.size() && is_digit(m_text[i])) ++i;
    return i;
  }

  Scan number(std::size_t pos) const {
    static constexpr auto dec = [](char c) { return c >= '0' && c <= '9'; };
    static constexpr auto hex = [](char c) {
      return dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    };
    static constexpr auto bin = [](char c) { return c == '0' || c == '1'; };
    static constexpr auto oct = [](char c) { return c >= '0' && c <= '7'; };
    char base = byte(pos + 1);
    if (byte(pos) == '0') {
      if ((base == 'x' || base == 'X') && hex(byte(pos + 2)))
        return {digits(pos + 2, hex), TokenKind::number};
      if ((base == 'b' || base == 'B') && bin(byte(pos + 2)))
        return {digits(pos + 2, bin), TokenKind::number};
      if ((base == 'o' || base == 'O') && oct(byte(pos + 2)))
        return {digits(pos + 2, oct), TokenKind::number};
    }
    std::size_t i = digits(pos, dec);
    if (byte(i) == '.' && dec(byte(i + 1))) i = digits(i + 1, dec);
    if (byte(i) == 'e' || byte(i) == 'E') {
      std::size_t j = i + 1;
      if (byte(j) == '+' || byte(j) == '-') ++j;
      if (dec(byte(j))) i = digits(j, dec);
    }
    return {i, TokenKind::number};
  }

  // `#print`, `#eval`, `#guard_msgs`... are commands; `#[` opens an array literal.
  Scan hash(std::size_t pos) const {
    if (byte(pos + 1) == '[') return {pos + 2, TokenKind::symbol};
    if (!is_ascii_alpha(static_cast<unsigned char>(byte(pos + 1))))
      return {pos + 1, TokenKind::symbol};
    std::size_t i = pos + 1;
    while (i < m_text.size() &&
           (is_ascii_alpha(static_cast<unsigned char>(m_text[i])) ||
            is_ascii_digit(static_cast<unsigned char>(m_text[i])) || m_text[i] == '_')) {
      ++i;
    }
    return {i, TokenKind::keyword};
  }

  Scan symbol(std::size_t pos, Utf8Char c) const {
    for (std::string_view s : kLongSymbols) {
      if (starts(pos, s)) return {pos + s.size(), TokenKind::symbol};
    }
    if (starts(pos, "\u207B\u00B9")) return {pos + 5, TokenKind::symbol};  // ⁻¹
    return {pos + static_cast<std::size_t>(c.length), TokenKind::symbol};
  }

  std::string_view m_text;
};

}  // namespace

LeanLexer::LeanLexer(std::string_view text, Whitespace whitespace)
    : m_text(text), m_whitespace(whitespace) {}

std::optional<Token> LeanLexer::next() {
  Scanner scanner(m_text);
  while (m_pos < m_text.size()) {
    Scan scan = scanner.scan(m_pos);
    Token token{scan.kind,   m_text.substr(m_pos, scan.end - m_pos), m_pos, m_line, m_column,
                scan.problem};
    advance_to(scan.end);
    if (token.kind == TokenKind::whitespace && m_whitespace == Whitespace::skip) continue;
    return token;
  }
  return std::nullopt;
}

void LeanLexer::advance_to(std::size_t end) {
  while (m_pos < end) {
    Utf8Char c = decode_utf8(m_text, m_pos);
    if (c.code == '\n') {
      ++m_line;
      m_column = 0;
    } else {
      ++m_column;
    }
    m_pos += static_cast<std::size_t>(c.length);
  }
}

std::vector<Token> lex(std::string_view text, Whitespace whitespace) {
  std::vector<Token> tokens;
  LeanLexer lexer(text, whitespace);
  while (auto token = lexer.next()) tokens.push_back(*token);
  return tokens;
}

bool is_comment(TokenKind kind) {
  return kind == TokenKind::line_comment || kind == TokenKind::block_comment ||
         kind == TokenKind::doc_comment;
}

std::string_view to_string(TokenKind kind) {
  static constexpr std::array<std::string_view, 11> kNames = {
      "identifier",   "keyword",       "symbol",      "number",     "string", "char_literal",
      "line_comment", "block_comment", "doc_comment", "whitespace", "error"};
  auto index = static_cast<std::size_t>(kind);
  return index < kNames.size() ? kNames[index] : "unknown";
}

bool is_keyword(std::string_view word) {
  static const std::unordered_set<std::string_view> kKeywords = [] {
    std::unordered_set<std::string_view> words;
    std::string_view list = kKeywordList;
    while (!list.empty()) {
      std::size_t space = std::min(list.find(' '), list.size());
      words.insert(list.substr(0, space));
      list.remove_prefix(std::min(space + 1, list.size()));
    }
    return words;
  }();
  return kKeywords.count(word) != 0;
}

bool is_identifier_start(char32_t c) {
  return is_ascii_alpha(c) || c == '_' || is_letter_like(c) || is_permissive_letter(c);
}

bool is_identifier_rest(char32_t c) {
  return is_identifier_start(c) || is_ascii_digit(c) || c == '\'' || c == '!' || c == '?' ||
         is_subscript(c);
}

bool is_plain_identifier(std::string_view component) {
  if (component.empty() || find_invalid_utf8(component) || is_keyword(component)) return false;
  for (std::size_t i = 0; i < component.size();) {
    Utf8Char c = decode_utf8(component, i);
    if (!(i == 0 ? is_identifier_start(c.code) : is_identifier_rest(c.code))) return false;
    i += static_cast<std::size_t>(c.length);
  }
  return true;
}

Utf8Char decode_utf8(std::string_view text, std::size_t offset) {
  constexpr Utf8Char kInvalid{0xFFFD, 1, false};
  auto b0 = static_cast<unsigned char>(text[offset]);
  if (b0 < 0x80) return {b0, 1, true};
  int length = 0;
  char32_t code = 0;
  char32_t minimum = 0;
  if ((b0 & 0xE0) == 0xC0) {
    length = 2, code = b0 & 0x1F, minimum = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    length = 3, code = b0 & 0x0F, minimum = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    length = 4, code = b0 & 0x07, minimum = 0x10000;
  } else {
    return kInvalid;
  }
  if (offset + static_cast<std::size_t>(length) > text.size()) return kInvalid;
  for (int k = 1; k < length; ++k) {
    auto b = static_cast<unsigned char>(text[offset + static_cast<std::size_t>(k)]);
    if ((b & 0xC0) != 0x80) return kInvalid;
    code = (code << 6) | (b & 0x3F);
  }
  if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return kInvalid;
  return {code, length, true};
}

std::optional<std::size_t> find_invalid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    Utf8Char c = decode_utf8(text, i);
    if (!c.valid) return i;
    i += static_cast<std::size_t>(c.length);
  }
  return std::nullopt;
}

}  // namespace common

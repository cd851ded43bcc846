#include "common/lean_lexer.hpp"

#include <algorithm>
#include <array>
#include <unordered_set>

#include "common/lean_literals.hpp"

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

using detail::Scan;

// Symbols that end in a prime: Lean core's `×'` and `Σ'`, Mathlib's `⁻¹'`, `∑'`, `∏'`, `∘'`
// (Mathlib's `''` is read at the prime).
constexpr std::array<std::string_view, 6> kPrimeSymbols = {"\u00D7'", "\u03A3'", "\u207B\u00B9'",
                                                           "\u2211'", "\u220F'", "\u2218'"};

// A prime right after one of these opens a char literal: no token of Lean or Mathlib is the
// bracket or comma followed by a prime.
bool may_precede_char_literal(char32_t c) {
  return c == '(' || c == '[' || c == '{' || c == ',' || c == 0x27E8 /* ⟨ */ || c == 0x2983 /* ⦃ */;
}

// Words after which Lean may read a string as interpolated, besides any word ending in `!`
// (`s!`, `m!`, `f!`, `println!`, `panic!`...): Lean core's syntaxes that take
// `interpolatedStr(term) <|> term`, and the logging functions that usually come with them.
constexpr std::array<std::string_view, 14> kInterpolatingWords = {
    "throwError", "throwErrorAt", "throwNamedError", "throwNamedErrorAt", "trace",
    "dbg_trace",  "logInfo",      "logInfoAt",       "logWarning",        "logWarningAt",
    "logError",   "logErrorAt",   "logNamedError",   "logNamedErrorAt"};

// True if `word` (an identifier or keyword) may introduce an interpolated string, here or after
// an argument (`throwErrorAt ref "..."`).
bool interpolating_word(std::string_view word) {
  std::string_view last = word.substr(std::min(word.rfind('.') + 1, word.size()));
  if (!last.empty() && last.back() == '!') return true;
  return std::find(kInterpolatingWords.begin(), kInterpolatingWords.end(), last) !=
         kInterpolatingWords.end();
}

// What the scan at a position needs to know about the text before it.
struct Context {
  // The token that ends where the scan starts (whitespace and comments included).
  TokenKind adjacent_kind;
  std::string_view adjacent_text;
  // True if a string starting here may be interpolated (see TokenKind::string).
  bool maybe_interpolated;
};

// Scans one token at a time; every scan ends past its start.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : m_text(text) {}

  Scan scan(std::size_t pos, const Context& context) const {
    Utf8Char c = decode_utf8(m_text, pos);
    if (!c.valid) return {pos + 1, TokenKind::error, detail::kInvalidUtf8};
    if (is_space(c.code)) return whitespace(pos);
    if (starts(pos, "--")) return line_comment(pos);
    if (starts(pos, "/-")) {
      return checked(pos, block_comment(pos), detail::kInvalidUtf8InComment);
    }
    if (c.code == '"') {
      return checked(pos, detail::scan_string(m_text, pos, context.maybe_interpolated),
                     detail::kInvalidUtf8InString);
    }
    if (c.code == 'r' && detail::is_raw_string_start(m_text, pos)) {
      return checked(pos, detail::scan_raw_string(m_text, pos), detail::kInvalidUtf8InString);
    }
    if (c.code == '\'') return prime(pos, context);
    if (starts(pos, kOpenGuillemet) || is_identifier_start(c.code)) return identifier(pos);
    if (is_ascii_digit(c.code)) return detail::scan_number(m_text, pos);
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
    return {m_text.size(), TokenKind::error, detail::kUnterminatedComment};
  }

  // A prime where a token starts. Lean reads `''` as a token (Mathlib's image) and any other
  // prime as a char literal, unless the symbol before it is a longer token that takes the
  // prime; the lexer knows only kPrimeSymbols, so after any other symbol it cannot tell.
  Scan prime(std::size_t pos, const Context& context) const {
    std::string_view before = context.adjacent_text;
    if (context.adjacent_kind == TokenKind::symbol && !before.empty()) {
      std::size_t last = before.size() - 1;
      while (last > 0 && (static_cast<unsigned char>(before[last]) & 0xC0) == 0x80) --last;
      if (!may_precede_char_literal(decode_utf8(before, last).code)) {
        return {pos + 1, TokenKind::error, detail::kPrimeAfterSymbol};
      }
    }
    if (byte(pos + 1) == '\'') return {pos + 2, TokenKind::symbol};
    return detail::scan_char_literal(m_text, pos);
  }

  // A prime after a letter that Lean does not accept (`é'`) makes an error token: Lean stops
  // at the letter and resumes after it, where the prime may open a char literal.
  Scan identifier(std::size_t pos) const {
    std::size_t i = pos;
    bool foreign = false;
    bool foreign_prime = false;
    auto take = [&](std::size_t at) {
      char32_t c = code(at);
      foreign_prime = foreign_prime || (foreign && c == '\'');
      foreign = foreign || is_permissive_letter(c);
      return after(at);
    };
    for (;;) {
      if (starts(i, kOpenGuillemet)) {
        std::size_t close = m_text.find(kCloseGuillemet, i + kOpenGuillemet.size());
        if (close == std::string_view::npos) {
          return {m_text.size(), TokenKind::error, detail::kUnterminatedName};
        }
        i = close + kCloseGuillemet.size();
      } else {
        i = take(i);
        while (i < m_text.size() && is_identifier_rest(code(i))) i = take(i);
      }
      bool dotted = byte(i) == '.' && i + 1 < m_text.size() &&
                    (starts(i + 1, kOpenGuillemet) || is_identifier_start(code(i + 1)));
      if (!dotted) break;
      ++i;
    }
    if (foreign_prime) return {i, TokenKind::error, detail::kPrimeAfterForeignLetter};
    bool keyword = is_keyword(m_text.substr(pos, i - pos));
    return {i, keyword ? TokenKind::keyword : TokenKind::identifier};
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
    for (std::string_view s : kPrimeSymbols) {
      if (starts(pos, s)) return {pos + s.size(), TokenKind::symbol};
    }
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
    bool after_word = m_code_kind == TokenKind::identifier || m_code_kind == TokenKind::keyword ||
                      (m_code_kind == TokenKind::symbol && m_code_text == "]");
    Context context{m_adjacent_kind, m_adjacent_text, after_word || m_interpolating_seen};
    Scan scan = scanner.scan(m_pos, context);
    Token token{scan.kind,   m_text.substr(m_pos, scan.end - m_pos), m_pos, m_line, m_column,
                scan.problem};
    m_adjacent_kind = token.kind;
    m_adjacent_text = token.text;
    if (token.kind != TokenKind::whitespace && !is_comment(token.kind)) {
      m_code_kind = token.kind;
      m_code_text = token.text;
      if (token.kind == TokenKind::identifier || token.kind == TokenKind::keyword) {
        m_interpolating_seen = m_interpolating_seen || interpolating_word(token.text);
      }
    }
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

bool error_may_hide_code(const Token& token) {
  if (token.kind != TokenKind::error) return false;
  return token.problem != detail::kUnterminatedComment && token.problem != detail::kInvalidUtf8 &&
         token.problem != detail::kInvalidUtf8InComment &&
         token.problem != detail::kInvalidUtf8InString;
}

bool is_mathlib_prime_symbol(std::string_view symbol) {
  return symbol == "''" || symbol == "\u207B\u00B9'" || symbol == "\u2211'" ||
         symbol == "\u220F'" || symbol == "\u2218'";
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

Utf8Char decode_utf8_multibyte(std::string_view text, std::size_t offset) {
  constexpr Utf8Char kInvalid{0xFFFD, 1, false};
  auto b0 = static_cast<unsigned char>(text[offset]);
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

#include "lexer.hpp"

#include <cctype>
#include <cstddef>

namespace fake_repl {
namespace {

bool is_letter_like(char32_t c) {
  return (0x3b1 <= c && c <= 0x3c9 && c != 0x3bb) ||                // lower Greek except λ
         (0x391 <= c && c <= 0x3a9 && c != 0x3a0 && c != 0x3a3) ||  // upper Greek except Π Σ
         (0x3ca <= c && c <= 0x3fb) || (0x1f00 <= c && c <= 0x1ffe) ||
         (0x2100 <= c && c <= 0x214f) || (0x1d49c <= c && c <= 0x1d59f);
}

bool is_extra_letter(char32_t c) {
  return (0xc0 <= c && c <= 0x24f && c != 0xd7 && c != 0xf7) || (0x400 <= c && c <= 0x4ff);
}

bool is_id_first(char32_t c) {
  return (c < 0x80 && (std::isalpha(static_cast<int>(c)) || c == '_')) || is_letter_like(c) ||
         is_extra_letter(c);
}

bool is_subscript(char32_t c) {
  return (0x2080 <= c && c <= 0x2089) || (0x2090 <= c && c <= 0x209c) ||
         (0x1d62 <= c && c <= 0x1d6a);
}

bool is_id_rest(char32_t c) {
  return is_id_first(c) || (c < 0x80 && std::isdigit(static_cast<int>(c))) || c == '\'' ||
         c == '!' || c == '?' || is_subscript(c);
}

constexpr char32_t end_of_input = 0xffffffff;

class Lexer {
 public:
  explicit Lexer(std::string_view source) : m_source(source) {}

  std::vector<Token> run() {
    while (m_offset < m_source.size()) {
      char32_t c = peek();
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        advance();
      } else if (c == '-' && peek(1) == '-') {
        line_comment();
      } else if (c == '/' && peek(1) == '-') {
        block_comment();
      } else if (c == '"') {
        string_literal();
      } else if (c == '#' && (is_id_first(peek(1)) || peek(1) == U'«')) {
        token(TokenKind::hash_command, [&] {
          advance();
          identifier();
        });
      } else if (is_id_first(c) || c == U'«') {
        token(TokenKind::identifier, [&] { identifier(); });
      } else if (c == '\'') {
        token(TokenKind::symbol, [&] { char_literal(); });
      } else if (c < 0x80 && std::isdigit(static_cast<int>(c))) {
        token(TokenKind::symbol, [&] {
          while (peek() < 0x80 && std::isalnum(static_cast<int>(peek()))) advance();
        });
      } else {
        token(TokenKind::symbol, [&] { advance(); });
      }
    }
    return std::move(m_tokens);
  }

 private:
  std::string_view m_source;
  std::size_t m_offset = 0;
  Position m_position;
  std::vector<Token> m_tokens;

  // Decodes the code point `ahead` code points after the current one (lenient UTF-8).
  char32_t peek(std::size_t ahead = 0) const {
    std::size_t offset = m_offset;
    char32_t c = end_of_input;
    for (std::size_t i = 0; i <= ahead; ++i) {
      if (offset >= m_source.size()) return end_of_input;
      auto lead = static_cast<unsigned char>(m_source[offset]);
      std::size_t length = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
      c = length == 1 ? lead : lead & (0xff >> (length + 1));
      for (std::size_t k = 1; k < length && offset + k < m_source.size(); ++k)
        c = (c << 6) | (static_cast<unsigned char>(m_source[offset + k]) & 0x3f);
      offset += length;
    }
    return c;
  }

  void advance() {
    if (m_offset >= m_source.size()) return;
    char32_t c = peek();
    do {
      ++m_offset;
    } while (m_offset < m_source.size() &&
             (static_cast<unsigned char>(m_source[m_offset]) & 0xc0) == 0x80);
    if (c == '\n') {
      ++m_position.line;
      m_position.column = 0;
    } else {
      ++m_position.column;
    }
  }

  template <typename Scan>
  void token(TokenKind kind, Scan scan) {
    std::size_t start = m_offset;
    Position begin = m_position;
    scan();
    m_tokens.push_back({kind, std::string(m_source.substr(start, m_offset - start)), begin,
                        m_position, start, m_offset});
  }

  void identifier() {
    for (;;) {
      if (peek() == U'«') {
        while (peek() != end_of_input && peek() != U'»') advance();
        advance();
      } else {
        advance();
        while (is_id_rest(peek())) advance();
      }
      if (peek() != '.' || !(is_id_first(peek(1)) || peek(1) == U'«')) return;
      advance();
    }
  }

  void line_comment() {
    std::size_t start = m_offset;
    Position begin = m_position;
    while (peek() != end_of_input && peek() != '\n') advance();
    std::string_view text = m_source.substr(start, m_offset - start);
    if (!text.starts_with("--!")) return;
    text.remove_prefix(3);
    auto first = text.find_first_not_of(" \t\r");
    auto last = text.find_last_not_of(" \t\r");
    std::string content = first == std::string_view::npos
                              ? std::string()
                              : std::string(text.substr(first, last - first + 1));
    m_tokens.push_back({TokenKind::directive, content, begin, m_position, start, m_offset});
  }

  void block_comment() {
    int depth = 0;
    do {
      if (peek() == '/' && peek(1) == '-') {
        advance();
        advance();
        ++depth;
      } else if (peek() == '-' && peek(1) == '/') {
        advance();
        advance();
        --depth;
      } else {
        advance();
      }
    } while (depth > 0 && peek() != end_of_input);
  }

  void string_literal() {
    token(TokenKind::string_literal, [&] {
      advance();
      while (peek() != end_of_input && peek() != '"') {
        if (peek() == '\\') advance();
        advance();
      }
      advance();
    });
  }

  // `'a'` and `'\n'` are character literals; any other `'` is a lone symbol.
  void char_literal() {
    advance();
    if (peek() == '\\' && peek(2) == '\'') {
      advance(), advance(), advance();
    } else if (peek() != end_of_input && peek() != '\\' && peek(1) == '\'') {
      advance(), advance();
    }
  }
};

}  // namespace

std::vector<Token> tokenize(std::string_view source) {
  return Lexer(source).run();
}

}  // namespace fake_repl

#include "common/lean_header.hpp"

#include <optional>

#include "common/lean_lexer.hpp"

namespace common {
namespace {

bool is_import(const Token& token) {
  return token.kind == TokenKind::keyword && token.text == "import";
}

bool is_import_modifier(const Token& token) {
  return token.kind == TokenKind::identifier &&
         (token.text == "public" || token.text == "meta" || token.text == "private");
}

// Next token that is not a comment.
std::optional<Token> next_code(LeanLexer& lexer) {
  auto token = lexer.next();
  while (token && is_comment(token->kind)) token = lexer.next();
  return token;
}

// Reads one import command starting at `first` (`import` or a modifier followed by `import`)
// into `line`; returns the token after it. The first module name may sit on a later line;
// further names (`import A B`) must share the line of the name before them.
std::optional<Token> read_import(LeanLexer& lexer, Token first, std::string& line,
                                 std::size_t& end) {
  line.append(first.text);
  auto token = next_code(lexer);
  if (!is_import(first) && token) {  // the modifier's `import`
    line.append(" ").append(token->text);
    token = next_code(lexer);
  }
  int previous_line = -1;
  end = first.offset + first.text.size();
  while (token && token->kind == TokenKind::identifier &&
         (previous_line < 0 || token->line == previous_line)) {
    line.append(" ").append(token->text);
    previous_line = token->line;
    end = token->offset + token->text.size();
    token = next_code(lexer);
  }
  return token;
}

// True if `token` starts an import command (looking one token ahead for a modifier).
bool starts_import(const Token& token, const LeanLexer& lexer) {
  if (is_import(token)) return true;
  if (!is_import_modifier(token)) return false;
  LeanLexer ahead = lexer;
  auto next = next_code(ahead);
  return next && is_import(*next) && next->line == token.line;
}

int line_count(std::string_view text) {
  int lines = 0;
  for (char c : text) lines += c == '\n';
  return lines + (!text.empty() && text.back() != '\n');
}

}  // namespace

HeaderParts split_header(std::string_view text) {
  HeaderParts parts;
  LeanLexer lexer(text);
  std::size_t imports_end = 0;
  auto token = next_code(lexer);
  while (token && starts_import(*token, lexer)) {
    std::string line;
    token = read_import(lexer, *token, line, imports_end);
    if (!parts.imports.empty()) parts.imports.push_back('\n');
    parts.imports.append(line);
  }
  if (!token) {
    parts.rest_first_line = line_count(text) + 1;
    return parts;
  }
  std::size_t line_start = text.rfind('\n', token->offset == 0 ? 0 : token->offset - 1);
  line_start = (line_start == std::string_view::npos || token->offset == 0) ? 0 : line_start + 1;
  std::size_t start = line_start < imports_end ? token->offset : line_start;
  parts.rest = std::string(text.substr(start));
  parts.rest_first_line = token->line;
  return parts;
}

}  // namespace common

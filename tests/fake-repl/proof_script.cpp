#include "proof_script.hpp"

#include <set>

namespace fake_repl {
namespace {


bool is_symbol(const Token& t, const char* text) {
  return t.kind == TokenKind::symbol && t.text == text;
}

// `:=` is lexed as `:` then `=` with no gap.
bool is_assign(const std::vector<Token>& tokens, std::size_t i) {
  return i + 1 < tokens.size() && is_symbol(tokens[i], ":") && is_symbol(tokens[i + 1], "=") &&
         tokens[i].end_offset == tokens[i + 1].offset;
}

// The first index in [from, end) of a depth-0 token satisfying `want`, or `end`.
template <typename Want>
std::size_t find_top(const std::vector<Token>& tokens, std::size_t from, std::size_t end,
                     Want want) {
  int depth = 0;
  for (std::size_t i = from; i < end; ++i) {
    if (depth == 0 && want(i)) return i;
    if (is_open(tokens[i])) ++depth;
    if (is_close(tokens[i])) --depth;
  }
  return end;
}

}  // namespace

bool is_open(const Token& t) {
  return t.kind == TokenKind::symbol &&
         (t.text == "(" || t.text == "{" || t.text == "[" || t.text == "⦃" || t.text == "⟨");
}

bool is_close(const Token& t) {
  return t.kind == TokenKind::symbol &&
         (t.text == ")" || t.text == "}" || t.text == "]" || t.text == "⦄" || t.text == "⟩");
}

std::string join_tokens(const std::vector<Token>& tokens, std::size_t first, std::size_t last) {
  std::string out;
  const Token* previous = nullptr;
  for (std::size_t i = first; i <= last && i < tokens.size(); ++i) {
    if (tokens[i].kind == TokenKind::directive) continue;
    if (previous != nullptr && previous->end_offset != tokens[i].offset) out += ' ';
    out += tokens[i].text;
    previous = &tokens[i];
  }
  return out;
}

bool starts_command(const Token& token) {
  static const std::set<std::string> commands = {
      "theorem",   "lemma",         "def",     "abbrev",    "axiom",    "opaque",
      "structure", "inductive",     "class",   "example",   "instance", "namespace",
      "section",   "end",           "open",    "variable",  "universe", "set_option",
      "attribute", "noncomputable", "private", "protected", "import",   "mutual"};
  return token.kind == TokenKind::hash_command ||
         (token.kind == TokenKind::identifier && commands.contains(token.text)) ||
         is_symbol(token, "@");
}

std::optional<DeclHeader> parse_header(const std::vector<Token>& tokens, std::size_t from) {
  DeclHeader header;
  for (std::size_t i = from; i < tokens.size();) {
    const Token& token = tokens[i];
    if (token.kind == TokenKind::directive) {
      ++i;
      continue;
    }
    if (is_open(token) && token.text != "⟨") {
      std::size_t close = find_top(tokens, i + 1, tokens.size(),
                                   [&](std::size_t k) { return is_close(tokens[k]); });
      if (close == tokens.size()) return std::nullopt;
      std::size_t colon = find_top(tokens, i + 1, close, [&](std::size_t k) {
        return is_symbol(tokens[k], ":") && !is_assign(tokens, k);
      });
      if (colon == close) {
        if (token.text != "[" || close == i + 1) return std::nullopt;
        header.goal.hyps.push_back({"inst✝", join_tokens(tokens, i + 1, close - 1)});
        header.brackets.push_back(token.text);
      } else {
        std::size_t type_end =
            find_top(tokens, colon + 1, close, [&](std::size_t k) { return is_assign(tokens, k); });
        if (type_end == colon + 1 || colon == i + 1) return std::nullopt;
        std::string type = join_tokens(tokens, colon + 1, type_end - 1);
        for (std::size_t k = i + 1; k < colon; ++k) {
          if (tokens[k].kind == TokenKind::directive) continue;
          if (tokens[k].kind != TokenKind::identifier) return std::nullopt;
          header.goal.hyps.push_back({tokens[k].text == "_" ? "x✝" : tokens[k].text, type});
          header.brackets.push_back(token.text);
        }
      }
      i = close + 1;
      continue;
    }
    if (!is_symbol(token, ":") || is_assign(tokens, i)) return std::nullopt;
    std::size_t assign =
        find_top(tokens, i + 1, tokens.size(), [&](std::size_t k) { return is_assign(tokens, k); });
    if (assign == tokens.size() || assign == i + 1) return std::nullopt;
    header.goal.target = join_tokens(tokens, i + 1, assign - 1);
    header.body = assign + 2;
    settle_names(header.goal.hyps);
    return header;
  }
  return std::nullopt;
}

std::vector<TacticSpan> tactic_spans(const std::vector<Token>& tokens, std::size_t first) {
  std::vector<TacticSpan> spans;
  while (first < tokens.size() && tokens[first].kind == TokenKind::directive) ++first;
  if (first >= tokens.size()) return spans;
  int column = tokens[first].begin.column;
  TacticSpan current{first, first, {}};
  std::size_t previous = first;
  for (std::size_t j = first + 1; j < tokens.size(); ++j) {
    if (tokens[j].kind == TokenKind::directive) continue;
    if (tokens[j].begin.line != tokens[previous].end.line) {
      int at = tokens[j].begin.column;
      if (at < column || (at == column && starts_command(tokens[j]))) break;
      if (at == column) {
        spans.push_back(current);
        current = {j, j, {}};
      }
    }
    current.last = j;
    previous = j;
  }
  spans.push_back(current);
  for (TacticSpan& span : spans) span.text = join_tokens(tokens, span.first, span.last);
  return spans;
}

}  // namespace fake_repl

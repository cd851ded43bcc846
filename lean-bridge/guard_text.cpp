#include "lean-bridge/guard_text.hpp"

#include <algorithm>

namespace lean_bridge::guard_text {

bool one_of(std::string_view word, std::string_view list) {
  for (size_t at = list.find(word); at != std::string_view::npos; at = list.find(word, at + 1)) {
    size_t end = at + word.size();
    if ((at == 0 || list[at - 1] == ' ') && (end == list.size() || list[end] == ' ')) return true;
  }
  return false;
}

Code::Code(std::string_view text) : m_text(text) {
  common::LeanLexer lexer(text);
  while (auto t = lexer.next()) {
    if (common::is_comment(t->kind)) continue;
    m_toks.push_back({static_cast<uint32_t>(t->offset), static_cast<uint32_t>(t->text.size()),
                      t->line, t->column, t->kind, common::error_may_hide_code(*t)});
  }
}

std::string Code::span(size_t first, size_t end) const {
  end = std::clamp(end, first + 1, size());
  const Tok& last = m_toks[end - 1];
  std::string_view raw =
      m_text.substr(m_toks[first].offset, last.offset + last.size - m_toks[first].offset);
  std::string out;
  int code_points = 0;
  for (size_t i = 0; i < raw.size(); ++code_points) {
    if (code_points == 80) return out + "...";
    auto c = common::decode_utf8(raw, i);
    bool space = c.code == ' ' || c.code == '\t' || c.code == '\r' || c.code == '\n';
    if (!space || out.empty() || out.back() != ' ') {
      out.append(space ? " " : raw.substr(i, static_cast<size_t>(c.length)));
    }
    i += static_cast<size_t>(c.length);
  }
  return out;
}

size_t Code::line_end(size_t i) const {
  size_t j = i + 1;
  while (j < size() && m_toks[j].line == m_toks[i].line) ++j;
  return j;
}

size_t import_end(const Code& c, size_t i) {
  size_t j = i + 1;
  while (j < c.size() && c[j].kind == TokenKind::identifier &&
         (j == i + 1 || c[j].line == c[j - 1].line))
    ++j;
  return j;
}

size_t set_option_end(const Code& c, size_t i) {
  return std::min(i + 3, c.size());
}

size_t open_end(const Code& c, size_t i) {
  size_t j = i + 1;
  if (c.is_keyword(j, "scoped")) ++j;
  for (; j < c.size(); ++j) {
    std::string_view t = c.text(j);
    bool name = c[j].kind == TokenKind::identifier && !one_of(t, kIdentifierCommands) &&
                (c[j].column > 0 || c[j].line == c[i].line);
    bool clause = c[j].kind == TokenKind::symbol && (t == "(" || t == ")" || t == "→" || t == "->");
    if (!name && !clause) break;
  }
  return j;
}

bool plain_open(const Code& c, size_t i, size_t end) {
  for (size_t j = i + 1; j < end; ++j) {
    if (c[j].kind != TokenKind::identifier && !(j == i + 1 && c.is_keyword(j, "scoped"))) {
      return false;
    }
  }
  return end > i + 1;
}

HeaderFacts::HeaderFacts(std::string_view header) {
  Code c(header);
  for (size_t i = 0; i < c.size(); ++i) {
    if (c.is_keyword(i, "import")) {
      for (size_t j = i + 1, end = import_end(c, i); j < end; ++j) modules.insert(c.key(j));
    } else if (c.is_keyword(i, "set_option") && i + 2 < c.size()) {
      options.emplace_back(c.key(i + 1), c.key(i + 2));
    } else if (c.is_keyword(i, "open")) {
      add_open(c, i, open_end(c, i));
    }
  }
}

void HeaderFacts::add_open(const Code& c, size_t i, size_t end) {
  opens.push_back(keys(c, i + 1, end));
  if (!plain_open(c, i, end)) return;
  bool scoped = c.is_keyword(i + 1, "scoped");
  for (size_t j = i + 1 + scoped; j < end; ++j) (scoped ? opened_scoped : opened).insert(c.key(j));
}

bool HeaderFacts::covers_open(const Code& c, size_t i, size_t end) const {
  if (std::find(opens.begin(), opens.end(), keys(c, i + 1, end)) != opens.end()) return true;
  if (!plain_open(c, i, end)) return false;
  bool scoped = c.is_keyword(i + 1, "scoped");
  for (size_t j = i + 1 + scoped; j < end; ++j) {
    std::string name = c.key(j);
    if (!opened.count(name) && !(scoped && opened_scoped.count(name))) return false;
  }
  return true;
}

bool HeaderFacts::has_option(const Code& c, size_t i) const {
  return i + 2 < c.size() && std::find(options.begin(), options.end(),
                                       std::pair(c.key(i + 1), c.key(i + 2))) != options.end();
}

bool HeaderFacts::imports_all(const Code& c, size_t i, size_t end) const {
  for (size_t j = i + 1; j < end; ++j) {
    if (!modules.count(c.key(j))) return false;
  }
  return end > i + 1;
}

std::vector<std::string> HeaderFacts::keys(const Code& c, size_t first, size_t end) {
  std::vector<std::string> out;
  for (size_t j = first; j < end; ++j) out.push_back(c.key(j));
  return out;
}

std::vector<bool> attribute_tokens(const Code& c) {
  std::vector<bool> inside(c.size());
  int depth = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    inside[i] = depth > 0;
    std::string_view t = c.text(i);
    if (depth > 0 && c[i].kind == TokenKind::symbol) {
      depth += (t == "[" || t == "#[" || t == "%[") - (t == "]");
    } else if (depth == 0 &&
               (c.is_keyword(i, "@[") || (t == "[" && i > 0 && c.is_keyword(i - 1, "attribute")))) {
      depth = 1;
    }
  }
  return inside;
}

}  // namespace lean_bridge::guard_text

#include "metrics/lean_text.hpp"

#include <algorithm>
#include <array>

#include "common/lean_lexer.hpp"

namespace metrics {
namespace {

using common::Token;
using common::TokenKind;

constexpr std::string_view kOpenGuillemet = "\u00AB";   // «
constexpr std::string_view kCloseGuillemet = "\u00BB";  // »

bool is_keyword(const Token& t, std::string_view word) {
  return t.kind == TokenKind::keyword && t.text == word;
}
bool is_symbol(const Token& t, std::string_view text) {
  return t.kind == TokenKind::symbol && t.text == text;
}

bool is_opener(const Token& t) {
  static constexpr std::array<std::string_view, 9> kOpeners = {
      "(", "[", "{", "\u27E8" /* ⟨ */, "\u2983" /* ⦃ */, "\u2039" /* ‹ */, "@[", "#[", "%["};
  if (t.kind != TokenKind::symbol && t.kind != TokenKind::keyword) return false;
  return std::find(kOpeners.begin(), kOpeners.end(), t.text) != kOpeners.end();
}
bool is_closer(const Token& t) {
  static constexpr std::array<std::string_view, 6> kClosers = {
      ")", "]", "}", "\u27E9" /* ⟩ */, "\u2984" /* ⦄ */, "\u203A" /* › */};
  if (t.kind != TokenKind::symbol) return false;
  return std::find(kClosers.begin(), kClosers.end(), t.text) != kClosers.end();
}

// Commands that can start a whole-file text (a continuation text starts with a tactic or term).
bool is_command_start(const Token& t) {
  static constexpr std::array<std::string_view, 30> kCommands = {
      "theorem",       "lemma",   "def",       "abbrev",     "instance",  "example",
      "opaque",        "axiom",   "structure", "class",      "inductive", "namespace",
      "section",       "end",     "open",      "export",     "variable",  "universe",
      "noncomputable", "private", "protected", "partial",    "unsafe",    "mutual",
      "attribute",     "local",   "scoped",    "set_option", "import",    "@["};
  if (t.kind != TokenKind::keyword) return false;
  if (t.text.size() > 1 && t.text.front() == '#') return true;  // #eval, #check...
  return std::find(kCommands.begin(), kCommands.end(), t.text) != kCommands.end();
}

bool is_bullet(const Token& t) {
  return t.kind == TokenKind::symbol && (t.text == "\u00B7" /* · */ || t.text == ".");
}

// Step heads after which `=>` opens a tactic block.
bool opens_block_with_arrow(std::string_view head) {
  static constexpr std::array<std::string_view, 11> kHeads = {
      "case",    "case'",     "next",      "conv",  "conv_lhs", "conv_rhs",
      "on_goal", "pick_goal", "induction", "cases", "match"};
  return std::find(kHeads.begin(), kHeads.end(), head) != kHeads.end();
}

bool names_declaration(const Token& t) {
  static constexpr std::array<std::string_view, 10> kKeywords = {
      "theorem", "lemma", "def",       "abbrev", "instance",
      "opaque",  "axiom", "structure", "class",  "inductive"};
  return t.kind == TokenKind::keyword &&
         std::find(kKeywords.begin(), kKeywords.end(), t.text) != kKeywords.end();
}

std::vector<Token> code_tokens(std::string_view text) {
  std::vector<Token> tokens;
  for (const Token& t : common::lex(text)) {
    if (!common::is_comment(t.kind)) tokens.push_back(t);
  }
  return tokens;
}

// "«foo»" → "foo" when foo is a plain identifier; other components unchanged.
std::string_view normal_component(std::string_view c) {
  if (c.size() > kOpenGuillemet.size() + kCloseGuillemet.size() &&
      c.substr(0, kOpenGuillemet.size()) == kOpenGuillemet &&
      c.substr(c.size() - kCloseGuillemet.size()) == kCloseGuillemet) {
    std::string_view inner =
        c.substr(kOpenGuillemet.size(), c.size() - kOpenGuillemet.size() - kCloseGuillemet.size());
    if (common::is_plain_identifier(inner)) return inner;
  }
  return c;
}

std::string join(const std::vector<std::string_view>& parts, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) {
    if (i > from) out += '.';
    out += normal_component(parts[i]);
  }
  return out;
}

}  // namespace

std::string without_comments(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const Token& t : common::lex(text, common::Whitespace::keep)) {
    if (!common::is_comment(t.kind)) out += t.text;
  }
  return out;
}

int64_t count_tactics(std::string_view text) {
  const std::vector<Token> tokens = code_tokens(text);
  if (tokens.empty()) return 0;

  struct Block {
    int column;  // -1 until the block's first token sets it
    int depth;   // bracket depth where the block was opened
    bool root;   // the implicit block of a continuation text: never closed by a dedent
  };
  std::vector<Block> blocks;
  int depth = 0;
  bool pending = false;  // the next token starts a step (after by, ;, <;>, a bullet, =>)
  int64_t steps = 0;
  std::string_view head;  // first token of the current step
  bool saw_bar = false;   // a `|` at the step's depth since the step began
  int step_depth = 0;

  const Token& first = tokens.front();
  if (!is_command_start(first) && !is_keyword(first, "by") && !is_symbol(first, ":=")) {
    blocks.push_back({first.column, 0, true});
    pending = true;
  }

  int previous_line = 0;
  for (const Token& t : tokens) {
    const bool new_line = t.line != previous_line;
    previous_line = t.line;
    if (is_closer(t)) {
      depth = std::max(0, depth - 1);
      while (!blocks.empty() && !blocks.back().root && blocks.back().depth > depth) {
        blocks.pop_back();
      }
      continue;
    }

    bool at_step_start = false;
    if (pending) {
      if (!blocks.empty() && blocks.back().column < 0) blocks.back().column = t.column;
      at_step_start = true;
      pending = false;
    } else if (new_line) {
      while (!blocks.empty() && !blocks.back().root && depth <= blocks.back().depth &&
             t.column < blocks.back().column) {
        blocks.pop_back();
      }
      if (!blocks.empty() && depth == blocks.back().depth) {
        const Block& b = blocks.back();
        at_step_start = b.root ? t.column <= b.column : t.column == b.column;
      }
    }

    if (at_step_start) {
      if (is_bullet(t)) {
        blocks.push_back({-1, depth, false});
        pending = true;
        continue;
      }
      if (is_symbol(t, "|")) {
        head = {};
        saw_bar = true;
        step_depth = depth;
      } else if (!is_symbol(t, "_") && !is_symbol(t, "<;>") && !is_symbol(t, ";")) {
        ++steps;
        head = t.text;
        saw_bar = false;
        step_depth = depth;
      }
    }

    if (is_keyword(t, "by")) {
      blocks.push_back({-1, depth, false});
      pending = true;
    } else if (is_symbol(t, ";") || is_symbol(t, "<;>")) {
      if (!blocks.empty() && depth == blocks.back().depth) pending = true;
    } else if (is_symbol(t, "|")) {
      if (depth == step_depth) saw_bar = true;
    } else if (is_symbol(t, "=>")) {
      if (!blocks.empty() && depth == step_depth && (saw_bar || opens_block_with_arrow(head))) {
        blocks.push_back({-1, depth, false});
        pending = true;
      }
    }
    if (is_opener(t)) ++depth;
  }
  return steps;
}

std::vector<DeclarationSpan> find_declarations(std::string_view text) {
  const std::vector<Token> all = common::lex(text);
  std::vector<DeclarationSpan> out;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Token& kw = all[i];
    if (!is_keyword(kw, "theorem") && !is_keyword(kw, "lemma")) continue;
    // The name: the next code token, an identifier.
    std::size_t j = i + 1;
    while (j < all.size() && common::is_comment(all[j].kind)) ++j;
    if (j >= all.size() || all[j].kind != TokenKind::identifier) continue;
    DeclarationSpan span;
    span.keyword = std::string(kw.text);
    span.name = std::string(all[j].text);
    span.offset = kw.offset;
    int depth = 0;
    bool have_assign = false;
    std::size_t end = 0;  // one past the last code token of the declaration
    bool have_proof_start = false;
    for (std::size_t k = j + 1; k < all.size(); ++k) {
      const Token& t = all[k];
      const bool ends_declaration =
          t.line > kw.line && t.column == 0 &&
          (!common::is_comment(t.kind) || t.kind == TokenKind::doc_comment);
      if (ends_declaration) break;
      if (common::is_comment(t.kind)) continue;
      if (!have_assign) {
        if (is_closer(t)) depth = std::max(0, depth - 1);
        if (is_opener(t)) ++depth;
        if (depth == 0 && is_symbol(t, ":=")) have_assign = true;
        continue;
      }
      if (!have_proof_start) {
        span.proof_offset = t.offset;
        have_proof_start = true;
      }
      end = t.offset + t.text.size();
    }
    if (!have_assign || !have_proof_start) continue;
    span.length = end - span.offset;
    span.proof_length = end - span.proof_offset;
    out.push_back(std::move(span));
  }
  return out;
}

std::vector<std::string_view> name_components(std::string_view name) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  std::size_t i = 0;
  while (i < name.size()) {
    if (name.substr(i, kOpenGuillemet.size()) == kOpenGuillemet) {
      const std::size_t close = name.find(kCloseGuillemet, i + kOpenGuillemet.size());
      i = close == std::string_view::npos ? name.size() : close + kCloseGuillemet.size();
      continue;
    }
    if (name[i] == '.') {
      parts.push_back(name.substr(start, i - start));
      start = i + 1;
    }
    ++i;
  }
  parts.push_back(name.substr(start));
  return parts;
}

NameIndex::NameIndex(const std::vector<std::string>& names) : m_size(names.size()) {
  for (std::size_t e = 0; e < names.size(); ++e) {
    const std::vector<std::string_view> parts = name_components(names[e]);
    m_exact[join(parts, 0, parts.size())].push_back(e);
    for (std::size_t from = 1; from < parts.size(); ++from) {
      m_suffix[join(parts, from, parts.size())].push_back(e);
    }
  }
}

std::vector<NameIndex::Use> NameIndex::uses(std::string_view text,
                                            const std::function<bool(std::size_t)>& visible) const {
  std::vector<Use> out;
  const std::vector<Token> tokens = code_tokens(text);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.kind != TokenKind::identifier) continue;
    if (i > 0 && names_declaration(tokens[i - 1])) continue;
    const std::vector<std::string_view> parts = name_components(t.text);
    for (std::size_t k = parts.size(); k >= 1; --k) {
      const std::string key = join(parts, 0, k);
      // Length of the first k components in the token's text.
      const std::size_t length =
          static_cast<std::size_t>(parts[k - 1].data() + parts[k - 1].size() - t.text.data());
      bool matched = false;
      for (const auto* map : {&m_exact, &m_suffix}) {
        const auto it = map->find(key);
        if (it == map->end()) continue;
        for (std::size_t e : it->second) {
          if (!visible(e)) continue;
          out.push_back({e, t.offset, length});
          matched = true;
        }
        if (matched) break;
      }
      if (matched) break;
    }
  }
  return out;
}

}  // namespace metrics

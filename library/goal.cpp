#include "library/goal.hpp"

#include "common/lean_lexer.hpp"
#include "common/text.hpp"

namespace library {
namespace {

std::size_t indent_of(std::string_view line) {
  std::size_t n = 0;
  while (n < line.size() && line[n] == ' ') ++n;
  return n;
}

constexpr std::string_view kTurnstile = "⊢";

// One hypothesis line `a b : T` into its hypotheses; false when it has no ` : `.
bool read_hypotheses(std::string_view line, std::vector<Hypothesis>& out) {
  auto colon = line.find(" : ");
  if (colon == std::string_view::npos) return false;
  std::string type = collapse_space(line.substr(colon + 3));
  std::string_view names = common::trim(line.substr(0, colon));
  if (names.empty()) return false;
  while (!names.empty()) {
    auto space = names.find(' ');
    std::string_view name = names.substr(0, space);
    if (!name.empty()) out.push_back({std::string(name), type});
    if (space == std::string_view::npos) break;
    names.remove_prefix(space + 1);
  }
  return true;
}

}  // namespace

std::string collapse_space(std::string_view text) {
  std::string out;
  bool gap = false;
  for (char c : common::trim(text)) {
    if (common::is_blank(c)) {
      gap = true;
      continue;
    }
    if (gap) out += ' ';
    gap = false;
    out += c;
  }
  return out;
}

std::optional<Goal> parse_goal(std::string_view text) {
  Goal goal;
  std::vector<std::string> logical;  // hypothesis lines with their continuations joined
  std::string target;
  bool in_target = false;
  std::size_t hyp_indent = std::string_view::npos;
  for (std::string_view line : common::lines(text)) {
    if (common::trim(line).empty()) continue;
    std::string_view body = common::trim(line);
    if (in_target) {
      target += ' ';
      target += body;
      continue;
    }
    if (body.substr(0, kTurnstile.size()) == kTurnstile) {
      in_target = true;
      target = std::string(common::trim(body.substr(kTurnstile.size())));
      continue;
    }
    if (logical.empty() && goal.tag.empty() && body.substr(0, 5) == "case ") {
      goal.tag = std::string(common::trim(body.substr(5)));
      continue;
    }
    std::size_t indent = indent_of(line);
    if (!logical.empty() && indent > hyp_indent) {
      logical.back() += ' ';
      logical.back() += body;
      continue;
    }
    hyp_indent = indent;
    logical.emplace_back(body);
  }
  if (!in_target) return std::nullopt;
  for (const auto& line : logical) {
    if (!read_hypotheses(line, goal.hypotheses)) return std::nullopt;
  }
  goal.target = collapse_space(target);
  return goal;
}

std::vector<std::string> identifiers(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& token : common::lex(text)) {
    if (token.kind != common::TokenKind::identifier) continue;
    out.emplace_back(token.text);
    auto dot = token.text.find('.');
    if (dot != std::string_view::npos && dot > 0) out.emplace_back(token.text.substr(0, dot));
  }
  return out;
}

bool is_accessible(std::string_view name) {
  return name.find("✝") == std::string_view::npos && !name.empty();
}

std::string rename_identifiers(std::string_view text,
                               const std::vector<std::pair<std::string, std::string>>& renames) {
  std::string out;
  std::size_t copied = 0;
  for (const auto& token : common::lex(text)) {
    if (token.kind != common::TokenKind::identifier) continue;
    for (const auto& [from, to] : renames) {
      bool whole = token.text == from;
      bool dotted = token.text.size() > from.size() && token.text.substr(0, from.size()) == from &&
                    token.text[from.size()] == '.';
      if (!whole && !dotted) continue;
      out.append(text.substr(copied, token.offset - copied));
      out += to;
      copied = token.offset + from.size();
      break;
    }
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace library

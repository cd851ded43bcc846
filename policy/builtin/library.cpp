#include "policy/builtin/library.hpp"

#include <map>
#include <set>

#include "common/lean_lexer.hpp"
#include "common/text.hpp"

namespace policy::builtin {

namespace {

using common::TokenKind;

const std::string kTurnstile = "\u22A2";  // ⊢

bool is_open(std::string_view t) {
  return t == "(" || t == "[" || t == "{" || t == "\u27E8" || t == "\u2983";
}
bool is_close(std::string_view t) {
  return t == ")" || t == "]" || t == "}" || t == "\u27E9" || t == "\u2984";
}

std::vector<LibToken> tokens_of(std::string_view text) {
  std::vector<LibToken> out;
  for (const common::Token& t : common::lex(text)) {
    if (common::is_comment(t.kind)) continue;
    out.push_back({std::string(t.text), t.offset, t.offset + t.text.size(), t.kind == TokenKind::symbol});
  }
  return out;
}

// Index of the token closing the bracket opened at `open`, or tokens.size() if unbalanced.
std::size_t matching_close(const std::vector<LibToken>& tokens, std::size_t open) {
  int depth = 0;
  for (std::size_t i = open; i < tokens.size(); ++i) {
    if (is_open(tokens[i].text)) ++depth;
    if (is_close(tokens[i].text) && --depth == 0) return i;
  }
  return tokens.size();
}

bool mentions(const std::vector<LibToken>& tokens, const std::string& name) {
  for (const LibToken& t : tokens) {
    if (!t.symbol && t.text == name) return true;
  }
  return false;
}

// What a pattern variable stands for: its tokens' texts (for comparisons) and its text.
struct Bound {
  std::vector<std::string> tokens;
  std::string text;
};
using Bindings = std::map<std::string, Bound>;

// Matches `pattern` against `target` from token `at`; returns the index just past the match.
// `text` is the string the target's tokens point into.
std::optional<std::size_t> match_from(const std::vector<LibToken>& pattern,
                                      const std::set<std::string>& variables,
                                      const std::vector<LibToken>& target, std::string_view text,
                                      std::size_t at, Bindings& bindings) {
  std::size_t i = at;
  for (const LibToken& p : pattern) {
    if (!p.symbol && variables.count(p.text) != 0) {
      auto it = bindings.find(p.text);
      if (it != bindings.end()) {
        for (const std::string& b : it->second.tokens) {
          if (i >= target.size() || target[i].text != b) return std::nullopt;
          ++i;
        }
        continue;
      }
      if (i >= target.size()) return std::nullopt;
      std::size_t last = i;
      if (target[i].text == "(") {
        last = matching_close(target, i);
        if (last == target.size()) return std::nullopt;
      } else if (target[i].symbol || is_close(target[i].text)) {
        return std::nullopt;
      }
      Bound bound;
      for (std::size_t j = i; j <= last; ++j) bound.tokens.push_back(target[j].text);
      bound.text = std::string(text.substr(target[i].begin, target[last].end - target[i].begin));
      bindings.emplace(p.text, std::move(bound));
      i = last + 1;
      continue;
    }
    if (i >= target.size() || target[i].text != p.text) return std::nullopt;
    ++i;
  }
  return i;
}

// A whole-text match.
bool match_all(const std::vector<LibToken>& pattern, const std::set<std::string>& variables,
               const std::vector<LibToken>& target, std::string_view text, Bindings& bindings) {
  Bindings trial = bindings;
  auto end = match_from(pattern, variables, target, text, 0, trial);
  if (!end || *end != target.size()) return false;
  bindings = std::move(trial);
  return true;
}

std::string argument(const std::string& text) {
  if (text.find(' ') == std::string::npos) return text;
  const std::vector<LibToken> tokens = tokens_of(text);
  if (!tokens.empty() && tokens.front().text == "(" && matching_close(tokens, 0) + 1 == tokens.size()) {
    return text;
  }
  return "(" + text + ")";
}

std::string collapse(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : common::trim(s)) {
    if (common::is_blank(c)) {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

bool is_library_name(std::string_view name) {
  if (name.size() != 16 || name.substr(0, 4) != "lib_") return false;
  for (char c : name.substr(4)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::optional<ParsedLemma> parse_lemma(std::string_view statement) {
  const std::vector<LibToken> tokens = tokens_of(statement);
  std::size_t i = 0;
  while (i < tokens.size() && tokens[i].text != "theorem" && tokens[i].text != "lemma") ++i;
  if (i + 1 >= tokens.size() || tokens[i + 1].symbol) return std::nullopt;
  ParsedLemma lemma;
  lemma.name = tokens[i + 1].text;
  i += 2;
  while (i < tokens.size() && (tokens[i].text == "(" || tokens[i].text == "{" ||
                               tokens[i].text == "\u2983" || tokens[i].text == "[")) {
    const std::size_t close = matching_close(tokens, i);
    if (close == tokens.size()) return std::nullopt;
    LemmaBinder::Kind kind = tokens[i].text == "(" ? LemmaBinder::Kind::explicit_
                             : tokens[i].text == "[" ? LemmaBinder::Kind::instance
                                                     : LemmaBinder::Kind::implicit;
    std::size_t colon = close;
    int depth = 0;
    for (std::size_t j = i + 1; j < close; ++j) {
      if (is_open(tokens[j].text)) ++depth;
      if (is_close(tokens[j].text)) --depth;
      if (depth == 0 && tokens[j].text == ":") {
        colon = j;
        break;
      }
    }
    std::vector<std::string> names;
    std::vector<LibToken> type;
    if (colon < close) {
      for (std::size_t j = i + 1; j < colon; ++j) names.push_back(tokens[j].text);
      type.assign(tokens.begin() + static_cast<std::ptrdiff_t>(colon + 1),
                  tokens.begin() + static_cast<std::ptrdiff_t>(close));
    } else if (kind == LemmaBinder::Kind::instance) {
      names.push_back("");
      type.assign(tokens.begin() + static_cast<std::ptrdiff_t>(i + 1),
                  tokens.begin() + static_cast<std::ptrdiff_t>(close));
    } else {
      return std::nullopt;  // `(x)`: a binder without a type
    }
    for (std::string& n : names) lemma.binders.push_back({std::move(n), type, kind, false});
    i = close + 1;
  }
  if (i >= tokens.size() || tokens[i].text != ":") return std::nullopt;
  ++i;
  int depth = 0;
  std::size_t end = i;
  while (end < tokens.size()) {
    if (is_open(tokens[end].text)) ++depth;
    if (is_close(tokens[end].text)) --depth;
    if (depth == 0 && tokens[end].text == ":=") break;
    ++end;
  }
  if (end == i) return std::nullopt;
  lemma.conclusion.assign(tokens.begin() + static_cast<std::ptrdiff_t>(i),
                          tokens.begin() + static_cast<std::ptrdiff_t>(end));

  for (std::size_t b = 0; b < lemma.binders.size(); ++b) {
    LemmaBinder& binder = lemma.binders[b];
    if (binder.name.empty()) continue;
    bool used = mentions(lemma.conclusion, binder.name);
    for (std::size_t later = b + 1; !used && later < lemma.binders.size(); ++later) {
      used = mentions(lemma.binders[later].type, binder.name);
    }
    binder.variable = used;
  }

  // An equation: one `=` at depth 0 and no looser connective beside it.
  static const std::set<std::string> kLooser = {"\u2227", "\u2228", "\u2192", "\u2194", "\u2200",
                                                "\u2203", "fun", "\u03BB", ",", "\u00AC", "=="};
  std::size_t equals = 0, at = 0;
  depth = 0;
  bool looser = false;
  for (std::size_t j = 0; j < lemma.conclusion.size(); ++j) {
    const std::string& t = lemma.conclusion[j].text;
    if (is_open(t)) ++depth;
    if (is_close(t)) --depth;
    if (depth != 0) continue;
    if (t == "=") {
      ++equals;
      at = j;
    }
    if (kLooser.count(t) != 0) looser = true;
  }
  if (equals == 1 && !looser && at > 0) {
    std::vector<LibToken> lhs(lemma.conclusion.begin(), lemma.conclusion.begin() + static_cast<std::ptrdiff_t>(at));
    bool lone_variable = false;
    if (lhs.size() == 1) {
      for (const LemmaBinder& b : lemma.binders) lone_variable |= b.variable && b.name == lhs[0].text;
    }
    if (!lone_variable) lemma.lhs = std::move(lhs);
  }
  return lemma;
}

GoalParts goal_parts(std::string_view goal) {
  GoalParts parts;
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos <= goal.size();) {
    std::size_t end = goal.find('\n', pos);
    if (end == std::string_view::npos) end = goal.size();
    lines.push_back(goal.substr(pos, end - pos));
    pos = end + 1;
  }
  if (goal.find(kTurnstile) == std::string_view::npos) {
    parts.target = collapse(goal);
    return parts;
  }
  bool started = false, in_target = false;
  std::string target;
  std::vector<std::pair<std::vector<std::string>, std::string>> hyps;
  for (std::string_view line : lines) {
    const std::string_view stripped = common::trim(line);
    if (stripped.empty()) {
      if (started) break;  // the first goal ends at a blank line
      continue;
    }
    const bool first = !started;
    started = true;
    if (first && stripped.substr(0, 5) == "case ") continue;
    if (stripped.substr(0, kTurnstile.size()) == kTurnstile) {
      in_target = true;
      target += std::string(stripped.substr(kTurnstile.size())) + " ";
      continue;
    }
    if (in_target) {
      target += std::string(stripped) + " ";
      continue;
    }
    const std::size_t colon = stripped.find(" : ");
    if (common::is_blank(line.front()) || colon == std::string_view::npos) {
      if (!hyps.empty()) hyps.back().second += " " + std::string(stripped);
      continue;
    }
    std::vector<std::string> names;
    for (std::string_view rest = stripped.substr(0, colon); !rest.empty();) {
      const std::size_t space = rest.find(' ');
      std::string_view word = rest.substr(0, space);
      if (!word.empty()) names.emplace_back(word);
      if (space == std::string_view::npos) break;
      rest.remove_prefix(space + 1);
    }
    hyps.emplace_back(std::move(names), std::string(stripped.substr(colon + 3)));
  }
  for (auto& [names, type] : hyps) {
    const std::size_t assign = type.find(" := ");  // a let-bound variable: its type
    if (assign != std::string::npos) type.resize(assign);
    for (const std::string& n : names) parts.hypotheses.emplace_back(n, collapse(type));
  }
  parts.target = collapse(target);
  return parts;
}

std::string abstract_action(LemmaForm form, std::string_view name) {
  switch (form) {
    case LemmaForm::exact:
      return "exact " + std::string(name);
    case LemmaForm::apply:
      return "apply " + std::string(name);
    case LemmaForm::rw:
      return "rw [" + std::string(name) + "]";
    case LemmaForm::simp:
      return "simp [" + std::string(name) + "]";
  }
  return {};
}

std::vector<std::string> abstract_actions(const ParsedLemma& lemma) {
  std::vector<std::string> out = {abstract_action(LemmaForm::exact, lemma.name),
                                  abstract_action(LemmaForm::apply, lemma.name)};
  if (lemma.lhs) {
    out.push_back(abstract_action(LemmaForm::rw, lemma.name));
    out.push_back(abstract_action(LemmaForm::simp, lemma.name));
  }
  return out;
}

std::optional<std::string> lemma_of_abstract(std::string_view abstract) {
  for (std::string_view prefix : {"exact ", "apply "}) {
    if (abstract.substr(0, prefix.size()) == prefix && is_library_name(abstract.substr(prefix.size()))) {
      return std::string(abstract.substr(prefix.size()));
    }
  }
  for (std::string_view prefix : {"rw [", "simp ["}) {
    if (abstract.size() == prefix.size() + 17 && abstract.substr(0, prefix.size()) == prefix &&
        abstract.back() == ']' && is_library_name(abstract.substr(prefix.size(), 16))) {
      return std::string(abstract.substr(prefix.size(), 16));
    }
  }
  return std::nullopt;
}

std::optional<std::string> abstract_of_tactic(std::string_view tactic) {
  const std::string text = collapse(tactic);
  for (std::string_view head : {"exact ", "apply "}) {
    if (text.substr(0, head.size()) != head) continue;
    std::string_view rest = std::string_view(text).substr(head.size());
    std::string_view name = rest.substr(0, rest.find(' '));
    if (is_library_name(name)) return std::string(head) + std::string(name);
    return std::nullopt;
  }
  if (lemma_of_abstract(text)) return text;
  return std::nullopt;
}

PreparedGoal prepare_goal(GoalParts parts) {
  PreparedGoal goal;
  goal.target = tokens_of(parts.target);
  for (const auto& hypothesis : parts.hypotheses) goal.hypothesis_types.push_back(tokens_of(hypothesis.second));
  goal.parts = std::move(parts);
  return goal;
}

std::vector<LemmaOffer> lemma_offers(const ParsedLemma& lemma, const GoalParts& goal) {
  return lemma_offers(lemma, prepare_goal(goal));
}

std::vector<LemmaOffer> lemma_offers(const ParsedLemma& lemma, const PreparedGoal& prepared) {
  std::vector<LemmaOffer> offers;
  std::set<std::string> variables;
  for (const LemmaBinder& b : lemma.binders) {
    if (b.variable) variables.insert(b.name);
  }
  const GoalParts& goal = prepared.parts;
  const std::vector<LibToken>& target = prepared.target;

  Bindings bindings;
  if (match_all(lemma.conclusion, variables, target, goal.target, bindings)) {
    const Bindings from_conclusion = bindings;
    // exact: the explicit hypotheses from the goal's hypotheses.
    std::vector<std::string> hypothesis_of(lemma.binders.size());
    bool filled = true;
    for (std::size_t b = 0; b < lemma.binders.size() && filled; ++b) {
      const LemmaBinder& binder = lemma.binders[b];
      if (binder.variable || binder.kind != LemmaBinder::Kind::explicit_) continue;
      filled = false;
      for (std::size_t h = 0; h < goal.hypotheses.size(); ++h) {
        const auto& [name, type] = goal.hypotheses[h];
        if (name.find("\u271D") != std::string::npos) continue;  // inaccessible (h✝): no name to write
        if (match_all(binder.type, variables, prepared.hypothesis_types[h], type, bindings)) {
          hypothesis_of[b] = name;
          filled = true;
          break;
        }
      }
    }
    std::string args;
    for (std::size_t b = 0; b < lemma.binders.size() && filled; ++b) {
      const LemmaBinder& binder = lemma.binders[b];
      if (binder.kind != LemmaBinder::Kind::explicit_) continue;
      if (!binder.variable) {
        args += " " + hypothesis_of[b];
        continue;
      }
      auto it = bindings.find(binder.name);
      if (it == bindings.end()) {
        filled = false;
      } else {
        args += " " + argument(it->second.text);
      }
    }
    if (filled) {
      offers.push_back({LemmaForm::exact, abstract_action(LemmaForm::exact, lemma.name),
                        abstract_action(LemmaForm::exact, lemma.name) + args});
    } else {
      std::string apply_args;
      bool bound = true;
      for (const LemmaBinder& binder : lemma.binders) {
        if (binder.kind != LemmaBinder::Kind::explicit_ || !binder.variable) continue;
        auto it = from_conclusion.find(binder.name);
        if (it == from_conclusion.end()) {
          bound = false;
          break;
        }
        apply_args += " " + argument(it->second.text);
      }
      if (bound) {
        offers.push_back({LemmaForm::apply, abstract_action(LemmaForm::apply, lemma.name),
                          abstract_action(LemmaForm::apply, lemma.name) + apply_args});
      }
    }
  }

  if (lemma.lhs) {
    for (std::size_t at = 0; at < target.size(); ++at) {
      Bindings sub;
      if (match_from(*lemma.lhs, variables, target, goal.target, at, sub)) {
        for (LemmaForm form : {LemmaForm::rw, LemmaForm::simp}) {
          offers.push_back({form, abstract_action(form, lemma.name), abstract_action(form, lemma.name)});
        }
        break;
      }
    }
  }
  return offers;
}

}  // namespace policy::builtin

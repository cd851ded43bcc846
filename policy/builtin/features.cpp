#include "policy/builtin/features.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "common/lean_lexer.hpp"
#include "common/text.hpp"
#include "policy/builtin/rng.hpp"

namespace policy::builtin {

namespace {

using common::Token;
using common::TokenKind;

using common::is_blank;
using common::trim;

// Whitespace runs become one space; leading and trailing whitespace go.
std::string collapse_whitespace(std::string_view s) {
  std::string out;
  bool pending_space = false;
  for (char c : trim(s)) {
    if (is_blank(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    pos = end + 1;
  }
  return lines;
}

bool is_open(std::string_view t) {
  return t == "(" || t == "[" || t == "{" || t == "\u27E8" /* ⟨ */ || t == "\u2983" /* ⦃ */ ||
         t == "%[" || t == "`(" || t == "``(" || t == "@[";
}
bool is_close(std::string_view t) {
  return t == ")" || t == "]" || t == "}" || t == "\u27E9" /* ⟩ */ || t == "\u2984" /* ⦄ */;
}

// Code tokens (no comments) of `text`.
std::vector<Token> code_tokens(std::string_view text) {
  std::vector<Token> tokens;
  for (const Token& t : common::lex(text)) {
    if (!common::is_comment(t.kind)) tokens.push_back(t);
  }
  return tokens;
}

// Byte offset just past token i.
std::size_t token_end(const Token& t) {
  return t.offset + t.text.size();
}

// Index of the token closing the bracket opened at `open` (or tokens.size() if unbalanced).
std::size_t matching_close(const std::vector<Token>& tokens, std::size_t open) {
  int depth = 0;
  for (std::size_t i = open; i < tokens.size(); ++i) {
    if (is_open(tokens[i].text)) ++depth;
    if (is_close(tokens[i].text) && --depth == 0) return i;
  }
  return tokens.size();
}

struct Hypothesis {
  std::vector<std::string> names;
  std::string type;
};

// One binder's hypotheses: `(a b : Nat)`, `{α : Type}`, `[DecidableEq α]`, `[inst : C α]`.
Hypothesis binder_hypothesis(std::string_view statement, const std::vector<Token>& tokens,
                             std::size_t open, std::size_t close) {
  Hypothesis hyp;
  std::size_t colon = close;
  int depth = 0;
  for (std::size_t i = open + 1; i < close; ++i) {
    if (is_open(tokens[i].text)) ++depth;
    if (is_close(tokens[i].text)) --depth;
    if (depth == 0 && tokens[i].text == ":") {
      colon = i;
      break;
    }
  }
  std::size_t type_begin = open + 1;
  if (colon < close) {
    for (std::size_t i = open + 1; i < colon; ++i) hyp.names.emplace_back(tokens[i].text);
    type_begin = colon + 1;
  } else if (tokens[open].text != "[") {
    // `(x)`: a name without a type; Lean elaborates its type, the text does not say it.
    for (std::size_t i = open + 1; i < close; ++i) hyp.names.emplace_back(tokens[i].text);
    hyp.type = "_";
    return hyp;
  }
  if (hyp.names.empty()) hyp.names.emplace_back("inst\u271D");  // inst✝, as Lean prints it
  // The type runs to the binder's close or to a default value (`(x : Nat := 0)`).
  std::size_t type_end = close;
  depth = 0;
  for (std::size_t i = type_begin; i < close; ++i) {
    if (is_open(tokens[i].text)) ++depth;
    if (is_close(tokens[i].text)) --depth;
    if (depth == 0 && tokens[i].text == ":=") {
      type_end = i;
      break;
    }
  }
  if (type_begin < type_end) {
    std::size_t from = tokens[type_begin].offset;
    std::size_t to = token_end(tokens[type_end - 1]);
    hyp.type = collapse_whitespace(statement.substr(from, to - from));
  } else {
    hyp.type = "_";
  }
  return hyp;
}

}  // namespace

std::string goal_of_statement(std::string_view statement) {
  const std::vector<Token> tokens = code_tokens(statement);
  std::size_t i = 0;
  while (i < tokens.size() && !(tokens[i].kind == TokenKind::keyword &&
                                (tokens[i].text == "theorem" || tokens[i].text == "lemma" ||
                                 tokens[i].text == "example"))) {
    ++i;
  }
  if (i == tokens.size()) return std::string(statement);
  const bool named = tokens[i].text != "example";
  ++i;
  if (named && i < tokens.size() && tokens[i].kind == TokenKind::identifier) ++i;
  // Universe parameters: `theorem foo.{u}` lexes as `foo` `.` `{u}`; skip them.
  if (named && i + 1 < tokens.size() && tokens[i].text == "." && tokens[i + 1].text == "{") {
    i = matching_close(tokens, i + 1) + 1;
  }

  std::vector<Hypothesis> hyps;
  while (i < tokens.size()) {
    std::string_view t = tokens[i].text;
    if (!(t == "(" || t == "{" || t == "[" || t == "\u2983")) break;
    std::size_t close = matching_close(tokens, i);
    if (close == tokens.size()) break;
    Hypothesis hyp = binder_hypothesis(statement, tokens, i, close);
    if (!hyps.empty() && hyps.back().type == hyp.type) {
      for (auto& n : hyp.names) hyps.back().names.push_back(std::move(n));
    } else {
      hyps.push_back(std::move(hyp));
    }
    i = close + 1;
  }

  std::string target;
  if (i < tokens.size() && tokens[i].text == ":") {
    const std::size_t begin = i + 1;
    // The target ends at the `:=` that starts the proof: the first one at depth 0 followed by
    // `by` or by nothing; failing that, the last one at depth 0; failing that, the end.
    std::size_t end = tokens.size();
    std::size_t last_assign = tokens.size();
    int depth = 0;
    for (std::size_t j = begin; j < tokens.size(); ++j) {
      if (is_open(tokens[j].text)) ++depth;
      if (is_close(tokens[j].text)) --depth;
      if (depth == 0 && tokens[j].text == ":=") {
        last_assign = j;
        if (j + 1 == tokens.size() || tokens[j + 1].text == "by") {
          end = j;
          break;
        }
      }
    }
    if (end == tokens.size()) end = last_assign;
    if (begin < end) {
      std::size_t from = tokens[begin].offset;
      std::size_t to = token_end(tokens[end - 1]);
      target = collapse_whitespace(statement.substr(from, to - from));
    }
  }

  std::string goal;
  for (const auto& hyp : hyps) {
    for (std::size_t n = 0; n < hyp.names.size(); ++n) {
      if (n != 0) goal += ' ';
      goal += hyp.names[n];
    }
    goal += " : " + hyp.type + "\n";
  }
  goal += "\u22A2 " + target;  // ⊢
  return goal;
}

std::string goal_text(std::string_view goal_or_statement) {
  for (const Token& t : code_tokens(goal_or_statement)) {
    if (t.kind == TokenKind::keyword &&
        (t.text == "theorem" || t.text == "lemma" || t.text == "example")) {
      return goal_of_statement(goal_or_statement);
    }
    // A statement's keyword comes first (after modifiers and attributes); a goal's first
    // token is a name, `⊢` or `case`.
    if (t.kind != TokenKind::keyword && t.text != "@[" && t.text != "]" &&
        t.kind != TokenKind::identifier) {
      break;
    }
  }
  return std::string(goal_or_statement);
}

std::string join_goals(const std::vector<std::string>& goals) {
  std::string out;
  for (std::size_t i = 0; i < goals.size(); ++i) {
    if (i != 0) out += "\n\n";
    out += goals[i];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Goal analysis

namespace {

const std::string kTurnstile = "\u22A2";  // ⊢

struct ParsedGoal {
  bool has_case = false;
  std::vector<Hypothesis> hyps;
  std::string target;
};

// Index of the first `pattern` at bracket depth 0 (ASCII brackets and ⟨⟩ ⦃⦄), npos if none.
std::size_t find_depth0(std::string_view s, std::string_view pattern) {
  int depth = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    if (s.compare(i, 3, "\u27E8") == 0 || s.compare(i, 3, "\u2983") == 0) ++depth;
    if (s.compare(i, 3, "\u27E9") == 0 || s.compare(i, 3, "\u2984") == 0) --depth;
    if (depth == 0 && s.compare(i, pattern.size(), pattern) == 0) return i;
  }
  return std::string_view::npos;
}

ParsedGoal parse_goal(std::string_view text) {
  ParsedGoal goal;
  if (text.find(kTurnstile) == std::string_view::npos) {
    goal.target = collapse_whitespace(text);  // an expression alone: all target
    return goal;
  }
  bool in_target = false;
  bool first = true;
  for (std::string_view line : split_lines(text)) {
    if (trim(line).empty()) continue;
    std::string_view stripped = trim(line);
    if (first && stripped.substr(0, 5) == "case ") {
      goal.has_case = true;
      first = false;
      continue;
    }
    first = false;
    if (stripped.substr(0, kTurnstile.size()) == kTurnstile) {
      in_target = true;
      goal.target += std::string(stripped.substr(kTurnstile.size())) + " ";
      continue;
    }
    if (in_target) {
      goal.target += std::string(stripped) + " ";
      continue;
    }
    const bool continuation = is_blank(line.front());
    std::size_t colon = find_depth0(stripped, " : ");
    if (continuation || colon == std::string_view::npos) {
      if (!goal.hyps.empty()) goal.hyps.back().type += " " + std::string(stripped);
      continue;
    }
    Hypothesis hyp;
    std::string_view names = stripped.substr(0, colon);
    std::size_t pos = 0;
    while (pos < names.size()) {
      while (pos < names.size() && names[pos] == ' ') ++pos;
      std::size_t end = names.find(' ', pos);
      if (end == std::string_view::npos) end = names.size();
      if (end > pos) hyp.names.emplace_back(names.substr(pos, end - pos));
      pos = end;
    }
    hyp.type = std::string(stripped.substr(colon + 3));
    goal.hyps.push_back(std::move(hyp));
  }
  for (auto& hyp : goal.hyps) {
    // A let-bound variable `x : T := v`: its type is T.
    std::size_t assign = find_depth0(hyp.type, " := ");
    if (assign != std::string::npos) hyp.type.resize(assign);
    hyp.type = collapse_whitespace(hyp.type);
  }
  goal.target = collapse_whitespace(goal.target);
  return goal;
}

// A token of an expression with its names replaced: `text` is the role (`$v:Nat`, `$bound`,
// `NUM`, a constant, a symbol), `canon` adds the index of the variable for shapes.
struct Tok {
  std::string text;
  std::string canon;
  bool variable = false;  // a local or a bound variable
};

struct Local {
  std::string role;
  int index;
};

using Context = std::map<std::string, Local, std::less<>>;

bool is_binder(std::string_view t) {
  return t == "\u2200" /* ∀ */ || t == "\u2203" /* ∃ */ || t == "fun" || t == "\u03BB" /* λ */ ||
         t == "forall" || t == "exists" || t == "\u2211" /* ∑ */ || t == "\u220F" /* ∏ */ ||
         t == "\u22C3" /* ⋃ */ || t == "\u22C2" /* ⋂ */ || t == "\u2A06" /* ⨆ */ ||
         t == "\u2A05" /* ⨅ */ || t == "\u03A3" /* Σ */ || t == "\u03A0" /* Π */;
}

// Tokens of an expression, with `name✝` kept as one identifier.
std::vector<Token> expression_tokens(std::string_view text) {
  std::vector<Token> out;
  for (const Token& t : code_tokens(text)) {
    if (t.kind == TokenKind::symbol && t.text == "\u271D" && !out.empty() &&
        out.back().kind == TokenKind::identifier && token_end(out.back()) == t.offset) {
      out.back().text = text.substr(out.back().offset, token_end(t) - out.back().offset);
      continue;
    }
    out.push_back(t);
  }
  return out;
}

// Names bound inside the expression by ∀ ∃ fun λ ∑...: the identifiers after the binder up to
// `,` `=>` `↦` or a type ascription (names inside binder brackets up to their `:`).
std::set<std::string, std::less<>> bound_names(const std::vector<Token>& tokens) {
  std::set<std::string, std::less<>> bound;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (!is_binder(tokens[i].text)) continue;
    std::size_t j = i + 1;
    while (j < tokens.size()) {
      const Token& t = tokens[j];
      if (t.kind == TokenKind::identifier) {
        bound.emplace(t.text);
        ++j;
      } else if (t.text == "(" || t.text == "{" || t.text == "[" || t.text == "\u2983") {
        std::size_t close = matching_close(tokens, j);
        for (std::size_t k = j + 1; k < close && k < tokens.size(); ++k) {
          if (tokens[k].text == ":") break;
          if (tokens[k].kind == TokenKind::identifier) bound.emplace(tokens[k].text);
        }
        j = close + 1;
      } else {
        break;
      }
    }
  }
  return bound;
}

// The expression's tokens with names replaced by roles. `bound_index` numbers the bound
// variables in order of first appearance (shared across the goal's expressions).
std::vector<Tok> normalise(std::string_view text, const Context& context,
                           std::map<std::string, int, std::less<>>& bound_index) {
  const std::vector<Token> tokens = expression_tokens(text);
  const auto bound = bound_names(tokens);
  std::vector<Tok> out;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    switch (t.kind) {
      case TokenKind::identifier: {
        std::string_view name = t.text;
        std::size_t dot = name.find('.');
        std::string_view first = name.substr(0, dot);
        std::string_view rest = dot == std::string_view::npos ? std::string_view() : name.substr(dot);
        if (bound.count(first) != 0) {
          auto [it, inserted] =
              bound_index.emplace(std::string(first), static_cast<int>(bound_index.size()));
          out.push_back({"$bound", "$bound#" + std::to_string(it->second), true});
        } else if (auto local = context.find(first); local != context.end()) {
          const Local& l = local->second;
          out.push_back({"$" + l.role, "$" + l.role + "#" + std::to_string(l.index), true});
        } else {
          // A constant (Nat, List.length, True) or `_`: kept whole.
          out.push_back({std::string(name), std::string(name), false});
          rest = {};
        }
        if (!rest.empty()) out.push_back({std::string(rest), std::string(rest), false});
        break;
      }
      case TokenKind::number: {
        // After a `.` a numeral is a projection (`h.1`): keep it as `.1`.
        if (!out.empty() && out.back().text == ".") {
          out.back().text += std::string(t.text);
          out.back().canon = out.back().text;
          break;
        }
        out.push_back({"NUM", "NUM", false});
        if (t.text == "0" || t.text == "1") out.back().canon = "NUM" + std::string(t.text);
        break;
      }
      case TokenKind::symbol:
        if (t.text == "." && i + 1 < tokens.size() && tokens[i + 1].kind == TokenKind::identifier &&
            tokens[i + 1].offset == token_end(t)) {
          // `(as ++ bs).length`: the method `.length`.
          out.push_back({"." + std::string(tokens[i + 1].text), "." + std::string(tokens[i + 1].text), false});
          ++i;
          break;
        }
        out.push_back({std::string(t.text), std::string(t.text), false});
        break;
      case TokenKind::string:
      case TokenKind::char_literal:
        out.push_back({"LIT", "LIT", false});
        break;
      case TokenKind::error:
        out.push_back({"ERR", "ERR", false});
        break;
      default:
        out.push_back({std::string(t.text), std::string(t.text), false});
        break;
    }
  }
  return out;
}

const std::set<std::string, std::less<>>& relation_symbols() {
  static const std::set<std::string, std::less<>> symbols = {
      "=", "\u2260" /* ≠ */, "\u2264" /* ≤ */, "<", "\u2265" /* ≥ */, ">", "\u2227" /* ∧ */,
      "\u2228" /* ∨ */, "\u00AC" /* ¬ */, "\u2194" /* ↔ */, "\u2223" /* ∣ */, "\u2208" /* ∈ */,
      "\u2209" /* ∉ */, "\u2286" /* ⊆ */, "\u2282" /* ⊂ */, "\u2200" /* ∀ */, "\u2203" /* ∃ */,
      "==", "!=", "<=", ">=", "True", "False", "HEq", "\u2243" /* ≃ */, "\u2261" /* ≡ */};
  return symbols;
}

// A variable's role from its type's tokens.
std::string role_of_type(const std::vector<Tok>& type) {
  if (type.size() == 1 && type[0].text == "Prop") return "prop";
  if (!type.empty() && (type[0].text == "Type" || type[0].text == "Sort")) return "type";
  bool arrow = false;
  for (const Tok& t : type) {
    if (t.text == "Prop") return "pred";
    if (t.text == "\u2192" || t.text == "->") arrow = true;
  }
  for (const Tok& t : type) {
    if (relation_symbols().count(t.text) != 0 || t.text == "$prop" || t.text == "$pred" ||
        t.text == "$hyp") {
      return "hyp";
    }
  }
  if (arrow) return "fn";
  for (const Tok& t : type) {
    if (t.text == "(") continue;
    if (t.text == "$type") return "v:tyvar";
    if (t.variable) return "v:dep";
    return "v:" + t.text;
  }
  return "v:_";
}

std::string join_canon(const std::vector<Tok>& tokens, std::size_t begin, std::size_t end) {
  // Outer parentheses that wrap the whole part do not change its shape.
  while (end - begin >= 2 && tokens[begin].text == "(" && tokens[end - 1].text == ")") {
    int depth = 0;
    bool wraps = true;
    for (std::size_t i = begin; i < end; ++i) {
      if (is_open(tokens[i].text)) ++depth;
      if (is_close(tokens[i].text)) --depth;
      if (depth == 0 && i + 1 < end) {
        wraps = false;
        break;
      }
    }
    if (!wraps) break;
    ++begin;
    --end;
  }
  std::string s;
  for (std::size_t i = begin; i < end; ++i) {
    if (i != begin) s += ' ';
    s += tokens[i].canon;
  }
  return s;
}

// The main relation or head of an expression, and where its operator stands (npos for a
// prefix head or none).
struct Head {
  std::string symbol;
  std::size_t position = std::string::npos;
};

Head head_of(const std::vector<Tok>& tokens) {
  if (tokens.empty()) return {"empty"};
  if (is_binder(tokens[0].text)) return {tokens[0].text == "fun" || tokens[0].text == "\u03BB" ? "fun" : tokens[0].text};
  // Binary connectives from the loosest: ↔, →, ∨, ∧; then ¬ as a prefix; then relations.
  static const std::vector<std::vector<std::string>> levels = {
      {"\u2194", "<->"}, {"\u2192", "->"}, {"\u2228", "\\/"}, {"\u2227", "/\\"}};
  static const std::vector<std::string> relations = {
      "=", "\u2260", "\u2264", "<", "\u2265", ">", "\u2223", "\u2208", "\u2209", "\u2286",
      "\u2282", "==", "!=", "<=", ">=", "\u2261", "\u2243"};
  auto find_at_depth0 = [&](const std::vector<std::string>& ops) -> std::size_t {
    int depth = 0;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (is_open(tokens[i].text)) ++depth;
      if (is_close(tokens[i].text)) --depth;
      if (depth == 0 && std::find(ops.begin(), ops.end(), tokens[i].text) != ops.end()) return i;
      // A binder inside extends to the end: operators after it belong to its body.
      if (depth == 0 && i > 0 && is_binder(tokens[i].text)) break;
    }
    return std::string::npos;
  };
  for (const auto& ops : levels) {
    std::size_t i = find_at_depth0(ops);
    if (i != std::string::npos) return {tokens[i].text, i};
  }
  if (tokens[0].text == "\u00AC") return {"\u00AC"};
  std::size_t i = find_at_depth0(relations);
  if (i != std::string::npos) return {tokens[i].text, i};
  return {"app:" + tokens[0].text};
}

// The operands of a binary head, as shapes.
std::pair<std::string, std::string> sides(const std::vector<Tok>& tokens, const Head& head) {
  if (head.position == std::string::npos) return {};
  return {join_canon(tokens, 0, head.position), join_canon(tokens, head.position + 1, tokens.size())};
}

// Top-level parts of a connective (`a ∧ b ∧ c` → a, b, c).
std::vector<std::string> parts(const std::vector<Tok>& tokens, const std::string& op) {
  std::vector<std::string> out;
  int depth = 0;
  std::size_t begin = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (is_open(tokens[i].text)) ++depth;
    if (is_close(tokens[i].text)) --depth;
    if (depth == 0 && tokens[i].text == op) {
      out.push_back(join_canon(tokens, begin, i));
      begin = i + 1;
    }
  }
  out.push_back(join_canon(tokens, begin, tokens.size()));
  return out;
}

std::string bucket(std::size_t n) {
  // 0, 1, 2, 3, 4-7, 8-15, 16-31, ...
  if (n < 4) return std::to_string(n);
  int b = 0;
  while ((n >> (b + 1)) != 0) ++b;
  return std::to_string(1u << b) + "+";
}

std::string negated(const std::string& shape) {
  return "\u00AC " + shape;
}
std::string negated_paren(const std::string& shape) {
  return "\u00AC ( " + shape + " )";
}

}  // namespace

GoalAnalysis analyse_goal(std::string_view goal) {
  // Goals are separated by blank lines (lines with nothing but whitespace).
  int count = 0;
  bool in_goal = false;
  std::size_t first_end = goal.size();
  std::size_t pos = 0;
  while (pos <= goal.size()) {
    std::size_t end = goal.find('\n', pos);
    if (end == std::string_view::npos) end = goal.size();
    const bool blank = trim(goal.substr(pos, end - pos)).empty();
    if (!blank && !in_goal) {
      ++count;
      in_goal = true;
    } else if (blank && in_goal) {
      if (count == 1) first_end = pos;
      in_goal = false;
    }
    pos = end + 1;
  }
  return analyse_goal(goal.substr(0, first_end), std::max(count, 1));
}

GoalAnalysis analyse_goal(std::string_view first_goal, int goal_count) {
  const ParsedGoal parsed = parse_goal(first_goal);
  std::set<std::string> f;
  Context context;
  std::map<std::string, int, std::less<>> bound_index;

  struct ProofHyp {
    std::vector<Tok> tokens;
    Head head;
    std::string shape;
  };
  std::vector<ProofHyp> proof_hyps;
  int values = 0;
  int index = 0;
  for (const Hypothesis& hyp : parsed.hyps) {
    std::vector<Tok> type = normalise(hyp.type, context, bound_index);
    const std::string role = role_of_type(type);
    f.insert("hk:" + role);
    if (role == "hyp") {
      ProofHyp ph{type, head_of(type), join_canon(type, 0, type.size())};
      f.insert("hh:" + ph.head.symbol);
      for (const Tok& t : type) f.insert("ht:" + t.text);
      for (std::size_t n = 0; n < hyp.names.size(); ++n) proof_hyps.push_back(ph);
    } else {
      values += static_cast<int>(hyp.names.size());
      if (role == "fn" || role == "pred") {
        for (const Tok& t : type) f.insert("hf:" + t.text);
      }
    }
    for (const std::string& name : hyp.names) {
      context.insert_or_assign(name, Local{role, index++});
    }
  }

  const std::vector<Tok> target = normalise(parsed.target, context, bound_index);
  const Head head = head_of(target);
  const std::string shape = join_canon(target, 0, target.size());

  f.insert("head:" + head.symbol);
  f.insert("shape:" + shape);
  f.insert("ngoals:" + bucket(static_cast<std::size_t>(goal_count)));
  f.insert("nhyps:" + bucket(proof_hyps.size()));
  f.insert("nvars:" + bucket(static_cast<std::size_t>(values)));
  f.insert("len:" + bucket(target.size()));
  if (parsed.has_case) f.insert("case");

  int depth = 0;
  int max_depth = 0;
  int binders = 0;
  bool ground = true;
  for (std::size_t i = 0; i < target.size(); ++i) {
    const Tok& t = target[i];
    f.insert("t:" + t.text);
    if (t.canon == "NUM0" || t.canon == "NUM1") f.insert("lit:" + t.canon.substr(3));
    f.insert("tb:" + (i == 0 ? std::string("^") : target[i - 1].text) + " " + t.text);
    if (i >= 1) {
      f.insert("tt:" + (i == 1 ? std::string("^") : target[i - 2].text) + " " + target[i - 1].text +
               " " + t.text);
    }
    if (is_open(t.text)) max_depth = std::max(max_depth, ++depth);
    if (is_close(t.text)) --depth;
    if (is_binder(t.text)) ++binders;
    if (t.variable) ground = false;
  }
  if (!target.empty()) f.insert("tb:" + target.back().text + " $");
  f.insert("depth:" + bucket(static_cast<std::size_t>(max_depth)));
  f.insert("binders:" + bucket(static_cast<std::size_t>(binders)));
  if (ground) f.insert("ground");

  const auto [lhs, rhs] = sides(target, head);
  if (head.position != std::string::npos) {
    f.insert("lhs:" + head.symbol + "|" + lhs);
    f.insert("rhs:" + head.symbol + "|" + rhs);
    if (!lhs.empty() && lhs == rhs) f.insert("lhs=rhs");
  }
  if (head.symbol == "=" && !lhs.empty() && !rhs.empty()) {
    // Sides that are the same multiset of tokens (a + b = b + a): commutativity or
    // associativity, not a computation.
    std::vector<std::string> l, r;
    for (std::size_t i = 0; i < head.position; ++i) l.push_back(target[i].canon);
    for (std::size_t i = head.position + 1; i < target.size(); ++i) r.push_back(target[i].canon);
    std::erase_if(l, [](const std::string& s) { return s == "(" || s == ")"; });
    std::erase_if(r, [](const std::string& s) { return s == "(" || s == ")"; });
    std::sort(l.begin(), l.end());
    std::sort(r.begin(), r.end());
    if (l == r) f.insert("sides-permuted");
  }

  // Hypotheses against the target.
  std::vector<std::string> target_parts;
  if (head.symbol == "\u2227" || head.symbol == "\u2228" || head.symbol == "\u2194") {
    target_parts = parts(target, head.symbol);
  }
  for (std::size_t a = 0; a < proof_hyps.size(); ++a) {
    const ProofHyp& h = proof_hyps[a];
    if (h.shape == shape) f.insert("x:h=t");
    if (h.shape == negated(shape) || h.shape == negated_paren(shape)) f.insert("x:h=not-t");
    if (shape == negated(h.shape) || shape == negated_paren(h.shape)) f.insert("x:t=not-h");
    if (h.shape == "False") f.insert("x:h-false");
    if (h.head.symbol == head.symbol) f.insert("x:same-head:" + head.symbol);
    if (h.head.symbol == "\u2227") {
      for (const auto& p : parts(h.tokens, "\u2227")) {
        if (p == shape) f.insert("x:h-and-has-t");
      }
    }
    if (h.head.symbol == "\u2192" || h.head.symbol == "->") {
      if (sides(h.tokens, h.head).second == shape) f.insert("x:h-implies-t");
    }
    if (h.head.symbol == "=" || h.head.symbol == "\u2194") {
      auto [hl, hr] = sides(h.tokens, h.head);
      if (head.symbol == h.head.symbol && hl == rhs && hr == lhs) f.insert("x:h=t-symm");
    }
    for (const auto& p : target_parts) {
      if (p == h.shape) f.insert("x:t-part-is-h");
    }
    for (std::size_t b = 0; b < proof_hyps.size(); ++b) {
      if (b != a && (proof_hyps[b].shape == negated(h.shape) ||
                     proof_hyps[b].shape == negated_paren(h.shape))) {
        f.insert("x:h-contradicts-h");
      }
    }
  }

  GoalAnalysis analysis;
  analysis.features.assign(f.begin(), f.end());
  analysis.head = head.symbol;
  analysis.shape = shape;
  return analysis;
}

std::vector<std::string> feature_names(const GoalAnalysis& goal, std::string_view previous_tactic) {
  std::set<std::string> f(goal.features.begin(), goal.features.end());
  f.insert("bias");
  const std::string prev = collapse_whitespace(previous_tactic);
  std::string prev_head = prev.substr(0, prev.find(' '));
  if (prev.empty()) prev_head = "<start>";
  const std::string prev_full = prev.empty() ? "<start>" : prev;
  f.insert("p:" + prev_full);
  f.insert("ph:" + prev_head);
  f.insert("c:head|ph:" + goal.head + "|" + prev_head);
  f.insert("c:head|p:" + goal.head + "|" + prev_full);
  f.insert("c:shape|p:" + goal.shape + "|" + prev_full);
  return {f.begin(), f.end()};
}

uint32_t feature_index(std::string_view name, int feature_bits) {
  uint64_t h = 0xCBF29CE484222325ULL;  // FNV-1a 64
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001B3ULL;
  }
  h = mix64(h);
  return static_cast<uint32_t>(h & ((uint64_t{1} << feature_bits) - 1));
}

SparseVector hash_features(const std::vector<std::string>& names, int feature_bits) {
  std::vector<uint32_t> index;
  index.reserve(names.size());
  for (const auto& n : names) index.push_back(feature_index(n, feature_bits));
  std::sort(index.begin(), index.end());
  index.erase(std::unique(index.begin(), index.end()), index.end());
  SparseVector v;
  v.index = std::move(index);
  const float value = v.index.empty() ? 0.0f : static_cast<float>(1.0 / std::sqrt(static_cast<double>(v.index.size())));
  v.value.assign(v.index.size(), value);
  return v;
}

SparseVector features(std::string_view goal, std::string_view previous_tactic, int feature_bits) {
  return hash_features(feature_names(analyse_goal(goal), previous_tactic), feature_bits);
}

}  // namespace policy::builtin

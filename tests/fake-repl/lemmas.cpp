#include "lemmas.hpp"

#include <map>
#include <set>

#include "proof_script.hpp"

namespace fake_repl {
namespace {

using Values = std::map<std::string, std::string>;  // variable -> its text

bool is_symbol(const Token& token, std::string_view text) {
  return token.kind == TokenKind::symbol && token.text == text;
}

std::vector<Token> lex(std::string_view text) {
  std::vector<Token> out;
  for (Token& token : tokenize(text))
    if (token.kind != TokenKind::directive) out.push_back(std::move(token));
  return out;
}

// The index of the `)` closing the `(` at tokens[open], or tokens.size() when it is not closed.
std::size_t closing(const std::vector<Token>& tokens, std::size_t open) {
  int depth = 0;
  for (std::size_t i = open; i < tokens.size(); ++i) {
    if (is_symbol(tokens[i], "(")) ++depth;
    if (is_symbol(tokens[i], ")") && --depth == 0) return i;
  }
  return tokens.size();
}

bool mentions(std::string_view text, const std::string& name) {
  for (const Token& token : lex(text))
    if (token.kind == TokenKind::identifier && token.text == name) return true;
  return false;
}

// A value as it stands for a variable: parenthesised when it has spaces and is not one group.
std::string as_argument(const std::string& text) {
  if (text.find(' ') == std::string::npos) return text;
  std::vector<Token> tokens = lex(text);
  bool one_group =
      !tokens.empty() && is_symbol(tokens[0], "(") && closing(tokens, 0) + 1 == tokens.size();
  return one_group ? text : "(" + text + ")";
}

// `text` with each identifier that has a value replaced by it; an identifier in `unknown`
// without a value is shown as Lean shows a metavariable, `?x`. Gaps are shown as one space.
std::string substitute(std::string_view text, const Values& values,
                       const std::set<std::string>& unknown = {}) {
  std::vector<Token> tokens = lex(text);
  std::string out;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0 && tokens[i - 1].end_offset != tokens[i].offset) out += ' ';
    const Token& token = tokens[i];
    auto value = token.kind == TokenKind::identifier ? values.find(token.text) : values.end();
    if (value != values.end())
      out += as_argument(value->second);
    else if (token.kind == TokenKind::identifier && unknown.contains(token.text))
      out += "?" + token.text;
    else
      out += token.text;
  }
  return out;
}

// Matches `pattern` against `subject` token by token; an identifier of `vars` matches one token
// or one parenthesised group, and the same text wherever it occurs (a value already in `values`
// must be matched as it is). On success `values` holds the assignments, and the instantiated
// pattern equals the subject; on failure `values` is unchanged.
bool match(std::string_view pattern, std::string_view subject, const std::set<std::string>& vars,
           Values& values) {
  std::vector<Token> p = lex(pattern);
  std::vector<Token> s = lex(subject);
  Values trial = values;
  std::size_t j = 0;
  for (const Token& token : p) {
    if (j >= s.size()) return false;
    if (token.kind == TokenKind::identifier && vars.contains(token.text)) {
      std::size_t last = is_symbol(s[j], "(") ? closing(s, j) : j;
      if (last == s.size()) return false;
      std::string text = join_tokens(s, j, last);
      auto [it, fresh] = trial.emplace(token.text, text);
      if (!fresh && it->second != text) return false;
      j = last + 1;
    } else if (token.text != s[j].text) {
      return false;
    } else {
      ++j;
    }
  }
  if (j != s.size() || collapse_space(substitute(pattern, trial)) != collapse_space(subject))
    return false;
  values = std::move(trial);
  return true;
}

// `exact NAME ARG...` / `apply NAME ARG...` read from a tactic text.
struct Call {
  bool exact = false;
  std::string name;
  std::vector<std::string> args;
  std::string term;  // `NAME ARG...` as written (gaps shown as one space)
};

std::optional<Call> parse_call(std::string_view tactic) {
  std::vector<Token> tokens = lex(tactic);
  if (tokens.size() < 2 || tokens[0].kind != TokenKind::identifier ||
      (tokens[0].text != "exact" && tokens[0].text != "apply") ||
      tokens[1].kind != TokenKind::identifier)
    return std::nullopt;
  Call call{
      tokens[0].text == "exact", tokens[1].text, {}, join_tokens(tokens, 1, tokens.size() - 1)};
  for (std::size_t i = 2; i < tokens.size(); ++i) {
    const Token& token = tokens[i];
    std::size_t last = i;
    if (is_symbol(token, "(")) {
      last = closing(tokens, i);
      if (last == tokens.size()) return std::nullopt;
    } else if (token.kind == TokenKind::symbol && !(token.text[0] >= '0' && token.text[0] <= '9')) {
      return std::nullopt;  // not an argument the double understands: the rules decide
    }
    bool one_token = last == i + 2;  // `(x)` is the argument `x`
    call.args.push_back(one_token ? tokens[i + 1].text : join_tokens(tokens, i, last));
    i = last;
  }
  return call;
}

std::string closing_bracket(const std::string& bracket) {
  if (bracket == "{") return "}";
  if (bracket == "⦃") return "⦄";
  if (bracket == "[") return "]";
  return ")";
}

// One application of a lemma to a goal, following the steps of lemmas.hpp.
class Application {
 public:
  Application(const Lemma& lemma, Call call, const Goal& goal)
      : m_lemma(lemma), m_call(std::move(call)), m_goal(goal), m_given(lemma.binders.size()) {
    for (std::size_t i = 0; i < lemma.binders.size(); ++i) {
      bool used = mentions(lemma.type, lemma.binders[i].name);
      for (std::size_t k = i + 1; k < lemma.binders.size() && !used; ++k)
        used = mentions(lemma.binders[k].type, lemma.binders[i].name);
      if (used) m_vars.insert(lemma.binders[i].name);
    }
  }

  LemmaStep run() {
    std::optional<std::string> error = assign_args();
    for (std::size_t i = 0; i < m_lemma.binders.size() && !error; ++i)
      if (m_given[i]) error = check_hypothesis(i);
    if (!error) error = match_conclusion();
    for (std::size_t i = 0; i < m_lemma.binders.size() && !error; ++i)
      error = check_variable_type(i);
    std::vector<std::size_t> missing = hypotheses_without_arg();
    if (!error && m_call.exact && !missing.empty()) error = type_mismatch(arrows(missing));
    if (!error) error = unassigned_variable();
    if (error) return {{}, error};
    return {m_call.exact ? std::vector<Goal>{} : new_goals(missing), std::nullopt};
  }

 private:
  const Lemma& m_lemma;
  Call m_call;
  const Goal& m_goal;
  std::set<std::string> m_vars;
  Values m_values;
  std::vector<std::optional<std::string>> m_given;  // per binder: its ARG (hypotheses only)
  std::size_t m_without_arg = 0;                    // binders that got no ARG

  // The ARGs fill the explicit binders in order; `_` leaves a variable to be inferred.
  std::optional<std::string> assign_args() {
    std::size_t next = 0;
    for (std::size_t i = 0; i < m_lemma.binders.size(); ++i) {
      const LemmaBinder& binder = m_lemma.binders[i];
      if (!binder.is_explicit() || next == m_call.args.size()) {
        ++m_without_arg;
        continue;
      }
      const std::string& arg = m_call.args[next++];
      if (!m_vars.contains(binder.name))
        m_given[i] = arg;
      else if (arg != "_")
        m_values[binder.name] = arg;
    }
    if (next == m_call.args.size()) return std::nullopt;
    return "function expected\n  " + m_call.term + "\nterm has type\n  " +
           substitute(m_lemma.type, m_values, m_vars);
  }

  // The conclusion against the goal's target (step 3).
  std::optional<std::string> match_conclusion() {
    Values before = m_values;
    if (match(m_lemma.type, m_goal.target, m_vars, m_values)) return std::nullopt;
    return conclusion_error(before);
  }

  // The explicit hypothesis binders without an ARG, in order.
  std::vector<std::size_t> hypotheses_without_arg() const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < m_lemma.binders.size(); ++i)
      if (m_lemma.binders[i].is_explicit() && !m_vars.contains(m_lemma.binders[i].name) &&
          !m_given[i])
        out.push_back(i);
    return out;
  }

  std::optional<std::string> unassigned_variable() const {
    for (const LemmaBinder& binder : m_lemma.binders)
      if (m_vars.contains(binder.name) && !m_values.contains(binder.name))
        return "don't know how to synthesize implicit argument '" + binder.name + "'\n  " +
               m_call.term;
    return std::nullopt;
  }

  std::string shown_term() const { return m_call.args.empty() ? "@" + m_call.name : m_call.term; }

  std::string type_mismatch(const std::string& has_type) const {
    return "type mismatch\n  " + m_call.term + "\nhas type\n  " + has_type +
           " : Prop\nbut is expected to have type\n  " + m_goal.target + " : Prop";
  }

  std::string conclusion_error(const Values& before) const {
    std::string conclusion = substitute(m_lemma.type, before, m_vars);
    if (m_call.exact) return type_mismatch(conclusion);
    return "Tactic `apply` failed: could not unify the conclusion of `" + shown_term() + "`\n  " +
           conclusion + "\nwith the goal\n  " + m_goal.target + "\n\nNote: The full type of `" +
           shown_term() + "` is\n  " + full_type(before) + "\n\n" + render_goal(m_goal);
  }

  // The term's type as Lean prints it: `@NAME` has every binder; `NAME ARGS` has the explicit
  // binders after the ARGs, its other variables shown as `?x`.
  std::string full_type(const Values& values) const {
    std::vector<std::size_t> binders;
    std::size_t explicit_seen = 0;
    for (std::size_t i = 0; i < m_lemma.binders.size(); ++i) {
      bool is_explicit = m_lemma.binders[i].is_explicit();
      if (m_call.args.empty() || (is_explicit && explicit_seen >= m_call.args.size()))
        binders.push_back(i);
      explicit_seen += is_explicit ? 1 : 0;
    }
    std::set<std::string> unknown = m_vars;
    for (std::size_t i : binders) unknown.erase(m_lemma.binders[i].name);
    return pi_type(binders, values, unknown);
  }

  // `∀ {a : T} (b c : U), H → TYPE` over the given binders: hypotheses as arrows, the others
  // as binder groups (same bracket and type merged).
  std::string pi_type(const std::vector<std::size_t>& binders, const Values& values,
                      const std::set<std::string>& unknown) const {
    std::string out;
    std::vector<std::string> groups;
    std::string open_bracket, open_type;
    auto close_run = [&] {
      if (groups.empty()) return;
      out += "∀";
      for (const std::string& group : groups) out += " " + group;
      out += ", ";
      groups.clear();
    };
    for (std::size_t i : binders) {
      const LemmaBinder& binder = m_lemma.binders[i];
      std::string type = substitute(binder.type, values, unknown);
      if (binder.is_explicit() && !m_vars.contains(binder.name)) {
        close_run();
        out += (type.find(" → ") != std::string::npos ? "(" + type + ")" : type) + " → ";
        continue;
      }
      std::string name = binder.name == "inst✝" ? "inst" : binder.name;
      std::string end = closing_bracket(binder.bracket);
      bool merge = !groups.empty() && binder.bracket == open_bracket && type == open_type &&
                   binder.bracket != "[";
      if (merge) {
        std::string& last = groups.back();
        last.insert(last.size() - (" : " + type + end).size(), " " + name);
      } else {
        groups.push_back(binder.bracket + name + " : " + type + end);
      }
      open_bracket = binder.bracket;
      open_type = type;
    }
    close_run();
    return out + substitute(m_lemma.type, values, unknown);
  }

  // The type of `NAME ARGS` when hypothesis binders lack an ARG: `H → ... → TYPE`.
  std::string arrows(const std::vector<std::size_t>& missing) const {
    return pi_type(missing, m_values, m_vars);
  }

  // The goal hypothesis named `name` (the last one: later ones shadow), or nullptr.
  const Hypothesis* hypothesis(const std::string& name) const {
    for (std::size_t k = m_goal.hyps.size(); k-- > 0;)
      if (m_goal.hyps[k].name == name) return &m_goal.hyps[k];
    return nullptr;
  }

  std::string application_mismatch(const std::string& arg, const std::string& has,
                                   const std::string& expected) const {
    return "Application type mismatch: The argument\n  " + arg + "\nhas type\n  " + has +
           "\nbut is expected to have type\n  " + expected + "\nin the application\n  " +
           m_call.term;
  }

  // A variable whose value is a goal hypothesis (a local such as `n : Nat`): its binder's type
  // must match the hypothesis's type, which infers the variables in it (`α` of `{α : Type}`).
  std::optional<std::string> check_variable_type(std::size_t i) {
    const LemmaBinder& binder = m_lemma.binders[i];
    auto value = m_values.find(binder.name);
    if (value == m_values.end()) return std::nullopt;
    const Hypothesis* local = hypothesis(value->second);
    if (local == nullptr || match(binder.type, local->type, m_vars, m_values)) return std::nullopt;
    return application_mismatch(value->second, local->type,
                                substitute(binder.type, m_values, m_vars));
  }

  std::optional<std::string> check_hypothesis(std::size_t i) {
    const LemmaBinder& binder = m_lemma.binders[i];
    const std::string& arg = *m_given[i];
    std::vector<Token> tokens = lex(arg);
    if (tokens.size() != 1 || tokens[0].kind != TokenKind::identifier || arg == "_")
      return "fake-repl: the argument `" + arg + "` of `" + m_call.name +
             "` must name a hypothesis (the double does not elaborate proof terms)";
    const Hypothesis* hyp = hypothesis(arg);
    if (hyp == nullptr) return "Unknown identifier `" + arg + "`";
    if (match(binder.type, hyp->type, m_vars, m_values)) return std::nullopt;
    return application_mismatch(arg, hyp->type, substitute(binder.type, m_values, m_vars));
  }

  // apply: one goal per hypothesis binder without an ARG. As Lean's apply tags them: the
  // binder's name (under the goal's tag, `TAG.NAME`), or the goal's own tag when the lemma
  // had one binder without an ARG.
  std::vector<Goal> new_goals(const std::vector<std::size_t>& missing) const {
    std::vector<Goal> goals;
    for (std::size_t i : missing) {
      Goal goal = m_goal;
      const std::string& name = m_lemma.binders[i].name;
      goal.target = substitute(m_lemma.binders[i].type, m_values);
      if (m_without_arg != 1) goal.tag = m_goal.tag.empty() ? name : m_goal.tag + "." + name;
      goals.push_back(std::move(goal));
    }
    return goals;
  }
};

}  // namespace

std::optional<Lemma> read_lemma(const std::vector<Token>& tokens, std::size_t from) {
  std::optional<DeclHeader> header = parse_header(tokens, from);
  if (!header) return std::nullopt;
  Lemma lemma;
  lemma.type = header->goal.target;
  for (std::size_t i = 0; i < header->goal.hyps.size(); ++i)
    lemma.binders.push_back(
        {header->goal.hyps[i].name, header->goal.hyps[i].type, header->brackets[i]});
  return lemma;
}

std::optional<LemmaStep> lemma_tactic(const LemmaLookup& lookup, const Goal& goal,
                                      std::string_view tactic) {
  std::optional<Call> call = parse_call(tactic);
  if (!call) return std::nullopt;
  for (const Hypothesis& hyp : goal.hyps)
    if (hyp.name == call->name) return std::nullopt;  // a local shadows a global name
  const Lemma* lemma = lookup(call->name);
  if (lemma == nullptr) return std::nullopt;
  return Application(*lemma, std::move(*call), goal).run();
}

}  // namespace fake_repl

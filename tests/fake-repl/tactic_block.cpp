#include "tactic_block.hpp"

#include <map>

namespace fake_repl {
namespace {

using nlohmann::json;

bool is_symbol(const Token& t, const char* text) {
  return t.kind == TokenKind::symbol && t.text == text;
}

bool is_word(const Token& t, const char* text) {
  return t.kind == TokenKind::identifier && t.text == text;
}

// `:=` is lexed as `:` then `=` with no gap.
bool is_assign(const std::vector<Token>& tokens, std::size_t i) {
  return i + 1 < tokens.size() && is_symbol(tokens[i], ":") && is_symbol(tokens[i + 1], "=") &&
         tokens[i].end_offset == tokens[i + 1].offset;
}

// The syntax kind Lean gives a tactic, for the tactics the double's infotree names (README.md,
// "Infotree"); any other first word WORD gives `fake.tactic.WORD`.
std::string tactic_kind(const std::string& text) {
  static const std::map<std::string, std::string> kinds = {
      {"exact", "Lean.Parser.Tactic.exact"},
      {"apply", "Lean.Parser.Tactic.apply"},
      {"intro", "Lean.Parser.Tactic.intro"},
      {"constructor", "Lean.Parser.Tactic.constructor"},
      {"rfl", "Lean.Parser.Tactic.tacticRfl"},
      {"simp", "Lean.Parser.Tactic.simp"},
      {"omega", "Lean.Parser.Tactic.omega"},
      {"decide", "Lean.Parser.Tactic.decide"},
      {"trivial", "Lean.Parser.Tactic.tacticTrivial"},
      {"assumption", "Lean.Parser.Tactic.assumption"},
      {"have", "Lean.Parser.Tactic.tacticHave_"},
      {"show", "Lean.Parser.Tactic.tacticShow_"},
  };
  std::string word = text.substr(0, text.find_first_of(" \t\n"));
  auto it = kinds.find(word);
  return it != kinds.end() ? it->second : "fake.tactic." + word;
}

class Runner {
 public:
  Runner(const TacticRules& rules, const LemmaLookup* lemmas, const std::vector<Token>& tokens)
      : m_rules(rules), m_lemmas(lemmas), m_tokens(tokens) {}

  BlockRun run(const std::vector<TacticSpan>& spans, std::vector<Goal> goals) {
    BlockRun out;
    for (const TacticSpan& span : spans) {
      Position begin = m_tokens[span.first].begin;
      Position end = m_tokens[span.last].end;
      std::optional<HaveStep> have = read_have(m_tokens, span);
      if (have && have->tactic_block) {
        if (!step_have(*have, span, goals, out)) return out;
        continue;
      }
      TacticResult result = run_tactic(m_rules, goals, span.text, m_lemmas);
      if (result.error && have && !goals.empty()) result = have_term(*have, goals);
      if (result.error) {
        out.errors.push_back({begin, end, *result.error});
        out.refused = true;
        out.goals = std::move(goals);
        return out;
      }
      out.nodes.push_back(tactic_node(span.text, begin, end, goals, result.goals));
      goals = std::move(result.goals);
    }
    out.goals = std::move(goals);
    return out;
  }

 private:
  const TacticRules& m_rules;
  const LemmaLookup* m_lemmas;
  const std::vector<Token>& m_tokens;

  // `have NAME : TYPE := TERM` no rule accepts: TERM proves TYPE as `exact TERM` would.
  TacticResult have_term(const HaveStep& have, const std::vector<Goal>& goals) {
    Goal inner{"", goals.front().hyps, have.type};
    TacticResult term = run_tactic(m_rules, {inner}, "exact " + have.term, m_lemmas);
    if (term.error) return term;
    if (!term.goals.empty()) return {{}, "unsolved goals\n" + render_goal(term.goals.front())};
    std::vector<Goal> after = goals;
    after.front().hyps.push_back({have.name, have.type});
    settle_names(after.front().hyps);
    return {std::move(after), std::nullopt};
  }

  // One have step on `goals` (replaced by the goals after it); false when the run stops.
  bool step_have(const HaveStep& have, const TacticSpan& span, std::vector<Goal>& goals,
                 BlockRun& out) {
    Position begin = m_tokens[span.first].begin;
    Position end = m_tokens[span.last].end;
    if (goals.empty()) {
      out.errors.push_back({begin, end, "no goals to be proved"});
      out.refused = true;
      return false;
    }
    Goal inner{"", goals.front().hyps, have.type};
    BlockRun block = run(have.block, {inner});
    out.errors.insert(out.errors.end(), block.errors.begin(), block.errors.end());
    if (block.refused) {
      out.refused = true;
      out.goals = std::move(goals);
      return false;
    }
    if (!block.goals.empty()) {
      std::string data = "unsolved goals";
      for (std::size_t g = 0; g < block.goals.size(); ++g)
        data += (g == 0 ? "\n" : "\n\n") + render_goal(block.goals[g]);
      out.errors.push_back({m_tokens[have.by].begin, m_tokens[have.block.back().last].end, data});
    }
    std::vector<Goal> after = goals;
    after.front().hyps.push_back({have.name, have.type});
    settle_names(after.front().hyps);
    out.nodes.push_back(tactic_node(span.text, begin, end, goals, after, std::move(block.nodes)));
    goals = std::move(after);
    return true;
  }
};

}  // namespace

std::optional<HaveStep> read_have(const std::vector<Token>& tokens, const TacticSpan& span) {
  std::size_t i = span.first;
  auto skip = [&] {
    while (i <= span.last && tokens[i].kind == TokenKind::directive) ++i;
  };
  skip();
  if (i > span.last || !is_word(tokens[i], "have")) return std::nullopt;
  ++i;
  skip();
  HaveStep have;
  have.name = "this";
  if (i <= span.last && tokens[i].kind == TokenKind::identifier) {
    have.name = tokens[i].text;
    ++i;
    skip();
  }
  if (i > span.last || !is_symbol(tokens[i], ":") || is_assign(tokens, i)) return std::nullopt;
  std::size_t type_first = i + 1;
  int depth = 0;
  std::size_t assign = type_first;
  for (; assign <= span.last; ++assign) {
    if (depth == 0 && is_assign(tokens, assign)) break;
    if (is_open(tokens[assign])) ++depth;
    if (is_close(tokens[assign])) --depth;
  }
  if (assign > span.last || assign == type_first) return std::nullopt;
  have.type = join_tokens(tokens, type_first, assign - 1);
  i = assign + 2;
  skip();
  if (i > span.last) return std::nullopt;
  if (!is_word(tokens[i], "by")) {
    have.term = join_tokens(tokens, i, span.last);
    return have;
  }
  have.tactic_block = true;
  have.by = i;
  ++i;
  skip();
  if (i > span.last) return std::nullopt;
  for (TacticSpan block : tactic_spans(tokens, i)) {
    if (block.first > span.last) break;
    if (block.last > span.last) {
      block.last = span.last;
      block.text = join_tokens(tokens, block.first, block.last);
    }
    have.block.push_back(std::move(block));
  }
  if (have.block.empty()) return std::nullopt;
  return have;
}

BlockRun run_block(const TacticRules& rules, const LemmaLookup* lemmas,
                   const std::vector<Token>& tokens, const std::vector<TacticSpan>& spans,
                   std::vector<Goal> goals) {
  return Runner(rules, lemmas, tokens).run(spans, std::move(goals));
}

json tactic_node(const std::string& text, Position begin, Position end,
                 const std::vector<Goal>& before, const std::vector<Goal>& after,
                 json children) {
  json goals_before = json::array();
  for (const Goal& g : before) goals_before.push_back(render_goal(g));
  json goals_after = json::array();
  for (const Goal& g : after) goals_after.push_back(render_goal(g));
  std::string kind = tactic_kind(text);
  json range = {{"synthetic", false},
                {"start", {{"line", begin.line}, {"column", begin.column}}},
                {"finish", {{"line", end.line}, {"column", end.column}}}};
  return {{"node", {{"stx", {{"range", range}, {"pp", text}, {"kind", kind},
                             {"argKinds", json::array()}}},
                    {"name", kind},
                    {"goalsBefore", goals_before},
                    {"goalsAfter", goals_after}}},
          {"kind", "TacticInfo"},
          {"children", std::move(children)}};
}

}  // namespace fake_repl

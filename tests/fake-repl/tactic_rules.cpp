#include "tactic_rules.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

namespace fake_repl {
namespace {

using nlohmann::json;

// What `$` references may stand for in a piece of rule text.
struct Expansion {
  const std::vector<std::string>* goal = nullptr;  // $0..$9, ${0}..${9}
  const std::vector<std::string>* hyp = nullptr;   // ${h0}..${h9}
  const std::string* hyps = nullptr;               // $HYPS
  bool regex = false;  // captures are escaped; `$$` is `\$`; an unknown `$` stays (an anchor)
};

std::string escape_regex(const std::string& text) {
  static const std::string special = "\\^$.|?*+()[]{}";
  std::string out;
  for (char c : text) {
    if (special.find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

// Expands the references of `text`; a reference the expansion cannot serve sets `problem`.
std::string expand(std::string_view text, const Expansion& with, std::string* problem = nullptr) {
  std::string out;
  auto capture = [&](const std::vector<std::string>* list, std::size_t n, const char* what) {
    if (list == nullptr) {
      if (problem) *problem = std::string("a ") + what + " capture is not available here";
      return;
    }
    if (n >= list->size()) {
      if (problem)
        *problem = std::string("refers to ") + what + " group " + std::to_string(n) +
                   ", which its regex does not have";
      return;
    }
    out += with.regex ? escape_regex((*list)[n]) : (*list)[n];
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') {
      out += text[i];
      continue;
    }
    std::string_view rest = text.substr(i + 1);
    if (rest.starts_with("$")) {
      out += with.regex ? "\\$" : "$";
      ++i;
    } else if (!rest.empty() && rest[0] >= '0' && rest[0] <= '9') {
      capture(with.goal, static_cast<std::size_t>(rest[0] - '0'), "goal");
      ++i;
    } else if (rest.size() >= 3 && rest[0] == '{' && rest[1] >= '0' && rest[1] <= '9' &&
               rest[2] == '}') {
      capture(with.goal, static_cast<std::size_t>(rest[1] - '0'), "goal");
      i += 3;
    } else if (rest.size() >= 4 && rest[0] == '{' && rest[1] == 'h' && rest[2] >= '0' &&
               rest[2] <= '9' && rest[3] == '}') {
      capture(with.hyp, static_cast<std::size_t>(rest[2] - '0'), "hyp");
      i += 4;
    } else if (rest.starts_with("HYPS") && with.hyps != nullptr) {
      out += *with.hyps;
      i += 4;
    } else if (with.regex) {
      out += '$';
    } else if (problem) {
      *problem = "unknown reference '$" + std::string(rest.substr(0, 6)) +
                 "' (use $1..$9, ${1}, ${h1}, $HYPS or $$)";
    }
  }
  return out;
}

std::vector<std::string> groups(const std::smatch& match) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < match.size(); ++i) out.push_back(match[i].str());
  return out;
}

std::regex compile(const std::string& pattern) {
  return std::regex(pattern, std::regex::ECMAScript);
}

// Splits `text` at top-level occurrences of `separator` (outside brackets and strings). With
// separator ";", the `;` of `<;>` does not count.
std::vector<std::string> split_top(std::string_view text, std::string_view separator) {
  std::vector<std::string> parts(1);
  int depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    std::string_view here = text.substr(i);
    if (c == '"') {
      std::size_t end = i + 1;
      while (end < text.size() && text[end] != '"') end += text[end] == '\\' ? 2 : 1;
      end = std::min(end, text.size() - 1);
      parts.back() += text.substr(i, end - i + 1);
      i = end;
      continue;
    }
    if (c == '(' || c == '[' || c == '{' || here.starts_with("⟨")) ++depth;
    if (c == ')' || c == ']' || c == '}' || here.starts_with("⟩")) --depth;
    bool arrow = separator == ";" && i > 0 && text[i - 1] == '<' && here.starts_with(";>");
    if (depth <= 0 && here.starts_with(separator) && !arrow) {
      parts.emplace_back();
      i += separator.size() - 1;
      continue;
    }
    parts.back() += c;
  }
  return parts;
}

std::string join_goals(const std::vector<Goal>& goals) {
  std::string out;
  for (const Goal& goal : goals) out += (out.empty() ? "" : "\n\n") + render_goal(goal);
  return out;
}

// `exact NAME` with NAME a hypothesis of the goal (the last one of that name) whose type is
// the target, as written: no goals. nullopt for anything else.
std::optional<std::vector<Goal>> exact_hypothesis(const Goal& goal, const std::string& tactic) {
  if (!tactic.starts_with("exact ")) return std::nullopt;
  std::string name = tactic.substr(6);
  if (name.empty() || name.find(' ') != std::string::npos) return std::nullopt;
  for (std::size_t k = goal.hyps.size(); k-- > 0;) {
    if (goal.hyps[k].name != name) continue;
    if (collapse_space(goal.hyps[k].type) != collapse_space(goal.target)) return std::nullopt;
    return std::vector<Goal>{};
  }
  return std::nullopt;
}

// One tactic without `;` or `<;>` on the goal list.
TacticResult atomic(const TacticRules& rules, std::vector<Goal> goals, const std::string& text,
                    const LemmaLookup* lemmas) {
  std::string tactic = collapse_space(text);
  if (tactic.empty()) return {{}, "<input>:1:0: expected tactic"};
  if (tactic == "done") {
    if (goals.empty()) return {};
    return {{}, "unsolved goals\n" + join_goals(goals)};
  }
  if (goals.empty()) return {{}, "no goals to be proved"};
  if (std::optional<LemmaStep> step =
          lemmas ? lemma_tactic(*lemmas, goals.front(), tactic) : std::nullopt) {
    if (step->error) return {{}, step->error};
    step->goals.insert(step->goals.end(), goals.begin() + 1, goals.end());
    return {std::move(step->goals), std::nullopt};
  }
  auto replaced = rules.apply(goals.front(), tactic);
  if (!replaced) replaced = exact_hypothesis(goals.front(), tactic);
  if (!replaced) return {{}, failure_text(tactic, goals.front())};
  replaced->insert(replaced->end(), goals.begin() + 1, goals.end());
  return {std::move(*replaced), std::nullopt};
}

// `t1 <;> t2 <;> ...`: t1 on the main goal, each later tactic on every goal the previous
// stage produced.
TacticResult combined(const TacticRules& rules, std::vector<Goal> goals, const std::string& text,
                      const LemmaLookup* lemmas) {
  std::vector<std::string> stages = split_top(text, "<;>");
  if (stages.size() == 1) return atomic(rules, std::move(goals), text, lemmas);
  if (goals.empty()) return {{}, "no goals to be proved"};
  std::vector<Goal> rest(goals.begin() + 1, goals.end());
  TacticResult first = atomic(rules, {goals.front()}, stages.front(), lemmas);
  if (first.error) return first;
  std::vector<Goal> produced = std::move(first.goals);
  for (std::size_t s = 1; s < stages.size(); ++s) {
    std::vector<Goal> next;
    for (const Goal& goal : produced) {
      TacticResult each = atomic(rules, {goal}, stages[s], lemmas);
      if (each.error) return each;
      next.insert(next.end(), each.goals.begin(), each.goals.end());
    }
    produced = std::move(next);
  }
  produced.insert(produced.end(), rest.begin(), rest.end());
  return {std::move(produced), std::nullopt};
}

}  // namespace

TacticRules TacticRules::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read the file");
  std::stringstream content;
  content << in.rdbuf();
  return parse(content.str(), path);
}

TacticRules TacticRules::parse(const std::string& json_text, const std::string& origin) {
  json rules;
  try {
    rules = json::parse(json_text);
  } catch (const json::parse_error& error) {
    throw std::runtime_error(origin + ": not JSON: " + error.what());
  }
  if (!rules.is_array()) throw std::runtime_error(origin + ": expected an array of rules");
  TacticRules out;
  for (std::size_t index = 0; index < rules.size(); ++index) {
    const json& rule = rules[index];
    auto fail = [&](const std::string& problem) {
      throw std::runtime_error(origin + ": rule " + std::to_string(index) + ": " + problem);
    };
    if (!rule.is_object()) fail("expected an object");
    for (const auto& [key, value] : rule.items()) {
      if (key != "goal" && key != "tactic" && key != "goals" && key != "hyp" && key != "note")
        fail("unknown key '" + key + "'");
      if (key != "goals" && !value.is_string()) fail("'" + key + "' must be a string");
    }
    if (!rule.contains("goal") || !rule.contains("tactic") || !rule.contains("goals"))
      fail("needs 'goal', 'tactic' and 'goals'");
    if (!rule["goals"].is_array()) fail("'goals' must be an array of strings");
    Rule parsed;
    try {
      parsed.goal = compile(rule["goal"].get<std::string>());
    } catch (const std::regex_error& error) {
      fail("'goal' is not a regex: " + std::string(error.what()));
    }
    // Checks every reference against dummy captures of the right count.
    std::vector<std::string> goal_groups(parsed.goal.mark_count() + 1, "x");
    std::vector<std::string> hyp_groups;
    std::string problem;
    if (rule.contains("hyp")) {
      parsed.hyp = rule["hyp"].get<std::string>();
      std::string pattern = expand(*parsed.hyp, {&goal_groups, nullptr, nullptr, true}, &problem);
      if (!problem.empty()) fail("'hyp' " + problem);
      try {
        hyp_groups.assign(compile(pattern).mark_count() + 1, "x");
      } catch (const std::regex_error& error) {
        fail("'hyp' is not a regex: " + std::string(error.what()));
      }
    }
    const std::vector<std::string>* hyp = parsed.hyp ? &hyp_groups : nullptr;
    parsed.tactic = rule["tactic"].get<std::string>();
    expand(parsed.tactic, {&goal_groups, hyp, nullptr, false}, &problem);
    if (!problem.empty()) fail("'tactic' " + problem);
    std::string hyps = "h : x";
    for (const json& goal : rule["goals"]) {
      if (!goal.is_string()) fail("'goals' must be an array of strings");
      parsed.goals.push_back(goal.get<std::string>());
      expand(parsed.goals.back(), {&goal_groups, hyp, &hyps, false}, &problem);
      if (!problem.empty()) fail("a goal template " + problem);
    }
    out.m_rules.push_back(std::move(parsed));
  }
  return out;
}

std::optional<std::vector<Goal>> TacticRules::apply(const Goal& goal,
                                                    std::string_view tactic) const {
  std::string wanted = collapse_space(tactic);
  std::vector<std::string> lines = hypothesis_lines(goal);
  std::string hyps;
  for (const std::string& line : lines) hyps += (hyps.empty() ? "" : "\n") + line;
  auto produce = [&](const Rule& rule, const std::vector<std::string>& captures,
                     const std::vector<std::string>* hyp_captures) {
    std::vector<Goal> goals;
    for (const std::string& tpl : rule.goals) {
      std::string text = expand(tpl, {&captures, hyp_captures, &hyps, false});
      ParsedGoal parsed = parse_goal(text);
      Goal next = parsed.goal;
      if (!parsed.has_turnstile) {
        next = goal;
        next.target = collapse_space(text);
      }
      if (next.tag.empty()) next.tag = goal.tag;
      settle_names(next.hyps);
      goals.push_back(std::move(next));
    }
    return goals;
  };
  for (const Rule& rule : m_rules) {
    std::smatch match;
    if (!std::regex_match(goal.target, match, rule.goal)) continue;
    std::vector<std::string> captures = groups(match);
    if (!rule.hyp) {
      if (collapse_space(expand(rule.tactic, {&captures, nullptr, nullptr, false})) == wanted)
        return produce(rule, captures, nullptr);
      continue;
    }
    std::regex hyp = compile(expand(*rule.hyp, {&captures, nullptr, nullptr, true}));
    for (std::size_t k = goal.hyps.size(); k-- > 0;) {
      std::string line = goal.hyps[k].name + " : " + goal.hyps[k].type;
      std::smatch hyp_match;
      if (!std::regex_match(line, hyp_match, hyp)) continue;
      std::vector<std::string> hyp_captures = groups(hyp_match);
      if (collapse_space(expand(rule.tactic, {&captures, &hyp_captures, nullptr, false})) == wanted)
        return produce(rule, captures, &hyp_captures);
    }
  }
  return std::nullopt;
}

TacticResult run_tactic(const TacticRules& rules, std::vector<Goal> goals, std::string_view text,
                        const LemmaLookup* lemmas) {
  for (const std::string& step : split_top(text, ";")) {
    TacticResult result = combined(rules, std::move(goals), step, lemmas);
    if (result.error) return result;
    goals = std::move(result.goals);
  }
  return {std::move(goals), std::nullopt};
}

std::string failure_text(std::string_view tactic, const Goal& goal) {
  std::string text = collapse_space(tactic);
  std::string word = text.substr(0, text.find(' '));
  std::string shown = render_goal(goal);
  if (word == "rfl")
    return "The rfl tactic failed. Possible reasons:\n- The goal is not a reflexive relation "
           "(neither `=` nor a relation with a @[refl] lemma).\n- The arguments of the relation "
           "are not equal.\nTry using the reflexivity lemma for your relation explicitly, e.g. "
           "`exact Eq.refl _` or\n`exact HEq.rfl` etc.\n" +
           shown;
  if (word == "decide")
    return "tactic 'decide' failed for proposition\n  " + goal.target +
           "\nsince its 'Decidable' instance did not reduce to 'isTrue' or 'isFalse'.";
  if (word == "omega")
    return "omega could not prove the goal:\nNo usable constraints found for the hypotheses and "
           "goal.";
  if (word == "simp") return "simp made no progress";
  if (word == "exact") {
    std::string term = text.substr(std::min(text.size(), std::size_t{6}));
    std::smatch name;
    static const std::regex identifier("[A-Za-z_][A-Za-z0-9_']*");
    static const std::set<std::string> keywords = {"fun",  "by",    "show", "from", "let",
                                                   "have", "match", "if",   "do"};
    if (std::regex_search(term, name, identifier) && !keywords.contains(name.str())) {
      const Hypothesis* known = nullptr;
      for (const Hypothesis& hyp : goal.hyps)
        if (hyp.name == name.str()) known = &hyp;
      if (known == nullptr) return "Unknown identifier `" + name.str() + "`";
      if (term == known->name)
        return "type mismatch\n  " + term + "\nhas type\n  " + known->type +
               " : Prop\nbut is expected to have type\n  " + goal.target + " : Prop";
    }
    return "type mismatch\n  " + term + "\nis not a proof of\n  " + goal.target;
  }
  return "tactic '" + word + "' failed\n" + shown;
}

}  // namespace fake_repl

#pragma once
// The rules of `--tactic-rules FILE`: which tactic solves which goal (README.md, "Tactic rules
// mode", states the file format).
//
// Contracts:
//  - TacticRules::load reads a JSON file: an array of rules
//    {"goal": REGEX, "tactic": TEXT, "goals": [TEMPLATE...], "hyp": REGEX?, "note": TEXT?}.
//    Any other shape (unknown key, wrong type, bad regex, unknown `$` reference) throws
//    std::runtime_error naming the file and the rule's index.
//  - apply(goal, tactic) tries the rules in file order on one goal and one atomic tactic (no
//    `;` or `<;>`). A rule accepts when its goal REGEX matches the whole target, and, when it has
//    a hyp REGEX, that REGEX (with `$N` replaced by the target's captures, escaped) matches the
//    whole of some hypothesis `NAME : TYPE` (tried from the last hypothesis to the first, as
//    `assumption` does), and its TEXT (with `$` references expanded) equals the tactic, both
//    compared after collapse_space. The first accepting rule gives the goals that replace the
//    main goal: each TEMPLATE expanded and read by parse_goal; a template without `⊢` is a
//    target under the goal's own hypotheses; a goal without a `case` line keeps the tag of
//    the goal it replaces; shadowed names are settled. nullopt when no rule accepts.
//  - run_tactic(rules, goals, text) runs a tactic text on a goal list the way Lean runs a
//    tactic sequence: `t1; t2` in order, `t1 <;> t2` runs t2 on every goal t1 produced, `done`
//    succeeds only without goals, any other tactic on no goals fails with "no goals to be
//    proved". The result is the new goal list or the error text Lean would report. With
//    `lemmas`, an `exact NAME ...`/`apply NAME ...` whose NAME is a lemma there is decided by
//    that lemma before the rules are tried (lemmas.hpp).
//  - failure_text(tactic, goal) is a Lean-like error text for a tactic no rule accepts.
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "goal.hpp"
#include "lemmas.hpp"

namespace fake_repl {

class TacticRules {
 public:
  static TacticRules load(const std::string& path);
  static TacticRules parse(const std::string& json_text, const std::string& origin);

  std::optional<std::vector<Goal>> apply(const Goal& goal, std::string_view tactic) const;
  std::size_t size() const { return m_rules.size(); }

 private:
  struct Rule {
    std::regex goal;
    std::optional<std::string> hyp;
    std::string tactic;
    std::vector<std::string> goals;
  };
  std::vector<Rule> m_rules;
};

struct TacticResult {
  std::vector<Goal> goals;           // when no error
  std::optional<std::string> error;  // Lean's error text
};

TacticResult run_tactic(const TacticRules& rules, std::vector<Goal> goals, std::string_view text,
                        const LemmaLookup* lemmas = nullptr);
std::string failure_text(std::string_view tactic, const Goal& goal);

}  // namespace fake_repl

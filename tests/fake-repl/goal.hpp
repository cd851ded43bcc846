#pragma once
// Goals as the fake REPL's rules mode sees them, and their text as Lean prints it.
//
// Contracts:
//  - render_goal prints a goal like Lean's `ppGoal`: an optional `case TAG` line, then one line
//    per run of consecutive hypotheses with the same type (`x y : Nat`), then `⊢ TARGET`. A goal
//    with neither tag nor hypotheses is just `⊢ TARGET`.
//  - parse_goal reads that text back (a merged line gives one hypothesis per name; blank lines
//    are ignored; the target is everything after `⊢ `, later lines included). Text without a
//    `⊢` line has no target (has_turnstile is false) and all its lines are hypothesis lines.
//  - settle_names gives shadowed hypotheses Lean's inaccessible names: when a name occurs more
//    than once, all but the last occurrence become `h✝`, `h✝¹`, `h✝²`... counted from the
//    last one; a name given as `inst✝` (an anonymous instance binder) is numbered the same way.
#include <string>
#include <string_view>
#include <vector>

namespace fake_repl {

struct Hypothesis {
  std::string name;
  std::string type;
};

struct Goal {
  std::string tag;  // the `case TAG` line's TAG, "" for none
  std::vector<Hypothesis> hyps;
  std::string target;
};

struct ParsedGoal {
  Goal goal;
  bool has_turnstile = false;
};

std::string render_goal(const Goal& goal);
// The hypothesis lines of render_goal (merged runs), without the tag and the target.
std::vector<std::string> hypothesis_lines(const Goal& goal);
ParsedGoal parse_goal(std::string_view text);
void settle_names(std::vector<Hypothesis>& hyps);

// Runs of whitespace become one space; leading and trailing whitespace goes.
std::string collapse_space(std::string_view text);

}  // namespace fake_repl

#pragma once
// Features of the built-in policy: φ(goal, previous tactic) as sparse hashed features.
//
// A goal is read as Lean prints it (hypotheses `a b : Nat`, then `⊢ target`; several goals are
// separated by blank lines) and its names are replaced by roles: a hypothesis or variable is
// known by what its type says it is (`$v:Nat`, `$prop`, `$hyp`, `$fn`, `$type`...), a variable
// bound inside the target by `$bound`, so renaming variables or hypotheses never changes a
// feature. Constants (`Nat`, `List.length`, `.length`), symbols and keywords are kept;
// numerals become the class `NUM` (0 and 1 also give a literal feature). The feature names are
// listed in README.md; each is hashed into one of 2^feature_bits buckets.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace policy::builtin {

// Lean's goal form of a task statement: `theorem NAME (a b : Nat) (h : a ≤ b) : a < b + 1 :=
// by\n` becomes "a b : Nat\nh : a ≤ b\n⊢ a < b + 1". Binders `(..)`, `{..}`, `⦃..⦄` and `[..]`
// become hypotheses (an anonymous instance `[C α]` is `inst✝ : C α`), consecutive hypotheses
// with the same type share a line as Lean prints them, the name and `:= by` are dropped,
// whitespace runs become one space. Text before the declaration keyword (`theorem`, `lemma`,
// `example`, with modifiers and attributes) is skipped. Text without such a keyword is returned
// unchanged.
std::string goal_of_statement(std::string_view statement);

// The goal text a Decision's `goal` stands for: a statement (whole-proof mode) becomes
// goal_of_statement(statement); anything else is goal text already (step mode).
std::string goal_text(std::string_view goal_or_statement);

// Several goals as one text, the way Lean prints them: separated by a blank line. The policy
// reads the first goal and the number of goals from such a text (a step-mode Decision's goal).
std::string join_goals(const std::vector<std::string>& goals);

// What the policy reads of one goal, computed once per goal and combined with each previous
// tactic.
struct GoalAnalysis {
  std::vector<std::string> features;  // the goal's own feature names, sorted, unique
  std::string head;                   // main relation or head of the target: "=", "∧", "∀"...
  std::string shape;                  // the target with names replaced by roles and indices
};

// `goal` may hold several goals separated by blank lines: the first is read, the count is a
// feature.
GoalAnalysis analyse_goal(std::string_view goal);
// One goal, with the number of goals of its state given (step mode: state.goals.size()).
GoalAnalysis analyse_goal(std::string_view first_goal, int goal_count);

// All feature names for (goal, previous tactic): the goal's, the previous tactic's (head word
// and full text), their crosses, and the bias. Sorted, unique.
std::vector<std::string> feature_names(const GoalAnalysis& goal, std::string_view previous_tactic);

// A sparse feature vector: strictly increasing indices in [0, 2^feature_bits), with their values.
struct SparseVector {
  std::vector<uint32_t> index;
  std::vector<float> value;
  std::size_t size() const { return index.size(); }
};

// Hashes feature names into 2^feature_bits buckets (FNV-1a then a mix; names that collide share a
// bucket). Every distinct bucket gets the value 1/sqrt(number of distinct buckets), so that
// ||φ|| = 1 whatever the size of the goal.
SparseVector hash_features(const std::vector<std::string>& names, int feature_bits);

// φ(goal, previous tactic): analyse_goal(goal), feature_names, hash_features.
SparseVector features(std::string_view goal, std::string_view previous_tactic, int feature_bits);

// The bucket of one feature name.
uint32_t feature_index(std::string_view name, int feature_bits);

}  // namespace policy::builtin

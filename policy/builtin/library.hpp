#pragma once
// Library lemmas as actions of the built-in policy (README.md, "Library lemmas").
//
// A lemma's statement `theorem NAME BINDERS : TYPE` is read once into binders and a
// conclusion. A binder is a *variable* when its name occurs in a later binder's type or in the
// conclusion, else a *hypothesis*. For a goal, the conclusion is matched against the goal's
// target token by token, the variables being pattern variables: a variable matches one token
// (not a symbol) or one balanced parenthesised group `( ... )`, the same text at each of its
// occurrences. On a match the lemma offers, for that goal:
//   - `exact NAME a b ...` when every explicit hypothesis binder is filled by a hypothesis of
//     the goal whose type equals the binder's instantiated type (a binder type with variables
//     the conclusion did not bind is matched against the goal's hypotheses, in goal order); the
//     arguments are the explicit binders in order: a variable's matched text (parenthesised
//     when it has spaces), a hypothesis's name; implicit `{}`/`⦃⦄` and instance `[]` binders
//     are left to Lean;
//   - else `apply NAME <explicit variables>` (the hypotheses left as goals), when every
//     explicit variable is bound;
//   - and, when the conclusion is an equation `l = r` whose `l` is not a lone variable, `rw
//     [NAME]` and `simp [NAME]` when `l` matches a contiguous run of the target's tokens.
// The abstract action of an offer (what the policy's model scores and learns) is `exact NAME`,
// `apply NAME`, `rw [NAME]` or `simp [NAME]`: the arguments abstracted.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.hpp"

namespace policy::builtin {

// A token of a lemma's or a goal's text, with its byte range in that text.
struct LibToken {
  std::string text;
  std::size_t begin = 0, end = 0;
  bool symbol = false;  // a symbol token (`+`, `(`, `→`...): never a variable's one-token match
};

struct LemmaBinder {
  enum class Kind { explicit_, implicit, instance };
  std::string name;              // "" for an anonymous instance `[C α]`
  std::vector<LibToken> type;    // the binder's type, as tokens
  Kind kind = Kind::explicit_;
  bool variable = false;         // occurs in a later binder's type or in the conclusion
};

struct ParsedLemma {
  std::string name;
  std::vector<LemmaBinder> binders;
  std::vector<LibToken> conclusion;
  std::optional<std::vector<LibToken>> lhs;  // for `l = r` (one `=` at depth 0, no looser connective)
};

// Reads `theorem NAME BINDERS : TYPE` (a trailing `:= ...` is ignored). nullopt when the text
// is not of that form.
std::optional<ParsedLemma> parse_lemma(std::string_view statement);

// The forms of a library action.
enum class LemmaForm { exact, apply, rw, simp };

struct LemmaOffer {
  LemmaForm form;
  std::string abstract;  // `exact NAME`, `apply NAME`, `rw [NAME]`, `simp [NAME]`
  std::string tactic;    // the tactic to run: the abstract action with its arguments
};

// One goal as Lean prints it: one entry per hypothesis name, and the target.
struct GoalParts {
  std::vector<std::pair<std::string, std::string>> hypotheses;  // (name, type), in goal order
  std::string target;
};
GoalParts goal_parts(std::string_view goal);

// A goal lexed once, for matching against many lemmas.
struct PreparedGoal {
  GoalParts parts;
  std::vector<LibToken> target;                       // tokens of parts.target
  std::vector<std::vector<LibToken>> hypothesis_types;  // tokens of each hypothesis's type
};
PreparedGoal prepare_goal(GoalParts parts);

// What `lemma` offers for `goal` (at most one of exact/apply, then rw and simp), in that order.
std::vector<LemmaOffer> lemma_offers(const ParsedLemma& lemma, const PreparedGoal& goal);
std::vector<LemmaOffer> lemma_offers(const ParsedLemma& lemma, const GoalParts& goal);

// `exact NAME`, `apply NAME`, `rw [NAME]`, `simp [NAME]`.
std::string abstract_action(LemmaForm form, std::string_view name);

// True for a name of the library's form `lib_<12 lowercase hex>`.
bool is_library_name(std::string_view name);

// The abstract action a tactic text stands for when it is a library action (`exact lib_x a b`
// -> `exact lib_x`; `apply lib_x a`, `rw [lib_x]`, `simp [lib_x]` likewise), nullopt for any
// other tactic. Blank runs are read as one space.
std::optional<std::string> abstract_of_tactic(std::string_view tactic);

// The lemma name of an abstract action (`exact lib_x` -> `lib_x`), nullopt for other text.
std::optional<std::string> lemma_of_abstract(std::string_view abstract);

// The abstract actions a lemma can take: exact and apply, and rw and simp for an equation.
std::vector<std::string> abstract_actions(const ParsedLemma& lemma);

}  // namespace policy::builtin

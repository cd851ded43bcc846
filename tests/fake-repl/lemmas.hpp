#pragma once
// Declared lemmas in rules mode (README.md, "Lemmas"): `exact NAME ARG...` and
// `apply NAME ARG...` decided by a theorem or lemma of the environment instead of the rules.
//
// Contracts:
//  - read_lemma(tokens, from) reads a declaration's signature from the token after its name,
//    as parse_header reads a starting goal: one binder per name (`(a b : T)` gives two), with
//    its bracket, and the type. nullopt when parse_header cannot read it.
//  - A binder is a variable when its name is an identifier token of a later binder's type or of
//    the lemma's type, else a hypothesis (a proof argument). Explicit binders `(x : T)` take the
//    ARGs in order; `{}`, `⦃⦄` and `[]` binders never do. An ARG is one token (identifier,
//    number, string) or a parenthesised group taken whole (`(x)` is just `x`); an ARG `_`
//    for a variable leaves it to be inferred.
//  - lemma_tactic(lookup, goal, tactic) returns nullopt unless the tactic is `exact NAME ARG...`
//    or `apply NAME ARG...` with lookup(NAME) a lemma and NAME not a hypothesis of the goal
//    (a local shadows a global name); then the rules decide. Otherwise:
//      1. the ARGs fill the first explicit binders (more ARGs than explicit binders: an error);
//      2. each explicit hypothesis binder given an ARG needs a goal hypothesis of that name
//         whose type matches the binder's type (as in 3; this may assign variables), else
//         Lean's `Unknown identifier` / `Application type mismatch` (a non-identifier ARG is
//         refused);
//      3. the unassigned variables are inferred by matching the lemma's type against the
//         goal's target token by token (a variable matches one token or one parenthesised
//         group, the same text at every occurrence); the instantiated type must then equal the
//         target, else exact's `type mismatch` / apply's `could not unify the conclusion` error;
//      3b. a variable whose value names a goal hypothesis (a local `n : Nat`) needs its
//         binder's type to match that hypothesis's type (inferring e.g. `α` of `{α : Type}`),
//         else `Application type mismatch`;
//      4. exact: an explicit hypothesis binder without an ARG is a `type mismatch` (the term's
//         type is `H → ... → T`); apply: each becomes a new goal (its instantiated type under
//         the goal's hypotheses, in binder order, tagged as Lean's apply tags them);
//      5. a variable still unassigned is an error; non-explicit hypothesis binders (instances)
//         are taken as synthesised.
//    Success: exact closes the goal (no goals), apply gives the new goals. Substitution is
//    token-level: a whole identifier equal to a variable becomes its value (parenthesised when
//    it has spaces and is not one group already); texts keep the gaps of the tokens they come
//    from, shown as one space.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "goal.hpp"
#include "lexer.hpp"

namespace fake_repl {

struct LemmaBinder {
  std::string name;  // `inst✝` for an anonymous instance binder `[C]`
  std::string type;
  std::string bracket;  // "(", "{", "⦃" or "["
  bool is_explicit() const { return bracket == "("; }
};

struct Lemma {
  std::vector<LemmaBinder> binders;
  std::string type;
};

// The lemma a name stands for where the tactic runs (namespaces, env chain, the command so
// far), or nullptr when it names no lemma. The name is the token as written.
using LemmaLookup = std::function<const Lemma*(const std::string& name)>;

struct LemmaStep {
  std::vector<Goal> goals;           // the goals replacing the main goal, when no error
  std::optional<std::string> error;  // Lean-like error text
};

std::optional<Lemma> read_lemma(const std::vector<Token>& tokens, std::size_t from);
std::optional<LemmaStep> lemma_tactic(const LemmaLookup& lookup, const Goal& goal,
                                      std::string_view tactic);

}  // namespace fake_repl

#pragma once
// A tactic block run by the rules, span by span, with `have NAME : T := by BLOCK` run as Lean
// runs it (README.md, "Tactic rules mode": "have"), and the infotree nodes of what ran.
//
// Contracts:
//  - read_have(tokens, span) recognises a span `have [NAME] : TYPE := by TACTICS` (TACTICS on
//    the line of `by` or indented below it; the name defaults to `this`) and returns its name,
//    its type (the tokens joined as written, gaps shown as one space), the index of `by` and
//    the spans of its block (split by layout as a proof's tactics are, within the span); or
//    `have [NAME] : TYPE := TERM` with its TERM. nullopt for any other text (binders, patterns,
//    no type), which stays for the rules to decide.
//  - run_block(...) runs spans on a goal list. A `:= by` span on goals G1..Gn: no goals is
//    "no goals to be proved"; else its block runs (recursively, so a block may have haves of
//    its own) on one goal: G1's hypotheses, target TYPE, no tag. A tactic the block refuses is
//    an error at that tactic and the whole run stops there (refused). Goals the block leaves
//    are the error `unsolved goals\n<goals>` from `by` to the block's last token, and the run
//    goes on, as Lean's error recovery admits them. Then G1 gains the hypothesis `NAME : TYPE`
//    (shadowed names settled, its tag kept), G2..Gn unchanged. A `:= TERM` span is first the
//    rules' (a rule for the whole text, as before); when none accepts it, TERM must prove that
//    same goal as `exact TERM` would (a lemma or a hypothesis, lemmas.hpp, or a rule for
//    `exact TERM`), else its error is the have's, refused; then G1 gains the hypothesis. Any
//    other span is run_tactic's, with the same lemmas.
//  - Each span that ran without being refused gives one TacticInfo node (tactic_node) with
//    the goals before and after it; a have's node has its block's nodes as children, as the
//    REPL's substantive tree nests them. A refused span gives no node, nor does a have whose
//    block refused a tactic.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "goal.hpp"
#include "lemmas.hpp"
#include "lexer.hpp"
#include "proof_script.hpp"
#include "tactic_rules.hpp"

namespace fake_repl {

struct HaveStep {
  std::string name;
  std::string type;
  bool tactic_block = false;      // `:= by BLOCK`, else `:= TERM`
  std::size_t by = 0;             // token index of `by`
  std::vector<TacticSpan> block;  // the tactics of BLOCK
  std::string term;               // TERM, the tokens joined as written
};

struct BlockError {
  Position begin, end;
  std::string text;
};

struct BlockRun {
  std::vector<Goal> goals;
  std::vector<BlockError> errors;  // in the order Lean reports them
  bool refused = false;            // a tactic was refused: nothing after it ran
  nlohmann::json nodes = nlohmann::json::array();
};

std::optional<HaveStep> read_have(const std::vector<Token>& tokens, const TacticSpan& span);

BlockRun run_block(const TacticRules& rules, const LemmaLookup* lemmas,
                   const std::vector<Token>& tokens, const std::vector<TacticSpan>& spans,
                   std::vector<Goal> goals);

// A TacticInfo node in the shape of the REPL's "infotree" answers: the tactic's text as `pp`,
// its syntax kind as Lean names it for a first word the double knows (else
// `fake.tactic.WORD`), its range, and every goal before and after it.
nlohmann::json tactic_node(const std::string& text, Position begin, Position end,
                           const std::vector<Goal>& before, const std::vector<Goal>& after,
                           nlohmann::json children = nlohmann::json::array());

}  // namespace fake_repl

#pragma once
// The steps of a proof as Lean reports them: the REPL's answer to a command asked with
// `"infotree": "substantive"`, read into a flat list of tactic steps with their goals before
// and after. Like repl_answer.*, this is the only place that knows the infotree's JSON.
//
// The shape (leanprover-community/repl, REPL/Lean/InfoTree/ToJson.lean; recorded answers in
// shared/lean-repl-transcripts/{core,harvested/poiroux-repl-*}/infotree*):
//   "infotree": [NODE...], NODE = {"node": INFO|null, "kind": "TacticInfo"|"TermInfo"|...,
//                                  "children": [NODE...]}
//   a TacticInfo's INFO = {"stx": {"range": {"synthetic": B, "start": POS, "finish": POS},
//                                  "pp": TEXT, "kind": SYNTAX-KIND, ...},
//                          "name": SYNTAX-KIND|null, "goalsBefore": [GOAL...],
//                          "goalsAfter": [GOAL...]}
// POS is {"line" (1-based), "column" (0-based, code points)} in the command's text; `finish`
// is exclusive. The REPL omits "infotree" when the filtered forest is empty (a term proof).
//
// Reading (docs/traces.md):
// - Every TacticInfo node is a step candidate; nodes of other kinds are looked through (their
//   children are read), so a "full" tree gives the same steps as a "substantive" one.
// - A node is a step when its syntax is original (`"synthetic": false`: text the candidate
//   wrote, not a macro's expansion) and substantive (the REPL's own list of combinators is not:
//   `by`, tactic sequences, `·`, `<;>`, parentheses, and nodes without a name). The children of
//   a node that is not a step are lifted to its parent step, as the REPL's own filter does.
// - Steps are numbered in pre-order (the order of the tree: a step before the steps nested in
//   it); `parent` is the index of the nearest enclosing step (-1: none) and `depth` the count of
//   enclosing steps.
// - `tactic` is the text of the step's range cut from the checked text (what the candidate
//   wrote), positions are shifted by the request's line offset like messages' (so they refer
//   to the caller's text), and `is_have` is true when Lean names the syntax a `have` tactic
//   (the last component of `name` starts with `tacticHave`: core's `have`, `have'`, `haveI`
//   and Mathlib's `have` without `:=`).
// - A tree the bridge cannot read (a TacticInfo without goals, a range outside the text, a
//   value of the wrong type) is refused whole: no partial list.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lean-bridge/repl_answer.hpp"

namespace lean_bridge {

struct TraceStep {
  int64_t index = 0;   // pre-order position among the steps of the command, from 0
  int64_t parent = -1; // index of the enclosing step, -1 for a top-level step
  int64_t depth = 0;   // number of enclosing steps
  std::string tactic;  // the source text of the step's range
  std::string kind;    // Lean's syntax kind (the node's `name`), e.g. Lean.Parser.Tactic.exact
  std::string pp;      // Lean's pretty-printed syntax (`stx.pp`), "" when absent
  std::vector<std::string> goals_before;  // every goal before the step, as Lean prints it
  std::vector<std::string> goals_after;   // every goal after it ([]: the step closed them)
  Position pos;      // start, in the caller's text
  Position end_pos;  // end (exclusive), in the caller's text
  bool is_have = false;
  bool operator==(const TraceStep&) const = default;
};

struct TraceSteps {
  std::optional<std::vector<TraceStep>> steps;  // nothing when the tree cannot be read
  std::string error;                             // "JSON-PATH: problem" when steps is empty
};

// Steps of an infotree given as JSON text (the value of the answer's "infotree" key); `text` is
// the command text Lean elaborated, `line_offset` is added to every line.
TraceSteps read_infotree(std::string_view infotree_json, std::string_view text,
                          int64_t line_offset);

// Steps of a command answer: its "infotree" key (kept in extra_json), none when the key is
// absent (the REPL omits an empty forest).
TraceSteps tactic_steps(const CommandAnswer& answer, std::string_view text, int64_t line_offset);

// The REPL's test for a substantive tactic (REPL/Lean/InfoTree.lean: isSubstantive), on the
// node's name; an absent name is not substantive.
bool is_substantive(std::string_view name);

// Whether Lean's syntax kind names a `have` tactic (see above).
bool is_have_kind(std::string_view name);

}  // namespace lean_bridge

#pragma once
// Candidate lemmas found in verified proofs and their tactic traces (docs/library.md,
// "Candidates"). A pure reading of texts Lean printed: nothing here decides that a candidate
// is true; each is checked by Lean before it counts.
//
// Contract:
// - A proof comes with the steps Lean reported for it (lean-bridge/infotree.hpp, read into
//   Step here so that this library needs no Lean bridge). Positions are Lean's (1-based lines,
//   0-based columns in code points) in the checked text: the task's statement followed by the
//   proof (continuation form) or the proof file itself (whole-file form).
// - Three kinds of occurrence, each a range of the checked text and the arguments that apply
//   the lemma there:
//   * have: a `have NAME : T := PROOF` step; the lemma states T over the hypotheses of the
//     step's goal that T and PROOF name (closed under the names their types use; every
//     hypothesis that states a fact (a relation, a connective) when PROOF reads the context
//     without naming it: assumption, omega, simp_all...). Its
//     use replaces PROOF by the term `LEMMA args`. A PROOF `by` + newline + an indented block
//     becomes the lemma's proof re-indented as a sub-proof's (below), the same text.
//   * subproof: consecutive sibling steps from one that starts on a goal G to the one after
//     which G is closed and the other goals are as before; at least `min_subproof_steps` steps.
//     The lemma states G's target over its hypotheses as above; its use replaces the steps by
//     `exact LEMMA args`.
//   * task: the subproof that is the whole proof (the task's own theorem, restated).
//   A hypothesis with an inaccessible name (`h✝`) that the lemma needs makes no occurrence.
// - Occurrences with the same canonical key (header + statement up to binder names) are one
//   candidate. Its versions are the distinct (statement, proof) texts, smallest first (ties in
//   the order found), the smallest `max_versions` of them (the selection checks at most three):
//   the first that Lean verifies becomes the lemma. Each lists every source and task of the
//   candidate. Subproof candidates found in fewer than `min_subproof_proofs` proofs (2: in one
//   proof only) are dropped (a sub-proof is a candidate when it repeats); have and task candidates are
//   kept whatever their count, and the selection decides by their gain.
// - Candidates come in the order of their first occurrence.
#include <cstdint>
#include <string>
#include <vector>

#include "library/lemma.hpp"

namespace library {

struct Step {
  int64_t index = 0;
  int64_t parent = -1;
  std::string tactic;
  std::vector<std::string> goals_before;
  std::vector<std::string> goals_after;
  int64_t line = 0, column = 0;          // start
  int64_t end_line = 0, end_column = 0;  // end, exclusive
  bool is_have = false;
};

struct ProofTrace {
  std::string key;  // "RUN-UUID:LINE"
  std::string task_id;
  std::string task_name;
  std::string header;
  std::string statement;  // the task's statement ("theorem NAME ... := by\n")
  std::string proof;      // as stored
  bool whole_file = false;
  std::vector<Step> steps;
  // The text Lean's positions count in: statement + proof, or the proof file.
  std::string checked_text() const { return whole_file ? proof : statement + proof; }
  // Byte offset of the proof in checked_text().
  std::size_t proof_offset() const { return whole_file ? 0 : statement.size(); }
};

struct Occurrence {
  std::size_t proof = 0;  // index among the traces
  std::size_t begin = 0, end = 0;  // byte range of checked_text() the use replaces
  std::vector<std::string> args;   // the explicit arguments, in binder order
  bool term = false;               // replaced by `LEMMA args` (have) or `exact LEMMA args`
  std::string origin;
  int64_t step = -1;
};

struct Candidate {
  std::string key;
  std::string origin;             // of the first occurrence
  std::vector<Lemma> versions;    // distinct statement and proof texts, smallest first, at most
                                  // CandidateOptions::max_versions
  std::vector<Occurrence> occurrences;
};

struct CandidateOptions {
  int min_subproof_steps = 2;
  // Proofs a sub-proof must be found in to be a candidate (1: every sub-proof; the remote
  // proposals look there for the uses of a model's lemma, library/proposals.hpp).
  int min_subproof_proofs = 2;
  // The versions kept per candidate, the smallest. Every kept version carries the candidate's
  // sources and tasks, so keeping them all would cost versions × occurrences.
  std::size_t max_versions = 3;
  bool haves = true;
  bool subproofs = true;
  bool tasks = true;
};

std::vector<Candidate> find_candidates(const std::vector<ProofTrace>& proofs,
                                       const CandidateOptions& options = {});

// Byte offset of a Lean position (1-based line, 0-based column in code points) in `text`;
// text.size() when past the end.
std::size_t byte_offset(std::string_view text, int64_t line, int64_t column);

}  // namespace library

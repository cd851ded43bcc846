#pragma once
// Lemmas a remote model states when asked for helper lemmas (docs/library.md, "Candidates:
// lemmas a model proposes"). The pure part: which proofs a prompt shows, the model's answer
// read into lemmas, and those lemmas joined to the candidates the proofs gave. Asking the model
// is policy/remote's (ask.hpp); the harness hook is harness/library_propose.cpp.
//
// Contract:
// - prompt_batch: the proofs a prompt shows all have one header, the one most proofs have
//   (ties: the first seen). In trace order, a proof is taken when its checked text fits in what
//   is left of `max_bytes` (a proof too large is skipped, the next ones are still tried), up to
//   `max_proofs` proofs.
// - read_proposals: the answer's closed code blocks whose language is lean, lean4 or none
//   (after a leading <think>...</think> part, which is dropped) are split into declarations:
//   a declaration starts at a line without indentation whose first word is a declaration
//   keyword (theorem, lemma, def, example, instance, abbrev, structure, inductive, class,
//   axiom, opaque) or a modifier (@[...], private, protected, noncomputable) and runs over the
//   indented and blank lines after it; any other line without indentation ends it (imports,
//   `open`, comments are read past). Each declaration must be `theorem NAME BINDERS : TYPE :=
//   PROOF` (or `lemma`), with explicit binders only (library::parse_statement) and a proof;
//   anything else is rejected with its reason, counted, and never reaches Lean. A Lean block
//   with no declaration is rejected too ("a Lean block with no theorem"). An unclosed block (an
//   answer cut short) is not read. A lemma read has its binders in the order find_candidates
//   gives (by first use in the type), is named lib_<hex> by its canonical key under `header`
//   (the prompt's), origin "remote", with no source yet.
// - join_proposals: a proposed lemma joins the candidate (in `candidates`, else among
//   `single_use`, the sub-proofs found in one proof only, which then becomes a candidate too)
//   whose key equals its own, as one more version (versions stay smallest first), with that
//   candidate's sources and derived_from: it is the same statement, so it is derived from the
//   same tasks. Its uses are that candidate's occurrences. A lemma whose key no candidate has
//   is rejected "no use in the proofs"; one whose declaration is already a version, "the same
//   text as a version found in the proofs" (that version is considered anyway).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "library/candidates.hpp"
#include "library/lemma.hpp"
#include "library/selection.hpp"

namespace library {

struct PromptBatch {
  std::string header;
  std::vector<std::size_t> proofs;  // indices among the traces, in order
  int64_t bytes = 0;                // their checked texts' bytes
};

PromptBatch prompt_batch(const std::vector<ProofTrace>& proofs, int max_proofs, int64_t max_bytes);

struct ReadProposals {
  std::vector<Lemma> lemmas;        // in the answer's order
  std::vector<Rejection> rejected;  // origin "remote"; name: the name the model gave, if any
  int64_t blocks = 0;               // Lean code blocks read
  int64_t declarations = 0;         // declarations found in them (lemmas + rejected)
};

ReadProposals read_proposals(std::string_view answer, const std::string& header);

struct JoinOutcome {
  int64_t joined = 0;               // lemmas that became a candidate's version
  std::vector<Rejection> rejected;
};

JoinOutcome join_proposals(std::vector<Candidate>& candidates, std::vector<Candidate> single_use,
                           const std::vector<Lemma>& proposed);

}  // namespace library

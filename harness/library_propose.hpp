#pragma once
// `harness library grow --propose openai:URL` (docs/library.md, "Candidates: lemmas a model
// proposes"): the model is asked once, with the built-in "lemmas" prompt (policy/remote/
// README.md, "Helper lemmas") showing a batch of the traced proofs (library::prompt_batch:
// --propose-max-proofs, --propose-max-bytes, one header); the theorems of its answer are read
// (library::read_proposals) and join the candidates of their statements
// (library::join_proposals), so that the selection checks and counts them like any other
// version. What does not parse or has no use is rejected here, counted, never checked by Lean.
//
// A failure of the server or of its answer (HTTP 500, a timeout, an answer that is not the
// wire format, a bad URL) is said on stderr and leaves the candidates as they were: grow goes on
// with the traced ones, and nothing of the run is lost.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/library_command.hpp"
#include "library/candidates.hpp"
#include "library/selection.hpp"

namespace harness {

struct ProposalReport {
  bool asked = false;
  std::optional<std::string> failure;  // why the model gave no lemma, when it did not answer
  int64_t shown = 0;                   // proofs in the prompt
  int64_t read = 0;                    // theorems read from the answer
  int64_t joined = 0;                  // became a candidate's version
  std::vector<library::Rejection> rejected;  // origin "remote": the summary lists their reasons
};

// Does nothing (asked = false) without --propose or without a proof.
ProposalReport propose_lemmas(const LibrarySettings& s, const std::vector<library::ProofTrace>& proofs,
                              const std::vector<library::Lemma>& existing,
                              const library::CandidateOptions& options,
                              std::vector<library::Candidate>& candidates);

}  // namespace harness

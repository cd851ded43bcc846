#pragma once
// `--propose openai:URL` of `harness library grow` and `harness search --grow-library`
// (docs/library.md, "Candidates: lemmas a model proposes"): the model is asked once per growth,
// with the built-in "lemmas" prompt (policy/remote/README.md, "Helper lemmas") showing a batch of
// the traced proofs (library::prompt_batch: --propose-max-proofs, --propose-max-bytes, one header);
// the theorems of its answer are read (library::read_proposals) and join the candidates of their
// statements (library::join_proposals), so that the selection checks and counts them like any other
// version. What does not parse or has no use is rejected here, counted, never checked by Lean.
//
// A failure of the server or of its answer (HTTP 500, a timeout, an answer that is not the
// wire format, a bad URL) is said on stderr and leaves the candidates as they were: grow goes on
// with the traced ones, and nothing of the run is lost.
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/library_grow.hpp"
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

// Does nothing (asked = false) without --propose or without a proof. Problems go to stderr as
// "COMMAND: --propose: ...", the line that says what was asked and read to `report_to`.
ProposalReport propose_lemmas(const ProposeSettings& s, std::string_view command,
                              std::FILE* report_to, const std::vector<library::ProofTrace>& proofs,
                              const std::vector<library::Lemma>& existing,
                              const library::CandidateOptions& options,
                              std::vector<library::Candidate>& candidates);

// With --propose, makes `params` ask the model once its proofs are traced (extra_candidates)
// and record what was asked; `report` gets what came of it. Call it once params.settings is
// set; `s`, `existing` (the library grown from, which the prompt lists) and `report` must
// outlive the growth.
void propose_in(GrowParams& params, const ProposeSettings& s, std::string_view command,
                std::FILE* report_to, const std::vector<library::Lemma>& existing,
                ProposalReport& report);

}  // namespace harness

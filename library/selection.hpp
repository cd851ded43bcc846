#pragma once
// Which candidates become lemmas: minimum description length (docs/library.md, "Selection").
//
// For a lemma l with verified uses U in the proofs P:
//   gain(l) = Σ_{p∈U} [C(p) − C(p rewritten to use l)] − C(l's declaration)
// with C the sizes a Sizer gives (harness: zstd with the cross-fitted dictionaries of metrics/).
// A lemma is kept iff gain(l) > 0.
//
// Order (greedy, lazy): every candidate gets an estimated gain from the texts alone (its
// occurrences rewritten, nothing checked); the candidate with the highest estimate is taken,
// its estimate recomputed on the proofs as they are now (earlier kept lemmas may have rewritten
// the same ranges), and, if it is still the highest, decided:
//   1. its versions are checked as standalone theorems, smallest first and one at a time (at most three), until one passes (a
//      lemma check each; none passes: rejected "does not verify");
//   2. every proof it occurs in is rewritten (all its occurrences that overlap no earlier
//      rewrite of that proof) and checked by Lean with the library so far plus the lemma as
//      its layer (a rewrite check each, capped by max_rewrite_checks);
//   3. gain over the rewrites Lean passed; kept iff > 0, and then those proofs stay rewritten.
// Candidates with an estimate <= 0 are rejected without any check. Deterministic for the same
// inputs and checker answers.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "library/candidates.hpp"
#include "library/lemma.hpp"

namespace library {

// Description lengths. proof_size(p, text) is C of a version of proof p (its index among the
// traces); lemma_size(l) is C(declaration_text(l)).
class Sizer {
 public:
  virtual ~Sizer() = default;
  virtual int64_t proof_size(std::size_t proof, std::string_view text) = 0;
  virtual int64_t lemma_size(const Lemma& lemma) = 0;
  // C(rest) − C(rest | statement): what the statement tells about the rest of the library.
  virtual double shared_information(std::string_view statement, std::string_view rest) = 0;
};

struct RewriteCheck {
  std::size_t proof = 0;  // index among the traces
  std::string proof_text; // the stored proof's new text (continuation or whole file, as before)
};

// Lean, as the selection asks it. `library` is the layer each check runs on.
class LemmaChecker {
 public:
  virtual ~LemmaChecker() = default;
  // Each lemma checked as a standalone theorem on top of `library`: true when it passed.
  virtual std::vector<bool> check_lemmas(const std::vector<Lemma>& lemmas,
                                         const std::vector<Lemma>& library) = 0;
  // Each rewritten proof checked with `library` as its layer: the verdict ("pass", "fail"...).
  virtual std::vector<std::string> check_rewrites(const std::vector<RewriteCheck>& rewrites,
                                                  const std::vector<Lemma>& library) = 0;
};

struct SelectionOptions {
  int64_t max_rewrite_checks = 2000;
  int64_t max_lemma_checks = 500;
};

struct KeptLemma {
  Lemma lemma;
  int64_t gain = 0;
  int64_t uses = 0;             // verified rewrites counted in the gain
  int64_t description_bytes = 0;  // C(declaration)
  double mutual_information = 0;  // with the rest of the library (filled at the end)
};

struct RewriteOutcome {
  std::string lemma;  // name
  std::string lemma_key;
  std::size_t proof = 0;
  std::string before, after;  // the proof's texts
  std::string verdict;
  int64_t c_before = 0, c_after = 0;
  bool counted = false;
};

struct Rejection {
  std::string key;
  std::string name;
  std::string origin;
  std::string reason;
  int64_t estimate = 0;
  std::optional<int64_t> gain;  // when rewrites were checked
};

struct Selection {
  std::vector<KeptLemma> kept;  // in the order chosen (the library's order)
  std::vector<Rejection> rejected;
  std::vector<RewriteOutcome> rewrites;
  std::vector<std::string> proofs;  // every proof's text after the kept rewrites
  int64_t proofs_bytes_before = 0;
  int64_t proofs_bytes_after = 0;
  int64_t library_bytes = 0;  // C of the kept lemmas (the existing library's too)
  int64_t lemma_checks = 0;
  int64_t rewrite_checks = 0;
  bool budget_reached = false;
};

// `existing`: lemmas already in the library (kept first, checked again by no one; their size
// counts in library_bytes).
Selection select_lemmas(const std::vector<ProofTrace>& proofs,
                        const std::vector<Candidate>& candidates,
                        const std::vector<Lemma>& existing, Sizer& sizer, LemmaChecker& checker,
                        const SelectionOptions& options = {});

}  // namespace library

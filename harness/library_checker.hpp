#pragma once
// Lean as `library grow` asks it (library::LemmaChecker), through the one pipeline: a lemma is
// a candidate whose task is its own statement under its header (the guard reads the statement
// and the proof, Lean elaborates it against that statement, axioms and nonce close the check);
// a rewritten proof is the stored proof's candidate with its new text. Each check runs with the
// library given as its layer (harness/library_layers.hpp), never the cache.
#include <memory>
#include <string>
#include <vector>

#include "harness/library_layers.hpp"
#include "harness/pipeline.hpp"
#include "harness/proof_traces.hpp"
#include "library/selection.hpp"

namespace harness {

// The layers of a list of lemmas. `derivations`: the layers know which task each lemma was
// derived from, so that a candidate for that task naming it is rejected (search); off for
// `library grow`, whose rewrites of a lemma's own source proof are what it measures.
std::shared_ptr<const LibraryLayers> layers_of(const std::vector<library::Lemma>& lemmas,
                                               bool derivations);

// The candidate that checks a lemma as a standalone theorem.
tasks::Candidate lemma_candidate(const library::Lemma& lemma);

class PipelineLemmaChecker final : public library::LemmaChecker {
 public:
  // `proofs` are the traced proofs the selection's indexes refer to. Both must outlive this.
  PipelineLemmaChecker(Pipeline& pipeline, const std::vector<TracedProof>& proofs)
      : m_pipeline(pipeline), m_proofs(proofs) {}
  std::vector<bool> check_lemmas(const std::vector<library::Lemma>& lemmas,
                                 const std::vector<library::Lemma>& library) override;
  std::vector<std::string> check_rewrites(const std::vector<library::RewriteCheck>& rewrites,
                                          const std::vector<library::Lemma>& library) override;
  // The run was interrupted or Lean could not be started: every later answer is a failure.
  bool stopped() const { return m_stopped; }

 private:
  std::vector<Row> check(const std::vector<tasks::Candidate>& candidates,
                         const std::vector<library::Lemma>& library);

  Pipeline& m_pipeline;
  const std::vector<TracedProof>& m_proofs;
  bool m_stopped = false;
};

}  // namespace harness

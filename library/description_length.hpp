#pragma once
// The description lengths of the selection, zstd sizes as metrics/ measures them
// (metrics/README.md), in one of two modes:
// - plain (the default): C(text), each proof and each lemma a frame of its own. The network's
//   length is the library's plus every proof's, so a sub-proof repeated in n proofs is paid n
//   times until a lemma pays for it once.
// - cross-fitted: C(text | D), D the dictionary trained on the proofs of the other folds
//   (metrics::plan_folds by task; a lemma takes the fold of the first task it was derived
//   from). D already holds what the proofs repeat, so a repeated sub-proof costs little and a
//   lemma rarely pays: this mode measures what is left once the corpus is known
//   (docs/library.md says why plain is the default).
// The shared information of a statement with the rest of the library is C(rest) −
// C(rest | statement), the statement used as a raw dictionary.
#include <memory>
#include <vector>

#include "library/selection.hpp"
#include "metrics/compression.hpp"

namespace library {

struct SizerOptions {
  int level = 19;
  int folds = 8;
  std::size_t dictionary_bytes = 16 * 1024;
  bool cross_fitted = false;
};

class ZstdSizer final : public Sizer {
 public:
  ZstdSizer(const std::vector<ProofTrace>& proofs, const SizerOptions& options = {});
  ~ZstdSizer() override;
  int64_t proof_size(std::size_t proof, std::string_view text) override;
  int64_t lemma_size(const Lemma& lemma) override;
  double shared_information(std::string_view statement, std::string_view rest) override;
  int folds() const { return static_cast<int>(m_given.size()); }

 private:
  int fold_of_task(const std::string& task_id) const;

  SizerOptions m_options;
  std::vector<int> m_proof_fold;
  std::vector<std::pair<std::string, int>> m_task_fold;
  std::vector<metrics::Compressor> m_given;  // by fold
  metrics::Compressor m_plain;
};

}  // namespace library

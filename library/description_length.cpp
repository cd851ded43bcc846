#include "library/description_length.hpp"

#include <algorithm>

#include "common/tagged_hash.hpp"
#include "metrics/metrics.hpp"

namespace library {

ZstdSizer::ZstdSizer(const std::vector<ProofTrace>& proofs, const SizerOptions& options)
    : m_options(options), m_plain(options.level) {
  if (!options.cross_fitted) return;
  std::vector<metrics::ProofDoc> docs;
  for (std::size_t i = 0; i < proofs.size(); ++i) {
    docs.push_back({std::to_string(i), proofs[i].task_id, proofs[i].task_name, proofs[i].proof, {}, false});
  }
  metrics::FoldPlan plan = metrics::plan_folds(docs, options.folds);
  m_proof_fold = plan.proof_fold;
  for (std::size_t t = 0; t < plan.tasks.size(); ++t) m_task_fold.emplace_back(plan.tasks[t], plan.task_fold[t]);
  std::sort(m_task_fold.begin(), m_task_fold.end());
  for (int f = 0; f < plan.folds; ++f) {
    std::vector<std::string_view> samples;
    for (std::size_t i = 0; i < docs.size(); ++i) {
      if (plan.proof_fold[i] != f) samples.push_back(docs[i].text);
    }
    metrics::TrainingOptions training;
    training.dictionary_bytes = options.dictionary_bytes;
    metrics::TrainedDictionary trained = metrics::train_dictionary(samples, training);
    metrics::Dictionary d;
    d.fold = f;
    d.kind = trained.kind;
    d.bytes = std::move(trained.bytes);
    m_given.emplace_back(options.level, d);
  }
}

ZstdSizer::~ZstdSizer() = default;

int ZstdSizer::fold_of_task(const std::string& task_id) const {
  if (m_given.empty()) return -1;
  auto it = std::lower_bound(m_task_fold.begin(), m_task_fold.end(), std::make_pair(task_id, -1));
  if (it != m_task_fold.end() && it->first == task_id) return it->second;
  // A task without proofs here: a fold chosen from its id, as metrics::fold_for_task does.
  std::string hex = common::TaggedHash("fold").add("task", task_id).hex();
  return static_cast<int>(std::stoull(hex.substr(hex.size() - 8), nullptr, 16) % m_given.size());
}

int64_t ZstdSizer::proof_size(std::size_t proof, std::string_view text) {
  if (proof >= m_proof_fold.size() || m_given.empty()) return m_plain.size(text);
  return m_given[static_cast<std::size_t>(m_proof_fold[proof])].size(text);
}

int64_t ZstdSizer::lemma_size(const Lemma& lemma) {
  std::string text = declaration_text(lemma);
  int fold = lemma.derived_from.empty() ? -1 : fold_of_task(lemma.derived_from.front());
  if (fold < 0) return m_plain.size(text);
  return m_given[static_cast<std::size_t>(fold)].size(text);
}

double ZstdSizer::shared_information(std::string_view statement, std::string_view rest) {
  metrics::Dictionary d;
  d.kind = "raw";
  d.bytes = std::string(statement);
  metrics::Compressor given(m_options.level, d);
  return static_cast<double>(m_plain.size(rest) - given.size(rest));
}

}  // namespace library

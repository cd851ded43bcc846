#include "harness/library_checker.hpp"

#include <chrono>

#include "harness/interrupt.hpp"
#include "harness/traces_command.hpp"

namespace harness {

std::shared_ptr<const LibraryLayers> layers_of(const std::vector<library::Lemma>& lemmas,
                                               bool derivations) {
  if (lemmas.empty()) return nullptr;
  std::vector<LibraryEntry> entries;
  for (const auto& l : lemmas) {
    entries.push_back({l.name, l.header, library::declaration_text(l),
                       derivations ? l.derived_from : std::vector<std::string>{},
                       library::lemma_digest(l)});
  }
  return std::make_shared<const LibraryLayers>(std::move(entries));
}

tasks::Candidate lemma_candidate(const library::Lemma& lemma) {
  tasks::Candidate c;
  c.line = 0;
  c.name = lemma.name;
  c.task = tasks::make_task(lemma.name, "", lemma.header, library::statement_text(lemma) + " :=");
  c.form = tasks::ProofForm::continuation;
  c.proof = lemma.proof.rfind("\n", 0) == 0 ? lemma.proof : " " + lemma.proof;
  // Its statement was printed by Lean from a candidate's proof: the guard reads it too.
  c.statement_source = tasks::TextSource::line;
  return c;
}

std::vector<Row> PipelineLemmaChecker::check(const std::vector<tasks::Candidate>& candidates,
                                             const std::vector<library::Lemma>& library) {
  if (m_stopped) return {};
  Pipeline::AddOptions options;
  options.use_cache = false;
  options.library = layers_of(library, false);
  for (const auto& c : candidates) m_pipeline.add(c, options);
  std::vector<Row> rows;
  while (rows.size() < candidates.size()) {
    if (interrupt_requested() || m_pipeline.fatal_error()) {
      m_stopped = true;
      m_pipeline.stop();
      return {};
    }
    for (Row& row : m_pipeline.take_ready(std::chrono::milliseconds(100))) rows.push_back(std::move(row));
  }
  m_pipeline.forget_decided();
  return rows;
}

std::vector<bool> PipelineLemmaChecker::check_lemmas(const std::vector<library::Lemma>& lemmas,
                                                     const std::vector<library::Lemma>& library) {
  std::vector<tasks::Candidate> candidates;
  for (const auto& l : lemmas) candidates.push_back(lemma_candidate(l));
  std::vector<Row> rows = check(candidates, library);
  std::vector<bool> out(lemmas.size(), false);
  for (std::size_t i = 0; i < rows.size() && i < out.size(); ++i) {
    out[i] = rows[i].verdict == lean_bridge::Verdict::pass;
  }
  return out;
}

std::vector<std::string> PipelineLemmaChecker::check_rewrites(
    const std::vector<library::RewriteCheck>& rewrites, const std::vector<library::Lemma>& library) {
  std::vector<tasks::Candidate> candidates;
  for (const auto& r : rewrites) {
    tasks::Candidate c = stored_candidate(m_proofs[r.proof].proof);
    c.proof = r.proof_text;
    candidates.push_back(std::move(c));
  }
  std::vector<Row> rows = check(candidates, library);
  std::vector<std::string> out(rewrites.size(), "error");
  for (std::size_t i = 0; i < rows.size() && i < out.size(); ++i) {
    out[i] = std::string(lean_bridge::to_string(rows[i].verdict));
  }
  return out;
}

}  // namespace harness

#include "harness/library_propose.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "library/proposals.hpp"
#include "policy/remote/ask.hpp"
#include "policy/remote/prompt_template.hpp"

namespace harness {
namespace {

// Library lemmas the prompt lists as usable by name, at most.
constexpr std::size_t kPromptLibraryLemmas = 32;

policy::RemoteOptions remote_options(const ProposeSettings& s) {
  policy::RemoteOptions o;
  o.base_url = s.url;
  o.model = s.model;
  o.endpoint = s.endpoint;
  o.temperature = 0;  // one answer: the model's most likely
  o.max_tokens = s.max_tokens;
  o.retries = s.retries;
  o.timeout_ms = static_cast<int>(std::clamp(s.timeout_s * 1000, 1.0, 86400.0 * 1000));
  o.api_key = policy::api_key_from_env(s.api_key_env);
  return o;
}

}  // namespace

ProposalReport propose_lemmas(const ProposeSettings& s, std::string_view command,
                              std::FILE* report_to, const std::vector<library::ProofTrace>& proofs,
                              const std::vector<library::Lemma>& existing,
                              const library::CandidateOptions& options,
                              std::vector<library::Candidate>& candidates) {
  ProposalReport report;
  if (s.url.empty() || proofs.empty()) return report;
  report.asked = true;
  library::PromptBatch batch = library::prompt_batch(proofs, s.max_proofs, s.max_bytes);
  report.shown = static_cast<int64_t>(batch.proofs.size());
  std::optional<std::string> answer;
  std::string where = s.url;
  try {
    if (batch.proofs.empty()) throw std::runtime_error("no proof fits in --propose-max-bytes");
    policy::RemoteOptions o = remote_options(s);
    auto endpoint = o.endpoint == "chat" ? policy::remote::Endpoint::chat : policy::remote::Endpoint::completions;
    policy::remote::TemplateValues values;
    values.header = batch.header;
    std::vector<policy::remote::ShownProof> shown;
    for (std::size_t p : batch.proofs) shown.push_back({proofs[p].task_name, proofs[p].checked_text()});
    values.proofs = policy::remote::render_proofs(batch.header, shown);
    std::vector<std::string> statements;
    for (const auto& l : existing) {
      if (l.header == batch.header && statements.size() < kPromptLibraryLemmas) {
        statements.push_back(library::statement_text(l));
      }
    }
    values.library = policy::remote::render_library(statements);
    std::string prompt = policy::remote::PromptTemplate::load(s.prompt, endpoint).render(values);
    auto asked = policy::remote::ask_once(o, prompt);
    if (!asked.url.empty()) where = asked.url;
    if (!asked.text) throw std::runtime_error(asked.error);
    answer = std::move(asked.text);
  } catch (const std::exception& e) {
    report.failure = e.what();
    fmt::print(stderr,
               "{}: --propose: the model gave no lemmas ({}); going on with the candidates the "
               "proofs gave\n",
               command, e.what());
    fmt::print(report_to, "remote: no lemmas from {}: {}\n", where, e.what());
    return report;
  }

  library::ReadProposals read = library::read_proposals(*answer, batch.header);
  report.read = static_cast<int64_t>(read.lemmas.size());
  report.rejected = read.rejected;
  // The sub-proofs found in one proof only: a model's lemma may state one of them.
  std::vector<library::Candidate> single_use;
  if (!read.lemmas.empty() && options.subproofs) {
    std::set<std::string> known;
    for (const auto& c : candidates) known.insert(c.key);
    library::CandidateOptions all = options;
    all.min_subproof_proofs = 1;
    for (auto& c : library::find_candidates(proofs, all)) {
      if (known.count(c.key) == 0) single_use.push_back(std::move(c));
    }
  }
  library::JoinOutcome joined = library::join_proposals(candidates, std::move(single_use), read.lemmas);
  report.joined = joined.joined;
  report.rejected.insert(report.rejected.end(), joined.rejected.begin(), joined.rejected.end());
  fmt::print(report_to,
             "remote: asked {} for helper lemmas on {} proofs ({} bytes): {} code blocks, {} "
             "declarations, {} lemmas read, {} joined candidates, {} rejected\n",
             where, report.shown, batch.bytes, read.blocks, read.declarations, report.read,
             report.joined, report.rejected.size());
  if (read.blocks == 0) {
    fmt::print(stderr, "{}: --propose: no Lean code block in the model's answer\n", command);
  }
  return report;
}

void propose_in(GrowParams& params, const ProposeSettings& s, std::string_view command,
                std::FILE* report_to, const std::vector<library::Lemma>& existing,
                ProposalReport& report) {
  if (s.url.empty()) return;
  params.recorded["propose"] = s.url;
  params.recorded["propose_template"] = s.prompt;
  params.recorded["propose_model"] = s.model.empty() ? "(the server's first)" : s.model;
  int min_steps = params.settings.min_subproof_steps;
  params.extra_candidates = [&s, command = std::string(command), report_to, &existing, &report,
                             min_steps](const auto& proofs, auto& candidates) {
    library::CandidateOptions options;
    options.min_subproof_steps = min_steps;
    report = propose_lemmas(s, command, report_to, proofs, existing, options, candidates);
  };
}

}  // namespace harness

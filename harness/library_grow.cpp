#include "harness/library_grow.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "harness/interrupt.hpp"
#include "harness/library_checker.hpp"
#include "harness/settings.hpp"
#include "harness/traces_command.hpp"
#include "library/description_length.hpp"
#include "library/library_file.hpp"
#include "metrics/compression.hpp"

namespace harness {
namespace {

using ojson = nlohmann::ordered_json;

library::Step library_step(const lean_bridge::TraceStep& s) {
  library::Step out;
  out.index = s.index;
  out.parent = s.parent;
  out.tactic = s.tactic;
  out.goals_before = s.goals_before;
  out.goals_after = s.goals_after;
  out.line = s.pos.line;
  out.column = s.pos.column;
  out.end_line = s.end_pos.line;
  out.end_column = s.end_pos.column;
  out.is_have = s.is_have;
  return out;
}

library::ProofTrace proof_trace(const TracedProof& t) {
  library::ProofTrace out;
  out.key = t.key();
  out.task_id = t.proof.task_id;
  out.task_name = t.proof.task_name;
  out.header = t.proof.header;
  out.statement = t.proof.statement;
  out.proof = t.proof.proof;
  out.whole_file = stored_candidate(t.proof).form == tasks::ProofForm::whole_text;
  for (const auto& s : *t.result->steps) out.steps.push_back(library_step(s));
  return out;
}

library::Lemma from_record(const store::LemmaRecord& r) {
  auto parsed = library::parse_statement(r.statement);
  if (!parsed) {
    throw std::runtime_error(fmt::format("lemma {} in the store: its statement does not read back: {}",
                                         r.name, r.statement));
  }
  library::Lemma l;
  l.name = parsed->name;
  l.header = r.header;
  l.statement = parsed->statement;
  l.key = library::canonical_key(l.header, l.statement);
  l.proof = r.proof;
  l.origin = r.origin;
  for (const auto& s : r.sources) l.sources.push_back({s.proof_key, s.task_id, s.origin, s.step});
  l.derived_from = r.derived_from;
  return l;
}

store::LemmaRecord to_record(const library::Lemma& l, int64_t description_bytes) {
  store::LemmaRecord r;
  r.digest = library::lemma_digest(l);
  r.name = l.name;
  r.header = l.header;
  r.statement = library::statement_text(l);
  r.proof = l.proof;
  r.origin = l.origin;
  r.description_bytes = description_bytes;
  for (const auto& s : l.sources) {
    store::LemmaSourceRecord src;
    src.task_id = s.task_id;
    src.proof_key = s.proof_key;
    src.origin = s.origin;
    src.step = s.step;
    r.sources.push_back(std::move(src));
  }
  r.derived_from = l.derived_from;
  return r;
}

}  // namespace

bool is_sqlite_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[16] = {};
  in.read(magic, sizeof magic);
  return in.gcount() == 16 && std::string_view(magic, 16) == std::string_view("SQLite format 3\0", 16);
}

std::optional<StoredLibrary> stored_library(const store::Store& db, const std::string& which) {
  auto version = db.library_version(which);
  if (!version) return std::nullopt;
  StoredLibrary out;
  out.version = version->version;
  out.members = version->members;
  for (const auto& r : db.library_lemmas(version->version)) out.lemmas.push_back(from_record(r));
  return out;
}

StoredLibrary load_library(const std::string& path, const std::string& version) {
  if (!std::filesystem::exists(path)) throw UsageError(fmt::format("--library {}: no such file", path));
  if (is_sqlite_file(path)) {
    store::Store db = store::Store::open(path, store::OpenMode::existing, "--library");
    auto found = stored_library(db, version);
    if (!found) {
      throw UsageError(fmt::format("--library {}: no library version {} in this store{}", path, version,
                                   version == "latest" ? " (grow one with `harness library grow`)" : ""));
    }
    return std::move(*found);
  }
  if (version != "latest") {
    throw UsageError(fmt::format("--library-version {}: {} is a library file, which holds one version",
                                 version, path));
  }
  library::LibraryFile file;
  try {
    file = library::read_library_file(path);
  } catch (const library::LibraryFileError& e) {
    throw UsageError(fmt::format("--library: {}", e.what()));
  }
  StoredLibrary out;
  out.version = file.version;
  int64_t position = 0;
  for (auto& f : file.lemmas) {
    out.members.push_back({library::lemma_digest(f.lemma), position++, f.gain, f.uses, f.mutual_information});
    out.lemmas.push_back(std::move(f.lemma));
  }
  return out;
}

void refuse_version_without_library(const std::optional<std::string>& library,
                                    const std::string& version) {
  if (!library && version != "latest") {
    throw UsageError(fmt::format("--library-version {}: give --library STORE too", version));
  }
}

std::optional<StoredLibrary> given_library(const std::optional<std::string>& library,
                                           const std::string& version) {
  refuse_version_without_library(library, version);
  if (!library) return std::nullopt;
  return load_library(*library, version);
}

nlohmann::json library_record(const std::string& path, const StoredLibrary& library) {
  return {{"path", settings::absolute_paths(settings::Spec{.value = "FILE"}, path)},
          {"version", library.version},
          {"lemmas", library.lemmas.size()}};
}

void announce_library(std::string_view command, const StoredLibrary& library) {
  fmt::print(stderr, "harness {}: library {} ({} lemmas)\n", command,
             library.version.empty() ? "(empty)" : library.version, library.lemmas.size());
}

GrowResult grow_library(store::Store& db, const Engine& engine, std::vector<TracedProof> work,
                        const StoredLibrary& base, const GrowParams& params) {
  GrowResult result;
  result.library = base;
  {
    // One use per distinct proof: a task proved by the same text twice is one proof.
    std::set<std::pair<std::string, std::string>> seen;
    std::erase_if(work, [&](const TracedProof& t) {
      return !seen.emplace(t.proof.task_id, t.proof.proof).second;
    });
  }
  result.proofs = static_cast<int64_t>(work.size());
  result.base_library_bytes = library_bytes(base.lemmas);
  result.selection.library_bytes = result.base_library_bytes;
  if (work.empty()) return result;

  // The proofs may name the base's lemmas: they are traced, and rewritten, on that layer.
  std::unique_ptr<Pipeline> tracing = tracing_pipeline(engine, layers_of(base.lemmas, false));
  Pipeline& pipeline = *tracing;
  auto stop = [&](TraceOutcome outcome) {
    if (auto fatal = pipeline.fatal_error()) {
      result.status = GrowResult::Status::fatal;
      result.fatal = *fatal;
    } else {
      result.status = outcome == TraceOutcome::fatal ? GrowResult::Status::fatal
                                                     : GrowResult::Status::interrupted;
    }
    return result;
  };
  TraceOutcome outcome = trace_proofs(pipeline, work);
  if (outcome != TraceOutcome::done) return stop(outcome);
  std::vector<TracedProof> traced;
  std::vector<library::ProofTrace> proofs;
  for (auto& t : work) {
    if (!t.traced()) {
      result.untraced.push_back(t.problem());
      continue;
    }
    proofs.push_back(proof_trace(t));
    traced.push_back(std::move(t));
  }
  result.traced = static_cast<int64_t>(proofs.size());

  library::CandidateOptions candidate_options;
  candidate_options.min_subproof_steps = params.settings.min_subproof_steps;
  auto candidates = library::find_candidates(proofs, candidate_options);
  if (params.extra_candidates) params.extra_candidates(proofs, candidates);
  result.candidates = static_cast<int64_t>(candidates.size());
  library::SizerOptions sizer_options;
  sizer_options.cross_fitted = params.settings.sizes == "cross-fitted";
  library::ZstdSizer sizer(proofs, sizer_options);
  PipelineLemmaChecker checker(pipeline, traced);
  library::SelectionOptions selection_options{params.settings.max_rewrite_checks,
                                              params.settings.max_lemma_checks};
  result.selection =
      library::select_lemmas(proofs, candidates, base.lemmas, sizer, checker, selection_options);
  pipeline.close();
  if (checker.stopped()) return stop(TraceOutcome::interrupted);
  const library::Selection& selection = result.selection;

  StoredLibrary grown;
  grown.lemmas = base.lemmas;
  for (const auto& k : selection.kept) grown.lemmas.push_back(k.lemma);
  grown.version = library::library_version(grown.lemmas);
  store::LibraryVersionRecord record;
  record.version = grown.version;
  record.parent = base.version;
  record.run_id = params.run_id;
  ojson params_json = ojson{{"split", params.split},
                             {"sizes", params.settings.sizes},
                             {"level", sizer_options.level},
                             {"order", "greedy, lazily re-estimated"},
                             {"max_rewrite_checks", params.settings.max_rewrite_checks},
                             {"max_lemma_checks", params.settings.max_lemma_checks},
                             {"min_subproof_steps", params.settings.min_subproof_steps},
                             {"proofs", proofs.size()},
                             {"candidates", candidates.size()},
                             {"budget_reached", selection.budget_reached},
                             {"proofs_bytes_before", selection.proofs_bytes_before},
                             {"lemma_checks", selection.lemma_checks}}
                           ;
  for (const auto& [key, value] : params.recorded) params_json[key] = value;
  record.params_json = params_json.dump();
  record.proofs_bytes = selection.proofs_bytes_after;
  record.library_bytes = selection.library_bytes;
  record.rewrite_checks = selection.rewrite_checks;
  record.candidates = static_cast<int64_t>(candidates.size());
  std::vector<store::LemmaRecord> lemmas;
  int64_t position = 0;
  for (std::size_t i = 0; i < base.lemmas.size(); ++i) {
    const auto& l = base.lemmas[i];
    store::LibraryMemberRecord m = i < base.members.size() ? base.members[i] : store::LibraryMemberRecord{};
    m.lemma_digest = library::lemma_digest(l);
    m.position = position++;
    record.members.push_back(m);
    lemmas.push_back(to_record(l, sizer.lemma_size(l)));
  }
  for (const auto& k : selection.kept) {
    record.members.push_back({library::lemma_digest(k.lemma), position++, k.gain, k.uses, k.mutual_information});
    lemmas.push_back(to_record(k.lemma, k.description_bytes));
  }
  grown.members = record.members;
  std::vector<store::RewriteRecord> rewrites;
  std::map<std::string, std::string> digest_of;
  for (const auto& l : grown.lemmas) digest_of[l.key] = library::lemma_digest(l);
  for (const auto& r : selection.rewrites) {
    auto digest = digest_of.find(r.lemma_key);
    if (digest == digest_of.end()) continue;  // a rejected lemma's rewrites: the summary counts them
    rewrites.push_back({digest->second, proofs[r.proof].key, proofs[r.proof].task_id, r.before, r.after,
                        r.verdict, r.c_before, r.c_after, r.counted});
  }
  if (!grown.version.empty() && grown.version != base.version) {
    db.record_library(record, lemmas, rewrites);
    result.recorded = true;
    // As the store keeps it (each lemma derived from every task of its sources), so that a
    // run resumed from the store searches with exactly this library.
    if (auto stored = stored_library(db, grown.version)) grown = std::move(*stored);
  }
  result.library = std::move(grown);
  return result;
}

int64_t library_bytes(const std::vector<library::Lemma>& lemmas) {
  int64_t total = 0;
  for (const auto& l : lemmas) {
    total += metrics::compressed_size(library::declaration_text(l), library::SizerOptions{}.level);
  }
  return total;
}

void print_growth(std::FILE* out, const GrowResult& result) {
  const library::Selection& s = result.selection;
  fmt::print(out, "{} proofs traced ({} not traced), {} candidates; {} lemmas kept\n", result.traced,
             result.untraced.size(), result.candidates, s.kept.size());
  fmt::print(out, "Lean checks: {} lemma checks, {} rewrite checks{}\n", s.lemma_checks, s.rewrite_checks,
             s.budget_reached ? " (the rewrite budget stopped the selection)" : "");
  fmt::print(out, "description length: proofs {} -> {} bytes, library {} -> {} bytes, total {} -> {} bytes\n",
             s.proofs_bytes_before, s.proofs_bytes_after, result.base_library_bytes, s.library_bytes,
             result.bytes_before(), result.bytes_after());
  for (const auto& k : s.kept) {
    fmt::print(out, "  kept {}  gain {} uses {} C {} MI {:.1f}  {}\n", k.lemma.name, k.gain, k.uses,
               k.description_bytes, k.mutual_information, library::statement_text(k.lemma));
  }
  std::map<std::string, int> reasons;
  for (const auto& r : s.rejected) ++reasons[r.reason];
  for (const auto& [reason, n] : reasons) fmt::print(out, "  rejected {}: {}\n", n, reason);
  fmt::print(out, "library version {}\n", result.library.version.empty() ? "(empty)" : result.library.version);
}

}  // namespace harness

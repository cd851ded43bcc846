#include "harness/library_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "common/lean_header.hpp"
#include "harness/exit_codes.hpp"
#include "harness/interrupt.hpp"
#include "harness/library_checker.hpp"
#include "harness/proof_traces.hpp"
#include "harness/resume.hpp"
#include "harness/traces_command.hpp"
#include "library/candidates.hpp"
#include "library/description_length.hpp"
#include "library/library_file.hpp"
#include "lean-bridge/worker_pool.hpp"
#include "store/store.hpp"

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

// --- the store's records and the library's lemmas ------------------------------------------

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

struct StoredLibrary {
  std::string version;
  std::vector<library::Lemma> lemmas;
  std::vector<store::LibraryMemberRecord> members;
};

std::optional<StoredLibrary> stored_library(const store::Store& db, const std::string& which) {
  auto version = db.library_version(which);
  if (!version) return std::nullopt;
  StoredLibrary out;
  out.version = version->version;
  out.members = version->members;
  for (const auto& r : db.library_lemmas(version->version)) out.lemmas.push_back(from_record(r));
  return out;
}

// --- grow ------------------------------------------------------------------------------------

std::vector<int64_t> run_ids(const store::Store& db, const std::vector<std::string>& names) {
  std::vector<int64_t> ids;
  for (const auto& n : names) {
    int64_t id = named_run(db, n).id;
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  return ids;
}

void print_selection(const library::Selection& s, const std::vector<library::Candidate>& candidates,
                     int64_t traced, int64_t untraced, const std::string& version) {
  fmt::print("{} proofs traced ({} not traced), {} candidates; {} lemmas kept\n", traced, untraced,
             candidates.size(), s.kept.size());
  fmt::print("Lean checks: {} lemma checks, {} rewrite checks{}\n", s.lemma_checks, s.rewrite_checks,
             s.budget_reached ? " (the rewrite budget stopped the selection)" : "");
  fmt::print("description length: proofs {} -> {} bytes, library {} bytes, total {} -> {} bytes\n",
             s.proofs_bytes_before, s.proofs_bytes_after, s.library_bytes, s.proofs_bytes_before,
             s.proofs_bytes_after + s.library_bytes);
  for (const auto& k : s.kept) {
    fmt::print("  kept {}  gain {} uses {} C {} MI {:.1f}  {}\n", k.lemma.name, k.gain, k.uses,
               k.description_bytes, k.mutual_information, library::statement_text(k.lemma));
  }
  std::map<std::string, int> reasons;
  for (const auto& r : s.rejected) ++reasons[r.reason];
  for (const auto& [reason, n] : reasons) fmt::print("  rejected {}: {}\n", n, reason);
  fmt::print("library version {}\n", version.empty() ? "(empty)" : version);
}

int grow(LibrarySettings& s) {
  store::Store db = store::Store::open(
      s.db, store::OpenMode::existing,
      "harness library grow reads the verified proofs of an existing store; create one with score");
  std::vector<TracedProof> work = verified_proofs(db, run_ids(db, s.runs));
  if (!s.split.empty()) {
    std::erase_if(work, [&](const TracedProof& t) { return t.proof.split.value_or("") != s.split; });
  }
  StoredLibrary base;
  if (s.from != "none") {
    auto found = stored_library(db, s.from);
    if (!found && s.from != "latest") throw UsageError(fmt::format("--from {}: no such library version in {}", s.from, s.db));
    if (found) base = std::move(*found);
  }

  Engine engine = make_engine(s);
  Pipeline pipeline(engine.guard, nullptr,
                    [&engine] { return std::make_unique<lean_bridge::WorkerPool>(engine.pool); },
                    PipelineOptions{engine.identity, false, false, "", 0});
  install_interrupt_handlers();
  TraceOutcome outcome = trace_proofs(pipeline, work);
  if (outcome != TraceOutcome::done) {
    if (auto fatal = pipeline.fatal_error()) fmt::print(stderr, "harness library: Lean: {}\n", *fatal);
    return outcome == TraceOutcome::interrupted ? kExitInterrupted : kExitLeanOrStore;
  }
  std::vector<TracedProof> traced;
  std::vector<library::ProofTrace> proofs;
  int64_t untraced = 0;
  for (auto& t : work) {
    if (!t.traced()) {
      ++untraced;
      fmt::print(stderr, "harness library: {}\n", t.problem());
      continue;
    }
    proofs.push_back(proof_trace(t));
    traced.push_back(std::move(t));
  }

  library::CandidateOptions candidate_options;
  candidate_options.min_subproof_steps = s.min_subproof_steps;
  auto candidates = library::find_candidates(proofs, candidate_options);
  library::SizerOptions sizer_options;
  sizer_options.cross_fitted = s.sizes == "cross-fitted";
  library::ZstdSizer sizer(proofs, sizer_options);
  PipelineLemmaChecker checker(pipeline, traced);
  library::SelectionOptions selection_options{s.max_rewrite_checks, s.max_lemma_checks};
  library::Selection selection =
      library::select_lemmas(proofs, candidates, base.lemmas, sizer, checker, selection_options);
  pipeline.close();
  if (checker.stopped()) {
    if (auto fatal = pipeline.fatal_error()) {
      fmt::print(stderr, "harness library: Lean: {}\n", *fatal);
      return kExitLeanOrStore;
    }
    fmt::print(stderr, "harness library: interrupted; nothing recorded\n");
    return kExitInterrupted;
  }

  std::vector<library::Lemma> all = base.lemmas;
  for (const auto& k : selection.kept) all.push_back(k.lemma);
  std::string version = library::library_version(all);
  std::vector<store::LemmaRecord> lemmas;
  store::LibraryVersionRecord record;
  record.version = version;
  record.parent = base.version;
  record.params_json = ojson{{"split", s.split},
                             {"sizes", s.sizes},
                             {"level", sizer_options.level},
                             {"order", "greedy, lazily re-estimated"},
                             {"max_rewrite_checks", s.max_rewrite_checks},
                             {"max_lemma_checks", s.max_lemma_checks},
                             {"min_subproof_steps", s.min_subproof_steps},
                             {"proofs", proofs.size()},
                             {"candidates", candidates.size()},
                             {"budget_reached", selection.budget_reached},
                             {"proofs_bytes_before", selection.proofs_bytes_before},
                             {"lemma_checks", selection.lemma_checks}}
                           .dump();
  record.proofs_bytes = selection.proofs_bytes_after;
  record.library_bytes = selection.library_bytes;
  record.rewrite_checks = selection.rewrite_checks;
  record.candidates = static_cast<int64_t>(candidates.size());
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
  std::vector<store::RewriteRecord> rewrites;
  std::map<std::string, std::string> digest_of;
  for (const auto& l : all) digest_of[l.key] = library::lemma_digest(l);
  for (const auto& r : selection.rewrites) {
    auto digest = digest_of.find(r.lemma_key);
    if (digest == digest_of.end()) continue;  // a rejected lemma's rewrites: the summary counts them
    rewrites.push_back({digest->second, proofs[r.proof].key, proofs[r.proof].task_id, r.before, r.after,
                        r.verdict, r.c_before, r.c_after, r.counted});
  }
  if (!version.empty() && version != base.version) db.record_library(record, lemmas, rewrites);
  print_selection(selection, candidates, static_cast<int64_t>(proofs.size()), untraced, version);
  return kExitOk;
}

// --- show and export ---------------------------------------------------------------------------

StoredLibrary required_library(const store::Store& db, const LibrarySettings& s) {
  auto found = stored_library(db, s.version);
  if (!found) {
    throw UsageError(fmt::format("--version {}: no library version in {}{}", s.version, s.db,
                                 s.version == "latest" ? " (grow one with `harness library grow`)" : ""));
  }
  return std::move(*found);
}

library::LibraryFile as_file(const StoredLibrary& lib) {
  library::LibraryFile f;
  f.version = lib.version;
  for (std::size_t i = 0; i < lib.lemmas.size(); ++i) {
    library::FileLemma fl;
    fl.lemma = lib.lemmas[i];
    if (i < lib.members.size()) {
      fl.gain = lib.members[i].gain;
      fl.uses = lib.members[i].uses;
      fl.mutual_information = lib.members[i].mutual_information;
    }
    f.lemmas.push_back(std::move(fl));
  }
  return f;
}

int show(LibrarySettings& s) {
  store::Store db = store::Store::open(s.db, store::OpenMode::existing,
                                       "harness library show reads an existing store");
  StoredLibrary lib = required_library(db, s);
  library::LibraryFile file = as_file(lib);
  if (s.format == "json") {
    fmt::print("{}", library::library_file_text(file));
    return kExitOk;
  }
  auto version = db.library_version(lib.version);
  fmt::print("library {} ({} lemmas{})\n", lib.version, lib.lemmas.size(),
             version->parent.empty() ? "" : ", grown from " + version->parent);
  fmt::print("description length: proofs {} bytes + library {} bytes = {} bytes; {} candidates, "
             "{} rewrite checks\n",
             version->proofs_bytes, version->library_bytes,
             version->proofs_bytes + version->library_bytes, version->candidates, version->rewrite_checks);
  fmt::print("{:<17} {:>8} {:>6} {:>8} {:<9} {}\n", "lemma", "gain", "uses", "MI", "origin", "statement");
  for (const auto& f : file.lemmas) {
    fmt::print("{:<17} {:>8} {:>6} {:>8.1f} {:<9} {}\n", f.lemma.name, f.gain, f.uses,
               f.mutual_information, f.lemma.origin, library::statement_text(f.lemma));
  }
  return kExitOk;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw UsageError(fmt::format("{}: cannot write the file", path));
}

// A Lean file of the lemmas: their header once, then each declaration. Lemmas under different
// headers cannot share a file.
std::string lean_file(const StoredLibrary& lib) {
  std::set<std::string> headers;
  for (const auto& l : lib.lemmas) headers.insert(l.header);
  if (headers.size() > 1) {
    throw UsageError(fmt::format("--lean: the library's lemmas are under {} different headers; "
                                 "export --json keeps them all", headers.size()));
  }
  std::string text = headers.empty() ? "" : *headers.begin();
  if (!text.empty() && text.back() != '\n') text += '\n';
  text += fmt::format("\n-- The lemma library {} ({} lemmas), written by `harness library export`.\n\n",
                      lib.version, lib.lemmas.size());
  for (const auto& l : lib.lemmas) text += library::declaration_text(l) + "\n\n";
  return text;
}

int export_library(LibrarySettings& s) {
  if (s.lean_out.empty() && s.json_out.empty()) throw UsageError("export needs --lean FILE or --json FILE");
  store::Store db = store::Store::open(s.db, store::OpenMode::existing,
                                       "harness library export reads an existing store");
  StoredLibrary lib = required_library(db, s);
  if (!s.lean_out.empty()) write_file(s.lean_out, lean_file(lib));
  if (!s.json_out.empty()) write_file(s.json_out, library::library_file_text(as_file(lib)));
  fmt::print(stderr, "harness library: exported {} ({} lemmas)\n", lib.version, lib.lemmas.size());
  return kExitOk;
}

}  // namespace

int run_library(LibrarySettings& settings) {
  return run_command("library", [&] {
    if (settings.action == "grow") return grow(settings);
    if (settings.action == "show") return show(settings);
    if (settings.action == "export") return export_library(settings);
    throw UsageError(fmt::format("library: unknown action '{}' (grow, show or export)", settings.action));
  });
}

}  // namespace harness

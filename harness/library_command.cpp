#include "harness/library_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <set>


#include "common/lean_header.hpp"
#include "harness/exit_codes.hpp"
#include "harness/interrupt.hpp"
#include "harness/library_grow.hpp"
#include "harness/library_propose.hpp"
#include "harness/proof_traces.hpp"
#include "harness/resume.hpp"
#include "harness/traces_command.hpp"
#include "library/library_file.hpp"
#include "store/store.hpp"

namespace harness {
namespace {


// --- grow ------------------------------------------------------------------------------------

std::vector<int64_t> run_ids(const store::Store& db, const std::vector<std::string>& names) {
  std::vector<int64_t> ids;
  for (const auto& n : names) {
    int64_t id = named_run(db, n).id;
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  return ids;
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
  install_interrupt_handlers();
  GrowParams params;
  params.split = s.split;
  params.settings = s.grow;
  // --propose: the lemmas a remote model states join the candidates of their statements.
  ProposalReport proposals;
  propose_in(params, s.propose, "harness library", stdout, base.lemmas, proposals);
  GrowResult result = grow_library(db, engine, std::move(work), base, params);
  if (result.status == GrowResult::Status::fatal) {
    if (!result.fatal.empty()) fmt::print(stderr, "harness library: Lean: {}\n", result.fatal);
    return kExitLeanOrStore;
  }
  if (result.status == GrowResult::Status::interrupted) {
    fmt::print(stderr, "harness library: interrupted; nothing recorded\n");
    return kExitInterrupted;
  }
  for (const auto& problem : result.untraced) fmt::print(stderr, "harness library: {}\n", problem);
  auto& rejected = result.selection.rejected;
  rejected.insert(rejected.end(), proposals.rejected.begin(), proposals.rejected.end());
  print_growth(stdout, result);
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

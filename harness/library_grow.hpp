#pragma once
// Growing the lemma library (issue 15, docs/library.md): the one core that `harness library
// grow` and `harness search --grow-library` run. Verified proofs are checked again with Lean's
// infotree (proof_traces), candidates are lifted from their steps (library/candidates), and
// lemmas are kept by description length with every lemma and rewrite checked by Lean
// (library/selection, harness/library_checker). The grown version is recorded in the store
// with its members, its rewrites and the run that grew it.
//
// Also here: the library as a command reads it, from a store's version or from a library file
// (`search --library STORE|FILE`).
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/engine.hpp"
#include "harness/proof_traces.hpp"
#include "library/candidates.hpp"
#include "library/lemma.hpp"
#include "library/selection.hpp"
#include "store/library_records.hpp"
#include "store/store.hpp"

namespace harness {

// A library version with its lemmas in library order, and their members' figures (members[i]
// is lemmas[i]'s; fewer members than lemmas for a library read from elsewhere).
struct StoredLibrary {
  std::string version;  // "" for the empty library
  std::vector<library::Lemma> lemmas;
  std::vector<store::LibraryMemberRecord> members;
};

// `which`: "latest" or a version (or a hex prefix of one); nothing when the store has none.
std::optional<StoredLibrary> stored_library(const store::Store& db, const std::string& which);

// Whether `path` begins as an SQLite database does (its first 16 bytes): a store, not a file.
bool is_sqlite_file(const std::string& path);

// The library `--library PATH` names: a store (an SQLite file: `version` says which, as
// stored_library) or a library file (`harness library export --json`). Throws UsageError naming
// the path for a missing file, an unknown version or a bad library file.
StoredLibrary load_library(const std::string& path, const std::string& version);

// --library-version without --library is refused (UsageError): search, score, check, serve and
// traces.
void refuse_version_without_library(const std::optional<std::string>& library,
                                    const std::string& version);
// The library a command checks with, from its --library and --library-version (search, serve,
// traces; score and check go on with a resumed run's own): none without --library, else
// load_library's.
std::optional<StoredLibrary> given_library(const std::optional<std::string>& library,
                                           const std::string& version);
// What a run records of its library (its settings' "library"): the path made absolute, the
// version and the lemma count.
nlohmann::json library_record(const std::string& path, const StoredLibrary& library);
// "harness COMMAND: library VERSION (N lemmas)" on stderr.
void announce_library(std::string_view command, const StoredLibrary& library);

// How a growth selects: the settings `library grow` and `search --grow-library` share (their
// rows: settings_tables.cpp, grow_settings).
struct GrowSettings {
  std::string sizes = "plain";  // plain or cross-fitted (docs/library.md)
  int64_t max_rewrite_checks = 2000;
  int64_t max_lemma_checks = 500;
  int min_subproof_steps = 2;
};

// A remote model asked once per growth for helper lemmas (`--propose`, harness/
// library_propose.hpp): the settings `library grow` and `search --grow-library` share (their
// rows: settings_tables.cpp, propose_settings).
struct ProposeSettings {
  std::string url;                 // openai:URL; "" for none
  std::string model;               // "" = the first of GET <base>/models
  std::string endpoint = "chat";
  std::string prompt = "lemmas";   // the template: built-in "lemmas" or a FILE
  std::string api_key_env = "OPENAI_API_KEY";
  double timeout_s = 300;
  int retries = 2;
  int max_tokens = 4096;
  int max_proofs = 20;
  int64_t max_bytes = 24000;
};

struct GrowParams {
  GrowSettings settings;
  std::string split;  // recorded only: the caller chose the proofs
  std::optional<int64_t> run_id;  // the run that grows it, recorded with the version
  // More of what decided the growth, recorded in the version's params (e.g. the model asked).
  std::map<std::string, std::string> recorded;
  // Before selection, the caller may add candidates, or versions to the traced ones, given the
  // traces (`library grow --propose`: lemmas a remote model stated, harness/library_propose.hpp).
  std::function<void(const std::vector<library::ProofTrace>&, std::vector<library::Candidate>&)>
      extra_candidates = nullptr;
};

struct GrowResult {
  enum class Status { done, interrupted, fatal };
  Status status = Status::done;
  std::string fatal;  // Lean could not be started or died for good (status fatal)
  int64_t proofs = 0;           // distinct proofs given (same task, same text: one)
  int64_t traced = 0;           // of which Lean traced
  std::vector<std::string> untraced;  // why each of the others was not
  int64_t candidates = 0;
  library::Selection selection;
  StoredLibrary library;  // the grown library (the base when nothing was kept)
  bool recorded = false;  // a new version was written to the store
  int64_t base_library_bytes = 0;  // C of the library grown from
  // The description length of the proofs and the library, before and after.
  int64_t bytes_before() const { return selection.proofs_bytes_before + base_library_bytes; }
  int64_t bytes_after() const { return selection.proofs_bytes_after + selection.library_bytes; }
};

// Grows `base` from `proofs` (verified proofs of `db`), with Lean as `engine` runs it; the
// proofs are traced with `base` as their library layer (a proof found with a lemma names it).
// Records the grown version in `db` unless it is the base again or empty. Duplicate proofs
// (same task and text) count once.
GrowResult grow_library(store::Store& db, const Engine& engine, std::vector<TracedProof> proofs,
                        const StoredLibrary& base, const GrowParams& params);

// C(lemma) as the selection counts it (plain zstd, library::SizerOptions's level, of its
// declaration), summed over a library.
int64_t library_bytes(const std::vector<library::Lemma>& lemmas);

// The summary `library grow` prints (stdout) and search prints after each growth (stderr).
void print_growth(std::FILE* out, const GrowResult& result);

}  // namespace harness

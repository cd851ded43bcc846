#pragma once
// `harness library grow|show|export`: the lemma library that grows by compression
// (docs/library.md). grow lifts candidate lemmas from the store's verified proofs (Lean's
// per-step goals), has Lean check each one and the proofs rewritten to use it, keeps those
// whose description-length gain is positive, and records a new library version; show lists a
// version's lemmas with their gain, uses and shared information; export writes them as a Lean
// file or as the JSON file `search --library FILE` reads.
#include <optional>
#include <string>
#include <vector>

#include "harness/engine.hpp"
#include "harness/library_grow.hpp"

namespace harness {

// Defaults are the initializers; names, help and checks: settings_tables.cpp, library_group.
struct LibrarySettings : EngineSettings {
  std::string action;             // grow, show, export
  std::vector<std::string> runs;  // grow: the runs whose verified proofs are read; all when empty
  std::string split;              // grow: only proofs of tasks of this split; "" for all
  std::string from = "latest";    // grow: the version grown from: latest, a version, or none
  std::string version = "latest"; // show, export: which version
  GrowSettings grow;              // grow: how it selects
  std::string format = "text";    // show: text or json
  std::string lean_out;           // export: a Lean file
  std::string json_out;           // export: the JSON file search --library reads
  ProposeSettings propose;        // grow --propose: a remote model asked for helper lemmas
};

int run_library(LibrarySettings& settings);

}  // namespace harness

#pragma once
// The settings of `harness score`, with their defaults. Names, help and checks are the
// settings table's (settings_tables.cpp: score_group), from which the command line and the
// README's table are made.
#include <optional>
#include <string>
#include <vector>

#include "harness/engine.hpp"
#include "harness/exit_codes.hpp"  // for the files that took the exit codes from here

namespace harness {

// `harness score`'s own settings; the Lean side is in EngineSettings.
struct ScoreSettings : EngineSettings {
  std::string input;                        // candidates JSONL
  std::string out;                          // OUT JSONL ("" → INPUT with .scored.jsonl)
  std::optional<std::string> header;        // header for lines that have none
  std::optional<std::string> header_file;   // the same, read from a file
  std::optional<std::string> tasks;         // trusted task file, joined by name
  bool strict = false;                      // stop at the first invalid line
  int canaries = 0;                         // known-false statements mixed into the run
  std::optional<std::string> canary_file;   // canaries to use instead of the built-in set
  std::optional<std::string> shard;         // "I/N": this run's part of the input (shard.hpp)
  std::optional<std::string> resume;        // a run's uuid or "latest": go on with that run
  // A lemma library the candidates may use (docs/library.md, "Use in score").
  std::optional<std::string> library;       // STORE|FILE; none: no library
  std::string library_version = "latest";  // with a store: which version
};

int run_score(const ScoreSettings& settings);

}  // namespace harness

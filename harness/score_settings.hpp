#pragma once
// Every setting of `harness score`, with its default, in one place (README's table mirrors it).
#include <optional>
#include <string>
#include <vector>

#include "harness/engine.hpp"

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
};

// Exit codes of the harness (documented in the README).
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitLeanOrStore = 3;
inline constexpr int kExitCanary = 4;  // a canary passed: the verifier cannot be trusted
inline constexpr int kExitInterrupted = 130;

int run_score(const ScoreSettings& settings);

}  // namespace harness

#pragma once
// Every setting of `harness score`, with its default, in one place (README's table mirrors it).
#include <optional>
#include <string>
#include <vector>

namespace harness {

int default_workers();

struct ScoreSettings {
  std::string input;                        // candidates JSONL
  std::string out;                          // OUT JSONL ("" → INPUT with .scored.jsonl)
  std::string db = "harness.db";            // SQLite store
  int workers = default_workers();          // REPL processes
  double timeout_s = 60;                    // per proof, wall clock; header time not counted
  double header_timeout_s = 600;            // per header (imports + rest), per worker
  int memory_mb = 16384;                    // RLIMIT_AS per worker; 0: no limit
  int recycle_after = 500;                  // checks per REPL process before a fresh one
  int max_rss_mb = 12288;                   // recycle a REPL above this resident size; 0: never
  int max_tries = 2;                        // fresh workers a proof may take down: then fail
  std::optional<std::string> repl;          // REPL command; default from the workspace
  std::optional<std::string> workspace;     // Lean workspace; default: see find_workspace
  std::optional<std::string> header;        // header for lines that have none
  std::optional<std::string> header_file;   // the same, read from a file
  std::optional<std::string> tasks;         // trusted task file, joined by name
  bool strict = false;                      // stop at the first invalid line
  bool use_cache = true;                    // read the verification cache
  bool progress = true;                     // progress bar when stderr is a terminal
  std::string sandbox = "bwrap";            // worker sandbox: bwrap or none (docs/sandbox.md)
  int canaries = 0;                         // known-false statements mixed into the run
  std::optional<std::string> canary_file;   // canaries to use instead of the built-in set
  std::vector<std::string> forbid_files;    // extra guard rules (docs/guard.md)
  bool kernel_replay = false;               // replay every pass through leanchecker
  std::vector<std::string> argv;            // the command line, recorded in the run row
};

// Exit codes of the harness (documented in the README).
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitLeanOrStore = 3;
inline constexpr int kExitCanary = 4;  // a canary passed: the verifier cannot be trusted
inline constexpr int kExitInterrupted = 130;

int run_score(const ScoreSettings& settings);

}  // namespace harness

#pragma once
// The Lean side of a run, shared by `score` and `search`: the settings that say how proofs are
// checked (workers, limits, sandbox, guard rules, REPL), and what they resolve to: the
// workspace, the sandbox, the guard, the pool's options and the identity that goes into every
// cache key.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "harness/heartbeats.hpp"
#include "harness/rows.hpp"
#include "harness/workspace.hpp"
#include "lean-bridge/guard.hpp"
#include "lean-bridge/launcher.hpp"
#include "lean-bridge/sandbox.hpp"
#include "lean-bridge/worker_pool.hpp"

namespace harness {

int default_workers();

// `--spares`: -1 for auto, else the count (0 to 256); throws UsageError naming the option.
int parse_spares(const std::string& text);
// The most spares `--spares auto` keeps for this many workers (memory may allow fewer).
int max_auto_spares(int workers);
// The spares `--spares auto` starts with, before any replacement is seen: half the workers.
int initial_auto_spares(int workers);

// A mistake on the command line or in a file it names: exit 2 with the message.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Defaults are the initializers; names, help and checks are the settings table's
// (settings_tables.cpp: engine_group).
struct EngineSettings {
  std::string db = "harness.db";            // SQLite store
  int workers = default_workers();          // REPL processes
  double timeout_s = 60;                    // per proof, wall clock; header time not counted
  double header_timeout_s = 600;            // per header (imports + rest), per worker
  // Lean's heartbeat limit per check, in maxHeartbeats units (harness/heartbeats.hpp); the
  // header's own limit counts up to it, and 0 is refused (it would mean no limit).
  int64_t heartbeats = kDefaultHeartbeats;
  int memory_mb = 16384;                    // RLIMIT_AS per worker; 0: no limit
  int recycle_after = 500;                  // checks per REPL process before a fresh one
  int max_rss_mb = 12288;                   // recycle a REPL above this resident size; 0: never
  int max_tries = 2;                        // fresh workers a proof may take down: then fail
  std::string spares = "auto";              // warm spare REPLs: auto or a number (0: none)
  int spares_memory_mb = 0;                 // what auto spares may take; 0: 80% of MemAvailable
  int import_sets = 4;                      // import sets one REPL process may hold
  std::optional<std::string> repl;          // REPL command; default from the workspace
  std::optional<std::string> workspace;     // Lean workspace; default: see find_workspace
  bool use_cache = true;                    // read the verification cache
  bool progress = true;                     // progress bar when stderr is a terminal
  std::string sandbox = "bwrap";            // worker sandbox: bwrap or none (docs/sandbox.md)
  std::vector<std::string> forbid_files;    // extra guard rules (docs/guard.md)
  bool kernel_replay = false;               // replay every pass through leanchecker
  bool used_constants = false;              // ask Lean which constants each proof uses
  std::vector<std::string> argv;            // the command line, recorded in the run row
  // The options the command line or the environment gave, by primary name ("--repl"): a
  // resumed run keeps these and takes every other from the run's record.
  std::set<std::string> given;
};

class LibraryLayers;  // harness/library_layers.hpp

struct Engine {
  Workspace workspace;
  std::string repl;  // the REPL command line as given or derived
  std::shared_ptr<const lean_bridge::Sandbox> sandbox;
  // Starts every worker and kernel replay: `lake env` resolved outside the sandbox, then the
  // sandbox (docs/sandbox.md).
  std::shared_ptr<const lean_bridge::Launcher> launcher;
  lean_bridge::Guard guard = lean_bridge::Guard::with_default_rules();
  lean_bridge::PoolOptions pool;
  CheckIdentity identity;
  bool used_constants = false;  // every check asks Lean for the constants it uses
  // The lemma library a search checks with (issue 15, harness/library_layers.hpp); null: none.
  // Set by a command after make_engine; whole-proof search's pipeline and the step search (its
  // proof states and its re-check) pass it on; score, serve and traces do not read it yet.
  std::shared_ptr<const LibraryLayers> library = nullptr;
};

// Resolves the settings; throws UsageError for a bad REPL command, sandbox or rules file.
// Warns on stderr when the sandbox is off or has no binding process limit.
Engine make_engine(const EngineSettings& settings);

// The settings as recorded in the run row.
nlohmann::json engine_settings_json(const EngineSettings& settings, const Engine& engine);

std::string read_whole_file(const std::string& path);  // throws UsageError

// Runs a subcommand's body and turns what it throws into the harness's exit codes, with one
// line on stderr naming the subcommand: usage and input errors exit 2; the store, the policy
// and everything else exit 3.
int run_command(const char* name, const std::function<int()>& body);
std::string host_name();

}  // namespace harness

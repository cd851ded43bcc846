#pragma once
// `harness prune`: retention. Deletes old attempts (serve traffic, by default) with the rows
// that depend on them, keeps the runs, their summaries and the verification cache, then
// VACUUMs the file.
#include <string>

namespace harness {

// Defaults are the initializers; names, help and checks: settings_tables.cpp, prune_group.
struct PruneSettings {
  std::string db = "harness.db";
  int keep_days = 0;                // required: attempts older than this many days go
  std::string command = "serve";    // whose runs' attempts; "all": every command's
  bool dry_run = false;             // say what would go, delete nothing
};

int run_prune(const PruneSettings& settings);

}  // namespace harness

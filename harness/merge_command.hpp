#pragma once
// `harness merge`: the stores of several machines (serve replicas, Slurm shards) into one.
#include <string>
#include <vector>

namespace harness {

// Defaults are the initializers; names, help and checks: settings_tables.cpp, merge_group.
struct MergeSettings {
  std::vector<std::string> inputs;          // the stores merged in
  std::string out;                          // the store merged into (created when missing)
  bool allow_different_toolchains = false;  // merge runs of different Lean toolchains
};

int run_merge(const MergeSettings& settings);

}  // namespace harness

#pragma once
// `harness metrics`: compression metrics of the store's verified proofs (metrics/).
#include <optional>
#include <string>

namespace harness {

// Defaults are the initializers; names, help and checks: settings_tables.cpp, metrics_group.
struct MetricsSettings {
  std::string db = "harness.db";
  std::optional<std::string> run;  // a run's uuid or id; all runs when absent
  std::string format = "table";    // table | json
  int top = 10;                    // rows per table
  bool recompute = false;          // compute again even when nothing changed
  int threads = 1;                 // threads for the computation (results do not depend on it)
};

int run_metrics(const MetricsSettings& settings);

}  // namespace harness

#pragma once
// `harness check`: CI for a corpus of proofs expected to pass (after bumping lean-toolchain
// or Mathlib). A `score` run of kind `check`, then the comparison with a baseline run and a
// JUnit report (check_report.hpp). Exit 0 when every line passes, 1 with the list of lines
// that do not (regressions first), 3 when Lean cannot run at all: a broken toolchain is never
// read as "every proof regressed".
#include <optional>
#include <string>

#include "harness/score_settings.hpp"

namespace harness {

// Defaults are the initializers; names, help and checks: settings_tables.cpp, check_group.
struct CheckSettings : ScoreSettings {
  std::optional<std::string> baseline;  // a store (its latest check or score run) or a run uuid
  std::optional<std::string> junit;     // JUnit XML report
  bool cache = false;                   // let the verification cache answer
};

int run_check(CheckSettings settings);

}  // namespace harness

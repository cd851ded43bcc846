#pragma once
// `harness doctor`: what this machine has for checking proofs (toolchain, workspace, REPL),
// what is missing and the command that fixes it; `--selftest` runs known-good and known-bad
// proofs through the real REPL and says whether each verdict comes out right.
#include <optional>
#include <string>

namespace harness {

// Defaults are the initializers; names, help and checks: settings_tables.cpp, doctor_group.
struct DoctorSettings {
  std::optional<std::string> workspace;
  std::optional<std::string> repl;
  bool selftest = false;
  std::string sandbox = "bwrap";  // the sandbox the selftest's workers run in
  double timeout_s = 120;
};

// kExitOk when nothing is missing, kExitProblems otherwise.
int run_doctor(const DoctorSettings& settings);

}  // namespace harness

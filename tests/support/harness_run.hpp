#pragma once
// The built `harness` binary (HARNESS_PATH) run to the end in a folder, for the end-to-end
// tests: its exit status and its output (stdout and stderr together). A run that does not exit
// by itself within the time fails the test.
#include <sys/wait.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "lean-bridge/child_process.hpp"

namespace test_support {

struct HarnessRun {
  int exit_code = -1;
  std::string output;
};

// `env`: variables set for the run (through /usr/bin/env), e.g. HARNESS_TEST_KILL_AFTER_EPOCH.
inline HarnessRun run_harness(const std::filesystem::path& dir, std::vector<std::string> args,
                              int timeout_ms = 300'000,
                              const std::vector<std::pair<std::string, std::string>>& env = {}) {
  args.insert(args.begin(), HARNESS_PATH);
  if (!env.empty()) {
    std::vector<std::string> prefix = {"/usr/bin/env"};
    for (const auto& [k, v] : env) prefix.push_back(k + "=" + v);
    args.insert(args.begin(), prefix.begin(), prefix.end());
  }
  lean_bridge::ProcessSpec spec{args, dir.string(), 0, false};
  auto run = lean_bridge::capture_output(spec, timeout_ms);
  INFO(run.output);
  REQUIRE(run.status);
  REQUIRE(WIFEXITED(*run.status));
  return {WEXITSTATUS(*run.status), run.output};
}

}  // namespace test_support

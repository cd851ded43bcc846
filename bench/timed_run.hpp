#pragma once
// What the benchmarks that run whole `harness` processes share: run a command to the end in a
// folder, timing it, and say whether it exited 0.
#include <sys/wait.h>

#include <chrono>
#include <string>
#include <vector>

#include "lean-bridge/child_process.hpp"

namespace bench {

struct TimedRun {
  double seconds = 0;
  bool ok = false;     // exited with status 0
  std::string output;  // stdout and stderr
};

inline TimedRun run_timed(const std::vector<std::string>& argv, const std::string& dir,
                          int timeout_ms) {
  lean_bridge::ProcessSpec spec{argv, dir, 0, false};
  auto start = std::chrono::steady_clock::now();
  auto out = lean_bridge::capture_output(spec, timeout_ms);
  TimedRun r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.ok = out.status && WIFEXITED(*out.status) && WEXITSTATUS(*out.status) == 0;
  r.output = out.output;
  return r;
}

}  // namespace bench

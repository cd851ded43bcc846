#pragma once
// A shell command's standard output (and error, with 2>&1 in the command) and its exit status,
// for tests that run outside programs: Python clients, systemd-analyze, JUnit readers.
#include <sys/wait.h>

#include <cstdio>
#include <stdexcept>
#include <string>

namespace test_support {

struct ShellResult {
  std::string output;
  int status = -1;  // the exit status; -1 when a signal ended it
  bool ok() const { return status == 0; }
};

inline ShellResult run_shell(const std::string& command) {
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("popen failed: " + command);
  ShellResult result;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) result.output.append(buf, n);
  int status = ::pclose(p);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace test_support

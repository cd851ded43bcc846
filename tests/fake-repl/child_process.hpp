#pragma once
// Test helper: runs fake-repl as a child process (own process group) with pipes on its stdin,
// stdout and stderr. Destruction kills the whole group, so spawned grandchildren never outlive
// a test.
#include <sys/resource.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace fake_repl_test {

struct Outcome {
  int exit_status = -1;  // -1 when killed by a signal
  int term_signal = 0;
  std::string out;
  std::string err;
};

struct ChildSetup {
  std::vector<std::string> env;         // "NAME=VALUE" added to the environment
  std::optional<rlim_t> address_limit;  // RLIMIT_AS in bytes
};

class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& args, const ChildSetup& setup = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void send(const std::string& text);
  // Stdout up to and including the next blank line; nullopt after timeout_ms or at EOF.
  std::optional<std::string> read_answer(int timeout_ms = 3000);
  // Closes stdin, collects the rest of stdout/stderr and the exit status (kills after 5 s).
  Outcome finish();

 private:
  long pump(int timeout_ms);

  pid_t m_pid = -1;
  int m_in = -1;
  int m_out = -1;
  int m_err = -1;
  std::string m_out_buffer;
  std::string m_err_buffer;
};

// Runs fake-repl with `args`, writes `input`, closes stdin and waits.
Outcome run_fake_repl(const std::vector<std::string>& args, const std::string& input,
                      const ChildSetup& setup = {});

}  // namespace fake_repl_test

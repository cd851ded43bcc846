#pragma once
// One child process with pipes on stdin, stdout and stderr, in a process group of its own,
// killed as a group and reaped when the object is destroyed. Only this file pair includes
// Boost.Process. The object is passive: ReplProcess drives the pipes with poll().
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lean_bridge {

class PidsCgroup;

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
  std::string working_dir;        // empty: inherit
  uint64_t address_space_bytes = 0;  // RLIMIT_AS for the child and its descendants; 0: none
  bool core_dumps = false;           // RLIMIT_CORE 0 unless set
  uint64_t file_size_bytes = 0;      // RLIMIT_FSIZE; 0: none
  uint64_t max_processes = 0;        // RLIMIT_NPROC (never binds root); 0: none
  // Non-empty: the child joins, between fork and exec, a pids cgroup of its own created under
  // this directory with `pids_max`, so every descendant counts; the cgroup's processes are
  // killed and the cgroup removed when the child ends (lean-bridge/sandbox.hpp).
  std::string pids_cgroup_parent = {};
  int64_t pids_max = 0;
  // Variables set for the child on top of what it inherits (a sandbox clears the rest first
  // and passes these with --setenv: lean-bridge/sandbox.hpp).
  std::vector<std::pair<std::string, std::string>> env = {};
  // Data handed to the child as a read-only descriptor of its own (a sealed memory file, read
  // from offset 0), whose number replaces argv[argv_index]: bubblewrap's `--seccomp FD`.
  struct PassedData {
    std::shared_ptr<const std::string> bytes;
    size_t argv_index = 0;
  };
  std::vector<PassedData> passed = {};
};

// Resident memory of each process group (as ChildProcess::group_rss_bytes: the group and every
// descendant of its leader) from one reading of /proc; 0 for a group that is 0 or gone.
std::vector<uint64_t> resident_bytes_of_groups(const std::vector<pid_t>& groups);

class SpawnError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ChildProcess {
 public:
  // Starts the process; throws SpawnError naming the program when it cannot be executed.
  static std::unique_ptr<ChildProcess> spawn(const ProcessSpec& spec);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return m_pid; }
  int stdin_fd() const { return m_stdin; }    // non-blocking, write end
  int stdout_fd() const { return m_stdout; }  // non-blocking, read end
  int stderr_fd() const { return m_stderr; }  // non-blocking, read end
  void close_stdin();

  // SIGKILL to the whole process group, then reap the direct child.
  void kill_group();
  // Reaps without blocking; returns the wait status once the child has exited.
  std::optional<int> try_reap();
  // Reaps, waiting at most `timeout_ms` before killing the group.
  int reap(int timeout_ms);
  // Resident memory of the child's group and of all its descendants (which a sandbox may have
  // put in sessions of their own), in bytes.
  uint64_t group_rss_bytes() const;

 private:
  ChildProcess() = default;
  void release_cgroup();
  pid_t m_pid = -1;
  int m_stdin = -1;
  int m_stdout = -1;
  int m_stderr = -1;
  std::optional<int> m_status;
  std::unique_ptr<PidsCgroup> m_cgroup;  // empty unless the spec asked for one
};

struct CapturedRun {
  std::optional<int> status;  // wait status; nothing when it could not start or timed out
  std::string output;         // stdout and stderr, interleaved, at most 64 KiB
  std::string out;            // stdout alone, at most 4 MiB
  std::string problem;        // why it did not run to the end
};
// Runs a command to completion (tool versions, probes, kernel replays), with `input` on its
// stdin, killing it after `timeout_ms`.
CapturedRun capture_output(const ProcessSpec& spec, int timeout_ms, std::string_view input = {});

// The line of a tool's output that says what went wrong: the first `error: ...` line, else the
// last non-empty one (tools put progress chatter and backtraces around it).
std::string telling_line(const std::string& output);

// "exit status 1", "killed by signal 9 (Killed)".
std::string describe_wait_status(int status);

}  // namespace lean_bridge

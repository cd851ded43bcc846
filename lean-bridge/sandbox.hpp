#pragma once
// The sandbox every Lean worker runs in by default (docs/sandbox.md). Candidate proofs are
// untrusted code that Lean runs while it elaborates (`#eval`, `run_cmd`, macros), so a worker
// gets: bubblewrap with nothing of the host but an allow-list, read-only (the system's /usr,
// the worker's program, the files its command line names, the folders on its LEAN_PATH,
// LEAN_SYSROOT and LD_LIBRARY_PATH), a private size-limited /tmp, no network, a system-call
// filter that refuses sockets, its own PID, IPC, UTS and user namespaces, no capabilities, a
// cleared environment; a pids cgroup of its own (the process-count limit that binds root); and
// rlimits on address space, file size, processes and core dumps. `Sandbox::apply` turns a
// worker's ProcessSpec into that.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lean-bridge/child_process.hpp"

namespace lean_bridge {

enum class SandboxMode { bwrap, none };
std::optional<SandboxMode> parse_sandbox_mode(const std::string& text);  // "bwrap", "none"
std::string to_string(SandboxMode mode);

// How a worker's process count is limited.
enum class PidsMechanism {
  cgroup_v2,     // a pids cgroup per worker in the unified hierarchy
  cgroup_v1,     // a pids cgroup per worker in the v1 `pids` hierarchy
  rlimit_nproc,  // RLIMIT_NPROC only: binds a non-root uid, counted over all its processes
  none,          // root without a usable pids cgroup: nothing binds
};

struct PidsSupport {
  PidsMechanism mechanism = PidsMechanism::none;
  std::string parent;  // cgroup directory that holds one cgroup per worker (cgroup_* only)
  std::string detail;  // one line for doctor and the run's settings
};

// What this machine offers: a writable cgroup v2 with the pids controller, else the v1 `pids`
// hierarchy, else RLIMIT_NPROC. Creates the parent directory `name` in the hierarchy found
// and removes the cgroups that harness processes no longer running left in it.
PidsSupport detect_pids_support(const std::string& name = "lean-harness");

// Variables a sandboxed worker inherits from the harness when they are set. Everything else is
// cleared; a ProcessSpec's own `env` (the workspace's Lean environment, lake_env.hpp) is set on
// top; HOME and TMPDIR are set to the private /tmp.
const std::vector<std::string>& default_pass_env();

struct SandboxOptions {
  SandboxMode mode = SandboxMode::bwrap;
  std::string bwrap = "/usr/bin/bwrap";
  int64_t pids_max = 256;                   // tasks (threads count) per worker
  uint64_t tmp_bytes = 512ull << 20;        // size of the private /tmp
  uint64_t file_size_bytes = 1ull << 30;    // RLIMIT_FSIZE
  std::string cgroup_name = "lean-harness"; // parent cgroup of the workers' cgroups
  std::vector<std::string> pass_env = default_pass_env();
  bool seccomp = true;  // the system-call filter of seccomp_filter.hpp
};

class Sandbox {
 public:
  // Detects the pids mechanism (mode bwrap only); never fails: a machine without bwrap gives
  // workers that fail to start, with a message naming bwrap.
  explicit Sandbox(SandboxOptions options = {});

  // `spec` as it runs sandboxed: argv behind the bwrap command line, rlimits, the pids cgroup,
  // the system-call filter. Mode none keeps argv and env and adds only the rlimits. Throws
  // SpawnError when the filter could not be built (a sandbox never runs without it).
  ProcessSpec apply(const ProcessSpec& spec) const;
  // The bwrap command line that goes in front of the worker's argv (it ends with "--"), for
  // `spec` running `program` (resolved, as apply() resolves argv[0]). The argument after
  // `--seccomp` is a slot that spawning fills with the filter's descriptor (apply() says so).
  std::vector<std::string> bwrap_prefix(const ProcessSpec& spec, const std::string& program) const;
  // The host paths bound read-only for `spec` beyond the system's /usr: `program`, the files
  // and folders its arguments name, and the folders on its LEAN_PATH, LEAN_SYSROOT and
  // LD_LIBRARY_PATH; absolute, each once (a folder covers what lies below it). Never `/`,
  // /dev, /proc, /sys, nor what /usr already shows.
  std::vector<std::string> visible_paths(const ProcessSpec& spec, const std::string& program) const;
  // The environment inside: the allowed variables the harness has, `spec.env` on top, HOME
  // and TMPDIR set to the private /tmp.
  std::vector<std::pair<std::string, std::string>> environment(const ProcessSpec& spec) const;

  // "bwrap+pids256" (cgroup), "bwrap+nproc256" (non-root, RLIMIT_NPROC only), "bwrap+nopids"
  // (root without a pids cgroup), "none": goes into run settings and cache keys.
  std::string describe() const;
  // One line on the pids limit for doctor and the run's settings.
  std::string pids_summary() const;
  bool pids_limit_binds() const;
  const SandboxOptions& options() const { return m_options; }
  const PidsSupport& pids() const { return m_pids; }

  // Runs a tiny shell through the same command line and cgroup in `working_dir` and checks
  // what it sees (own PID namespace, read-only workspace, writable private /tmp). Empty when
  // it worked, else what went wrong.
  std::string probe(const std::string& working_dir) const;

 private:
  std::vector<std::string> visible_paths(
      const ProcessSpec& spec, const std::string& program,
      const std::vector<std::pair<std::string, std::string>>& env) const;

  SandboxOptions m_options;
  PidsSupport m_pids;
  std::shared_ptr<const std::string> m_seccomp;  // the filter's BPF program
  std::string m_seccomp_problem;                 // why it could not be built
};

// Why bubblewrap cannot create the namespaces a sandbox needs on this machine (a container or
// chroot that refuses user namespaces, a kernel with them disabled), in bwrap's own words;
// "" when it can. Runs `BWRAP --unshare-user --unshare-pid --ro-bind / / -- /bin/true` once
// per process (the answer is kept).
const std::string& user_namespace_problem(const std::string& bwrap = "/usr/bin/bwrap");

// The pids cgroup of one worker: created under a parent (v1 or v2 alike), joined by the child
// between fork and exec (ChildProcess does it when a ProcessSpec names a parent), emptied
// and removed when the worker ends.
class PidsCgroup {
 public:
  // Creates PARENT/<harness pid>-<n> with pids.max; throws SpawnError naming the directory.
  static std::unique_ptr<PidsCgroup> create(const std::string& parent, int64_t pids_max);
  ~PidsCgroup();  // kill_and_remove() unless it already ran
  PidsCgroup(const PidsCgroup&) = delete;
  PidsCgroup& operator=(const PidsCgroup&) = delete;

  const std::string& dir() const { return m_dir; }
  const std::string& procs_file() const { return m_procs; }
  std::vector<pid_t> members() const;
  // SIGKILL to every member until none is left, then removes the directory; gives up after
  // `timeout` (the directory is then swept by a later harness). True when removed.
  bool kill_and_remove(std::chrono::milliseconds timeout);

 private:
  explicit PidsCgroup(std::string dir);
  std::string m_dir;
  std::string m_procs;
  bool m_done = false;
};

// The pids cgroup directory of a running process (from /proc/PID/cgroup), "" when none.
std::string pids_cgroup_of(pid_t pid);

}  // namespace lean_bridge

#include "lean-bridge/child_process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

// REPL processes are started with vfork (Boost.Process's use_vfork, compiled in only where this
// macro says the platform has it; glibc's vfork is Linux's CLONE_VM | CLONE_VFORK). A fork of
// the harness copied its page tables, and every page any of its threads then wrote took a
// copy-on-write fault and a TLB shoot-down across the cores: with a process recycled every 500
// checks, that halved `harness score`'s throughput on a 2-core VM (docs/benchmarks.md).
#ifndef BOOST_POSIX_HAS_VFORK
#define BOOST_POSIX_HAS_VFORK 1
#endif
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/posix.hpp>
#include <chrono>
#include <functional>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <unordered_set>

#include <fmt/format.h>

#include "common/thread_policy.hpp"
#include "lean-bridge/sandbox.hpp"

namespace bp = boost::process;

namespace lean_bridge {
namespace {

// Error codes from kJoinFailure up, reported by the child before exec, mean it could not join
// its cgroup, from kChdirFailure up that it could not enter its working folder (the rest is
// the errno); below them they are exec's.
constexpr int kJoinFailure = 1 << 20;
constexpr int kChdirFailure = 2 << 20;

// Runs in the child between vfork and exec: own process group, death with the parent,
// its pids cgroup, resource limits. The child shares the harness's memory until it execs (the
// spawning thread waits meanwhile): only async-signal-safe calls and no allocation (but for
// Boost's report of a failure, just before the child exits). The signals are blocked from
// before the vfork until the child has set every caught signal back to its default, so that
// no handler of the harness ever runs in the child.
struct ChildSetup : bp::extend::handler {
  uint64_t address_space = 0;
  bool core_dumps = false;
  uint64_t file_size = 0;
  uint64_t max_processes = 0;
  const char* cgroup_procs = nullptr;  // cgroup.procs of the cgroup to join
  const std::vector<int>* kept_fds = nullptr;  // descriptors the program inherits
  const char* working_dir = nullptr;           // null: the harness's
  bool ordinary_policy = false;  // the spawning thread runs as SCHED_BATCH for the pool's sake
  mutable sigset_t saved_mask{};  // the spawning thread's, restored in both processes
  mutable bool blocked = false;

  template <class Executor>
  void on_setup(Executor&) const {
    sigset_t all;
    sigfillset(&all);
    blocked = pthread_sigmask(SIG_SETMASK, &all, &saved_mask) == 0;
  }
  template <class Executor>
  void on_success(Executor&) const {
    restore_mask();
  }
  template <class Executor>
  void on_error(Executor&, const std::error_code&) const {
    restore_mask();
  }
  void restore_mask() const {
    if (blocked) pthread_sigmask(SIG_SETMASK, &saved_mask, nullptr);
    blocked = false;
  }

  template <class Executor>
  void on_exec_setup(Executor& exec) const {
    // The handlers the harness installed are its own: the child takes the defaults (ignored
    // signals stay ignored, as exec would keep them, except SIGPIPE below).
    for (int sig = 1; sig < NSIG; ++sig) {
      struct sigaction current {};
      if (sigaction(sig, nullptr, &current) != 0) continue;
      if (current.sa_handler == SIG_DFL || current.sa_handler == SIG_IGN) continue;
      struct sigaction defaults {};
      defaults.sa_handler = SIG_DFL;
      sigaction(sig, &defaults, nullptr);
    }
    // Boost's start_dir ignores a failed chdir: the program would run in the harness's folder.
    if (working_dir != nullptr && ::chdir(working_dir) != 0) {
      exec.set_error(std::error_code(kChdirFailure + errno, std::system_category()),
                     "cannot enter the working folder");
      _exit(126);
    }
    if (cgroup_procs != nullptr) {
      // Fails closed: a child that cannot join its cgroup never runs unlimited. "0" is the
      // writing process itself, in cgroup v1 and v2 alike.
      int fd = ::open(cgroup_procs, O_WRONLY | O_CLOEXEC);
      bool joined = fd >= 0 && ::write(fd, "0", 1) == 1;
      int error = errno;
      if (fd >= 0) ::close(fd);
      if (!joined) {
        exec.set_error(std::error_code(kJoinFailure + error, std::system_category()),
                       "cannot join the pids cgroup");
        _exit(126);
      }
    }
    // Descriptors inherited from the harness (other workers' pipes, the store) must not
    // survive exec: a sibling holding a worker's pipe would hide that worker's death.
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
      for (int fd = 3; fd < 4096; ++fd) fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    if (kept_fds != nullptr) {
      for (int fd : *kept_fds) fcntl(fd, F_SETFD, 0);
    }
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (address_space > 0) {
      rlimit limit{address_space, address_space};
      setrlimit(RLIMIT_AS, &limit);
    }
    if (!core_dumps) {
      rlimit none{0, 0};
      setrlimit(RLIMIT_CORE, &none);
    }
    if (file_size > 0) {
      rlimit limit{file_size, file_size};
      setrlimit(RLIMIT_FSIZE, &limit);
    }
    if (max_processes > 0) {
      rlimit limit{max_processes, max_processes};
      setrlimit(RLIMIT_NPROC, &limit);
    }
    if (ordinary_policy) {
      // The program gets the policy the harness's threads have, not the batch policy of a
      // pool's thread that started it (common/thread_policy.hpp).
      sched_param param{};
      sched_setscheduler(0, SCHED_OTHER, &param);
    }
    signal(SIGPIPE, SIG_DFL);
    if (blocked) sigprocmask(SIG_SETMASK, &saved_mask, nullptr);
  }
};

void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

std::string resolve_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  auto found = bp::search_path(name);
  if (found.empty()) throw SpawnError(fmt::format("{}: not found in PATH", name));
  return found.string();
}

// Takes ownership of a pipe end from Boost: dup it, so the Boost object can close its own.
int adopt(int fd) {
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (copy < 0) throw SpawnError(fmt::format("dup: {}", std::strerror(errno)));
  set_nonblocking(copy);
  return copy;
}

// A sealed memory file holding `bytes`, positioned at 0; created close-on-exec so that only
// the child it is meant for keeps it (ChildSetup clears the flag there).
int passed_file(const std::string& bytes) {
  int fd = ::memfd_create("harness-passed", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) throw SpawnError(fmt::format("memfd_create: {}", std::strerror(errno)));
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int error = errno;
      ::close(fd);
      throw SpawnError(fmt::format("writing a memory file: {}", std::strerror(error)));
    }
    written += static_cast<size_t>(n);
  }
  ::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
  ::lseek(fd, 0, SEEK_SET);
  return fd;
}

// Closes the descriptors it holds when the spawn returns or throws.
struct FdList {
  std::vector<int> fds;
  ~FdList() {
    for (int fd : fds) ::close(fd);
  }
};

// The processes of /proc: pid, parent, process group and resident pages.
struct ProcEntry {
  long pid, ppid, pgrp;
  uint64_t rss;
};

std::vector<ProcEntry> read_proc() {
  std::vector<ProcEntry> entries;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return entries;
  while (dirent* entry = readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    std::ifstream stat(fmt::format("/proc/{}/stat", entry->d_name));
    std::string text;
    std::getline(stat, text);
    auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    // Fields after the command name: state ppid pgrp ... (rss is field 24 overall).
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    long ppid = -1;
    long pgrp = -1;
    uint64_t rss = 0;
    for (int i = 3; fields >> field; ++i) {
      if (i == 4) ppid = std::stol(field);
      if (i == 5) pgrp = std::stol(field);
      if (i == 24) {
        rss = std::stoull(field);
        break;
      }
    }
    entries.push_back({std::atol(entry->d_name), ppid, pgrp, rss});
  }
  closedir(proc);
  return entries;
}

// Resident bytes of the processes in `group` and of every descendant of `group`'s leader.
uint64_t rss_of_group(const std::vector<ProcEntry>& entries, pid_t group) {
  if (group <= 0) return 0;
  // Members: the group, then (to a fixed point) every child of a member.
  std::vector<bool> member(entries.size(), false);
  std::unordered_set<long> members;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].pgrp == group || entries[i].pid == group) {
      member[i] = true;
      members.insert(entries[i].pid);
    }
  }
  for (bool grown = true; grown;) {
    grown = false;
    for (size_t i = 0; i < entries.size(); ++i) {
      if (member[i]) continue;
      if (members.count(entries[i].ppid) == 0) continue;
      member[i] = true;
      members.insert(entries[i].pid);
      grown = true;
    }
  }
  uint64_t pages = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (member[i]) pages += entries[i].rss;
  }
  return pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

std::unique_ptr<ChildProcess> ChildProcess::spawn(const ProcessSpec& spec) {
  if (spec.argv.empty()) throw SpawnError("empty command");
  std::vector<std::string> argv = spec.argv;
  FdList passed;
  for (const auto& data : spec.passed) {
    if (data.argv_index >= argv.size() || !data.bytes) {
      throw SpawnError("passed data refers to no argument");
    }
    passed.fds.push_back(passed_file(*data.bytes));
    argv[data.argv_index] = std::to_string(passed.fds.back());
  }
  std::string program = resolve_program(argv[0]);
  std::vector<std::string> args(argv.begin() + 1, argv.end());
  bp::pipe in, out, err;
  ChildSetup setup;
  setup.address_space = spec.address_space_bytes;
  setup.core_dumps = spec.core_dumps;
  setup.file_size = spec.file_size_bytes;
  setup.max_processes = spec.max_processes;
  setup.kept_fds = &passed.fds;
  std::unique_ptr<PidsCgroup> cgroup;  // removed again if the spawn fails
  if (!spec.pids_cgroup_parent.empty()) {
    cgroup = PidsCgroup::create(spec.pids_cgroup_parent, spec.pids_max);
    setup.cgroup_procs = cgroup->procs_file().c_str();
  }
  std::error_code ec;
  bp::environment environment = boost::this_process::environment();
  for (const auto& [name, value] : spec.env) environment[name] = value;
  if (!spec.working_dir.empty()) setup.working_dir = spec.working_dir.c_str();
  setup.ordinary_policy = common::this_thread_made_batch();
  // The mask comes back on success and on error (ChildSetup); also if Boost throws instead.
  struct MaskBack {
    const ChildSetup& setup;
    ~MaskBack() { setup.restore_mask(); }
  } mask_back{setup};
  auto child = std::make_unique<bp::child>(bp::exe = program, bp::args = args, bp::std_in < in,
                                           bp::std_out > out, bp::std_err > err, environment,
                                           setup, bp::posix::use_vfork, ec);
  if (ec && ec.value() >= kChdirFailure) {
    throw SpawnError(fmt::format("{}: cannot start in {}: {}", program, spec.working_dir,
                                 std::strerror(ec.value() - kChdirFailure)));
  }
  if (ec && cgroup && ec.value() >= kJoinFailure) {
    throw SpawnError(fmt::format("{}: cannot join the pids cgroup {}: {}", program, cgroup->dir(),
                                 std::strerror(ec.value() - kJoinFailure)));
  }
  if (ec) throw SpawnError(fmt::format("{}: cannot start: {}", program, ec.message()));
  std::unique_ptr<ChildProcess> self(new ChildProcess());
  self->m_cgroup = std::move(cgroup);
  self->m_pid = child->id();
  child->detach();  // this object reaps the child itself
  self->m_stdin = adopt(in.native_sink());
  self->m_stdout = adopt(out.native_source());
  self->m_stderr = adopt(err.native_source());
  return self;
}

ChildProcess::~ChildProcess() {
  if (!m_status) kill_group();
  release_cgroup();
  for (int fd : {m_stdin, m_stdout, m_stderr}) {
    if (fd >= 0) ::close(fd);
  }
}

void ChildProcess::close_stdin() {
  if (m_stdin >= 0) ::close(m_stdin);
  m_stdin = -1;
}

void ChildProcess::kill_group() {
  if (m_pid <= 0 || m_status) return;
  if (m_cgroup) {
    // From the inside out: the child (a sandbox launcher) then reaps what it started, instead
    // of leaving zombies for the host's init.
    for (pid_t pid : m_cgroup->members()) {
      if (pid != m_pid) ::kill(pid, SIGKILL);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
        m_status = status;
        ::kill(-m_pid, SIGKILL);
        release_cgroup();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ::kill(-m_pid, SIGKILL);
  ::kill(m_pid, SIGKILL);
  int status = 0;
  while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
  }
  m_status = status;
  release_cgroup();
}

// Whatever the child left in its cgroup (a sandbox's processes die asynchronously, a fork
// bomb's children may have left the process group) is killed before the cgroup goes.
void ChildProcess::release_cgroup() {
  if (!m_cgroup) return;
  m_cgroup->kill_and_remove(std::chrono::milliseconds(2000));
  m_cgroup.reset();
}

std::optional<int> ChildProcess::try_reap() {
  if (m_status) return m_status;
  int status = 0;
  if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
    m_status = status;
    ::kill(-m_pid, SIGKILL);  // descendants left in the group go with it
    release_cgroup();
  }
  return m_status;
}

int ChildProcess::reap(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!try_reap()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      kill_group();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return *m_status;
}

uint64_t ChildProcess::group_rss_bytes() const { return m_pid > 0 ? rss_of_group(read_proc(), m_pid) : 0; }

std::vector<uint64_t> resident_bytes_of_groups(const std::vector<pid_t>& groups) {
  std::vector<ProcEntry> entries = read_proc();
  std::vector<uint64_t> out;
  out.reserve(groups.size());
  for (pid_t group : groups) out.push_back(rss_of_group(entries, group));
  return out;
}

CapturedRun capture_output(const ProcessSpec& spec, int timeout_ms, std::string_view input) {
  CapturedRun run;
  std::unique_ptr<ChildProcess> child;
  try {
    child = ChildProcess::spawn(spec);
  } catch (const SpawnError& e) {
    run.problem = e.what();
    return run;
  }
  if (input.empty()) child->close_stdin();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  pollfd fds[3] = {{child->stdout_fd(), POLLIN, 0},
                   {child->stderr_fd(), POLLIN, 0},
                   {input.empty() ? -1 : child->stdin_fd(), POLLOUT, 0}};
  int open_pipes = 2;
  size_t written = 0;
  while (open_pipes > 0 && std::chrono::steady_clock::now() < deadline) {
    if (::poll(fds, 3, 50) <= 0) continue;
    if (fds[2].fd >= 0 && fds[2].revents != 0) {
      ssize_t n = ::write(fds[2].fd, input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) {
        fds[2].fd = -1;
        child->close_stdin();
      }
    }
    for (pollfd& fd : {std::ref(fds[0]), std::ref(fds[1])}) {
      if (fd.fd < 0 || fd.revents == 0) continue;
      char buffer[4096];
      ssize_t n = ::read(fd.fd, buffer, sizeof buffer);
      if (n > 0 && run.output.size() < 65536) run.output.append(buffer, static_cast<size_t>(n));
      if (n > 0 && &fd == &fds[0] && run.out.size() < (4u << 20)) {
        run.out.append(buffer, static_cast<size_t>(n));
      }
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        fd.fd = -1;
        --open_pipes;
      }
    }
  }
  if (open_pipes > 0) {
    child->kill_group();
    run.problem = fmt::format("no answer within {} ms", timeout_ms);
    return run;
  }
  run.status = child->reap(timeout_ms);
  return run;
}

std::string telling_line(const std::string& output) {
  std::istringstream lines(output);
  std::string line, last;
  while (std::getline(lines, line)) {
    if (line.rfind("error:", 0) == 0) return line;
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  }
  return last;
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exit status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return fmt::format("killed by signal {} ({})", sig, strsignal(sig));
  }
  return fmt::format("wait status {}", status);
}

}  // namespace lean_bridge

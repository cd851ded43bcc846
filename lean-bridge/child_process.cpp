#include "lean-bridge/child_process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

namespace bp = boost::process;

namespace lean_bridge {
namespace {

// Runs in the child between fork and exec: own process group, death with the parent,
// resource limits. Only async-signal-safe calls here.
struct ChildSetup : bp::extend::handler {
  uint64_t address_space = 0;
  bool core_dumps = false;
  template <class Executor>
  void on_exec_setup(Executor&) const {
    // Descriptors inherited from the harness (other workers' pipes, the store) must not
    // survive exec: a sibling holding a worker's pipe would hide that worker's death.
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
      for (int fd = 3; fd < 4096; ++fd) fcntl(fd, F_SETFD, FD_CLOEXEC);
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
    signal(SIGPIPE, SIG_DFL);
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

uint64_t rss_of_group(pid_t group) {
  uint64_t pages = 0;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return 0;
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
    long pgrp = -1;
    uint64_t rss = 0;
    for (int i = 3; fields >> field; ++i) {
      if (i == 5) pgrp = std::stol(field);
      if (i == 24) {
        rss = std::stoull(field);
        break;
      }
    }
    if (pgrp == group) pages += rss;
  }
  closedir(proc);
  return pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

std::unique_ptr<ChildProcess> ChildProcess::spawn(const ProcessSpec& spec) {
  if (spec.argv.empty()) throw SpawnError("empty command");
  std::string program = resolve_program(spec.argv[0]);
  std::vector<std::string> args(spec.argv.begin() + 1, spec.argv.end());
  bp::pipe in, out, err;
  ChildSetup setup;
  setup.address_space = spec.address_space_bytes;
  setup.core_dumps = spec.core_dumps;
  std::error_code ec;
  std::unique_ptr<bp::child> child;
  if (spec.working_dir.empty()) {
    child = std::make_unique<bp::child>(bp::exe = program, bp::args = args, bp::std_in < in,
                                        bp::std_out > out, bp::std_err > err, setup, ec);
  } else {
    child = std::make_unique<bp::child>(bp::exe = program, bp::args = args, bp::std_in < in,
                                        bp::std_out > out, bp::std_err > err,
                                        bp::start_dir = spec.working_dir, setup, ec);
  }
  if (ec) throw SpawnError(fmt::format("{}: cannot start: {}", program, ec.message()));
  std::unique_ptr<ChildProcess> self(new ChildProcess());
  self->m_pid = child->id();
  child->detach();  // this object reaps the child itself
  self->m_stdin = adopt(in.native_sink());
  self->m_stdout = adopt(out.native_source());
  self->m_stderr = adopt(err.native_source());
  return self;
}

ChildProcess::~ChildProcess() {
  if (!m_status) kill_group();
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
  ::kill(-m_pid, SIGKILL);
  ::kill(m_pid, SIGKILL);
  int status = 0;
  while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
  }
  m_status = status;
}

std::optional<int> ChildProcess::try_reap() {
  if (m_status) return m_status;
  int status = 0;
  if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
    m_status = status;
    ::kill(-m_pid, SIGKILL);  // descendants left in the group go with it
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

uint64_t ChildProcess::group_rss_bytes() const { return m_pid > 0 ? rss_of_group(m_pid) : 0; }

CapturedRun capture_output(const ProcessSpec& spec, int timeout_ms) {
  CapturedRun run;
  std::unique_ptr<ChildProcess> child;
  try {
    child = ChildProcess::spawn(spec);
  } catch (const SpawnError& e) {
    run.problem = e.what();
    return run;
  }
  child->close_stdin();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  pollfd fds[2] = {{child->stdout_fd(), POLLIN, 0}, {child->stderr_fd(), POLLIN, 0}};
  int open_pipes = 2;
  while (open_pipes > 0 && std::chrono::steady_clock::now() < deadline) {
    if (::poll(fds, 2, 50) <= 0) continue;
    for (pollfd& fd : fds) {
      if (fd.fd < 0 || fd.revents == 0) continue;
      char buffer[4096];
      ssize_t n = ::read(fd.fd, buffer, sizeof buffer);
      if (n > 0 && run.output.size() < 65536) run.output.append(buffer, static_cast<size_t>(n));
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

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exit status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return fmt::format("killed by signal {} ({})", sig, strsignal(sig));
  }
  return fmt::format("wait status {}", status);
}

}  // namespace lean_bridge

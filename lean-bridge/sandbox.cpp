#include "lean-bridge/sandbox.hpp"

#include "lean-bridge/seccomp_filter.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace lean_bridge {
namespace {

// The uid and gid a worker has inside its user namespace (mapped to the harness's own uid
// outside, so files readable by the harness stay readable).
constexpr const char* kSandboxUid = "65534";
constexpr const char* kSandboxGid = "65534";
constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";
// The argument after `--seccomp` is the number of a descriptor opened for each child when it is
// spawned (ProcessSpec::passed): ChildProcess::spawn writes it in that slot.
constexpr const char* kSeccompFlag = "--seccomp";
constexpr const char* kFdSlot = "FD";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bool write_text(const std::string& path, const std::string& text, int& error) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    error = errno;
    return false;
  }
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  error = errno;
  ::close(fd);
  return ok;
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

// Mount points of the cgroup hierarchies, from /proc/self/mounts.
struct CgroupMounts {
  std::string v2;       // the cgroup2 mount, if any
  std::string v1_pids;  // the v1 hierarchy with the pids controller, if any
};

CgroupMounts cgroup_mounts() {
  CgroupMounts found;
  std::ifstream in("/proc/self/mounts");
  for (std::string line; std::getline(in, line);) {
    auto fields = words(line);
    if (fields.size() < 4) continue;
    if (fields[2] == "cgroup2" && found.v2.empty()) found.v2 = fields[1];
    if (fields[2] == "cgroup") {
      std::stringstream options(fields[3]);
      for (std::string option; std::getline(options, option, ',');) {
        if (option == "pids") found.v1_pids = fields[1];
      }
    }
  }
  return found;
}

bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

std::vector<pid_t> read_pids(const std::string& procs_file) {
  std::vector<pid_t> pids;
  std::ifstream in(procs_file);
  for (long pid; in >> pid;) pids.push_back(static_cast<pid_t>(pid));
  return pids;
}

// Kills every process in the cgroup DIR until it is empty, then removes it.
bool empty_and_remove(const std::string& dir, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::microseconds(200);
  for (;;) {
    for (pid_t pid : read_pids(dir + "/cgroup.procs")) ::kill(pid, SIGKILL);
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return true;
    if (errno != EBUSY) return false;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(10'000));
  }
}

// Cgroups named <pid>-<n> whose harness process is gone: their workers died with it (parent
// death signal), so only the directories are left.
void sweep_stale(const std::string& parent) {
  DIR* dir = ::opendir(parent.c_str());
  if (dir == nullptr) return;
  std::vector<std::string> stale;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    auto dash = name.find('-');
    if (dash == std::string::npos || dash == 0 || dash + 1 == name.size()) continue;
    if (name.find_first_not_of("0123456789-") != std::string::npos) continue;
    pid_t owner = static_cast<pid_t>(std::atol(name.substr(0, dash).c_str()));
    if (owner == ::getpid() || process_exists(owner)) continue;
    stale.push_back(parent + "/" + name);
  }
  ::closedir(dir);
  for (const auto& path : stale) empty_and_remove(path, std::chrono::milliseconds(200));
}

std::string make_parent(const std::string& parent) {
  if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
    return fmt::format("cannot create {}: {}", parent, std::strerror(errno));
  }
  if (::access((parent + "/cgroup.procs").c_str(), W_OK) != 0) {
    return fmt::format("{} is not writable: {}", parent, std::strerror(errno));
  }
  return {};
}

std::string try_v2(const std::string& mount, const std::string& name, PidsSupport& out) {
  auto controllers = words(read_text(mount + "/cgroup.controllers"));
  if (std::find(controllers.begin(), controllers.end(), "pids") == controllers.end()) {
    return fmt::format("cgroup v2 at {} has no pids controller", mount);
  }
  std::string parent = mount + "/" + name;
  int error = 0;
  auto enabled = words(read_text(mount + "/cgroup.subtree_control"));
  if (std::find(enabled.begin(), enabled.end(), "pids") == enabled.end() &&
      !write_text(mount + "/cgroup.subtree_control", "+pids", error)) {
    return fmt::format("cannot enable pids in {}/cgroup.subtree_control: {}", mount,
                       std::strerror(error));
  }
  if (auto problem = make_parent(parent); !problem.empty()) return problem;
  if (!write_text(parent + "/cgroup.subtree_control", "+pids", error)) {
    return fmt::format("cannot enable pids in {}/cgroup.subtree_control: {}", parent,
                       std::strerror(error));
  }
  out = {PidsMechanism::cgroup_v2, parent, "cgroup v2 pids controller under " + parent};
  return {};
}

std::string try_v1(const std::string& mount, const std::string& name, PidsSupport& out) {
  std::string parent = mount + "/" + name;
  if (auto problem = make_parent(parent); !problem.empty()) return problem;
  if (!exists(parent + "/pids.max")) return parent + " has no pids.max";
  out = {PidsMechanism::cgroup_v1, parent, "cgroup v1 pids controller under " + parent};
  return {};
}

std::string absolute(const std::string& path, const std::string& base) {
  fs::path p(path);
  if (p.is_relative()) p = fs::path(base.empty() ? fs::current_path().string() : base) / p;
  std::string out = p.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

// Whether `path` is `dir` or lies below it (both absolute and normal).
bool under(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

bool is_symlink(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

// What every worker sees of the host's system, read-only: /usr (programs, the dynamic loader,
// shared libraries, locales), the top-level links into it (/bin, /lib64... on a merged-/usr
// system; bound as folders elsewhere), and the loader's cache and configuration.
constexpr const char* kSystemTopLevel[] = {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"};
constexpr const char* kSystemFiles[] = {"/etc/ld.so.cache", "/etc/ld.so.conf",
                                        "/etc/ld.so.conf.d", "/etc/alternatives"};
// Folders of the host that a worker never needs, even when a path names them: the sandbox
// mounts its own /dev, /proc and /tmp, and /sys describes the host.
constexpr const char* kNeverBound[] = {"/dev", "/proc", "/sys"};

// The folders a search-path variable names ("a:b:c"), absolute and existing.
void add_search_path(const std::string& value, const std::string& base,
                     std::vector<std::string>& out) {
  std::stringstream dirs(value);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    std::string path = absolute(dir, base);
    if (exists(path)) out.push_back(path);
  }
}

// An argument that names an existing file or folder (absolute, or relative to `base`), also
// as the value of `--option=PATH`.
std::optional<std::string> named_path(const std::string& arg, const std::string& base) {
  std::string text = arg;
  if (text.rfind("-", 0) == 0) {
    auto equals = text.find('=');
    if (equals == std::string::npos) return std::nullopt;
    text = text.substr(equals + 1);
  }
  if (text.empty() || text.size() > 4096 || text.find('\n') != std::string::npos) {
    return std::nullopt;
  }
  std::string path = absolute(text, base);
  if (!exists(path)) return std::nullopt;
  return path;
}

// argv[0] looked up in PATH as execvp would, so that bwrap gets an absolute path and a
// program under a hidden directory can be bound back in.
std::string resolve_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : kDefaultPath);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0 && !is_dir(candidate)) return candidate;
  }
  return name;  // bwrap reports it: "bwrap: execvp NAME: No such file or directory"
}

// Tasks (threads count) of the real uid now: the base RLIMIT_NPROC counts against.
uint64_t tasks_of_uid(uid_t uid) {
  uint64_t tasks = 0;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return 0;
  while (dirent* entry = ::readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    std::ifstream status(fmt::format("/proc/{}/status", entry->d_name));
    long real_uid = -1;
    uint64_t threads = 0;
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("Uid:", 0) == 0) real_uid = std::atol(line.c_str() + 4);
      if (line.rfind("Threads:", 0) == 0) threads = std::strtoull(line.c_str() + 8, nullptr, 10);
    }
    if (real_uid == static_cast<long>(uid)) tasks += threads;
  }
  ::closedir(proc);
  return tasks;
}

}  // namespace

std::optional<SandboxMode> parse_sandbox_mode(const std::string& text) {
  if (text == "bwrap") return SandboxMode::bwrap;
  if (text == "none") return SandboxMode::none;
  return std::nullopt;
}

std::string to_string(SandboxMode mode) { return mode == SandboxMode::bwrap ? "bwrap" : "none"; }

const std::vector<std::string>& default_pass_env() {
  static const std::vector<std::string> names = {"PATH", "LANG", "LC_ALL", "LEAN_PATH",
                                                 "LEAN_SYSROOT"};
  return names;
}

PidsSupport detect_pids_support(const std::string& name) {
  PidsSupport found;
  CgroupMounts mounts = cgroup_mounts();
  std::vector<std::string> problems;
  if (!mounts.v2.empty()) {
    if (auto problem = try_v2(mounts.v2, name, found); problem.empty()) {
      sweep_stale(found.parent);
      return found;
    } else {
      problems.push_back(problem);
    }
  }
  if (!mounts.v1_pids.empty()) {
    if (auto problem = try_v1(mounts.v1_pids, name, found); problem.empty()) {
      sweep_stale(found.parent);
      return found;
    } else {
      problems.push_back(problem);
    }
  }
  if (mounts.v2.empty() && mounts.v1_pids.empty()) problems.push_back("no cgroup hierarchy with pids");
  std::string why = fmt::format("{}", fmt::join(problems, "; "));
  if (::geteuid() != 0) {
    found = {PidsMechanism::rlimit_nproc, "",
             "RLIMIT_NPROC only (counted over all processes of this uid); no pids cgroup: " + why};
  } else {
    found = {PidsMechanism::none, "",
             "NO process-count limit binds: running as root, where RLIMIT_NPROC never binds, and "
             "no pids cgroup: " + why};
  }
  return found;
}

Sandbox::Sandbox(SandboxOptions options) : m_options(std::move(options)) {
  if (m_options.mode != SandboxMode::bwrap) return;
  m_pids = detect_pids_support(m_options.cgroup_name);
  if (m_options.seccomp) {
    auto program = build_seccomp_filter();
    if (program.problem.empty()) {
      m_seccomp = std::make_shared<const std::string>(std::move(program.bpf));
    } else {
      m_seccomp_problem = program.problem;
    }
  }
}

bool Sandbox::pids_limit_binds() const {
  return m_pids.mechanism == PidsMechanism::cgroup_v1 ||
         m_pids.mechanism == PidsMechanism::cgroup_v2 ||
         m_pids.mechanism == PidsMechanism::rlimit_nproc;
}

std::string Sandbox::describe() const {
  if (m_options.mode == SandboxMode::none) return "none";
  std::string filter = m_options.seccomp ? "+seccomp" : "";
  switch (m_pids.mechanism) {
    case PidsMechanism::cgroup_v1:
    case PidsMechanism::cgroup_v2:
      return fmt::format("bwrap+pids{}{}", m_options.pids_max, filter);
    case PidsMechanism::rlimit_nproc:
      return fmt::format("bwrap+nproc{}{}", m_options.pids_max, filter);
    case PidsMechanism::none:
      break;
  }
  return "bwrap+nopids" + filter;
}

std::string Sandbox::pids_summary() const {
  if (m_options.mode == SandboxMode::none) return "none (no sandbox)";
  switch (m_pids.mechanism) {
    case PidsMechanism::cgroup_v1:
    case PidsMechanism::cgroup_v2:
      return fmt::format("pids.max {} per worker: {}", m_options.pids_max, m_pids.detail);
    case PidsMechanism::rlimit_nproc:
      return fmt::format("{} per worker above this uid's tasks: {}", m_options.pids_max,
                         m_pids.detail);
    case PidsMechanism::none:
      break;
  }
  return m_pids.detail;
}

std::vector<std::pair<std::string, std::string>> Sandbox::environment(
    const ProcessSpec& spec) const {
  std::vector<std::pair<std::string, std::string>> env;
  auto set = [&](const std::string& name, const std::string& value) {
    for (auto& entry : env) {
      if (entry.first == name) {
        entry.second = value;
        return;
      }
    }
    env.emplace_back(name, value);
  };
  for (const auto& name : m_options.pass_env) {
    if (const char* value = std::getenv(name.c_str()); value != nullptr) set(name, value);
  }
  for (const auto& [name, value] : spec.env) set(name, value);
  bool have_path = std::any_of(env.begin(), env.end(), [](const auto& e) { return e.first == "PATH"; });
  if (!have_path) set("PATH", kDefaultPath);
  set("HOME", "/tmp");
  set("TMPDIR", "/tmp");
  return env;
}

std::vector<std::string> Sandbox::visible_paths(const ProcessSpec& spec,
                                                const std::string& program) const {
  return visible_paths(spec, program, environment(spec));
}

std::vector<std::string> Sandbox::visible_paths(
    const ProcessSpec& spec, const std::string& program,
    const std::vector<std::pair<std::string, std::string>>& env) const {
  std::string dir = spec.working_dir.empty() ? "" : absolute(spec.working_dir, "");
  std::vector<std::string> wanted;
  if (program.find('/') != std::string::npos) wanted.push_back(absolute(program, dir));
  for (size_t i = 1; i < spec.argv.size(); ++i) {
    if (auto path = named_path(spec.argv[i], dir)) wanted.push_back(*path);
  }
  for (const auto& [name, value] : env) {
    if (name == "LEAN_PATH" || name == "LEAN_SYSROOT" || name == "LD_LIBRARY_PATH") {
      add_search_path(value, dir, wanted);
    }
  }
  // Shortest first, so that a folder already bound covers what lies below it.
  std::sort(wanted.begin(), wanted.end(), [](const std::string& x, const std::string& y) {
    return x.size() != y.size() ? x.size() < y.size() : x < y;
  });
  std::vector<std::string> bound;
  for (const auto& path : wanted) {
    if (path == "/") continue;  // never the whole host
    bool never = std::any_of(std::begin(kNeverBound), std::end(kNeverBound),
                             [&](const char* d) { return under(path, d); });
    std::error_code ec;
    std::string real = fs::weakly_canonical(path, ec).string();
    if (ec) real = path;
    bool system = under(real, "/usr") && !under(real, "/usr/local");
    bool covered = std::any_of(bound.begin(), bound.end(),
                               [&](const std::string& b) { return under(path, b); });
    if (never || system || covered) continue;
    bound.push_back(path);
  }
  return bound;
}

std::vector<std::string> Sandbox::bwrap_prefix(const ProcessSpec& spec,
                                               const std::string& program) const {
  std::vector<std::string> a = {
      m_options.bwrap,
      // A user namespace of its own with no capabilities in it; inside, uid 65534 is the
      // harness's uid outside. No nested user namespaces.
      "--unshare-user", "--uid", kSandboxUid, "--gid", kSandboxGid, "--disable-userns",
      "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
      "--hostname", "lean-sandbox",
      "--die-with-parent", "--new-session", "--cap-drop", "ALL",
      // Nothing of the host but what is bound below: the root is an empty tmpfs.
      "--ro-bind", "/usr", "/usr"};
  for (const char* top : kSystemTopLevel) {
    if (is_symlink(top)) {
      std::error_code ec;
      auto target = fs::read_symlink(top, ec);
      if (!ec) a.insert(a.end(), {"--symlink", target.string(), top});
    } else if (is_dir(top)) {
      a.insert(a.end(), {"--ro-bind", top, top});
    }
  }
  for (const char* file : kSystemFiles) {
    if (exists(file)) a.insert(a.end(), {"--ro-bind", file, file});
  }
  a.insert(a.end(), {"--dev", "/dev", "--proc", "/proc", "--size",
                     std::to_string(m_options.tmp_bytes), "--tmpfs", "/tmp"});
  // /usr/local holds what the host's users installed by hand: hidden, like everything
  // outside /usr, unless the worker's command or toolchain lies there (bound back below).
  bool mask_local = is_dir("/usr/local");
  if (mask_local) a.insert(a.end(), {"--size", "65536", "--tmpfs", "/usr/local"});
  // The working folder exists inside, empty and read-only, unless a bound path shows it:
  // the files around the REPL there (the store, OUT, a user's other files) stay outside.
  std::string dir = spec.working_dir.empty() ? "" : absolute(spec.working_dir, "");
  auto env = environment(spec);
  auto visible = visible_paths(spec, program, env);
  std::error_code ec;
  std::string real_dir = dir.empty() ? "" : fs::weakly_canonical(dir, ec).string();
  bool dir_shown = dir.empty() || dir == "/" ||
                   (under(real_dir, "/usr") && !under(real_dir, "/usr/local")) ||
                   std::any_of(visible.begin(), visible.end(),
                               [&](const std::string& v) { return under(dir, v); });
  if (!dir_shown) a.insert(a.end(), {"--size", "65536", "--tmpfs", dir});
  for (const auto& path : visible) a.insert(a.end(), {"--ro-bind", path, path});
  if (!dir_shown) a.insert(a.end(), {"--remount-ro", dir});
  if (mask_local) a.insert(a.end(), {"--remount-ro", "/usr/local"});
  // The root's tmpfs and /dev (no writable /dev/shm) are read-only; only /tmp is writable.
  a.insert(a.end(), {"--remount-ro", "/dev", "--remount-ro", "/"});
  if (!dir.empty()) a.insert(a.end(), {"--chdir", dir});
  if (m_seccomp) a.insert(a.end(), {kSeccompFlag, kFdSlot});
  a.push_back("--clearenv");
  for (const auto& [name, value] : env) a.insert(a.end(), {"--setenv", name, value});
  a.push_back("--");
  return a;
}

ProcessSpec Sandbox::apply(const ProcessSpec& spec) const {
  ProcessSpec out = spec;
  if (out.file_size_bytes == 0) out.file_size_bytes = m_options.file_size_bytes;
  if (::geteuid() != 0 && out.max_processes == 0 && m_options.pids_max > 0) {
    out.max_processes = tasks_of_uid(::getuid()) + static_cast<uint64_t>(m_options.pids_max);
  }
  if (m_options.mode == SandboxMode::none || spec.argv.empty()) return out;
  if (!m_seccomp_problem.empty()) {
    throw SpawnError("the sandbox's system-call filter could not be built: " + m_seccomp_problem);
  }
  std::string program = resolve_program(spec.argv[0]);
  if (program.find('/') != std::string::npos && !spec.working_dir.empty()) {
    program = absolute(program, absolute(spec.working_dir, ""));
  }
  out.argv = bwrap_prefix(spec, program);
  if (m_seccomp) {
    size_t at = static_cast<size_t>(
        std::find(out.argv.begin(), out.argv.end(), kSeccompFlag) - out.argv.begin()) + 1;
    out.passed.push_back({m_seccomp, at});
  }
  out.argv.push_back(program);
  out.argv.insert(out.argv.end(), spec.argv.begin() + 1, spec.argv.end());
  out.env.clear();  // inside, through --setenv; bwrap itself runs with the harness's own
  if (m_pids.mechanism == PidsMechanism::cgroup_v1 ||
      m_pids.mechanism == PidsMechanism::cgroup_v2) {
    out.pids_cgroup_parent = m_pids.parent;
    out.pids_max = m_options.pids_max;
  }
  return out;
}

std::string Sandbox::probe(const std::string& working_dir) const {
  if (m_options.mode == SandboxMode::none) return "the sandbox is off (--sandbox none)";
  // The same command line, cgroup, filter and limits as a worker, with a shell in place of
  // Lean. bash's /dev/tcp makes the socket() call that the filter must refuse.
  const char* script =
      "echo \"pid $$\"; "
      "if (: > /tmp/.harness-probe) 2>/dev/null; then echo 'tmp writable'; fi; "
      "if (: > ./.harness-probe) 2>/dev/null; then rm -f ./.harness-probe; echo 'cwd WRITABLE'; fi; "
      "for p in /etc/passwd /var /run /home /root /srv /mnt /opt; do "
      "if [ -e \"$p\" ]; then echo \"host VISIBLE: $p\"; fi; done; "
      "if [ -x /bin/bash ]; then "
      "/bin/bash -c ': > /dev/tcp/127.0.0.1/9' 2>&1 | grep -q 'Permission denied' "
      "&& echo 'sockets refused'; else echo 'sockets refused'; fi";
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.working_dir = working_dir;
  CapturedRun run;
  try {
    run = capture_output(apply(spec), 10'000);
  } catch (const SpawnError& e) {
    return e.what();
  }
  std::string output = run.output;
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  if (!run.status) return run.problem;
  if (*run.status != 0) {
    return fmt::format("{}: {}", describe_wait_status(*run.status), output);
  }
  long pid = output.rfind("pid ", 0) == 0 ? std::atol(output.c_str() + 4) : -1;
  if (pid <= 0 || pid > 10) return "the probe is not in a PID namespace of its own: " + output;
  if (output.find("tmp writable") == std::string::npos) return "/tmp is not writable inside";
  if (output.find("cwd WRITABLE") != std::string::npos) return "the workspace is writable inside";
  if (auto at = output.find("host VISIBLE: "); at != std::string::npos) {
    return "the host's files are visible inside: " + output.substr(at + 14, output.find('\n', at) - at - 14);
  }
  if (m_options.seccomp && output.find("sockets refused") == std::string::npos) {
    return "the system-call filter did not refuse socket()";
  }
  return {};
}

const std::string& user_namespace_problem(const std::string& bwrap) {
  static std::mutex mutex;
  static std::map<std::string, std::string> answers;
  std::lock_guard lock(mutex);
  auto it = answers.find(bwrap);
  if (it != answers.end()) return it->second;
  ProcessSpec spec;
  spec.argv = {bwrap, "--unshare-user", "--unshare-pid", "--ro-bind", "/", "/", "--", "/bin/true"};
  auto run = capture_output(spec, 10'000);
  std::string problem;
  if (!run.status) {
    problem = run.problem;
  } else if (*run.status != 0) {
    problem = telling_line(run.output);
    if (problem.empty()) problem = describe_wait_status(*run.status);
  }
  return answers.emplace(bwrap, problem).first->second;
}

PidsCgroup::PidsCgroup(std::string dir) : m_dir(std::move(dir)), m_procs(m_dir + "/cgroup.procs") {}

std::unique_ptr<PidsCgroup> PidsCgroup::create(const std::string& parent, int64_t pids_max) {
  static std::atomic<unsigned> counter{0};
  std::string dir;
  for (;;) {
    dir = fmt::format("{}/{}-{}", parent, ::getpid(), ++counter);
    if (::mkdir(dir.c_str(), 0755) == 0) break;
    if (errno != EEXIST) {
      throw SpawnError(fmt::format("cannot create the pids cgroup {}: {}", dir, std::strerror(errno)));
    }
  }
  std::unique_ptr<PidsCgroup> cgroup(new PidsCgroup(dir));
  int error = 0;
  std::string limit = pids_max > 0 ? std::to_string(pids_max) : "max";
  if (!write_text(dir + "/pids.max", limit, error)) {
    throw SpawnError(fmt::format("cannot set {}/pids.max: {}", dir, std::strerror(error)));
  }
  return cgroup;
}

PidsCgroup::~PidsCgroup() {
  if (!m_done) kill_and_remove(std::chrono::milliseconds(2000));
}

std::vector<pid_t> PidsCgroup::members() const { return read_pids(m_procs); }

bool PidsCgroup::kill_and_remove(std::chrono::milliseconds timeout) {
  m_done = true;
  return empty_and_remove(m_dir, timeout);
}

std::string pids_cgroup_of(pid_t pid) {
  CgroupMounts mounts = cgroup_mounts();
  std::ifstream in(fmt::format("/proc/{}/cgroup", pid));
  std::string v2_path;
  for (std::string line; std::getline(in, line);) {
    auto first = line.find(':');
    auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    if (path == "/") path.clear();
    std::stringstream list(controllers);
    for (std::string c; std::getline(list, c, ',');) {
      if (c == "pids" && !mounts.v1_pids.empty()) return mounts.v1_pids + path;
    }
    if (controllers.empty()) v2_path = path;
  }
  if (!mounts.v2.empty() && mounts.v1_pids.empty()) return mounts.v2 + v2_path;
  return {};
}

}  // namespace lean_bridge

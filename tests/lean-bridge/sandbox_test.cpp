// The worker sandbox (lean-bridge/sandbox.*): the bwrap command line, and what a shell run
// through it can and cannot do on this machine (root, bubblewrap, a writable pids cgroup).
#include "lean-bridge/sandbox.hpp"
#include "tests/support/host_secret.hpp"
#include "tests/support/listener.hpp"
#include "tests/support/sandbox_available.hpp"
#include "tests/support/temp_dir.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;
using namespace lean_bridge;

namespace {

using test_support::TempDir;

ProcessSpec shell(const std::string& script, const std::string& dir) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.working_dir = dir;
  return spec;
}

CapturedRun run(const Sandbox& sandbox, const std::string& script, const std::string& dir) {
  auto run = capture_output(sandbox.apply(shell(script, dir)), 10'000);
  INFO(run.problem);
  REQUIRE(run.status);
  return run;
}

// A running child whose output is read up to a marker.
class Session {
 public:
  explicit Session(const ProcessSpec& spec) : m_child(ChildProcess::spawn(spec)) {}
  ChildProcess& child() { return *m_child; }
  // Reads stdout until it contains `marker`; returns everything read so far.
  std::string read_until(const std::string& marker, int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (m_output.find(marker) == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      pollfd fd{m_child->stdout_fd(), POLLIN, 0};
      if (::poll(&fd, 1, 20) <= 0) continue;
      char buffer[4096];
      ssize_t n = ::read(m_child->stdout_fd(), buffer, sizeof buffer);
      if (n == 0) break;
      if (n > 0) m_output.append(buffer, static_cast<size_t>(n));
    }
    return m_output;
  }
  void send(const std::string& text) {
    REQUIRE(::write(m_child->stdin_fd(), text.data(), text.size()) ==
            static_cast<ssize_t>(text.size()));
  }

 private:
  std::unique_ptr<ChildProcess> m_child;
  std::string m_output;
};

bool contains(const std::vector<std::string>& argv, const std::vector<std::string>& run) {
  return std::search(argv.begin(), argv.end(), run.begin(), run.end()) != argv.end();
}

size_t index_of(const std::vector<std::string>& argv, const std::string& word) {
  return static_cast<size_t>(std::find(argv.begin(), argv.end(), word) - argv.begin());
}

// The pids cgroups this test process created that still exist.
std::vector<std::string> my_cgroups(const Sandbox& sandbox) {
  std::vector<std::string> found;
  std::string prefix = std::to_string(::getpid()) + "-";
  std::error_code ec;
  for (auto& entry : fs::directory_iterator(sandbox.pids().parent, ec)) {
    if (entry.path().filename().string().rfind(prefix, 0) == 0) found.push_back(entry.path());
  }
  return found;
}

// `root` and every process below it on the host, by parent pid.
std::set<pid_t> descendants(pid_t root) {
  std::vector<std::pair<pid_t, pid_t>> links;  // pid, ppid
  for (auto& entry : fs::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string text;
    std::getline(stat, text);
    auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(text.substr(close + 2));
    std::string state;
    long ppid = 0;
    fields >> state >> ppid;
    links.emplace_back(static_cast<pid_t>(std::stol(name)), static_cast<pid_t>(ppid));
  }
  std::set<pid_t> found{root};
  for (bool grown = true; grown;) {
    grown = false;
    for (auto [pid, ppid] : links) {
      if (found.count(ppid) && !found.count(pid)) grown = found.insert(pid).second;
    }
  }
  return found;
}

// Whether `pid` still runs: not gone, not a zombie, not in the kernel's exit path (where it
// has no memory left, so no command line). Dead processes of a PID namespace wait for the
// host's init to reap them, which may take a while on this machine.
bool running(pid_t pid) {
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string text;
  if (!std::getline(stat, text)) return false;
  auto close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) return false;
  char state = text[close + 2];
  if (state == 'Z' || state == 'X') return false;
  std::ifstream cmdline(fmt::format("/proc/{}/cmdline", pid));
  return cmdline.peek() != std::ifstream::traits_type::eof();
}

bool gone(pid_t pid, int timeout_ms = 2000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (running(pid)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

using test_support::Listener;

}  // namespace

TEST_CASE("the bwrap command line isolates everything and passes only allowed variables",
          "[sandbox]") {
  TempDir ws;
  ::setenv("LANG", "C.UTF-8", 1);
  ::setenv("HARNESS_SANDBOX_TEST_SECRET", "hunter2", 1);
  Sandbox sandbox;
  auto spec = sandbox.apply(shell("true", ws.path()));
  auto& a = spec.argv;
  ::unsetenv("HARNESS_SANDBOX_TEST_SECRET");
  INFO(fmt::format("{}", fmt::join(a, " ")));
  REQUIRE(a.size() > 10);
  CHECK(a[0] == "/usr/bin/bwrap");
  for (const char* flag : {"--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                           "--unshare-user", "--disable-userns", "--die-with-parent",
                           "--new-session", "--clearenv"}) {
    CHECK(contains(a, {flag}));
  }
  CHECK(contains(a, {"--uid", "65534", "--gid", "65534"}));
  CHECK(contains(a, {"--cap-drop", "ALL"}));
  // An allow-list, never the whole host: the system's /usr and what the worker names.
  CHECK_FALSE(contains(a, {"--ro-bind", "/", "/"}));
  CHECK_FALSE(contains(a, {"--bind"}));
  CHECK(contains(a, {"--ro-bind", "/usr", "/usr"}));
  CHECK(contains(a, {"--dev", "/dev"}));
  CHECK(contains(a, {"--proc", "/proc"}));
  CHECK(contains(a, {"--size", std::to_string(512u << 20), "--tmpfs", "/tmp"}));
  CHECK(contains(a, {"--remount-ro", "/dev"}));
  CHECK(contains(a, {"--remount-ro", "/"}));
  CHECK(contains(a, {"--seccomp"}));
  // The workspace exists inside as an empty read-only folder: nothing in it is shown.
  CHECK(contains(a, {"--tmpfs", ws.path().string()}));
  CHECK(contains(a, {"--remount-ro", ws.path().string()}));
  CHECK_FALSE(contains(a, {"--ro-bind", ws.path().string(), ws.path().string()}));
  CHECK(contains(a, {"--chdir", ws.path().string()}));
  CHECK(contains(a, {"--setenv", "HOME", "/tmp"}));
  CHECK(contains(a, {"--setenv", "LANG", "C.UTF-8"}));
  CHECK(contains(a, {"--setenv", "PATH"}));
  CHECK_FALSE(contains(a, {"--setenv", "HARNESS_SANDBOX_TEST_SECRET"}));
  CHECK(index_of(a, "--clearenv") < index_of(a, "--setenv"));
  // The worker's own command follows the "--", its program resolved to a path.
  size_t dashes = index_of(a, "--");
  REQUIRE(dashes + 4 == a.size());
  CHECK(a[dashes + 1] == "/bin/sh");
  CHECK(a[dashes + 2] == "-c");
  CHECK(spec.working_dir == ws.path().string());
  CHECK(spec.file_size_bytes == 1ull << 30);
  CHECK(spec.pids_max == 256);
  CHECK(spec.pids_cgroup_parent == sandbox.pids().parent);
  CHECK(sandbox.describe() == "bwrap+pids256+seccomp");
  CHECK(sandbox.pids_limit_binds());
  // The filter travels as a descriptor of its own, its number written after --seccomp.
  REQUIRE(spec.passed.size() == 1);
  CHECK(a[spec.passed[0].argv_index - 1] == "--seccomp");
  CHECK(spec.passed[0].bytes->size() % 8 == 0);
  CHECK(spec.env.empty());
}

TEST_CASE("sandbox none keeps the command and adds only the rlimits", "[sandbox]") {
  SandboxOptions options;
  options.mode = SandboxMode::none;
  Sandbox sandbox(options);
  auto spec = sandbox.apply(shell("true", "/"));
  CHECK(spec.argv == std::vector<std::string>{"/bin/sh", "-c", "true"});
  CHECK(spec.pids_cgroup_parent.empty());
  CHECK(spec.file_size_bytes == 1ull << 30);
  CHECK(sandbox.describe() == "none");
  CHECK(parse_sandbox_mode("bwrap") == SandboxMode::bwrap);
  CHECK(parse_sandbox_mode("none") == SandboxMode::none);
  CHECK_FALSE(parse_sandbox_mode("docker"));
}

TEST_CASE("the probe runs through the sandbox on this machine", "[sandbox]") {
  SKIP_WITHOUT_USER_NAMESPACES();
  TempDir ws;
  Sandbox sandbox;
  CHECK(sandbox.probe(ws.path()) == "");
  CHECK(sandbox.pids().mechanism != PidsMechanism::none);
  CHECK(my_cgroups(sandbox).empty());
}

TEST_CASE("a sandboxed shell can write only to its private /tmp", "[sandbox]") {
  SKIP_WITHOUT_USER_NAMESPACES();
  TempDir ws;
  Sandbox sandbox;
  std::string home = std::getenv("HOME") != nullptr ? std::getenv("HOME") : "/root";
  std::vector<std::string> targets = {(ws.path() / "escaped").string(), "/etc/harness-escaped",
                                      "/var/tmp/harness-escaped", "/dev/shm/harness-escaped",
                                      "/dev/harness-escaped", home + "/harness-escaped",
                                      fs::current_path() / "harness-escaped"};
  std::string script;
  for (const auto& t : targets) {
    script += fmt::format("if (echo x > '{0}') 2>/dev/null; then echo 'wrote {0}'; fi; ", t);
  }
  script += "echo x > /tmp/inside && cat /tmp/inside && echo tmp-ok; ls ~/";
  auto r = run(sandbox, script, ws.path());
  INFO(r.output);
  CHECK(r.output.find("wrote") == std::string::npos);
  CHECK(r.output.find("tmp-ok") != std::string::npos);
  for (const auto& t : targets) CHECK_FALSE(fs::exists(t));
  CHECK_FALSE(fs::exists("/tmp/inside"));
}

TEST_CASE("a sandboxed shell does not see the host's /tmp", "[sandbox]") {
  SKIP_WITHOUT_USER_NAMESPACES();
  TempDir ws;
  Sandbox sandbox;
  std::string before = fmt::format("/tmp/sandbox-test-before-{}", ::getpid());
  std::string after = fmt::format("/tmp/sandbox-test-after-{}", ::getpid());
  std::ofstream(before) << "host\n";
  Session session(sandbox.apply(shell(
      fmt::format("echo started; read go; cat {} {} 2>&1; echo done", before, after), "/")));
  REQUIRE(session.read_until("started").find("started") != std::string::npos);
  std::ofstream(after) << "host\n";
  session.send("go\n");
  auto output = session.read_until("done");
  fs::remove(before);
  fs::remove(after);
  INFO(output);
  CHECK(output.find("host") == std::string::npos);
  CHECK(output.find("No such file") != std::string::npos);
}

TEST_CASE("a sandboxed process cannot reach a listener on the host's 127.0.0.1", "[sandbox]") {
  SKIP_WITHOUT_USER_NAMESPACES();
  Listener listener;
  std::string probe = fmt::format(
      "if (echo hi > /dev/tcp/127.0.0.1/{}) 2>/dev/null; then echo connected; else echo refused; fi",
      listener.port());
  ProcessSpec spec{{"/bin/bash", "-c", probe}, "/"};
  // Without the sandbox the same probe connects: the test would notice a broken listener.
  SandboxOptions off;
  off.mode = SandboxMode::none;
  auto open = capture_output(Sandbox(off).apply(spec), 10'000);
  CHECK(open.output.find("connected") != std::string::npos);
  CHECK(listener.connected());
  auto closed = capture_output(Sandbox().apply(spec), 10'000);
  INFO(closed.output);
  CHECK(closed.output.find("refused") != std::string::npos);
  CHECK_FALSE(listener.connected());
}

TEST_CASE("a sandboxed process has a PID namespace of its own", "[sandbox]") {
  SKIP_WITHOUT_USER_NAMESPACES();
  Sandbox sandbox;
  auto r = run(sandbox,
               fmt::format("echo \"pid $$\"; if kill -0 {} 2>/dev/null; then echo host-visible; fi; "
                           "ls /proc | grep -c '^[0-9]'",
                           ::getpid()),
               "/");
  INFO(r.output);
  CHECK(r.output.rfind("pid ", 0) == 0);
  long pid = std::atol(r.output.c_str() + 4);
  CHECK(pid > 0);
  CHECK(pid < 10);
  CHECK(r.output.find("host-visible") == std::string::npos);
}

TEST_CASE("killing a sandboxed worker kills everything in it and removes its cgroup",
          "[sandbox]") {
  SKIP_WITHOUT_USER_NAMESPACES();
  Sandbox sandbox;
  Session session(sandbox.apply(shell("sleep 60 & sleep 60 & echo ready; wait", "/")));
  REQUIRE(session.read_until("ready").find("ready") != std::string::npos);
  std::string cgroup = pids_cgroup_of(session.child().pid());
  REQUIRE_FALSE(cgroup.empty());
  CHECK(fs::path(cgroup).parent_path() == sandbox.pids().parent);
  std::vector<pid_t> members;
  std::ifstream procs(cgroup + "/cgroup.procs");
  for (long pid; procs >> pid;) members.push_back(static_cast<pid_t>(pid));
  CHECK(members.size() >= 5);  // bwrap, its init, sh and two sleeps
  // The host sees the same processes below the worker as in its cgroup.
  CHECK(descendants(session.child().pid()).size() == members.size());
  session.child().kill_group();
  for (pid_t pid : members) CHECK(gone(pid));
  CHECK_FALSE(fs::exists(cgroup));
  CHECK(my_cgroups(sandbox).empty());
}

TEST_CASE("the cgroup of a worker that exits by itself is removed", "[sandbox]") {
  SKIP_WITHOUT_USER_NAMESPACES();
  Sandbox sandbox;
  auto child = ChildProcess::spawn(sandbox.apply(shell("echo ready; read x; exit 0", "/")));
  std::string cgroup = pids_cgroup_of(child->pid());
  REQUIRE_FALSE(cgroup.empty());
  CHECK(fs::exists(cgroup + "/pids.max"));
  std::ifstream max(cgroup + "/pids.max");
  std::string limit;
  max >> limit;
  CHECK(limit == "256");
  child->close_stdin();
  int status = child->reap(5000);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_FALSE(fs::exists(cgroup));
  child.reset();
  CHECK(my_cgroups(sandbox).empty());
}

TEST_CASE("the pids limit binds as root: a fork bomb stops at pids.max", "[sandbox]") {
  SKIP_WITHOUT_USER_NAMESPACES();
  SandboxOptions options;
  options.pids_max = 32;
  Sandbox sandbox(options);
  REQUIRE(sandbox.describe() == "bwrap+pids32+seccomp");
  // The bomb runs in a subshell that dies when fork fails; the outer shell then waits on a
  // builtin (it cannot fork either) until the test lets it go.
  Session session(sandbox.apply(shell(
      "(i=0; while [ $i -lt 200 ]; do sleep 30 & i=$((i+1)); done) 2>&1; echo bombed; read x",
      "/")));
  auto output = session.read_until("bombed");
  INFO(output);
  REQUIRE(output.find("bombed") != std::string::npos);
  CHECK(output.find("fork") != std::string::npos);  // "Cannot fork"
  std::string cgroup = pids_cgroup_of(session.child().pid());
  REQUIRE_FALSE(cgroup.empty());
  std::ifstream current_file(cgroup + "/pids.current");
  long current = 0;
  current_file >> current;
  CHECK(current <= 32);
  CHECK(current >= 20);
  // Every process the bomb started on the host is in the cgroup, so the host gained at most 32.
  auto below = descendants(session.child().pid());
  CHECK(below.size() <= 32);
  CHECK(below.size() >= 20);
  session.send("go\n");
  session.child().close_stdin();
  session.child().reap(5000);
  for (pid_t pid : below) CHECK(gone(pid));
  CHECK_FALSE(fs::exists(cgroup));
}

TEST_CASE("file size and /tmp size are limited", "[sandbox]") {
  SKIP_WITHOUT_USER_NAMESPACES();
  SandboxOptions options;
  options.file_size_bytes = 1 << 20;
  options.tmp_bytes = 4 << 20;
  Sandbox sandbox(options);
  auto r = run(sandbox,
               "(head -c 2000000 /dev/zero > /tmp/big) 2>/dev/null; wc -c < /tmp/big; "
               "for i in 1 2 3 4 5 6; do head -c 1000000 /dev/zero > /tmp/f$i 2>/dev/null || "
               "echo full; done",
               "/");
  INFO(r.output);
  CHECK(r.output.find("1048576") != std::string::npos);
  CHECK(r.output.find("full") != std::string::npos);
}

TEST_CASE("a missing bwrap fails the worker's start with a message naming bwrap",
          "[sandbox]") {
  SandboxOptions options;
  options.bwrap = "/nonexistent/bwrap";
  Sandbox sandbox(options);
  try {
    ChildProcess::spawn(sandbox.apply(shell("true", "/")));
    FAIL("the spawn should have failed");
  } catch (const SpawnError& e) {
    CHECK(std::string(e.what()).find("bwrap") != std::string::npos);
  }
  CHECK(sandbox.probe("/").find("bwrap") != std::string::npos);
  CHECK(my_cgroups(sandbox).empty());
}

TEST_CASE("a worker's resident size counts the processes inside its sandbox", "[sandbox]") {
  SKIP_WITHOUT_USER_NAMESPACES();
  Sandbox sandbox;
  // The shell runs in a session and process group of its own inside the sandbox; it holds
  // about 30 MB.
  ProcessSpec spec{{"/bin/bash", "-c",
                    "x=$(head -c 30000000 /dev/zero | tr '\\0' a); echo ready; read y; exit 0"},
                   "/"};
  Session session(sandbox.apply(spec));
  REQUIRE(session.read_until("ready", 10'000).find("ready") != std::string::npos);
  CHECK(session.child().group_rss_bytes() > 25'000'000u);
}

TEST_CASE("a cgroup that cannot be created fails the spawn naming it", "[sandbox]") {
  SKIP_WITHOUT_USER_NAMESPACES();
  ProcessSpec spec = shell("true", "/");
  spec.pids_cgroup_parent = "/nonexistent/cgroup";
  spec.pids_max = 8;
  try {
    ChildProcess::spawn(spec);
    FAIL("the spawn should have failed");
  } catch (const SpawnError& e) {
    CHECK(std::string(e.what()).find("/nonexistent/cgroup") != std::string::npos);
  }
}

TEST_CASE("cgroups left by a harness that no longer runs are swept at the next start",
          "[sandbox]") {
  SKIP_WITHOUT_USER_NAMESPACES();
  Sandbox first;
  pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  std::string stale = fmt::format("{}/{}-1", first.pids().parent, dead);
  REQUIRE(::mkdir(stale.c_str(), 0755) == 0);
  std::string mine = fmt::format("{}/{}-999999", first.pids().parent, ::getpid());
  REQUIRE(::mkdir(mine.c_str(), 0755) == 0);
  Sandbox second;
  CHECK_FALSE(fs::exists(stale));
  CHECK(fs::exists(mine));  // this process still runs: its cgroups are its own business
  ::rmdir(mine.c_str());
}

using test_support::HostSecret;

TEST_CASE("a sandboxed process sees nothing of the host beyond the allow-list", "[sandbox]") {
  SKIP_WITHOUT_USER_NAMESPACES();
  TempDir ws;
  HostSecret secret;
  // The store often sits in the workspace; the workspace's build output is on LEAN_PATH.
  std::ofstream(ws.path() / "harness.db") << "store-bytes-XYZ\n";
  fs::create_directories(ws.path() / ".lake/build/lib/lean");
  std::ofstream(ws.path() / ".lake/build/lib/lean/Mod.olean") << "olean-bytes\n";
  ProcessSpec spec = shell(fmt::format("for f in /etc/shadow /etc/passwd {} {} "
                                       "$LEAN_PATH/Mod.olean; do cat \"$f\" 2>&1; done; "
                                       "echo; echo \"top: $(ls / | tr '\\n' ' ')\"; echo \"ws: $(ls -A .)\"",
                                       secret.file.string(),
                                       (ws.path() / "harness.db").string()),
                           ws.path());
  spec.env = {{"LEAN_PATH", (ws.path() / ".lake/build/lib/lean").string()}};
  // The same probe without the sandbox reads everything: the test would see a broken probe.
  SandboxOptions off;
  off.mode = SandboxMode::none;
  auto open = capture_output(Sandbox(off).apply(spec), 10'000);
  CHECK(open.output.find("host-secret-ABC123") != std::string::npos);
  CHECK(open.output.find("store-bytes-XYZ") != std::string::npos);
  auto r = capture_output(Sandbox().apply(spec), 10'000);
  INFO(r.output);
  REQUIRE(r.status);
  CHECK(r.output.find("host-secret-ABC123") == std::string::npos);
  CHECK(r.output.find("store-bytes-XYZ") == std::string::npos);
  CHECK(r.output.find("root:") == std::string::npos);  // /etc/shadow's first field
  CHECK(r.output.find("/etc/shadow: No such file") != std::string::npos);
  CHECK(r.output.find("/etc/passwd: No such file") != std::string::npos);
  // What the worker needs is there: its LEAN_PATH folder.
  CHECK(r.output.find("olean-bytes") != std::string::npos);
  // The root holds the system's folders and the private ones, nothing else of the host.
  auto root_at = r.output.find("top: ");
  REQUIRE(root_at != std::string::npos);
  std::string root = r.output.substr(root_at + 5, r.output.find('\n', root_at) - root_at - 5);
  std::istringstream names(root);
  std::set<std::string> allowed = {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32",
                                   "proc", "sbin", "tmp", "usr"};
  for (std::string name; names >> name;) {
    INFO(name);
    CHECK(allowed.count(name) == 1);
  }
  // In the workspace, only the path to the bound build output.
  CHECK(r.output.find("ws: .lake\n") != std::string::npos);
}

TEST_CASE("a host Unix socket cannot be reached, even in a folder the sandbox binds",
          "[sandbox]") {
  SKIP_WITHOUT_USER_NAMESPACES();
  REQUIRE(fs::exists("/usr/bin/python3"));  // scripts/setup installs it
  TempDir dir("harness-socket");
  test_support::UnixListener listener((dir.path() / "service.sock").string());
  // The socket's folder is named on the command line, so it is bound read-only inside: only
  // the system-call filter stands between the process and the socket.
  ProcessSpec spec;
  spec.argv = {"/usr/bin/python3", "-c",
               "import socket, sys\n"
               "try:\n"
               "    s = socket.socket(socket.AF_UNIX)\n"
               "    s.connect(sys.argv[1] + '/service.sock'); print('connected')\n"
               "except OSError as e:\n"
               "    print('refused', e)\n",
               dir.path().string()};
  spec.working_dir = "/";
  SandboxOptions no_filter;
  no_filter.seccomp = false;
  auto open = capture_output(Sandbox(no_filter).apply(spec), 20'000);
  INFO(open.output);
  CHECK(open.output.find("connected") != std::string::npos);
  CHECK(listener.connected());
  auto closed = capture_output(Sandbox().apply(spec), 20'000);
  INFO(closed.output);
  CHECK(closed.output.find("refused") != std::string::npos);
  CHECK(closed.output.find("Permission denied") != std::string::npos);
  CHECK_FALSE(listener.connected());
}

TEST_CASE("the paths a worker sees: its program, what its command names, its Lean folders",
          "[sandbox]") {
  TempDir ws;
  fs::create_directories(ws.path() / "lib/a");
  fs::create_directories(ws.path() / "lib/b");
  fs::create_directories(ws.path() / "sysroot/lib/lean");
  std::ofstream(ws.path() / "rules.json") << "{}";
  std::ofstream(ws.path() / "repl") << "";
  Sandbox sandbox;
  ProcessSpec spec;
  spec.argv = {(ws.path() / "repl").string(), "--rules", "rules.json", "--out=/",
               "--missing", "nowhere.json", "/proc/self", "plain words"};
  spec.working_dir = ws.path().string();
  spec.env = {{"LEAN_PATH", (ws.path() / "lib/a").string() + "::" +
                                (ws.path() / "lib/a/sub").string() + ":" +
                                (ws.path() / "lib/b").string() + ":/nonexistent"},
              {"LEAN_SYSROOT", (ws.path() / "sysroot").string()},
              {"LD_LIBRARY_PATH", (ws.path() / "sysroot/lib/lean").string() + ":/usr/lib"}};
  auto seen = sandbox.visible_paths(spec, spec.argv[0]);
  std::set<std::string> got(seen.begin(), seen.end());
  std::set<std::string> want = {(ws.path() / "repl").string(), (ws.path() / "rules.json").string(),
                                (ws.path() / "lib/a").string(), (ws.path() / "lib/b").string(),
                                (ws.path() / "sysroot").string()};
  CHECK(got == want);
  CHECK(seen.size() == got.size());
}

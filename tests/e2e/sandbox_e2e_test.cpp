// Sandbox probes through the real `harness score`: the REPL double is told to act hostile
// (write outside the workspace, connect to the host, spawn processes, fork-bomb, allocate past
// the memory limit). Each is contained, the run finishes, and the host shows no trace.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lean-bridge/child_process.hpp"
#include "tests/support/host_secret.hpp"
#include "tests/support/listener.hpp"
#include "tests/support/sandbox_available.hpp"
#include "tests/support/temp_dir.hpp"
#include "store/store.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kCgroupParent = "/sys/fs/cgroup/pids/lean-harness";

struct Box {
  test_support::TempDir tmp{"harness-sandbox-e2e"};
  fs::path dir = tmp.path();
  fs::path repl_binary;  // a copy of the double under a name no other test uses
  Box() {
    repl_binary = dir / fmt::format("fake-repl-{}", ::getpid());
    fs::copy_file(FAKE_REPL_PATH, repl_binary);
    fs::permissions(repl_binary, fs::perms::owner_all, fs::perm_options::add);
    fs::create_directory(dir / "ws");
    std::ofstream(dir / "ws" / "lakefile.toml") << "name = \"sandboxed\"\n";
  }
  fs::path write(const std::string& name, const std::string& text) const {
    return tmp.write(name, text);
  }
  std::string workspace() const { return (dir / "ws").string(); }
};

struct Run {
  int exit_code = -1;
  std::string output;
  pid_t pid = 0;
};

// The harness binary run to completion in `box`, its pid kept (its cgroups carry it).
Run harness(const Box& box, std::vector<std::string> args, std::vector<std::string> wrapper = {},
            std::vector<std::pair<std::string, std::string>> env = {}) {
  args.insert(args.begin(), HARNESS_PATH);
  args.insert(args.begin(), wrapper.begin(), wrapper.end());
  lean_bridge::ProcessSpec spec;
  spec.argv = args;
  spec.working_dir = box.dir.string();
  spec.env = std::move(env);
  auto child = lean_bridge::ChildProcess::spawn(spec);
  child->close_stdin();
  Run run;
  run.pid = child->pid();
  pollfd fds[2] = {{child->stdout_fd(), POLLIN, 0}, {child->stderr_fd(), POLLIN, 0}};
  int open = 2;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (open > 0 && std::chrono::steady_clock::now() < deadline) {
    if (::poll(fds, 2, 50) <= 0) continue;
    for (pollfd& fd : fds) {
      if (fd.fd < 0 || fd.revents == 0) continue;
      char buffer[4096];
      ssize_t n = ::read(fd.fd, buffer, sizeof buffer);
      if (n > 0) run.output.append(buffer, static_cast<size_t>(n));
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        fd.fd = -1;
        --open;
      }
    }
  }
  int status = child->reap(1000);
  INFO(run.output);
  REQUIRE(WIFEXITED(status));
  run.exit_code = WEXITSTATUS(status);
  return run;
}

std::vector<json> read_jsonl(const fs::path& path) {
  std::ifstream in(path);
  std::vector<json> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(json::parse(line));
  return rows;
}

std::string line(const std::string& name, const std::string& proof) {
  return json{{"name", name},
              {"formal_statement", "theorem " + name + " : True := by\n"},
              {"proof", proof}}
             .dump() +
         "\n";
}

// The info messages of a row, joined.
std::string messages(const json& row) {
  std::string all;
  if (row.contains("messages") && row["messages"].is_array()) {
    for (const auto& m : row["messages"]) all += m.value("data", "") + "\n";
  }
  return all;
}

using test_support::Listener;

// Processes on the host whose command line mentions `needle`.
std::vector<pid_t> processes_running(const std::string& needle) {
  std::vector<pid_t> found;
  for (auto& entry : fs::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), {});
    if (cmdline.find(needle) != std::string::npos) found.push_back(std::stoi(name));
  }
  return found;
}

// Cgroups that the harness process `pid` created and left behind.
std::vector<std::string> cgroups_left(pid_t pid) {
  std::vector<std::string> found;
  std::error_code ec;
  for (auto& entry : fs::directory_iterator(kCgroupParent, ec)) {
    if (entry.path().filename().string().rfind(std::to_string(pid) + "-", 0) == 0) {
      found.push_back(entry.path());
    }
  }
  return found;
}

// Cgroups whose harness process (the number before the dash) no longer runs: leaked.
std::vector<std::string> orphaned_cgroups() {
  std::vector<std::string> found;
  std::error_code ec;
  for (auto& entry : fs::directory_iterator(kCgroupParent, ec)) {
    std::string name = entry.path().filename();
    auto dash = name.find('-');
    if (dash == std::string::npos || dash == 0) continue;
    if (name.find_first_not_of("0123456789-") != std::string::npos) continue;
    pid_t owner = static_cast<pid_t>(std::stol(name.substr(0, dash)));
    if (::kill(owner, 0) != 0 && errno == ESRCH) found.push_back(entry.path());
  }
  return found;
}

}  // namespace

TEST_CASE("hostile proofs are contained by the sandbox and leave no trace on the host",
          "[e2e]") {
  SKIP_WITHOUT_USER_NAMESPACES();
  Box box;
  Listener listener;
  std::string tag = std::to_string(::getpid());
  fs::path outside = box.dir / "escaped.txt";          // the host /tmp, hidden in the sandbox
  fs::path in_workspace = fs::path(box.workspace()) / "escaped.txt";  // read-only inside
  fs::path in_etc = "/etc/harness-escaped-" + tag;
  std::string text;
  text += line("fine", "  trivial\n");
  text += line("writer", fmt::format("  trivial\n--! write {}\n--! write {}\n--! write {}\n",
                                     outside.string(), in_workspace.string(), in_etc.string()));
  text += line("caller", fmt::format("  trivial\n--! connect {}\n", listener.port()));
  text += line("spawner", "  trivial\n--! spawn 5\n");
  text += line("bomber", "  trivial\n--! spawn 100000\n");
  text += line("hog", "  trivial\n--! grow 2048\n");
  text += line("after", "  trivial\n");
  auto input = box.write("in.jsonl", text);
  auto run = harness(box, {"score", input.string(), "--out", "out.jsonl", "--db", "h.db",
                           "--workers", "2", "--memory-mb", "512", "--workspace",
                           box.workspace(), "--repl", box.repl_binary.string(), "--no-progress"});
  INFO(run.output);
  CHECK(run.exit_code == 0);
  CHECK(run.output.find("WARNING") == std::string::npos);
  auto rows = read_jsonl(box.dir / "out.jsonl");
  REQUIRE(rows.size() == 7);
  for (const auto& row : rows) INFO(row.dump());
  CHECK(rows[0]["verdict"] == "pass");
  // The writes fail or land in the worker's private /tmp; none reaches the host.
  std::string writes = messages(rows[1]);
  INFO(writes);
  CHECK(writes.find("write " + in_workspace.string() + ": failed") != std::string::npos);
  CHECK(writes.find("write " + in_etc.string() + ": failed") != std::string::npos);
  CHECK_FALSE(fs::exists(outside));
  CHECK_FALSE(fs::exists(in_workspace));
  CHECK_FALSE(fs::exists(in_etc));
  // No network: the listener on the host's loopback never sees a connection.
  CHECK(messages(rows[2]).find(fmt::format("connect {}: failed", listener.port())) !=
        std::string::npos);
  CHECK_FALSE(listener.connected());
  // A few processes may start (inside the worker's PID namespace and cgroup); a fork bomb
  // stops at the cgroup's pids.max.
  CHECK(messages(rows[3]).find("spawn 5: ok") != std::string::npos);
  CHECK(messages(rows[4]).find("spawn 100000: failed") != std::string::npos);
  // Past the address-space limit the worker dies; the proof gets no pass, the run goes on.
  CHECK(rows[5]["verdict"] != "pass");
  CHECK(rows[5]["reward"] != 1.0);
  CHECK(rows[6]["verdict"] == "pass");
  // Nothing of the run is left: no process of the double, no cgroup.
  CHECK(processes_running(box.repl_binary.string()).empty());
  CHECK(cgroups_left(run.pid).empty());
  CHECK(orphaned_cgroups().empty());
  // The sandbox the run used is recorded with it.
  auto db = store::Store::open((box.dir / "h.db").string());
  auto settings = json::parse(db.run(1)->settings_json);
  CHECK(settings["sandbox"] == "bwrap+pids256+seccomp");
}

TEST_CASE("a run with the sandbox off is unsandboxed and says so loudly", "[e2e]") {
  Box box;
  auto input = box.write("in.jsonl", line("fine", "  trivial\n"));
  auto run = harness(box, {"score", input.string(), "--db", "h.db", "--workspace",
                           box.workspace(), "--repl", box.repl_binary.string(), "--sandbox",
                           "none"});
  CHECK(run.exit_code == 0);
  CHECK(run.output.find("WARNING: --sandbox none") != std::string::npos);
  CHECK(run.output.find("WITHOUT a sandbox") != std::string::npos);
  auto db = store::Store::open((box.dir / "h.db").string());
  CHECK(json::parse(db.run(1)->settings_json)["sandbox"] == "none");
  CHECK(read_jsonl(box.dir / "in.scored.jsonl").size() == 1);
}

// Lines enough for the pool to give up on starting Lean (three failed starts).
std::string three_lines() {
  return line("one", "  trivial\n") + line("two", "  trivial\n") + line("three", "  trivial\n");
}

TEST_CASE("without a working bwrap the run stops with exit 3 naming bwrap", "[e2e]") {
  SKIP_WITHOUT_USER_NAMESPACES();
  Box box;
  auto input = box.write("in.jsonl", three_lines());
  // The harness runs in a mount namespace where /usr/bin/bwrap cannot be executed.
  auto run = harness(box,
                     {"score", input.string(), "--db", "h.db", "--workspace", box.workspace(),
                      "--repl", box.repl_binary.string()},
                     {"/usr/bin/bwrap", "--dev-bind", "/", "/", "--ro-bind", "/dev/null",
                      "/usr/bin/bwrap", "--"});
  CHECK(run.exit_code == 3);
  CHECK(run.output.find("Lean cannot be started") != std::string::npos);
  CHECK(run.output.find("/usr/bin/bwrap") != std::string::npos);
  CHECK(orphaned_cgroups().empty());
}

TEST_CASE("a REPL command that does not exist in the sandbox stops the run with exit 3",
          "[e2e]") {
  Box box;
  auto input = box.write("in.jsonl", three_lines());
  auto run = harness(box, {"score", input.string(), "--db", "h.db", "--workspace",
                           box.workspace(), "--repl", "/nonexistent/lake env repl"});
  CHECK(run.exit_code == 3);
  CHECK(run.output.find("Lean cannot be started") != std::string::npos);
  CHECK(run.output.find("cannot resolve the workspace's Lean environment") != std::string::npos);
  CHECK(run.output.find("/nonexistent/lake") != std::string::npos);
}

// A Lean workspace as `lake build` leaves it, with the double as its REPL binary, a toolchain
// whose `lean` and `leanchecker` are scripts, and a `lake` on PATH that logs each call and runs
// its command with the workspace's LEAN_PATH, LEAN_SYSROOT and LD_LIBRARY_PATH.
struct LakeWorkspace {
  const Box& box;
  fs::path ws = box.dir / "ws";
  fs::path lib = ws / ".lake/build/lib/lean";
  fs::path toolchain = box.dir / "toolchain";
  fs::path bin = box.dir / "bin";
  fs::path log = box.dir / "lake.log";
  fs::path repl = ws / ".lake/packages/REPL/.lake/build/bin/repl";

  static void script(const fs::path& path, const std::string& text) {
    std::ofstream(path) << "#!/bin/sh\n" << text;
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add);
  }
  explicit LakeWorkspace(const Box& b, const std::string& lake_failure = "") : box(b) {
    fs::create_directories(lib);
    fs::create_directories(repl.parent_path());
    fs::create_directories(toolchain / "bin");
    fs::create_directories(toolchain / "lib/lean");
    fs::create_directories(bin);
    fs::copy_file(FAKE_REPL_PATH, repl);
    fs::permissions(repl, fs::perms::owner_all, fs::perm_options::add);
    std::ofstream(ws / "lean-toolchain") << "leanprover/lean4:v4.32.0\n";
    std::ofstream(lib / "Visible.olean") << "olean-visible\n";
    // The kernel replay's programs. `leanchecker` refuses a module that asks it to, and fails
    // when it can see the host (so a pass says the replay ran, sandboxed, on the module).
    script(toolchain / "bin/lean", "exit 0\n");
    script(toolchain / "bin/leanchecker",
           "root=${LEAN_PATH%%:*}\n"
           "[ -f \"$root/HarnessReplay/Check.lean\" ] || { echo 'no module'; exit 4; }\n"
           "if [ -e /etc/passwd ] || [ -e /var ]; then echo 'host visible'; exit 5; fi\n"
           "if grep -q KERNEL_REJECTS \"$root/HarnessReplay/Check.lean\"; then echo rejected; exit 1; fi\n"
           "exit 0\n");
    std::string run = lake_failure.empty()
                          ? fmt::format("[ \"$1\" = env ] || exit 2\nshift\n"
                                        "LEAN_PATH={0}/lib/lean:{1} LEAN_SYSROOT={0} "
                                        "LD_LIBRARY_PATH={0}/lib/lean exec \"$@\"\n",
                                        toolchain.string(), lib.string())
                          : fmt::format("echo '{}' >&2\nexit 1\n", lake_failure);
    script(bin / "lake", fmt::format("echo \"$*\" >> {}\n{}", log.string(), run));
  }
  std::vector<std::pair<std::string, std::string>> env() const {
    const char* path = std::getenv("PATH");
    return {{"PATH", bin.string() + ":" + (path != nullptr ? path : "/usr/bin:/bin")}};
  }
  std::vector<std::string> calls() const {
    std::ifstream in(log);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
};

using test_support::HostSecret;

TEST_CASE("a proof's payload finds nothing of the host: no secrets, no store, no socket",
          "[e2e]") {
  SKIP_WITHOUT_USER_NAMESPACES();
  Box box;
  LakeWorkspace lake(box);
  HostSecret secret;
  test_support::UnixListener service((lake.lib / "service.sock").string());
  fs::path store = lake.ws / "harness.db";  // the store in the workspace folder
  std::string text;
  text += line("reader", fmt::format("  trivial\n--! read /etc/shadow\n--! read {}\n"
                                     "--! read {}\n--! read {}\n--! list /\n--! list {}\n",
                                     secret.file.string(), store.string(),
                                     (lake.lib / "Visible.olean").string(), lake.ws.string()));
  text += line("caller", fmt::format("  trivial\n--! connect-unix {}\n", service.path()));
  text += line("fine", "  trivial\n");
  text += line("kernel", "  trivial\n-- KERNEL_REJECTS\n");
  auto input = box.write("in.jsonl", text);
  // No --repl: the workspace's own `lake env .../repl`, with the kernel replay.
  auto run = harness(box,
                     {"score", input.string(), "--out", "out.jsonl", "--db", store.string(),
                      "--workers", "2", "--workspace", lake.ws.string(), "--kernel-replay",
                      "--no-progress"},
                     {}, lake.env());
  INFO(run.output);
  CHECK(run.exit_code == 0);
  auto rows = read_jsonl(box.dir / "out.jsonl");
  REQUIRE(rows.size() == 4);
  std::string found = messages(rows[0]);
  INFO(found);
  CHECK(found.find("read /etc/shadow: failed: No such file or directory") != std::string::npos);
  CHECK(found.find(fmt::format("read {}: failed: No such file", secret.file.string())) !=
        std::string::npos);
  CHECK(found.find(fmt::format("read {}: failed: No such file", store.string())) !=
        std::string::npos);
  CHECK(found.find("host-secret") == std::string::npos);
  // What Lean needs is there: the workspace's build output on LEAN_PATH.
  CHECK(found.find("olean-visible") != std::string::npos);
  CHECK(found.find(fmt::format("list {}: .lake\n", lake.ws.string())) != std::string::npos);
  auto top = found.find("list /: ");
  REQUIRE(top != std::string::npos);
  std::istringstream names(found.substr(top + 8, found.find('\n', top) - top - 8));
  std::set<std::string> allowed = {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32",
                                   "proc", "sbin", "tmp", "usr"};
  for (std::string name; names >> name;) {
    INFO(name);
    CHECK(allowed.count(name) == 1);
  }
  // The socket's folder is bound (LEAN_PATH), and still the filter refuses the socket.
  CHECK(messages(rows[1]).find("connect-unix " + service.path() + ": failed: Permission denied") !=
        std::string::npos);
  CHECK_FALSE(service.connected());
  // The kernel replay ran in the same sandbox, on the module, without lake.
  CHECK(rows[0]["verdict"] == "pass");
  CHECK(rows[2]["verdict"] == "pass");
  CHECK(rows[3]["verdict"] == "rejected");
  CHECK(rows[3]["decided_by"] == "kernel");
  // lake ran once, outside the sandbox, to resolve the environment: never per worker.
  auto calls = lake.calls();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].rfind("env ", 0) == 0);
  CHECK(calls[0].find(" -0") != std::string::npos);
}

TEST_CASE("a workspace whose lake cannot resolve its environment stops the run with exit 3",
          "[e2e]") {
  Box box;
  LakeWorkspace lake(box, "error: no default toolchain configured");
  auto input = box.write("in.jsonl", three_lines());
  auto run = harness(box, {"score", input.string(), "--db", "h.db", "--workspace",
                           lake.ws.string(), "--no-progress"},
                     {}, lake.env());
  INFO(run.output);
  CHECK(run.exit_code == 3);
  CHECK(run.output.find("Lean cannot be started") != std::string::npos);
  CHECK(run.output.find("error: no default toolchain configured") != std::string::npos);
  CHECK(lake.calls().size() == 1);
}

TEST_CASE("doctor shows the environment lake resolved and the command a worker runs", "[e2e]") {
  SKIP_WITHOUT_USER_NAMESPACES();
  Box box;
  LakeWorkspace lake(box);
  auto run = harness(box, {"doctor", "--workspace", lake.ws.string()}, {}, lake.env());
  INFO(run.output);
  CHECK(run.output.find("Lean env       ok") != std::string::npos);
  CHECK(run.output.find("LEAN_SYSROOT=" + lake.toolchain.string()) != std::string::npos);
  CHECK(run.output.find("LEAN_PATH=" + (lake.toolchain / "lib/lean").string() + ":" +
                        lake.lib.string()) != std::string::npos);
  CHECK(run.output.find("a worker runs: " + lake.repl.string()) != std::string::npos);
  CHECK(run.output.find("sockets refused") != std::string::npos);
  // Besides its own `lake --version` and `lake env lean --version`, one resolution.
  auto calls = lake.calls();
  CHECK(std::count_if(calls.begin(), calls.end(), [](const std::string& c) {
          return c.find(" -0") != std::string::npos;
        }) == 1);

  Box other;
  LakeWorkspace broken(other, "error: no default toolchain configured");
  auto failed = harness(other, {"doctor", "--workspace", broken.ws.string()}, {}, broken.env());
  INFO(failed.output);
  CHECK(failed.exit_code == 1);
  CHECK(failed.output.find("Lean env       MISSING") != std::string::npos);
  CHECK(failed.output.find("error: no default toolchain configured") != std::string::npos);
}

TEST_CASE("where user namespaces are refused, score stops at once naming it and doctor says how",
          "[e2e]") {
  SKIP_WITHOUT_USER_NAMESPACES();  // the test makes such a machine inside a namespace of its own
  Box box;
  std::vector<std::string> no_userns = {"/usr/bin/bwrap", "--unshare-user", "--disable-userns",
                                        "--dev-bind", "/", "/", "--"};
  auto input = box.write("in.jsonl", line("one", "  trivial\n"));
  auto run = harness(box, {"score", input.string(), "--db", "h.db", "--workspace",
                           box.workspace(), "--repl", box.repl_binary.string(), "--no-progress"},
                     no_userns);
  INFO(run.output);
  CHECK(run.exit_code == 3);  // one line is enough: no start could ever work
  CHECK(run.output.find("refuses the user namespaces bubblewrap needs") != std::string::npos);
  CHECK(run.output.find("REPL processes started 0") != std::string::npos);
  auto doctor = harness(box, {"doctor", "--workspace", box.workspace(), "--repl",
                              box.repl_binary.string()},
                        no_userns);
  INFO(doctor.output);
  CHECK(doctor.exit_code == 1);
  CHECK(doctor.output.find("refuses the user namespaces") != std::string::npos);
  CHECK(doctor.output.find("fix: allow unprivileged user namespaces") != std::string::npos);
  // The same run without the sandbox works there.
  auto unsandboxed = harness(box, {"score", input.string(), "--db", "h2.db", "--workspace",
                                   box.workspace(), "--repl", box.repl_binary.string(),
                                   "--sandbox", "none", "--no-progress"},
                             no_userns);
  CHECK(unsandboxed.exit_code == 0);
}

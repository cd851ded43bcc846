#include "harness/doctor.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "harness/exit_codes.hpp"
#include "harness/workspace.hpp"
#include "lean-bridge/command_line.hpp"
#include "lean-bridge/lake_env.hpp"
#include "lean-bridge/launcher.hpp"
#include "lean-bridge/sandbox.hpp"
#include "lean-bridge/worker_pool.hpp"

namespace harness {
namespace {

using lean_bridge::Verdict;

struct Finding {
  bool ok;
  std::string what;
  std::string fix;
};

void report(const std::string& label, const Finding& f, int& problems) {
  fmt::print("{:<14} {} {}\n", label, f.ok ? "ok     " : "MISSING", f.what);
  if (!f.ok) {
    ++problems;
    if (!f.fix.empty()) fmt::print("{:<14}         fix: {}\n", "", f.fix);
  }
}

using lean_bridge::telling_line;

Finding tool_version(const std::vector<std::string>& argv, const std::string& dir,
                     const std::string& fix) {
  lean_bridge::ProcessSpec spec{argv, dir, 0, false};
  auto run = lean_bridge::capture_output(spec, 20'000);
  std::string shown = fmt::format("`{}`", fmt::join(argv, " "));
  if (!run.status) return {false, fmt::format("{}: {}", shown, run.problem), fix};
  if (*run.status != 0) {
    return {false, fmt::format("{}: {}: {}", shown, lean_bridge::describe_wait_status(*run.status),
                               telling_line(run.output)), fix};
  }
  return {true, fmt::format("{}", telling_line(run.output)), ""};
}

struct SelftestCase {
  const char* label;
  const char* body;
  const char* target;
  Verdict expected;
};

// Core Lean only, so the selftest needs no Mathlib.
constexpr SelftestCase kSelftest[] = {
    {"a true theorem", "theorem selftest_ok : 2 + 2 = 4 := by decide", "selftest_ok", Verdict::pass},
    {"classical logic", "theorem selftest_em (p : Prop) : p ∨ ¬p := Classical.em p", "selftest_em",
     Verdict::pass},
    {"a wrong proof", "theorem selftest_bad : 2 + 2 = 5 := by decide", "selftest_bad", Verdict::fail},
    {"sorry", "theorem selftest_sorry : 1 = 1 := by sorry", "selftest_sorry", Verdict::incomplete},
    {"a declared axiom",
     "axiom selftest_ax : False\ntheorem selftest_uses_ax : 1 = 2 := selftest_ax.elim",
     "selftest_uses_ax", Verdict::rejected},
    {"native_decide", "theorem selftest_native : 10 < 20 := by native_decide", "selftest_native",
     Verdict::rejected},
};

int selftest(const lean_bridge::PoolOptions& options) {
  lean_bridge::WorkerPool pool(options);
  uint64_t id = 0;
  for (const auto& c : kSelftest) {
    lean_bridge::CheckRequest request;
    request.id = id++;
    request.body = c.body;
    request.target = c.target;
    pool.submit(std::move(request));
  }
  pool.close();
  std::vector<lean_bridge::CheckResult> results(std::size(kSelftest));
  while (auto r = pool.next_result()) results[r->id] = std::move(*r);
  int wrong = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    bool right = results[i].verdict == kSelftest[i].expected;
    wrong += !right;
    fmt::print("selftest       {} {:<18} expected {:<10} got {:<10} {}\n", right ? "ok   " : "WRONG",
               kSelftest[i].label, lean_bridge::to_string(kSelftest[i].expected),
               lean_bridge::to_string(results[i].verdict), results[i].reason);
  }
  if (auto fatal = pool.fatal_error()) fmt::print("selftest       {}\n", *fatal);
  fmt::print("selftest       {} of {} verdicts right\n", results.size() - wrong, results.size());
  return wrong == 0 ? 0 : 1;
}

// Runs a probe through the very command line and cgroup the workers get.
void report_sandbox(const lean_bridge::Sandbox& sandbox, const std::string& dir, int& problems) {
  if (sandbox.options().mode == lean_bridge::SandboxMode::none) {
    fmt::print("{:<14} {} {}\n", "sandbox", "       ",
               "none (--sandbox none): workers run UNSANDBOXED");
    return;
  }
  const std::string& bwrap = sandbox.options().bwrap;
  lean_bridge::ProcessSpec version_spec;
  version_spec.argv = {bwrap, "--version"};
  auto version = lean_bridge::capture_output(version_spec, 10'000);
  std::string name = version.status && *version.status == 0 ? telling_line(version.output) : bwrap;
  std::string problem = sandbox.probe(dir);
  const std::string& userns = lean_bridge::user_namespace_problem(bwrap);
  if (!problem.empty() && !userns.empty()) {
    report("sandbox",
           {false,
            fmt::format("this machine refuses the user namespaces bubblewrap needs ({}): "
                        "a container or chroot without them, or a kernel that disables them",
                        userns),
            "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 and "
            "user.max_user_namespaces > 0; in Docker, run with --security-opt "
            "seccomp=unconfined --security-opt apparmor=unconfined, or --privileged); "
            "`--sandbox none` runs unsandboxed, for trusted proofs only"},
           problems);
    return;
  }
  report("sandbox",
         {problem.empty(),
          problem.empty()
              ? fmt::format("{} ({}): a probe ran seeing none of the host's files, with a "
                            "private /tmp, no network, sockets refused, its own PID namespace",
                            name, sandbox.describe())
              : fmt::format("the probe failed: {}", problem),
          "apt-get install bubblewrap (it needs user namespaces: sysctl user.max_user_namespaces "
          "> 0); `--sandbox none` runs unsandboxed, for trusted proofs only"},
         problems);
  report("pids limit",
         {sandbox.pids_limit_binds(), sandbox.pids_summary(),
          "run as root with a writable pids cgroup (v1 /sys/fs/cgroup/pids, or v2 with the pids "
          "controller), or as a user other than root"},
         problems);
}

// The environment `lake env` gives the REPL, resolved outside the sandbox as the workers get
// it, and the command a worker then runs.
// False when there is none (no toolchain, say).
bool report_lean_environment(const lean_bridge::Launcher& launcher,
                             const std::vector<std::string>& argv, const std::string& dir,
                             int& problems) {
  auto env = launcher.lake_environment(argv[0], dir);
  if (!env.ok()) {
    report("Lean env", {false, env.problem,
                        "scripts/setup (elan installs the pinned toolchain; needs network)"},
           problems);
    return false;
  }
  std::string lean_path = env.get("LEAN_PATH");
  size_t folders = lean_path.empty() ? 0 : 1 + std::count(lean_path.begin(), lean_path.end(), ':');
  report("Lean env", {true, fmt::format("resolved once by `{}`, outside the sandbox", env.command), ""},
         problems);
  for (const auto& [name, value] : env.vars) {
    fmt::print("{:<14}         {}={}\n", "", name, value);
  }
  fmt::print("{:<14}         ({} folder(s) on LEAN_PATH; each is bound read-only into the sandbox)\n",
             "", folders);
  try {
    lean_bridge::ProcessSpec spec{argv, dir, 0, false};
    auto prepared = launcher.prepare(spec);
    size_t dashes = static_cast<size_t>(
        std::find(prepared.argv.begin(), prepared.argv.end(), "--") - prepared.argv.begin());
    std::vector<std::string> command(
        prepared.argv.begin() + static_cast<long>(std::min(dashes + 1, prepared.argv.size())),
        prepared.argv.end());
    if (dashes >= prepared.argv.size()) command = prepared.argv;
    fmt::print("{:<14}         a worker runs: {}\n", "", fmt::join(command, " "));
  } catch (const lean_bridge::SpawnError& e) {
    report("Lean env", {false, e.what(), ""}, problems);
  }
  return true;
}

struct Meminfo {
  uint64_t total_mb = 0;
  uint64_t available_mb = 0;
};

Meminfo read_meminfo() {
  Meminfo m;
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name;
    uint64_t kib = 0;
    if (!(fields >> name >> kib)) continue;
    if (name == "MemTotal:") m.total_mb = kib / 1024;
    if (name == "MemAvailable:") m.available_mb = kib / 1024;
  }
  return m;
}

std::string gib(uint64_t mb) { return fmt::format("{:.1f} GiB", static_cast<double>(mb) / 1024); }

// The memory the run's workers and spares may take, against /proc/meminfo: a warning, not a
// problem (the settings are the run's to lower).
void report_memory(const DoctorSettings& settings, int& warnings) {
  Meminfo mem = read_meminfo();
  MemoryPlan plan = plan_memory(settings, mem.total_mb, mem.available_mb);
  std::string processes =
      fmt::format("{} worker(s) + {}{} spare(s){} = {} REPL processes", plan.workers,
                  plan.spares_auto ? "up to " : "", plan.spares,
                  plan.spares_auto ? " (--spares auto)" : "", plan.workers + plan.spares);
  const char* fix =
      "lower --workers, --spares (0: none; auto stays within --spares-memory-mb), or "
      "--max-rss-mb (a process above it is recycled); with Mathlib a REPL is several GiB "
      "resident (README: \"Sizing workers and spares against memory\")";
  if (plan.process_mb == 0) {
    ++warnings;
    fmt::print("{:<14} WARNING {} with --max-rss-mb 0: nothing bounds a REPL's resident size "
               "(it only grows), so the memory they need cannot be told\n",
               "memory", processes);
    fmt::print("{:<14}         fix: give --max-rss-mb (and the same to the run)\n", "");
    return;
  }
  std::string need = fmt::format("{}, up to {} each (--max-rss-mb): {}", processes,
                                 gib(plan.process_mb), gib(plan.need_mb));
  if (mem.available_mb == 0) {
    fmt::print("{:<14}         {}; this machine's memory is unknown (no MemAvailable in "
               "/proc/meminfo)\n",
               "memory", need);
    return;
  }
  std::string machine = fmt::format("MemAvailable {}, MemTotal {}", gib(plan.available_mb),
                                    plan.total_mb > 0 ? gib(plan.total_mb) : "unknown");
  if (plan.fits()) {
    fmt::print("{:<14} ok      {}; {}\n", "memory", need, machine);
    return;
  }
  ++warnings;
  fmt::print("{:<14} WARNING {}, more than {} ({}); {} process(es) of {} fit\n", "memory", need,
             plan.need_mb > plan.total_mb && plan.total_mb > 0 ? "this machine has at all"
                                                                : "the memory available now",
             machine, plan.processes_that_fit(), gib(plan.process_mb));
  fmt::print("{:<14}         fix: {}\n", "", fix);
}

// An installed harness's data (PREFIX/share/harness), found relative to the executable.
void report_installed_data(int& problems) {
  std::string data = installed_data_dir();
  if (data.empty()) {
    fmt::print("{:<14}         none: this harness runs from a build folder\n", "installed data");
    return;
  }
  // installed_data_dir() already found workspace/lakefile.toml; the rest is checked here.
  std::vector<std::string> missing;
  for (const char* file : {"workspace/lean-toolchain", "workspace/tasks/core/core_tasks.jsonl",
                           "workspaces/mathlib/lakefile.toml"}) {
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::path(data) / file, ec)) missing.push_back(file);
  }
  report("installed data",
         {missing.empty(),
          missing.empty()
              ? fmt::format("{}: the workspace template (workspace/) with the core task set "
                            "(workspace/tasks/core/core_tasks.jsonl), the Mathlib workspace "
                            "template (workspaces/mathlib/)",
                            data)
              : fmt::format("{}: missing {}", data, fmt::join(missing, ", ")),
          "reinstall the harness (cmake --install, or the .deb)"},
         problems);
}

// How to get a built REPL: `lake build` in the workspace, or, for the installed template (read
// only), in the user's own copy of it, where find_workspace looks next time.
std::string build_repl_fix(const Workspace& ws, const std::string& dir) {
  std::string user = user_workspace_dir();
  if (!ws.installed_template || user.empty()) {
    return fmt::format("cd {} && lake build REPL/repl", dir);
  }
  std::string parent = std::filesystem::path(user).parent_path().string();
  return fmt::format("copy the installed template and build the REPL there (harness then finds "
                     "it from any folder): mkdir -p {} && cp -r {} {} && cd {} && lake build "
                     "REPL/repl",
                     parent, dir, user, user);
}

}  // namespace

MemoryPlan plan_memory(const DoctorSettings& settings, uint64_t total_mb, uint64_t available_mb) {
  MemoryPlan plan;
  plan.workers = settings.workers;
  plan.total_mb = total_mb;
  plan.available_mb = available_mb;
  plan.process_mb = static_cast<uint64_t>(std::max(0, settings.max_rss_mb));
  int count = parse_spares(settings.spares);
  plan.spares_auto = count < 0;
  plan.spares = count;
  if (plan.spares_auto) {
    // As the spares size themselves: within their memory bound, at least one, at most
    // max_auto_spares (lean-bridge/spares.hpp).
    int most = max_auto_spares(settings.workers);
    uint64_t budget_mb = settings.spares_memory_mb > 0
                             ? static_cast<uint64_t>(settings.spares_memory_mb)
                             : static_cast<uint64_t>(0.8 * static_cast<double>(available_mb));
    uint64_t room = plan.process_mb > 0 ? budget_mb / plan.process_mb : most;
    plan.spares = static_cast<int>(std::clamp<uint64_t>(room, 1, static_cast<uint64_t>(most)));
  }
  plan.need_mb = static_cast<uint64_t>(plan.workers + plan.spares) * plan.process_mb;
  return plan;
}

int run_doctor(const DoctorSettings& settings) {
  int problems = 0;
  int warnings = 0;
  parse_spares(settings.spares);  // a usage error before anything is probed
  Workspace ws = find_workspace(settings.workspace);
  report_installed_data(problems);
  report("workspace",
         {!ws.dir.empty(),
          ws.dir.empty() ? "no lakefile.toml found"
                         : fmt::format("{} ({}{})", ws.dir, ws.found_by,
                                       ws.installed_template ? ", read-only" : ""),
          "run from the project folder, or pass --workspace DIR"},
         problems);
  report("lean-toolchain", {!ws.toolchain.empty(), ws.toolchain.empty() ? "missing" : ws.toolchain,
                            "the project's lean-toolchain file pins it"}, problems);
  std::string dir = ws.dir.empty() ? "." : ws.dir;
  report("elan", tool_version({"elan", "--version"}, dir, "apt-get install elan"), problems);
  report("lake", tool_version({"lake", "--version"}, dir,
                              "scripts/setup (elan installs the pinned toolchain; needs network)"),
         problems);
  report("lean", tool_version({"lake", "env", "lean", "--version"}, dir, "scripts/setup"), problems);
  report("REPL binary",
         {!ws.repl_binary.empty(),
          ws.repl_binary.empty() ? "not built (looked in " + repl_binary_candidates(dir)[0] + ")"
                                 : ws.repl_binary,
          build_repl_fix(ws, dir)},
         problems);
  std::string repl = settings.repl ? *settings.repl : default_repl_command(ws);
  fmt::print("{:<14} {} {}\n", "REPL command", "       ", repl);
  lean_bridge::SandboxOptions sandbox_options;
  sandbox_options.mode =
      lean_bridge::parse_sandbox_mode(settings.sandbox).value_or(lean_bridge::SandboxMode::bwrap);
  auto sandbox = std::make_shared<const lean_bridge::Sandbox>(sandbox_options);
  auto launcher = std::make_shared<const lean_bridge::Launcher>(sandbox);
  auto argv = lean_bridge::split_command_line(repl);
  bool have_lean = true;
  if (argv.error.empty() && lean_bridge::is_lake_env_command(argv.argv)) {
    have_lean = report_lean_environment(*launcher, argv.argv, dir, problems);
  }
  report_sandbox(*sandbox, dir, problems);
  report_memory(settings, warnings);
  if (settings.selftest && !have_lean) {
    fmt::print("selftest       skipped: no Lean toolchain to run it with (see `Lean env` above)\n");
  } else if (settings.selftest) {
    if (!argv.error.empty()) {
      fmt::print("selftest       cannot split the REPL command: {}\n", argv.error);
      return kExitProblems;
    }
    lean_bridge::PoolOptions options;
    options.workers = 1;
    options.worker.process = {argv.argv, dir, 0, false};
    options.worker.launcher = launcher;
    options.worker.proof_timeout = std::chrono::milliseconds(static_cast<int64_t>(settings.timeout_s * 1000));
    problems += selftest(options);
  }
  std::string warned = warnings == 0 ? "" : fmt::format(" ({} warning(s) above)", warnings);
  fmt::print("{}{}\n",
             problems == 0 ? "ready: Lean proofs can be checked here"
                           : fmt::format("{} problem(s) found", problems),
             warned);
  return problems == 0 ? kExitOk : kExitProblems;
}

}  // namespace harness

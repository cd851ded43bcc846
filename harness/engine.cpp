#include "harness/engine.hpp"

#include <algorithm>
#include <charconv>

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "harness/exit_codes.hpp"
#include "lean-bridge/command_line.hpp"
#include "lean-bridge/kernel_replay.hpp"
#include "policy/policy.hpp"
#include "store/store_error.hpp"
#include "tasks/input_error.hpp"

namespace harness {
namespace {

lean_bridge::PoolOptions pool_options(const EngineSettings& s, std::vector<std::string> argv,
                                      const std::string& dir,
                                      std::shared_ptr<const lean_bridge::Launcher> launcher) {
  lean_bridge::PoolOptions p;
  p.workers = s.workers;
  p.max_tries = s.max_tries;
  p.worker.process.argv = std::move(argv);
  p.worker.process.working_dir = dir;
  p.worker.process.address_space_bytes = static_cast<uint64_t>(s.memory_mb) << 20;
  p.worker.proof_timeout = std::chrono::milliseconds(static_cast<int64_t>(s.timeout_s * 1000));
  p.worker.header_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(s.header_timeout_s * 1000));
  p.worker.recycle_after = s.recycle_after;
  p.worker.max_rss_bytes = static_cast<uint64_t>(s.max_rss_mb) << 20;
  p.worker.import_sets = s.import_sets;
  p.spares.count = parse_spares(s.spares);
  p.spares.memory_bytes = static_cast<uint64_t>(s.spares_memory_mb) << 20;
  p.spares.max_auto = max_auto_spares(s.workers);
  p.spares.initial = initial_auto_spares(s.workers);
  if (s.kernel_replay) {
    lean_bridge::KernelReplayOptions replay;
    replay.process = p.worker.process;
    replay.process.argv = lean_bridge::default_replay_argv();
    replay.launcher = launcher;
    replay.timeout = p.worker.header_timeout + p.worker.proof_timeout;
    p.worker.kernel_replay = std::move(replay);
  }
  p.worker.launcher = std::move(launcher);
  return p;
}

// Says loudly on stderr what a run without the sandbox, or without a binding process limit,
// exposes.
void warn_about_sandbox(const lean_bridge::Sandbox& sandbox) {
  if (sandbox.options().mode == lean_bridge::SandboxMode::none) {
    fmt::print(stderr,
               "harness: WARNING: --sandbox none: Lean workers run WITHOUT a sandbox.\n"
               "harness: WARNING: candidate proofs run code while Lean elaborates them (#eval, "
               "run_cmd, macros);\n"
               "harness: WARNING: unsandboxed, that code can read and write your files, use the "
               "network and start processes as {}.\n"
               "harness: WARNING: use it only for proofs you trust (docs/sandbox.md).\n",
               ::geteuid() == 0 ? "root" : "this user");
  } else if (!sandbox.pids_limit_binds()) {
    fmt::print(stderr, "harness: WARNING: sandbox without a process-count limit: {}\n",
               sandbox.pids_summary());
  }
}

}  // namespace

int parse_spares(const std::string& text) {
  if (text == "auto") return -1;
  int n = -1;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (error != std::errc() || end != text.data() + text.size() || n < 0 || n > 256) {
    throw UsageError(fmt::format("--spares: expected auto or a number from 0 to 256, got '{}'", text));
  }
  return n;
}

int max_auto_spares(int workers) { return std::max(2, 2 * workers); }
int initial_auto_spares(int workers) { return std::max(1, (workers + 1) / 2); }

int default_workers() {
  unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("{}: cannot read the file", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string host_name() {
  char name[256] = {};
  return ::gethostname(name, sizeof name - 1) == 0 ? std::string(name) : std::string();
}

int run_command(const char* name, const std::function<int()>& body) {
  try {
    return body();
  } catch (const UsageError& e) {
    fmt::print(stderr, "harness {}: {}\n", name, e.what());
    return kExitUsage;
  } catch (const tasks::InputError& e) {
    fmt::print(stderr, "harness {}: {}\n", name, e.what());
    return kExitUsage;
  } catch (const policy::PolicyError& e) {
    fmt::print(stderr, "harness {}: policy: {}\n", name, e.what());
    return kExitLeanOrStore;
  } catch (const store::StoreError& e) {
    fmt::print(stderr, "harness {}: store: {}\n", name, e.what());
    return kExitLeanOrStore;
  } catch (const std::exception& e) {
    fmt::print(stderr, "harness {}: {}\n", name, e.what());
    return kExitLeanOrStore;
  }
}

Engine make_engine(const EngineSettings& s) {
  Engine e;
  e.workspace = find_workspace(s.workspace);
  e.repl = s.repl ? *s.repl : default_repl_command(e.workspace);
  auto argv = lean_bridge::split_command_line(e.repl);
  if (!argv.error.empty()) throw UsageError(fmt::format("--repl: {}", argv.error));
  lean_bridge::SandboxOptions sandbox_options;
  auto mode = lean_bridge::parse_sandbox_mode(s.sandbox);
  if (!mode) throw UsageError(fmt::format("--sandbox {}: expected bwrap or none", s.sandbox));
  sandbox_options.mode = *mode;
  e.sandbox = std::make_shared<const lean_bridge::Sandbox>(sandbox_options);
  e.launcher = std::make_shared<const lean_bridge::Launcher>(e.sandbox);
  warn_about_sandbox(*e.sandbox);
  for (const auto& file : s.forbid_files) {
    try {
      e.guard.add_rules(read_whole_file(file), file);
    } catch (const lean_bridge::GuardError& err) {
      throw UsageError(err.what());
    }
  }
  e.pool = pool_options(s, argv.argv, e.workspace.dir, e.launcher);
  e.used_constants = s.used_constants;
  // How a verdict was reached, beyond the guard: a pass found without the kernel replay is not
  // reused by a run that asks for it.
  e.identity = {e.workspace.identity(), e.repl, e.guard.version(),
                e.sandbox->describe() + (s.kernel_replay ? "+kernel-replay" : ""), s.heartbeats};
  return e;
}

nlohmann::json engine_settings_json(const EngineSettings& s, const Engine& e) {
  return {{"workers", s.workers},
          {"timeout_s", s.timeout_s},
          {"heartbeats", s.heartbeats},
          {"sandbox", e.sandbox->describe()},
          {"sandbox_pids", e.sandbox->pids_summary()},
          {"kernel_replay", s.kernel_replay},
          {"header_timeout_s", s.header_timeout_s},
          {"memory_mb", s.memory_mb},
          {"recycle_after", s.recycle_after},
          {"max_rss_mb", s.max_rss_mb},
          {"max_tries", s.max_tries},
          {"spares", s.spares},
          {"spares_memory_mb", s.spares_memory_mb},
          {"import_sets", s.import_sets},
          {"repl", e.repl},
          {"workspace", e.workspace.dir},
          {"use_cache", s.use_cache},
          {"forbid", s.forbid_files},
          {"guard", e.guard.version()},
          {"used_constants", s.used_constants}};
}

}  // namespace harness

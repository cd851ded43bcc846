// `harness score`: settings → workspace, store, reader, pool → ScoreRun → exit code.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "harness/interrupt.hpp"
#include "harness/score_run.hpp"
#include "harness/score_settings.hpp"
#include "harness/workspace.hpp"
#include "lean-bridge/command_line.hpp"
#include "lean-bridge/guard.hpp"
#include "lean-bridge/sandbox.hpp"
#include "tasks/input_error.hpp"
#include "tasks/task_index.hpp"

namespace harness {
namespace {

using nlohmann::json;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string read_file(const std::string& path) {
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

json settings_json(const ScoreSettings& s, const std::string& repl, const std::string& ws,
                   const lean_bridge::Sandbox& sandbox) {
  return {{"workers", s.workers},         {"timeout_s", s.timeout_s},
          {"sandbox", sandbox.describe()}, {"sandbox_pids", sandbox.pids_summary()},
          {"kernel_replay", s.kernel_replay},
          {"header_timeout_s", s.header_timeout_s}, {"memory_mb", s.memory_mb},
          {"recycle_after", s.recycle_after}, {"max_rss_mb", s.max_rss_mb},
          {"max_tries", s.max_tries},     {"repl", repl},
          {"workspace", ws},              {"tasks", s.tasks ? json(*s.tasks) : json(nullptr)},
          {"strict", s.strict},           {"use_cache", s.use_cache},
          {"canaries", s.canaries},       {"forbid", s.forbid_files}};
}

// How a verdict was reached, beyond the guard: part of every cache key, so a pass found without
// the kernel replay is not reused by a run that asks for it.
std::string checked_how(const ScoreSettings& s, const lean_bridge::Sandbox& sandbox) {
  return sandbox.describe() + (s.kernel_replay ? "+kernel-replay" : "");
}

lean_bridge::PoolOptions pool_options(const ScoreSettings& s, std::vector<std::string> argv,
                                      const std::string& dir, const lean_bridge::Sandbox& sandbox) {
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
  if (s.kernel_replay) {
    lean_bridge::KernelReplayOptions replay;
    replay.process = p.worker.process;
    replay.process.argv = lean_bridge::default_replay_argv();
    replay.process = sandbox.apply(replay.process);
    replay.timeout = p.worker.header_timeout + p.worker.proof_timeout;
    p.worker.kernel_replay = std::move(replay);
  }
  p.worker.process = sandbox.apply(p.worker.process);
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

std::optional<std::string> default_header(const ScoreSettings& s) {
  if (s.header && s.header_file) throw UsageError("--header and --header-file exclude each other");
  if (s.header) return *s.header;
  if (s.header_file) return read_file(*s.header_file);
  return std::nullopt;
}

int finish(store::Store& db, int64_t run_id, ScoreRun& run) {
  run.print_summary();
  if (auto canary = run.canary_failure()) {
    db.finish_run(run_id, store::RunStatus::failed, run.summary_json());
    fmt::print(stderr, "harness: {}\n", *canary);
    return kExitCanary;
  }
  if (auto fatal = run.fatal_error()) {
    db.finish_run(run_id, store::RunStatus::failed, run.summary_json());
    fmt::print(stderr, "harness: {}\nRun `harness doctor` to see what is missing.\n", *fatal);
    return kExitLeanOrStore;
  }
  if (run.interrupted()) {
    db.finish_run(run_id, store::RunStatus::interrupted, run.summary_json());
    fmt::print(stderr, "harness: interrupted; the rows written so far are kept\n");
    return kExitInterrupted;
  }
  if (run.stopped_on_invalid()) {
    db.finish_run(run_id, store::RunStatus::failed, run.summary_json());
    fmt::print(stderr, "harness: stopped at the first invalid line (--strict)\n");
    return kExitUsage;
  }
  db.finish_run(run_id, store::RunStatus::completed, run.summary_json());
  return kExitOk;
}

int score(ScoreSettings s) {
  if (!std::filesystem::exists(s.input)) throw UsageError(fmt::format("{}: no such file", s.input));
  if (s.out.empty()) s.out = std::filesystem::path(s.input).replace_extension(".scored.jsonl").string();
  tasks::ReaderOptions reader_options;
  reader_options.default_header = default_header(s);
  std::optional<tasks::TaskIndex> index;
  if (s.tasks) index = tasks::TaskIndex::load(*s.tasks);
  if (index) reader_options.tasks = &*index;
  Workspace ws = find_workspace(s.workspace);
  std::string repl = s.repl ? *s.repl : default_repl_command(ws);
  auto argv = lean_bridge::split_command_line(repl);
  if (!argv.error.empty()) throw UsageError(fmt::format("--repl: {}", argv.error));
  tasks::CandidateReader reader(s.input, reader_options);
  lean_bridge::SandboxOptions sandbox_options;
  auto mode = lean_bridge::parse_sandbox_mode(s.sandbox);
  if (!mode) throw UsageError(fmt::format("--sandbox {}: expected bwrap or none", s.sandbox));
  sandbox_options.mode = *mode;
  lean_bridge::Sandbox sandbox(sandbox_options);
  warn_about_sandbox(sandbox);
  lean_bridge::Guard guard = lean_bridge::Guard::with_default_rules();
  for (const auto& file : s.forbid_files) {
    try {
      guard.add_rules(read_file(file), file);
    } catch (const lean_bridge::GuardError& e) {
      throw UsageError(e.what());
    }
  }
  std::vector<Canary> canaries;
  if (s.canaries > 0) {
    try {
      canaries = pick_canaries(s.canary_file ? load_canaries(*s.canary_file) : builtin_canaries(),
                               s.canaries);
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
  }

  store::Store db = store::Store::open(s.db);
  json settings = settings_json(s, repl, ws.dir, sandbox);
  settings["guard"] = guard.version();
  store::RunInfo info{"score", json(s.argv).dump(), ws.identity(), repl, settings.dump(), s.input,
                      std::nullopt, host_name()};
  int64_t run_id = db.begin_run(info);
  ScoreRun run(s, db, run_id, pool_options(s, argv.argv, ws.dir, sandbox), ws.identity(), repl,
               std::move(canaries), guard, checked_how(s, sandbox));
  install_interrupt_handlers();
  try {
    run.run(reader);
  } catch (const std::exception&) {
    // Rows of committed batches stay; mark the run failed if the store still lets us.
    try {
      db.finish_run(run_id, store::RunStatus::failed, run.summary_json());
    } catch (const store::StoreError&) {
    }
    throw;
  }
  return finish(db, run_id, run);
}

}  // namespace

int default_workers() {
  unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

int run_score(const ScoreSettings& settings) {
  try {
    return score(settings);
  } catch (const UsageError& e) {
    fmt::print(stderr, "harness score: {}\n", e.what());
    return kExitUsage;
  } catch (const tasks::InputError& e) {
    fmt::print(stderr, "harness score: {}\n", e.what());
    return kExitUsage;
  } catch (const store::StoreError& e) {
    fmt::print(stderr, "harness score: store: {}\n", e.what());
    return kExitLeanOrStore;
  } catch (const std::exception& e) {
    fmt::print(stderr, "harness score: {}\n", e.what());
    return kExitLeanOrStore;
  }
}

}  // namespace harness

// pool_bench: throughput of lean_bridge::WorkerPool against the REPL double (tests/fake-repl).
//
// Prints one markdown table per section, ready to paste into docs/benchmarks.md:
//  1. instant worker: the double answers at once, so the table is the pool's own cost per check
//     (harness and REPL process together: JSON, pipes, wake-ups);
//  2. fixed latency: every check takes `latency_ms` in the double; measured rate against the
//     ideal W / t;
//  3. a fresh REPL per proof that imports the header first (DeepSeek-Prover-V1.5's verifier,
//     played by `recycle_after = 1`) against this harness's imports once per worker.
//
// A check is two env requests (the proof, then `#print axioms TARGET`). The simulated latency
// is a `--! sleep MS` directive in the proof body and the double runs with `--check-ms 0`, so
// only the proof costs time and the axioms request is instant.
//
// Usage: pool_bench [--quick] [--fake-repl PATH] [--section N]. --quick: small counts, a smoke
// run; --section N: only section N. Exit status 1 when a check does not pass (the figures would
// be meaningless), 64 on bad usage.
#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "lean-bridge/worker_pool.hpp"

namespace {

using lean_bridge::CheckRequest;
using lean_bridge::Clock;
using lean_bridge::PoolOptions;
using lean_bridge::WorkerPool;
using Seconds = std::chrono::duration<double>;

constexpr int kWorkerCounts[] = {1, 2, 4, 8};
constexpr const char* kUsage = "usage: pool_bench [--quick] [--fake-repl PATH] [--section 1|2|3]\n";
constexpr int kWarmSleepMs = 300;  // long enough that no worker can take two warm-up proofs

struct Config {
  std::string fake_repl = FAKE_REPL_PATH;
  size_t instant_checks = 20000;          // section 1, per row
  size_t latency_checks_per_worker = 60;  // section 2, per row: W × this
  int latency_ms = 50;                    // section 2, per check
  int fresh_workers = 4;                  // section 3
  size_t fresh_proofs = 40;
  int import_ms = 2000;
  int check_ms = 80;
  int repeats = 3;       // section 1: runs per row, the median is shown
  int only_section = 0;  // 0: all
};

Config quick_config(Config config) {
  config.instant_checks = 300;
  config.latency_checks_per_worker = 8;
  config.fresh_proofs = 8;
  config.repeats = 1;
  return config;
}

[[noreturn]] void usage_exit(int status) {
  std::fputs(kUsage, status == 0 ? stdout : stderr);
  std::exit(status);
}

// Reads the command line; exits 0 on --help and 64 on a bad option.
Config parse_args(int argc, char** argv) {
  Config config;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--quick") {
      quick = true;
    } else if (arg == "--fake-repl" && i + 1 < argc) {
      config.fake_repl = argv[++i];
    } else if (arg == "--section" && i + 1 < argc) {
      std::string_view n = argv[++i];
      if (n != "1" && n != "2" && n != "3") usage_exit(64);
      config.only_section = n[0] - '0';
    } else {
      usage_exit(arg == "--help" || arg == "-h" ? 0 : 64);
    }
  }
  return quick ? quick_config(config) : config;
}

// The double with `import_ms` per import and instant env requests; each proof's latency comes
// from its body. recycle_after = 1 gives a fresh process per proof, 0 never recycles.
PoolOptions pool_options(const Config& config, int workers, int import_ms, int recycle_after) {
  PoolOptions options;
  options.workers = workers;
  options.worker.process.argv = {config.fake_repl, "--import-ms", std::to_string(import_ms),
                                 "--check-ms", "0"};
  options.worker.proof_timeout = std::chrono::seconds(30);
  options.worker.header_timeout = std::chrono::seconds(60);
  options.worker.recycle_after = recycle_after;
  return options;
}

// A proof that declares its target and, when sleep_ms > 0, takes that long in the double.
CheckRequest proof(uint64_t id, int sleep_ms) {
  CheckRequest request;
  request.id = id;
  request.imports = "import Init";
  request.target = fmt::format("bench_{}", id);
  request.body = fmt::format("theorem {} : True := by\n  trivial\n", request.target);
  if (sleep_ms > 0) request.body += fmt::format("--! sleep {}\n", sleep_ms);
  return request;
}

// User + system CPU seconds of RUSAGE_SELF (all threads) or RUSAGE_CHILDREN (reaped children).
double cpu_seconds(int who) {
  rusage usage{};
  ::getrusage(who, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Run {
  size_t checks = 0;
  double wall_s = 0;
  double cpu_s = 0;  // this process during the run
};

[[noreturn]] void fail(const std::string& why) {
  fmt::print(stderr, "pool_bench: {}\n", why);
  std::exit(1);
}

// Checks `count` proofs with ids from `first_id`: a feeder thread submits them (blocking while
// the queue is full, as a real caller does) while this thread takes the results as they come.
// Timed from the first submit to the last result. Any verdict but pass ends the program.
Run run_checks(WorkerPool& pool, uint64_t first_id, size_t count, int sleep_ms) {
  Run run;
  double cpu_before = cpu_seconds(RUSAGE_SELF);
  auto start = Clock::now();
  std::jthread feeder([&] {
    for (size_t i = 0; i < count; ++i) pool.submit(proof(first_id + i, sleep_ms));
  });
  for (; run.checks < count; ++run.checks) {
    auto result = pool.next_result();
    if (!result) fail("the pool closed early");
    if (result->verdict != lean_bridge::Verdict::pass) {
      fail(fmt::format("check {} was {}: {}", result->id, lean_bridge::to_string(result->verdict),
                       result->reason));
    }
  }
  run.wall_s = Seconds(Clock::now() - start).count();
  run.cpu_s = cpu_seconds(RUSAGE_SELF) - cpu_before;
  return run;
}

// Starts every worker's REPL and elaborates its imports, so that a run that follows measures
// checks only: one slow proof per worker, submitted together, so each worker takes one.
void warm(WorkerPool& pool, int workers) {
  run_checks(pool, 1'000'000'000, static_cast<size_t>(workers), kWarmSleepMs);
  if (int starts = pool.stats().starts; starts != workers) {
    fmt::print(stderr, "pool_bench: warm-up started {} REPLs for {} workers\n", starts, workers);
  }
}

// A measured run on a fresh pool, warmed first or not; `repl_cpu_s` is the REPL processes'
// CPU time over the pool's whole life (warm-up included, which is nearly all sleep).
struct PoolRun {
  Run run;
  double repl_cpu_s = 0;
  lean_bridge::PoolStats stats;
};

PoolRun pool_run(const PoolOptions& options, bool warm_first, size_t count, int sleep_ms) {
  PoolRun out;
  double children_before = cpu_seconds(RUSAGE_CHILDREN);
  {
    WorkerPool pool(options);
    if (warm_first) warm(pool, options.workers);
    out.run = run_checks(pool, 0, count, sleep_ms);
    out.stats = pool.stats();
    pool.close();
  }  // the destructor reaps every REPL, so RUSAGE_CHILDREN now counts them
  out.repl_cpu_s = cpu_seconds(RUSAGE_CHILDREN) - children_before;
  return out;
}

double micros_per_check(double seconds, size_t checks) {
  return seconds * 1e6 / static_cast<double>(checks);
}

// Runs a row `repeats` times on fresh pools; returns the runs sorted by wall time.
std::vector<PoolRun> repeated_runs(const PoolOptions& options, int repeats, size_t count) {
  std::vector<PoolRun> runs;
  for (int i = 0; i < repeats; ++i) runs.push_back(pool_run(options, true, count, 0));
  std::sort(runs.begin(), runs.end(),
            [](const PoolRun& a, const PoolRun& b) { return a.run.wall_s < b.run.wall_s; });
  return runs;
}

void instant_section(const Config& config, unsigned cores) {
  fmt::print("## 1. Instant worker (check 0 ms)\n\n");
  fmt::print("{} cores (std::thread::hardware_concurrency): rows above {} workers oversubscribe.\n",
             cores, cores);
  fmt::print(
      "Warm workers (imports excluded), never recycled; {} checks per run, {} runs per row,\n"
      "the median run shown (range: slowest and fastest run). Overhead per check = wall /\n"
      "checks x workers, the time a worker spends on one check. CPU per check: the harness\n"
      "process (all threads) and the REPL processes.\n\n",
      config.instant_checks, config.repeats);
  fmt::print(
      "| workers | checks | wall (s) | checks/s | range (checks/s) | overhead per check (µs) "
      "| harness CPU per check (µs) | REPL CPU per check (µs) |\n");
  fmt::print("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (int workers : kWorkerCounts) {
    auto runs =
        repeated_runs(pool_options(config, workers, 0, 0), config.repeats, config.instant_checks);
    const PoolRun& median = runs[runs.size() / 2];
    const Run& run = median.run;
    auto rate = [](const Run& r) { return r.checks / r.wall_s; };
    fmt::print("| {} | {} | {:.2f} | {:.0f} | {:.0f}–{:.0f} | {:.0f} | {:.0f} | {:.0f} |\n",
               workers, run.checks, run.wall_s, rate(run), rate(runs.back().run),
               rate(runs.front().run), micros_per_check(run.wall_s * workers, run.checks),
               micros_per_check(run.cpu_s, run.checks),
               micros_per_check(median.repl_cpu_s, run.checks));
    std::fflush(stdout);
  }
  fmt::print("\n");
}

void latency_section(const Config& config) {
  double t = config.latency_ms / 1000.0;
  fmt::print("## 2. Fixed-latency worker ({} ms per check)\n\n", config.latency_ms);
  fmt::print(
      "Warm workers, never recycled; {} checks per worker per row. Ideal = workers / {} s.\n"
      "Time per check = wall / checks x workers (ideal: {} ms).\n\n",
      config.latency_checks_per_worker, t, config.latency_ms);
  fmt::print(
      "| workers | checks | wall (s) | time per check (ms) | measured checks/s "
      "| ideal checks/s | efficiency |\n");
  fmt::print("|---:|---:|---:|---:|---:|---:|---:|\n");
  for (int workers : kWorkerCounts) {
    size_t count = config.latency_checks_per_worker * static_cast<size_t>(workers);
    Run run = pool_run(pool_options(config, workers, 0, 0), true, count, config.latency_ms).run;
    double measured = run.checks / run.wall_s;
    double ideal = workers / t;
    fmt::print("| {} | {} | {:.2f} | {:.2f} | {:.1f} | {:.1f} | {:.1f} % |\n", workers, run.checks,
               run.wall_s, run.wall_s * workers * 1000 / run.checks, measured, ideal,
               100 * measured / ideal);
    std::fflush(stdout);
  }
  fmt::print("\n");
}

// Wall time if the pool cost nothing: `rounds` proofs per worker, each paying `per_proof_ms`,
// after `setup_ms` once per worker.
double ideal_seconds(size_t proofs, int workers, int setup_ms, int per_proof_ms) {
  size_t rounds = (proofs + static_cast<size_t>(workers) - 1) / static_cast<size_t>(workers);
  return (setup_ms + static_cast<double>(rounds) * per_proof_ms) / 1000.0;
}

void fresh_section(const Config& config) {
  const int w = config.fresh_workers;
  const size_t n = config.fresh_proofs;
  fmt::print(
      "## 3. Fresh REPL per proof (DeepSeek-Prover-V1.5 style) against imports once per "
      "worker\n\n");
  fmt::print(
      "{} workers, {} proofs, {} ms import, {} ms check; cold start (imports included).\n"
      "Ideal wall: the import and check sleeps alone, with no process or pool cost.\n\n",
      w, n, config.import_ms, config.check_ms);
  fmt::print("| verifier | REPL starts | wall (s) | ideal wall (s) | proofs/s | speed-up |\n");
  fmt::print("|---|---:|---:|---:|---:|---:|\n");
  PoolRun fresh = pool_run(pool_options(config, w, config.import_ms, 1), false, n, config.check_ms);
  PoolRun reuse = pool_run(pool_options(config, w, config.import_ms, 0), false, n, config.check_ms);
  struct Line {
    const char* name;
    const PoolRun& r;
    double ideal;
  };
  const Line lines[] = {
      {"fresh REPL per proof (recycle_after = 1)", fresh,
       ideal_seconds(n, w, 0, config.import_ms + config.check_ms)},
      {"this harness: one REPL per worker, imports once", reuse,
       ideal_seconds(n, w, config.import_ms, config.check_ms)},
  };
  for (const Line& line : lines) {
    fmt::print("| {} | {} | {:.2f} | {:.2f} | {:.2f} | {:.2f}x |\n", line.name, line.r.stats.starts,
               line.r.run.wall_s, line.ideal, n / line.r.run.wall_s,
               fresh.run.wall_s / line.r.run.wall_s);
  }
  fmt::print("\n");
}

}  // namespace

int main(int argc, char** argv) {
  Config config = parse_args(argc, argv);
  unsigned cores = std::thread::hardware_concurrency();
  fmt::print("# pool_bench: lean_bridge::WorkerPool with the REPL double\n\n");
  fmt::print("REPL double: {}\n\n", config.fake_repl);
  auto wanted = [&](int section) {
    return config.only_section == 0 || config.only_section == section;
  };
  if (wanted(1)) instant_section(config, cores);
  if (wanted(2)) latency_section(config);
  if (wanted(3)) fresh_section(config);
  return 0;
}

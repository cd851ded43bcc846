// search_bench: candidates per second of `harness search` with an instant verifier.
//
// Runs the built harness binary on the synthetic task families (tests/search/synthetic) with the
// REPL double in rules mode, which answers at once: the figures are the search loop's own cost
// (policy, guard, assembly, cache keys, pool, REPL round trips, SQLite) per candidate. Each row
// is one `harness search --epochs 0` (sampling + verification only) in a fresh store, so the
// verification cache never answers.
//
// A sample is one whole proof (whole mode) or one best-first search ending in at most one
// whole-theorem check (step mode).
//
// Usage: search_bench [--quick]. Prints a markdown table for docs/benchmarks.md.
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench/timed_run.hpp"

namespace {

namespace fs = std::filesystem;

struct Config {
  std::string mode;
  int samples;
  int workers;
};

using Result = bench::TimedRun;

Result run(const Config& c, const fs::path& dir) {
  fs::remove(dir / "bench.db");
  std::string synthetic = std::string(HARNESS_SOURCE_DIR) + "/tests/search/synthetic";
  std::vector<std::string> argv = {
      HARNESS_PATH, "search", "--tasks", synthetic + "/tasks.jsonl", "--policy", "builtin",
      "--mode", c.mode, "--samples", std::to_string(c.samples), "--workers",
      std::to_string(c.workers), "--db", (dir / "bench.db").string(), "--repl",
      fmt::format("{} --tactic-rules {}/rules.json", FAKE_REPL_PATH, synthetic), "--sandbox",
      "none", "--no-progress", "--expansions", "8", "--width", "4"};
  return bench::run_timed(argv, dir.string(), 600'000);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  fs::path dir = fs::temp_directory_path() / fmt::format("search-bench-{}", ::getpid());
  fs::create_directories(dir);
  const int tasks = 150;  // tests/search/synthetic/tasks.jsonl
  std::vector<Config> configs = {{"whole", 8, 1}, {"whole", 8, 2}, {"whole", 32, 2},
                                 {"step", 4, 1},  {"step", 4, 2}};
  if (quick) configs = {{"whole", 2, 2}, {"step", 1, 2}};
  fmt::print("| mode | K | workers | samples | wall s | samples/s |\n");
  fmt::print("|---|---|---|---|---|---|\n");
  int status = 0;
  for (const auto& c : configs) {
    Result r = run(c, dir);
    if (!r.ok) {
      fmt::print(stderr, "search_bench: the run failed:\n{}\n", r.output);
      status = 1;
      continue;
    }
    int candidates = tasks * c.samples;
    fmt::print("| {} | {} | {} | {} | {:.2f} | {:.0f} |\n", c.mode, c.samples, c.workers,
               candidates, r.seconds, candidates / r.seconds);
  }
  fs::remove_all(dir);
  return status;
}

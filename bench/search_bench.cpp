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

#include "lean-bridge/child_process.hpp"

namespace {

namespace fs = std::filesystem;

struct Config {
  std::string mode;
  int samples;
  int workers;
};

struct Result {
  double seconds = 0;
  bool ok = false;
  std::string output;
};

Result run(const Config& c, const fs::path& dir) {
  fs::remove(dir / "bench.db");
  std::string synthetic = std::string(HARNESS_SOURCE_DIR) + "/tests/search/synthetic";
  std::vector<std::string> argv = {
      HARNESS_PATH, "search", "--tasks", synthetic + "/tasks.jsonl", "--policy", "builtin",
      "--mode", c.mode, "--samples", std::to_string(c.samples), "--workers",
      std::to_string(c.workers), "--db", (dir / "bench.db").string(), "--repl",
      fmt::format("{} --tactic-rules {}/rules.json", FAKE_REPL_PATH, synthetic), "--sandbox",
      "none", "--no-progress", "--expansions", "8", "--width", "4"};
  lean_bridge::ProcessSpec spec{argv, dir.string(), 0, false};
  auto start = std::chrono::steady_clock::now();
  auto out = lean_bridge::capture_output(spec, 600'000);
  Result r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.ok = out.status && WIFEXITED(*out.status) && WEXITSTATUS(*out.status) == 0;
  r.output = out.output;
  return r;
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

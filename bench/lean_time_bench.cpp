// lean_time_bench: how much of Lean's time a `harness score` run spends well, when imports are
// expensive (issue "Lean time well spent"). Each row is one whole `harness score` process, in a
// fresh store, against the REPL double with a slow import and a fixed cost per proof:
//
//   hang 10% / 30%   some proofs never answer and are stopped by the wall clock (the double
//                    ignores heartbeats), so their worker is killed and replaced; in the
//                    "stopped by heartbeats" row they spin until Lean's heartbeat limit (the
//                    default budget, 0.8 s of the double's time) stops them, and nothing dies;
//   recycle          workers are recycled every 10 checks;
//   5 import sets    the proofs cycle through five different `import` lines.
//
// The ideal is one import, then every check's own time spread over the workers: what a pool
// whose replacements were ready the moment a worker went (warm spares) and whose workers never
// re-imported would take. The fraction is ideal / measured. "Imports" counts the import sets
// elaborated (by the workers and by the spares), per 1,000 proofs; the spares' run in the
// background, so what a run loses to imports is the workers' wait.
//
// Usage: lean_time_bench [--quick]. Prints a markdown table for docs/benchmarks.md.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/timed_run.hpp"

namespace {

namespace fs = std::filesystem;

struct Workload {
  std::string name;
  int proofs;
  int hangs;           // proofs that never answer, spread evenly
  int import_sets;     // distinct `import` lines, cycled through
  int recycle_after;   // 0: the harness's default
  std::vector<std::string> options;  // harness options of this row ("--spares 0": as before)
  // The hanging proofs spin until Lean's heartbeat limit stops them (the process lives on),
  // instead of never answering.
  bool heartbeat_hangs = false;
  // Headers cycled through instead of `import BenchN` (ProofNet's 25: one import set, each
  // with its own `open`s).
  std::vector<std::string> headers = {};
};

// The distinct headers of ProofNet (shared/datasets/proofnet.jsonl), in their first order.
std::vector<std::string> proofnet_headers() {
  std::ifstream in(HARNESS_SOURCE_DIR "/../shared/datasets/proofnet.jsonl");
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    auto header = nlohmann::json::parse(line).at("header").get<std::string>();
    if (std::find(out.begin(), out.end(), header) == out.end()) out.push_back(header);
  }
  return out;
}

// A proof costs two commands (its check and the closing request), so 40 ms a command is
// 80 ms a proof.
struct Settings {
  int workers = 4;
  int import_ms = 2000;
  int command_ms = 40;
  double timeout_s = 1;
  double proof_s() const { return 2 * command_ms / 1000.0; }
  // The double spends this long per 1000 heartbeats: the default budget (400000) in 0.8 s,
  // within the 1 s wall clock.
  double ms_per_kheartbeats = 2;
  double heartbeat_stop_s() const { return 400000 * ms_per_kheartbeats / 1000 / 1000; }
};

struct Result : bench::TimedRun {
  long starts = -1;   // REPL processes the workers started, from the run's summary
  long imports = -1;  // import sets elaborated, the spares' included
  double waited = -1; // seconds the workers waited for imports after their first
};

// One line per proof: one statement, each proof text distinct (a comment), so that neither the
// cache nor the deduplication answers, and each worker elaborates the statement's reference
// once, as with a dataset of many proofs of few tasks.
fs::path write_input(const Workload& w, const fs::path& dir) {
  fs::path path = dir / (w.name + ".jsonl");
  std::ofstream out(path);
  for (int i = 0; i < w.proofs; ++i) {
    bool hang = w.hangs > 0 && i % (w.proofs / w.hangs) == 0 && i / (w.proofs / w.hangs) < w.hangs;
    std::string header =
        w.headers.empty() ? fmt::format("import Bench{}", w.import_sets > 1 ? i % w.import_sets : 0)
                          : w.headers[static_cast<size_t>(i) % w.headers.size()];
    std::string spin = w.heartbeat_hangs ? "--! heartbeats 1000000000\n" : "--! hang\n";
    std::string proof = fmt::format("  trivial -- {}\n{}", i, hang ? spin : "");
    std::string statement = "theorem bench : True := by\n";
    out << nlohmann::json{{"name", "bench"},
                          {"header", header},
                          {"formal_statement", statement},
                          {"proof", proof}}
               .dump()
        << "\n";
  }
  return path;
}

Result run(const Workload& w, const Settings& s, const fs::path& dir) {
  fs::path input = write_input(w, dir);
  fs::remove(dir / "bench.db");
  std::vector<std::string> argv = {
      HARNESS_PATH, "score", input.string(), "--out", (dir / "out.jsonl").string(), "--db",
      (dir / "bench.db").string(), "--workers", std::to_string(s.workers), "--timeout",
      fmt::format("{}", s.timeout_s), "--repl",
      fmt::format("{} --import-ms {} --check-ms {} --ms-per-kheartbeats {}", FAKE_REPL_PATH,
                  s.import_ms, s.command_ms, s.ms_per_kheartbeats),
      "--sandbox", "none", "--no-progress"};
  if (w.recycle_after > 0) {
    argv.insert(argv.end(), {"--recycle-after", std::to_string(w.recycle_after)});
  }
  argv.insert(argv.end(), w.options.begin(), w.options.end());
  Result r;
  static_cast<bench::TimedRun&>(r) = bench::run_timed(argv, dir.string(), 900'000);
  std::smatch m;
  if (std::regex_search(r.output, m, std::regex("REPL processes started ([0-9]+)"))) {
    r.starts = std::stol(m[1]);
  }
  if (std::regex_search(r.output, m, std::regex("; imports ([0-9]+)"))) r.imports = std::stol(m[1]);
  if (std::regex_search(r.output, m, std::regex("waited ([0-9.]+) s for imports"))) {
    r.waited = std::stod(m[1]);
  }
  return r;
}

// One import and one reference elaboration, then every proof's own time over the workers.
double ideal_seconds(const Workload& w, const Settings& s) {
  double hang_s = w.heartbeat_hangs ? s.heartbeat_stop_s() + s.proof_s() : s.timeout_s;
  double checks = (w.proofs - w.hangs) * s.proof_s() + w.hangs * hang_s;
  return s.import_ms / 1000.0 + s.command_ms / 1000.0 + checks / s.workers;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  Settings s;
  int n = quick ? 40 : 100;
  // Each workload twice: as before warm spares and import sets (--spares 0, one import set a
  // process), then with the defaults.
  const std::vector<std::string> before = {"--spares", "0", "--import-sets", "1"};
  std::vector<Workload> workloads = {
      {"hang 10%, before", n, n / 10, 1, 0, before},
      {"hang 10%", n, n / 10, 1, 0, {}},
      {"hang 10%, stopped by heartbeats", n, n / 10, 1, 0, {}, true},
      {"hang 30%, before", n, 3 * n / 10, 1, 0, before},
      {"hang 30%", n, 3 * n / 10, 1, 0, {}},
      {"recycle every 10, before", 2 * n, 0, 1, 10, before},
      {"recycle every 10", 2 * n, 0, 1, 10, {}},
      {"5 import sets, before", 2 * n, 0, 5, 0, before},
      {"5 import sets", 2 * n, 0, 5, 0, {}},
  };
  if (auto headers = proofnet_headers(); !headers.empty()) {
    workloads.push_back({"ProofNet's 25 headers, before", 2 * n, 0, 1, 0, before, false, headers});
    workloads.push_back({"ProofNet's 25 headers", 2 * n, 0, 1, 0, {}, false, headers});
  } else {
    fmt::print(stderr, "lean_time_bench: no shared/datasets/proofnet.jsonl beside the project: "
                       "the ProofNet rows are left out\n");
  }
  fs::path dir = fs::temp_directory_path() / fmt::format("lean-time-bench-{}", ::getpid());
  fs::create_directories(dir);
  fmt::print("`harness score`, {} workers, REPL double: import {} ms, {} ms a proof, wall-clock "
             "timeout {} s (hanging proofs ignore heartbeats, but in the row that says otherwise)\n\n",
             s.workers, s.import_ms, 2 * s.command_ms, s.timeout_s);
  fmt::print("| workload | proofs | measured s | ideal s | fraction of ideal | workers' starts | imports per 1,000 proofs | workers waited for imports (s) |\n");
  fmt::print("|---|---|---|---|---|---|---|---|\n");
  for (const auto& w : workloads) {
    Result r = run(w, s, dir);
    if (!r.ok) {
      fmt::print("| {} | {} | FAILED | | | | | |\n", w.name, w.proofs);
      fmt::print(stderr, "{}\n", r.output);
      continue;
    }
    double ideal = ideal_seconds(w, s);
    fmt::print("| {} | {} | {:.1f} | {:.1f} | {:.2f} | {} | {:.0f} | {:.1f} |\n", w.name,
               w.proofs, r.seconds, ideal, ideal / r.seconds, r.starts,
               1000.0 * r.imports / w.proofs, r.waited);
  }
  fs::remove_all(dir);
  return 0;
}

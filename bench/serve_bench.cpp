// serve_bench: `harness serve` end to end against `harness score` on the same proofs (issue 12).
//
// Whole processes: a real `harness serve` (fresh store, --sandbox none) and clients over real
// loopback HTTP (cpp-httplib, one keep-alive connection per client thread), each sending Kimina
// `/verify` requests of --batch proofs until every proof has been sent; then the same proofs
// again against the same server and store ("warm": the verification cache answers). Beside
// them, whole `harness score` processes on the same proofs, in a fresh store (cold) and again
// in the same store (warm), with the same number of workers.
//
// Two doubles: "instant" (the REPL double answers at once: what is left is the harness's own
// cost) and "50 ms" (each proof holds `--! sleep 50`). The proofs are all of one task,
// `theorem bench : True := by`, each text distinct (a comment), sent to serve as whole files
// (with --tasks naming the task) and to score as the task's proof: the same checks, statement
// included.
//
// With the 50 ms double, one more row: one client's warm requests while 8 others keep every
// worker busy with new proofs (the dispatcher must answer cache hits while it waits for Lean).
//
// Per row: requests/s and checks/s over the pass's wall time (first request sent to last
// answer; the server's start-up is not in it, `score`'s start-up is), and the p50/p99 latency
// of a request as its client saw it. Each row runs --runs times (a fresh server each time); the
// run with the median checks/s is shown, with the range of checks/s over the runs.
//
// Usage: serve_bench [--quick] [--runs N] [--workers N] [--batch N] [--clients 1,8,64]
//                    [--double instant|50ms|both] [--serve-only] [--warm-passes N] [--harness PATH]
// Exit status 1 when a proof does not pass or a process fails (the figures would mean nothing),
// 64 on bad usage.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "bench/timed_run.hpp"
#include "tests/support/serve_process.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kUsage =
    "usage: serve_bench [--quick] [--runs N] [--workers N] [--batch N] [--clients 1,8,64] "
    "[--double instant|50ms|both] [--serve-only] [--warm-passes N] [--harness PATH]\n";

struct Config {
  std::string harness = HARNESS_PATH;  // --harness PATH: another build, to compare
  int runs = 3;
  int workers = 2;
  int batch = 4;
  std::vector<int> clients = {1, 8, 64};
  bool instant = true;
  bool slow = true;
  bool score = true;    // --serve-only: no `harness score` rows (for profiling the server)
  int warm_passes = 1;  // --warm-passes N: the last is shown (a longer warm phase to profile)
  int instant_proofs = 4096;
  int slow_proofs = 256;
  int slow_ms = 50;
};

[[noreturn]] void usage_exit(int status) {
  std::fputs(kUsage, status == 0 ? stdout : stderr);
  std::exit(status);
}

Config parse_args(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_exit(64);
      return argv[++i];
    };
    try {
      if (arg == "--quick") {
        c.runs = 1;
        c.instant_proofs = 512;
        c.slow_proofs = 64;
      } else if (arg == "--serve-only") {
        c.score = false;
      } else if (arg == "--harness") {
        c.harness = fs::absolute(value()).string();  // score runs in its own folder
      } else if (arg == "--warm-passes") {
        c.warm_passes = std::stoi(value());
      } else if (arg == "--runs") {
        c.runs = std::stoi(value());
      } else if (arg == "--workers") {
        c.workers = std::stoi(value());
      } else if (arg == "--batch") {
        c.batch = std::stoi(value());
      } else if (arg == "--clients") {
        c.clients.clear();
        std::stringstream list(value());
        for (std::string n; std::getline(list, n, ',');) c.clients.push_back(std::stoi(n));
      } else if (arg == "--double") {
        std::string d = value();
        c.instant = d == "instant" || d == "both";
        c.slow = d == "50ms" || d == "both";
        if (!c.instant && !c.slow) usage_exit(64);
      } else if (arg == "--help" || arg == "-h") {
        usage_exit(0);
      } else {
        usage_exit(64);
      }
    } catch (const std::logic_error&) {
      usage_exit(64);
    }
  }
  if (c.warm_passes < 1 || c.runs < 1 || c.workers < 1 || c.batch < 1 || c.clients.empty()) usage_exit(64);
  return c;
}

struct Workload {
  std::string name;
  int proofs;
  int sleep_ms;  // in each proof; 0: the double answers at once
};

// Proof i of the workload, as the task's proof (score) and as a whole file (serve).
std::string proof_text(const Workload& w, int i) {
  std::string sleep = w.sleep_ms > 0 ? fmt::format("--! sleep {}\n", w.sleep_ms) : "";
  return fmt::format("{}  trivial -- {}\n", sleep, i);
}
constexpr const char* kHeader = "import Mathlib\n";
constexpr const char* kStatement = "theorem bench : True := by\n";

struct Pass {
  int requests = 0;
  int checks = 0;
  double seconds = 0;
  double p50_ms = 0, p99_ms = 0;
  int not_passed = 0;  // proofs answered other than pass, and requests not answered 200
  double checks_per_s() const { return seconds > 0 ? checks / seconds : 0; }
  double requests_per_s() const { return seconds > 0 ? requests / seconds : 0; }
};

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t at = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(at, v.size() - 1)];
}

// Every proof sent once, in requests of `batch`, by `clients` threads taking the next request
// as they finish one.
Pass serve_pass(int port, const std::vector<std::string>& bodies, int batch_checks, int clients) {
  std::atomic<size_t> next{0};
  std::atomic<int> ready{0}, bad{0};
  std::mutex mutex;
  std::vector<double> latencies;
  std::vector<std::thread> threads;
  Clock::time_point start;
  std::atomic<bool> go{false};
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);  // as aiohttp does; Python's http.client sends one segment
      client.set_read_timeout(600, 0);
      std::vector<double> mine;
      ++ready;
      while (!go.load()) std::this_thread::yield();
      for (size_t r; (r = next++) < bodies.size();) {
        auto sent = Clock::now();
        auto res = client.Post("/verify", bodies[r], "application/json");
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
        if (!res || res->status != 200) {
          bad += batch_checks;
          continue;
        }
        json answer = json::parse(res->body, nullptr, false);
        for (const auto& result : answer.value("results", json::array())) {
          if (result.value("verdict", "") != "pass") ++bad;
        }
      }
      std::lock_guard lock(mutex);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  while (ready.load() < clients) std::this_thread::yield();
  start = Clock::now();
  go = true;
  for (auto& t : threads) t.join();
  Pass p;
  p.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  p.requests = static_cast<int>(bodies.size());
  p.checks = p.requests * batch_checks;
  p.p50_ms = percentile(latencies, 0.50);
  p.p99_ms = percentile(latencies, 0.99);
  p.not_passed = bad.load();
  return p;
}

std::vector<std::string> engine_args(const Config& c, const fs::path& db) {
  return {"--db", db.string(), "--workers", std::to_string(c.workers), "--sandbox", "none",
          "--repl", FAKE_REPL_PATH, "--timeout", "60"};
}

// A server on a fresh store, with the benchmark's task (its stderr in serve.log).
test_support::ServeProcess fresh_server(const Config& c, const fs::path& dir) {
  fs::remove(dir / "serve.db");
  fs::remove(dir / "serve.db-wal");
  fs::remove(dir / "serve.db-shm");
  auto args = engine_args(c, dir / "serve.db");
  args.insert(args.end(), {"--tasks", (dir / "tasks.jsonl").string()});
  return test_support::ServeProcess(c.harness, args, {}, (dir / "serve.log").string());
}

// A fresh server; the cold pass, then the warm one.
std::pair<Pass, Pass> serve_run(const Config& c, int clients, const fs::path& dir,
                                const std::vector<std::string>& bodies) {
  test_support::ServeProcess server = fresh_server(c, dir);
  Pass cold = serve_pass(server.port(), bodies, c.batch, clients);
  Pass warm;
  for (int i = 0; i < c.warm_passes; ++i) warm = serve_pass(server.port(), bodies, c.batch, clients);
  if (server.stop() != 0) {
    cold.not_passed += 1;
    fmt::print(stderr, "serve_bench: harness serve did not exit 0 (see {})\n",
               (dir / "serve.log").string());
  }
  return {cold, warm};
}

// One client's warm requests while `busy` other clients keep every worker checking new proofs:
// a fresh server, its cache filled with `warm_bodies`, then those again beside `busy_bodies`.
Pass mixed_run(const Config& c, int busy, const fs::path& dir,
               const std::vector<std::string>& warm_bodies,
               const std::vector<std::string>& busy_bodies) {
  test_support::ServeProcess server = fresh_server(c, dir);
  Pass filled = serve_pass(server.port(), warm_bodies, c.batch, 8);
  std::atomic<bool> stop{false};
  std::atomic<size_t> next{0};
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int b = 0; b < busy; ++b) {
    threads.emplace_back([&] {
      httplib::Client client("127.0.0.1", server.port());
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      client.set_read_timeout(600, 0);
      for (size_t r; !stop && (r = next++) < busy_bodies.size();) {
        auto res = client.Post("/verify", busy_bodies[r], "application/json");
        if (!res || res->status != 200) ++bad;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the workers are busy
  Pass warm = serve_pass(server.port(), warm_bodies, c.batch, 1);
  if (next.load() >= busy_bodies.size()) {
    fmt::print(stderr, "serve_bench: the busy clients ran out of proofs before the warm pass ended\n");
  }
  stop = true;
  for (auto& t : threads) t.join();
  warm.not_passed += filled.not_passed + bad.load();
  if (server.stop() != 0) ++warm.not_passed;
  return warm;
}

// Whole `harness score` processes: in a fresh store, then again in the same one.
std::pair<Pass, Pass> score_run(const Config& c, const Workload& w, const fs::path& dir) {
  fs::remove(dir / "score.db");
  fs::remove(dir / "score.db-wal");
  fs::remove(dir / "score.db-shm");
  auto argv = std::vector<std::string>{c.harness, "score", (dir / "proofs.jsonl").string(),
                                       "--out", (dir / "out.jsonl").string(), "--no-progress"};
  auto engine = engine_args(c, dir / "score.db");
  argv.insert(argv.end(), engine.begin(), engine.end());
  auto once = [&] {
    Pass p;
    auto r = bench::run_timed(argv, dir.string(), 900'000);
    p.seconds = r.seconds;
    p.checks = w.proofs;
    if (!r.ok) {
      fmt::print(stderr, "serve_bench: harness score failed:\n{}\n", r.output);
      p.not_passed = w.proofs;
      return p;
    }
    std::ifstream out(dir / "out.jsonl");
    int rows = 0;
    for (std::string line; std::getline(out, line); ++rows) {
      if (json::parse(line).value("verdict", "") != "pass") ++p.not_passed;
    }
    p.not_passed += w.proofs - rows;
    return p;
  };
  Pass cold = once();
  Pass warm = once();
  return {cold, warm};
}

// The median run by checks/s, and the range over the runs.
struct Row {
  Pass median;
  double low = 0, high = 0;
};
Row summarise(std::vector<Pass> runs) {
  std::sort(runs.begin(), runs.end(),
            [](const Pass& a, const Pass& b) { return a.checks_per_s() < b.checks_per_s(); });
  return {runs[runs.size() / 2], runs.front().checks_per_s(), runs.back().checks_per_s()};
}

std::string range(const Row& r) {
  return r.low == r.high ? fmt::format("{:.0f}", r.low) : fmt::format("{:.0f}–{:.0f}", r.low, r.high);
}

}  // namespace

int main(int argc, char** argv) {
  Config c = parse_args(argc, argv);
  fs::path dir = fs::temp_directory_path() / fmt::format("serve-bench-{}", ::getpid());
  fs::create_directories(dir);
  std::ofstream(dir / "tasks.jsonl")
      << json{{"name", "bench"}, {"header", kHeader}, {"formal_statement", kStatement}}.dump() << "\n";
  std::vector<Workload> workloads;
  if (c.instant) workloads.push_back({"instant", c.instant_proofs, 0});
  if (c.slow) workloads.push_back({fmt::format("{} ms", c.slow_ms), c.slow_proofs, c.slow_ms});
  int failures = 0;
  fmt::print("{} workers for serve and score; /verify requests of {} proofs; {} run(s) per row, "
             "the median run shown (range: checks/s over the runs); {} hardware threads\n\n",
             c.workers, c.batch, c.runs, std::thread::hardware_concurrency());
  fmt::print("| double | process | clients | cache | requests | checks | wall s | requests/s | "
             "checks/s | range (checks/s) | p50 ms | p99 ms | checks/s vs score (cold) |\n");
  fmt::print("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Workload& w : workloads) {
    {
      std::ofstream in(dir / "proofs.jsonl");
      for (int i = 0; i < w.proofs; ++i) {
        in << json{{"name", "bench"}, {"header", kHeader}, {"formal_statement", kStatement},
                   {"proof", proof_text(w, i)}}.dump()
           << "\n";
      }
    }
    std::vector<std::string> bodies;
    for (int i = 0; i < w.proofs; i += c.batch) {
      json codes = json::array();
      for (int j = i; j < std::min(w.proofs, i + c.batch); ++j) {
        codes.push_back({{"custom_id", j},
                         {"proof", std::string(kHeader) + "\n" + kStatement + proof_text(w, j)}});
      }
      bodies.push_back(json{{"codes", codes}}.dump());
    }
    std::vector<Pass> score_cold, score_warm;
    for (int r = 0; r < (c.score ? c.runs : 0); ++r) {
      auto [cold, warm] = score_run(c, w, dir);
      failures += cold.not_passed + warm.not_passed;
      score_cold.push_back(cold);
      score_warm.push_back(warm);
    }
    double base = 0;
    if (c.score) {
      Row sc = summarise(score_cold), sw = summarise(score_warm);
      base = sc.median.checks_per_s();
      for (auto [label, row] : {std::pair{"cold", sc}, std::pair{"warm", sw}}) {
        fmt::print("| {} | `harness score` | | {} | | {} | {:.2f} | | {:.0f} | {} | | | {:.2f} |\n",
                   w.name, label, row.median.checks, row.median.seconds, row.median.checks_per_s(),
                   range(row), row.median.checks_per_s() / base);
      }
    }
    for (int clients : c.clients) {
      std::vector<Pass> colds, warms;
      for (int r = 0; r < c.runs; ++r) {
        auto [cold, warm] = serve_run(c, clients, dir, bodies);
        failures += cold.not_passed + warm.not_passed;
        colds.push_back(cold);
        warms.push_back(warm);
      }
      for (auto [label, row] : {std::pair{"cold", summarise(colds)}, std::pair{"warm", summarise(warms)}}) {
        const Pass& p = row.median;
        fmt::print("| {} | `harness serve` | {} | {} | {} | {} | {:.2f} | {:.0f} | {:.0f} | {} | {:.1f} | "
                   "{:.1f} | {} |\n",
                   w.name, clients, label, p.requests, p.checks, p.seconds, p.requests_per_s(),
                   p.checks_per_s(), range(row), p.p50_ms, p.p99_ms,
                   base > 0 ? fmt::format("{:.2f}", p.checks_per_s() / base) : "");
      }
      std::fflush(stdout);
    }
    if (w.sleep_ms > 0) {
      // Warm requests beside cold checks: the dispatcher must answer them while it waits for Lean.
      constexpr int kBusy = 8;
      std::vector<std::string> busy_bodies;
      for (int i = 0; i < 800; i += c.batch) {
        json codes = json::array();
        for (int j = i; j < i + c.batch; ++j) {
          codes.push_back({{"custom_id", j},
                           {"proof", std::string(kHeader) + "\n" + kStatement +
                                         proof_text(w, w.proofs + j)}});
        }
        busy_bodies.push_back(json{{"codes", codes}}.dump());
      }
      std::vector<Pass> runs;
      for (int r = 0; r < c.runs; ++r) {
        runs.push_back(mixed_run(c, kBusy, dir, bodies, busy_bodies));
        failures += runs.back().not_passed;
      }
      Row row = summarise(runs);
      const Pass& p = row.median;
      fmt::print("| {} | `harness serve` | 1, beside {} busy | warm | {} | {} | {:.2f} | {:.0f} | {:.0f} | {} | "
                 "{:.1f} | {:.1f} | |\n",
                 w.name, kBusy, p.requests, p.checks, p.seconds, p.requests_per_s(),
                 p.checks_per_s(), range(row), p.p50_ms, p.p99_ms);
      std::fflush(stdout);
    }
  }
  fs::remove_all(dir);
  if (failures > 0) {
    fmt::print(stderr, "serve_bench: {} proofs not answered pass (or processes failed)\n", failures);
    return 1;
  }
  return 0;
}

// score_bench: the harness's own cost per check, as users run it: whole `harness score`
// processes against the instant REPL double (tests/fake-repl, no sleep), side by side with a
// plain Python pool making the same REPL round trips per proof (bench/reference_pool.py).
//
// Prints one markdown table, ready for docs/benchmarks.md:
//  - the Python reference pool, W = 1, 2, 4 workers: proofs/s;
//  - `harness score` on N distinct passing proofs (fresh store, --sandbox none), W = 1, 2, 4:
//    lines/s, the harness process's peak resident memory, and CPU time per line: the harness
//    process's own (its threads, read from /proc once it has exited, before it is reaped) and
//    with its REPL processes (what wait4 counts), so that the double's share is plain;
//  - the same input scored again on the same store: every line a cache hit, no Lean;
//  - a larger input (default 100,000 lines, 2 workers) for memory.
//
// Usage: score_bench [--quick] [--lines N] [--big N] [--before HARNESS] [--threads]
// [--repeat N] [--only pool,checks,hits,big]. --quick: 2,000 and 10,000 lines. --before:
// another harness binary (an earlier build) measured in the same run, each of its runs right
// before the same run of this one, so both see the same machine. --repeat N: every row is run
// N times (before and after taking turns) and shows the median run by time, with the slowest
// and the fastest run's lines/s beside it: on a machine whose neighbours come and go, one run
// each says little. --only: the parts named (the cache hits' store is made first if needed). --threads: a second table, each `harness score` row's CPU per line by thread name
// (main, read-ahead, store-writer, lean-worker...), read from /proc/PID/task every 5 ms while
// it runs (the reading costs a little CPU of its own: off by default).
// Exit status 1 when a run fails or does not pass every line (the figures would mean nothing).
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "spawn.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace {

struct Measured {
  double seconds = 0;
  long max_rss_kb = 0;  // the process's own peak (and its waited-for descendants')
  double own_cpu_s = -1;  // the process's own threads (user + system); -1: unknown
  double all_cpu_s = 0;   // with the descendants it waited for (its REPL processes)
  bool ok = false;
  std::string output;
  std::map<std::string, double> thread_cpu_s;  // --threads: CPU seconds by thread name
};

// A /proc file's text; "" when it cannot be read. A thread that ends while its file is read
// fails the read with ESRCH, which a std::ifstream would throw from inside its buffer.
std::string read_proc_file(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string text;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      text.clear();
      break;
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

// The CPU seconds (user + system) of each thread of `pid` now, by thread id: its name and time.
void sample_threads(pid_t pid, std::map<long, std::pair<std::string, double>>& last) {
  std::error_code ec;
  fs::path tasks = fmt::format("/proc/{}/task", pid);
  double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  for (const auto& entry : fs::directory_iterator(tasks, ec)) {
    std::string stat = read_proc_file(entry.path() / "stat");
    size_t open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open) continue;
    std::istringstream fields(stat.substr(close + 2));
    std::vector<std::string> f((std::istream_iterator<std::string>(fields)),
                               std::istream_iterator<std::string>());
    if (f.size() < 13) continue;
    long tid = std::atol(entry.path().filename().c_str());
    // The process's first thread is named after the binary (which --before may have renamed).
    std::string name = tid == pid ? "main" : stat.substr(open + 1, close - open - 1);
    last[tid] = {name, (std::stod(f[11]) + std::stod(f[12])) / ticks};
  }
}

// utime + stime of an exited, not yet reaped process (its threads, not its children), from
// /proc/PID/stat; -1 when it cannot be read.
double own_cpu_seconds(pid_t pid) {
  std::string stat = read_proc_file(fmt::format("/proc/{}/stat", pid));
  size_t close = stat.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::vector<std::string> f((std::istream_iterator<std::string>(fields)),
                             std::istream_iterator<std::string>());
  // From the state (field 3): utime is field 14, stime field 15.
  if (f.size() < 13) return -1;
  double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return (std::stod(f[11]) + std::stod(f[12])) / ticks;
}

double seconds_of(const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; }

// Runs argv to the end with stdout and stderr in a file; wait4 gives its own resource usage.
// `threads`: sample its threads' CPU while it runs (Measured::thread_cpu_s).
Measured run(const std::vector<std::string>& argv, const fs::path& dir, bool threads = false) {
  fs::path log = dir / "run.log";
  auto start = std::chrono::steady_clock::now();
  pid_t pid = bench::spawn_logged(argv, dir.string(), log.string());
  int status = 0;
  rusage usage{};
  siginfo_t exited{};
  Measured m;
  std::map<long, std::pair<std::string, double>> last;
  // A thread's time is the last reading before it ended (within 5 ms of its end).
  while (threads) {
    exited = siginfo_t{};
    if (waitid(P_PID, static_cast<id_t>(pid), &exited, WEXITED | WNOWAIT | WNOHANG) != 0 ||
        exited.si_pid != 0) {
      break;
    }
    sample_threads(pid, last);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (const auto& [tid, named] : last) m.thread_cpu_s[named.first] += named.second;
  // Exited but left unreaped, its /proc entry still holds its own CPU time.
  if (waitid(P_PID, static_cast<id_t>(pid), &exited, WEXITED | WNOWAIT) == 0) {
    m.own_cpu_s = own_cpu_seconds(pid);
  }
  wait4(pid, &status, 0, &usage);
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  m.max_rss_kb = usage.ru_maxrss;
  m.all_cpu_s = seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime);
  m.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  std::ifstream in(log);
  m.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return m;
}

void write_input(const fs::path& path, int lines) {
  std::ofstream out(path);
  for (int i = 0; i < lines; ++i) {
    out << nlohmann::json{{"name", fmt::format("t{}", i)},
                          {"formal_statement", fmt::format("theorem t{} : {} = {} := by\n", i, i, i)},
                          {"proof", "  rfl\n"}}.dump()
        << '\n';
  }
}

int fail(const std::string& what, const Measured& m) {
  fmt::print(stderr, "score_bench: {} failed:\n{}\n", what, m.output);
  return 1;
}

// The median of a row's repetitions by wall time (of an even count, the slower of the middle
// two), and the spread of their rates.
struct Repeated {
  Measured median;
  double slowest_per_s = 0, fastest_per_s = 0;
};

Repeated median_of(std::vector<Measured> runs, int lines) {
  std::sort(runs.begin(), runs.end(),
            [](const Measured& a, const Measured& b) { return a.seconds < b.seconds; });
  return Repeated{runs[runs.size() / 2], lines / runs.back().seconds, lines / runs.front().seconds};
}

}  // namespace

int main(int argc, char** argv) {
  int lines = 20000;
  int big = 100000;
  int repeat = 1;
  std::string before;
  bool threads = false;
  std::vector<std::string> only;  // empty: every part
  const std::vector<std::string> parts = {"pool", "checks", "hits", "big"};
  auto usage = [] {
    fmt::print(stderr,
               "usage: score_bench [--quick] [--lines N] [--big N] [--before HARNESS] "
               "[--threads] [--repeat N] [--only pool,checks,hits,big]\n");
    return 64;
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      lines = 2000;
      big = 10000;
    } else if (a == "--lines" && i + 1 < argc) {
      lines = std::atoi(argv[++i]);
    } else if (a == "--big" && i + 1 < argc) {
      big = std::atoi(argv[++i]);
    } else if (a == "--before" && i + 1 < argc) {
      before = argv[++i];
    } else if (a == "--threads") {
      threads = true;
    } else if (a == "--repeat" && i + 1 < argc) {
      repeat = std::atoi(argv[++i]);
      if (repeat < 1) return usage();
    } else if (a == "--only" && i + 1 < argc) {
      std::string list = argv[++i];
      for (size_t at = 0; at <= list.size();) {
        size_t comma = std::min(list.find(',', at), list.size());
        std::string part = list.substr(at, comma - at);
        if (std::find(parts.begin(), parts.end(), part) == parts.end()) return usage();
        only.push_back(part);
        at = comma + 1;
      }
    } else {
      return usage();
    }
  }
  auto wanted = [&](const std::string& part) {
    return only.empty() || std::find(only.begin(), only.end(), part) != only.end();
  };
  char pattern[] = "/tmp/score-bench-XXXXXX";
  if (mkdtemp(pattern) == nullptr) return 1;
  fs::path dir = pattern;
  fs::path input = dir / "in.jsonl";
  write_input(input, lines);
  const std::string repl = FAKE_REPL_PATH;
  fmt::print("{} distinct passing proofs, the instant REPL double, --sandbox none; {} cores\n",
             lines, std::thread::hardware_concurrency());
  if (repeat > 1) {
    fmt::print("each row: the median of {} runs (by time), its figures; \"spread\": the slowest "
               "and the fastest run's lines/s\n",
               repeat);
  }
  fmt::print("\n| what | workers | lines | seconds | per second |{} peak RSS (MiB) | harness CPU µs/line | with REPLs µs/line |\n",
             repeat > 1 ? " spread |" : "");
  fmt::print("|---|---|---|---|---|{}---|---|---|\n", repeat > 1 ? "---|" : "");
  struct ThreadRow {
    std::string what;
    int workers, lines;
    std::map<std::string, double> cpu_s;
  };
  std::vector<ThreadRow> thread_rows;
  auto row = [&](const std::string& what, int workers, int n, const Repeated& r) {
    const Measured& m = r.median;
    if (!m.thread_cpu_s.empty()) thread_rows.push_back({what, workers, n, m.thread_cpu_s});
    auto per_line = [n](double s) { return s >= 0 ? fmt::format("{:.0f}", s * 1e6 / n) : ""; };
    std::string spread =
        repeat > 1 ? fmt::format(" {:.0f}-{:.0f} |", r.slowest_per_s, r.fastest_per_s) : "";
    fmt::print("| {} | {} | {} | {:.2f} | {:.0f} |{} {} | {} | {} |\n", what, workers, n,
               m.seconds, n / m.seconds, spread,
               m.max_rss_kb > 0 ? fmt::format("{:.1f}", m.max_rss_kb / 1024.0) : "",
               per_line(m.own_cpu_s), m.all_cpu_s > 0 ? per_line(m.all_cpu_s) : "");
    std::fflush(stdout);
  };
  if (wanted("pool")) {
    for (int w : {1, 2, 4}) {
      std::vector<Measured> runs;
      for (int k = 0; k < repeat; ++k) {
        Measured m = run({"python3", BENCH_DIR "/reference_pool.py", repl, input.string(),
                          std::to_string(w)},
                         dir);
        if (!m.ok) return fail("the reference pool", m);
        auto result = nlohmann::json::parse(m.output.substr(m.output.find('{')));
        if (result.at("passed").get<int>() != lines) {
          return fail("the reference pool (not all passed)", m);
        }
        m.seconds = result.at("seconds").get<double>();  // without the interpreter's start
        m.max_rss_kb = 0;  // the pool's memory is not what is compared
        m.own_cpu_s = -1;  // the interpreter's start and its REPLs are in the counts: not compared
        m.all_cpu_s = 0;
        runs.push_back(std::move(m));
      }
      row("Python pool, same round trips", w, lines, median_of(std::move(runs), lines));
    }
  }
  auto score = [&](const std::string& harness, const fs::path& in, const fs::path& db,
                   int workers) {
    return run({harness, "score", in.string(), "--db", db.string(), "--out",
                (dir / "out.jsonl").string(), "--repl", repl, "--sandbox", "none", "--workers",
                std::to_string(workers), "--no-progress"},
               dir, threads);
  };
  auto remove_store = [](const fs::path& db) {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
  };
  struct Binary {
    std::string label, path;
    fs::path hits_store;  // a store of `lines` checks by this binary (the cache hits' source)
  };
  std::vector<Binary> binaries;
  if (!before.empty()) binaries.push_back({"before: ", before, dir / "before-hits.db"});
  binaries.push_back({before.empty() ? "" : "after: ", HARNESS_PATH, dir / "hits.db"});
  // Lean checks: a new store for every run. The first 2-worker store of each binary is kept as
  // the source of its cache hits (the cache key names the binary).
  auto checks = [&](const Binary& b, int w, const fs::path& in, int n) -> std::optional<Measured> {
    fs::path db = dir / "checks.db";
    remove_store(db);
    Measured m = score(b.path, in, db, w);
    if (!m.ok || m.output.find(fmt::format("pass {},", n)) == std::string::npos) {
      fail("harness score", m);
      return std::nullopt;
    }
    if (w == 2 && in == input && !fs::exists(b.hits_store)) fs::copy_file(db, b.hits_store);
    remove_store(db);
    return m;
  };
  // A row of each binary: `once` run `repeat` times, the binaries taking turns, then each
  // binary's median. False when a run failed (`once` said why).
  auto in_turns = [&](const std::string& what, int workers, int n,
                      const std::function<std::optional<Measured>(const Binary&)>& once) {
    std::map<std::string, std::vector<Measured>> runs;
    for (int k = 0; k < repeat; ++k) {
      for (const auto& b : binaries) {
        auto m = once(b);
        if (!m) return false;
        runs[b.label].push_back(std::move(*m));
      }
    }
    for (const auto& b : binaries) {
      row(b.label + what, workers, n, median_of(std::move(runs[b.label]), n));
    }
    return true;
  };
  if (wanted("checks")) {
    for (int w : {1, 2, 4}) {
      if (!in_turns("`harness score`, Lean checks", w, lines,
                    [&](const Binary& b) { return checks(b, w, input, lines); })) {
        return 1;
      }
    }
  }
  if (wanted("hits")) {
    for (const auto& b : binaries) {
      if (!fs::exists(b.hits_store) && !checks(b, 2, input, lines)) return 1;
    }
    // Each run scores the same input again on a copy of the same store: every line a hit.
    auto hits = [&](const Binary& b) -> std::optional<Measured> {
      fs::path db = dir / "hits-run.db";
      remove_store(db);
      fs::copy_file(b.hits_store, db);
      Measured m = score(b.path, input, db, 2);
      remove_store(db);
      if (!m.ok || m.output.find(fmt::format("cache hits {}", lines)) == std::string::npos) {
        fail("harness score (cache hits)", m);
        return std::nullopt;
      }
      return m;
    };
    if (!in_turns("`harness score`, every line a cache hit", 2, lines, hits)) return 1;
  }
  if (wanted("big")) {
    fs::path big_input = dir / "big.jsonl";
    write_input(big_input, big);
    if (!in_turns("`harness score`, Lean checks", 2, big,
                  [&](const Binary& b) { return checks(b, 2, big_input, big); })) {
      return 1;
    }
  }
  if (threads) {
    // Known threads first, in the order a line meets them; any other after, by name.
    std::vector<std::string> names = {"read-ahead", "main", "lean-worker", "lean-spare",
                                      "store-writer"};
    for (const auto& r : thread_rows) {
      for (const auto& [name, _] : r.cpu_s) {
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
      }
    }
    fmt::print("\nCPU µs per line by thread (all threads of a name together):\n\n| what | workers | lines |");
    for (const auto& name : names) fmt::print(" {} |", name);
    fmt::print("\n|---|---|---|");
    for (size_t i = 0; i < names.size(); ++i) fmt::print("---|");
    fmt::print("\n");
    for (const auto& r : thread_rows) {
      fmt::print("| {} | {} | {} |", r.what, r.workers, r.lines);
      for (const auto& name : names) {
        auto it = r.cpu_s.find(name);
        fmt::print(" {} |", it == r.cpu_s.end() ? "" : fmt::format("{:.1f}", it->second * 1e6 / r.lines));
      }
      fmt::print("\n");
    }
  }
  fs::remove_all(dir);
  return 0;
}

// library_bench: the time and the Lean checks it takes to grow a lemma library from many
// verified proofs (issue 15; docs/benchmarks.md, "Growing a lemma library").
//
// For each size N (default 1,000 and 10,000) it writes N tasks and their proofs in the style of
// the library task families (tests/search/library): proofs that share the Chain sub-proof
// (5 tactics) or the Ring one (4 tactics), with variable names drawn from a pool of 40, and a
// realistic share of one-off proofs (a rule tactic, or a 3-tactic `SoloI` sub-proof no other
// proof has). A whole `harness score` process (fresh store, `--sandbox none`) puts them in the
// store as verified proofs, against the REPL double in rules mode with a rules file written here;
// then a whole `harness library grow --from none` process runs on that store, timed.
//
// Phases are read from outside: the double logs every request it gets (`fake-repl --log`), and
// the bench, polling that log every few milliseconds, notes when the last request with an
// infotree (tracing) and the first naming a `lib_` lemma (the selection's Lean checks) arrived.
// Columns: trace s, from the start to the last tracing request (start-up, reading the store,
// tracing); candidates + estimates s, from there to the first lemma check (finding the
// candidates, every candidate's first estimated gain); selection s, from there to the last
// request (Lean checks and re-estimates); rest s, from there to the exit (the candidates left
// in the queue, each re-estimated and rejected, the mutual information, recording the library).
//
// Prints one markdown table, ready for docs/benchmarks.md. Usage:
//   library_bench [--quick] [--proofs N[,N...]] [--raised-cap N] [--workers W] [--repeat R]
//                 [--harness PATH] [--before PATH] [--keep]
// --quick: 100 and 300 proofs, each grow once. --raised-cap N: one more grow at the largest
// size with --max-rewrite-checks N (default 30000; 0: none), since the default cap (2,000) may
// stop the selection before the most used lemma is checked. --repeat R: each grow R times
// (default 3), each on its own copy of the store; the median run's row is shown, with the range
// of wall times. --harness: the binary measured (default: this build's). --before: an earlier
// build measured in the same run, its grows alternating with the other's on the same stores
// (written by --harness's score); both must decide the same. --keep: leave the temporary
// folders. Exit status 1 when a run fails, a proof does not pass or is not traced, or two grows
// of one size and cap decide differently (the figures would mean nothing).
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "spawn.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// --- the task set ---------------------------------------------------------------------------

// The rules: `constructor` on ∧, Chain's five links and Ring's four as in
// tests/search/library/rules.json, `rfl`, `omega`, and `SoloI x` (I a number) proved by
// `unfold SoloI`, `apply soloI_step`, `apply soloI_base`: a sub-proof of its own per task.
nlohmann::json rules() {
  using nlohmann::json;
  json r = json::array();
  auto rule = [&](const std::string& goal, const std::string& tactic, json goals) {
    r.push_back({{"goal", goal}, {"tactic", tactic}, {"goals", std::move(goals)}});
  };
  rule("(.+?) ∧ (.+)", "constructor", {"$1", "$2"});
  rule("Chain (\\S+)", "unfold Chain", {"Link1 $1"});
  rule("Link1 (\\S+)", "apply link1_intro", {"Link2 $1"});
  rule("Link2 (\\S+)", "apply link2_intro", {"Link3 $1"});
  rule("Link3 (\\S+)", "apply link3_intro", {"Link4 $1"});
  rule("Link4 (\\S+)", "apply link4_base", json::array());
  rule("Ring (\\S+)", "unfold Ring", {"Orb1 $1"});
  rule("Orb1 (\\S+)", "apply ring1_intro", {"Orb2 $1"});
  rule("Orb2 (\\S+)", "apply ring2_intro", {"Orb3 $1"});
  rule("Orb3 (\\S+)", "apply ring2_base", json::array());
  rule("Solo(\\d+) (\\S+)", "unfold Solo${1}", {"SoloA${1} $2"});
  rule("SoloA(\\d+) (\\S+)", "apply solo${1}_step", {"SoloB${1} $2"});
  rule("SoloB(\\d+) (\\S+)", "apply solo${1}_base", json::array());
  rule("(.+) = \\1", "rfl", json::array());
  rule("(?=.*[a-z])[a-z0-9_' +*()]+ (?:<|≤) [a-z0-9_' +*()]+", "omega", json::array());
  return r;
}

struct Conjunct {
  std::string target;
  std::vector<std::string> tactics;
};

Conjunct chain(const std::string& x) {
  return {"Chain " + x,
          {"unfold Chain", "apply link1_intro", "apply link2_intro", "apply link3_intro",
           "apply link4_base"}};
}
Conjunct ring(const std::string& x) {
  return {"Ring " + x, {"unfold Ring", "apply ring1_intro", "apply ring2_intro", "apply ring2_base"}};
}
Conjunct solo(int i, const std::string& x) {
  return {fmt::format("Solo{} {}", i, x),
          {fmt::format("unfold Solo{}", i), fmt::format("apply solo{}_step", i),
           fmt::format("apply solo{}_base", i)}};
}
Conjunct plain(std::mt19937& rng, const std::string& x) {
  unsigned k = 1 + rng() % 999;
  if (rng() % 2 == 0) return {fmt::format("{} + {} = {} + {}", x, k, x, k), {"rfl"}};
  return {fmt::format("{} < {} + {}", x, x, k), {"omega"}};
}

const std::vector<std::string>& names() {
  static const std::vector<std::string> pool = [] {
    std::vector<std::string> v;
    for (char c = 'a'; c <= 'z'; ++c) v.emplace_back(1, c);
    for (int i = 1; i <= 9; ++i) v.push_back(fmt::format("x{}", i));
    for (int i = 1; i <= 5; ++i) v.push_back(fmt::format("n{}", i));
    return v;
  }();
  return pool;
}

struct TaskSet {
  int proofs = 0;
  int sharing = 0;  // proofs with a Chain or Ring sub-proof
};

// N candidate lines for `harness score`, deterministic (fixed seed). The families, in shares of
// the proofs: Chain a (12 %), Chain a ∧ Chain b (12 %), Chain a ∧ Chain b ∧ Chain c (6 %), Ring a
// (6 %), Chain a ∧ Ring b (6 %), Chain a ∧ PLAIN (5 %); one-offs: PLAIN (23 %), SoloI a (20 %),
// SoloI a ∧ PLAIN (10 %), with PLAIN an `rfl` equation or an `omega` inequality of its own.
TaskSet write_tasks(const fs::path& path, int n) {
  std::mt19937 rng(20261205);
  std::ofstream out(path);
  TaskSet set;
  for (int i = 0; i < n; ++i) {
    // distinct variables for the conjuncts
    std::vector<std::string> vars;
    while (vars.size() < 3) {
      const std::string& v = names()[rng() % names().size()];
      if (std::find(vars.begin(), vars.end(), v) == vars.end()) vars.push_back(v);
    }
    unsigned r = rng() % 100;
    std::vector<Conjunct> parts;
    if (r < 12) parts = {chain(vars[0])};
    else if (r < 24) parts = {chain(vars[0]), chain(vars[1])};
    else if (r < 30) parts = {chain(vars[0]), chain(vars[1]), chain(vars[2])};
    else if (r < 36) parts = {ring(vars[0])};
    else if (r < 42) parts = {chain(vars[0]), ring(vars[1])};
    else if (r < 47) parts = {chain(vars[0]), plain(rng, vars[1])};
    else if (r < 70) parts = {plain(rng, vars[0])};
    else if (r < 90) parts = {solo(i, vars[0])};
    else parts = {solo(i, vars[0]), plain(rng, vars[1])};
    if (r < 47) ++set.sharing;
    std::set<std::string> used(vars.begin(), vars.begin() + static_cast<long>(parts.size()));
    std::string binders;
    for (const auto& v : used) binders += (binders.empty() ? "" : " ") + v;
    std::string target, proof;
    for (std::size_t k = 0; k < parts.size(); ++k) {
      target += (k == 0 ? "" : " ∧ ") + parts[k].target;
      if (k + 1 < parts.size()) proof += "  constructor\n";
      for (const auto& t : parts[k].tactics) proof += "  " + t + "\n";
    }
    proof.pop_back();
    std::string name = fmt::format("bench_{:05}", i);
    out << nlohmann::json{{"name", name},
                          {"split", "train"},
                          {"header", ""},
                          {"formal_statement",
                           fmt::format("theorem {} ({} : Nat) : {} := by\n", name, binders, target)},
                          {"proof", proof}}
               .dump()
        << '\n';
    ++set.proofs;
  }
  return set;
}

// --- running whole processes ----------------------------------------------------------------

struct Measured {
  double seconds = 0;
  long max_rss_kb = 0;  // the process's own peak (and its waited-for descendants')
  bool ok = false;
  std::string output;
  // From the REPL log: seconds from the start to the last tracing request, to the first request
  // naming a lemma, and to the last request.
  std::optional<double> last_trace, first_lemma, last_request;
};

// Runs argv to the end with stdout and stderr in a file. With `repl_log`, polls that file while
// the process runs and notes when its requests came (to within the polling interval).
Measured run(const std::vector<std::string>& argv, const fs::path& dir, const fs::path& repl_log = {}) {
  fs::path log = dir / "run.log";
  auto start = Clock::now();
  pid_t pid = bench::spawn_logged(argv, dir.string(), log.string());
  Measured m;
  std::string pending;
  std::ifstream requests;
  auto since_start = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  auto read_requests = [&] {
    if (repl_log.empty()) return;
    if (!requests.is_open()) {
      requests.open(repl_log, std::ios::binary);
      if (!requests.is_open()) return;
    }
    requests.clear();
    char buf[1 << 16];
    while (true) {
      requests.read(buf, sizeof buf);
      std::streamsize got = requests.gcount();
      if (got <= 0) break;
      pending.append(buf, static_cast<std::size_t>(got));
    }
    double now = since_start();
    std::size_t from = 0;
    for (std::size_t nl; (nl = pending.find('\n', from)) != std::string::npos; from = nl + 1) {
      std::string_view line(pending.data() + from, nl - from);
      if (line.empty()) continue;
      m.last_request = now;
      if (line.find("\"infotree\"") != std::string_view::npos) m.last_trace = now;
      if (!m.first_lemma && line.find("lib_") != std::string_view::npos) m.first_lemma = now;
    }
    pending.erase(0, from);
  };
  int status = 0;
  rusage usage{};
  while (true) {
    pid_t done = wait4(pid, &status, repl_log.empty() ? 0 : WNOHANG, &usage);
    if (done == pid) break;
    read_requests();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  m.seconds = since_start();
  read_requests();
  m.max_rss_kb = usage.ru_maxrss;
  m.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  std::ifstream in(log);
  m.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return m;
}

// --- grow's summary ---------------------------------------------------------------------------

struct Summary {
  long traced = -1, untraced = -1, candidates = -1, kept = -1;
  long lemma_checks = -1, rewrite_checks = -1;
  bool budget_stopped = false;
  long proofs_before = -1, proofs_after = -1, library = -1, total_after = -1;
  std::vector<std::string> kept_lines;
  std::map<std::string, long> rejected;
};

Summary read_summary(const std::string& output) {
  Summary s;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    long a = 0, b = 0, c = 0, d = 0, e = 0;
    if (std::sscanf(line.c_str(), "%ld proofs traced (%ld not traced), %ld candidates; %ld lemmas kept",
                    &a, &b, &c, &d) == 4) {
      s.traced = a, s.untraced = b, s.candidates = c, s.kept = d;
    } else if (std::sscanf(line.c_str(), "Lean checks: %ld lemma checks, %ld rewrite checks", &a, &b) == 2) {
      s.lemma_checks = a, s.rewrite_checks = b;
      s.budget_stopped = line.find("budget stopped") != std::string::npos;
    } else if (long f = 0; std::sscanf(line.c_str(),
                                       "description length: proofs %ld -> %ld bytes, library %ld -> "
                                       "%ld bytes, total %ld -> %ld bytes",
                                       &a, &b, &c, &d, &e, &f) == 6) {
      s.proofs_before = a, s.proofs_after = b, s.library = d, s.total_after = f;
    } else if (std::sscanf(line.c_str(),  // as grow printed it before it grew from a library
                           "description length: proofs %ld -> %ld bytes, library %ld bytes, total "
                           "%*d -> %ld bytes",
                           &a, &b, &c, &d) == 4) {
      s.proofs_before = a, s.proofs_after = b, s.library = c, s.total_after = d;
    } else if (line.rfind("  kept ", 0) == 0) {
      s.kept_lines.push_back(line.substr(2));
    } else if (std::sscanf(line.c_str(), "  rejected %ld:", &e) == 1) {
      s.rejected[line.substr(line.find(':') + 2)] += e;
    }
  }
  return s;
}

struct Grown {
  Measured measured;
  Summary summary;
};

// What the selection decided, which no binary or run may change.
bool same_outcome(const Summary& a, const Summary& b) {
  return a.traced == b.traced && a.candidates == b.candidates && a.kept == b.kept &&
         a.lemma_checks == b.lemma_checks && a.rewrite_checks == b.rewrite_checks &&
         a.budget_stopped == b.budget_stopped && a.proofs_before == b.proofs_before &&
         a.proofs_after == b.proofs_after && a.library == b.library && a.kept_lines == b.kept_lines &&
         a.rejected == b.rejected;
}

std::string seconds(const std::optional<double>& from, const std::optional<double>& to) {
  if (!from || !to || *to < *from) return "";
  return fmt::format("{:.2f}", *to - *from);
}

int fail(const std::string& what, const Measured& m) {
  fmt::print(stderr, "library_bench: {} failed:\n{}\n", what, m.output);
  return 1;
}

std::vector<int> int_list(const std::string& text) {
  std::vector<int> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::atoi(item.c_str()));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes = {1000, 10000};
  long raised_cap = 30000;
  int workers = 2;
  bool keep = false;
  std::string harness = HARNESS_PATH;
  std::string before;
  int repeats = 3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      sizes = {100, 300};
      repeats = 1;
    } else if (a == "--proofs" && i + 1 < argc) {
      sizes = int_list(argv[++i]);
    } else if (a == "--raised-cap" && i + 1 < argc) {
      raised_cap = std::atol(argv[++i]);
    } else if (a == "--workers" && i + 1 < argc) {
      workers = std::atoi(argv[++i]);
    } else if (a == "--harness" && i + 1 < argc) {
      harness = fs::absolute(argv[++i]).string();  // the runs start in their own folders
    } else if (a == "--before" && i + 1 < argc) {
      before = fs::absolute(argv[++i]).string();
    } else if (a == "--repeat" && i + 1 < argc) {
      repeats = std::atoi(argv[++i]);
    } else if (a == "--keep") {
      keep = true;
    } else {
      fmt::print(stderr,
                 "usage: library_bench [--quick] [--proofs N[,N...]] [--raised-cap N] "
                 "[--workers W] [--repeat R] [--harness PATH] [--before PATH] [--keep]\n");
      return 64;
    }
  }
  if (sizes.empty() || workers < 1 || repeats < 1) return 64;
  struct Binary {
    std::string label, path;
  };
  std::vector<Binary> binaries;
  if (!before.empty()) binaries.push_back({"before", before});
  binaries.push_back({before.empty() ? "this build" : "after", harness});

  fmt::print("harness {}{}; {} workers, the REPL double in rules mode, --sandbox none; {} cores; "
             "each grow {} time(s), the median shown\n\n",
             harness, before.empty() ? "" : " (after), " + before + " (before)", workers,
             std::thread::hardware_concurrency(), repeats);
  fmt::print(
      "| binary | proofs | sharing a sub-proof | rewrite cap | score s | candidates | traced | lemma checks | "
      "rewrite checks | lemmas kept | library bytes | description length before → after | wall s | "
      "wall range | trace s | candidates + estimates s | selection s | rest s | peak RSS (MiB) |\n");
  fmt::print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---:|---:|---:|---:|---:|\n");
  std::fflush(stdout);
  std::vector<std::string> notes;
  int largest = *std::max_element(sizes.begin(), sizes.end());
  for (int n : sizes) {
    char pattern[] = "/tmp/library-bench-XXXXXX";
    if (mkdtemp(pattern) == nullptr) return 1;
    fs::path dir = pattern;
    std::ofstream(dir / "rules.json") << rules().dump(2) << '\n';
    TaskSet set = write_tasks(dir / "in.jsonl", n);
    std::string repl = fmt::format("{} --tactic-rules {}", FAKE_REPL_PATH, (dir / "rules.json").string());
    std::string db = (dir / "store.db").string();
    auto engine = [&](const std::string& store, const std::string& repl_command) {
      return std::vector<std::string>{"--db", store, "--repl", repl_command, "--sandbox", "none",
                                      "--workers", std::to_string(workers), "--no-progress"};
    };
    std::vector<std::string> score = {harness, "score", (dir / "in.jsonl").string(), "--out",
                                      (dir / "out.jsonl").string()};
    for (auto& a : engine(db, repl)) score.push_back(a);
    Measured scored = run(score, dir);
    if (!scored.ok || scored.output.find(fmt::format("pass {},", n)) == std::string::npos) {
      return fail("harness score", scored);
    }
    std::vector<long> caps = {0};  // 0: grow's default
    if (n == largest && raised_cap > 0) caps.push_back(raised_cap);
    for (long cap : caps) {
      // Each binary grows `repeats` times, alternately, each time on its own copy of the store.
      std::vector<std::vector<Grown>> grown(binaries.size());
      for (int r = 0; r < repeats; ++r) {
        for (std::size_t b = 0; b < binaries.size(); ++b) {
          fs::path copy = dir / fmt::format("grow-{}-{}-{}.db", cap, b, r);
          fs::copy_file(db, copy, fs::copy_options::overwrite_existing);
          if (fs::exists(db + "-wal")) {  // score's last writes, if its close left them there
            fs::copy_file(db + "-wal", copy.string() + "-wal", fs::copy_options::overwrite_existing);
          }
          fs::path repl_log = dir / fmt::format("repl-{}-{}-{}.log", cap, b, r);
          std::vector<std::string> grow = {binaries[b].path, "library", "grow", "--from", "none"};
          for (auto& a : engine(copy.string(), repl + " --log " + repl_log.string())) grow.push_back(a);
          if (cap > 0) {
            grow.push_back("--max-rewrite-checks");
            grow.push_back(std::to_string(cap));
          }
          Measured m = run(grow, dir, repl_log);
          if (!m.ok) return fail("harness library grow", m);
          Summary s = read_summary(m.output);
          if (s.traced != n || s.untraced != 0) return fail("harness library grow (not every proof traced)", m);
          if (!grown[0].empty() && !same_outcome(s, grown[0].front().summary)) {
            return fail("harness library grow (an outcome unlike the first run's)", m);
          }
          grown[b].push_back({std::move(m), std::move(s)});
          for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(copy.string() + suffix);
          fs::remove(repl_log);
        }
      }
      for (std::size_t b = 0; b < binaries.size(); ++b) {
        auto& runs = grown[b];
        std::sort(runs.begin(), runs.end(),
                  [](const Grown& x, const Grown& y) { return x.measured.seconds < y.measured.seconds; });
        const Measured& m = runs[runs.size() / 2].measured;  // the median run
        const Summary& s = runs[runs.size() / 2].summary;
        // Phases: up to the last tracing request (start-up and tracing; one check's answer
        // after it is not counted); to the first request naming a lemma (candidates, sizes, the
        // first estimates); to the last request (the selection's Lean checks and re-estimates);
        // to the exit (the end of the selection, recording the library).
        std::optional<double> zero = 0.0, end = m.seconds;
        std::optional<double> selection_start = m.first_lemma ? m.first_lemma : end;
        std::optional<double> selection_end = m.first_lemma ? m.last_request : end;
        fmt::print(
            "| {} | {} | {} | {} | {:.2f} | {} | {} | {} | {}{} | {} | {} | {} → {} | {:.2f} | "
            "{:.2f}–{:.2f} | {} | {} | {} | {} | {:.1f} |\n",
            binaries[b].label, n, set.sharing, cap > 0 ? fmt::format("{}", cap) : "2000 (default)",
            scored.seconds, s.candidates, s.traced, s.lemma_checks, s.rewrite_checks,
            s.budget_stopped ? " (cap reached)" : "", s.kept, s.library, s.proofs_before, s.total_after,
            m.seconds, runs.front().measured.seconds, runs.back().measured.seconds,
            seconds(zero, m.last_trace), seconds(m.last_trace, selection_start),
            seconds(selection_start, selection_end), seconds(selection_end, end), m.max_rss_kb / 1024.0);
        std::fflush(stdout);
      }
      const Summary& s = grown[0].front().summary;
      std::string note = fmt::format("{} proofs, cap {}:", n, cap > 0 ? fmt::format("{}", cap) : "2000");
      for (const auto& k : s.kept_lines) note += "\n  - " + k;
      for (const auto& [reason, count] : s.rejected) note += fmt::format("\n  - rejected {}: {}", count, reason);
      notes.push_back(note);
    }
    if (keep) {
      fmt::print(stderr, "library_bench: kept {}\n", dir.string());
    } else {
      fs::remove_all(dir);
    }
  }
  fmt::print("\n");
  for (const auto& note : notes) fmt::print("{}\n", note);
  return 0;
}

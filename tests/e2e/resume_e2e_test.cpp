// `score --resume` and `check --resume` as users meet them: a real `harness score` killed with
// SIGKILL at random moments and resumed each time, a real SQLite file, the REPL double in place of
// Lean. At the end the store and OUT hold exactly one verdict per line, the verdicts of a run
// that was never killed.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lean-bridge/child_process.hpp"
#include "store/store.hpp"
#include "tests/support/harness_run.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using Run = test_support::HarnessRun;

Run harness(const fs::path& dir, std::vector<std::string> args) {
  return test_support::run_harness(dir, std::move(args));
}

std::string repl(int check_ms) {
  return fmt::format("{} --check-ms {}", FAKE_REPL_PATH, check_ms);
}

// Lines of every kind: passes, failures, sorries, guard refusals, identical lines (one check,
// the others answered alike), invalid JSON and blank lines.
std::string corpus(int lines) {
  std::string text;
  for (int i = 0; i < lines; ++i) {
    if (i % 97 == 50) {
      text += "{\"name\": \"broken\"\n";
      continue;
    }
    if (i % 89 == 7) {
      text += "\n";
      continue;
    }
    int n = i % 7 == 3 ? 1 : i;  // every seventh line is the same as another
    std::string proof = i % 5 == 0 ? "  sorry\n"
                        : i % 11 == 0 ? "  trivial\n--! error unsolved goals\n"
                        : i % 13 == 0 ? "  exact absurd\n#eval IO.println \"hi\"\n"
                                      : "  trivial\n";
    text += json{{"name", fmt::format("t{}", n)},
                 {"formal_statement", fmt::format("theorem t{} : True := by\n", n)},
                 {"proof", proof}}.dump() + "\n";
  }
  return text;
}

std::vector<json> read_jsonl(const fs::path& path) {
  std::ifstream in(path);
  std::vector<json> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(json::parse(line));
  return rows;
}

// The OUT rows' verdicts by line.
std::map<int64_t, std::string> verdicts(const std::vector<json>& rows) {
  std::map<int64_t, std::string> out;
  for (const auto& r : rows) out[r.at("line").get<int64_t>()] = r.at("verdict").get<std::string>();
  return out;
}

}  // namespace

TEST_CASE("score killed with SIGKILL at 20 random moments and resumed after each ends with one "
          "right verdict per line in the store and in OUT",
          "[e2e][resume]") {
  test_support::TempDir tmp("harness-resume");
  const fs::path dir = tmp.path();
  const int kLines = 2000;
  fs::path input = tmp.write("in.jsonl", corpus(kLines));

  // The run that is never killed.
  Run whole = harness(dir, {"score", input.string(), "--db", "whole.db", "--out", "whole.jsonl",
                            "--repl", repl(0), "--sandbox", "none", "--workers", "2",
                            "--no-progress"});
  REQUIRE(whole.exit_code == 0);
  auto expected = verdicts(read_jsonl(dir / "whole.jsonl"));
  REQUIRE(expected.size() > 1900);

  const uint64_t seed = std::random_device{}();
  INFO("kill moments drawn with seed " << seed);
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<int> moment_ms(100, 1300);
  // The first start names everything; every later one only the run (its options are recorded,
  // --repl and --sandbox included).
  std::vector<std::string> first = {HARNESS_PATH, "score", input.string(), "--db", "h.db",
                                    "--out", "out.jsonl", "--repl", repl(25), "--sandbox",
                                    "none", "--workers", "2", "--no-progress"};
  std::vector<std::string> again = {HARNESS_PATH, "score", "--resume", "latest", "--db", "h.db",
                                    "--no-progress"};
  auto has_run = [&] {
    return fs::exists(dir / "h.db") && !store::Store::open((dir / "h.db").string()).runs().empty();
  };
  int kills = 0;
  int kills_of_a_resume = 0;
  int finished_early = 0;
  for (int attempt = 0; kills < 20 && attempt < 60; ++attempt) {
    bool resuming = has_run();
    lean_bridge::ProcessSpec spec{resuming ? again : first, dir.string(), 0, false};
    auto child = lean_bridge::ChildProcess::spawn(spec);
    child->close_stdin();
    std::this_thread::sleep_for(std::chrono::milliseconds(moment_ms(random)));
    if (child->try_reap()) {
      ++finished_early;  // the run was done before this moment came
      break;
    }
    ::kill(child->pid(), SIGKILL);  // the harness only: its REPLs must go by themselves
    int status = child->reap(10'000);
    REQUIRE(WIFSIGNALED(status));
    ++kills;
    kills_of_a_resume += resuming ? 1 : 0;
  }
  INFO("kills " << kills << " (" << kills_of_a_resume << " of a resumed run), finished before a "
       << "kill " << finished_early);
  CHECK(kills == 20);

  // Whatever is left, to the end, with a faster double (an option given again wins over the
  // record): the kills had a slow one so that there was always work left to kill. On a loaded
  // machine every kill may come before the run was recorded (a sanitizer build starts slowly):
  // then there is nothing to resume, and the run starts whole, as a user would start it.
  bool resumable = has_run();
  Run last = resumable ? harness(dir, {"score", "--resume", "latest", "--db", "h.db", "--repl",
                                       repl(0), "--no-progress"})
                       : harness(dir, {"score", input.string(), "--db", "h.db", "--out",
                                       "out.jsonl", "--repl", repl(0), "--sandbox", "none",
                                       "--workers", "2", "--no-progress"});
  if (finished_early == 0) {
    INFO(last.output);
    REQUIRE(last.exit_code == 0);
    CHECK((last.output.find("resuming run") != std::string::npos) == resumable);
  }

  auto db = store::Store::open((dir / "h.db").string());
  auto runs = db.runs();
  REQUIRE(runs.size() == 1);  // one run, resumed: no second run recomputing through the cache
  CHECK(runs[0].status == store::RunStatus::completed);
  auto attempts = db.attempts(runs[0].id);
  std::map<int64_t, std::string> stored;
  for (const auto& a : attempts) {
    INFO("line " << a.line);
    CHECK(stored.emplace(a.line, a.verdict).second);  // exactly one attempt per line
  }
  CHECK(stored == expected);

  auto rows = read_jsonl(dir / "out.jsonl");
  CHECK(rows.size() == expected.size());  // OUT whole: no line lost, none twice
  std::vector<int64_t> lines;
  for (const auto& r : rows) lines.push_back(r.at("line").get<int64_t>());
  CHECK(std::is_sorted(lines.begin(), lines.end()));
  CHECK(verdicts(rows) == expected);
  // The summary counts every line, those kept from before the kills too.
  json summary = json::parse(runs[0].summary_json.value_or("{}"));
  CHECK(summary.at("lines").get<size_t>() == expected.size());
}

TEST_CASE("score --resume refuses a changed input, a run of another kind and a missing run, and "
          "a completed run rewrites OUT without Lean",
          "[e2e][resume]") {
  test_support::TempDir tmp("harness-resume");
  const fs::path dir = tmp.path();
  fs::path input = tmp.write("in.jsonl", corpus(40));
  Run first = harness(dir, {"score", input.string(), "--db", "h.db", "--repl", repl(0),
                            "--sandbox", "none", "--no-progress"});
  REQUIRE(first.exit_code == 0);
  auto before = read_jsonl(dir / "in.scored.jsonl");
  auto run = store::Store::open((dir / "h.db").string()).latest_run("score");
  REQUIRE(run);

  // A completed run named by its uuid: OUT written again from the store; the REPL given now does
  // not exist, and is not needed.
  fs::remove(dir / "in.scored.jsonl");
  Run again = harness(dir, {"score", "--resume", run->uuid, "--db", "h.db", "--repl",
                            "/nonexistent/repl", "--no-progress"});
  CHECK(again.exit_code == 0);
  CHECK(read_jsonl(dir / "in.scored.jsonl") == before);

  // latest: only runs that did not complete.
  Run none = harness(dir, {"score", "--resume", "latest", "--db", "h.db"});
  CHECK(none.exit_code == 2);
  CHECK(none.output.find("no score run that did not complete") != std::string::npos);

  Run other_kind = harness(dir, {"check", "--resume", run->uuid, "--db", "h.db"});
  CHECK(other_kind.exit_code == 2);
  CHECK(other_kind.output.find("is a `score` run") != std::string::npos);

  Run missing = harness(dir, {"score", "--resume", "latest", "--db", "nothing.db"});
  CHECK(missing.exit_code == 2);
  CHECK_FALSE(fs::exists(dir / "nothing.db"));

  std::ofstream(input, std::ios::app) << "{\"name\": \"added later\"}\n";
  Run changed = harness(dir, {"score", "--resume", run->uuid, "--db", "h.db"});
  CHECK(changed.exit_code == 2);
  CHECK(changed.output.find("has changed since run") != std::string::npos);
  CHECK(changed.output.find(run->uuid) != std::string::npos);
}

TEST_CASE("check --resume goes on with a killed check run, keeps its baseline and JUnit report, "
          "and exits as a whole run would",
          "[e2e][resume]") {
  test_support::TempDir tmp("harness-resume");
  const fs::path dir = tmp.path();
  std::string text;
  for (int i = 0; i < 150; ++i) {
    text += json{{"name", fmt::format("c{}", i)},
                 {"formal_statement", fmt::format("theorem c{} : True := by\n", i)},
                 {"proof", i == 120 ? "  trivial\n--! error unknown identifier\n" : "  trivial\n"}}
                .dump() + "\n";
  }
  fs::path input = tmp.write("corpus.jsonl", text);
  std::vector<std::string> argv = {HARNESS_PATH, "check", input.string(), "--db", "ci.db",
                                   "--junit", "report.xml", "--repl", repl(10), "--sandbox",
                                   "none", "--workers", "1", "--no-progress"};
  lean_bridge::ProcessSpec spec{argv, dir.string(), 0, false};
  auto child = lean_bridge::ChildProcess::spawn(spec);
  child->close_stdin();
  // Killed once some lines are in the store, long before the 150th.
  for (int i = 0; i < 400; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!fs::exists(dir / "ci.db")) continue;
    auto db = store::Store::open((dir / "ci.db").string());
    auto run = db.latest_run("check");
    if (run && !db.attempts(run->id).empty()) break;
  }
  ::kill(child->pid(), SIGKILL);
  REQUIRE(WIFSIGNALED(child->reap(10'000)));
  CHECK_FALSE(fs::exists(dir / "report.xml"));

  Run resumed = harness(dir, {"check", "--resume", "latest", "--db", "ci.db", "--no-progress"});
  CHECK(resumed.exit_code == 1);  // line 121 fails, as in a run never killed
  CHECK(resumed.output.find("c120") != std::string::npos);
  REQUIRE(fs::exists(dir / "report.xml"));  // the recorded --junit, written by the resumed run
  std::ifstream in(dir / "report.xml");
  std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t cases = 0;
  for (size_t at = xml.find("<testcase"); at != std::string::npos; at = xml.find("<testcase", at + 1)) {
    ++cases;
  }
  CHECK(cases == 150);
  auto db = store::Store::open((dir / "ci.db").string());
  auto run = db.latest_run("check");
  CHECK(run->status == store::RunStatus::completed);
  CHECK(db.attempts(run->id).size() == 150);
}

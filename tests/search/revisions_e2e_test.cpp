// `harness search --revisions R` as a user runs it: the real binary, a real SQLite file, the
// REPL double in rules mode (synthetic/README.md) and the OpenAI-compatible double.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lean-bridge/child_process.hpp"
#include "store/store.hpp"
#include "tests/openai-double/double_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kTasks = std::string(SYNTHETIC_DIR) + "/tasks.jsonl";
const std::string kRules = std::string(SYNTHETIC_DIR) + "/rules.json";
// Two-step families whose first step is shared (`intro h`) and whose second step (`exact h.1`
// or `exact h.2`) the goal's shape hardly tells, with a small vocabulary: after a few epochs the
// first step is often right and the second often wrong (synthetic/README.md).
const std::string kRevisionTasks = std::string(SYNTHETIC_DIR) + "/revision_tasks.jsonl";
const std::string kRevisionVocabulary = std::string(SYNTHETIC_DIR) + "/revision_vocabulary.txt";

struct Box {
  test_support::TempDir tmp{"harness-revisions"};
  fs::path dir = tmp.path();
  std::string db() const { return (dir / "search.db").string(); }
  std::string repl() const { return fmt::format("{} --tactic-rules {}", FAKE_REPL_PATH, kRules); }
};

struct Run {
  int exit_code = -1;
  std::string output;
};

Run harness(const Box& box, const std::vector<std::string>& args,
            const std::vector<std::string>& env = {}) {
  std::vector<std::string> argv;
  if (!env.empty()) {
    argv.push_back("/usr/bin/env");
    argv.insert(argv.end(), env.begin(), env.end());
  }
  argv.push_back(HARNESS_PATH);
  argv.insert(argv.end(), args.begin(), args.end());
  lean_bridge::ProcessSpec spec{argv, box.dir.string(), 0, false};
  auto run = lean_bridge::capture_output(spec, 300'000);
  INFO(run.output);
  REQUIRE(run.status);
  REQUIRE(WIFEXITED(*run.status));
  return {WEXITSTATUS(*run.status), run.output};
}

std::vector<json> read_jsonl(const fs::path& path) {
  std::ifstream in(path);
  std::vector<json> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(json::parse(line));
  return rows;
}

json summary(const Box& box) {
  auto db = store::Store::open(box.db());
  auto run = db.latest_run("search");
  REQUIRE(run);
  REQUIRE(run->summary_json);
  return json::parse(*run->summary_json);
}

// The synthetic tasks whose name is in `names`, in file order, as a task file of their own.
std::vector<json> tasks_named(const std::vector<std::string>& names) {
  std::vector<json> out;
  std::ifstream in(kTasks);
  for (std::string line; std::getline(in, line);) {
    json t = json::parse(line);
    if (std::find(names.begin(), names.end(), t.at("name")) != names.end()) out.push_back(t);
  }
  return out;
}

fs::path write_tasks(const Box& box, const std::vector<json>& tasks, const std::string& file) {
  std::string text;
  for (const auto& t : tasks) text += t.dump() + "\n";
  return box.tmp.write(file, text);
}

// The budget row B of a split in the run summary.
json budget_row(const json& s, const std::string& split, int64_t budget) {
  for (const auto& row : s.at("budget").at(split)) {
    if (row.at("budget") == budget) return row;
  }
  FAIL("no budget row " << budget << " for " << split << " in " << s.dump());
  return {};
}

}  // namespace

TEST_CASE("a remote model fixes its proof after Lean's error: the error reaches the prompt, the "
          "revision is checked and recorded",
          "[search][revisions][remote]") {
  Box box;
  // syn_0007 (and_swap): `exact h` is refused on line 2 of the proof; syn_0012 (or_left):
  // `left` alone leaves a goal, which Lean reports as `unsolved goals` at the statement's `by`.
  auto tasks = tasks_named({"syn_0007", "syn_0012"});
  REQUIRE(tasks.size() == 2);
  fs::path task_file = write_tasks(box, tasks, "tasks.jsonl");
  // First matching rule wins: the revision prompts (they hold "Lean's messages") get the fixes.
  json script = {
      {"rules",
       {{{"contains", "unsolved goals"}, {"completions", {"  left\n  assumption\n```"}}},
        {{"contains", "Lean's messages about it"},
         {"completions", {tasks[0].at("reference_proof").get<std::string>() + "\n```"}}},
        {{"contains", "syn_0007"}, {"completions", {"  intro h\n  exact h\n```"}}},
        {{"contains", "syn_0012"}, {"completions", {"  left\n```"}}}}}};
  fs::path script_file = box.tmp.write("script.json", script.dump());
  fs::path log = box.dir / "requests.jsonl";
  openai_double::DoubleProcess server(OPENAI_DOUBLE_PATH,
                                      {"--script", script_file.string(), "--record", log.string()});
  fs::path out = box.dir / "r.jsonl";
  Run run = harness(box, {"search", "--tasks", task_file.string(), "--policy",
                          "openai:" + server.base_url(), "--model", "prover", "--samples", "1",
                          "--revisions", "2", "--db", box.db(), "--repl", box.repl(),
                          "--sandbox", "none", "--no-progress", "--out", out.string()});
  REQUIRE(run.exit_code == 0);
  auto rows = read_jsonl(out);
  INFO(run.output);
  REQUIRE(rows.size() == 4);  // per task: a first try that fails and a revision that passes
  std::map<std::string, std::vector<json>> by_task;
  for (const auto& r : rows) by_task[r.at("task")].push_back(r);
  for (const auto& [task, attempts] : by_task) {
    INFO(task);
    REQUIRE(attempts.size() == 2);
    CHECK(attempts[0].at("round") == 0);
    CHECK(attempts[0].at("revises").is_null());
    CHECK(attempts[0].at("verdict") == "fail");
    CHECK(attempts[1].at("round") == 1);
    CHECK(attempts[1].at("revises") == attempts[0].at("line"));
    CHECK(attempts[1].at("verdict") == "pass");
    const std::string prompt = attempts[1].at("prompt");
    // The revision prompt holds the previous attempt and Lean's message, placed in the proof.
    CHECK(prompt.find(attempts[0].at("proof").get<std::string>()) != std::string::npos);
    CHECK(prompt.find("Revise the proof") != std::string::npos);
  }
  const std::string swap_prompt = by_task["syn_0007"][1].at("prompt");
  CHECK(swap_prompt.find("error at line 2, column 2 of the proof:") != std::string::npos);
  const std::string left_prompt = by_task["syn_0012"][1].at("prompt");
  CHECK(left_prompt.find("error in the statement (line 1") != std::string::npos);
  CHECK(left_prompt.find("unsolved goals\ncase h") != std::string::npos);
  CHECK(left_prompt.find("⊢ p") != std::string::npos);
  // What the server received: two first prompts, then two revision prompts.
  auto requests = read_jsonl(log);
  REQUIRE(requests.size() == 4);
  int revision_requests = 0;
  for (const auto& r : requests) {
    std::string prompt = json::parse(r.at("body").get<std::string>()).at("prompt");
    if (prompt.find("Lean's messages about it") != std::string::npos) ++revision_requests;
  }
  CHECK(revision_requests == 2);
  // The store keeps the round and the attempt revised.
  auto db = store::Store::open(box.db());
  auto stored = db.search_attempts(db.latest_run("search")->id);
  REQUIRE(stored.size() == 4);
  int revisions = 0;
  for (const auto& s : stored) {
    if (s.round == 1) {
      ++revisions;
      REQUIRE(s.revises);
      CHECK(*s.revises < s.attempt.line);
    }
  }
  CHECK(revisions == 2);
  // Accounting: pass@1 counts first tries only; within 2 checks the chains solve both.
  json s = summary(box);
  for (const auto& row : s.at("pass_at_k").at("train")) {
    if (row.at("k") == 1) CHECK(row.at("unbiased") == 0.0);
  }
  CHECK(budget_row(s, "train", 1).at("revising") == 0.0);
  CHECK(budget_row(s, "train", 2).at("revising") == 1.0);
  CHECK(budget_row(s, "train", 2).at("plain").is_null());  // one first try: no pass@2
  CHECK(run.output.find("success within a budget") != std::string::npos);
}

TEST_CASE("revisions are refused where they cannot work", "[search][revisions][usage]") {
  Box box;
  fs::path file = box.tmp.write("p.jsonl", "");
  Run replay = harness(box, {"search", "--tasks", kTasks, "--policy", "replay:" + file.string(),
                             "--revisions", "1", "--db", box.db(), "--repl", box.repl(),
                             "--sandbox", "none"});
  CHECK(replay.exit_code == 2);
  CHECK(replay.output.find("cannot revise") != std::string::npos);
  Run step = harness(box, {"search", "--tasks", kTasks, "--mode", "step", "--revisions", "1",
                           "--db", box.db(), "--repl", box.repl(), "--sandbox", "none"});
  CHECK(step.exit_code == 2);
  CHECK(step.output.find("--mode whole") != std::string::npos);
}

namespace {

// The built-in policy on the revision families, seed 7, uniform curriculum.
std::vector<std::string> builtin_args(const Box& box, std::vector<std::string> extra) {
  std::vector<std::string> args = {"search", "--tasks", kRevisionTasks, "--vocabulary",
                                   kRevisionVocabulary, "--policy", "builtin", "--seed", "7",
                                   "--curriculum", "uniform", "--db", box.db(), "--workers", "2",
                                   "--repl", box.repl(), "--sandbox", "none", "--no-progress"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace

TEST_CASE("the built-in policy's revisions beat plain sampling at the same budget of Lean checks",
          "[search][revisions][learning]") {
  // Fixed seeds. K = 8 first tries per task and R = 1 after 3 training epochs (with revisions).
  // Measured when written (train / valid), revising vs plain: B = 2: 0.44 vs 0.31 / 0.30 vs
  // 0.13; B = 4: 0.66 vs 0.53 / 0.48 vs 0.25; B = 8: 0.90 vs 0.78 / 0.75 vs 0.50.
  const double kMargin = 0.08;
  Box box;
  fs::path out = box.dir / "r.jsonl";
  Run run = harness(box, builtin_args(box, {"--samples", "8", "--revisions", "1", "--epochs", "3",
                                            "--out", out.string()}));
  REQUIRE(run.exit_code == 0);
  json s = summary(box);
  INFO(s.dump());
  for (const std::string split : {"train", "valid"}) {
    INFO(split);
    // One check: a chain's first try is a plain sample.
    CHECK(budget_row(s, split, 1).at("revising").get<double>() ==
          Approx(budget_row(s, split, 1).at("plain").get<double>()));
    for (int64_t budget : {2, 4, 8}) {
      INFO("B = " << budget);
      json row = budget_row(s, split, budget);
      CHECK(row.at("revising").get<double>() >= row.at("plain").get<double>() + kMargin);
    }
    // Budgets past K have no plain column: K first tries cannot estimate pass@16.
    CHECK(budget_row(s, split, 16).at("plain").is_null());
  }
  // Every revision revises a failed attempt of the same task, sample and epoch, one round on.
  auto rows = read_jsonl(out);
  std::map<int64_t, json> by_line;
  for (const auto& r : rows) by_line[r.at("line").get<int64_t>()] = r;
  int64_t eval_revisions = 0;
  for (const auto& r : rows) {
    if (r.at("round") == 0) continue;
    INFO(r.dump());
    REQUIRE(r.at("revises").is_number_integer());
    const json& before = by_line.at(r.at("revises").get<int64_t>());
    CHECK(r.at("round") == 1);
    CHECK(before.at("round") == 0);
    CHECK(before.at("verdict") != "pass");
    CHECK(before.at("task") == r.at("task"));
    CHECK(before.at("sample") == r.at("sample"));
    CHECK(before.at("epoch") == r.at("epoch"));
    if (r.at("phase") == "eval") ++eval_revisions;
  }
  CHECK(eval_revisions > 0);
  // pass@k counts first tries only: n = 8 per task, whatever the revisions.
  auto db = store::Store::open(box.db());
  auto id = db.latest_run("search")->id;
  auto epochs = db.epochs(id);
  REQUIRE(epochs.size() == 4);
  for (const auto& t : db.task_samples(id, 4)) CHECK(t.n == 8);
  CHECK(epochs.back().attempts == 40 * 8);
  CHECK(json::parse(epochs.back().stats_json).at("revisions").at("attempts") == eval_revisions);
}

TEST_CASE("a run with revisions killed after an epoch resumes exactly", "[search][revisions][resume]") {
  Box whole, killed;
  std::vector<std::string> args = {"--samples", "4", "--revisions", "2", "--epochs", "3"};
  auto a = args;
  a.insert(a.end(), {"--out", (whole.dir / "r.jsonl").string()});
  REQUIRE(harness(whole, builtin_args(whole, a)).exit_code == 0);
  auto b = args;
  b.insert(b.end(), {"--out", (killed.dir / "r.jsonl").string()});
  REQUIRE(harness(killed, builtin_args(killed, b), {"HARNESS_TEST_KILL_AFTER_EPOCH=1"}).exit_code ==
          137);
  Run resumed = harness(killed, {"search", "--resume", "latest", "--db", killed.db(),
                                 "--no-progress"});
  REQUIRE(resumed.exit_code == 0);
  auto strip = [](std::vector<json> rows) {
    for (auto& row : rows) row.erase("cached");  // a redone check may come from the cache
    return rows;
  };
  auto left = strip(read_jsonl(whole.dir / "r.jsonl"));
  CHECK(std::any_of(left.begin(), left.end(), [](const json& r) { return r.at("round") == 2; }));
  CHECK(left == strip(read_jsonl(killed.dir / "r.jsonl")));
  CHECK(summary(whole).at("budget") == summary(killed).at("budget"));
}

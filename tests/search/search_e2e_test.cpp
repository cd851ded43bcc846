// `harness search` as a user runs it: the real binary, a real SQLite file, and the project's
// REPL double in rules mode, which decides tactics by the goal's shape (synthetic/README.md).
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lean-bridge/child_process.hpp"
#include "store/input_hash.hpp"
#include "store/store.hpp"
#include "tests/support/search_summary.hpp"
#include "tests/openai-double/double_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using test_support::pass_at_1;

namespace {

const std::string kTasks = std::string(SYNTHETIC_DIR) + "/tasks.jsonl";
const std::string kRules = std::string(SYNTHETIC_DIR) + "/rules.json";

struct Box {
  test_support::TempDir tmp{"harness-search"};
  fs::path dir = tmp.path();
  std::string db() const { return (dir / "search.db").string(); }
  std::string repl(const std::string& extra = "") const {
    return fmt::format("{} --tactic-rules {} {}", FAKE_REPL_PATH, kRules, extra);
  }
};

struct Run {
  int exit_code = -1;
  std::string output;
};

Run harness(const Box& box, std::vector<std::string> args,
            std::vector<std::pair<std::string, std::string>> env = {}) {
  std::vector<std::string> argv;
  if (!env.empty()) {
    argv.push_back("/usr/bin/env");
    for (auto& [k, v] : env) argv.push_back(k + "=" + v);
  }
  argv.push_back(HARNESS_PATH);
  for (auto& a : args) argv.push_back(a);
  lean_bridge::ProcessSpec spec{argv, box.dir.string(), 0, false};
  auto run = lean_bridge::capture_output(spec, 120'000);
  INFO(run.output);
  REQUIRE(run.status);
  REQUIRE(WIFEXITED(*run.status));
  return {WEXITSTATUS(*run.status), run.output};
}

// The common arguments of a search on the synthetic families.
std::vector<std::string> search_args(const Box& box, std::vector<std::string> extra) {
  std::vector<std::string> args = {"search", "--tasks", kTasks, "--policy", "builtin",
                                   "--db", box.db(), "--workers", "2", "--repl", box.repl(),
                                   "--sandbox", "none", "--no-progress", "--seed", "7"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::vector<json> read_jsonl(const fs::path& path) {
  std::ifstream in(path);
  std::vector<json> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(json::parse(line));
  return rows;
}

json summary(const Box& box) { return test_support::search_summary(box.db()); }


}  // namespace

TEST_CASE("step search with the built-in policy learns the synthetic families, held-out tasks too",
          "[search][learning]") {
  // Fixed seeds; the margin is what training must add to the untrained policy's pass@1,
  // on the training tasks and on the held-out `valid` tasks it never trained on.
  const double kMargin = 0.30;
  std::vector<std::string> step = {"--mode", "step", "--samples", "4", "--expansions", "8",
                                   "--width", "3", "--curriculum", "uniform"};
  Box untrained, trained;
  auto args = step;
  args.insert(args.end(), {"--epochs", "0"});
  REQUIRE(harness(untrained, search_args(untrained, args)).exit_code == 0);
  args = step;
  args.insert(args.end(), {"--epochs", "6"});
  Run run = harness(trained, search_args(trained, args));
  REQUIRE(run.exit_code == 0);
  json before = summary(untrained), after = summary(trained);
  INFO(before.dump() << "\n" << after.dump());
  CHECK(pass_at_1(after, "train") >= pass_at_1(before, "train") + kMargin);
  CHECK(pass_at_1(after, "valid") >= pass_at_1(before, "valid") + kMargin);
  // The learning curve is recorded per epoch, and the pass rate rose over it.
  auto db = store::Store::open(trained.db());
  auto epochs = db.epochs(db.latest_run("search")->id);
  REQUIRE(epochs.size() == 7);  // 6 training epochs and the evaluation
  CHECK(epochs.front().phase == "train");
  CHECK(epochs.back().phase == "eval");
  REQUIRE(epochs[0].pass_rate);
  REQUIRE(epochs[5].pass_rate);
  CHECK(*epochs[5].pass_rate > *epochs[0].pass_rate + kMargin);
  // Without a lemma library an epoch has no library figures, in the store or the summary.
  for (const auto& e : epochs) {
    CHECK_FALSE(e.library_size);
    CHECK_FALSE(e.description_bytes);
  }
  REQUIRE(after["curve"].size() == 7);
  for (const auto& point : after["curve"]) {
    CHECK_FALSE(point.contains("library_size"));
    CHECK_FALSE(point.contains("description_bytes"));
  }
}

TEST_CASE("whole-proof sampling learns too, and pass@k is reported for k = 1, 2, 4, 8 per split",
          "[search][learning]") {
  Box untrained, trained;
  std::vector<std::string> whole = {"--samples", "8", "--curriculum", "uniform"};
  auto args = whole;
  args.insert(args.end(), {"--epochs", "0"});
  REQUIRE(harness(untrained, search_args(untrained, args)).exit_code == 0);
  args = whole;
  args.insert(args.end(), {"--epochs", "8"});
  Run run = harness(trained, search_args(trained, args));
  REQUIRE(run.exit_code == 0);
  json before = summary(untrained), after = summary(trained);
  INFO(before.dump() << "\n" << after.dump());
  CHECK(pass_at_1(after, "train") >= pass_at_1(before, "train") + 0.25);
  CHECK(pass_at_1(after, "valid") >= pass_at_1(before, "valid") + 0.25);
  for (const std::string split : {"train", "valid"}) {
    std::vector<int> ks;
    for (const auto& row : after.at("pass_at_k").at(split)) {
      ks.push_back(row.at("k").get<int>());
      CHECK(row.at("any_of_k").get<double>() >= 0);
      CHECK(row.at("unbiased").get<double>() <= 1);
    }
    CHECK(ks == std::vector<int>{1, 2, 4, 8});
  }
  CHECK(run.output.find("any-of-k") != std::string::npos);
  // n and c are stored per task, so pass@k can be recomputed: every task has n = 8 samples.
  auto db = store::Store::open(trained.db());
  auto id = db.latest_run("search")->id;
  auto samples = db.task_samples(id, 9);
  CHECK(samples.size() == 150);
  for (const auto& s : samples) {
    CHECK(s.n == 8);
    CHECK(s.c <= s.n);
  }
}

TEST_CASE("rollouts: one object per attempt with the fields external trainers read",
          "[search][rollouts]") {
  Box box;
  fs::path out = box.dir / "rollouts.jsonl";
  REQUIRE(harness(box, search_args(box, {"--samples", "2", "--epochs", "2", "--out",
                                         out.string(), "--curriculum", "uniform"}))
              .exit_code == 0);
  auto rows = read_jsonl(out);
  // 2 epochs × 120 training tasks × 2 samples, then 150 tasks × 2 in the evaluation.
  REQUIRE(rows.size() == 2 * 120 * 2 + 150 * 2);
  std::map<std::string, int> phases;
  for (size_t i = 0; i < rows.size(); ++i) {
    const json& r = rows[i];
    CHECK(r.at("line") == static_cast<int64_t>(i + 1));
    for (const char* field : {"task", "task_id", "epoch", "prompt", "completion", "verdict",
                              "reward", "group", "policy_version", "advantage"}) {
      CHECK(r.contains(field));
    }
    ++phases[r.at("phase").get<std::string>()];
    if (r.at("verdict") == "pass") CHECK(r.at("reward") == 1.0);
    if (r.at("phase") == "eval") CHECK(r.at("advantage").is_null());
  }
  CHECK(phases["train"] == 480);
  CHECK(phases["eval"] == 300);
  // The store holds the same attempts.
  auto db = store::Store::open(box.db());
  CHECK(db.search_attempts(db.latest_run("search")->id).size() == rows.size());
  // The run row holds its task file's path and SHA-256 (a resume can refuse a changed file).
  auto run_row = db.latest_run("search");
  CHECK(run_row->input_path == kTasks);
  CHECK(run_row->input_sha256 == store::file_sha256(kTasks));
}

TEST_CASE("a run killed after an epoch resumes exactly: same checkpoints, same rollouts",
          "[search][resume]") {
  std::vector<std::string> args = {"--mode", "step", "--samples", "3", "--expansions", "6",
                                   "--epochs", "4"};
  Box whole, killed;
  auto a = args;
  a.insert(a.end(), {"--out", (whole.dir / "r.jsonl").string()});
  REQUIRE(harness(whole, search_args(whole, a)).exit_code == 0);

  auto b = args;
  b.insert(b.end(), {"--out", (killed.dir / "r.jsonl").string()});
  Run dead = harness(killed, search_args(killed, b), {{"HARNESS_TEST_KILL_AFTER_EPOCH", "2"}});
  REQUIRE(dead.exit_code == 137);
  {
    auto db = store::Store::open(killed.db());
    auto run = db.latest_run("search");
    CHECK(run->status == store::RunStatus::running);  // nobody marked it: it was killed
    CHECK(db.latest_checkpoint(run->id)->epoch == 2);
  }
  // Neither --repl nor --sandbox again: the resumed run takes them from its record (without
  // them it would run the default REPL, which this machine does not have).
  Run resumed = harness(killed, {"search", "--resume", "latest", "--db", killed.db(),
                                 "--no-progress"});
  REQUIRE(resumed.exit_code == 0);
  CHECK(resumed.output.find("resuming run") != std::string::npos);

  auto left = store::Store::open(whole.db());
  auto right = store::Store::open(killed.db());
  auto l = left.latest_run("search"), r = right.latest_run("search");
  CHECK(r->status == store::RunStatus::completed);
  for (int epoch = 1; epoch <= 4; ++epoch) {
    INFO("epoch " << epoch);
    CHECK(left.checkpoint(l->id, epoch)->sha256 == right.checkpoint(r->id, epoch)->sha256);
  }
  auto strip = [](std::vector<json> rows) {
    for (auto& row : rows) row.erase("cached");  // a redone check may come from the cache
    return rows;
  };
  CHECK(strip(read_jsonl(whole.dir / "r.jsonl")) == strip(read_jsonl(killed.dir / "r.jsonl")));
}

TEST_CASE("a run killed in the middle of an epoch resumes from the last finished one",
          "[search][resume]") {
  Box whole, killed;
  std::vector<std::string> args = {"--samples", "4", "--epochs", "3", "--curriculum", "uniform"};
  REQUIRE(harness(whole, search_args(whole, args)).exit_code == 0);
  // Kill the harness (SIGKILL) while epoch 2 is being checked: the double is slowed down so
  // the epoch takes long enough to be caught in the middle.
  std::vector<std::string> argv = {HARNESS_PATH};
  for (auto& s : search_args(killed, args)) argv.push_back(s);
  for (auto& s : argv) {
    if (s == killed.repl()) s = killed.repl("--check-ms 2");
  }
  lean_bridge::ProcessSpec spec{argv, killed.dir.string(), 0, false};
  auto child = lean_bridge::ChildProcess::spawn(spec);
  int64_t kept = -1;
  for (int i = 0; i < 600 && kept < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    try {
      auto db = store::Store::open(killed.db());
      if (auto run = db.latest_run("search")) {
        if (auto c = db.latest_checkpoint(run->id)) kept = c->epoch;
      }
    } catch (const store::StoreError&) {
    }
  }
  REQUIRE(kept >= 1);
  child->kill_group();
  Run resumed = harness(killed, {"search", "--resume", "latest", "--db", killed.db(),
                                 "--repl", killed.repl(), "--sandbox", "none", "--no-progress"});
  REQUIRE(resumed.exit_code == 0);
  auto left = store::Store::open(whole.db());
  auto right = store::Store::open(killed.db());
  auto l = left.latest_run("search"), r = right.latest_run("search");
  CHECK(left.checkpoint(l->id, 3)->sha256 == right.checkpoint(r->id, 3)->sha256);
  CHECK(left.search_attempts(l->id).size() == right.search_attempts(r->id).size());
  CHECK(json::parse(*l->summary_json).at("pass_at_k") == json::parse(*r->summary_json).at("pass_at_k"));
}

TEST_CASE("replay policy: a dataset's proofs through the same loop, and cheats get no reward",
          "[search][replay]") {
  Box box;
  std::string proofs;
  std::ifstream in(kTasks);
  int n = 0;
  for (std::string line; std::getline(in, line) && n < 6; ++n) {
    json task = json::parse(line);
    // Three honest proofs, then three that cheat.
    std::string proof = n < 3 ? task.at("reference_proof").get<std::string>() + "\n"
                              : std::string("  sorry\n");
    proofs += json{{"name", task.at("name")}, {"formal_statement", task.at("formal_statement")},
                   {"proof", proof}}.dump() + "\n";
  }
  proofs += "{\"name\": \"broken\"\n";
  fs::path file = box.tmp.write("proofs.jsonl", proofs);
  fs::path out = box.dir / "r.jsonl";
  Run run = harness(box, {"search", "--tasks", kTasks, "--policy", "replay:" + file.string(),
                          "--samples", "1", "--db", box.db(), "--workers", "2", "--repl",
                          box.repl(), "--sandbox", "none", "--no-progress", "--out",
                          out.string()});
  REQUIRE(run.exit_code == 0);
  CHECK(run.output.find("proofs.jsonl:7") != std::string::npos);  // the bad line is named
  auto rows = read_jsonl(out);
  REQUIRE(rows.size() == 6);  // tasks without a proof in the file get no sample
  for (size_t i = 0; i < rows.size(); ++i) {
    INFO(rows[i].dump());
    CHECK(rows[i].at("verdict") == (i < 3 ? "pass" : "incomplete"));
    CHECK(rows[i].at("reward") == (i < 3 ? 1.0 : 0.0));
  }
}

TEST_CASE("search refuses what it cannot do, with the reason", "[search][usage]") {
  Box box;
  Run missing = harness(box, {"search", "--tasks", kTasks, "--policy", "replay:missing.jsonl",
                              "--db", box.db(), "--repl", box.repl(), "--sandbox", "none"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.output.find("missing.jsonl") != std::string::npos);
  fs::path file = box.tmp.write("p.jsonl", "");
  Run no_step = harness(box, {"search", "--tasks", kTasks, "--policy", "replay:" + file.string(),
                              "--mode", "step", "--db", box.db(), "--repl", box.repl(),
                              "--sandbox", "none"});
  CHECK(no_step.exit_code == 2);
  CHECK(no_step.output.find("cannot propose tactics") != std::string::npos);
  Run no_tasks = harness(box, {"search", "--tasks", (box.dir / "none.jsonl").string(), "--db",
                               box.db()});
  CHECK(no_tasks.exit_code == 2);
  CHECK(no_tasks.output.find("no such file") != std::string::npos);
  Run no_lean = harness(box, {"search", "--tasks", kTasks, "--samples", "1", "--db", box.db(),
                              "--repl", "/nonexistent/repl", "--sandbox", "none"});
  CHECK(no_lean.exit_code == 3);
  CHECK(no_lean.output.find("harness doctor") != std::string::npos);
  Run nothing = harness(box, {"search", "--resume", "latest", "--db",
                              (box.dir / "empty.db").string()});
  CHECK(nothing.exit_code == 2);
}

namespace {

// The first `n` synthetic tasks, as a task file of their own.
std::vector<json> synthetic_tasks(size_t n) {
  std::vector<json> tasks;
  std::ifstream in(kTasks);
  for (std::string line; tasks.size() < n && std::getline(in, line);) tasks.push_back(json::parse(line));
  return tasks;
}

fs::path write_tasks(const Box& box, const std::vector<json>& tasks) {
  std::string text;
  for (const auto& t : tasks) text += t.dump() + "\n";
  return box.tmp.write("tasks.jsonl", text);
}

}  // namespace

TEST_CASE("a remote OpenAI-compatible model as the policy: prompts, proofs, verdicts, API key",
          "[search][remote]") {
  Box box;
  auto tasks = synthetic_tasks(3);
  fs::path task_file = write_tasks(box, tasks);
  // The model proves the first task, gets the second wrong, and cheats on the third.
  json script = {
      {"api_key", "sekret"},
      {"rules", {{{"contains", tasks[0].at("name")},
                  {"completions", {tasks[0].at("reference_proof").get<std::string>() + "\n```"}}},
                 {{"contains", tasks[1].at("name")}, {"completions", {"  rfl\n  rfl\n```"}}}}},
      {"fallback", {"  sorry\n```"}}};
  fs::path script_file = box.tmp.write("script.json", script.dump());
  openai_double::DoubleProcess server(OPENAI_DOUBLE_PATH, {"--script", script_file.string()});
  fs::path out = box.dir / "r.jsonl";
  std::vector<std::string> args = {"search", "--tasks", task_file.string(), "--policy",
                                   "openai:" + server.base_url(), "--model", "prover",
                                   "--samples", "2", "--db", box.db(), "--repl", box.repl(),
                                   "--sandbox", "none", "--no-progress", "--out", out.string(),
                                   "--api-key-env", "PROVER_KEY"};
  Run run = harness(box, args, {{"PROVER_KEY", "sekret"}});
  REQUIRE(run.exit_code == 0);
  auto rows = read_jsonl(out);
  REQUIRE(rows.size() == 6);
  for (const auto& r : rows) {
    INFO(r.dump());
    CHECK(r.at("policy_version") == "openai:prover");
    CHECK(r.at("prompt").get<std::string>().find("Complete the following Lean 4 code") !=
          std::string::npos);
    const std::string task = r.at("task");
    std::string expected = task == tasks[0].at("name") ? "pass"
                           : task == tasks[1].at("name") ? "fail"
                                                         : "incomplete";
    CHECK(r.at("verdict") == expected);
  }

  // Without the key the server refuses every request: no sample has a verdict about a proof.
  Box unkeyed;
  fs::path out2 = unkeyed.dir / "r.jsonl";
  Run refused = harness(unkeyed, {"search", "--tasks", task_file.string(), "--policy",
                                  "openai:" + server.base_url(), "--model", "prover",
                                  "--samples", "1", "--db", unkeyed.db(), "--repl",
                                  unkeyed.repl(), "--sandbox", "none", "--no-progress", "--out",
                                  out2.string(), "--api-key-env", "PROVER_KEY_UNSET"});
  REQUIRE(refused.exit_code == 0);
  for (const auto& r : read_jsonl(out2)) {
    CHECK(r.at("verdict") == "error");
    CHECK(r.at("reward").is_null());
    CHECK(r.at("reason").get<std::string>().find("401") != std::string::npos);
  }
}

TEST_CASE("a model server that cannot be reached stops the run with its URL", "[search][remote]") {
  Box box;
  fs::path task_file = write_tasks(box, synthetic_tasks(2));
  Run run = harness(box, {"search", "--tasks", task_file.string(), "--policy",
                          "openai:http://127.0.0.1:9/v1", "--model", "prover", "--db", box.db(),
                          "--repl", box.repl(), "--sandbox", "none", "--no-progress"});
  CHECK(run.exit_code == 3);
  CHECK(run.output.find("127.0.0.1:9") != std::string::npos);
  auto db = store::Store::open(box.db());
  CHECK(db.latest_run("search")->status == store::RunStatus::failed);
}

TEST_CASE("reward shaping changes the rewards of passes only and is recorded per attempt",
          "[search][shaping]") {
  for (const std::string shaping : {"length", "novelty"}) {
    INFO(shaping);
    Box box;
    fs::path out = box.dir / "r.jsonl";
    REQUIRE(harness(box, search_args(box, {"--samples", "4", "--epochs", "3", "--shaping",
                                           shaping, "--curriculum", "uniform", "--out",
                                           out.string()}))
                .exit_code == 0);
    int passes = 0;
    bool above_one = false;
    for (const auto& r : read_jsonl(out)) {
      if (r.at("phase") != "train") {
        CHECK(r.at("shaping").is_null());
        continue;
      }
      CHECK(r.at("shaping") == shaping);
      if (r.at("verdict") != "pass") {
        CHECK(r.at("reward").get<double>() == 0.0);  // a pass stays necessary
        continue;
      }
      ++passes;
      CHECK(r.at("base_reward") == 1.0);
      double reward = r.at("reward").get<double>();
      if (shaping == "length") {
        CHECK(reward >= 0.5);
        CHECK(reward <= 1.0);
      } else {
        CHECK(reward >= 1.0);
        CHECK(reward <= 1.5);
        above_one = above_one || reward > 1.0;
      }
    }
    CHECK(passes > 0);
    if (shaping == "novelty") CHECK(above_one);
  }
}

TEST_CASE("a task file without splits trains on every task and says so", "[search][usage]") {
  Box box;
  auto tasks = synthetic_tasks(4);
  for (auto& t : tasks) t.erase("split");
  fs::path file = write_tasks(box, tasks);
  std::vector<std::string> args = search_args(box, {"--epochs", "1", "--samples", "2",
                                                    "--mode", "step", "--expansions", "4"});
  args[2] = file.string();  // --tasks
  Run run = harness(box, args);
  INFO(run.output);
  CHECK(run.exit_code == 0);
  CHECK(run.output.find("has a `split`: training on all 4 tasks") != std::string::npos);
  CHECK(run.output.find("pass@k any-of-k") != std::string::npos);
  // With splits, none of them `train`, it is still refused with the reason.
  for (auto& t : tasks) t["split"] = "test";
  fs::path test_only = box.tmp.write("test_only.jsonl", [&] {
    std::string text;
    for (const auto& t : tasks) text += t.dump() + "\n";
    return text;
  }());
  args[2] = test_only.string();
  Run refused = harness(box, args);
  CHECK(refused.exit_code == 2);
  CHECK(refused.output.find("no task of split `train`") != std::string::npos);
}

TEST_CASE("search --shard I/N: the parts' evaluations cover every task once", "[search][shard]") {
  std::map<std::string, int> seen;  // task id -> parts that searched it
  size_t total = 0;
  for (int part = 0; part < 2; ++part) {
    Box box;
    fs::path out = box.dir / "rollouts.jsonl";
    Run run = harness(box, search_args(box, {"--samples", "1", "--out", out.string(), "--shard",
                                             fmt::format("{}/2", part)}));
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    CHECK(run.output.find(fmt::format("shard {}/2: ", part)) != std::string::npos);
    std::set<std::string> ids;
    for (const json& r : read_jsonl(out)) ids.insert(r.at("task_id").get<std::string>());
    for (const auto& id : ids) ++seen[id];
    total += ids.size();
    CHECK(ids.size() > 40);  // about half of 150 each
    // The shard is a recorded setting: a resumed run keeps it.
    auto db = store::Store::open(box.db());
    CHECK(json::parse(db.latest_run("search")->settings_json)["search"]["shard"] ==
          fmt::format("{}/2", part));
  }
  CHECK(total == 150);
  CHECK(seen.size() == 150);
  for (auto& [id, parts] : seen) CHECK(parts == 1);
}

// Held-out generalisation on the compositional families (compositional/README.md) and
// `search --init-from` (docs/search.md): the real binary, real SQLite files, the REPL double in
// rules mode.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lean-bridge/child_process.hpp"
#include "store/store.hpp"
#include "tests/support/search_summary.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using test_support::pass_at_1;

namespace {

const std::string kTasks = std::string(COMPOSITIONAL_DIR) + "/tasks.jsonl";
const std::string kRules = std::string(COMPOSITIONAL_DIR) + "/rules.json";

// What training (4 epochs) must add to the untrained policy's pass@1 per split, and what a fit
// on one run's traces must add before any epoch (fixed seeds; measured figures in
// docs/search.md).
const double kTrainMargin = 0.5;
const double kValidMargin = 0.5;
const double kComposeMargin = 0.4;
const double kInitValidMargin = 0.5;
const double kInitComposeMargin = 0.5;

struct Box {
  test_support::TempDir tmp{"harness-compositional"};
  fs::path dir = tmp.path();
  std::string db() const { return (dir / "search.db").string(); }
  std::string repl() const { return fmt::format("{} --tactic-rules {}", FAKE_REPL_PATH, kRules); }
};

struct Run {
  int exit_code = -1;
  std::string output;
};

Run harness(const Box& box, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {HARNESS_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  lean_bridge::ProcessSpec spec{argv, box.dir.string(), 0, false};
  auto run = lean_bridge::capture_output(spec, 300'000);
  INFO(run.output);
  REQUIRE(run.status);
  REQUIRE(WIFEXITED(*run.status));
  return {WEXITSTATUS(*run.status), run.output};
}

// Step search with the built-in policy on the compositional tasks, fixed seed.
std::vector<std::string> search_args(const Box& box, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"search", "--tasks", kTasks, "--policy", "builtin",
                                   "--mode", "step", "--samples", "4", "--expansions", "8",
                                   "--width", "3", "--curriculum", "uniform",
                                   "--db", box.db(), "--workers", "2", "--repl", box.repl(),
                                   "--sandbox", "none", "--no-progress", "--seed", "7"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

json summary(const Box& box) { return test_support::search_summary(box.db()); }

std::string figures(const std::string& label, const json& s) {
  return fmt::format("{}: pass@1 train {:.3f}, valid {:.3f}, compose {:.3f}", label,
                     pass_at_1(s, "train"), pass_at_1(s, "valid"), pass_at_1(s, "compose"));
}

}  // namespace

TEST_CASE("compositional families: training raises pass@1 on both held-out splits",
          "[search][learning][compositional]") {
  Box untrained, trained;
  REQUIRE(harness(untrained, search_args(untrained, {"--epochs", "0"})).exit_code == 0);
  REQUIRE(harness(trained, search_args(trained, {"--epochs", "4"})).exit_code == 0);
  json before = summary(untrained), after = summary(trained);
  // The figures docs/search.md reports ("Held-out generalisation").
  WARN(figures("untrained", before) << "\n" << figures("trained, 4 epochs", after));
  CHECK(pass_at_1(after, "train") >= pass_at_1(before, "train") + kTrainMargin);
  CHECK(pass_at_1(after, "valid") >= pass_at_1(before, "valid") + kValidMargin);
  CHECK(pass_at_1(after, "compose") >= pass_at_1(before, "compose") + kComposeMargin);
}

TEST_CASE("search --init-from: a policy fitted on one run's traces starts above an untrained one",
          "[search][init-from][compositional]") {
  // One run trains on the train split; its verified proofs are traced.
  Box first;
  REQUIRE(harness(first, search_args(first, {"--epochs", "4", "--no-eval"})).exit_code == 0);
  fs::path traces = first.dir / "traces.jsonl";
  Run traced = harness(first, {"traces", "--db", first.db(), "--out", traces.string(), "--repl",
                               first.repl(), "--sandbox", "none", "--workers", "2"});
  REQUIRE(traced.exit_code == 0);
  // One step whose tactic the core vocabulary does not have: skipped and counted.
  {
    std::ifstream in(traces);
    std::string line;
    REQUIRE(std::getline(in, line));
    json extra = json::parse(line);
    extra["proof_id"] = "extra:1";
    extra["tactic"] = "exact not_in_the_vocabulary";
    std::ofstream(traces, std::ios::app) << extra.dump() << "\n";
  }

  // Evaluation only (--epochs 0): fitted on the traces vs untrained.
  Box untrained, fitted;
  REQUIRE(harness(untrained, search_args(untrained, {"--epochs", "0"})).exit_code == 0);
  Run run = harness(fitted, search_args(fitted, {"--epochs", "0", "--init-from", traces.string()}));
  REQUIRE(run.exit_code == 0);
  json before = summary(untrained), after = summary(fitted);
  WARN(figures("untrained", before) << "\n" << figures("--init-from", after));
  CHECK(run.output.find("skipped (tactic outside the vocabulary)") != std::string::npos);
  const json& init = after.at("init_from");
  CHECK(init.at("pairs").get<int>() >= 40);
  CHECK(init.at("skipped_vocabulary") == 1);
  CHECK(init.at("skipped_no_goal") == 0);
  CHECK(init.at("loss_after").get<double>() < init.at("loss_before").get<double>());
  CHECK(pass_at_1(after, "valid") >= pass_at_1(before, "valid") + kInitValidMargin);
  CHECK(pass_at_1(after, "compose") >= pass_at_1(before, "compose") + kInitComposeMargin);

  // Deterministic: the same fit gives the same policy.
  Box again;
  REQUIRE(harness(again, search_args(again, {"--epochs", "0", "--init-from", traces.string()}))
              .exit_code == 0);
  CHECK(summary(again).at("policy_version") == after.at("policy_version"));
  CHECK(summary(again).at("pass_at_k") == after.at("pass_at_k"));
}

TEST_CASE("search --init-from is refused for policies that cannot learn from traces",
          "[search][init-from][usage]") {
  Box box;
  fs::path traces = box.tmp.write("traces.jsonl", "");
  fs::path proofs = box.tmp.write("proofs.jsonl", "");
  Run replay = harness(box, {"search", "--tasks", kTasks, "--policy", "replay:" + proofs.string(),
                             "--init-from", traces.string(), "--db", box.db(), "--repl",
                             box.repl(), "--sandbox", "none"});
  CHECK(replay.exit_code == 2);
  CHECK(replay.output.find("--init-from: the replay policy cannot be fitted") != std::string::npos);
  Run remote = harness(box, {"search", "--tasks", kTasks, "--policy", "openai:http://127.0.0.1:9/v1",
                             "--model", "m", "--init-from", traces.string(), "--db", box.db(),
                             "--repl", box.repl(), "--sandbox", "none"});
  CHECK(remote.exit_code == 2);
  CHECK(remote.output.find("--init-from: the openai policy cannot be fitted") != std::string::npos);
  Run missing = harness(box, search_args(box, {"--init-from", (box.dir / "none.jsonl").string()}));
  CHECK(missing.exit_code == 2);
  CHECK(missing.output.find("none.jsonl: no such file") != std::string::npos);
  fs::path bad = box.tmp.write("bad.jsonl", "{\"format\": \"harness-trace-v1\"}\n");
  Run malformed = harness(box, search_args(box, {"--init-from", bad.string()}));
  CHECK(malformed.exit_code == 2);
  CHECK(malformed.output.find("bad.jsonl:1") != std::string::npos);
}

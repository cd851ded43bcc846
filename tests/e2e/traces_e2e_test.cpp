// `harness traces` as a user runs it: proofs scored into a store with the REPL double in rules
// mode (tests/fake-repl/README.md), then traced: each verified proof checked again with the
// infotree asked for, one JSONL line per step with the goals the double's goal model gives.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "lean-bridge/child_process.hpp"
#include "tasks/trace_reader.hpp"
#include "tests/support/harness_run.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using Run = test_support::HarnessRun;

Run harness(const fs::path& dir, std::vector<std::string> args) {
  return test_support::run_harness(dir, std::move(args));
}

const char* const kRules = R"json([
  {"goal": "(.+?) ∧ (.+)", "tactic": "constructor",
   "goals": ["case left\n$HYPS\n⊢ $1", "case right\n$HYPS\n⊢ $2"]},
  {"goal": "(.+)", "hyp": "\\S+ : $1", "tactic": "assumption", "goals": []},
  {"goal": "(.+)", "hyp": "(\\S+) : $1", "tactic": "exact ${h1}", "goals": []},
  {"goal": "(.+)", "tactic": "have t : Nat := 42", "goals": ["$HYPS\nt : Nat\n⊢ $1"]}
])json";

std::string line(const std::string& name, const std::string& statement, const std::string& proof) {
  return json{{"name", name}, {"formal_statement", statement}, {"proof", proof}}.dump() + "\n";
}

std::string corpus() {
  std::string s;
  s += line("and_intro", "theorem and_intro (p q : Prop) (hp : p) (hq : q) : p ∧ q := by\n",
            "  constructor\n  assumption\n  exact hq\n");
  s += line("with_have", "theorem with_have (p : Prop) (hp : p) : p := by\n",
            "  have t : Nat := 42\n  exact hp\n");
  // Fails when scored: never traced.
  s += line("wrong", "theorem wrong (p q : Prop) (hp : p) : p ∧ q := by\n",
            "  constructor\n  assumption\n  assumption\n");
  // A term proof: it passes, and Lean reports no tactic.
  s += line("term", "theorem term_proof (p : Prop) (hp : p) : p :=", " hp\n");
  // A whole file (its own theorem, the task's header).
  s += json{{"name", "whole"},
            {"formal_statement", "theorem whole (p : Prop) (hp : p) : p := by\n"},
            {"full_proof", "theorem whole (p : Prop) (hp : p) : p := by\n  exact hp\n"}}
           .dump() +
       "\n";
  return s;
}

std::vector<json> json_lines(const fs::path& path) {
  std::vector<json> rows;
  std::ifstream in(path);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) rows.push_back(json::parse(l));
  }
  return rows;
}

}  // namespace

TEST_CASE("traces: every verified proof's steps with Lean's goals before and after",
          "[traces]") {
  test_support::TempDir tmp("harness-traces");
  fs::path rules = tmp.write("rules.json", kRules);
  fs::path input = tmp.write("proofs.jsonl", corpus());
  std::string db = (tmp.path() / "h.db").string();
  std::string repl = std::string(FAKE_REPL_PATH) + " --tactic-rules " + rules.string();
  std::vector<std::string> engine = {"--db", db, "--repl", repl, "--sandbox", "none",
                                     "--no-progress"};
  auto with_engine = [&](std::vector<std::string> args) {
    args.insert(args.end(), engine.begin(), engine.end());
    return args;
  };
  Run scored = harness(tmp.path(), with_engine({"score", input.string()}));
  INFO(scored.output);
  REQUIRE(scored.exit_code == 0);
  REQUIRE(scored.output.find("pass 4, fail 1") != std::string::npos);

  fs::path out = tmp.path() / "traces.jsonl";
  Run traced = harness(tmp.path(), with_engine({"traces", "--out", out.string()}));
  INFO(traced.output);
  REQUIRE(traced.exit_code == 0);
  CHECK(traced.output.find("4 verified proofs, 4 traced (6 steps, 1 `have` steps), 0 not traced") !=
        std::string::npos);

  auto rows = json_lines(out);
  REQUIRE(rows.size() == 6);
  const std::string hyps = "p q : Prop\nhp : p\nhq : q\n";
  const json& first = rows[0];
  CHECK(first["format"] == "harness-trace-v1");
  CHECK(first["task_name"] == "and_intro");
  CHECK(first["line"] == 1);
  CHECK(first["proof_id"] == first["run"].get<std::string>() + ":1");
  CHECK(first["task_id"].get<std::string>().starts_with("task-v1:"));
  CHECK(first["step"] == 0);
  CHECK(first["tactic"] == "constructor");
  CHECK(first["kind"] == "Lean.Parser.Tactic.constructor");
  CHECK(first["goals_before"] == json{hyps + "⊢ p ∧ q"});
  CHECK(first["goals_after"] == json{"case left\n" + hyps + "⊢ p", "case right\n" + hyps + "⊢ q"});
  // Positions count from the statement's first line, as the messages' do.
  CHECK(first["pos"] == json{{"line", 2}, {"column", 2}});
  CHECK(first["end_pos"] == json{{"line", 2}, {"column", 13}});
  CHECK(first["depth"] == 0);
  CHECK(first["parent"] == -1);
  CHECK(first["is_have"] == false);
  CHECK(rows[1]["tactic"] == "assumption");
  CHECK(rows[1]["goals_before"] == first["goals_after"]);
  CHECK(rows[1]["goals_after"] == json{"case right\n" + hyps + "⊢ q"});
  CHECK(rows[2]["tactic"] == "exact hq");
  CHECK(rows[2]["goals_after"] == json::array());

  CHECK(rows[3]["task_name"] == "with_have");
  CHECK(rows[3]["tactic"] == "have t : Nat := 42");
  CHECK(rows[3]["is_have"] == true);
  CHECK(rows[3]["goals_after"] == json{"p : Prop\nhp : p\nt : Nat\n⊢ p"});
  CHECK(rows[4]["step"] == 1);
  CHECK(rows[4]["goals_before"] == rows[3]["goals_after"]);

  // The whole file: positions from the file's first line.
  CHECK(rows[5]["task_name"] == "whole");
  CHECK(rows[5]["tactic"] == "exact hp");
  CHECK(rows[5]["pos"] == json{{"line", 2}, {"column", 2}});
  for (const json& r : rows) CHECK(r["task_name"] != "wrong");

  // The C++ reader reads the same file.
  auto records = tasks::read_traces(out.string());
  REQUIRE(records.size() == 6);
  CHECK(records[2].goal_before() == "case right\n" + hyps + "⊢ q");
  CHECK(records[2].tactic == "exact hq");
  CHECK(records[3].is_have);

  // --run: only the latest run's proofs; a run that does not exist is a usage error.
  fs::path one = tmp.path() / "latest.jsonl";
  CHECK(harness(tmp.path(), with_engine({"traces", "--run", "latest", "--out", one.string()}))
            .exit_code == 0);
  CHECK(json_lines(one).size() == 6);
  CHECK(harness(tmp.path(), with_engine({"traces", "--run", "nope", "--out", one.string()}))
            .exit_code == 2);
}

TEST_CASE("traces: a proof that no longer passes is reported, not traced", "[traces]") {
  test_support::TempDir tmp("harness-traces");
  fs::path rules = tmp.write("rules.json", kRules);
  // The same rules but `assumption`: the and_intro proof fails when checked again.
  std::string fewer = kRules;
  fewer.erase(fewer.find("  {\"goal\": \"(.+)\", \"hyp\": \"\\\\S+ : $1\", \"tactic\": \"assumption\""),
              std::string("  {\"goal\": \"(.+)\", \"hyp\": \"\\\\S+ : $1\", \"tactic\": \"assumption\", "
                          "\"goals\": []},\n")
                  .size());
  REQUIRE(fewer.find("assumption") == std::string::npos);
  fs::path weaker = tmp.write("weaker.json", fewer);
  fs::path input = tmp.write("proofs.jsonl", corpus());
  std::string db = (tmp.path() / "h.db").string();
  auto engine = [&](const fs::path& r) {
    return std::vector<std::string>{"--db", db, "--repl",
                                    std::string(FAKE_REPL_PATH) + " --tactic-rules " + r.string(),
                                    "--sandbox", "none", "--no-progress"};
  };
  std::vector<std::string> score = {"score", input.string()};
  for (auto& a : engine(rules)) score.push_back(a);
  REQUIRE(harness(tmp.path(), score).exit_code == 0);

  fs::path out = tmp.path() / "traces.jsonl";
  std::vector<std::string> traces = {"traces", "--out", out.string()};
  for (auto& a : engine(weaker)) traces.push_back(a);
  Run traced = harness(tmp.path(), traces);
  INFO(traced.output);
  CHECK(traced.exit_code == 1);
  CHECK(traced.output.find(":1 (task task-v1:") != std::string::npos);
  CHECK(traced.output.find("and_intro): no longer passes: fail (lean)") != std::string::npos);
  CHECK(traced.output.find("4 verified proofs, 3 traced (3 steps, 1 `have` steps), 1 not traced") !=
        std::string::npos);
  auto rows = json_lines(out);
  REQUIRE(rows.size() == 3);
  for (const json& r : rows) CHECK(r["task_name"] != "and_intro");
}

// `harness score` as a user runs it: the real binary, a real SQLite file, and the project's
// REPL double in place of Lean.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lean-bridge/child_process.hpp"
#include "store/store.hpp"
#include "tests/support/shell.hpp"
#include "tests/support/temp_dir.hpp"

#include <sys/wait.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Sandbox {
  test_support::TempDir tmp{"harness-e2e"};
  fs::path dir = tmp.path();
  fs::path write(const std::string& name, const std::string& text) const {
    return tmp.write(name, text);
  }
  std::string repl(const std::string& extra = "") const {
    return fmt::format("{} --log {} {}", FAKE_REPL_PATH, (dir / "repl.log").string(), extra);
  }
};

struct Run {
  int exit_code = -1;
  std::string output;
};

Run harness(const Sandbox& box, std::vector<std::string> args,
            std::vector<std::string> wrapper = {}) {
  // These tests read the double's --log file, which a sandboxed worker can neither see nor
  // write: they run unsandboxed; the sandbox has its own end-to-end tests.
  if (!args.empty() && args[0] == "score") {
    args.push_back("--sandbox");
    args.push_back("none");
  }
  args.insert(args.begin(), HARNESS_PATH);
  args.insert(args.begin(), wrapper.begin(), wrapper.end());
  lean_bridge::ProcessSpec spec{args, box.dir.string(), 0, false};
  auto run = lean_bridge::capture_output(spec, 60'000);
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

std::string line(const std::string& name, const std::string& statement, const std::string& proof) {
  return json{{"name", name}, {"formal_statement", statement}, {"proof", proof}}.dump() + "\n";
}

// One line per verdict the double can produce, plus two bad lines.
std::string mixed_input() {
  std::string s;
  s += line("good", "theorem good : True := by\n", "  trivial\n--! axioms propext\n");
  s += line("wrong", "theorem wrong : True := by\n", "  trivial\n--! error unsolved goals\n");
  s += "{\"name\": \"broken\", \"formal_statement\": \n";
  s += line("holey", "theorem holey : True := by\n", "  sorry\n");
  s += "\n";  // blank lines are not rows
  s += json{{"name", "typed"}, {"formal_statement", 7}, {"proof", "x"}}.dump() + "\n";
  s += line("native", "theorem native : True := by\n", "  trivial\n--! axioms Lean.ofReduceBool\n");
  s += json{{"name", "whole"}, {"header", "import Init\n"},
            {"full_proof", "import Init\n\ntheorem whole : True := by\n  trivial\n--! error at line 5\n"}}
           .dump() + "\n";
  return s;
}

}  // namespace

TEST_CASE("score writes one row per line, in order, with verdicts and rewards", "[e2e]") {
  Sandbox box;
  auto input = box.write("in.jsonl", mixed_input());
  auto run = harness(box, {"score", input.string(), "--out", "out.jsonl", "--db", "h.db",
                           "--workers", "2", "--repl", box.repl(), "--no-progress"});
  INFO(run.output);
  CHECK(run.exit_code == 0);
  auto rows = read_jsonl(box.dir / "out.jsonl");
  REQUIRE(rows.size() == 7);
  std::vector<std::string> verdicts;
  for (auto& r : rows) verdicts.push_back(r["verdict"]);
  CHECK(verdicts == std::vector<std::string>{"pass", "fail", "invalid", "incomplete", "invalid",
                                             "rejected", "fail"});
  CHECK(rows[0]["line"] == 1);
  CHECK(rows[0]["reward"] == 1.0);
  CHECK(rows[0]["axioms"] == json::array({"propext"}));
  CHECK(rows[0]["cached"] == false);
  CHECK(rows[1]["reward"] == 0.0);
  CHECK(rows[1]["axioms"].is_null());
  CHECK(rows[1]["messages"][0]["data"] == "unsolved goals");
  CHECK(rows[2]["reward"].is_null());
  CHECK(rows[2]["line"] == 3);
  CHECK(rows[2]["error"].get<std::string>().find("in.jsonl:3:") != std::string::npos);
  CHECK(rows[4]["line"] == 6);  // the blank line 5 is skipped, numbering is physical
  CHECK(rows[4]["error"].get<std::string>().find("formal_statement") != std::string::npos);
  CHECK(rows[5]["decided_by"] == "axioms");
  // Whole-file proof: the message's line counts from the file's first line.
  CHECK(rows[6]["messages"][0]["pos"]["line"] == 5);
  CHECK(run.output.find("pass 1") != std::string::npos);

  auto db = store::Store::open((box.dir / "h.db").string());
  auto attempts = db.attempts(1);
  REQUIRE(attempts.size() == 7);
  CHECK(attempts[0].verdict == "pass");
  CHECK(db.run(1)->status == store::RunStatus::completed);
}

TEST_CASE("scoring the same file twice starts no Lean process the second time", "[e2e]") {
  Sandbox box;
  auto input = box.write("in.jsonl", mixed_input());
  std::vector<std::string> args = {"score", input.string(), "--out", "out.jsonl", "--db", "h.db",
                                   "--repl", box.repl(), "--no-progress"};
  REQUIRE(harness(box, args).exit_code == 0);
  fs::remove(box.dir / "repl.log");
  auto second = harness(box, args);
  CHECK(second.exit_code == 0);
  CHECK_FALSE(fs::exists(box.dir / "repl.log"));
  auto rows = read_jsonl(box.dir / "out.jsonl");
  REQUIRE(rows.size() == 7);
  CHECK(rows[0]["cached"] == true);
  CHECK(rows[0]["verdict"] == "pass");
  CHECK(rows[2]["cached"] == false);  // invalid lines are never cached
}

TEST_CASE("identical lines in one file are checked once", "[e2e]") {
  Sandbox box;
  std::string text;
  for (int i = 0; i < 5; ++i) text += line("same", "theorem same : True := by\n", "  trivial\n");
  auto input = box.write("in.jsonl", text);
  REQUIRE(harness(box, {"score", input.string(), "--db", "h.db", "--repl", box.repl()}).exit_code == 0);
  std::ifstream log(box.dir / "repl.log");
  std::string all((std::istreambuf_iterator<char>(log)), {});
  size_t axioms = 0;
  for (size_t at = all.find("#print axioms"); at != std::string::npos; at = all.find("#print axioms", at + 1)) ++axioms;
  CHECK(axioms == 1);
  CHECK(read_jsonl(box.dir / "in.scored.jsonl").size() == 5);
}

TEST_CASE("a hanging proof times out and the run goes on", "[e2e]") {
  Sandbox box;
  auto input = box.write("in.jsonl", line("hangs", "theorem hangs : True := by\n", "--! hang\n") +
                                         line("fine", "theorem fine : True := by\n", "  trivial\n"));
  auto run = harness(box, {"score", input.string(), "--db", "h.db", "--timeout", "0.5", "--repl",
                           box.repl()});
  CHECK(run.exit_code == 0);
  auto rows = read_jsonl(box.dir / "in.scored.jsonl");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["verdict"] == "timeout");
  CHECK(rows[0]["reward"] == 0.0);
  CHECK(rows[1]["verdict"] == "pass");
}

TEST_CASE("with --tasks the statements come from the trusted task file, by name", "[e2e]") {
  Sandbox box;
  auto tasks = box.write("tasks.jsonl",
                         json{{"name", "t"}, {"header", ""}, {"formal_statement", "theorem t : True := by\n"}}.dump() + "\n");
  std::string text = json{{"name", "t"}, {"formal_statement", "theorem t : False := by\n"}, {"proof", "  trivial\n"}}.dump() + "\n";
  text += json{{"name", "nope"}, {"proof", "  trivial\n"}}.dump() + "\n";
  auto input = box.write("in.jsonl", text);
  auto run = harness(box, {"score", input.string(), "--tasks", tasks.string(), "--db", "h.db",
                           "--repl", box.repl()});
  CHECK(run.exit_code == 0);
  auto rows = read_jsonl(box.dir / "in.scored.jsonl");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["verdict"] == "pass");
  CHECK(rows[1]["verdict"] == "invalid");
  CHECK(rows[1]["error"].get<std::string>().find("unknown task") != std::string::npos);
}

TEST_CASE("strict mode stops at the first invalid line with exit 2", "[e2e]") {
  Sandbox box;
  auto input = box.write("in.jsonl", mixed_input());
  auto run = harness(box, {"score", input.string(), "--db", "h.db", "--strict", "--repl", box.repl()});
  CHECK(run.exit_code == 2);
  auto rows = read_jsonl(box.dir / "in.scored.jsonl");
  REQUIRE(rows.size() == 3);
  CHECK(rows[2]["verdict"] == "invalid");
  // It says which line and why.
  CHECK(run.output.find("stopped at the first invalid line (--strict): " + input.string() + ":3:") !=
        std::string::npos);
}

TEST_CASE("blank lines get no row and the summary counts them", "[e2e]") {
  Sandbox box;
  std::string line = nlohmann::json{{"name", "t"},
                                    {"formal_statement", "theorem t : True := by\n"},
                                    {"proof", "  trivial\n"}}
                         .dump();
  auto input = box.write("in.jsonl", "\n" + line + "\n  \n" + line + "\n");
  auto run = harness(box, {"score", input.string(), "--db", "h.db", "--repl", box.repl()});
  CHECK(run.exit_code == 0);
  auto rows = read_jsonl(box.dir / "in.scored.jsonl");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["line"] == 2);
  CHECK(rows[1]["line"] == 4);
  CHECK(run.output.find("blank lines skipped (no row): 2") != std::string::npos);
}

TEST_CASE("an OUT path that cannot be written is a usage error that says why", "[e2e]") {
  Sandbox box;
  auto input = box.write("in.jsonl", mixed_input());
  std::filesystem::create_directory(box.dir / "a_folder");
  auto run = harness(box, {"score", input.string(), "--db", "h.db", "--out", "a_folder",
                           "--repl", box.repl()});
  CHECK(run.exit_code == 2);
  CHECK(run.output.find("--out a_folder: cannot write the OUT file: it is a folder") !=
        std::string::npos);
  auto db = store::Store::open((box.dir / "h.db").string());
  CHECK(db.run(1)->status == store::RunStatus::failed);  // never left `running`
}

TEST_CASE("exit codes are 2 for usage and 3 when Lean or the store fails", "[e2e]") {
  Sandbox box;
  auto input = box.write("in.jsonl", mixed_input());
  CHECK(harness(box, {"score", "missing.jsonl"}).exit_code == 2);
  CHECK(harness(box, {"score", input.string(), "--repl", "'unbalanced"}).exit_code == 2);
  CHECK(harness(box, {"score", input.string(), "--workers", "0"}).exit_code == 2);
  CHECK(harness(box, {"frobnicate"}).exit_code == 2);
  auto no_lean = harness(box, {"score", input.string(), "--db", "h.db", "--repl",
                               "/nonexistent/lake env repl"});
  CHECK(no_lean.exit_code == 3);
  CHECK(no_lean.output.find("Lean cannot be started") != std::string::npos);
  CHECK(no_lean.output.find("harness doctor") != std::string::npos);
  auto no_store = harness(box, {"score", input.string(), "--db", "/nonexistent/dir/h.db",
                                "--repl", box.repl()});
  CHECK(no_store.exit_code == 3);
  CHECK(no_store.output.find("/nonexistent/dir/h.db") != std::string::npos);
}

TEST_CASE("a header from --header-file applies to lines without one", "[e2e]") {
  Sandbox box;
  auto header = box.write("header.lean", "import Init\nopen Nat\n");
  auto input = box.write("in.jsonl", line("h", "theorem h : True := by\n", "  trivial\n"));
  auto run = harness(box, {"score", input.string(), "--header-file", header.string(), "--db",
                           "h.db", "--repl", box.repl()});
  CHECK(run.exit_code == 0);
  std::ifstream log(box.dir / "repl.log");
  std::string all((std::istreambuf_iterator<char>(log)), {});
  CHECK(all.find("\"cmd\":\"import Init\"") != std::string::npos);
  CHECK(all.find("open Nat") != std::string::npos);
}

TEST_CASE("the few-shot miniF2F file scores end to end with a default header", "[e2e]") {
  Sandbox box;
  auto input = fs::path(HARNESS_SHARED_DIR) / "datasets" / "minif2f_valid_few_shot.jsonl";
  auto run = harness(box, {"score", input.string(), "--out", "out.jsonl", "--db", "h.db",
                           "--header", "import Mathlib\nimport Aesop\nset_option maxHeartbeats 400000\n",
                           "--workers", "2", "--repl", box.repl()});
  CHECK(run.exit_code == 0);
  auto rows = read_jsonl(box.dir / "out.jsonl");
  CHECK(rows.size() == 67);
  for (auto& r : rows) CHECK(r["verdict"] != "invalid");
}

TEST_CASE("a store that fills up stops the run with exit 3 and keeps every committed row",
          "[e2e]") {
  Sandbox box;
  std::string text;
  for (int i = 0; i < 3000; ++i) {
    text += line("p" + std::to_string(i), "theorem p" + std::to_string(i) + " : True := by\n",
                 "  trivial\n  -- " + std::string(200, 'x') + "\n");
  }
  auto input = box.write("in.jsonl", text);
  // The file-size limit makes the store's writes fail like a full disk once it passes 1 MB.
  auto run = harness(box, {"score", input.string(), "--db", "h.db", "--out", "out.jsonl",
                           "--repl", box.repl()},
                     {"prlimit", "--fsize=1000000", "--"});
  CHECK(run.exit_code == 3);
  CHECK(run.output.find("h.db") != std::string::npos);
  auto rows = read_jsonl(box.dir / "out.jsonl");
  CHECK(rows.size() > 0);
  CHECK(rows.size() < 3000);
  auto db = store::Store::open((box.dir / "h.db").string());
  auto attempts = db.attempts(1);
  CHECK(attempts.size() == rows.size());  // OUT holds exactly the committed rows
  CHECK(db.run(1)->status == store::RunStatus::failed);
}

TEST_CASE("a canary that passes stops the run with exit 4 naming it", "[e2e]") {
  Sandbox box;
  auto input = box.write("in.jsonl", mixed_input());
  // The double accepts any proof without directives, so the built-in canaries pass: exactly
  // the broken verifier the canaries exist to catch.
  auto run = harness(box, {"score", input.string(), "--db", "h.db", "--canary", "2", "--repl",
                           box.repl()});
  CHECK(run.exit_code == 4);
  CHECK(run.output.find("canary `harness_canary_") != std::string::npos);
  auto db = store::Store::open((box.dir / "h.db").string());
  CHECK(db.run(1)->status == store::RunStatus::failed);
}

TEST_CASE("canaries that Lean refuses let the run finish and are counted", "[e2e]") {
  Sandbox box;
  auto input = box.write("in.jsonl", mixed_input());
  auto canaries = box.write(
      "canaries.jsonl", line("c1", "theorem c1 : 1 = 2 := by\n", "  rfl\n--! error no\n") +
                            line("c2", "theorem c2 : 2 = 3 := by\n", "  sorry\n"));
  auto run = harness(box, {"score", input.string(), "--db", "h.db", "--canary", "5",
                           "--canary-file", canaries.string(), "--repl", box.repl()});
  CHECK(run.exit_code == 0);
  CHECK(run.output.find("canaries: 5 mixed in, 5 checked, 5 refused by Lean") != std::string::npos);
  CHECK(read_jsonl(box.dir / "in.scored.jsonl").size() == 7);  // canaries are not rows
}

TEST_CASE("a whole-file proof must prove the task's own statement", "[e2e]") {
  Sandbox box;
  auto tasks = box.write("tasks.jsonl",
                         json{{"name", "t"}, {"header", "import Init\n"},
                              {"formal_statement", "theorem t : 1 = 1 ∧ 2 = 2 := by\n"}}.dump() + "\n");
  std::string text;
  text += json{{"name", "t"}, {"full_proof", "import Init\ntheorem t : 1 = 1 ∧ 2 = 2 := by\n  trivial\n"}}.dump() + "\n";
  text += json{{"name", "t"}, {"full_proof", "import Init\ntheorem t : 1 = 1 := by\n  trivial\n"}}.dump() + "\n";
  text += json{{"name", "t"}, {"full_proof", "import Init\ntheorem other : 1 = 1 ∧ 2 = 2 := by\n  trivial\n"}}.dump() + "\n";
  auto input = box.write("in.jsonl", text);
  auto run = harness(box, {"score", input.string(), "--tasks", tasks.string(), "--db", "h.db",
                           "--repl", box.repl()});
  CHECK(run.exit_code == 0);
  auto rows = read_jsonl(box.dir / "in.scored.jsonl");
  REQUIRE(rows.size() == 3);
  CHECK(rows[0]["verdict"] == "pass");
  CHECK(rows[1]["verdict"] == "rejected");
  CHECK(rows[1]["decided_by"] == "statement");
  CHECK(rows[2]["verdict"] == "rejected");
  CHECK(rows[2]["decided_by"] == "statement");
}

TEST_CASE("kernel replay without a toolchain refuses every pass and says why", "[e2e]") {
  Sandbox box;
  auto input = box.write("in.jsonl", mixed_input());
  auto run = harness(box, {"score", input.string(), "--db", "h.db", "--kernel-replay", "--repl",
                           box.repl()});
  CHECK(run.exit_code == 0);
  auto rows = read_jsonl(box.dir / "in.scored.jsonl");
  REQUIRE(rows.size() == 7);
  CHECK(rows[0]["verdict"] == "rejected");
  CHECK(rows[0]["decided_by"] == "kernel");
  // The replay runs `lake env`, resolved outside the sandbox: here lake finds no toolchain.
  std::string reason = rows[0]["reason"].get<std::string>();
  INFO(reason);
  CHECK(reason.find("kernel replay could not start") != std::string::npos);
  CHECK(reason.find("lake env") != std::string::npos);
  CHECK(rows[1]["verdict"] == "fail");  // only passes are replayed
}

namespace {

// The summary a score run stored with its run row.
json run_summary(const Sandbox& box, int64_t run) {
  auto db = store::Store::open((box.dir / "h.db").string());
  auto row = db.run(run);
  REQUIRE(row);
  REQUIRE(row->summary_json);
  return json::parse(*row->summary_json);
}

size_t count_of(const std::string& text, const std::string& word) {
  size_t n = 0;
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("a proof past the heartbeat budget times out by heartbeats and its worker lives on",
          "[e2e][heartbeats]") {
  Sandbox box;
  // 10,000,000 heartbeats at 1 ms per 1000 would take 10 s unbounded; the default budget
  // (400,000) stops them after 0.4 s, far inside the wall clock's 20 s.
  auto input =
      box.write("in.jsonl", line("spins", "theorem spins : True := by\n",
                                 "  trivial\n--! heartbeats 10000000\n") +
                                line("fine", "theorem fine : True := by\n", "  trivial\n"));
  auto run = harness(box, {"score", input.string(), "--db", "h.db", "--workers", "1", "--timeout",
                           "20", "--no-progress", "--repl", box.repl("--ms-per-kheartbeats 1")});
  CHECK(run.exit_code == 0);
  auto rows = read_jsonl(box.dir / "in.scored.jsonl");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["verdict"] == "timeout");
  CHECK(rows[0]["decided_by"] == "heartbeats");
  CHECK(rows[0]["reward"] == 0.0);
  CHECK(rows[0]["reason"].get<std::string>().find("maximum number of heartbeats (400000)") !=
        std::string::npos);
  CHECK(rows[0]["elapsed_ms"].get<int64_t>() < 10000);
  CHECK(rows[1]["verdict"] == "pass");
  // One REPL process served both (the worker's own, or a warm spare it took when its first
  // start was slow on a busy machine): the heartbeat stop killed nothing.
  auto summary = run_summary(box, 1);
  CHECK(summary["workers"]["started"].get<int>() + summary["workers"]["spares_taken"].get<int>() == 1);
  CHECK(summary["workers"]["timeouts"] == 0);
  CHECK(summary["workers"]["died"] == 0);
  CHECK(summary["verdicts"]["timeout"] == 1);
  // The header environment carries the limit into the proofs.
  std::ifstream log(box.dir / "repl.log");
  std::string all((std::istreambuf_iterator<char>(log)), {});
  CHECK(count_of(all, "set_option maxHeartbeats 400000") == 1);
  auto db = store::Store::open((box.dir / "h.db").string());
  auto attempts = db.attempts(1);
  REQUIRE(attempts.size() == 2);
  CHECK(attempts[0].decided_by == "heartbeats");
}

TEST_CASE("a header's maxHeartbeats 0 does not lift the budget inside the harness",
          "[e2e][heartbeats]") {
  Sandbox box;
  auto input = box.write("in.jsonl", line("spins", "theorem spins : True := by\n",
                                          "  trivial\n--! heartbeats 10000000\n"));
  // Unbounded, the double would sleep 10 s and the wall clock (3 s) would stop it instead.
  auto run = harness(box, {"score", input.string(), "--db", "h.db", "--timeout", "3",
                           "--header", "set_option maxHeartbeats 0\n", "--no-progress",
                           "--repl", box.repl("--ms-per-kheartbeats 1")});
  CHECK(run.exit_code == 0);
  auto rows = read_jsonl(box.dir / "in.scored.jsonl");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["verdict"] == "timeout");
  CHECK(rows[0]["decided_by"] == "heartbeats");
  CHECK(run_summary(box, 1)["workers"]["timeouts"] == 0);

  // A proof's own `set_option maxHeartbeats 0 in` (allowed since the header sets 0) is capped
  // too, and with a smaller budget the limit is that budget.
  auto own = box.write("own.jsonl", line("own", "theorem own : True := by\n",
                                         "  set_option maxHeartbeats 0 in\n  trivial\n"
                                         "--! heartbeats 5000\n"));
  auto capped = harness(box, {"score", own.string(), "--db", "h.db", "--timeout", "3",
                              "--heartbeats", "1000", "--header", "set_option maxHeartbeats 0\n",
                              "--no-progress", "--repl", box.repl("--ms-per-kheartbeats 1")});
  CHECK(capped.exit_code == 0);
  auto own_rows = read_jsonl(box.dir / "own.scored.jsonl");
  REQUIRE(own_rows.size() == 1);
  CHECK(own_rows[0]["verdict"] == "timeout");
  CHECK(own_rows[0]["decided_by"] == "heartbeats");
  CHECK(own_rows[0]["reason"].get<std::string>().find("heartbeats (1000)") != std::string::npos);
}

TEST_CASE("a hang past the wall clock keeps decided_by timeout", "[e2e][heartbeats]") {
  Sandbox box;
  auto input = box.write("in.jsonl", line("hangs", "theorem hangs : True := by\n", "--! hang\n"));
  auto run = harness(box, {"score", input.string(), "--db", "h.db", "--timeout", "0.5",
                           "--no-progress", "--repl", box.repl()});
  CHECK(run.exit_code == 0);
  auto rows = read_jsonl(box.dir / "in.scored.jsonl");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["verdict"] == "timeout");
  CHECK(rows[0]["decided_by"] == "timeout");
  CHECK(run_summary(box, 1)["workers"]["timeouts"] == 1);
}

TEST_CASE("another heartbeat budget does not reuse cached verdicts", "[e2e][heartbeats]") {
  Sandbox box;
  // 5,000 heartbeats: a pass under the default budget, a heartbeat stop under 1,000.
  auto input = box.write("in.jsonl", line("costly", "theorem costly : True := by\n",
                                          "  trivial\n--! heartbeats 5000\n"));
  std::vector<std::string> args = {"score", input.string(), "--db", "h.db", "--no-progress",
                                   "--repl", box.repl()};
  REQUIRE(harness(box, args).exit_code == 0);
  auto first = read_jsonl(box.dir / "in.scored.jsonl");
  REQUIRE(first.size() == 1);
  CHECK(first[0]["verdict"] == "pass");

  // The same budget again: answered by the cache, no Lean.
  fs::remove(box.dir / "repl.log");
  REQUIRE(harness(box, args).exit_code == 0);
  CHECK(read_jsonl(box.dir / "in.scored.jsonl")[0]["cached"] == true);
  CHECK_FALSE(fs::exists(box.dir / "repl.log"));

  // Another budget: checked again, and judged under it.
  auto smaller = args;
  smaller.insert(smaller.end(), {"--heartbeats", "1000"});
  REQUIRE(harness(box, smaller).exit_code == 0);
  auto second = read_jsonl(box.dir / "in.scored.jsonl");
  REQUIRE(second.size() == 1);
  CHECK(second[0]["cached"] == false);
  CHECK(second[0]["verdict"] == "timeout");
  CHECK(second[0]["decided_by"] == "heartbeats");
  CHECK(fs::exists(box.dir / "repl.log"));
  // The run row records the budget it ran with.
  auto db = store::Store::open((box.dir / "h.db").string());
  CHECK(json::parse(db.run(3)->settings_json)["heartbeats"] == 1000);
}

TEST_CASE("a worker killed at the wall clock is replaced by a warm spare, verdicts unchanged",
          "[e2e][spares]") {
  // Each line's verdict with the default spares and without any: the same rows, but with
  // spares the killed worker's replacement is one already imported in the background.
  std::string lines = line("hangs", "theorem hangs : True := by\n", "--! hang\n") +
                      line("fine", "theorem fine : True := by\n", "  trivial\n") +
                      line("errs", "theorem errs : True := by\n", "--! error type mismatch\n") +
                      line("hangs_too", "theorem hangs_too : True := by\n", "--! hang\n") +
                      line("odd", "theorem odd : True := by\n", "--! axioms Lean.ofReduceBool\n");
  std::vector<std::vector<std::string>> verdicts;
  std::vector<json> summaries;
  for (std::string spares : {"auto", "0"}) {
    Sandbox box;
    auto input = box.write("in.jsonl", lines);
    auto run = harness(box, {"score", input.string(), "--db", "h.db", "--workers", "1",
                             "--timeout", "0.5", "--no-progress", "--spares", spares, "--repl",
                             box.repl("--import-ms 300")});
    CHECK(run.exit_code == 0);
    std::vector<std::string> v;
    for (const auto& row : read_jsonl(box.dir / "in.scored.jsonl")) v.push_back(row["verdict"]);
    verdicts.push_back(v);
    summaries.push_back(run_summary(box, 1));
  }
  CHECK(verdicts[0] == std::vector<std::string>{"timeout", "pass", "fail", "timeout", "rejected"});
  CHECK(verdicts[1] == verdicts[0]);
  const json& warm = summaries[0]["workers"];
  const json& cold = summaries[1]["workers"];
  CHECK(warm["timeouts"] == 2);
  CHECK(warm["spares_taken"].get<int>() >= 1);
  CHECK(warm["spares_started"].get<int>() >= warm["spares_taken"].get<int>());
  CHECK(warm["started"].get<int>() + warm["spares_taken"].get<int>() == 3);
  CHECK(cold["spares_started"] == 0);
  CHECK(cold["spares_taken"] == 0);
  CHECK(cold["started"] == 3);  // the first process and one per kill, each importing
  CHECK(cold["import_wait_s"].get<double>() >= 0.6);
}

TEST_CASE("score --shard I/N: N runs cover every line once, a task's lines in one shard",
          "[e2e]") {
  Sandbox box;
  // 30 tasks, each tried twice (two proofs), two unreadable lines, a blank one.
  std::string input;
  for (int i = 0; i < 30; ++i) {
    std::string statement = fmt::format("theorem s{} : True := by\n", i);
    input += line(fmt::format("s{}", i), statement, "  trivial\n");
    input += line(fmt::format("s{}", i), statement, "  sorry\n");
  }
  input += "{\"name\": \"broken\"\n";
  input += "\n";
  input += "not json\n";
  auto path = box.write("in.jsonl", input);
  std::map<int64_t, std::string> line_shard;        // input line -> shard that wrote it
  std::map<std::string, std::set<std::string>> task_shards;  // name -> shards
  size_t rows_total = 0;
  for (int part = 0; part < 3; ++part) {
    std::string shard = fmt::format("{}/3", part);
    auto out = fmt::format("out{}.jsonl", part);
    auto run = harness(box, {"score", path.string(), "--out", out, "--db", fmt::format("h{}.db", part),
                             "--workers", "2", "--repl", box.repl(), "--no-progress", "--shard", shard});
    INFO(run.output);
    CHECK(run.exit_code == 0);
    CHECK(run.output.find("shard " + shard + ": ") != std::string::npos);
    auto rows = read_jsonl(box.dir / out);
    rows_total += rows.size();
    for (const json& r : rows) {
      int64_t at = r["line"];
      CHECK(line_shard.emplace(at, shard).second);  // no line twice
      if (r["verdict"] != "invalid") task_shards[r["name"]].insert(shard);
    }
    auto db = store::Store::open((box.dir / fmt::format("h{}.db", part)).string());
    auto recorded = db.latest_run("score");
    REQUIRE(recorded);
    CHECK(db.attempts(recorded->id).size() == rows.size());
    CHECK(json::parse(recorded->settings_json)["shard"] == shard);
  }
  CHECK(rows_total == 62);  // 60 proofs and the 2 unreadable lines; the blank line has no row
  CHECK(line_shard.size() == 62);
  CHECK(task_shards.size() == 30);
  for (auto& [name, shards] : task_shards) {
    INFO(name);
    CHECK(shards.size() == 1);
  }
  // Every shard got some of the 30 tasks.
  std::set<std::string> used;
  for (auto& [_, shards] : task_shards) used.insert(*shards.begin());
  CHECK(used.size() == 3);
  // A shard that does not exist is refused before anything runs.
  auto bad = harness(box, {"score", path.string(), "--db", "bad.db", "--repl", box.repl(), "--shard", "3/3"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("--shard 3/3: I must be below N") != std::string::npos);
  CHECK_FALSE(fs::exists(box.dir / "bad.db"));
}

namespace {

// A JUnit file as Debian's python3-junitparser reads it: "tests failures errors" then one
// line per case, "name|result|message|text".
std::string read_junit(const fs::path& xml) {
  std::string command = fmt::format(
      "/usr/bin/python3 -c 'import sys, junitparser\n"
      "x = junitparser.JUnitXml.fromfile(sys.argv[1])\n"
      "s = next(iter(x))\n"
      "print(s.tests, s.failures, s.errors)\n"
      "for c in s:\n"
      "    r = c.result[0] if c.result else None\n"
      "    print(c.name, type(r).__name__ if r else \"pass\", r.message if r else \"\", "
      "(r.text or \"\").replace(\"\\n\", \" \") if r else \"\", c.time, sep=\"|\")' {} 2>&1",
      xml.string());
  auto run = test_support::run_shell(command);
  INFO(run.output);
  REQUIRE(run.ok());  // python3-junitparser comes with scripts/setup
  return run.output;
}

}  // namespace

TEST_CASE("check: a corpus that passes exits 0, a regression exits 1 naming it, JUnit for CI",
          "[e2e][check]") {
  Sandbox box;
  auto corpus = [&](const std::string& file, bool bumped) {
    std::string s;
    s += line("a", "theorem a : True := by\n", "  trivial\n");
    s += line("b", "theorem b : True := by\n", bumped ? "  trivial\n--! error unknown identifier 'foo'\n" : "  trivial\n");
    s += line("c", "theorem c : True := by\n", "  trivial\n");
    s += line("d", "theorem d : True := by\n", bumped ? "  trivial\n" : "  trivial\n--! error unsolved goals\n");
    return box.write(file, s);
  };
  auto base = corpus("base.jsonl", false);
  auto run = harness(box, {"check", base.string(), "--db", "base.db", "--repl", box.repl(),
                           "--no-progress", "--sandbox", "none", "--junit", "base.xml"});
  INFO(run.output);
  CHECK(run.exit_code == 1);  // d does not pass
  CHECK(run.output.find("3 of 4 lines pass") != std::string::npos);
  CHECK(run.output.find("d (line 4, task ") != std::string::npos);
  std::string junit = read_junit(box.dir / "base.xml");
  CHECK(junit.rfind("4 1 0\n", 0) == 0);
  CHECK(junit.find("a (line 1)|pass||") != std::string::npos);
  CHECK(junit.find("d (line 4)|Failure|fail (lean): unsolved goals|") != std::string::npos);

  // After the "toolchain bump": b regressed, d now passes.
  auto bumped = corpus("bumped.jsonl", true);
  run = harness(box, {"check", bumped.string(), "--db", "new.db", "--repl", box.repl(), "--no-progress",
                      "--sandbox", "none", "--baseline", (box.dir / "base.db").string(), "--junit", "new.xml"});
  INFO(run.output);
  CHECK(run.exit_code == 1);
  CHECK(run.output.find("regressions (passed in the baseline, not now): 1\n  b (line 2, task ") != std::string::npos);
  CHECK(run.output.find("unknown identifier 'foo'") != std::string::npos);
  CHECK(run.output.find("new passes (not in the baseline): 1\n  d (line 4, task ") != std::string::npos);
  junit = read_junit(box.dir / "new.xml");
  CHECK(junit.find("b (line 2)|Failure|fail (lean): unknown identifier 'foo'|") != std::string::npos);

  // Every line passing: exit 0, against a baseline given as a run's uuid in --db.
  auto fixed = box.write("fixed.jsonl", [] {
    std::string s;
    for (const char* n : {"a", "b", "c", "d"}) s += line(n, fmt::format("theorem {} : True := by\n", n), "  trivial\n");
    return s;
  }());
  std::string new_uuid = store::Store::open((box.dir / "new.db").string()).latest_run("check")->uuid;
  run = harness(box, {"check", fixed.string(), "--db", "new.db", "--repl", box.repl(), "--no-progress",
                      "--sandbox", "none", "--baseline", new_uuid});
  INFO(run.output);
  CHECK(run.exit_code == 0);
  CHECK(run.output.find("4 of 4 lines pass") != std::string::npos);
  CHECK(run.output.find("new passes (not in the baseline): 1\n  b ") != std::string::npos);
  // The cache does not answer for a check unless asked: every line went to Lean again.
  auto db = store::Store::open((box.dir / "new.db").string());
  auto last = db.latest_run("check");
  CHECK(json::parse(*last->summary_json)["lean_checks"] == 4);
  run = harness(box, {"check", fixed.string(), "--db", "new.db", "--repl", box.repl(), "--no-progress",
                      "--sandbox", "none", "--cache"});
  CHECK(run.exit_code == 0);
  CHECK(json::parse(*store::Store::open((box.dir / "new.db").string()).latest_run("check")->summary_json)["lean_checks"] == 0);
}

TEST_CASE("check: when Lean cannot run at all it exits 3 and compares nothing", "[e2e][check]") {
  Sandbox box;
  auto corpus = box.write("c.jsonl", line("a", "theorem a : True := by\n", "  trivial\n"));
  auto run = harness(box, {"check", corpus.string(), "--db", "c.db", "--repl", "/nonexistent/repl",
                           "--no-progress", "--sandbox", "none"});
  INFO(run.output);
  CHECK(run.exit_code == 3);
  CHECK(run.output.find("Lean could not run, so nothing was compared") != std::string::npos);
  CHECK(run.output.find("regressions") == std::string::npos);
  // A baseline that is neither a store nor a run stops it before Lean starts.
  auto bad = harness(box, {"check", corpus.string(), "--db", "c.db", "--repl", box.repl(),
                           "--sandbox", "none", "--baseline", "no-such-run"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("--baseline no-such-run: neither a store file nor a run of c.db") != std::string::npos);
}

TEST_CASE("report: per run and in total, attempts per verdict and tasks solved, in four formats",
          "[e2e][report]") {
  Sandbox box;
  // Run 1: a and b pass, c fails. Run 2: c passes, d is incomplete, a fails.
  std::string first = line("a", "theorem a : True := by\n", "  trivial\n") +
                      line("b", "theorem b : True := by\n", "  trivial\n") +
                      line("c", "theorem c : True := by\n", "  trivial\n--! error unsolved goals\n");
  std::string second = line("c", "theorem c : True := by\n", "  trivial\n") +
                       line("d", "theorem d : True := by\n", "  sorry\n") +
                       line("a", "theorem a : True := by\n", "  trivial\n--! error no\n") + "not json\n";
  for (auto [file, text] : {std::pair{"one.jsonl", first}, std::pair{"two.jsonl", second}}) {
    auto run = harness(box, {"score", box.write(file, text).string(), "--db", "h.db", "--repl",
                             box.repl(), "--no-progress"});
    REQUIRE(run.exit_code == 0);
  }
  auto json_run = harness(box, {"report", "--db", "h.db", "--format", "json"});
  INFO(json_run.output);
  REQUIRE(json_run.exit_code == 0);
  json r = json::parse(json_run.output.substr(json_run.output.find('{')));
  REQUIRE(r["runs"].size() == 2);
  CHECK(r["runs"][0]["verdicts"]["pass"] == 2);
  CHECK(r["runs"][0]["verdicts"]["fail"] == 1);
  CHECK(r["runs"][0]["solved"] == 2);
  CHECK(r["runs"][1]["attempts"] == 4);
  CHECK(r["runs"][1]["verdicts"]["invalid"] == 1);
  CHECK(r["runs"][1]["verdicts"]["incomplete"] == 1);
  CHECK(r["runs"][1]["tasks"] == 3);
  CHECK(r["runs"][1]["solved"] == 1);
  // In total, a task solved in either run counts once: a, b, c of a, b, c, d.
  CHECK(r["total"]["attempts"] == 7);
  CHECK(r["total"]["verdicts"]["pass"] == 3);
  CHECK(r["total"]["tasks"] == 4);
  CHECK(r["total"]["solved"] == 3);
  auto csv = harness(box, {"report", "--db", "h.db", "--format", "csv", "--run", "latest"});
  REQUIRE(csv.exit_code == 0);
  CHECK(csv.output.find("run,command,status,started_at,input,attempts,pass,fail,incomplete,rejected,"
                        "timeout,error,invalid,tasks,solved\n") != std::string::npos);
  CHECK(csv.output.find("\ntotal,,,,,4,1,1,1,0,0,0,1,3,1\n") != std::string::npos);
  auto md = harness(box, {"report", "--db", "h.db", "--format", "markdown"});
  CHECK(md.output.find("| **total** |  |  | 7 | 3 | 2 | 1 | 0 | 0 | 0 | 1 | 4 | 3 (75.0%) |") != std::string::npos);
  auto text = harness(box, {"report", "--db", "h.db"});
  CHECK(text.output.find("total over 2 run(s)\n  attempts 7: pass 3, fail 2, incomplete 1, rejected 0, "
                         "timeout 0, error 0, invalid 1\n  tasks 4, solved 3 (75.0%)\n") != std::string::npos);
  auto missing = harness(box, {"report", "--db", "h.db", "--run", "nope"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.output.find("--run nope: no such run in") != std::string::npos);
  auto no_store = harness(box, {"report", "--db", "none.db"});
  CHECK(no_store.exit_code != 0);
  CHECK(no_store.output.find("none.db: no such store") != std::string::npos);
}

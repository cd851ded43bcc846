// `harness metrics` as a user runs it: proofs scored into a real store with the REPL double,
// then the metrics command on that store.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <filesystem>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lean-bridge/child_process.hpp"
#include "store/input_hash.hpp"
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

std::string line(const std::string& name, const std::string& statement, const std::string& proof) {
  return json{{"name", name}, {"formal_statement", statement}, {"proof", proof}}.dump() + "\n";
}

// A library in which one theorem, `big_lemma`, has a long proof that six other proofs use by
// name, plus unrelated proofs.
std::string corpus() {
  std::string lemma_proof;
  for (int i = 0; i < 12; ++i) {
    lemma_proof += fmt::format("  have h{} : {} + 0 = {} := by simp\n", i, i, i);
  }
  lemma_proof += "  omega\n";
  std::string s = line("big_lemma", "theorem big_lemma (n : Nat) : n + 0 = n := by\n", lemma_proof);
  for (int i = 0; i < 6; ++i) {
    s += line(fmt::format("user_{}", i), fmt::format("theorem user_{} (m : Nat) : m + 0 = m := by\n", i),
              fmt::format("  have k{} := big_lemma m\n  exact k{}\n", i, i));
  }
  s += line("other", "theorem other (a b : Nat) : a + b = b + a := by\n", "  omega\n");
  s += line("other", "theorem other (a b : Nat) : a + b = b + a := by\n", "  exact Nat.add_comm a b\n");
  return s;
}

std::vector<json> json_lines(const std::string& text) {
  std::vector<json> rows;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.front() == '{') rows.push_back(json::parse(l));
  }
  return rows;
}

}  // namespace

TEST_CASE("metrics: per proof, per task and per declaration, as tables and as JSON lines",
          "[metrics]") {
  test_support::TempDir tmp("harness-metrics");
  fs::path input = tmp.write("proofs.jsonl", corpus());
  std::string db = (tmp.path() / "h.db").string();
  REQUIRE(harness(tmp.path(), {"score", input.string(), "--db", db, "--repl", FAKE_REPL_PATH,
                               "--sandbox", "none", "--no-progress"})
              .exit_code == 0);

  Run table = harness(tmp.path(), {"metrics", "--db", db});
  REQUIRE(table.exit_code == 0);
  CHECK(table.output.find("Most compressible proofs") != std::string::npos);
  CHECK(table.output.find("Most novel proofs") != std::string::npos);
  CHECK(table.output.find("Highest MDL gain") != std::string::npos);

  Run first = harness(tmp.path(), {"metrics", "--db", db, "--format", "json"});
  REQUIRE(first.exit_code == 0);
  CHECK(first.output.find("read from the store") == std::string::npos);
  auto rows = json_lines(first.output);
  std::map<std::string, json> declarations, tasks;
  int proofs = 0;
  for (const auto& r : rows) {
    if (r.contains("attempt")) {
      ++proofs;
      for (const char* f : {"task", "task_id", "bytes", "tactics", "c", "c_given_library",
                            "shared", "novelty"}) {
        CHECK(r.contains(f));
      }
      CHECK(r.at("shared") == r.at("c").get<int64_t>() - r.at("c_given_library").get<int64_t>());
    } else if (r.contains("declaration")) {
      declarations[r.at("declaration")] = r;
    } else {
      tasks[r.at("task")] = r;
    }
  }
  CHECK(proofs == 9);
  // The lemma six proofs use pays for itself; a theorem nobody uses does not.
  REQUIRE(declarations.count("big_lemma"));
  CHECK(declarations["big_lemma"].at("reuse") == 6);
  CHECK(declarations["big_lemma"].at("method") == "text");
  REQUIRE(declarations["big_lemma"].at("mdl_gain").is_number());
  CHECK(declarations["big_lemma"].at("mdl_gain").get<int64_t>() > 0);
  REQUIRE(declarations.count("user_0"));
  CHECK(declarations["user_0"].at("reuse") == 0);
  // Two different proofs of one task: their diversity is measured.
  REQUIRE(tasks.count("other"));
  CHECK(tasks["other"].at("proofs") == 2);
  CHECK(tasks["other"].at("diversity").get<double>() > 0);

  // Nothing changed: the stored computation is read back, with the same figures.
  Run again = harness(tmp.path(), {"metrics", "--db", db, "--format", "json"});
  CHECK(json_lines(again.output) == rows);
  Run tables_again = harness(tmp.path(), {"metrics", "--db", db});
  CHECK(tables_again.output.find("read from the store") != std::string::npos);
  // Computed afresh, the figures are the same (deterministic).
  Run recomputed = harness(tmp.path(), {"metrics", "--db", db, "--format", "json", "--recompute"});
  CHECK(json_lines(recomputed.output) == rows);

  Run unknown = harness(tmp.path(), {"metrics", "--db", db, "--run", "nope"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.output.find("no such run") != std::string::npos);
}

TEST_CASE("metrics: constants Lean reports replace text matching", "[metrics]") {
  test_support::TempDir tmp("harness-metrics");
  fs::path input = tmp.write(
      "proofs.jsonl",
      line("a", "theorem a (x y : Nat) : x + y = y + x := by\n", "  exact Nat.add_comm x y\n") +
          line("b", "theorem b (x : Nat) : x + 0 = x := by\n", "  rw [Nat.add_zero]\n") +
          line("c", "theorem c (p q : Nat) : p + q = q + p := by\n", "  rw [Nat.add_comm]\n"));
  std::string db = (tmp.path() / "h.db").string();
  REQUIRE(harness(tmp.path(), {"score", input.string(), "--db", db, "--repl", FAKE_REPL_PATH,
                               "--sandbox", "none", "--no-progress", "--used-constants"})
              .exit_code == 0);
  Run run = harness(tmp.path(), {"metrics", "--db", db, "--format", "json"});
  REQUIRE(run.exit_code == 0);
  std::map<std::string, json> declarations;
  for (const auto& r : json_lines(run.output)) {
    if (r.contains("declaration")) declarations[r.at("declaration")] = r;
  }
  REQUIRE(declarations.count("Nat.add_comm"));
  CHECK(declarations["Nat.add_comm"].at("reuse") == 2);
  CHECK(declarations["Nat.add_comm"].at("method") == "lean");
  REQUIRE(declarations.count("Nat.add_zero"));
  CHECK(declarations["Nat.add_zero"].at("reuse") == 1);
}

TEST_CASE("metrics reads only an existing store and score creates one with its input's path "
          "and hash", "[metrics]") {
  test_support::TempDir tmp("harness-metrics");
  Run typo = harness(tmp.path(), {"metrics", "--db", "typo.db"});
  CHECK(typo.exit_code == 3);
  CHECK(typo.output.find("typo.db: no such store (harness metrics reads an existing store; "
                         "create one with score or search)") != std::string::npos);
  CHECK_FALSE(fs::exists(tmp.path() / "typo.db"));

  fs::path input = tmp.write("proofs.jsonl", line("b", "theorem b (x : Nat) : x + 0 = x := by\n",
                                                   "  rw [Nat.add_zero]\n"));
  // The input as a user names it, relative to the folder the harness runs in.
  REQUIRE(harness(tmp.path(), {"score", "proofs.jsonl", "--db", "h.db", "--repl", FAKE_REPL_PATH,
                               "--sandbox", "none", "--no-progress"})
              .exit_code == 0);
  {
    auto db = store::Store::open((tmp.path() / "h.db").string(), store::OpenMode::existing);
    auto run = db.latest_run("score");
    REQUIRE(run);
    CHECK(run->input_path == "proofs.jsonl");
    CHECK(run->input_sha256 == store::file_sha256(input.string()));
  }
  Run metrics = harness(tmp.path(), {"metrics", "--db", "h.db"});
  CHECK(metrics.exit_code == 0);
}

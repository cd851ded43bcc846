// `harness library grow|show|export` end to end (docs/library.md): the real binary, a real
// SQLite store, the REPL double in rules mode with its lemma rules, on the library task families
// (library/README.md). The recovery test: the reference proofs are the Chain lemma's proof
// inlined into every use; grow must find the lemma again from Lean's steps, have Lean pass it
// and every proof rewritten to use it, and keep it; the Ring sub-proof, used once, must not be.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "library/library_file.hpp"
#include "store/store.hpp"
#include "tests/support/harness_run.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using test_support::run_harness;

namespace {

const std::string kTasks = std::string(LIBRARY_DIR) + "/tasks.jsonl";
const std::string kRules = std::string(LIBRARY_DIR) + "/rules.json";

struct Box {
  test_support::TempDir tmp{"harness-library"};
  fs::path dir = tmp.path();
  std::string db() const { return (dir / "library.db").string(); }
  std::string repl() const { return fmt::format("{} --tactic-rules {}", FAKE_REPL_PATH, kRules); }
  std::vector<std::string> engine() const {
    return {"--db", db(), "--repl", repl(), "--sandbox", "none", "--workers", "2", "--no-progress"};
  }
};

struct Families {
  int lines = 0;
  int chain_proofs = 0;  // proofs that use the Chain sub-proof (chain1, chain2, chain3)
};

// The reference proofs of one split as candidate lines (the statements and splits from the line).
Families write_candidates(const fs::path& out, const std::string& split) {
  std::ifstream in(kTasks);
  std::ofstream lines(out);
  Families f;
  for (std::string line; std::getline(in, line);) {
    json task = json::parse(line);
    if (task.at("split") != split) continue;
    json c = {{"name", task.at("name")},
              {"split", split},
              {"header", task.at("header")},
              {"formal_statement", task.at("formal_statement")},
              {"proof", task.at("reference_proof")}};
    lines << c.dump() << "\n";
    ++f.lines;
    if (task.at("family").get<std::string>().rfind("chain", 0) == 0) ++f.chain_proofs;
  }
  return f;
}

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

}  // namespace

TEST_CASE("library grow finds the lemma inlined into the proofs again and keeps only what pays", "[e2e][library]") {
  Box box;
  Families f = write_candidates(box.dir / "train.jsonl", "train");
  REQUIRE(f.chain_proofs > 2);
  auto scored = run_harness(box.dir, with({"score", (box.dir / "train.jsonl").string()}, box.engine()));
  INFO(scored.output);
  REQUIRE(scored.exit_code == 0);

  auto grown = run_harness(box.dir, with({"library", "grow", "--split", "train"}, box.engine()));
  INFO(grown.output);
  REQUIRE(grown.exit_code == 0);

  auto db = store::Store::open(box.db());
  auto version = db.library_version("latest");
  REQUIRE(version);
  auto lemmas = db.library_lemmas(version->version);
  // Recovery: the one lemma the proofs share, by statement up to its binder's name.
  REQUIRE(lemmas.size() == 1);
  auto parsed = library::parse_statement(lemmas[0].statement);
  REQUIRE(parsed);
  REQUIRE(parsed->statement.binders.size() == 1);
  CHECK(parsed->statement.binders[0].type == "Nat");
  CHECK(parsed->statement.type == "Chain " + parsed->statement.binders[0].name);
  CHECK(lemmas[0].proof.find("apply link4_base") != std::string::npos);
  WARN(fmt::format("recovery: 1 of 1 lemma shared by {} proofs recovered", f.chain_proofs));
  // Every chain proof was rewritten, checked by Lean, and counted; the lemma pays.
  REQUIRE(version->members.size() == 1);
  CHECK(version->members[0].uses == f.chain_proofs);
  CHECK(version->members[0].gain > 0);
  auto rewrites = db.library_rewrites(version->version);
  int counted = 0;
  for (const auto& r : rewrites) {
    if (r.counted) {
      ++counted;
      CHECK(r.verdict == "pass");
      CHECK(r.after_text.find("exact " + lemmas[0].name) != std::string::npos);
      CHECK(r.c_after < r.c_before);
    }
  }
  CHECK(counted == f.chain_proofs);
  CHECK(version->rewrite_checks >= f.chain_proofs);
  json params = json::parse(version->params_json);
  CHECK(version->proofs_bytes + version->library_bytes < params.at("proofs_bytes_before").get<int64_t>());
  // The Ring sub-proof has one use: its estimated gain is negative, it was never checked.
  CHECK(grown.output.find("estimated gain <= 0") != std::string::npos);
  for (const auto& l : lemmas) CHECK(l.statement.find("Ring") == std::string::npos);
  CHECK(lemmas[0].derived_from.size() == static_cast<size_t>(f.chain_proofs));

  // show and export.
  auto shown = run_harness(box.dir, {"library", "show", "--db", box.db()});
  CHECK(shown.exit_code == 0);
  CHECK(shown.output.find(lemmas[0].name) != std::string::npos);
  CHECK(shown.output.find(version->version) != std::string::npos);
  std::string json_out = (box.dir / "lib.json").string(), lean_out = (box.dir / "Lib.lean").string();
  auto exported = run_harness(box.dir, {"library", "export", "--db", box.db(), "--json", json_out,
                                        "--lean", lean_out});
  REQUIRE(exported.exit_code == 0);
  auto file = library::read_library_file(json_out);
  CHECK(file.version == version->version);
  REQUIRE(file.lemmas.size() == 1);
  CHECK(file.lemmas[0].uses == f.chain_proofs);
  std::ifstream lean(lean_out);
  std::string text((std::istreambuf_iterator<char>(lean)), std::istreambuf_iterator<char>());
  CHECK(text.find(lemmas[0].statement + " := by") != std::string::npos);

  // Growing again from the same proofs adds nothing: the lemma is applied, not paid twice.
  auto again = run_harness(box.dir, with({"library", "grow", "--split", "train"}, box.engine()));
  CHECK(again.exit_code == 0);
  CHECK(db.library_versions().size() == 1);
}

TEST_CASE("library grow with no verified proof records nothing, and show says there is no library", "[e2e][library]") {
  Box box;
  auto grown = run_harness(box.dir, with({"library", "grow"}, box.engine()));
  CHECK(grown.exit_code == 3);  // no store yet: the store error says how to make one
  CHECK(grown.output.find("create one with score") != std::string::npos);
  std::ofstream(box.dir / "none.jsonl") << "{\"name\": \"x\", \"formal_statement\": \"theorem x : True := by\\n\", \"proof\": \"  exact bogus\"}\n";
  auto scored = run_harness(box.dir, with({"score", (box.dir / "none.jsonl").string()}, box.engine()));
  CHECK(scored.exit_code == 0);
  grown = run_harness(box.dir, with({"library", "grow"}, box.engine()));
  CHECK(grown.exit_code == 0);
  CHECK(grown.output.find("0 lemmas kept") != std::string::npos);
  auto shown = run_harness(box.dir, {"library", "show", "--db", box.db()});
  CHECK(shown.exit_code == 2);
  CHECK(shown.output.find("no library version") != std::string::npos);
  auto bad = run_harness(box.dir, {"library", "polish", "--db", box.db()});
  CHECK(bad.exit_code == 2);
}

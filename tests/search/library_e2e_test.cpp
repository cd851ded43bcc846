// `harness library grow|show|export` end to end (docs/library.md): the real binary, a real
// SQLite store, the REPL double in rules mode with its lemma rules, on the library task families
// (library/README.md). The recovery test: the reference proofs are the Chain lemma's proof
// inlined into every use; grow must find the lemma again from Lean's steps, have Lean pass it
// and every proof rewritten to use it, and keep it; the Ring sub-proof, used once, must not be.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "library/library_file.hpp"
#include "store/store.hpp"
#include "tests/support/harness_run.hpp"
#include "tests/support/serve_process.hpp"
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

// The sub-proof of `Chain x` or `Ring x` (README.md next to tasks.jsonl), one tactic per line.
std::vector<std::string> subproof(const std::string& predicate) {
  if (predicate == "Chain")
    return {"unfold Chain", "apply link1_intro", "apply link2_intro", "apply link3_intro",
            "apply link4_base"};
  return {"unfold Ring", "apply ring1_intro", "apply ring2_intro", "apply ring2_base"};
}

struct HaveProofs {
  int lines = 0;
  int chain_proofs = 0;  // proofs with Chain haves
  int chain_haves = 0;   // their `have hI : Chain x := by ...` steps
  int ring_haves = 0;
};

// The reference proofs of one split written with haves: each conjunct `Chain x` (or `Ring x`)
// of the statement proved first by `have hI : Chain x := by` and its five tactics, then the
// goal closed by `constructor` and `exact hI`. Proofs of the plain family are kept as they are.
HaveProofs write_have_candidates(const fs::path& out, const std::string& split) {
  static const std::regex conjunct("(Chain|Ring) ([A-Za-z_][A-Za-z0-9_']*)");
  std::ifstream in(kTasks);
  std::ofstream lines(out);
  HaveProofs f;
  for (std::string line; std::getline(in, line);) {
    json task = json::parse(line);
    if (task.at("split") != split) continue;
    std::string statement = task.at("formal_statement");
    std::string target = statement.substr(statement.rfind(") : ") + 4);
    std::vector<std::pair<std::string, std::string>> facts;
    for (std::sregex_iterator it(target.begin(), target.end(), conjunct), end; it != end; ++it)
      facts.emplace_back((*it)[1].str(), (*it)[2].str());
    std::string proof = task.at("reference_proof");
    if (!facts.empty()) {
      proof.clear();
      for (std::size_t i = 0; i < facts.size(); ++i) {
        proof += fmt::format("  have h{} : {} {} := by\n", i + 1, facts[i].first, facts[i].second);
        for (const auto& tactic : subproof(facts[i].first)) proof += "    " + tactic + "\n";
        (facts[i].first == "Chain" ? f.chain_haves : f.ring_haves) += 1;
      }
      for (std::size_t i = 0; i + 1 < facts.size(); ++i) proof += fmt::format("  constructor\n  exact h{}\n", i + 1);
      proof += fmt::format("  exact h{}", facts.size());
      if (facts.front().first == "Chain") ++f.chain_proofs;
    }
    json c = {{"name", task.at("name")},
              {"split", split},
              {"header", task.at("header")},
              {"formal_statement", statement},
              {"proof", proof}};
    lines << c.dump() << "\n";
    ++f.lines;
  }
  return f;
}

// How often `needle` occurs in `text`.
int count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}


// The train split's reference proofs scored into box's store, and a library grown from them:
// the lines written, and grow's run.
std::pair<Families, test_support::HarnessRun> score_and_grow(const Box& box) {
  Families f = write_candidates(box.dir / "train.jsonl", "train");
  auto scored = run_harness(box.dir, with({"score", (box.dir / "train.jsonl").string()}, box.engine()));
  INFO(scored.output);
  REQUIRE(scored.exit_code == 0);
  auto grown = run_harness(box.dir, with({"library", "grow", "--split", "train"}, box.engine()));
  INFO(grown.output);
  REQUIRE(grown.exit_code == 0);
  return {f, grown};
}

// The same, then the library's version and its one lemma's name (the Chain sub-proof,
// `∀ x : Nat, Chain x`).
std::pair<std::string, std::string> grown_library(const Box& box) {
  score_and_grow(box);
  auto db = store::Store::open(box.db());
  auto latest = db.library_version("latest");
  REQUIRE(latest);
  auto lemmas = db.library_lemmas(latest->version);
  REQUIRE(lemmas.size() == 1);
  return {latest->version, lemmas[0].name};
}

}  // namespace

TEST_CASE("library grow finds the lemma inlined into the proofs again and keeps only what pays", "[e2e][library]") {
  Box box;
  auto [f, grown] = score_and_grow(box);
  REQUIRE(f.chain_proofs > 2);

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

TEST_CASE("library grow lifts the lemma from have steps again, and a have used once is not kept", "[e2e][library][have]") {
  Box box;
  HaveProofs f = write_have_candidates(box.dir / "train.jsonl", "train");
  REQUIRE(f.chain_proofs > 2);
  REQUIRE(f.chain_haves > f.chain_proofs);  // chain2 and chain3 proofs have several
  REQUIRE(f.ring_haves == 1);
  auto scored = run_harness(box.dir, with({"score", (box.dir / "train.jsonl").string()}, box.engine()));
  INFO(scored.output);
  REQUIRE(scored.exit_code == 0);
  auto db = store::Store::open(box.db());
  REQUIRE(db.verified_proofs(std::nullopt).size() == static_cast<size_t>(f.lines));

  // Lean's steps of the have proofs: each have a step of its own with its five tactics nested.
  std::string traces = (box.dir / "traces.jsonl").string();
  auto traced = run_harness(box.dir, with({"traces", "--out", traces}, box.engine()));
  INFO(traced.output);
  REQUIRE(traced.exit_code == 0);
  std::ifstream trace_lines(traces);
  std::vector<json> steps;
  for (std::string line; std::getline(trace_lines, line);) steps.push_back(json::parse(line));
  int haves = 0;
  for (const auto& step : steps) {
    if (!step.at("is_have").get<bool>()) continue;
    ++haves;
    CHECK(step.at("depth") == 0);
    int nested = 0;
    for (const auto& inner : steps)
      nested += inner.at("proof_id") == step.at("proof_id") && inner.at("parent") == step.at("step") ? 1 : 0;
    CHECK((nested == 5 || nested == 4));  // Chain's five tactics, Ring's four
  }
  CHECK(haves == f.chain_haves + f.ring_haves);

  auto grown = run_harness(box.dir, with({"library", "grow", "--split", "train"}, box.engine()));
  INFO(grown.output);
  REQUIRE(grown.exit_code == 0);
  auto version = db.library_version("latest");
  REQUIRE(version);
  auto lemmas = db.library_lemmas(version->version);
  // Recovery: the Chain lemma, by statement up to its binder's name, lifted from have steps.
  // (A chain task's whole theorem may be kept too when it pays more on its proofs: MDL's
  // choice; whatever it takes, no proof keeps a have of its own.)
  const store::LemmaRecord* chain = nullptr;
  for (const auto& l : lemmas) {
    auto parsed = library::parse_statement(l.statement);
    REQUIRE(parsed);
    CHECK(l.statement.find("Ring") == std::string::npos);  // the Ring have has one use
    if (parsed->statement.binders.size() == 1 && parsed->statement.binders[0].type == "Nat" &&
        parsed->statement.type == "Chain " + parsed->statement.binders[0].name)
      chain = &l;
  }
  REQUIRE(chain != nullptr);
  CHECK(chain->proof == "by\n  unfold Chain\n  apply link1_intro\n  apply link2_intro\n"
                        "  apply link3_intro\n  apply link4_base");
  CHECK(chain->origin == "have");
  int from_haves = 0;
  for (const auto& source : chain->sources) from_haves += source.origin == "have" ? 1 : 0;
  CHECK(chain->sources.front().origin == "have");
  CHECK(from_haves == f.chain_haves);
  const store::LibraryMemberRecord* member = nullptr;
  for (const auto& m : version->members) member = m.lemma_digest == chain->digest ? &m : member;
  REQUIRE(member != nullptr);
  CHECK(member->gain > 0);
  // Every proof with a Chain have was rewritten and passed Lean: by the Chain lemma (each have's
  // proof replaced by it), or whole by another kept lemma.
  int counted = 0, chain_uses = 0, replaced = 0, absorbed = 0, absorbed_proofs = 0;
  for (const auto& r : db.library_rewrites(version->version)) {
    if (!r.counted) continue;
    ++counted;
    CHECK(r.verdict == "pass");
    CHECK(r.c_after < r.c_before);
    CHECK(count(r.after_text, "unfold Chain") == 0);
    if (r.lemma_digest == chain->digest) {
      ++chain_uses;
      CHECK(count(r.after_text, "exact h1") == 1);
      replaced += count(r.after_text, ":= " + chain->name + " ");
    } else {
      ++absorbed_proofs;
      absorbed += count(r.before_text, "unfold Chain");
    }
  }
  CHECK(counted == f.chain_proofs);
  CHECK(member->uses == chain_uses);
  CHECK(chain_uses > 2);
  CHECK(replaced > chain_uses);  // chain3 proofs have three haves each
  CHECK(replaced + absorbed == f.chain_haves);
  CHECK(grown.output.find("estimated gain <= 0") != std::string::npos);
  json params = json::parse(version->params_json);
  int64_t before = params.at("proofs_bytes_before").get<int64_t>();
  int64_t after = version->proofs_bytes + version->library_bytes;
  CHECK(after < before);
  WARN(fmt::format("have recovery: the Chain lemma recovered (origin {}, gain {} bytes, {} uses): "
                   "{} of {} Chain have steps replaced by it, {} more in {} proofs taken whole by "
                   "{} other kept lemma(s); the Ring have (1 use) not kept; description length "
                   "{} -> {} bytes",
                   chain->origin, member->gain, member->uses, replaced, f.chain_haves, absorbed,
                   absorbed_proofs, lemmas.size() - 1, before, after));
}

namespace {

// The OUT rows of `path` by task name.
std::map<std::string, json> rows_by_name(const fs::path& path) {
  std::ifstream in(path);
  std::map<std::string, json> rows;
  for (std::string line; std::getline(in, line);) {
    json row = json::parse(line);
    rows[row.at("name").get<std::string>()] = row;
  }
  return rows;
}

}  // namespace

TEST_CASE("score --library checks proofs that use its lemmas, refuses them on the tasks a lemma "
          "came from, and a resumed run keeps the library it began with",
          "[e2e][library][score]") {
  Box box;
  const auto [version, lemma] = grown_library(box);

  // Candidates that use the lemma: each chain task's reference proof with every inlined
  // `Chain x` sub-proof replaced by `apply LEMMA`. The valid tasks' are new proofs; the train
  // tasks' are proofs of the tasks the lemma came from.
  std::string inlined;
  for (const auto& step : subproof("Chain")) inlined += (inlined.empty() ? "  " : "\n  ") + step;
  std::ofstream uses(box.dir / "uses.jsonl");
  std::set<std::string> valid, train;
  std::ifstream in(kTasks);
  for (std::string line; std::getline(in, line);) {
    json task = json::parse(line);
    if (task.at("family").get<std::string>().rfind("chain", 0) != 0) continue;
    std::string proof = task.at("reference_proof");
    for (size_t at; (at = proof.find(inlined)) != std::string::npos;) {
      proof.replace(at, inlined.size(), "  apply " + lemma);
    }
    REQUIRE(proof.find("unfold Chain") == std::string::npos);
    const std::string name = task.at("name");
    bool is_train = task.at("split") == "train";
    if (is_train && train.size() == 2) continue;
    (is_train ? train : valid).insert(name);
    uses << json{{"name", name}, {"header", task.at("header")},
                 {"formal_statement", task.at("formal_statement")}, {"proof", proof}}.dump()
         << "\n";
  }
  uses.close();
  REQUIRE(valid.size() >= 5);
  REQUIRE(train.size() == 2);
  const std::string input = (box.dir / "uses.jsonl").string();

  // With the library: the new proofs pass; a proof of a task the lemma came from is refused
  // without Lean, naming the lemma.
  auto with_library = run_harness(box.dir, with({"score", input, "--out", "with.jsonl", "--library",
                                                 box.db()}, box.engine()));
  INFO(with_library.output);
  CHECK(with_library.exit_code == 0);
  CHECK(with_library.output.find("library " + version + " (1 lemmas)") != std::string::npos);
  auto rows = rows_by_name(box.dir / "with.jsonl");
  for (const auto& name : valid) {
    INFO(name << ": " << rows[name].dump());
    CHECK(rows[name].at("verdict") == "pass");
  }
  for (const auto& name : train) {
    INFO(name << ": " << rows[name].dump());
    CHECK(rows[name].at("verdict") == "rejected");
    CHECK(rows[name].at("reason").get<std::string>().find(lemma) != std::string::npos);
  }

  // Without it the lemma is an unknown name: nothing passes.
  auto without = run_harness(box.dir, with({"score", input, "--out", "without.jsonl"}, box.engine()));
  INFO(without.output);
  for (const auto& [name, row] : rows_by_name(box.dir / "without.jsonl")) {
    INFO(name << ": " << row.dump());
    CHECK(row.at("verdict") != "pass");
  }

  // The run records its library; resumed, it goes on with it (a completed run: OUT is written
  // again from the store, without Lean).
  auto db = store::Store::open(box.db());
  auto runs = db.runs();
  std::optional<store::RunRow> with_run, without_run;
  for (const auto& r : runs) {
    if (r.command != "score") continue;
    json settings = json::parse(r.settings_json);
    if (settings.contains("library")) {
      with_run = r;
      CHECK(settings["library"]["version"] == version);
      CHECK(settings["library"]["lemmas"] == 1);
      CHECK(settings["library"]["path"] == fs::absolute(box.db()).lexically_normal().string());
    } else if (r.input_path.find("uses.jsonl") != std::string::npos) {
      without_run = r;
    }
  }
  REQUIRE(with_run);
  REQUIRE(without_run);
  fs::remove(box.dir / "with.jsonl");
  auto resumed = run_harness(box.dir, {"score", "--resume", with_run->uuid, "--db", box.db(),
                                       "--no-progress"});
  INFO(resumed.output);
  CHECK(resumed.exit_code == 0);
  CHECK(resumed.output.find("library " + version) != std::string::npos);
  CHECK(rows_by_name(box.dir / "with.jsonl") == rows);

  // traces checks the run's proofs again: without the library the lemma is unknown and no proof
  // that uses it is traced; on its layers every one is, `apply LEMMA` among its steps.
  auto untraced = run_harness(box.dir, with({"traces", "--run", with_run->uuid, "--out",
                                             (box.dir / "t0.jsonl").string()}, box.engine()));
  CHECK(untraced.exit_code == 1);  // a proof not traced
  CHECK(untraced.output.find(fmt::format("{} verified proofs, 0 traced", valid.size())) !=
        std::string::npos);
  auto traced = run_harness(box.dir, with({"traces", "--run", with_run->uuid, "--out",
                                           (box.dir / "t.jsonl").string(), "--library", box.db()},
                                          box.engine()));
  INFO(traced.output);
  CHECK(traced.exit_code == 0);
  CHECK(traced.output.find(fmt::format("{} verified proofs, {} traced", valid.size(),
                                       valid.size())) != std::string::npos);
  std::set<std::string> applied;
  {
    std::ifstream steps(box.dir / "t.jsonl");
    for (std::string line; std::getline(steps, line);) {
      json step = json::parse(line);
      if (step.at("tactic") == "apply " + lemma) applied.insert(step.at("task_name").get<std::string>());
    }
  }
  CHECK(applied == valid);

  // One run, one library: a run begun without one is not resumed with one.
  auto refused = run_harness(box.dir, {"score", "--resume", without_run->uuid, "--db", box.db(),
                                       "--library", box.db(), "--no-progress"});
  CHECK(refused.exit_code == 2);
  CHECK(refused.output.find("was checked without a library") != std::string::npos);
  auto stray = run_harness(box.dir, with({"score", input, "--library-version", version},
                                         box.engine()));
  CHECK(stray.exit_code == 2);
  CHECK(stray.output.find("--library-version") != std::string::npos);
}

TEST_CASE("serve --library answers snippets that use its lemmas, over loopback HTTP",
          "[e2e][library][serve]") {
  Box box;
  const auto [version, lemma] = grown_library(box);
  const json request = {
      {"snippets",
       {{{"id", "uses"}, {"code", "theorem fresh_chain (q : Nat) : Chain q := by\n  apply " + lemma + "\n"}},
        {{"id", "plain"}, {"code", "theorem fresh_eq (q : Nat) : q + 1 = q + 1 := by\n  rfl\n"}}}},
      {"timeout", 60}};
  auto verdicts = [&](std::vector<std::string> more) {
    std::vector<std::string> args = {"--db", box.db(), "--repl", box.repl(), "--sandbox", "none",
                                     "--workers", "2"};
    args.insert(args.end(), more.begin(), more.end());
    test_support::ServeProcess server(HARNESS_PATH, args);
    httplib::Client c("127.0.0.1", server.port());
    c.set_read_timeout(30, 0);
    auto res = c.Post("/api/check", request.dump(), "application/json");
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 200);
    const json body = json::parse(res->body);
    std::map<std::string, std::string> out;
    for (const auto& r : body.at("results")) {
      out[r.at("id").get<std::string>()] = r.at("verdict").get<std::string>();
    }
    CHECK(server.stop() == 0);
    return out;
  };
  auto with_library = verdicts({"--library", box.db()});
  CHECK(with_library["uses"] == "pass");
  CHECK(with_library["plain"] == "pass");
  auto without = verdicts({});
  CHECK(without["uses"] != "pass");  // the lemma is an unknown name without the library
  CHECK(without["plain"] == "pass");
  // The serve run records its library.
  auto db = store::Store::open(box.db());
  std::vector<std::string> recorded;
  for (const auto& r : db.runs()) {
    if (r.command != "serve") continue;
    json settings = json::parse(r.settings_json);
    recorded.push_back(settings.contains("library") ? settings["library"]["version"].get<std::string>()
                                                    : "");
  }
  CHECK(recorded == std::vector<std::string>{version, ""});
}

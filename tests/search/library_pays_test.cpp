// The lemma library in search, end to end (docs/library.md, "The loop" and "Use in search"): the
// real binary, real SQLite stores, the REPL double in rules mode with its lemma rules, on the
// library task families (library/README.md).
//
// "It pays": the same step-mode run, same seed, with and without --grow-library. The budget (8
// expansions a search, every tactic of the vocabulary tried at each) reaches the five-tactic
// Chain proofs of the chain1 tasks but not the 11 and 17 tactics chain2 and chain3 need; the
// library grown from the chain1 proofs brings them within 3 and 5. The held-out (valid) pass@1
// and the description length of the tasks both runs proved, library included, must both be
// better with the library, by the margins below.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "library/description_length.hpp"
#include "metrics/compression.hpp"
#include "store/store.hpp"
#include "tests/support/search_summary.hpp"
#include "tests/support/harness_run.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using test_support::pass_at_1;
using test_support::run_harness;

namespace {

const std::string kTasks = std::string(LIBRARY_DIR) + "/tasks.jsonl";
const std::string kRules = std::string(LIBRARY_DIR) + "/rules.json";
const std::string kVocabulary = std::string(LIBRARY_DIR) + "/vocabulary.txt";

// The families at K times their committed size (generate.py --scale K), written into `dir`.
std::string scaled_tasks(const fs::path& dir, int scale) {
  auto run = lean_bridge::capture_output(
      {{"python3", std::string(LIBRARY_DIR) + "/generate.py", "--out", dir.string(), "--scale",
        std::to_string(scale)},
       dir.string(), 0, false},
      60'000);
  INFO(run.output);
  REQUIRE(run.status);
  REQUIRE(WIFEXITED(*run.status));
  REQUIRE(WEXITSTATUS(*run.status) == 0);
  return (dir / "tasks.jsonl").string();
}

struct Box {
  test_support::TempDir tmp{"harness-library-search"};
  fs::path dir = tmp.path();
  std::string db() const { return (dir / "search.db").string(); }
  std::string repl() const { return fmt::format("{} --tactic-rules {}", FAKE_REPL_PATH, kRules); }
  std::string tasks = kTasks;
  // The step-mode run both sides make (seed 7), with `more` after it.
  std::vector<std::string> search(const std::vector<std::string>& more, int epochs = 3) const {
    std::vector<std::string> args = {"search", "--tasks", tasks, "--db", db(), "--repl", repl(),
                                     "--sandbox", "none", "--workers", "2", "--no-progress",
                                     "--mode", "step", "--vocabulary", kVocabulary,
                                     "--samples", "4", "--width", "20", "--expansions", "8",
                                     "--seed", "7", "--epochs", std::to_string(epochs)};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }
};

json summary(const store::Store& db) { return test_support::search_summary(db); }

int64_t size_of(const std::string& text) {
  return metrics::compressed_size(text, library::SizerOptions{}.level);
}

// The shortest proof the run verified for each task, in bytes (C as the selection counts it),
// counting a proof rewritten to use the library (a counted rewrite) as a proof of its task.
std::map<std::string, int64_t> shortest_proofs(const store::Store& db) {
  std::map<std::string, int64_t> out;
  auto keep = [&](const std::string& task, const std::string& text) {
    int64_t c = size_of(text);
    auto [it, fresh] = out.emplace(task, c);
    if (!fresh) it->second = std::min(it->second, c);
  };
  auto run = db.latest_run("search");
  for (const auto& row : db.search_attempts(run->id)) {
    if (row.attempt.verdict == "pass" && row.attempt.task_id) keep(*row.attempt.task_id, row.attempt.proof);
  }
  for (const auto& version : db.library_versions()) {
    for (const auto& r : db.library_rewrites(version.version)) {
      if (r.counted) keep(r.task_id, r.after_text);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("search --grow-library pays: held-out pass@1 and description length beat the same run without it",
          "[e2e][library][search]") {
  Box with_library, without;
  // Three times the committed families: 24 chain1 tasks to learn the Chain lemma from.
  with_library.tasks = without.tasks = scaled_tasks(with_library.dir, 3);
  auto grown = run_harness(with_library.dir, with_library.search({"--grow-library"}));
  INFO(grown.output);
  REQUIRE(grown.exit_code == 0);
  auto plain = run_harness(without.dir, without.search({}));
  INFO(plain.output);
  REQUIRE(plain.exit_code == 0);

  auto a = store::Store::open(with_library.db());
  auto b = store::Store::open(without.db());
  json sa = summary(a), sb = summary(b);
  double valid_with = pass_at_1(sa, "valid"), valid_without = pass_at_1(sb, "valid");

  // The library: grown in this run, versions chained, the Chain lemma in it, the Ring sub-proof
  // (used by one proof) not.
  auto versions = a.library_versions();
  REQUIRE(!versions.empty());
  auto run = a.latest_run("search");
  for (size_t i = 0; i < versions.size(); ++i) {
    CHECK(versions[i].run_id == run->id);
    CHECK(versions[i].parent == (i == 0 ? std::string() : versions[i - 1].version));
  }
  auto lemmas = a.library_lemmas(versions.back().version);
  REQUIRE(!lemmas.empty());
  bool chain = false;
  int64_t library_bytes = 0;
  for (const auto& l : lemmas) {
    CHECK(l.statement.find("Ring") == std::string::npos);
    if (l.statement.find(": Chain ") != std::string::npos && l.statement.find("∧") == std::string::npos) chain = true;
    library_bytes += l.description_bytes;
    CHECK(!l.derived_from.empty());
  }
  CHECK(chain);
  CHECK(sa.at("library").at("version") == versions.back().version);

  // The curve: each training epoch's library size and description length; none without it.
  auto epochs = a.epochs(run->id);
  for (const auto& e : epochs) {
    if (e.phase != "train") continue;
    CHECK(e.library_size);
    CHECK(e.description_bytes);
  }
  for (const auto& e : b.epochs(b.latest_run("search")->id)) CHECK(!e.library_size);

  // Description length over the tasks both runs proved: each task's shortest proof (as the
  // library rewrote it, where it did), plus the library itself on the side that has one.
  auto pa = shortest_proofs(a), pb = shortest_proofs(b);
  int64_t total_with = library_bytes, total_without = 0, common = 0;
  for (const auto& [task, c] : pb) {
    auto found = pa.find(task);
    if (found == pa.end()) continue;
    ++common;
    total_with += found->second;
    total_without += c;
  }
  WARN(fmt::format("valid pass@1 {:.3f} with --grow-library, {:.3f} without; {} tasks proved by "
                   "both: {} bytes with the library ({} lemmas, {} bytes of it), {} without",
                   valid_with, valid_without, common, total_with, lemmas.size(), library_bytes,
                   total_without));
  // The margins: at least 0.25 of held-out pass@1, and 10% of the description length.
  CHECK(valid_with >= valid_without + 0.25);
  CHECK(common > 0);
  CHECK(static_cast<double>(total_with) <= 0.90 * static_cast<double>(total_without));
}

TEST_CASE("search --library reads a store's version or an exported file, and never offers a task its own lemma",
          "[e2e][library][search]") {
  Box grown;
  REQUIRE(run_harness(grown.dir, grown.search({"--grow-library", "--no-eval"}, 1)).exit_code == 0);
  auto source = store::Store::open(grown.db());
  auto version = source.library_version("latest");
  REQUIRE(version);
  auto lemmas = source.library_lemmas(version->version);
  REQUIRE(!lemmas.empty());
  std::string file = (grown.dir / "library.json").string();
  auto exported = run_harness(grown.dir, {"library", "export", "--db", grown.db(), "--json", file});
  INFO(exported.output);
  REQUIRE(exported.exit_code == 0);

  // No training: the library alone.
  std::map<std::string, json> results;
  for (const std::string& from : {std::string("store"), std::string("file"), std::string("none")}) {
    Box box;
    std::vector<std::string> more;
    if (from == "store") more = {"--library", grown.db()};
    if (from == "file") more = {"--library", file};
    auto r = run_harness(box.dir, box.search(more, 0));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    auto db = store::Store::open(box.db());
    results[from] = summary(db);
    if (from == "none") continue;
    CHECK(r.output.find(version->version) != std::string::npos);
    // A lemma derived from a task is never in that task's proofs.
    std::map<std::string, std::set<std::string>> forbidden;  // task id -> lemma names
    for (const auto& l : lemmas) {
      for (const auto& t : l.derived_from) forbidden[t].insert(l.name);
    }
    int with_lemma = 0;
    auto run = db.latest_run("search");
    for (const auto& row : db.search_attempts(run->id)) {
      if (row.attempt.verdict != "pass" || !row.attempt.task_id) continue;
      for (const auto& l : lemmas) {
        if (row.attempt.proof.find(l.name) == std::string::npos) continue;
        ++with_lemma;
        CHECK(forbidden[*row.attempt.task_id].count(l.name) == 0);
      }
    }
    CHECK(with_lemma > 0);
  }
  CHECK(results["store"].at("pass_at_k") == results["file"].at("pass_at_k"));
  CHECK(pass_at_1(results["file"], "valid") > pass_at_1(results["none"], "valid"));

  // A library file with a bad field: exit 2, the file and the field named.
  json bad = json::parse(std::ifstream(file));
  bad["lemmas"][0]["statement"] = 7;
  std::string bad_file = (grown.dir / "bad.json").string();
  std::ofstream(bad_file) << bad.dump();
  Box box;
  auto refused = run_harness(box.dir, box.search({"--library", bad_file}, 0));
  CHECK(refused.exit_code == 2);
  CHECK(refused.output.find("bad.json") != std::string::npos);
  CHECK(refused.output.find("lemmas[0].statement") != std::string::npos);
  // The growth's caps are search's options too: no rewrite check, no lemma.
  Box capped;
  auto none = run_harness(capped.dir, capped.search({"--grow-library", "--no-eval", "--max-rewrite-checks", "0"}, 1));
  INFO(none.output);
  REQUIRE(none.exit_code == 0);
  CHECK(none.output.find("the rewrite budget stopped the selection") != std::string::npos);
  {
    auto db = store::Store::open(capped.db());
    CHECK_FALSE(db.library_version("latest"));
    auto epochs = db.epochs(db.latest_run("search")->id);
    REQUIRE(epochs.size() == 1);
    CHECK(epochs[0].library_size == 0);
  }
  // Growing needs training epochs to grow between.
  auto no_epochs = run_harness(box.dir, box.search({"--grow-library"}, 0));
  CHECK(no_epochs.exit_code == 2);
  CHECK(no_epochs.output.find("--grow-library grows the library between training epochs") != std::string::npos);
  // A policy that cannot use one is refused before any work.
  std::string proofs = (grown.dir / "proofs.jsonl").string();
  std::ofstream(proofs) << json{{"name", "lfam_0001"}, {"proof", "  constructor"}}.dump() << "\n";
  auto replay = run_harness(box.dir, {"search", "--tasks", kTasks, "--db", box.db(), "--repl", box.repl(),
                                      "--sandbox", "none", "--policy", "replay:" + proofs,
                                      "--library", file});
  CHECK(replay.exit_code == 2);
  CHECK(replay.output.find("cannot use a lemma library") != std::string::npos);
}

TEST_CASE("a --grow-library run killed after an epoch resumes with the library it had grown",
          "[e2e][library][search][resume]") {
  Box whole, killed;
  REQUIRE(run_harness(whole.dir, whole.search({"--grow-library"})).exit_code == 0);
  auto dead = run_harness(killed.dir, killed.search({"--grow-library"}), 300'000,
                          {{"HARNESS_TEST_KILL_AFTER_EPOCH", "1"}});
  REQUIRE(dead.exit_code == 137);
  auto resumed = run_harness(killed.dir, {"search", "--resume", "latest", "--db", killed.db(), "--no-progress"});
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);

  auto l = store::Store::open(whole.db());
  auto r = store::Store::open(killed.db());
  auto lr = l.latest_run("search"), rr = r.latest_run("search");
  for (int epoch = 1; epoch <= 3; ++epoch) {
    INFO("epoch " << epoch);
    CHECK(l.checkpoint(lr->id, epoch)->sha256 == r.checkpoint(rr->id, epoch)->sha256);
  }
  auto le = l.epochs(lr->id), re = r.epochs(rr->id);
  REQUIRE(le.size() == re.size());
  for (size_t i = 0; i < le.size(); ++i) {
    CHECK(le[i].library_size == re[i].library_size);
    CHECK(le[i].description_bytes == re[i].description_bytes);
  }
  json sl = summary(l), sr = summary(r);
  CHECK(sl.at("pass_at_k") == sr.at("pass_at_k"));
  CHECK(sl.at("library") == sr.at("library"));
}

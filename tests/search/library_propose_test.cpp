// `harness library grow --propose openai:URL` (and `search --grow-library --propose`) end to end
// (docs/library.md, "Candidates: lemmas a model proposes"): the real binary, a real SQLite store,
// the REPL double in rules mode on the library task families (library/README.md), and a fake model
// on loopback (the in-process OpenAI-compatible double). The model answers with (a) the Chain lemma
// with a shorter proof than the one inlined into the proofs, (b) a lemma no proof uses, (c)
// garbage: (a) joins the Chain candidate, is the version Lean checks and is kept; (b) and (c) are
// rejected with their reasons and never reach Lean. A server that fails or is too slow is reported,
// and grow goes on with the candidates the proofs gave.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "library/lemma.hpp"
#include "openai_double.hpp"
#include "store/store.hpp"
#include "tests/support/harness_run.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using test_support::run_harness;

namespace {

const std::string kTasks = std::string(LIBRARY_DIR) + "/tasks.jsonl";
const std::string kRules = std::string(LIBRARY_DIR) + "/rules.json";

// (a) the Chain lemma, its five tactics on one line (shorter than the traced texts); (b) a lemma
// no proof states; (c) a theorem with an implicit binder, and a Lean block of prose.
const std::string kAnswer =
    "Here are helper lemmas that shorten the proofs.\n\n"
    "```lean4\n"
    "theorem chain_any (k : Nat) : Chain k := by unfold Chain; apply link1_intro; apply "
    "link2_intro; apply link3_intro; apply link4_base\n"
    "\n"
    "theorem never_used (a b : Nat) (h : a < b) : a ≤ b := by\n"
    "  omega\n"
    "\n"
    "theorem implicit_chain {k : Nat} : Chain k := by\n"
    "  unfold Chain\n"
    "```\n\n"
    "```lean\nAnd this block is prose, not Lean.\n```\n";

struct Box {
  test_support::TempDir tmp{"harness-library-propose"};
  fs::path dir = tmp.path();
  std::string db() const { return (dir / "library.db").string(); }
  std::string repl() const { return fmt::format("{} --tactic-rules {}", FAKE_REPL_PATH, kRules); }
  std::vector<std::string> grow(std::vector<std::string> more) const {
    std::vector<std::string> args{"library", "grow", "--split", "train", "--db", db(), "--repl", repl(),
                                  "--sandbox", "none", "--workers", "2", "--no-progress"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }
};

// The train reference proofs scored into the box's store; the number of proofs that use the
// Chain sub-proof.
int score_train(const Box& box) {
  std::ifstream in(kTasks);
  std::ofstream lines(box.dir / "train.jsonl");
  int chain_proofs = 0;
  for (std::string line; std::getline(in, line);) {
    json task = json::parse(line);
    if (task.at("split") != "train") continue;
    lines << json{{"name", task.at("name")},
                  {"split", "train"},
                  {"header", task.at("header")},
                  {"formal_statement", task.at("formal_statement")},
                  {"proof", task.at("reference_proof")}}
                 .dump()
          << "\n";
    if (task.at("family").get<std::string>().rfind("chain", 0) == 0) ++chain_proofs;
  }
  lines.close();
  auto scored = run_harness(box.dir, {"score", (box.dir / "train.jsonl").string(), "--db", box.db(),
                                      "--repl", box.repl(), "--sandbox", "none", "--workers", "2",
                                      "--no-progress"});
  INFO(scored.output);
  REQUIRE(scored.exit_code == 0);
  return chain_proofs;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A fake model that answers kAnswer to the helper-lemma prompt.
openai_double::Script lemma_model() {
  openai_double::Script script;
  script.model = "lemma-model";
  script.rules = {{"helper lemmas", {kAnswer}}};
  return script;
}

// The prompt of the one chat request `server` had, after the model was asked of /models.
std::string the_one_prompt(const openai_double::Server& server) {
  auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].path == "/v1/models");
  CHECK(requests[1].path == "/v1/chat/completions");
  return json::parse(requests[1].body).at("messages").at(0).at("content");
}

}  // namespace

TEST_CASE("library grow --propose: the model's lemma for a repeated sub-proof is checked and kept, the rest rejected without Lean", "[e2e][library]") {
  Box box;
  int chain_proofs = score_train(box);
  REQUIRE(chain_proofs > 2);
  openai_double::Server server(lemma_model());

  auto grown = run_harness(box.dir, box.grow({"--propose", "openai:" + server.base_url(),
                                              "--propose-max-proofs", "5"}));
  INFO(grown.output);
  REQUIRE(grown.exit_code == 0);
  // One prompt (after the model was asked of /models), five proofs shown, chat.
  std::string prompt = the_one_prompt(server);
  CHECK(has(prompt, "Proof 5 ("));
  CHECK_FALSE(has(prompt, "Proof 6 ("));
  CHECK(has(prompt, "theorem NAME (x : T) ... : TYPE := by ..."));

  // The summary: what was read, joined and rejected, and why.
  CHECK(has(grown.output, "remote: asked " + server.base_url() + "/chat/completions for helper lemmas on 5 proofs"));
  CHECK(has(grown.output, "2 code blocks, 3 declarations, 2 lemmas read, 1 joined candidates, 3 rejected"));
  CHECK(has(grown.output, "rejected 1: no use in the proofs"));
  CHECK(has(grown.output, "rejected 1: a Lean block with no theorem"));
  CHECK(has(grown.output, "rejected 1: the statement does not read as"));
  // Lean checked one lemma: the model's Chain version (the smallest). Neither (b) nor (c).
  CHECK(has(grown.output, "Lean checks: 1 lemma checks"));

  auto db = store::Store::open(box.db());
  auto version = db.library_version("latest");
  REQUIRE(version);
  // The version says a model was asked.
  auto params = nlohmann::json::parse(version->params_json);
  CHECK(params.value("propose", "").rfind("openai:", 0) == 0);
  auto lemmas = db.library_lemmas(version->version);
  REQUIRE(lemmas.size() == 1);
  CHECK(lemmas[0].origin == "remote");
  CHECK(has(lemmas[0].proof, "by unfold Chain; apply link1_intro"));
  auto parsed = library::parse_statement(lemmas[0].statement);
  REQUIRE(parsed);
  CHECK(parsed->name == lemmas[0].name);
  CHECK(parsed->statement.type == "Chain k");
  CHECK(lemmas[0].derived_from.size() == static_cast<std::size_t>(chain_proofs));
  REQUIRE(version->members.size() == 1);
  CHECK(version->members[0].uses == chain_proofs);
  CHECK(version->members[0].gain > 0);
  for (const auto& l : lemmas) CHECK_FALSE(has(l.statement, "≤"));
}

TEST_CASE("library grow --propose: a failing or silent server is reported and grow goes on with the traced candidates", "[e2e][library]") {
  Box box;
  int chain_proofs = score_train(box);
  {
    openai_double::Script failing;
    failing.fail_first = 1000;
    failing.fail_status = 500;
    openai_double::Server server(failing);
    auto grown = run_harness(box.dir, box.grow({"--propose", server.base_url(), "--propose-model", "m",
                                                "--propose-retries", "1"}));
    INFO(grown.output);
    REQUIRE(grown.exit_code == 0);
    CHECK(has(grown.output, "--propose: the model gave no lemmas"));
    CHECK(has(grown.output, "HTTP 500 (2 attempts)"));
    CHECK(has(grown.output, "going on with the candidates the proofs gave"));
    CHECK(server.request_count() == 2);
    // The run's work is not lost: the traced Chain lemma is kept as without --propose.
    auto db = store::Store::open(box.db());
    auto version = db.library_version("latest");
    REQUIRE(version);
    auto lemmas = db.library_lemmas(version->version);
    REQUIRE(lemmas.size() == 1);
    CHECK(lemmas[0].origin != "remote");
    CHECK(version->members[0].uses == chain_proofs);
  }
  {
    openai_double::Script slow;
    slow.sleep_ms = 30000;
    openai_double::Server server(slow);
    auto grown = run_harness(box.dir, box.grow({"--propose", server.base_url(), "--propose-model", "m",
                                                "--propose-retries", "0", "--propose-timeout", "0.5",
                                                "--from", "none"}));
    INFO(grown.output);
    REQUIRE(grown.exit_code == 0);
    CHECK(has(grown.output, "--propose: the model gave no lemmas"));
    CHECK(has(grown.output, "no answer within"));
    CHECK(has(grown.output, "1 lemmas kept"));
  }
  {
    // An answer that is not the wire format, and one in prose without a Lean block.
    openai_double::Script garbage;
    garbage.garbage = openai_double::Garbage::not_json;
    openai_double::Server server(garbage);
    auto grown = run_harness(box.dir, box.grow({"--propose", server.base_url(), "--propose-model", "m"}));
    INFO(grown.output);
    CHECK(grown.exit_code == 0);
    CHECK(has(grown.output, "--propose: the model gave no lemmas"));
    CHECK(has(grown.output, "answer is not JSON"));
    openai_double::Script prose;
    prose.fallback = {"I would rather not write Lean today."};
    server.set_script(prose);
    grown = run_harness(box.dir, box.grow({"--propose", server.base_url(), "--propose-model", "m"}));
    CHECK(grown.exit_code == 0);
    CHECK(has(grown.output, "0 code blocks, 0 declarations, 0 lemmas read, 0 joined candidates, 0 rejected"));
    CHECK(has(grown.output, "--propose: no Lean code block in the model's answer"));
  }
  {
    // Nothing listens there: the same, and a URL that cannot be one is said as plainly.
    int port = 0;
    {
      openai_double::Server gone;
      port = gone.port();
    }
    auto grown = run_harness(box.dir, box.grow({"--propose", fmt::format("http://127.0.0.1:{}", port),
                                                "--propose-model", "m", "--propose-retries", "0"}));
    INFO(grown.output);
    CHECK(grown.exit_code == 0);
    CHECK(has(grown.output, "--propose: the model gave no lemmas (cannot reach"));
    auto bad = run_harness(box.dir, box.grow({"--propose", "ftp://nowhere"}));
    CHECK(bad.exit_code == 0);
    CHECK(has(bad.output, "--propose: the model gave no lemmas"));
  }
}

namespace {

const std::string kVocabulary = std::string(LIBRARY_DIR) + "/vocabulary.txt";

// One training epoch of step-mode search (seed 7) that grows the library, with `more`.
std::vector<std::string> search_args(const Box& box, std::vector<std::string> more) {
  std::vector<std::string> args = {"search", "--tasks", kTasks, "--db", box.db(),
                                   "--repl", box.repl(), "--sandbox", "none", "--workers", "2",
                                   "--no-progress", "--mode", "step", "--vocabulary", kVocabulary,
                                   "--samples", "4", "--width", "20", "--expansions", "8",
                                   "--seed", "7", "--epochs", "1", "--no-eval", "--grow-library"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

}  // namespace

TEST_CASE("search --grow-library --propose: the model is asked once per growth and its lemma joins the candidates",
          "[e2e][library][search]") {
  Box box;
  openai_double::Server server(lemma_model());

  auto searched =
      run_harness(box.dir, search_args(box, {"--propose", "openai:" + server.base_url()}));
  INFO(searched.output);
  REQUIRE(searched.exit_code == 0);
  std::string prompt = the_one_prompt(server);
  CHECK(has(prompt, "Proof 1 ("));
  CHECK(has(searched.output,
            "remote: asked " + server.base_url() + "/chat/completions for helper lemmas"));
  CHECK(has(searched.output, "rejected 1: no use in the proofs"));

  auto db = store::Store::open(box.db());
  auto version = db.library_version("latest");
  REQUIRE(version);
  auto params = nlohmann::json::parse(version->params_json);
  CHECK(params.value("propose", "").rfind("openai:", 0) == 0);
  CHECK(params.value("propose_model", "") == "(the server's first)");
  // The epoch's verified Chain proofs use the model's version of the lemma: it is the one kept.
  CHECK(has(searched.output, "2 lemmas read, 1 joined candidates, 3 rejected"));
  auto lemmas = db.library_lemmas(version->version);
  REQUIRE(lemmas.size() == 1);
  CHECK(lemmas[0].origin == "remote");
  CHECK(has(lemmas[0].proof, "by unfold Chain; apply link1_intro"));
  // The epoch's row says what the model gave.
  auto run = db.latest_run("search");
  REQUIRE(run);
  auto epochs = db.epochs(run->id);
  REQUIRE(epochs.size() == 1);
  json proposed = json::parse(epochs[0].stats_json).at("library").at("proposed");
  CHECK(proposed.at("read") == 2);
  CHECK(proposed.at("joined") == 1);
  CHECK(proposed.at("failure").is_null());
}

TEST_CASE("search --propose without --grow-library is refused before anything runs",
          "[e2e][library][search]") {
  Box box;
  auto args = search_args(box, {"--propose", "openai:http://127.0.0.1:9"});
  std::erase(args, std::string("--grow-library"));
  auto refused = run_harness(box.dir, args);
  INFO(refused.output);
  CHECK(refused.exit_code == 2);
  CHECK(has(refused.output,
            "--propose asks a model for lemmas as the library grows: give --grow-library"));
  CHECK_FALSE(fs::exists(box.db()));
}

// The adversarial corpus (tests/adversarial/corpus.jsonl) through the real `harness score`
// with the REPL double: every line gets the verdict it must get, and none gets a reward.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "lean-bridge/child_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path kCorpus = fs::path(HARNESS_SOURCE_DIR) / "tests" / "adversarial" / "corpus.jsonl";

using Dir = test_support::TempDir;

std::vector<json> read_jsonl(const fs::path& path) {
  std::ifstream in(path);
  std::vector<json> rows;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) rows.push_back(json::parse(line));
  }
  return rows;
}

int score(const Dir& dir, const fs::path& input, std::string& output) {
  std::vector<std::string> argv = {HARNESS_PATH, "score", input.string(), "--out",
                                   (dir.path() / "out.jsonl").string(), "--db",
                                   (dir.path() / "h.db").string(), "--timeout", "2", "--workers",
                                   "2", "--repl", FAKE_REPL_PATH, "--no-progress"};
  lean_bridge::ProcessSpec spec{argv, dir.path().string(), 0, false};
  auto run = lean_bridge::capture_output(spec, 120'000);
  output = run.output;
  REQUIRE(run.status);
  return WIFEXITED(*run.status) ? WEXITSTATUS(*run.status) : -1;
}

}  // namespace

TEST_CASE("no line of the adversarial corpus gets a reward", "[e2e][adversarial]") {
  Dir dir;
  std::vector<json> corpus;
  {
    std::ofstream input(dir.path() / "in.jsonl");
    for (auto& line : read_jsonl(kCorpus)) {
      if (line["tier"] == "lean") continue;
      input << line.dump() << "\n";
      corpus.push_back(line);
    }
  }
  REQUIRE(corpus.size() >= 40);
  std::string output;
  CHECK(score(dir, dir.path() / "in.jsonl", output) == 0);
  INFO(output);
  auto rows = read_jsonl(dir.path() / "out.jsonl");
  REQUIRE(rows.size() == corpus.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    INFO(corpus[i]["name"] << ": " << corpus[i]["why"] << "\n  got " << rows[i].dump());
    CHECK(rows[i]["verdict"] != "pass");
    CHECK((rows[i]["reward"].is_null() || rows[i]["reward"] == 0.0));
    CHECK(rows[i]["verdict"] == corpus[i]["expect"]);
    CHECK(rows[i]["decided_by"] == corpus[i]["decided_by"]);
  }
}

TEST_CASE("hostile JSONL lines are invalid rows and the lines around them still score",
          "[e2e][adversarial]") {
  Dir dir;
  std::string ok = json{{"name", "ok"}, {"formal_statement", "theorem ok : True := by\n"},
                        {"proof", "  trivial"}}.dump() + "\n";
  std::string text = ok;
  text += "{\"name\": \"huge\", \"proof\": \"" + std::string(17u << 20, 'x') + "\"}\n";
  text += ok;
  text += std::string("{\"name\": \"bad-utf8\", \"proof\": \"\xff\xfe\"}\n");
  text += "{\"name\": \"nul\", \"proof\": \"a";
  text += '\0';
  text += "b\"}\n";
  text += "{\"name\": \"escaped-nul\", \"formal_statement\": \"theorem x : True := by\\n\", "
          "\"proof\": \"\\u0000\"}\n";
  text += "{\"name\": \"truncated\", \"proof\": \n";
  text += "[1, 2, 3]\n";
  text += ok;
  std::ofstream(dir.path() / "in.jsonl", std::ios::binary) << text;
  std::string output;
  CHECK(score(dir, dir.path() / "in.jsonl", output) == 0);
  INFO(output);
  auto rows = read_jsonl(dir.path() / "out.jsonl");
  REQUIRE(rows.size() == 9);
  std::vector<std::string> verdicts;
  for (auto& r : rows) verdicts.push_back(r["verdict"]);
  CHECK(verdicts == std::vector<std::string>{"pass", "invalid", "pass", "invalid", "invalid",
                                             "invalid", "invalid", "invalid", "pass"});
  for (auto& r : rows) {
    if (r["verdict"] == "invalid") {
      CHECK(r["reward"].is_null());
      CHECK(r["error"].get<std::string>().find("in.jsonl:") != std::string::npos);
    }
  }
}

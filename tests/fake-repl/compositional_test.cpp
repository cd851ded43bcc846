// The compositional task families of tests/search/compositional under fake-repl's rules mode:
// every reference proof passes as a whole proof and step by step, each step's goal is advanced
// by exactly one tactic of the core vocabulary, and generate.py reproduces the committed files.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "child_process.hpp"

namespace {

using fake_repl_test::ChildProcess;
using nlohmann::json;
namespace fs = std::filesystem;

const fs::path compositional = fs::path(COMPOSITIONAL_DIR);

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

struct Repl {
  explicit Repl(const std::string& rules_path) : child({"--tactic-rules", rules_path}) {}
  json ask(const json& value) {
    child.send(value.dump() + "\n\n");
    auto answer = child.read_answer();
    REQUIRE(answer);
    return json::parse(*answer);
  }
  ChildProcess child;
};

// The core vocabulary of the built-in policy, one tactic per line ('#' comments).
std::vector<std::string> core_vocabulary() {
  std::ifstream in(fs::path(CORE_VOCABULARY));
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    out.push_back(line);
  }
  return out;
}

std::string target_of(const std::string& goal) {
  auto at = goal.rfind("⊢ ");
  return at == std::string::npos ? goal : goal.substr(at + std::string("⊢ ").size());
}

}  // namespace

TEST_CASE("compositional tasks: reference proofs pass, one tactic advances each step",
          "[fake-repl][rules][compositional]") {
  const auto vocabulary = core_vocabulary();
  REQUIRE(vocabulary.size() >= 40);
  // The shape of the goal each step kind acts on (its target), and its tactic.
  const std::map<std::string, std::string> tactic_of = {
      {"A", "intro h"}, {"B", "rfl"}, {"C", "left"}, {"D", "omega"}};
  const std::map<std::string, std::pair<std::string, std::string>> steps_of = {
      {"intro_rfl", {"A", "B"}}, {"left_omega", {"C", "D"}},
      {"intro_omega", {"A", "D"}}, {"left_rfl", {"C", "B"}}};
  Repl repl((compositional / "rules.json").string());
  std::ifstream tasks(compositional / "tasks.jsonl");
  std::map<std::string, std::set<std::string>> splits;
  std::map<std::string, int> per_split;
  int count = 0;
  for (std::string line; std::getline(tasks, line);) {
    json task = json::parse(line);
    std::string name = task["name"], family = task["family"], split = task["split"];
    std::string statement = task["formal_statement"], proof = task["reference_proof"];
    INFO(name << " (" << family << ", " << split << ")");
    ++count;
    ++per_split[split];
    splits[family].insert(split);
    REQUIRE(steps_of.contains(family));
    auto [first, second] = steps_of.at(family);
    CHECK(proof == "  " + tactic_of.at(first) + "\n  " + tactic_of.at(second));

    json whole = repl.ask({{"cmd", statement + proof + "\n#print axioms " + name}});
    REQUIRE(whole["messages"].size() == 1);
    CHECK(whole["messages"][0]["data"] == "'" + name + "' does not depend on any axioms");

    json opened = repl.ask({{"cmd", statement + "  sorry\n"}});
    REQUIRE(opened["sorries"].size() == 1);
    long root = opened["sorries"][0]["proofState"];
    // Step 1: only the first kind's tactic advances the starting goal.
    for (const std::string& tactic : vocabulary) {
      if (tactic == tactic_of.at(first)) continue;
      INFO("wrong first tactic: " << tactic);
      CHECK(repl.ask({{"tactic", tactic}, {"proofState", root}}).contains("message"));
    }
    json middle = repl.ask({{"tactic", tactic_of.at(first)}, {"proofState", root}});
    REQUIRE(middle.contains("proofState"));
    REQUIRE(middle["goals"].size() == 1);
    std::string goal = middle["goals"][0];
    // After intro h the premise is a hypothesis h; after left the hypotheses are the statement's.
    CHECK((goal.find("\nh : ") != std::string::npos) == (first == "A"));
    std::string target = target_of(goal);
    CHECK((target.find(" = ") != std::string::npos) == (second == "B"));
    CHECK(target.find(" → ") == std::string::npos);
    CHECK(target.find(" ∨ ") == std::string::npos);
    long state = middle["proofState"];
    // Step 2: only the second kind's tactic closes the remaining goal.
    for (const std::string& tactic : vocabulary) {
      if (tactic == tactic_of.at(second)) continue;
      INFO("wrong second tactic: " << tactic << " on " << goal);
      CHECK(repl.ask({{"tactic", tactic}, {"proofState", state}}).contains("message"));
    }
    json closed = repl.ask({{"tactic", tactic_of.at(second)}, {"proofState", state}});
    CHECK(closed["proofStatus"] == "Completed");
    // The whole proof with the other closer fails.
    std::string other = second == "B" ? "omega" : "rfl";
    json wrong = repl.ask({{"cmd", statement + "  " + tactic_of.at(first) + "\n  " + other}});
    REQUIRE(wrong.contains("messages"));
    CHECK(wrong["messages"][0]["severity"] == "error");
  }
  CHECK(count == 84);
  CHECK(per_split == std::map<std::string, int>{{"compose", 24}, {"train", 48}, {"valid", 12}});
  CHECK(splits["intro_rfl"] == std::set<std::string>{"train", "valid"});
  CHECK(splits["left_omega"] == std::set<std::string>{"train", "valid"});
  CHECK(splits["intro_omega"] == std::set<std::string>{"compose"});
  CHECK(splits["left_rfl"] == std::set<std::string>{"compose"});
}

TEST_CASE("compositional tasks: generate.py reproduces the committed files",
          "[fake-repl][compositional]") {
  if (std::system("command -v python3 >/dev/null 2>&1") != 0) {
    WARN("python3 is not installed: generate.py is not checked");
    return;
  }
  char pattern[] = "/tmp/compositional-generate-XXXXXX";
  REQUIRE(mkdtemp(pattern) != nullptr);
  fs::path out = pattern;
  std::string command =
      "python3 '" + (compositional / "generate.py").string() + "' --out '" + out.string() + "'";
  CHECK(std::system(command.c_str()) == 0);
  for (const char* file : {"rules.json", "tasks.jsonl"}) {
    INFO(file << ": regenerate with python3 tests/search/compositional/generate.py");
    CHECK(read_file(out / file) == read_file(compositional / file));
  }
  fs::remove_all(out);
}

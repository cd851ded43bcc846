// The core-Lean task set (tasks/core/): its JSONL loads as a task file, its families and
// splits follow the documented rule, and the committed Lean library is exactly what
// tasks/core/generate_lean.py makes of the JSONL. Whether the statements elaborate is checked
// by `lake build HarnessTasks` where a Lean toolchain exists, not here.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tasks/target.hpp"
#include "tasks/task_index.hpp"
#include "temp_dir.hpp"

using tasks::ProofForm;
using tasks::TaskIndex;
using tasks_test::TempDir;

namespace {

const std::string kCoreDir = std::string(HARNESS_SOURCE_DIR) + "/tasks/core";
const std::string kJsonl = kCoreDir + "/core_tasks.jsonl";
const std::string kLean = kCoreDir + "/HarnessTasks.lean";
const std::string kScript = kCoreDir + "/generate_lean.py";

const std::vector<std::string> kFamilies = {"nat_arith", "nat_order", "int_arith",
                                            "list",      "bool",      "logic"};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::vector<nlohmann::json> json_lines() {
  std::vector<nlohmann::json> lines;
  std::istringstream in(read_file(kJsonl));
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace

TEST_CASE("core tasks load as a task file: at least 100, unique names, empty headers",
          "[core_tasks]") {
  auto index = TaskIndex::load(kJsonl);
  REQUIRE(index.size() >= 100);
  std::set<std::string> names;
  for (const auto& indexed : index.tasks()) {
    const auto& task = indexed.task;
    INFO(task.name);
    CHECK(names.insert(task.name).second);
    CHECK(task.name.rfind("core_", 0) == 0);
    CHECK(task.header.empty());
    CHECK(index.by_name(task.name).size() == 1);
    CHECK(index.by_id(task.id) == &indexed);
  }
}

TEST_CASE("every core statement is a theorem of its own name ending with `:= by` newline",
          "[core_tasks]") {
  auto index = TaskIndex::load(kJsonl);
  for (const auto& indexed : index.tasks()) {
    const auto& task = indexed.task;
    INFO(task.name);
    CHECK(task.statement.rfind("theorem " + task.name + " ", 0) == 0);
    CHECK(ends_with(task.statement, ":= by\n"));
    CHECK(task.statement.find("sorry") == std::string::npos);
    auto target = tasks::find_target(task.statement, task.name, ProofForm::continuation);
    CHECK(target.error.empty());
    CHECK(target.name == task.name);
  }
}

TEST_CASE("core tasks: every family present, split by the documented rule, reference proofs",
          "[core_tasks]") {
  auto lines = json_lines();
  std::map<std::string, int> position;  // 1-based position of the task within its family
  std::map<std::string, int> per_split;
  for (const auto& line : lines) {
    std::string name = line.at("name");
    INFO(name);
    std::string family = line.at("family");
    CHECK(std::find(kFamilies.begin(), kFamilies.end(), family) != kFamilies.end());
    int at = ++position[family];
    std::string split = line.at("split");
    CHECK(split == (at % 5 == 0 ? "valid" : "train"));
    ++per_split[split];
    std::string proof = line.at("reference_proof");
    CHECK(proof.rfind("  ", 0) == 0);
    CHECK(proof.find("sorry") == std::string::npos);
    CHECK(line.at("header") == "");
  }
  for (const auto& family : kFamilies) {
    INFO(family);
    CHECK(position[family] >= 10);
  }
  CHECK(position.size() == kFamilies.size());
  CHECK(per_split["train"] > 0);
  CHECK(per_split["valid"] > 0);
  CHECK(per_split.size() == 2);
}

TEST_CASE("the committed HarnessTasks.lean is what generate_lean.py makes of the JSONL",
          "[core_tasks]") {
  TempDir dir("core-tasks");
  std::string out = dir.file("HarnessTasks.lean");
  std::string command = "python3 " + shell_quote(kScript) + " " + shell_quote(kJsonl) + " " +
                        shell_quote(out);
  REQUIRE(std::system(command.c_str()) == 0);
  std::string committed = read_file(kLean);
  CHECK(read_file(out) == committed);

  // The rule itself, re-implemented: a preamble of comments, then each statement in file
  // order followed by `  sorry`.
  std::string expected;
  for (const auto& line : json_lines())
    expected += "\n" + line.at("formal_statement").get<std::string>() + "  sorry\n";
  REQUIRE(committed.size() >= expected.size());
  CHECK(ends_with(committed, expected));
  std::string preamble = committed.substr(0, committed.size() - expected.size());
  std::istringstream in(preamble);
  std::string preamble_line;
  while (std::getline(in, preamble_line)) CHECK(preamble_line.rfind("-- ", 0) == 0);
}

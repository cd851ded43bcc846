#include "policy/replay/replay_policy.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tasks/task.hpp"
#include "tests/support/temp_dir.hpp"

using policy::Completion;
using policy::GenerationRequest;
using policy::PolicyError;
using policy::ReplayOptions;
using policy::ReplayPolicy;
using policy::TaskView;
using test_support::TempDir;

namespace {

const std::string kHeader = "import Mathlib\n";
const std::string kStatementA = "theorem a : 1 + 1 = 2 := by\n";
const std::string kStatementB = "theorem b : 2 + 2 = 4 := by\n";

TaskView view(const std::string& name, const std::string& statement,
              const std::string& header = kHeader) {
  return TaskView{tasks::task_id(header, statement), name, header, statement};
}

std::string line(const nlohmann::json& object) { return object.dump() + "\n"; }

// The proof texts of one request's completions.
std::vector<std::string> proofs(ReplayPolicy& policy, const TaskView& task, int samples) {
  auto results = policy.generate({GenerationRequest{task, samples, 0}});
  REQUIRE(results.size() == 1);
  std::vector<std::string> texts;
  for (const Completion& completion : results[0]) texts.push_back(completion.proof);
  return texts;
}

using Texts = std::vector<std::string>;

}  // namespace

TEST_CASE("replay: a task's proofs by task id, the first `samples` in file order") {
  TempDir dir("replay-test");
  std::string path = dir.write(
      "out.jsonl",
      line({{"name", "a"}, {"header", kHeader}, {"formal_statement", kStatementA}, {"proof", "  norm_num"}}) +
          line({{"name", "b"}, {"header", kHeader}, {"formal_statement", kStatementB}, {"proof", "  rfl"}}) +
          line({{"name", "a"}, {"header", kHeader}, {"formal_statement", kStatementA}, {"formal_proof", "  simp"}}) +
          "\n" +
          line({{"name", "a"}, {"header", kHeader}, {"formal_statement", kStatementA}, {"proof", "  decide"}}));
  ReplayPolicy policy(path);
  CHECK(policy.problems().empty());
  CHECK(policy.size() == 4);
  CHECK(policy.kind() == "replay");
  CHECK(policy.path() == path);

  CHECK(proofs(policy, view("a", kStatementA), 2) == Texts{"  norm_num", "  simp"});
  CHECK(proofs(policy, view("a", kStatementA), 3) == Texts{"  norm_num", "  simp", "  decide"});
  // Fewer in the file than asked for: all of them.
  CHECK(proofs(policy, view("a", kStatementA), 8) == Texts{"  norm_num", "  simp", "  decide"});
  CHECK(proofs(policy, view("b", kStatementB), 8) == Texts{"  rfl"});
  CHECK(proofs(policy, view("a", kStatementA), 0).empty());
  CHECK(policy.available(view("a", kStatementA)) == 3);

  auto results = policy.generate({GenerationRequest{view("a", kStatementA), 1, 7}});
  REQUIRE(results[0].size() == 1);
  const Completion& completion = results[0][0];
  CHECK(completion.prompt.empty());
  CHECK(completion.completion == "  norm_num");
  CHECK(completion.proof == "  norm_num");
  CHECK_FALSE(completion.whole_file);
  CHECK_FALSE(completion.error.has_value());
  CHECK_FALSE(completion.logprob.has_value());
  CHECK(completion.decisions.empty());
}

TEST_CASE("replay: requests are answered in order, an unknown task with no proof") {
  TempDir dir("replay-test");
  std::string path = dir.write(
      "out.jsonl",
      line({{"name", "a"}, {"header", kHeader}, {"formal_statement", kStatementA}, {"proof", "p1"}}) +
          line({{"name", "b"}, {"header", kHeader}, {"formal_statement", kStatementB}, {"proof", "p2"}}));
  ReplayPolicy policy(path);
  auto results = policy.generate({GenerationRequest{view("b", kStatementB), 4, 0},
                                  GenerationRequest{view("c", "theorem c : True := by\n"), 4, 0},
                                  GenerationRequest{view("a", kStatementA), 4, 0}});
  REQUIRE(results.size() == 3);
  REQUIRE(results[0].size() == 1);
  CHECK(results[0][0].proof == "p2");
  CHECK(results[1].empty());
  REQUIRE(results[2].size() == 1);
  CHECK(results[2][0].proof == "p1");
  CHECK(policy.generate({}).empty());
}

TEST_CASE("replay: full_proof and code lines are whole files") {
  TempDir dir("replay-test");
  std::string whole = "import Mathlib\ntheorem a : 1 + 1 = 2 := by norm_num\n";
  std::string path = dir.write(
      "out.jsonl", line({{"name", "a"}, {"header", kHeader}, {"formal_statement", kStatementA}, {"full_proof", whole}}) +
                       line({{"name", "a"}, {"code", whole + "-- again\n"}}));
  ReplayPolicy policy(path);
  CHECK(policy.problems().empty());
  // The first line matches by id; the second has no statement, so only the name could find it,
  // and the name is not consulted while the id matches.
  auto by_id = policy.generate({GenerationRequest{view("a", kStatementA), 4, 0}});
  REQUIRE(by_id[0].size() == 1);
  CHECK(by_id[0][0].whole_file);
  CHECK(by_id[0][0].proof == whole);
  CHECK(by_id[0][0].completion == whole);
  // Under another header the id differs: the name finds both lines.
  auto by_name = policy.generate({GenerationRequest{view("a", kStatementA, "import Std\n"), 4, 0}});
  REQUIRE(by_name[0].size() == 2);
  CHECK(by_name[0][1].whole_file);
  CHECK(by_name[0][1].proof == whole + "-- again\n");
}

TEST_CASE("replay: a line's task_id field picks its task") {
  TempDir dir("replay-test");
  TaskView task = view("a", kStatementA);
  std::string path =
      dir.write("out.jsonl", line({{"task_id", task.task_id}, {"code", "whole file"}}) +
                                 line({{"name", "a"}, {"task_id", "task-v1:other"}, {"code", "other"}}) +
                                 line({{"task_id", task.task_id}, {"name", "a"}, {"proof", "  simp"},
                                       {"formal_statement", kStatementB}}));
  ReplayPolicy policy(path);
  CHECK(policy.problems().empty());
  CHECK(proofs(policy, task, 8) == Texts{"whole file", "  simp"});
  // A line naming another task by id is not taken by name.
  CHECK(proofs(policy, view("a", kStatementA, "import Std\n"), 8).empty());
  TaskView other{"task-v1:other", "x", "", ""};
  CHECK(proofs(policy, other, 8) == Texts{"other"});
}

TEST_CASE("replay: the name is used when no id matches, only if it names one task in the file") {
  TempDir dir("replay-test");
  // Model outputs without a header: their ids differ from the tasks' (which have one).
  std::string path = dir.write(
      "out.jsonl",
      line({{"name", "a"}, {"formal_statement", kStatementA}, {"proof", "a1"}}) +
          line({{"name", "dup"}, {"formal_statement", "theorem dup : True := by\n"}, {"proof", "d1"}}) +
          line({{"name", "a"}, {"formal_statement", kStatementA}, {"proof", "a2"}}) +
          line({{"name", "dup"}, {"formal_statement", "theorem dup : 0 = 0 := by\n"}, {"proof", "d2"}}));
  ReplayPolicy policy(path);
  CHECK(proofs(policy, view("a", kStatementA), 8) == Texts{"a1", "a2"});
  CHECK(proofs(policy, view("dup", "theorem dup : True := by\n"), 8).empty());
  CHECK(policy.available(view("dup", "theorem dup : True := by\n")) == 0);
  // The exact id still finds an ambiguous name's lines.
  CHECK(proofs(policy, view("dup", "theorem dup : True := by\n", ""), 8) == Texts{"d1"});
  CHECK(proofs(policy, view("", kStatementA), 8).empty());
}

TEST_CASE("replay: default_header stands in for a missing header when computing ids") {
  TempDir dir("replay-test");
  std::string path = dir.write(
      "out.jsonl", line({{"name", "a"}, {"formal_statement", kStatementA}, {"proof", "a1"}}) +
                       line({{"name", "other"}, {"formal_statement", kStatementA}, {"proof", "a2"}}));
  ReplayOptions options;
  options.default_header = kHeader;
  ReplayPolicy policy(path, options);
  // Both lines carry the task's statement under its header: both match by id, whatever the name.
  CHECK(proofs(policy, view("a", kStatementA), 8) == Texts{"a1", "a2"});
}

TEST_CASE("replay: bad lines are reported as FILE:LINE: FIELD: PROBLEM and skipped") {
  TempDir dir("replay-test");
  std::string path = dir.file("out.jsonl");
  dir.write("out.jsonl",
            line({{"name", "a"}, {"header", kHeader}, {"formal_statement", kStatementA}, {"proof", "good1"}}) +
                "{\"name\": \"a\", \"proof\": \n" +                                     // 2
                line({{"name", "a"}, {"header", kHeader}, {"formal_statement", kStatementA}}) +  // 3
                line({{"name", "a"}, {"proof", "no statement"}}) +                      // 4
                line({{"name", 5}, {"proof", "x"}}) +                                   // 5
                line({{"name", "a"}, {"task_id", 12}, {"code", "x"}}) +                 // 6
                "[1, 2]\n" +                                                            // 7
                line({{"name", "a"}, {"header", kHeader}, {"formal_statement", kStatementA}, {"proof", "good2"}}) +
                std::string(200, 'x') + "\n" +                                          // 9
                line({{"name", "a"}, {"header", kHeader}, {"formal_statement", kStatementA}, {"proof", "good3"}}));
  ReplayOptions options;
  options.max_line_bytes = 150;
  ReplayPolicy policy(path, options);
  const auto& problems = policy.problems();
  REQUIRE(problems.size() == 7);
  CHECK_THAT(problems[0], Catch::StartsWith(path + ":2: (line): malformed JSON"));
  CHECK_THAT(problems[1], Catch::StartsWith(path + ":3: proof: missing"));
  CHECK_THAT(problems[2], Catch::StartsWith(path + ":4: formal_statement: missing"));
  CHECK(problems[3] == path + ":5: name: expected a string, got number");
  CHECK(problems[4] == path + ":6: task_id: expected a string, got number");
  CHECK(problems[5] == path + ":7: (line): expected a JSON object, got array");
  CHECK_THAT(problems[6], Catch::StartsWith(path + ":9: (line): line of 200 bytes exceeds"));
  CHECK(policy.size() == 3);
  CHECK(proofs(policy, view("a", kStatementA), 8) == Texts{"good1", "good2", "good3"});
}

TEST_CASE("replay: a file that cannot be read is a PolicyError naming it") {
  TempDir dir("replay-test");
  std::string missing = dir.file("missing.jsonl");
  CHECK_THROWS_WITH(ReplayPolicy(missing),
                    Catch::StartsWith("replay: cannot open " + missing + ": "));
  CHECK_THROWS_AS(ReplayPolicy(missing), PolicyError);
  std::string directory = dir.path().string();
  CHECK_THROWS_WITH(ReplayPolicy(directory), Catch::Contains(directory));
  CHECK_THROWS_AS(ReplayPolicy(directory), PolicyError);
  CHECK_THROWS_AS(ReplayPolicy("-"), PolicyError);
}

TEST_CASE("replay: version is replay: and 12 hex digits of the file's SHA-256") {
  TempDir dir("replay-test");
  // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
  ReplayPolicy abc(dir.write("abc.jsonl", "abc"));
  CHECK(abc.version() == "replay:ba7816bf8f01");
  CHECK(abc.problems().size() == 1);
  CHECK(abc.size() == 0);

  ReplayPolicy empty(dir.write("empty.jsonl", ""));
  CHECK(empty.version() == "replay:e3b0c44298fc");  // SHA-256 of no bytes
  CHECK(empty.problems().empty());

  auto capabilities = abc.capabilities();
  CHECK(capabilities.whole);
  CHECK_FALSE(capabilities.step);
  CHECK_FALSE(capabilities.learns);
  CHECK_FALSE(capabilities.uses_library);
  CHECK_THROWS_WITH(abc.set_library({}), Catch::Matchers::Contains("cannot use a lemma library"));
}

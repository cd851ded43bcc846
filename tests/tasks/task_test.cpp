#include "tasks/task.hpp"

#include <catch2/catch.hpp>
#include <set>

#include "tasks/candidate.hpp"
#include "tasks/task_index.hpp"
#include "temp_dir.hpp"

using tasks::task_id;

TEST_CASE("task_id is versioned and depends on header and statement only", "[task]") {
  std::string id = task_id("import Mathlib\n", "theorem t : True := by\n");
  CHECK(id.rfind("task-v1:", 0) == 0);
  CHECK(id.size() == std::string("task-v1:").size() + 64);
  CHECK(id == task_id("import Mathlib\n", "theorem t : True := by\n"));
  CHECK(id != task_id("import Mathlib\n\n", "theorem t : True := by\n"));
  CHECK(id != task_id("import Mathlib\n", "theorem t : True :="));
  // The field boundary is part of the hash: moving text across it changes the id.
  CHECK(task_id("ab", "c") != task_id("a", "bc"));
}

TEST_CASE("make_task fills in the id, and the name and split are labels outside it", "[task]") {
  auto a = tasks::make_task("a", "valid", "H", "S");
  auto b = tasks::make_task("b", "test", "H", "S");
  CHECK(a.id == task_id("H", "S"));
  CHECK(a.id == b.id);
  CHECK(a.name == "a");
  CHECK(a.split == "valid");
}

TEST_CASE("ProofNet's repeated names get distinct ids", "[task]") {
  auto index = tasks::TaskIndex::load(tasks_test::dataset("proofnet.jsonl"));
  auto five_one = index.by_name("exercise_5_1");
  REQUIRE(five_one.size() == 3);
  std::set<std::string> ids;
  for (const auto* task : five_one) ids.insert(task->task.id);
  CHECK(ids.size() == 3);
  std::set<std::string> all_ids;
  for (const auto& task : index.tasks()) all_ids.insert(task.task.id);
  CHECK(all_ids.size() == index.size());
}

TEST_CASE("lean_text joins statement and proof only in continuation form", "[task]") {
  tasks::Candidate candidate{1, "t", tasks::make_task("t", "", "H", "theorem t : True := by\n"),
                             tasks::ProofForm::continuation, "  trivial"};
  CHECK(tasks::lean_text(candidate) == "theorem t : True := by\n  trivial");
  candidate.form = tasks::ProofForm::whole_text;
  candidate.proof = "import Mathlib\ntheorem t : True := trivial";
  CHECK(tasks::lean_text(candidate) == candidate.proof);
  CHECK(tasks::to_string(tasks::ProofForm::continuation) == "continuation");
  CHECK(tasks::to_string(tasks::ProofForm::whole_text) == "whole_text");
}

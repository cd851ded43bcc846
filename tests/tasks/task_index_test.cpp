#include "tasks/task_index.hpp"

#include <catch2/catch.hpp>

#include "tasks/input_error.hpp"
#include "temp_dir.hpp"

using tasks::InputError;
using tasks::TaskIndex;
using tasks_test::dataset;
using tasks_test::TempDir;

namespace {

std::string load_error(const std::string& path) {
  try {
    TaskIndex::load(path);
  } catch (const InputError& error) {
    return error.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("TaskIndex loads miniF2F: 488 tasks, 244 valid and 244 test", "[task_index]") {
  auto index = TaskIndex::load(dataset("minif2f.jsonl"));
  REQUIRE(index.size() == 488);
  int valid = 0;
  for (const auto& entry : index.tasks()) valid += entry.task.split == "valid";
  CHECK(valid == 244);
  auto found = index.by_name("amc12a_2019_p21");
  REQUIRE(found.size() == 1);
  CHECK(found[0]->line == 1);
  CHECK(found[0]->task.header.rfind("import Mathlib\nimport Aesop\n", 0) == 0);
  CHECK(found[0]->task.statement.rfind("theorem amc12a_2019_p21 ", 0) == 0);
  CHECK(index.by_id(found[0]->task.id) == found[0]);
  CHECK(index.by_name("no_such_task").empty());
  CHECK(index.by_id("task-v1:0000") == nullptr);
}

TEST_CASE("TaskIndex loads ProofNet with its repeated names", "[task_index]") {
  auto index = TaskIndex::load(dataset("proofnet.jsonl"));
  REQUIRE(index.size() == 371);
  auto found = index.by_name("exercise_5_1");
  REQUIRE(found.size() == 3);
  CHECK(found[0]->line == 16);
  CHECK(found[1]->line == 66);
  CHECK(found[2]->line == 174);
  for (const auto* entry : found) CHECK(index.by_id(entry->task.id) == entry);
  CHECK(index.path() == dataset("proofnet.jsonl"));
}

TEST_CASE("TaskIndex: a task without header gets the default header", "[task_index]") {
  auto index = TaskIndex::load(dataset("minif2f_valid_few_shot.jsonl"), "import Mathlib\n");
  REQUIRE(index.size() == 67);
  CHECK(index.tasks()[0].task.header == "import Mathlib\n");
}

TEST_CASE("TaskIndex: identical tasks keep one id, and blank lines are skipped", "[task_index]") {
  TempDir dir;
  std::string line = R"({"name": "t", "header": "H", "formal_statement": "S"})";
  auto path = dir.write("tasks.jsonl", line + "\n\n   \n" + line + "\r\n");
  auto index = TaskIndex::load(path);
  CHECK(index.size() == 2);
  CHECK(index.by_name("t").size() == 1);
  CHECK(index.tasks()[1].line == 4);
}

TEST_CASE("TaskIndex: a broken task file is a usage error naming file, line and field",
          "[task_index]") {
  TempDir dir;
  std::string good = R"({"name": "t", "formal_statement": "S"})";
  CHECK(load_error(dir.write("a.jsonl", good + "\n{\"name\": 3, \"formal_statement\": \"S\"}\n")) ==
        (dir.path() / "a.jsonl").string() + ":2: name: expected a string, got number");
  CHECK(load_error(dir.write("b.jsonl", good + "\n" + good + "\n{\"name\": \"x\"}\n")) ==
        (dir.path() / "b.jsonl").string() + ":3: formal_statement: missing");
  CHECK(load_error(dir.write("c.jsonl", "{oops\n"))
            .rfind(
                (dir.path() / "c.jsonl").string() + ":1: (line): malformed JSON at byte offset 1: ",
                0) == 0);
  CHECK(load_error(dir.write("d.jsonl", "{\"name\": \"t\", \"formal_statement\": \"\xff\"}")) ==
        (dir.path() / "d.jsonl").string() +
            ":1: formal_statement: invalid UTF-8 at byte offset 35");
  std::string missing = (dir.path() / "missing.jsonl").string();
  CHECK(load_error(missing) == "cannot open " + missing + ": No such file or directory");
}

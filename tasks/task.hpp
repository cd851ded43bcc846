#pragma once
// The task model: a statement to prove and the header it is checked under. A task is
// identified by the hash of its header and statement; its name is only a label (public
// datasets repeat names: ProofNet has three different `exercise_5_1`).
#include <string>
#include <string_view>

namespace tasks {

// Version of the task-id scheme; bumping it changes every id (and so every cache key built on
// task ids).
inline constexpr std::string_view kTaskIdVersion = "task-v1";

struct Task {
  std::string name;       // label from the dataset ("" when the input had none)
  std::string split;      // "valid", "test", ... ("" when unknown)
  std::string header;     // Lean preamble: imports, options, opens, auxiliary definitions
  std::string statement;  // the formal statement, e.g. "theorem foo ... := by\n"
  std::string id;         // task_id(header, statement)
};

// "task-v1:<sha256 hex>" over the tagged header and statement.
std::string task_id(std::string_view header, std::string_view statement);

// A Task with its id computed.
Task make_task(std::string name, std::string split, std::string header, std::string statement);

}  // namespace tasks

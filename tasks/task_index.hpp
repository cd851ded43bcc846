#pragma once
// The trusted task set (`--tasks TASKS.jsonl`): dataset-format JSONL whose lines carry `name`,
// `formal_statement`, optionally `header` and `split` (other fields are ignored). Model
// outputs are joined to it by task_id or by name. Names may repeat with different statements
// (ProofNet); a task is identified by its id.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tasks/line_source.hpp"
#include "tasks/task.hpp"

namespace tasks {

struct IndexedTask {
  Task task;
  std::int64_t line;  // 1-based line of the task file
};

class TaskIndex {
 public:
  // Reads a whole task file. The file is trusted input, so any bad line is a usage error:
  // throws InputError "FILE:LINE: FIELD: PROBLEM" (same wording as InvalidLine), or
  // "cannot open FILE: ..." . A task line without `header` gets `default_header`.
  static TaskIndex load(const std::string& path, std::string_view default_header = {},
                        std::size_t max_line_bytes = kDefaultMaxLineBytes);

  // An empty index; `path` is the name error messages use for it.
  explicit TaskIndex(std::string path = "") : m_path(std::move(path)) {}

  // Adds a task (tasks with equal ids are kept; lookups return the first).
  void add(Task task, std::int64_t line);

  const std::string& path() const { return m_path; }
  std::size_t size() const { return m_tasks.size(); }
  const std::vector<IndexedTask>& tasks() const { return m_tasks; }
  // The distinct tasks (by id) named `name`, in file order; empty if none.
  std::vector<const IndexedTask*> by_name(std::string_view name) const;
  // The first task with this id, or nullptr.
  const IndexedTask* by_id(std::string_view id) const;

 private:
  std::string m_path;
  std::vector<IndexedTask> m_tasks;
  std::unordered_map<std::string, std::vector<std::size_t>> m_by_name;  // distinct ids only
  std::unordered_map<std::string, std::size_t> m_by_id;
};

}  // namespace tasks

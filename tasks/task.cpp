#include "tasks/task.hpp"

#include <utility>

#include "common/tagged_hash.hpp"

namespace tasks {

std::string task_id(std::string_view header, std::string_view statement) {
  return common::TaggedHash(kTaskIdVersion).add("header", header).add("statement", statement).hex();
}

Task make_task(std::string name, std::string split, std::string header, std::string statement) {
  std::string id = task_id(header, statement);
  return Task{std::move(name), std::move(split), std::move(header), std::move(statement),
              std::move(id)};
}

}  // namespace tasks

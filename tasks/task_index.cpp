#include "tasks/task_index.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "tasks/input_error.hpp"
#include "tasks/invalid_line.hpp"
#include "tasks/json_line.hpp"

namespace tasks {
namespace {

[[noreturn]] void fail(const std::string& path, std::int64_t line, const FieldProblem& problem) {
  throw InputError(format_line_error(path, line, problem.field, problem.problem));
}

std::optional<std::string> read_string(const std::string& path, std::int64_t line,
                                       const JsonLine& json, std::string_view key) {
  auto field = json.string_field(key);
  if (auto* problem = std::get_if<FieldProblem>(&field)) fail(path, line, *problem);
  return std::get<std::optional<std::string>>(std::move(field));
}

std::string required_string(const std::string& path, std::int64_t line, const JsonLine& json,
                            std::string_view key) {
  auto value = read_string(path, line, json, key);
  if (!value) fail(path, line, FieldProblem{std::string(key), "missing"});
  return std::move(*value);
}

Task read_task(const std::string& path, const RawLine& raw, std::string_view default_header) {
  if (raw.too_long) {
    fail(path, raw.number,
         {std::string(kLineField), fmt::format("line of {} bytes is over the limit", raw.length)});
  }
  auto parsed = JsonLine::parse(raw.bytes);
  if (auto* problem = std::get_if<FieldProblem>(&parsed)) fail(path, raw.number, *problem);
  const auto& json = std::get<JsonLine>(parsed);
  std::string name = required_string(path, raw.number, json, "name");
  std::string statement = required_string(path, raw.number, json, "formal_statement");
  auto header = read_string(path, raw.number, json, "header");
  auto split = read_string(path, raw.number, json, "split");
  return make_task(std::move(name), split.value_or(""),
                   header ? std::move(*header) : std::string(default_header), std::move(statement));
}

bool is_blank(std::string_view bytes) {
  return bytes.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

TaskIndex TaskIndex::load(const std::string& path, std::string_view default_header,
                          std::size_t max_line_bytes) {
  TaskIndex index(path);
  LineSource source(path, max_line_bytes);
  while (auto raw = source.next()) {
    if (!raw->too_long && is_blank(raw->bytes)) continue;
    index.add(read_task(path, *raw, default_header), raw->number);
  }
  return index;
}

void TaskIndex::add(Task task, std::int64_t line) {
  std::size_t position = m_tasks.size();
  m_by_id.emplace(task.id, position);
  auto& named = m_by_name[task.name];
  bool seen = std::any_of(named.begin(), named.end(),
                          [&](std::size_t p) { return m_tasks[p].task.id == task.id; });
  if (!seen) named.push_back(position);
  m_tasks.push_back(IndexedTask{std::move(task), line});
}

std::vector<const IndexedTask*> TaskIndex::by_name(std::string_view name) const {
  std::vector<const IndexedTask*> found;
  auto it = m_by_name.find(std::string(name));
  if (it == m_by_name.end()) return found;
  for (std::size_t position : it->second) found.push_back(&m_tasks[position]);
  return found;
}

const IndexedTask* TaskIndex::by_id(std::string_view id) const {
  auto it = m_by_id.find(std::string(id));
  return it == m_by_id.end() ? nullptr : &m_tasks[it->second];
}

}  // namespace tasks

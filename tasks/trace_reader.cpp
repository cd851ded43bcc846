#include "tasks/trace_reader.hpp"

#include <fmt/format.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "tasks/input_error.hpp"

namespace tasks {
namespace {

using nlohmann::json;

struct Problem {
  FieldProblem problem;
};

const json& field(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) throw Problem{{key, "missing"}};
  return *it;
}

std::string string_of(const json& object, const char* key) {
  const json& v = field(object, key);
  if (!v.is_string()) throw Problem{{key, fmt::format("expected a string, got {}", v.type_name())}};
  return v.get<std::string>();
}

int64_t integer_of(const json& object, const char* key) {
  const json& v = field(object, key);
  if (!v.is_number_integer()) {
    throw Problem{{key, fmt::format("expected an integer, got {}", v.type_name())}};
  }
  return v.get<int64_t>();
}

bool boolean_of(const json& object, const char* key) {
  const json& v = field(object, key);
  if (!v.is_boolean()) throw Problem{{key, fmt::format("expected a boolean, got {}", v.type_name())}};
  return v.get<bool>();
}

std::vector<std::string> strings_of(const json& object, const char* key) {
  const json& v = field(object, key);
  if (!v.is_array()) throw Problem{{key, fmt::format("expected a list, got {}", v.type_name())}};
  std::vector<std::string> out;
  for (const json& item : v) {
    if (!item.is_string()) throw Problem{{key, "expected a list of strings"}};
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

const std::string& TraceRecord::goal_before() const {
  static const std::string none;
  return goals_before.empty() ? none : goals_before.front();
}

std::variant<TraceRecord, FieldProblem> parse_trace_line(std::string_view line) {
  json value = json::parse(line.begin(), line.end(), nullptr, false);
  if (value.is_discarded()) return FieldProblem{"(line)", "not valid JSON"};
  if (!value.is_object()) return FieldProblem{"(line)", "expected a JSON object"};
  try {
    std::string format = string_of(value, "format");
    if (format != kTraceFormat) {
      return FieldProblem{"format", fmt::format("`{}`, this reader knows `{}`", format, kTraceFormat)};
    }
    TraceRecord r;
    r.proof_id = string_of(value, "proof_id");
    r.task_id = string_of(value, "task_id");
    r.task_name = string_of(value, "task_name");
    r.step = integer_of(value, "step");
    r.tactic = string_of(value, "tactic");
    r.goals_before = strings_of(value, "goals_before");
    r.goals_after = strings_of(value, "goals_after");
    r.depth = integer_of(value, "depth");
    r.parent = integer_of(value, "parent");
    r.is_have = boolean_of(value, "is_have");
    return r;
  } catch (const Problem& p) {
    return p.problem;
  }
}

std::vector<TraceRecord> read_traces(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot read the traces file", path));
  std::vector<TraceRecord> out;
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto parsed = parse_trace_line(line);
    if (auto* problem = std::get_if<FieldProblem>(&parsed)) {
      throw InputError(fmt::format("{}:{}: {}: {}", path, number, problem->field, problem->problem));
    }
    out.push_back(std::move(std::get<TraceRecord>(parsed)));
  }
  if (in.bad()) throw InputError(fmt::format("{}: read error", path));
  return out;
}

}  // namespace tasks

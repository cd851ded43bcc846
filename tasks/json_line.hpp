#pragma once
// One JSONL line parsed into a JSON object, with the checks every input line gets, and typed
// access to its top-level fields. Nothing here throws on line content: every problem comes
// back as a FieldProblem naming the top-level key at fault (or kLineField).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace tasks {

struct FieldProblem {
  std::string field;    // top-level key, or kLineField ("(line)")
  std::string problem;  // e.g. "expected a string, got number"
};

class JsonLine {
 public:
  // Checks, in order: no raw NUL byte, valid UTF-8, well-formed JSON, a JSON object. A bad byte
  // is reported against the key whose value holds it (kLineField if none does).
  static std::variant<JsonLine, FieldProblem> parse(std::string_view bytes);

  // A field that is absent or null counts as absent (nullopt). Present fields must be strings
  // without U+0000.
  std::variant<std::optional<std::string>, FieldProblem> string_field(std::string_view key) const;
  // Present and not null.
  bool has(std::string_view key) const;

 private:
  explicit JsonLine(nlohmann::json object) : m_object(std::move(object)) {}

  nlohmann::json m_object;
};

// The top-level key whose value contains byte `offset` of the JSON text `line`, or kLineField
// (the offset is in a key, between values or the text is not an object). Tolerates any bytes.
std::string json_field_at(std::string_view line, std::size_t offset);

// "number", "string", "object", "array", "boolean", "null".
std::string_view json_type_name(const nlohmann::json& value);

}  // namespace tasks

#include "tasks/json_line.hpp"

#include <fmt/format.h>

#include <set>

#include "common/lean_lexer.hpp"
#include "tasks/invalid_line.hpp"

namespace tasks {
namespace {

constexpr std::size_t kMaxDetailBytes = 200;

// Cuts nlohmann's message down to the part after "parse error at line 1, column N: ".
std::string parse_error_detail(const nlohmann::json::exception& error) {
  std::string_view what = error.what();
  std::size_t at = what.find("column ");
  std::size_t colon = what.find(": ", at == std::string_view::npos ? 0 : at);
  std::string_view detail = colon == std::string_view::npos ? what : what.substr(colon + 2);
  if (detail.size() <= kMaxDetailBytes) return std::string(detail);
  std::size_t cut = kMaxDetailBytes;
  while (cut > 0 && (static_cast<unsigned char>(detail[cut]) & 0xC0) == 0x80) --cut;
  return std::string(detail.substr(0, cut)) + "...";
}

std::optional<FieldProblem> byte_problem(std::string_view bytes) {
  if (std::size_t nul = bytes.find('\0'); nul != std::string_view::npos) {
    return FieldProblem{json_field_at(bytes, nul),
                        fmt::format("raw NUL byte at byte offset {}", nul)};
  }
  if (auto bad = common::find_invalid_utf8(bytes)) {
    return FieldProblem{json_field_at(bytes, *bad),
                        fmt::format("invalid UTF-8 at byte offset {}", *bad)};
  }
  return std::nullopt;
}

// Decodes a key as written between quotes (escapes included), falling back to the raw text.
std::string decode_key(std::string_view quoted) {
  auto key = nlohmann::json::parse(quoted.begin(), quoted.end(), nullptr, false);
  if (key.is_string()) return key.get<std::string>();
  return std::string(quoted.substr(1, quoted.size() - 2));
}

}  // namespace

std::variant<JsonLine, FieldProblem> JsonLine::parse(std::string_view bytes) {
  if (auto problem = byte_problem(bytes)) return *problem;
  nlohmann::json value;
  std::set<std::string> keys;
  std::optional<std::string> duplicate;
  auto watch_keys = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::key && depth == 1 && !duplicate &&
        !keys.insert(parsed.get<std::string>()).second) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  try {
    value = nlohmann::json::parse(bytes.begin(), bytes.end(), watch_keys);
  } catch (const nlohmann::json::parse_error& error) {
    return FieldProblem{std::string(kLineField), fmt::format("malformed JSON at byte offset {}: {}",
                                                             error.byte == 0 ? 0 : error.byte - 1,
                                                             parse_error_detail(error))};
  } catch (const nlohmann::json::exception& error) {
    return FieldProblem{std::string(kLineField), "malformed JSON: " + parse_error_detail(error)};
  }
  if (duplicate) {
    return FieldProblem{*duplicate, "duplicate key (a reader could take either value)"};
  }
  if (!value.is_object()) {
    return FieldProblem{std::string(kLineField),
                        fmt::format("expected a JSON object, got {}", json_type_name(value))};
  }
  return JsonLine(std::move(value));
}

std::variant<std::optional<std::string>, FieldProblem> JsonLine::string_field(
    std::string_view key) const {
  auto it = m_object.find(key);
  if (it == m_object.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) {
    return FieldProblem{std::string(key),
                        fmt::format("expected a string, got {}", json_type_name(*it))};
  }
  const auto& value = it->get_ref<const std::string&>();
  if (value.find('\0') != std::string::npos) {
    return FieldProblem{std::string(key), "contains a NUL character (\\u0000)"};
  }
  return std::optional<std::string>(value);
}

bool JsonLine::has(std::string_view key) const {
  auto it = m_object.find(key);
  return it != m_object.end() && !it->is_null();
}

std::string json_field_at(std::string_view line, std::size_t offset) {
  int depth = 0;
  bool in_string = false;
  bool expecting_key = false;
  std::size_t string_start = 0;
  std::string key;
  for (std::size_t i = 0; i < line.size() && i <= offset; ++i) {
    char c = line[i];
    if (in_string) {
      if (i == offset) break;
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
        if (depth == 1 && expecting_key)
          key = decode_key(line.substr(string_start, i + 1 - string_start));
      }
      continue;
    }
    if (i == offset) break;
    if (c == '"') {
      in_string = true;
      string_start = i;
    } else if (c == '{' || c == '[') {
      expecting_key = ++depth == 1 && c == '{';
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (depth == 1 && c == ',') {
      expecting_key = true;
      key.clear();
    } else if (depth == 1 && c == ':') {
      expecting_key = false;
    }
  }
  if (depth < 1 || expecting_key || key.empty()) return std::string(kLineField);
  return key;
}

std::string_view json_type_name(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::string:
      return "string";
    case nlohmann::json::value_t::object:
      return "object";
    case nlohmann::json::value_t::array:
      return "array";
    case nlohmann::json::value_t::boolean:
      return "boolean";
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return "number";
    default:
      return "value";
  }
}

}  // namespace tasks

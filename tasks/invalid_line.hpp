#pragma once
// An input line that cannot be used, with the message users see.
//
// Message convention: "FILE:LINE: FIELD: PROBLEM", where FILE is the path as given, LINE the
// 1-based physical line, FIELD the top-level JSON key at fault, and PROBLEM a lower-case
// phrase. Problems not tied to one field (over-long line, malformed JSON, not an object, a bad
// byte outside any value) use the pseudo-field "(line)":
//   outputs.jsonl:17: formal_statement: expected a string, got number
//   outputs.jsonl:3: (line): malformed JSON: syntax error while parsing object ...
#include <cstdint>
#include <string>
#include <string_view>

namespace tasks {

inline constexpr std::string_view kLineField = "(line)";

struct InvalidLine {
  std::int64_t line;  // 1-based physical line
  std::string name;   // the line's `name` if it could be read, else ""
  std::string field;  // JSON key at fault (as message_excerpt shows it), or kLineField
  std::string error;  // the full "FILE:LINE: FIELD: PROBLEM" message
};

// FIELD goes through message_excerpt (keys come from the input too).
std::string format_line_error(std::string_view file, std::int64_t line, std::string_view field,
                              std::string_view problem);

// An untrusted value made safe to quote in a one-line message: control characters escaped
// (\n, \t, \xNN), cut after 100 bytes at a UTF-8 boundary with "..." appended.
std::string message_excerpt(std::string_view value);

}  // namespace tasks

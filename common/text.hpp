#pragma once
// Small text helpers shared by the libraries. The one `trim` of the project: every library
// that strips whitespace around a line, a word or a message uses these, with this one set.
#include <string_view>
#include <vector>

namespace common {

// ASCII whitespace: space, tab, CR, LF, form feed, vertical tab (what C's isspace accepts in
// the "C" locale, without depending on the locale or on the sign of char).
constexpr bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

// `s` without leading ASCII whitespace.
constexpr std::string_view trim_start(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  return s;
}

// `s` without trailing ASCII whitespace.
constexpr std::string_view trim_end(std::string_view s) {
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// `s` without leading and trailing ASCII whitespace; a view into `s`.
constexpr std::string_view trim(std::string_view s) { return trim_end(trim_start(s)); }

// The lines of `text`, views into it without their '\n' (a final newline ends the last line;
// it does not start an empty one).
inline std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace common

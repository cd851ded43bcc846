#include "tasks/invalid_line.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tasks {

std::string format_line_error(std::string_view file, std::int64_t line, std::string_view field,
                              std::string_view problem) {
  return fmt::format("{}:{}: {}: {}", file, line, message_excerpt(field), problem);
}

std::string message_excerpt(std::string_view value) {
  constexpr std::size_t kExcerptBytes = 100;
  std::size_t cut = std::min(value.size(), kExcerptBytes);
  while (cut < value.size() && cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  std::string out;
  for (char c : value.substr(0, cut)) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7F) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out.push_back(c);
    }
  }
  return cut < value.size() ? out + "..." : out;
}

}  // namespace tasks

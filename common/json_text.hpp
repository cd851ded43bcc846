#pragma once
// JSON text written directly, for the hot output paths (a scored line's row): the same bytes
// nlohmann::json::dump(-1, ' ', false, error_handler_t::replace) gives, without building a
// document first.
#include <string>
#include <string_view>
#include <vector>

namespace common {

// Appends `text` as a JSON string literal, quotes included, escaped as nlohmann's dump escapes
// it (\" \\ \b \f \n \r \t, \u00xx for the other control characters, the rest as is); text
// that is not valid UTF-8 gets nlohmann's own replacement of the bad bytes.
void append_json_string(std::string& out, std::string_view text);

// A list of strings as nlohmann's dump writes it: ["a","b"], [] when empty.
std::string json_string_array(const std::vector<std::string>& items);

}  // namespace common

#pragma once
// `--repl CMD` is split into arguments as a POSIX shell would split a simple command (single
// quotes, double quotes with \" \\ \$ \` escapes, backslash outside quotes), then run without
// a shell: no expansion, no redirection, no globbing.
#include <string>
#include <string_view>
#include <vector>

namespace lean_bridge {

struct SplitCommand {
  std::vector<std::string> argv;
  std::string error;  // non-empty on unbalanced quotes or an empty command
};

SplitCommand split_command_line(std::string_view text);

// Quotes one argument so that split_command_line gives it back unchanged.
std::string quote_argument(std::string_view arg);

}  // namespace lean_bridge

#pragma once
// The usage-error tier of tasks/: a file that cannot be opened or read, or a broken trusted
// task file. The harness catches it once at the top and exits with status 2. Problems with a
// single line of an untrusted input file are never thrown: they are InvalidLine values.
#include <stdexcept>
#include <string>

namespace tasks {

class InputError : public std::runtime_error {
 public:
  // `message` already names the file (and line, when there is one).
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace tasks

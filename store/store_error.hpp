#pragma once
// The one exception type of the store library.
#include <stdexcept>
#include <string>
#include <string_view>

namespace store {

// Every failure of the store: SQLite errors, refused files, constraint violations. The
// message names the database file, the operation and the cause, in the form
// "FILE: OPERATION: CAUSE", e.g. "harness.db: insert attempt (run 3, line 17): database or
// disk is full".
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Builds a StoreError in the form above.
inline StoreError make_store_error(std::string_view file, std::string_view operation,
                                   std::string_view cause) {
  std::string message;
  message.reserve(file.size() + operation.size() + cause.size() + 4);
  message.append(file).append(": ").append(operation).append(": ").append(cause);
  return StoreError(message);
}

}  // namespace store

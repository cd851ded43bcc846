#pragma once
// A fresh directory under the system temp dir, removed with everything in it at scope exit.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "tests/support/temp_dir.hpp"

namespace tasks_test {

using test_support::TempDir;

inline std::string dataset(const std::string& file) {
  return std::string(HARNESS_SHARED_DIR) + "/datasets/" + file;
}

}  // namespace tasks_test

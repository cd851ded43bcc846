#pragma once
// The SHA-256 a run records of its input file (RunInfo::input_sha256, runs.input_sha256).
#include <string>

namespace store {

// Lower-case hex SHA-256 of the bytes of the file at `path`, read once in chunks (an input
// of any size costs constant memory). Throws StoreError "PATH: hash input: CAUSE" when the
// file cannot be read.
std::string file_sha256(const std::string& path);

}  // namespace store

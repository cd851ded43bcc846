#pragma once
// Canaries: known-false statements with plausible proofs, mixed into a run (`--canary N`).
// Lean must refuse every one; a canary that gets `pass` means the verifier is broken, and the
// run stops naming it. The built-in set needs only core Lean, so it elaborates under any header.
#include <optional>
#include <string>
#include <vector>

namespace harness {

struct Canary {
  std::string name;       // the declared name, also the target
  std::string statement;  // "theorem NAME ... := by\n"
  std::string proof;      // completes the statement
};

const std::vector<Canary>& builtin_canaries();

// A canary file: JSONL with `name`, `formal_statement` and `proof` per line. Throws
// std::runtime_error naming FILE:LINE on a bad line.
std::vector<Canary> load_canaries(const std::string& path);

// `count` canaries taken in turn from `pool`, renamed apart when the pool is smaller.
std::vector<Canary> pick_canaries(const std::vector<Canary>& pool, int count);

}  // namespace harness

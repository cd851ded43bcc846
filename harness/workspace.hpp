#pragma once
// The Lean workspace the REPL runs in (the project's lakefile.toml + lean-toolchain by
// default), the REPL command derived from it, and the toolchain identity that goes into run
// rows and cache keys.
#include <optional>
#include <string>
#include <vector>

namespace harness {

struct Workspace {
  std::string dir;                 // absolute path; empty when none was found
  std::string toolchain;           // contents of lean-toolchain, trimmed ("" when missing)
  std::vector<std::string> packages;  // "name@rev" from lake-manifest.json
  std::string repl_binary;         // the built REPL, when found
  // "leanprover/lean4:v4.32.0 REPL@abc... mathlib@def..." — what a verdict depends on.
  std::string identity() const;
};

// Order: `explicit_dir`, $HARNESS_WORKSPACE, the nearest lakefile.toml above the current
// directory, then above the harness executable.
Workspace find_workspace(const std::optional<std::string>& explicit_dir);

// `lake env <REPL binary>` when the workspace has a built REPL, else the same command with
// the path where `lake build` puts it (so the error names what is missing).
std::string default_repl_command(const Workspace& workspace);

// Where `lake build` puts the REPL binary of the community REPL package.
std::vector<std::string> repl_binary_candidates(const std::string& workspace_dir);

}  // namespace harness

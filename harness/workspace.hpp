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
  std::string found_by;            // how it was found (find_workspace's order), for doctor
  bool installed_template = false;  // PREFIX/share/harness/workspace: read-only, lake builds
                                    // in a copy (user_workspace_dir)
  // "leanprover/lean4:v4.32.0 REPL@abc... mathlib@def..." — what a verdict depends on.
  std::string identity() const;
};

// Order: `explicit_dir`, $HARNESS_WORKSPACE, the nearest lakefile.toml above the current
// directory, then above the harness executable when it runs from a build folder inside the
// project, then the user's own copy of the installed workspace (user_workspace_dir), then the
// installed template itself (installed_data_dir()/workspace).
Workspace find_workspace(const std::optional<std::string>& explicit_dir);

// PREFIX/share/harness of an installed harness (PREFIX/bin/harness), found relative to the
// executable so a relocated prefix works; empty when this binary runs from a build folder.
std::string installed_data_dir();

// Where a user's writable copy of the installed workspace lives:
// $XDG_DATA_HOME/harness/workspace, else ~/.local/share/harness/workspace ("" without either).
std::string user_workspace_dir();

// `lake env <REPL binary>` when the workspace has a built REPL, else the same command with
// the path where `lake build` puts it (so the error names what is missing).
std::string default_repl_command(const Workspace& workspace);

// Where `lake build` puts the REPL binary of the community REPL package.
std::vector<std::string> repl_binary_candidates(const std::string& workspace_dir);

}  // namespace harness

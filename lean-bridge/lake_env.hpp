#pragma once
// The environment `lake env` gives a command in a Lean workspace, resolved once and outside the
// sandbox (docs/sandbox.md): the REPL binary, `lean` and `leanchecker` then start directly with
// it, so neither lake nor elan ever runs inside the sandbox (where the filesystem is read-only
// and most of the host is missing), and a worker starts without lake's own start-up.
#include <string>
#include <utility>
#include <vector>

namespace lean_bridge {

struct LakeEnvironment {
  // The variables a command gets from `lake env` that a worker keeps (lake_env_variables()),
  // in that order; PATH has the toolchain's bin folder in front.
  std::vector<std::pair<std::string, std::string>> vars;
  std::string problem;  // why it could not be resolved; `vars` is then empty
  std::string command;  // what was run, for messages: "lake env /usr/bin/env -0 (in DIR)"

  bool ok() const { return problem.empty(); }
  std::string get(const std::string& name) const;  // "" when unset
};

// The variables taken from lake's environment: LEAN_PATH, LEAN_SYSROOT, LD_LIBRARY_PATH,
// LEAN_GITHASH, LEAN and PATH. Lake's own (LAKE, LAKE_HOME...) and elan's are left out: nothing
// inside the sandbox runs them.
const std::vector<std::string>& lake_env_variables();

// Whether `argv` is `lake env COMMAND...` (argv[0] is `lake` or a path ending in `/lake`).
bool is_lake_env_command(const std::vector<std::string>& argv);

// Runs `LAKE env ENV -0` in `workspace_dir` with the harness's own environment and reads the
// environment it prints. Never throws: a failure is in `problem`, with lake's telling line.
LakeEnvironment resolve_lake_env(const std::string& lake, const std::string& workspace_dir,
                                 int timeout_ms = 120'000);

// Parses the output of `env -0` (NUL-terminated NAME=VALUE entries) into the variables kept.
std::vector<std::pair<std::string, std::string>> parse_env_block(const std::string& block);

// `name` looked up in the ':'-separated PATH as execvp would; "" when not found.
std::string find_in_path(const std::string& name, const std::string& path);

}  // namespace lean_bridge

#include "lean-bridge/launcher.hpp"

#include <filesystem>

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace lean_bridge {

Launcher::Launcher(std::shared_ptr<const Sandbox> sandbox) : m_sandbox(std::move(sandbox)) {}

LakeEnvironment Launcher::lake_environment(const std::string& lake, const std::string& dir) const {
  // One resolution at a time: workers starting together wait for the first one's answer.
  std::lock_guard lock(m_mutex);
  auto key = std::make_pair(lake, dir);
  auto it = m_resolved.find(key);
  if (it == m_resolved.end()) it = m_resolved.emplace(key, resolve_lake_env(lake, dir)).first;
  return it->second;
}

ProcessSpec Launcher::prepare(const ProcessSpec& spec) const {
  ProcessSpec out = spec;
  if (is_lake_env_command(spec.argv)) {
    LakeEnvironment env = lake_environment(spec.argv[0], spec.working_dir);
    if (!env.ok()) {
      throw SpawnError(fmt::format(
          "cannot resolve the workspace's Lean environment: {} (is the toolchain installed? "
          "`harness doctor` says what is missing)",
          env.problem));
    }
    out.argv.erase(out.argv.begin(), out.argv.begin() + 2);
    std::string& program = out.argv[0];
    if (program.find('/') == std::string::npos) {
      std::string found = find_in_path(program, env.get("PATH"));
      if (found.empty()) {
        throw SpawnError(fmt::format("{}: not found on the workspace's PATH ({})", program,
                                     env.get("PATH")));
      }
      program = found;
    } else if (fs::path(program).is_relative() && !spec.working_dir.empty()) {
      program = (fs::path(spec.working_dir) / program).lexically_normal().string();
    }
    // The spec's own variables win over lake's.
    std::vector<std::pair<std::string, std::string>> vars = env.vars;
    for (const auto& [name, value] : spec.env) {
      std::erase_if(vars, [&](const auto& v) { return v.first == name; });
      vars.emplace_back(name, value);
    }
    out.env = std::move(vars);
  }
  if (m_sandbox && m_sandbox->options().mode == SandboxMode::bwrap) {
    if (const std::string& why = user_namespace_problem(m_sandbox->options().bwrap); !why.empty()) {
      throw SpawnError(fmt::format(
          "the sandbox cannot run here: this machine refuses the user namespaces bubblewrap "
          "needs ({}); `harness doctor` says how to allow them, and `--sandbox none` runs "
          "without the sandbox (trusted proofs only)",
          why));
    }
  }
  return m_sandbox ? m_sandbox->apply(out) : out;
}

}  // namespace lean_bridge

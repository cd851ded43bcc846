#pragma once
// How a worker's processes start (docs/sandbox.md). A `lake env COMMAND ARGS...` command has
// the workspace's environment resolved once, outside the sandbox (lake_env.hpp), and COMMAND
// then starts directly with it: neither lake nor elan runs inside the sandbox. The sandbox
// wraps the result. One Launcher serves every worker of a pool and the kernel replay; it is
// thread-safe and resolves at the first start, so a run answered from the cache never asks lake.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "lean-bridge/child_process.hpp"
#include "lean-bridge/lake_env.hpp"
#include "lean-bridge/sandbox.hpp"

namespace lean_bridge {

class Launcher {
 public:
  // No sandbox: the commands run as they are (after the `lake env` resolution).
  explicit Launcher(std::shared_ptr<const Sandbox> sandbox = nullptr);

  // The process to spawn for `spec`. Throws SpawnError when the workspace's environment cannot
  // be resolved (naming `lake env` and what it said), when COMMAND is not on the workspace's
  // PATH, or when the sandbox cannot run here (no user namespaces, no filter): no start can
  // work then, and the pool stops at once (InfraFailure::permanent).
  ProcessSpec prepare(const ProcessSpec& spec) const;

  // The environment `lake env` gives in `dir` (resolved now if it was not yet), for doctor.
  LakeEnvironment lake_environment(const std::string& lake, const std::string& dir) const;

  const Sandbox* sandbox() const { return m_sandbox.get(); }

 private:
  std::shared_ptr<const Sandbox> m_sandbox;
  mutable std::mutex m_mutex;
  mutable std::map<std::pair<std::string, std::string>, LakeEnvironment> m_resolved;
};

}  // namespace lean_bridge

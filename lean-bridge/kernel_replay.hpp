#pragma once
// Kernel replay, an option for final scoring (`harness score --kernel-replay`): a check that
// Lean accepted is compiled once more as a module of its own, and `leanchecker` (shipped with
// the toolchain from Lean 4.28) replays that module's declarations through Lean's kernel.
// Anything but a clean exit turns the `pass` into `rejected` (decided_by kernel): the replay
// can only make a verdict worse. Without a toolchain every replay fails, so every pass is
// refused: the option is for machines where `harness doctor` is happy.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "lean-bridge/check.hpp"
#include "lean-bridge/child_process.hpp"
#include "lean-bridge/launcher.hpp"
#include "lean-bridge/verdict.hpp"

namespace lean_bridge {

struct KernelReplayOptions {
  // Reads the module text on stdin; exit 0 means the kernel accepted every declaration.
  // Default: default_replay_argv(); it runs in the workers' sandbox and workspace, through the
  // workers' launcher (when set), which resolves `lake env` outside the sandbox.
  ProcessSpec process;
  std::shared_ptr<const Launcher> launcher;
  std::chrono::milliseconds timeout{600'000};
};

// `lake env /bin/sh -c SCRIPT`: writes stdin to a private scratch module, compiles it with
// `lean -R ROOT -o M.olean M.lean`, then runs `leanchecker HarnessReplay.Check` with ROOT on
// LEAN_PATH; `lean` and `leanchecker` are the toolchain's, first on the PATH lake gives.
std::vector<std::string> default_replay_argv();

// The module the replay compiles: the imports, the rest of the header, the library layer
// (when the request has one), and the checked text.
std::string replay_module_text(const CheckRequest& request);

// Judgement for an accepted check: pass when the replay exits 0, else rejected (kernel).
Judgement replay_through_kernel(const KernelReplayOptions& options, const CheckRequest& request);

}  // namespace lean_bridge

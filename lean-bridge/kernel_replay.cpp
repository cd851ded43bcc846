#include "lean-bridge/kernel_replay.hpp"

#include <sys/wait.h>

#include <fmt/format.h>

namespace lean_bridge {
namespace {

constexpr const char* kReplayScript = R"(set -eu
root=$(mktemp -d)
mkdir -p "$root/HarnessReplay"
cat > "$root/HarnessReplay/Check.lean"
lean -R "$root" -o "$root/HarnessReplay/Check.olean" "$root/HarnessReplay/Check.lean"
LEAN_PATH="$root:$LEAN_PATH" exec leanchecker HarnessReplay.Check
)";

std::string tail_of(const std::string& output) {
  std::string tail = output.size() > 600 ? "..." + output.substr(output.size() - 600) : output;
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' ')) tail.pop_back();
  return tail;
}

}  // namespace

std::vector<std::string> default_replay_argv() {
  return {"lake", "env", "/bin/sh", "-c", kReplayScript};
}

std::string replay_module_text(const CheckRequest& request) {
  std::string text = request.imports;
  if (!text.empty()) text += "\n";
  if (!request.header_rest.empty()) text += request.header_rest + "\n";
  if (request.library.text && !request.library.empty()) text += *request.library.text + "\n";
  return text + request.body + "\n";
}

Judgement replay_through_kernel(const KernelReplayOptions& options, const CheckRequest& request) {
  ProcessSpec spec = options.process;
  try {
    if (options.launcher) spec = options.launcher->prepare(options.process);
  } catch (const SpawnError& e) {
    return {Verdict::rejected, DecidedBy::kernel,
            fmt::format("kernel replay could not start: {}", e.what())};
  }
  auto run = capture_output(spec, static_cast<int>(options.timeout.count()),
                            replay_module_text(request));
  if (!run.status) {
    return {Verdict::rejected, DecidedBy::kernel, "kernel replay did not finish: " + run.problem};
  }
  if (!WIFEXITED(*run.status) || WEXITSTATUS(*run.status) != 0) {
    return {Verdict::rejected, DecidedBy::kernel,
            fmt::format("kernel replay failed ({}): {}", describe_wait_status(*run.status),
                        tail_of(run.output))};
  }
  return {Verdict::pass, DecidedBy::lean, ""};
}

}  // namespace lean_bridge

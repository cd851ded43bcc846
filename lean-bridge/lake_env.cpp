#include "lean-bridge/lake_env.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include <fmt/format.h>

#include "lean-bridge/child_process.hpp"

namespace lean_bridge {
namespace {

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::string LakeEnvironment::get(const std::string& name) const {
  for (const auto& [key, value] : vars) {
    if (key == name) return value;
  }
  return {};
}

const std::vector<std::string>& lake_env_variables() {
  static const std::vector<std::string> names = {"LEAN_PATH", "LEAN_SYSROOT", "LD_LIBRARY_PATH",
                                                 "LEAN_GITHASH", "LEAN", "PATH"};
  return names;
}

bool is_lake_env_command(const std::vector<std::string>& argv) {
  if (argv.size() < 3 || argv[1] != "env") return false;
  const std::string& program = argv[0];
  return program == "lake" || (program.size() > 5 && program.ends_with("/lake"));
}

std::string find_in_path(const std::string& name, const std::string& path) {
  if (name.find('/') != std::string::npos) return name;
  std::stringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + name;
    if (is_executable_file(candidate)) return candidate;
  }
  return {};
}

std::vector<std::pair<std::string, std::string>> parse_env_block(const std::string& block) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto& wanted = lake_env_variables();
  for (const std::string& name : wanted) {
    // The last definition wins, as for a shell; a NAME= prefix only counts at an entry's start.
    std::string value;
    bool found = false;
    size_t start = 0;
    while (start < block.size()) {
      size_t end = block.find('\0', start);
      if (end == std::string::npos) end = block.size();
      std::string_view entry(block.data() + start, end - start);
      if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
          entry[name.size()] == '=') {
        value = std::string(entry.substr(name.size() + 1));
        found = true;
      }
      start = end + 1;
    }
    if (found) out.emplace_back(name, value);
  }
  return out;
}

LakeEnvironment resolve_lake_env(const std::string& lake, const std::string& workspace_dir,
                                 int timeout_ms) {
  LakeEnvironment result;
  const char* host_path = std::getenv("PATH");
  std::string env_program = find_in_path("env", host_path != nullptr ? host_path : "/usr/bin:/bin");
  if (env_program.empty()) env_program = "/usr/bin/env";
  ProcessSpec spec;
  spec.argv = {lake, "env", env_program, "-0"};
  spec.working_dir = workspace_dir;
  result.command = fmt::format("{} env {} -0 (in {})", lake, env_program, workspace_dir);
  auto run = capture_output(spec, timeout_ms);
  if (!run.status) {
    result.problem = fmt::format("`{}`: {}", result.command, run.problem);
    return result;
  }
  if (*run.status != 0) {
    std::string said = telling_line(run.output.substr(0, run.output.find('\0')));
    // elan installs a missing toolchain on first use; where it cannot download it, what it says
    // is about its download folder: name the cause first.
    std::string cause = said.find("could not download") != std::string::npos
                            ? "the workspace's Lean toolchain (lean-toolchain) is not installed, "
                              "and elan could not download it: "
                            : "";
    result.problem = fmt::format("`{}`: {}: {}{}", result.command,
                                 describe_wait_status(*run.status), cause, said);
    return result;
  }
  result.vars = parse_env_block(run.out);
  std::string sysroot = result.get("LEAN_SYSROOT");
  if (sysroot.empty()) {
    result.vars.clear();
    result.problem = fmt::format("`{}` printed no LEAN_SYSROOT: is this a Lean workspace?",
                                 result.command);
    return result;
  }
  // The toolchain's own programs (`lean`, `leanchecker`) come first on PATH, as lake puts them.
  std::string bin = sysroot + "/bin";
  std::string path = result.get("PATH");
  if (path.rfind(bin + ":", 0) != 0 && path != bin) {
    path = path.empty() ? bin : bin + ":" + path;
    auto it = std::find_if(result.vars.begin(), result.vars.end(),
                           [](const auto& v) { return v.first == "PATH"; });
    if (it != result.vars.end()) {
      it->second = path;
    } else {
      result.vars.emplace_back("PATH", path);
    }
  }
  return result;
}

}  // namespace lean_bridge

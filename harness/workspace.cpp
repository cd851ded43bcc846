#include "harness/workspace.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace fs = std::filesystem;

namespace harness {
namespace {

std::string read_trimmed(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) {
    text.pop_back();
  }
  return text;
}

bool has_lakefile(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / "lakefile.toml", ec) || fs::exists(dir / "lakefile.lean", ec);
}

std::optional<fs::path> lakefile_above(fs::path dir) {
  for (; !dir.empty(); dir = dir.parent_path()) {
    if (has_lakefile(dir)) return dir;
    if (dir == dir.root_path()) break;
  }
  return std::nullopt;
}

std::vector<std::string> manifest_packages(const fs::path& dir) {
  std::ifstream in(dir / "lake-manifest.json");
  std::vector<std::string> out;
  if (!in) return out;
  auto manifest = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!manifest.is_object() || !manifest.contains("packages")) return out;
  for (const auto& package : manifest["packages"]) {
    if (!package.is_object()) continue;
    out.push_back(package.value("name", "?") + "@" + package.value("rev", "?"));
  }
  return out;
}

fs::path executable_dir() {
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : self.parent_path();
}

}  // namespace

std::string installed_data_dir() {
  fs::path exe = executable_dir();
  if (exe.empty()) return {};
  fs::path data = (exe / ".." / "share" / "harness").lexically_normal();
  return has_lakefile(data / "workspace") ? data.string() : std::string();
}

std::string user_workspace_dir() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg == '/') {
    return (fs::path(xdg) / "harness" / "workspace").string();
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
    return (fs::path(home) / ".local" / "share" / "harness" / "workspace").string();
  }
  return {};
}

std::string Workspace::identity() const {
  std::string out = toolchain.empty() ? "unknown-toolchain" : toolchain;
  for (const auto& package : packages) out += " " + package;
  return out;
}

std::vector<std::string> repl_binary_candidates(const std::string& workspace_dir) {
  fs::path dir(workspace_dir);
  return {(dir / ".lake/packages/REPL/.lake/build/bin/repl").string(),
          (dir / ".lake/packages/repl/.lake/build/bin/repl").string(),
          (dir / ".lake/build/bin/repl").string()};
}

Workspace find_workspace(const std::optional<std::string>& explicit_dir) {
  std::optional<fs::path> dir;
  Workspace ws;
  const std::string data = installed_data_dir();
  if (explicit_dir) {
    dir = fs::path(*explicit_dir);
    ws.found_by = "--workspace";
  } else if (const char* env = std::getenv("HARNESS_WORKSPACE"); env != nullptr && *env) {
    dir = fs::path(env);
    ws.found_by = "HARNESS_WORKSPACE";
  } else if ((dir = lakefile_above(fs::current_path()))) {
    ws.found_by = "the lakefile above the current folder";
  } else if (data.empty() && (dir = lakefile_above(executable_dir()))) {
    ws.found_by = "the lakefile above the harness executable";
  } else if (std::string user = user_workspace_dir(); !user.empty() && has_lakefile(user)) {
    dir = fs::path(user);
    ws.found_by = "your copy of the installed workspace";
  } else if (!data.empty()) {
    dir = fs::path(data) / "workspace";
    ws.found_by = "the installed workspace template";
    ws.installed_template = true;
  }
  if (!dir) return ws;
  std::error_code ec;
  ws.dir = fs::absolute(*dir, ec).lexically_normal().string();
  ws.toolchain = read_trimmed(*dir / "lean-toolchain");
  ws.packages = manifest_packages(*dir);
  for (const auto& candidate : repl_binary_candidates(ws.dir)) {
    if (::access(candidate.c_str(), X_OK) == 0) {
      ws.repl_binary = candidate;
      break;
    }
  }
  return ws;
}

std::string default_repl_command(const Workspace& workspace) {
  std::string binary = workspace.repl_binary;
  if (binary.empty()) binary = ".lake/packages/REPL/.lake/build/bin/repl";
  return "lake env " + binary;
}

}  // namespace harness

#include "store/process.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <vector>

#include "common/text.hpp"

namespace store {
namespace {

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return {};
  return std::string(common::trim(line));
}

// The state letter (field 3) and start time (field 22) of /proc/PID/stat; nullopt when the
// file cannot be read or parsed. The command name (field 2) is in parentheses and may hold
// spaces and parentheses itself: the fields after it start after its last ')'.
struct Stat {
  char state = '?';
  int64_t start_ticks = 0;
};
std::optional<Stat> read_stat(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!in || !std::getline(in, text)) return std::nullopt;
  auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close + 1));
  std::vector<std::string> fields;  // fields[0] is field 3
  for (std::string field; rest >> field && fields.size() < 20;) fields.push_back(field);
  if (fields.size() < 20 || fields[0].empty()) return std::nullopt;
  Stat stat;
  stat.state = fields[0][0];
  const std::string& start = fields[19];  // field 22
  auto [end, ec] = std::from_chars(start.data(), start.data() + start.size(), stat.start_ticks);
  if (ec != std::errc() || end != start.data() + start.size()) return std::nullopt;
  return stat;
}

std::string pid_namespace() {
  char buffer[128] = {};
  ssize_t n = ::readlink("/proc/self/ns/pid", buffer, sizeof buffer - 1);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
}

std::string boot_id() {
  return read_first_line("/proc/sys/kernel/random/boot_id");
}

}  // namespace

ProcessIdentity this_process() {
  ProcessIdentity self;
  self.pid = ::getpid();
  if (auto stat = read_stat(self.pid)) self.start_ticks = stat->start_ticks;
  self.boot_id = boot_id();
  self.pid_namespace = pid_namespace();
  return self;
}

ProcessState process_state(const ProcessIdentity& process) {
  if (process.pid <= 0 || process.boot_id.empty()) return ProcessState::unknown;
  std::string boot = boot_id();
  if (boot.empty()) return ProcessState::unknown;
  if (boot != process.boot_id) return ProcessState::gone;  // the machine rebooted since
  std::string ns = pid_namespace();
  if (process.pid_namespace.empty() || ns.empty() || ns != process.pid_namespace) {
    return ProcessState::unknown;  // its pid means nothing in this namespace
  }
  auto stat = read_stat(process.pid);
  if (!stat) {
    // No /proc entry: no such process, unless /proc hides other users' processes (hidepid),
    // which kill(pid, 0) sees through (EPERM: it exists).
    errno = 0;
    if (::kill(static_cast<pid_t>(process.pid), 0) != 0 && errno == ESRCH) {
      return ProcessState::gone;
    }
    return ProcessState::unknown;
  }
  if (stat->state == 'Z' || stat->state == 'X') return ProcessState::gone;  // exited, not reaped
  if (stat->start_ticks != process.start_ticks) return ProcessState::gone;  // the pid was reused
  return ProcessState::alive;
}

}  // namespace store

#pragma once
// A one-line progress display on a terminal (stderr), redrawn at most ten times a second;
// silent when stderr is not a terminal.
#include <array>
#include <chrono>
#include <cstdint>
#include <string>

namespace harness {

class Progress {
 public:
  Progress(bool enabled, int64_t total_lines);
  // `counts` is indexed by lean_bridge::Verdict.
  void update(int64_t done, const std::array<int64_t, 7>& counts, bool force = false);
  void finish();

 private:
  bool m_enabled;
  int64_t m_total;
  std::chrono::steady_clock::time_point m_start;
  std::chrono::steady_clock::time_point m_last_draw{};
  bool m_drawn = false;
};

// Whether a command shows progress: when asked (no --no-progress) and stderr is a terminal.
// Every command settles its `progress` setting through this, so a redirected log never holds
// a progress display's control codes.
bool progress_display(bool wanted);

// Counts the lines of a file quickly (for the progress total); -1 when unreadable.
int64_t count_lines(const std::string& path);

}  // namespace harness

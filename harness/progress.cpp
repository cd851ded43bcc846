#include "harness/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include <fmt/format.h>

namespace harness {

bool progress_display(bool wanted) { return wanted && ::isatty(STDERR_FILENO) == 1; }

Progress::Progress(bool enabled, int64_t total_lines)
    : m_enabled(progress_display(enabled)),
      m_total(total_lines),
      m_start(std::chrono::steady_clock::now()) {}

void Progress::update(int64_t done, const std::array<int64_t, 7>& counts, bool force) {
  if (!m_enabled) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && now - m_last_draw < std::chrono::milliseconds(100)) return;
  m_last_draw = now;
  double seconds = std::chrono::duration<double>(now - m_start).count();
  constexpr int kWidth = 24;
  int filled = m_total > 0 ? static_cast<int>(kWidth * std::min<int64_t>(done, m_total) / m_total) : 0;
  std::string bar = std::string(static_cast<size_t>(filled), '=') +
                    std::string(static_cast<size_t>(kWidth - filled), ' ');
  std::string total = m_total > 0 ? fmt::format("/{}", m_total) : "";
  fmt::print(stderr, "\r[{}] {}{} lines  pass {} fail {} incomplete {} rejected {} timeout {} "
             "error {} invalid {}  {:.1f}/s \x1b[K",
             bar, done, total, counts[0], counts[1], counts[2], counts[3], counts[4], counts[5],
             counts[6], seconds > 0 ? static_cast<double>(done) / seconds : 0.0);
  std::fflush(stderr);
  m_drawn = true;
}

void Progress::finish() {
  if (m_enabled && m_drawn) fmt::print(stderr, "\n");
}

int64_t count_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return -1;
  int64_t lines = 0;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    for (std::streamsize i = 0; i < in.gcount(); ++i) lines += buffer[i] == '\n';
  }
  return lines;
}

}  // namespace harness

#include "lean-bridge/frame_reader.hpp"

namespace lean_bridge {

void FrameReader::feed(std::string_view bytes) {
  size_t start = 0;
  while (start < bytes.size()) {
    size_t newline = bytes.find('\n', start);
    if (newline == std::string_view::npos) {
      m_partial.append(bytes.substr(start));
      return;
    }
    if (m_partial.empty()) {
      take_line(bytes.substr(start, newline - start));
    } else {
      m_partial.append(bytes.substr(start, newline - start));
      std::string line = std::move(m_partial);
      m_partial.clear();
      take_line(line);
    }
    start = newline + 1;
  }
}

void FrameReader::take_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!m_in_frame) {
    if (!line.empty() && line.front() == '{') {
      m_in_frame = true;
      m_frame.assign(line);
    } else if (!line.empty()) {
      add_noise(line);
    }
    return;
  }
  if (line.empty()) {
    m_frames.push_back(std::move(m_frame));
    m_frame.clear();
    m_in_frame = false;
    return;
  }
  if (m_frame.size() + line.size() > kMaxFrameBytes) {
    m_in_frame = false;
    m_frame.clear();
    return;
  }
  m_frame.push_back('\n');
  m_frame.append(line);
}

void FrameReader::add_noise(std::string_view line) {
  ++m_noise_lines;
  m_noise.append(line.substr(0, kMaxNoiseBytes));
  m_noise.push_back('\n');
  if (m_noise.size() > kMaxNoiseBytes) m_noise.erase(0, m_noise.size() - kMaxNoiseBytes);
}

std::optional<std::string> FrameReader::next_frame() {
  if (m_frames.empty()) return std::nullopt;
  std::string frame = std::move(m_frames.front());
  m_frames.pop_front();
  return frame;
}

void FrameReader::reset() { *this = FrameReader(); }

}  // namespace lean_bridge

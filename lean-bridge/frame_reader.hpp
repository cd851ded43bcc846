#pragma once
// Splits the REPL's stdout into answer frames. The REPL prints each answer as pretty JSON
// (possibly many lines) followed by a blank line, and its strings never contain raw newlines.
// A frame starts at a line whose first byte is '{' (continuation lines of Lean's pretty
// printer are indented) and ends at the next empty line. Anything else seen outside a frame
// is noise (a proof printing while it elaborates, Lake's chatter): it is kept, bounded, for
// diagnostics, and never desynchronises the reader.
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace lean_bridge {

class FrameReader {
 public:
  // A frame that grows past kMaxFrameBytes is dropped; the reader resynchronises at the next
  // line that starts with '{'.
  static constexpr size_t kMaxFrameBytes = size_t{512} << 20;
  static constexpr size_t kMaxNoiseBytes = size_t{64} << 10;

  void feed(std::string_view bytes);
  // The next complete frame's text (without the terminating blank line), oldest first.
  std::optional<std::string> next_frame();
  // Frames completed but not yet taken.
  size_t pending() const { return m_frames.size(); }
  // Noise seen so far (the most recent kMaxNoiseBytes), and how many noise lines in total.
  const std::string& noise() const { return m_noise; }
  size_t noise_lines() const { return m_noise_lines; }
  // Forgets partial input and buffered frames (after a worker is replaced).
  void reset();

 private:
  void take_line(std::string_view line);
  void add_noise(std::string_view line);

  std::string m_partial;  // bytes after the last newline
  std::string m_frame;    // lines of the frame being read
  bool m_in_frame = false;
  std::deque<std::string> m_frames;
  std::string m_noise;
  size_t m_noise_lines = 0;
};

}  // namespace lean_bridge

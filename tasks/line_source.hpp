#pragma once
// Streams the physical lines of a file with bounded memory: a line longer than the limit is
// skipped (its bytes are counted, not kept), so one huge line cannot exhaust memory.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tasks {

// 16 MiB: far above any real proof, far below the machine's memory.
inline constexpr std::size_t kDefaultMaxLineBytes = std::size_t{16} << 20;

struct RawLine {
  std::int64_t number = 0;  // 1-based physical line
  std::string bytes;        // without the "\n" and a trailing "\r"; empty when too long
  std::size_t length = 0;   // the line's length in bytes, counted even when too long
  bool too_long = false;    // length > the limit; `bytes` was not kept
};

class LineSource {
 public:
  // Throws InputError naming `path` if it cannot be opened. "-" reads standard input.
  LineSource(const std::string& path, std::size_t max_line_bytes);
  // The next line (a last line without "\n" included), or nullopt at the end of the file.
  // Throws InputError on a read error (e.g. `path` is a directory).
  std::optional<RawLine> next();

 private:
  struct Closer {
    void operator()(std::FILE* file) const;
  };
  bool fill();
  void append(RawLine& line, const char* bytes, std::size_t count) const;

  std::string m_path;
  std::size_t m_max_line_bytes;
  std::unique_ptr<std::FILE, Closer> m_file;
  std::vector<char> m_buffer;
  std::size_t m_begin = 0;
  std::size_t m_end = 0;
  std::int64_t m_number = 0;
};

}  // namespace tasks

#include "tasks/line_source.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "tasks/input_error.hpp"

namespace tasks {
namespace {

constexpr std::size_t kBufferBytes = std::size_t{64} << 10;

std::FILE* open_file(const std::string& path) {
  if (path == "-") return stdin;
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    throw InputError(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  }
  return file;
}

}  // namespace

void LineSource::Closer::operator()(std::FILE* file) const {
  if (file != stdin) std::fclose(file);
}

LineSource::LineSource(const std::string& path, std::size_t max_line_bytes)
    : m_path(path),
      m_max_line_bytes(max_line_bytes),
      m_file(open_file(path)),
      m_buffer(kBufferBytes) {}

bool LineSource::fill() {
  m_begin = 0;
  m_end = std::fread(m_buffer.data(), 1, m_buffer.size(), m_file.get());
  if (m_end == 0 && std::ferror(m_file.get())) {
    throw InputError(fmt::format("cannot read {}: {}", m_path, std::strerror(errno)));
  }
  return m_end != 0;
}

void LineSource::append(RawLine& line, const char* bytes, std::size_t count) const {
  line.length += count;
  if (line.too_long) return;
  if (line.length > m_max_line_bytes) {
    line.too_long = true;
    std::string().swap(line.bytes);
    return;
  }
  line.bytes.append(bytes, count);
}

std::optional<RawLine> LineSource::next() {
  RawLine line;
  bool any = false;
  for (;;) {
    if (m_begin == m_end && !fill()) break;
    any = true;
    const char* start = m_buffer.data() + m_begin;
    const void* newline = std::memchr(start, '\n', m_end - m_begin);
    std::size_t count = newline ? static_cast<const char*>(newline) - start : m_end - m_begin;
    append(line, start, count);
    m_begin += count;
    if (newline) {
      ++m_begin;
      break;
    }
  }
  if (!any) return std::nullopt;
  line.number = ++m_number;
  if (!line.too_long && !line.bytes.empty() && line.bytes.back() == '\r') line.bytes.pop_back();
  return line;
}

}  // namespace tasks

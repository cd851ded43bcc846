#pragma once
// Little-endian byte encoding of the built-in policy's checkpoints: fixed-width integers, IEEE
// floats by their bits, and length-prefixed strings. The reader checks every read against the
// bytes left and throws PolicyError("checkpoint: ...") naming what it was reading.
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "policy/policy.hpp"

namespace policy::builtin {

class ByteWriter {
 public:
  void u32(uint32_t v) { put(v, 4); }
  void u64(uint64_t v) { put(v, 8); }
  void f32(float v) { u32(std::bit_cast<uint32_t>(v)); }
  void raw(std::string_view bytes) { m_bytes.append(bytes); }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    m_bytes.append(s);
  }
  const std::string& bytes() const { return m_bytes; }
  std::string take() { return std::move(m_bytes); }

 private:
  void put(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) m_bytes.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  std::string m_bytes;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : m_bytes(bytes) {}

  uint32_t u32(std::string_view what) { return static_cast<uint32_t>(get(4, what)); }
  uint64_t u64(std::string_view what) { return get(8, what); }
  float f32(std::string_view what) { return std::bit_cast<float>(u32(what)); }
  std::string_view raw(std::size_t n, std::string_view what) {
    need(n, what);
    std::string_view out = m_bytes.substr(m_pos, n);
    m_pos += n;
    return out;
  }
  std::string str(std::string_view what) {
    uint32_t n = u32(what);
    return std::string(raw(n, what));
  }
  // Throws unless `count` items of at least `item_size` bytes each can still follow (so a
  // corrupt count is refused before anything is allocated for it).
  void need_items(uint64_t count, std::size_t item_size, std::string_view what) const {
    if (item_size != 0 && count > remaining() / item_size) fail_truncated(what);
  }
  std::size_t remaining() const { return m_bytes.size() - m_pos; }
  std::size_t position() const { return m_pos; }

  [[noreturn]] static void fail(const std::string& message) {
    throw PolicyError("checkpoint: " + message);
  }

 private:
  [[noreturn]] static void fail_truncated(std::string_view what) {
    fail("truncated (the bytes end inside " + std::string(what) + ")");
  }
  void need(std::size_t n, std::string_view what) const {
    if (n > remaining()) fail_truncated(what);
  }
  uint64_t get(int n, std::string_view what) {
    need(static_cast<std::size_t>(n), what);
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) {
      v |= static_cast<uint64_t>(static_cast<unsigned char>(m_bytes[m_pos + i])) << (8 * i);
    }
    m_pos += static_cast<std::size_t>(n);
    return v;
  }

  std::string_view m_bytes;
  std::size_t m_pos = 0;
};

}  // namespace policy::builtin

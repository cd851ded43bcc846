#pragma once
// Bytes as lower-case hex: digests (sha256_hex, file_sha256) and random tokens (random_hex).
#include <cstddef>
#include <string>

namespace common {

inline std::string hex_of(const unsigned char* bytes, std::size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xf]);
  }
  return out;
}

}  // namespace common

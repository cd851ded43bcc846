#include "common/random_hex.hpp"

#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace common {

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (bytes > 0 && RAND_bytes(raw.data(), static_cast<int>(bytes)) != 1) {
    throw std::runtime_error("random_hex: OpenSSL's random generator failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char b : raw) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

}  // namespace common

#include "common/random_hex.hpp"

#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

#include "common/hex.hpp"

namespace common {

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (bytes > 0 && RAND_bytes(raw.data(), static_cast<int>(bytes)) != 1) {
    throw std::runtime_error("random_hex: OpenSSL's random generator failed");
  }
  return hex_of(raw.data(), raw.size());
}

}  // namespace common

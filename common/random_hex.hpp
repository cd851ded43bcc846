#pragma once
// Unpredictable tokens (the closing request's nonce): bytes from OpenSSL's CSPRNG, seeded from
// the kernel and kept per thread, so a token costs neither a system call nor the CPU's RDSEED.
#include <cstddef>
#include <string>

namespace common {

// `bytes` random bytes as lower-case hex (2 × bytes characters). Throws std::runtime_error if
// the generator cannot be seeded.
std::string random_hex(std::size_t bytes);

}  // namespace common

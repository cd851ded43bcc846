#pragma once
// The built-in policy's randomness: splitmix64, and uniform doubles made from its raw bits, so
// that a seed gives the same numbers with every compiler and standard library (the standard
// distributions are implementation-defined and never used here).
#include <cmath>
#include <cstdint>

namespace policy::builtin {

// splitmix64's output function: a bijective mix of 64 bits.
constexpr uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A seed derived from two numbers (request seed and sample index, init seed and update
// counter...): different pairs give unrelated streams.
constexpr uint64_t derive_seed(uint64_t a, uint64_t b) {
  return mix64(mix64(a + 0x9E3779B97F4A7C15ULL) ^ (b * 0xD1B54A32D192ED03ULL + 0x632BE59BD9B4E019ULL));
}

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : m_state(seed) {}
  uint64_t next() {
    m_state += 0x9E3779B97F4A7C15ULL;
    return mix64(m_state);
  }
  // Uniform in [0, 1): the top 53 bits as a fraction.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in (0, 1): never 0, so its logarithm is finite.
  double uniform_open() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
  // Uniform index in [0, n), n > 0.
  uint64_t below(uint64_t n) {
    auto i = static_cast<uint64_t>(uniform() * static_cast<double>(n));
    return i < n ? i : n - 1;
  }
  // A standard Gumbel variate: -log(-log(U)).
  double gumbel() { return -std::log(-std::log(uniform_open())); }

 private:
  uint64_t m_state;
};

}  // namespace policy::builtin

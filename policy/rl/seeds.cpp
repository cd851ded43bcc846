#include "policy/rl/seeds.hpp"

namespace policy::rl {

std::uint64_t splitmix64_mix(std::uint64_t x) {
  std::uint64_t z = x + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t derive_seed(std::uint64_t run_seed, std::initializer_list<std::uint64_t> parts) {
  std::uint64_t h = splitmix64_mix(run_seed);
  for (std::uint64_t part : parts) h = splitmix64_mix(h ^ splitmix64_mix(part));
  return h == 0 ? 1 : h;
}

}  // namespace policy::rl

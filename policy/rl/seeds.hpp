#pragma once
// Seeds derived from the run's seed, so that every random choice of the loop is a function of
// (run seed, where it happens): a run killed and resumed draws exactly what it would have.
#include <cstdint>
#include <initializer_list>

namespace policy::rl {

// The splitmix64 output function: x + 0x9e3779b97f4a7c15, then the two xor-shift-multiply
// rounds and a final xor-shift. A bijection on 64-bit values; splitmix64_mix(0) is the first
// output of splitmix64 seeded with 0 (0xe220a8397b1dcdaf).
std::uint64_t splitmix64_mix(std::uint64_t x);

// h = mix(run_seed); for each part p in order: h = mix(h ^ mix(p)); the result is h, or 1 if h
// is 0 (a zero seed means "greedy" to Policy::propose, so a derived seed is never 0).
// Order and length matter: {1, 2}, {2, 1} and {1, 2, 0} give unrelated seeds (equal seeds for
// different lists only by 64-bit chance). Typical use: derive_seed(run, {epoch, task_index,
// sample}).
std::uint64_t derive_seed(std::uint64_t run_seed, std::initializer_list<std::uint64_t> parts);

}  // namespace policy::rl

#pragma once
// Seeded generators of constructed corpora for the metrics tests and bench/metrics_bench:
// Lean-like tactic proofs (a tactic vocabulary with random hypothesis, variable and lemma
// names), random printable bytes and random words. Header-only; splitmix64, no std::
// distributions, so the same seed gives the same text everywhere.
#include <cstdint>
#include <string>
#include <vector>

namespace metrics_test {

class Rng {
 public:
  explicit Rng(uint64_t seed) : m_state(seed) {}
  uint64_t next() {
    uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n), n > 0.
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  template <class T>
  const T& pick(const std::vector<T>& items) {
    return items[below(items.size())];
  }

 private:
  uint64_t m_state;
};

inline const std::vector<std::string>& lemma_names() {
  static const std::vector<std::string> names = {"mul_comm",
                                                 "add_sq",
                                                 "Nat.succ_le_iff",
                                                 "pow_two",
                                                 "sub_nonneg",
                                                 "abs_sub_lt_iff",
                                                 "Finset.sum_range_succ",
                                                 "Real.sqrt_nonneg",
                                                 "div_add_div",
                                                 "mul_pos",
                                                 "sq_nonneg",
                                                 "Nat.mod_lt",
                                                 "Int.emod_emod_of_dvd",
                                                 "add_pow_two",
                                                 "mul_self_nonneg",
                                                 "Real.sq_sqrt",
                                                 "two_mul",
                                                 "add_comm"};
  return names;
}

// A variable or hypothesis name: x, y₁, h₀, hab...
inline std::string variable(Rng& rng) {
  static const std::vector<std::string> stems = {"x", "y",  "z",  "a",   "b",  "c",  "n",  "m", "k",
                                                 "h", "hx", "hy", "hab", "h₀", "h₁", "h₂", "h₃"};
  std::string v = rng.pick(stems);
  if (rng.below(3) == 0) v += std::to_string(rng.below(10));
  return v;
}

// One tactic line (without indentation or newline).
inline std::string tactic(Rng& rng) {
  const std::string a = variable(rng);
  const std::string b = variable(rng);
  const std::string h = "h" + std::to_string(rng.below(6));
  const std::string l = rng.pick(lemma_names());
  const std::string n = std::to_string(rng.below(100));
  switch (rng.below(14)) {
    case 0:
      return "nlinarith [sq_nonneg (" + a + " - " + b + "), sq_nonneg (" + a + " + " + b + ")]";
    case 1:
      return "norm_num [" + h + "] at " + h + " ⊢";
    case 2:
      return "rw [" + l + "] at " + h;
    case 3:
      return "simp only [" + l + ", " + rng.pick(lemma_names()) + "]";
    case 4:
      return "field_simp";
    case 5:
      return "ring_nf";
    case 6:
      return "linarith [" + h + "]";
    case 7:
      return "have " + h + " : " + a + " * " + b + " = " + n + " := by ring";
    case 8:
      return "intro " + a;
    case 9:
      return "omega";
    case 10:
      return "positivity";
    case 11:
      return "exact " + l + " " + h;
    case 12:
      return "obtain ⟨" + a + ", " + h + "⟩ := " + b;
    default:
      return "nlinarith [" + h + ", mul_pos " + a + " " + b + "]";
  }
}

// A continuation proof: `steps` tactic lines indented by two spaces, sometimes a bullet pair.
inline std::string proof(Rng& rng, int steps) {
  std::string out;
  for (int i = 0; i < steps; ++i) {
    if (i > 0) out += '\n';
    if (rng.below(8) == 0 && i + 1 < steps) {
      out += "  constructor\n  · " + tactic(rng) + "\n  · " + tactic(rng);
      ++i;
      continue;
    }
    out += "  " + tactic(rng);
  }
  return out;
}

// Printable ASCII bytes, uniformly random.
inline std::string random_bytes(Rng& rng, std::size_t n) {
  std::string out(n, ' ');
  for (char& c : out) c = static_cast<char>(32 + rng.below(95));
  return out;
}

// Random lower-case "words" of 3..9 letters separated by spaces.
inline std::string random_words(Rng& rng, std::size_t words) {
  std::string out;
  for (std::size_t w = 0; w < words; ++w) {
    if (w > 0) out += ' ';
    const std::size_t len = 3 + rng.below(7);
    for (std::size_t i = 0; i < len; ++i) out += static_cast<char>('a' + rng.below(26));
  }
  return out;
}

}  // namespace metrics_test

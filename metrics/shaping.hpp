#pragma once
// Reward shaping from the compression metrics (README.md, "Reward shaping"). Off by default;
// a pass stays necessary for any reward > 0: whatever the metrics, a proof that did not pass
// gets min(base, 0), and a pass whose base reward is not > 0 keeps its base.
#include <optional>
#include <string_view>

#include "metrics/metrics.hpp"

namespace metrics {

enum class Shaping { none, length, novelty };

// "none", "length", "novelty"; nullopt for anything else.
std::optional<Shaping> parse_shaping(std::string_view name);
std::string_view to_string(Shaping shaping);

struct ShapingParams {
  // length: C(x) of the task's shortest verified proof (TaskMetrics::min_c), x included. Absent
  // or not > 0: the factor is 1.
  std::optional<int64_t> task_min_c;
  double min_length_factor = 0.5;  // length factor for a proof infinitely longer, in [0, 1]
  double novelty_weight = 0.5;     // λ in 1 + λ·novelty, >= 0
  double max_novelty = 1.0;        // novelty is clamped to [0, max_novelty]
};

// Novelty rewards any text the library does not hold, comments included: measure the proof's
// code (without_comments) for it. Proofs of a few bytes have novelty 1 (zstd stores such tiny
// blocks raw, dictionary or not).
//
// none:    r = base
// length:  r = base · (m + (1 − m) · min(1, c_min / C(x)))          m = min_length_factor
// novelty: r = base · (1 + λ · clamp(novelty, 0, max_novelty))
// applied only when `passed` and base > 0 (and finite); non-finite or non-positive metrics
// make the factor 1. Not passed: min(base, 0) (NaN base: 0).
double shaped_reward(double base, bool passed, const ProofMetrics& metrics, Shaping shaping,
                     const ShapingParams& params = {});

}  // namespace metrics

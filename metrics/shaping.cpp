#include "metrics/shaping.hpp"

#include <algorithm>
#include <cmath>

namespace metrics {

std::optional<Shaping> parse_shaping(std::string_view name) {
  if (name == "none") return Shaping::none;
  if (name == "length") return Shaping::length;
  if (name == "novelty") return Shaping::novelty;
  return std::nullopt;
}

std::string_view to_string(Shaping shaping) {
  switch (shaping) {
    case Shaping::length:
      return "length";
    case Shaping::novelty:
      return "novelty";
    case Shaping::none:
      break;
  }
  return "none";
}

namespace {

double clamp_finite(double value, double low, double high, double fallback) {
  if (!std::isfinite(value)) return fallback;
  return std::clamp(value, low, high);
}

}  // namespace

double shaped_reward(double base, bool passed, const ProofMetrics& metrics, Shaping shaping,
                     const ShapingParams& params) {
  if (std::isnan(base)) return 0.0;
  if (!passed) return std::min(base, 0.0);
  if (!(base > 0.0) || !std::isfinite(base)) return base;
  double factor = 1.0;
  switch (shaping) {
    case Shaping::none:
      break;
    case Shaping::length: {
      const double m = clamp_finite(params.min_length_factor, 0.0, 1.0, 0.5);
      if (params.task_min_c && *params.task_min_c > 0 && metrics.c > 0) {
        const double ratio =
            std::min(1.0, static_cast<double>(*params.task_min_c) / static_cast<double>(metrics.c));
        factor = m + (1.0 - m) * ratio;
      }
      break;
    }
    case Shaping::novelty: {
      const double lambda = clamp_finite(params.novelty_weight, 0.0, 1e6, 0.0);
      const double cap = clamp_finite(params.max_novelty, 0.0, 1e6, 0.0);
      const double novelty = clamp_finite(metrics.novelty, 0.0, cap, 0.0);
      factor = 1.0 + lambda * novelty;
      break;
    }
  }
  return base * factor;
}

}  // namespace metrics

#include "policy/rl/grpo.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <stdexcept>

namespace policy::rl {

std::vector<std::optional<double>> grpo_advantages(const std::vector<std::optional<double>>& rewards,
                                                   const GrpoOptions& options) {
  if (!std::isfinite(options.eps) || options.eps < 0) {
    throw std::invalid_argument(fmt::format("grpo: eps = {} (needs a finite eps >= 0)", options.eps));
  }
  std::size_t count = 0;
  double sum = 0;
  const double* first = nullptr;
  bool all_equal = true;
  for (std::size_t i = 0; i < rewards.size(); ++i) {
    if (!rewards[i]) continue;
    double r = *rewards[i];
    if (!std::isfinite(r)) {
      throw std::invalid_argument(fmt::format("grpo: reward {} of sample {} is not finite", r, i));
    }
    if (first == nullptr) first = &*rewards[i];
    all_equal = all_equal && r == *first;
    sum += r;
    ++count;
  }

  std::vector<std::optional<double>> advantages(rewards.size());
  if (count == 0) return advantages;
  if (all_equal) {
    for (std::size_t i = 0; i < rewards.size(); ++i) {
      if (rewards[i]) advantages[i] = 0.0;
    }
    return advantages;
  }

  double mean = sum / static_cast<double>(count);
  double squares = 0;
  for (const auto& r : rewards) {
    if (r) squares += (*r - mean) * (*r - mean);
  }
  double std_dev = std::sqrt(squares / static_cast<double>(count));
  double scale = options.scale_by_std ? 1.0 / (std_dev + options.eps) : 1.0;
  for (std::size_t i = 0; i < rewards.size(); ++i) {
    if (rewards[i]) advantages[i] = (*rewards[i] - mean) * scale;
  }
  return advantages;
}

}  // namespace policy::rl

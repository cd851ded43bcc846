#pragma once
// Group-relative advantages (GRPO): each sample of a task is judged against the other samples
// of the same task drawn in the same group, so no learned value function is needed. Formula and
// sources in policy/rl/README.md.
#include <optional>
#include <vector>

namespace policy::rl {

struct GrpoOptions {
  // true: A_i = (r_i - mean) / (std + eps), as in DeepSeekMath's GRPO.
  // false: A_i = r_i - mean, the Dr. GRPO variant (no division by the group's std, which
  // otherwise up-weights groups that are nearly all right or nearly all wrong).
  bool scale_by_std = true;
  double eps = 1e-6;  // >= 0; keeps the division finite when std is tiny
};

// Advantages for one group, index for index with `rewards`. A nullopt reward is a sample
// without a reward (an `error` verdict: nothing was checked): it is left out of the group's
// mean and std and gets a nullopt advantage. std is the population standard deviation of the
// rewarded samples. A group whose rewarded samples all have the same reward (all right or all
// wrong, or a single one) teaches nothing: every rewarded sample gets exactly 0.
// Throws std::invalid_argument for a non-finite reward, or eps negative or not finite.
std::vector<std::optional<double>> grpo_advantages(const std::vector<std::optional<double>>& rewards,
                                                   const GrpoOptions& options = {});

}  // namespace policy::rl

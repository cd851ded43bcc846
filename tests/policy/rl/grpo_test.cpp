#include "policy/rl/grpo.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>

using policy::rl::grpo_advantages;
using policy::rl::GrpoOptions;
using Rewards = std::vector<std::optional<double>>;

TEST_CASE("GRPO advantage is the reward standardized within its group") {
  auto a = grpo_advantages({1.0, 0.0, 0.0, 0.0});
  // mean 0.25, population std sqrt(0.1875)
  double std_dev = std::sqrt(0.1875);
  REQUIRE(a.size() == 4);
  CHECK(*a[0] == Approx(0.75 / (std_dev + 1e-6)));
  CHECK(*a[1] == Approx(-0.25 / (std_dev + 1e-6)));
  CHECK(*a[3] == *a[1]);
  double sum = 0;
  for (const auto& v : a) sum += *v;
  CHECK(sum == Approx(0.0).margin(1e-12));
}

TEST_CASE("GRPO: a group all right or all wrong teaches nothing") {
  for (const Rewards& rewards : {Rewards{1.0, 1.0, 1.0}, Rewards{0.0, 0.0}, Rewards{0.1, 0.1, 0.1},
                                 Rewards{1.0}, Rewards{std::nullopt, 1.0, std::nullopt, 1.0}}) {
    for (bool scale : {true, false}) {
      auto a = grpo_advantages(rewards, GrpoOptions{scale, 1e-6});
      REQUIRE(a.size() == rewards.size());
      for (std::size_t i = 0; i < a.size(); ++i) {
        CHECK(a[i].has_value() == rewards[i].has_value());
        if (a[i]) CHECK(*a[i] == 0.0);
      }
    }
  }
}

TEST_CASE("GRPO: samples without a reward are left out and get no advantage") {
  auto a = grpo_advantages({1.0, std::nullopt, 0.0, std::nullopt});
  REQUIRE(a.size() == 4);
  CHECK_FALSE(a[1].has_value());
  CHECK_FALSE(a[3].has_value());
  // The rewarded pair {1, 0}: mean 0.5, std 0.5.
  CHECK(*a[0] == Approx(0.5 / (0.5 + 1e-6)));
  CHECK(*a[2] == Approx(-0.5 / (0.5 + 1e-6)));

  auto none = grpo_advantages({std::nullopt, std::nullopt});
  CHECK_FALSE(none[0].has_value());
  CHECK_FALSE(none[1].has_value());
  CHECK(grpo_advantages({}).empty());
}

TEST_CASE("GRPO without std scaling (Dr. GRPO) is the reward minus the group mean") {
  auto a = grpo_advantages({1.0, 0.0, 0.0, 0.0}, GrpoOptions{false, 1e-6});
  CHECK(*a[0] == Approx(0.75));
  CHECK(*a[1] == Approx(-0.25));
}

TEST_CASE("GRPO eps keeps the division finite and is checked") {
  auto a = grpo_advantages({1.0, 0.0}, GrpoOptions{true, 0.0});
  CHECK(*a[0] == Approx(1.0));
  CHECK(*a[1] == Approx(-1.0));
  CHECK_THROWS_AS(grpo_advantages({1.0, 0.0}, GrpoOptions{true, -1.0}), std::invalid_argument);
  CHECK_THROWS_AS(grpo_advantages({1.0, std::numeric_limits<double>::quiet_NaN()}),
                  std::invalid_argument);
  CHECK_THROWS_AS(grpo_advantages({1.0, std::numeric_limits<double>::infinity()}),
                  std::invalid_argument);
}

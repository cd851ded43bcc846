// Reward shaping (metrics/shaping.hpp): a pass stays necessary for any reward > 0.
#include "metrics/shaping.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

using metrics::parse_shaping;
using metrics::ProofMetrics;
using metrics::shaped_reward;
using metrics::Shaping;
using metrics::ShapingParams;

namespace {

ProofMetrics with(int64_t c, double novelty) {
  ProofMetrics m;
  m.c = c;
  m.c_given_library = static_cast<int64_t>(std::lround(static_cast<double>(c) * novelty));
  m.novelty = novelty;
  return m;
}

}  // namespace

TEST_CASE("shaping: a proof that did not pass never gets a reward above 0") {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> bases = {0.0, 1.0, 0.5, -1.0, 1e9, inf, -inf, nan};
  const std::vector<double> novelties = {0.0, 0.5, 1.0, 2.0, -3.0, 1e300, inf, nan};
  const std::vector<int64_t> sizes = {0, 1, 9, 100, -5, 1000000};
  const std::vector<std::optional<int64_t>> mins = {std::nullopt, 0, 1, 50, -1};
  for (Shaping s : {Shaping::none, Shaping::length, Shaping::novelty}) {
    for (double base : bases) {
      for (double novelty : novelties) {
        for (int64_t c : sizes) {
          for (const auto& min_c : mins) {
            ShapingParams params;
            params.task_min_c = min_c;
            params.novelty_weight = novelty;  // hostile weights too
            const double r = shaped_reward(base, false, with(c, novelty), s, params);
            CAPTURE(base, novelty, c);
            CHECK_FALSE(r > 0.0);
            CHECK_FALSE(std::isnan(r));
            // Zero stays zero whatever the metrics, passed or not.
            CHECK(shaped_reward(0.0, true, with(c, novelty), s, params) == 0.0);
          }
        }
      }
    }
  }
  CHECK(shaped_reward(-1.0, false, with(10, 1.0), Shaping::novelty) == -1.0);
}

TEST_CASE("shaping: none keeps the reward") {
  CHECK(shaped_reward(1.0, true, with(100, 0.3), Shaping::none) == 1.0);
  CHECK(shaped_reward(0.7, true, with(100, 0.3), Shaping::none) == 0.7);
}

TEST_CASE("shaping: length scales a pass between 0.5 and 1 by the task's shortest proof") {
  ShapingParams params;
  params.task_min_c = 50;
  CHECK(shaped_reward(1.0, true, with(50, 1.0), Shaping::length, params) == 1.0);
  CHECK(shaped_reward(1.0, true, with(100, 1.0), Shaping::length, params) == Approx(0.75));
  CHECK(shaped_reward(1.0, true, with(200, 1.0), Shaping::length, params) == Approx(0.625));
  CHECK(shaped_reward(1.0, true, with(1000000, 1.0), Shaping::length, params) ==
        Approx(0.5).margin(1e-4));
  // A proof shorter than the recorded minimum (measured later) is capped at 1.
  CHECK(shaped_reward(1.0, true, with(40, 1.0), Shaping::length, params) == 1.0);
  // Longer proofs never get more.
  double previous = 2.0;
  for (int64_t c = 50; c < 5000; c += 37) {
    const double r = shaped_reward(1.0, true, with(c, 1.0), Shaping::length, params);
    CHECK(r <= previous);
    CHECK(r >= 0.5);
    previous = r;
  }
  // Unknown minimum: no scaling.
  CHECK(shaped_reward(1.0, true, with(100, 1.0), Shaping::length) == 1.0);
  params.min_length_factor = 0.0;
  CHECK(shaped_reward(1.0, true, with(100, 1.0), Shaping::length, params) == Approx(0.5));
}

TEST_CASE("shaping: novelty adds up to lambda for novel passes") {
  CHECK(shaped_reward(1.0, true, with(100, 0.0), Shaping::novelty) == 1.0);
  CHECK(shaped_reward(1.0, true, with(100, 0.4), Shaping::novelty) == Approx(1.2));
  CHECK(shaped_reward(1.0, true, with(100, 1.0), Shaping::novelty) == Approx(1.5));
  // Novelty above 1 (a dictionary that hurts) is capped.
  CHECK(shaped_reward(1.0, true, with(100, 1.3), Shaping::novelty) == Approx(1.5));
  CHECK(shaped_reward(1.0, true, with(100, std::nan("")), Shaping::novelty) == 1.0);
  ShapingParams params;
  params.novelty_weight = 1.0;
  CHECK(shaped_reward(2.0, true, with(100, 0.5), Shaping::novelty, params) == Approx(3.0));
}

TEST_CASE("shaping: names") {
  CHECK(parse_shaping("length") == Shaping::length);
  CHECK(parse_shaping("novelty") == Shaping::novelty);
  CHECK(parse_shaping("none") == Shaping::none);
  CHECK_FALSE(parse_shaping("Length").has_value());
  CHECK_FALSE(parse_shaping("").has_value());
  CHECK(metrics::to_string(Shaping::length) == "length");
  CHECK(metrics::to_string(Shaping::novelty) == "novelty");
}

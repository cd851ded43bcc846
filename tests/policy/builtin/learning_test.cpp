// The built-in policy learns: a synthetic contextual bandit (bandit.hpp) with four goal shapes,
// each with one right tactic of the core vocabulary (a + b = b + a: omega, 2 + 3 = 5: decide,
// p ∧ q with both hypotheses: constructor, x = x: rfl). Each round samples 8 proposals for 8
// training goals, rewards the right tactic, computes GRPO advantages and updates. The greedy
// accuracy on held-out goals (other names, other numbers) must rise from its untrained value
// (every logit equal: the first vocabulary entry, rfl, for all goals, so 1/4) to at least 0.9.
#include <catch2/catch.hpp>

#include "policy/builtin/builtin_policy.hpp"
#include "tests/policy/builtin/bandit.hpp"

namespace {

constexpr int kShapes = 4;
constexpr int kGoalsPerRound = 8;
constexpr int kSamples = 8;
constexpr int kRounds = 30;
constexpr int kHeldOut = 40;
constexpr double kMargin = 0.9;

void learns(const std::string& model) {
  policy::BuiltinOptions options;
  options.model = model;
  options.feature_bits = 14;
  policy::BuiltinPolicy p(options);
  const double untrained = builtin_bandit::greedy_accuracy(p, kShapes, kHeldOut, 2024);
  CHECK(untrained <= 0.3);
  builtin_bandit::SplitMix64 rng(17);
  int rewarded = 0;
  for (int round = 0; round < kRounds; ++round) {
    auto r = builtin_bandit::play_round(p, kShapes, kGoalsPerRound, kSamples, rng, round);
    rewarded += r.rewarded;
    p.update(r.batch);
  }
  const double trained = builtin_bandit::greedy_accuracy(p, kShapes, kHeldOut, 2024);
  INFO(model << ": untrained " << untrained << ", trained " << trained << ", rewarded samples "
             << rewarded);
  CHECK(trained >= kMargin);
  CHECK(trained > untrained);
}

}  // namespace

TEST_CASE("the log-linear policy learns the bandit and generalises to held-out goals") {
  learns("loglinear");
}

TEST_CASE("the MLP policy learns the bandit and generalises to held-out goals") {
  learns("mlp");
}

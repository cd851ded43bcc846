#pragma once
// A synthetic contextual bandit for the built-in policy, shared by its learning test and by
// bench/policy_bench.cpp: goals of a few shapes, each with one right tactic, written with random
// variable names and numbers. Training goals and held-out goals use disjoint name pools (and
// fresh numbers), so a policy that scores well on held-out goals has learned shapes, not names.
// One round: goals, `samples` proposals per goal (sampled, seeded), reward 1 for the right
// tactic, GRPO advantages (r − mean) / (std + 1e-6) (zero when std = 0), verified = reward 1.
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "policy/builtin/rng.hpp"
#include "policy/policy.hpp"

namespace builtin_bandit {

using policy::builtin::SplitMix64;

struct Goal {
  std::string text;
  std::string right;  // the one tactic rewarded for it (an entry of the core vocabulary)
};

// Shapes 0..3 are the four of the learning test; 4..7 make the benchmark's harder bandit.
inline constexpr int kMaxShapes = 8;

inline Goal make_goal(int shape, SplitMix64& rng, bool held_out) {
  static const std::vector<std::string> train_values = {"a", "b", "c", "m", "n", "k",
                                                        "x", "y", "z", "u", "v", "w"};
  static const std::vector<std::string> held_values = {"i", "j", "t", "x\u2081", "y\u2082",
                                                       "len", "acc", "r'"};
  static const std::vector<std::string> train_props = {"p", "q", "r", "s", "P", "Q"};
  static const std::vector<std::string> held_props = {"A", "B", "\u03C6", "\u03C8", "C'"};
  static const std::vector<std::string> train_hyps = {"hp", "hq", "h1", "h2", "ha", "hb"};
  static const std::vector<std::string> held_hyps = {"H", "H\u2082", "hleft", "hright", "hyp'"};
  const auto& values = held_out ? held_values : train_values;
  const auto& props = held_out ? held_props : train_props;
  const auto& hyps = held_out ? held_hyps : train_hyps;
  auto one = [&](const std::vector<std::string>& pool) { return pool[rng.below(pool.size())]; };
  auto two = [&](const std::vector<std::string>& pool) {
    const std::size_t i = rng.below(pool.size());
    const std::size_t j = (i + 1 + rng.below(pool.size() - 1)) % pool.size();
    return std::pair{pool[i], pool[j]};
  };
  switch (shape % kMaxShapes) {
    case 0: {
      auto [a, b] = two(values);
      return {a + " " + b + " : Nat\n\u22A2 " + a + " + " + b + " = " + b + " + " + a, "omega"};
    }
    case 1: {
      const auto x = 2 + rng.below(90);
      const auto y = 2 + rng.below(90);
      return {"\u22A2 " + std::to_string(x) + " + " + std::to_string(y) + " = " + std::to_string(x + y),
              "decide"};
    }
    case 2: {
      auto [p, q] = two(props);
      auto [hp, hq] = two(hyps);
      return {p + " " + q + " : Prop\n" + hp + " : " + p + "\n" + hq + " : " + q + "\n\u22A2 " + p +
                  " \u2227 " + q,
              "constructor"};
    }
    case 3: {
      const auto x = one(values);
      return {x + " : Nat\n\u22A2 " + x + " = " + x, "rfl"};
    }
    case 4: {
      auto [p, q] = two(props);
      const auto hp = one(hyps);
      return {p + " " + q + " : Prop\n" + hp + " : " + p + "\n\u22A2 " + p, "assumption"};
    }
    case 5: {
      auto [p, q] = two(props);
      auto [hp, hn] = two(hyps);
      return {p + " " + q + " : Prop\n" + hp + " : " + p + "\n" + hn + " : \u00AC" + p + "\n\u22A2 " + q,
              "contradiction"};
    }
    case 6: {
      auto [p, q] = two(props);
      const auto hp = one(hyps);
      return {p + " " + q + " : Prop\n" + hp + " : " + p + "\n\u22A2 " + p + " \u2228 " + q, "left"};
    }
    default: {
      const auto l = one(values);
      return {"\u03B1 : Type\n" + l + " : List \u03B1\n\u22A2 " + l + " ++ [] = " + l, "simp"};
    }
  }
}

// Greedy (seed 0) accuracy on `n` held-out goals cycling through `shapes` shapes.
inline double greedy_accuracy(policy::Policy& p, int shapes, int n, uint64_t seed) {
  SplitMix64 rng(seed);
  int right = 0;
  for (int i = 0; i < n; ++i) {
    const Goal g = make_goal(i % shapes, rng, true);
    policy::StepState state;
    state.goals = {g.text};
    const auto choices = p.propose(state, 1, 0);
    if (!choices.empty() && choices[0].tactic == g.right) ++right;
  }
  return static_cast<double>(right) / n;
}

struct Round {
  std::vector<policy::Experience> batch;
  int rewarded = 0;
};

// One round of experience: `goals` training goals (shapes in turn), `samples` sampled
// proposals each, rewards and GRPO advantages.
inline Round play_round(policy::Policy& p, int shapes, int goals, int samples, SplitMix64& rng,
                        int round) {
  Round out;
  for (int g = 0; g < goals; ++g) {
    const Goal goal = make_goal((round * goals + g) % shapes, rng, false);
    policy::StepState state;
    state.goals = {goal.text};
    std::vector<std::string> tactics;
    std::vector<double> rewards;
    for (int s = 0; s < samples; ++s) {
      const uint64_t seed = policy::builtin::derive_seed(
          static_cast<uint64_t>(round) * 1000003u + static_cast<uint64_t>(g) * 101u + static_cast<uint64_t>(s),
          0xBA9D17);
      const auto choice = p.propose(state, 1, seed | 1u);  // seed != 0: sampled
      tactics.push_back(choice.empty() ? std::string() : choice[0].tactic);
      rewards.push_back(tactics.back() == goal.right ? 1.0 : 0.0);
    }
    double mean = 0;
    for (double r : rewards) mean += r;
    mean /= samples;
    double var = 0;
    for (double r : rewards) var += (r - mean) * (r - mean);
    const double std = std::sqrt(var / samples);
    for (int s = 0; s < samples; ++s) {
      policy::Experience e;
      e.decisions = {{goal.text, "", tactics[static_cast<std::size_t>(s)]}};
      e.advantage = std == 0 ? 0.0 : (rewards[static_cast<std::size_t>(s)] - mean) / (std + 1e-6);
      e.verified = rewards[static_cast<std::size_t>(s)] == 1.0;
      out.rewarded += e.verified ? 1 : 0;
      out.batch.push_back(std::move(e));
    }
  }
  return out;
}

}  // namespace builtin_bandit

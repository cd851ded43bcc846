#pragma once
// Verifiable reward from a verdict: 1 for `pass`, 0 for every other verdict about the proof,
// and no reward (null) for `error` and `invalid`, which say nothing about the proof and are
// kept out of training and pass rates.
#include <optional>

#include "lean-bridge/verdict.hpp"

namespace harness {

inline std::optional<double> reward_for(lean_bridge::Verdict verdict) {
  using lean_bridge::Verdict;
  switch (verdict) {
    case Verdict::pass:
      return 1.0;
    case Verdict::error:
    case Verdict::invalid:
      return std::nullopt;
    default:
      return 0.0;
  }
}

}  // namespace harness

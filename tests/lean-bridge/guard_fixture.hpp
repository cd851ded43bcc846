#pragma once
// What the guard tests share: the default-rules guard and miniF2F's task header.
#include <string_view>

#include "lean-bridge/guard.hpp"

namespace guard_test {

inline constexpr std::string_view kMiniF2FHeader =
    "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 0\n\n"
    "open BigOperators Real Nat Topology Rat\n\n";

inline const lean_bridge::Guard& guard() {
  static const lean_bridge::Guard kGuard = lean_bridge::Guard::with_default_rules();
  return kGuard;
}

}  // namespace guard_test

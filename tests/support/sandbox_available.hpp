#pragma once
// Sandbox tests need bubblewrap to create user namespaces. On a machine that refuses them (a
// container, a chroot), such a test says so and returns: it prints "SKIPPED: why", which CTest
// reports as skipped (tests/CMakeLists.txt) and scripts/test lists. It never passes silently.
#include <iostream>
#include <string>

#include "lean-bridge/sandbox.hpp"

#define SKIP_WITHOUT_USER_NAMESPACES()                                                      \
  do {                                                                                      \
    const std::string& why_ = lean_bridge::user_namespace_problem();                        \
    if (!why_.empty()) {                                                                    \
      std::cout << "SKIPPED: sandbox test: this machine refuses the user namespaces "       \
                   "bubblewrap needs ("                                                     \
                << why_ << "); `harness doctor` says how to allow them" << std::endl;        \
      return;                                                                               \
    }                                                                                       \
  } while (false)

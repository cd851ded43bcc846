#include "harness/interrupt.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>

namespace harness {
namespace {

std::atomic<bool> g_interrupted{false};

void on_signal(int sig) {
  if (g_interrupted.exchange(true)) {
    signal(sig, SIG_DFL);
    raise(sig);
  }
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool interrupt_requested() { return g_interrupted.load(); }

}  // namespace harness

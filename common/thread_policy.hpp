#pragma once
// The scheduling policy of the threads that wait on Lean processes (Linux).
//
// A pool worker writes its REPL the closing request of one check and, behind it, the next
// check's requests (lean-bridge/worker.hpp, send_ahead), then waits. The REPL answers the
// closing request first and goes straight on with the rest. Under the ordinary policy
// (SCHED_OTHER) that first answer wakes the worker, which preempts the REPL on its CPU, reads
// one answer, and sleeps again until the next: four task switches per check where two would
// do. A SCHED_BATCH thread that wakes does not preempt the thread running on its CPU: the
// worker runs when the REPL blocks for input, when its time slice ends, or at once on a CPU
// that is idle, and then reads every answer written meanwhile. Its share of the CPU and its
// nice value stay what they were. docs/benchmarks.md, "Seventh round", has the measurements.
#include <pthread.h>
#include <sched.h>

namespace common {

namespace detail {
inline bool& made_batch() {
  thread_local bool made = false;
  return made;
}
}  // namespace detail

// Runs the calling thread as SCHED_BATCH when it runs as SCHED_OTHER (a policy the user chose,
// with `chrt` for instance, is kept); returns whether the policy changed. Needs no privilege.
inline bool run_this_thread_as_batch() {
  int policy = 0;
  sched_param param{};
  if (pthread_getschedparam(pthread_self(), &policy, &param) != 0 || policy != SCHED_OTHER) {
    return false;
  }
  param.sched_priority = 0;
  detail::made_batch() = pthread_setschedparam(pthread_self(), SCHED_BATCH, &param) == 0;
  return detail::made_batch();
}

// Whether run_this_thread_as_batch changed the calling thread's policy: a process it starts
// would inherit SCHED_BATCH, and lean-bridge/child_process.cpp gives it SCHED_OTHER back.
inline bool this_thread_made_batch() { return detail::made_batch(); }

}  // namespace common

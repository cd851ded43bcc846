#pragma once
// The end of a killed REPL, finished off the thread that killed it. A REPL is sent SIGKILL at
// once (it stops running the proof that timed out, or serving a process that was recycled);
// waiting for it to exit, reaping it and removing its sandbox's cgroup take longer: 7-27 ms
// each for the REPL double in the sandbox here, and as long as the kernel takes to free a
// Lean process's gigabytes with Mathlib. A worker that waited for that checked nothing
// meanwhile.
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "lean-bridge/repl_process.hpp"

namespace lean_bridge {

class Reaper {
 public:
  // The process's one reaper: its thread starts with the first job.
  static Reaper& instance();

  Reaper() = default;
  ~Reaper();  // runs the jobs still waiting, then stops
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;

  // Runs `job` on the reaper's thread, after every job taken before it.
  void later(std::function<void()> job);
  // Returns once every job taken before the call has run.
  void drain();

 private:
  void run();

  std::mutex m_mutex;
  std::condition_variable m_work;
  std::condition_variable m_done;
  std::deque<std::function<void()>> m_jobs;
  uint64_t m_taken = 0;
  uint64_t m_finished = 0;
  bool m_stopping = false;
  std::thread m_thread;
};

// Sends SIGKILL to everything `process` runs, now, and leaves the rest of its end (the wait,
// the reaping, the cgroup's removal) to the reaper.
void retire(std::unique_ptr<ReplProcess> process);

}  // namespace lean_bridge

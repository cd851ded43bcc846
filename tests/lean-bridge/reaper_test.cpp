// The reaper (lean-bridge/reaper.*): what it runs, in which order, and that a killed REPL
// handed to it is gone, reaped, once it has drained.
#include "lean-bridge/reaper.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace lean_bridge;

namespace {

bool proc_entry_exists(pid_t pid) {
  struct stat info {};
  return ::stat(fmt::format("/proc/{}", pid).c_str(), &info) == 0;
}

}  // namespace

TEST_CASE("the reaper takes a job without waiting for it, and drain waits for it",
          "[reaper]") {
  Reaper reaper;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  bool finished = false;
  reaper.later([&] {
    started.set_value();
    released.wait();
    finished = true;
  });
  // later() came back while the job waits for this thread: it did not run it here.
  started.get_future().wait();
  CHECK_FALSE(finished);
  release.set_value();
  reaper.drain();
  CHECK(finished);
}

TEST_CASE("the reaper runs its jobs in the order taken, past one that throws", "[reaper]") {
  Reaper reaper;
  std::vector<int> order;
  reaper.later([&] { order.push_back(1); });
  reaper.later([] { throw std::runtime_error("a job that fails"); });
  reaper.later([&] { order.push_back(3); });
  reaper.drain();
  CHECK(order == std::vector<int>{1, 3});
  reaper.later([&] { order.push_back(4); });
  reaper.drain();
  CHECK(order == std::vector<int>{1, 3, 4});
}

TEST_CASE("a retired REPL is killed at once and reaped by the reaper", "[reaper]") {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "sleep 60 & sleep 60"};
  auto process = std::make_unique<ReplProcess>(spec);
  pid_t pid = process->pid();
  REQUIRE(proc_entry_exists(pid));
  retire(std::move(process));
  CHECK(process == nullptr);
  Reaper::instance().drain();
  // Reaped: not even a zombie is left.
  CHECK_FALSE(proc_entry_exists(pid));
  // Its group (the shell's background sleep, which init reaps) was sent SIGKILL too: it goes
  // long before its 60 s.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (::kill(-pid, 0) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(::kill(-pid, 0) != 0);
}

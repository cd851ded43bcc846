// Starting a child (lean-bridge/child_process.*): it is started with vfork, sharing the
// harness's memory until it execs, with every signal blocked meanwhile. What a program started
// so must see, and what the spawning thread must get back.
#include "lean-bridge/child_process.hpp"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/thread_policy.hpp"

using namespace lean_bridge;

namespace {

void ignore_signal(int) {}

// The bit masks /proc/PID/status gives for `field` ("SigBlk", "SigIgn", "SigCgt").
unsigned long long status_mask(const std::string& status, const std::string& field) {
  std::istringstream lines(status);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::stoull(line.substr(field.size() + 1), nullptr, 16);
    }
  }
  FAIL("no " << field << " in:\n" << status);
  return 0;
}

unsigned long long bit(int sig) { return 1ull << (sig - 1); }

// Installs a handler for `sig` for the length of a test.
class Handled {
 public:
  explicit Handled(int sig) : m_sig(sig) {
    struct sigaction action {};
    action.sa_handler = ignore_signal;
    sigaction(sig, &action, &m_old);
  }
  ~Handled() { sigaction(m_sig, &m_old, nullptr); }

 private:
  int m_sig;
  struct sigaction m_old {};
};

sigset_t current_mask() {
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  return mask;
}

bool same_mask(const sigset_t& a, const sigset_t& b) {
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sigismember(&a, sig) != sigismember(&b, sig)) return false;
  }
  return true;
}

CapturedRun run(const std::vector<std::string>& argv) {
  ProcessSpec spec;
  spec.argv = argv;
  auto run = capture_output(spec, 10'000);
  INFO(run.problem);
  REQUIRE(run.status);
  return run;
}

}  // namespace

TEST_CASE("a started program has the spawning thread's signal mask, not the all-blocked one",
          "[child-process]") {
  sigset_t before = current_mask();
  Handled term(SIGTERM);
  auto r = run({"/bin/cat", "/proc/self/status"});
  CHECK(status_mask(r.out, "SigBlk") == 0);
  // The harness ignores SIGPIPE (a dead REPL's pipe must give EPIPE); its REPLs must not.
  CHECK((status_mask(r.out, "SigIgn") & bit(SIGPIPE)) == 0);
  CHECK(same_mask(current_mask(), before));
}

TEST_CASE("a signal blocked in the spawning thread stays blocked in the program, as exec keeps it",
          "[child-process]") {
  sigset_t before = current_mask();
  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &usr2, nullptr);
  auto r = run({"/bin/cat", "/proc/self/status"});
  sigset_t after = current_mask();
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  CHECK(status_mask(r.out, "SigBlk") == bit(SIGUSR2));
  CHECK(sigismember(&after, SIGUSR2) == 1);
  CHECK(sigismember(&after, SIGUSR1) == 0);
}

TEST_CASE("the spawning thread gets its signals back after a spawn that fails",
          "[child-process]") {
  sigset_t before = current_mask();
  ProcessSpec spec;
  spec.argv = {"/nonexistent/program"};
  CHECK_THROWS_AS(ChildProcess::spawn(spec), SpawnError);
  spec.argv = {"/bin/true"};
  spec.working_dir = "/nonexistent/folder";
  CHECK_THROWS_WITH(ChildProcess::spawn(spec),
                    Catch::Contains("cannot start in /nonexistent/folder: No such file"));
  CHECK(same_mask(current_mask(), before));
}

TEST_CASE("a program runs in the working folder it was given", "[child-process]") {
  ProcessSpec spec;
  spec.argv = {"/bin/pwd"};
  spec.working_dir = "/usr/share";
  auto r = capture_output(spec, 10'000);
  INFO(r.problem);
  REQUIRE(r.status);
  CHECK(r.out == "/usr/share\n");
}

TEST_CASE("a child started with vfork talks over its pipes and is reaped with its status",
          "[child-process]") {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "read line; echo \"got $line\"; exit 3"};
  auto r = capture_output(spec, 10'000, "hello\n");
  INFO(r.problem);
  REQUIRE(r.status);
  CHECK(r.out == "got hello\n");
  CHECK(describe_wait_status(*r.status) == "exit status 3");
}

namespace {

// The policy of a program started from a new thread that `prepare` has set up, and of that
// thread, read while the program runs (no assertion runs on that thread: Catch's are not
// thread-safe).
struct Policies {
  int thread = -1;
  int program = -1;
};

template <class Prepare>
Policies spawn_from_thread(Prepare prepare) {
  Policies seen;
  std::thread([&] {
    prepare();
    sched_param param{};
    pthread_getschedparam(pthread_self(), &seen.thread, &param);
    ProcessSpec spec;
    spec.argv = {"/bin/sh", "-c", "read line"};
    auto child = ChildProcess::spawn(spec);
    seen.program = sched_getscheduler(child->pid());
    child->close_stdin();
    child->reap(10'000);
  }).join();
  return seen;
}

}  // namespace

TEST_CASE("a program started by a thread the harness made SCHED_BATCH runs as SCHED_OTHER",
          "[child-process]") {
  bool changed = false;
  auto seen = spawn_from_thread([&] { changed = common::run_this_thread_as_batch(); });
  REQUIRE(changed);
  CHECK(seen.thread == SCHED_BATCH);
  CHECK(seen.program == SCHED_OTHER);
}

TEST_CASE("a batch policy the harness was given is kept, and its programs inherit it",
          "[child-process]") {
  bool set = false;
  bool changed = true;
  auto seen = spawn_from_thread([&] {
    sched_param param{};
    set = pthread_setschedparam(pthread_self(), SCHED_BATCH, &param) == 0;
    changed = common::run_this_thread_as_batch();
  });
  REQUIRE(set);
  CHECK_FALSE(changed);
  CHECK(seen.thread == SCHED_BATCH);
  CHECK(seen.program == SCHED_BATCH);
}

TEST_CASE("a program started by an ordinary thread runs as SCHED_OTHER", "[child-process]") {
  auto seen = spawn_from_thread([] {});
  CHECK(seen.thread == SCHED_OTHER);
  CHECK(seen.program == SCHED_OTHER);
}

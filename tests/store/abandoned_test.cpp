// Runs whose process is gone: the process identity a run records, how a process is told alive
// or gone, and begin_run / reopen_run marking abandoned the running runs of their host.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "fixtures.hpp"
#include "store/process.hpp"
#include "store/store.hpp"

using store::ProcessIdentity;
using store::ProcessState;
using store::RunStatus;
using store_test::RawDb;
using store_test::RunFixture;

namespace {

// A pid no process can have: above Linux's PID_MAX_LIMIT (4194304).
constexpr int64_t kImpossiblePid = 4194305;

ProcessIdentity dead_process() {
  ProcessIdentity p = store::this_process();
  p.pid = kImpossiblePid;
  return p;
}

// A run's info on `host` ("": none).
store::RunInfo run_on(const std::string& host, std::optional<ProcessIdentity> process) {
  auto info = store_test::sample_run_info();
  info.host = host.empty() ? std::nullopt : std::optional<std::string>(host);
  info.process = std::move(process);
  return info;
}

// A run of `host` begun without sweeping that host (as by a process of another host), so that
// the runs a test sets up are not swept by each other's begin_run.
int64_t begin_quietly(store::Store& db, const std::string& path, const std::string& host,
                      std::optional<ProcessIdentity> process) {
  int64_t id = db.begin_run(run_on("", std::move(process)));
  RawDb(path).exec("UPDATE runs SET host = '" + host + "' WHERE id = " + std::to_string(id));
  return id;
}

// The state letter of /proc/PID/stat ('?' when it cannot be read).
char state_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(in, text);
  auto close = text.rfind(')');
  return close == std::string::npos || close + 2 >= text.size() ? '?' : text[close + 2];
}

}  // namespace

TEST_CASE("this_process names the calling process, and it is alive", "[store][abandoned]") {
  ProcessIdentity self = store::this_process();
  CHECK(self.pid == ::getpid());
  CHECK(self.start_ticks > 0);
  CHECK(self.boot_id.size() == 36);
  CHECK(self.pid_namespace.rfind("pid:[", 0) == 0);
  CHECK(store::process_state(self) == ProcessState::alive);
  CHECK(store::this_process() == self);
}

TEST_CASE("process_state tells a gone process from a live one and from one it cannot see",
          "[store][abandoned]") {
  ProcessIdentity self = store::this_process();
  CHECK(store::process_state(dead_process()) == ProcessState::gone);

  ProcessIdentity reused = self;  // the pid now belongs to a process that started later
  reused.start_ticks = self.start_ticks - 1;
  CHECK(store::process_state(reused) == ProcessState::gone);

  ProcessIdentity earlier_boot = self;
  earlier_boot.boot_id = "00000000-0000-4000-8000-000000000000";
  CHECK(store::process_state(earlier_boot) == ProcessState::gone);

  ProcessIdentity other_namespace = dead_process();
  other_namespace.pid_namespace = "pid:[1]";
  CHECK(store::process_state(other_namespace) == ProcessState::unknown);

  ProcessIdentity no_boot = dead_process();
  no_boot.boot_id = "";
  CHECK(store::process_state(no_boot) == ProcessState::unknown);
  CHECK(store::process_state(ProcessIdentity{}) == ProcessState::unknown);
}

TEST_CASE("a child that exited is gone, a zombie as much as once reaped", "[store][abandoned]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ProcessIdentity me = store::this_process();
    ssize_t ignored = ::write(fds[1], &me.start_ticks, sizeof me.start_ticks);
    (void)ignored;
    ::_exit(0);
  }
  ::close(fds[1]);
  ProcessIdentity identity = store::this_process();
  identity.pid = child;
  REQUIRE(::read(fds[0], &identity.start_ticks, sizeof identity.start_ticks) ==
          sizeof identity.start_ticks);
  ::close(fds[0]);
  for (int i = 0; i < 200 && state_of(child) != 'Z'; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(state_of(child) == 'Z');
  CHECK(store::process_state(identity) == ProcessState::gone);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(store::process_state(identity) == ProcessState::gone);
}

TEST_CASE("begin_run marks abandoned the running runs of its host whose process is gone",
          "[store][abandoned]") {
  RunFixture f;  // its run: this process, host-1
  int64_t dead = begin_quietly(f.db, f.path, "host-1", dead_process());
  ProcessIdentity reused = store::this_process();
  reused.start_ticks -= 1;
  int64_t reused_pid = begin_quietly(f.db, f.path, "host-1", reused);
  int64_t elsewhere = begin_quietly(f.db, f.path, "host-2", dead_process());
  int64_t finished = begin_quietly(f.db, f.path, "host-1", dead_process());
  f.db.finish_run(finished, RunStatus::interrupted, "{}");
  int64_t unrecorded = begin_quietly(f.db, f.path, "host-1", dead_process());
  RawDb(f.path).exec(
      "UPDATE runs SET pid = NULL, pid_start = NULL, boot_id = NULL, "
      "pid_ns = NULL WHERE id = " +
      std::to_string(unrecorded));
  // Every one of them still as its process left it: nothing has begun on host-1 since.
  CHECK(f.db.run(dead)->status == RunStatus::running);

  auto info = run_on("host-1", std::nullopt);
  int64_t fresh = f.db.begin_run(info);

  for (int64_t id : {dead, reused_pid}) {
    auto run = f.db.run(id);
    INFO(id);
    CHECK(run->status == RunStatus::abandoned);
    REQUIRE(run->ended_at);
    CHECK(store_test::is_utc_millis(*run->ended_at));
    CHECK_FALSE(run->summary_json);
  }
  CHECK(f.db.run(f.run_id)->status == RunStatus::running);      // its process is alive
  CHECK(f.db.run(elsewhere)->status == RunStatus::running);     // another host's
  CHECK(f.db.run(finished)->status == RunStatus::interrupted);  // already finished
  CHECK(f.db.run(unrecorded)->status == RunStatus::running);    // no process to look at
  CHECK_FALSE(f.db.run(unrecorded)->process);
  auto made = f.db.run(fresh);
  CHECK(made->status == RunStatus::running);
  REQUIRE(made->process);
  CHECK(*made->process == store::this_process());  // absent in RunInfo: the calling process
  CHECK(*f.db.run(dead)->process == dead_process());

  // A run without a host sweeps nothing; the sweep alone says how many it marked.
  int64_t later_dead = f.db.begin_run(run_on("host-1", dead_process()));
  f.db.begin_run(run_on("", std::nullopt));
  CHECK(f.db.run(later_dead)->status == RunStatus::running);
  CHECK(f.db.abandon_gone_runs("host-2") == 1);
  CHECK(f.db.run(elsewhere)->status == RunStatus::abandoned);
  CHECK(f.db.abandon_gone_runs("host-1") == 1);
  CHECK(f.db.abandon_gone_runs("host-1") == 0);
  CHECK_THROWS(f.db.finish_run(dead, RunStatus::completed, "{}"));  // it is not running
}

TEST_CASE("an abandoned run is found by latest_run and resumed by reopen_run",
          "[store][abandoned]") {
  RunFixture f;
  auto info = run_on("node-a", dead_process());
  info.command = "search";
  int64_t search = f.db.begin_run(info);
  f.db.finish_run(search, RunStatus::completed, R"({"epochs":1})");
  f.db.reopen_run(search, std::string("node-a"));
  RawDb(f.path).exec("UPDATE runs SET pid = " + std::to_string(kImpossiblePid) +
                     " WHERE id = " + std::to_string(search));  // and killed again
  CHECK(f.db.abandon_gone_runs("node-a") == 1);
  auto latest = f.db.latest_run("search");
  REQUIRE(latest);
  CHECK(latest->id == search);
  CHECK(latest->status == RunStatus::abandoned);

  f.db.reopen_run(search, std::string("node-b"));  // resumed on another machine
  auto resumed = f.db.run(search);
  CHECK(resumed->status == RunStatus::running);
  CHECK_FALSE(resumed->ended_at);
  CHECK(resumed->host == "node-b");
  CHECK(resumed->process == store::this_process());
  CHECK(resumed->summary_json == R"({"epochs":1})");
  CHECK(f.db.abandon_gone_runs("node-b") == 0);  // its process is this one, alive
  f.db.reopen_run(search);                       // without a host: the host stays
  CHECK(f.db.run(search)->host == "node-b");
}

// `harness doctor`'s memory check: the memory a run's workers and warm spares may take
// (plan_memory, against given /proc/meminfo figures), and the built binary's line and warning
// for settings that cannot fit on any machine and for settings that fit on any.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include "harness/doctor.hpp"
#include "harness/exit_codes.hpp"
#include "lean-bridge/child_process.hpp"

using namespace harness;

namespace {

DoctorSettings sized(int workers, std::string spares, int max_rss_mb, int spares_memory_mb = 0) {
  DoctorSettings s;
  s.workers = workers;
  s.spares = std::move(spares);
  s.max_rss_mb = max_rss_mb;
  s.spares_memory_mb = spares_memory_mb;
  return s;
}

struct Run {
  int exit_code = -1;
  std::string output;
};

Run doctor(std::vector<std::string> args) {
  args.insert(args.begin(), {HARNESS_PATH, "doctor", "--sandbox", "none"});
  lean_bridge::ProcessSpec spec{args, "", 0, false};
  auto run = lean_bridge::capture_output(spec, 120'000);
  INFO(run.output);
  REQUIRE(run.status);
  REQUIRE(WIFEXITED(*run.status));
  return {WEXITSTATUS(*run.status), run.output};
}

// The last line: "ready: ..." or "N problem(s) found", and the warnings.
std::string verdict_line(const std::string& output) {
  std::string text = output.substr(0, output.find_last_not_of('\n') + 1);
  return text.substr(text.find_last_of('\n') + 1);
}

}  // namespace

TEST_CASE("the memory check counts every worker and fixed spare at the recycle bound") {
  MemoryPlan plan = plan_memory(sized(4, "2", 1000), 8000, 7000);
  CHECK(plan.workers == 4);
  CHECK(plan.spares == 2);
  CHECK_FALSE(plan.spares_auto);
  CHECK(plan.process_mb == 1000);
  CHECK(plan.need_mb == 6000);
  CHECK(plan.fits());
  MemoryPlan tight = plan_memory(sized(4, "2", 1000), 8000, 5999);
  CHECK_FALSE(tight.fits());
  CHECK(tight.processes_that_fit() == 5);
  CHECK(plan_memory(sized(4, "0", 1000), 8000, 4000).fits());
}

TEST_CASE("auto spares count what their memory bound holds, from one to twice the workers") {
  // 80% of MemAvailable: 17600 MiB hold one 12 GiB spare, and two workers and it do not fit.
  MemoryPlan plan = plan_memory(sized(2, "auto", 12288), 24000, 22000);
  CHECK(plan.spares_auto);
  CHECK(plan.spares == 1);
  CHECK(plan.need_mb == 3 * 12288);
  CHECK_FALSE(plan.fits());
  // Plenty of memory: at most twice the workers (at least two).
  CHECK(plan_memory(sized(2, "auto", 1000), 200000, 200000).spares == 4);
  CHECK(plan_memory(sized(1, "auto", 1000), 200000, 200000).spares == 2);
  // --spares-memory-mb bounds them instead of MemAvailable.
  CHECK(plan_memory(sized(2, "auto", 1000, 3500), 200000, 200000).spares == 3);
  // Even with no room there is one (the first starts before any spare's size is known).
  CHECK(plan_memory(sized(2, "auto", 1000), 1000, 500).spares == 1);
}

TEST_CASE("no recycle bound (max-rss-mb 0) leaves the memory untold, never fitting") {
  MemoryPlan plan = plan_memory(sized(1, "0", 0), 1 << 20, 1 << 20);
  CHECK(plan.process_mb == 0);
  CHECK_FALSE(plan.fits());
  CHECK_THROWS_AS(plan_memory(sized(1, "many", 1000), 1000, 1000), UsageError);
}

TEST_CASE("doctor warns when workers and spares cannot fit, and says what to lower", "[e2e]") {
  Run big = doctor({"--workers", "1024", "--spares", "8"});
  INFO(big.output);
  CHECK(big.output.find("memory         WARNING 1024 worker(s) + 8 spare(s) = 1032 REPL processes, "
                        "up to 12.0 GiB each (--max-rss-mb): 12384.0 GiB, more than this machine "
                        "has at all (MemAvailable ") != std::string::npos);
  CHECK(big.output.find("fix: lower --workers, --spares (0: none; auto stays within "
                        "--spares-memory-mb), or --max-rss-mb") != std::string::npos);
  CHECK(big.output.find("(1 warning(s) above)") != std::string::npos);

  Run small = doctor({"--workers", "1", "--spares", "0", "--max-rss-mb", "64"});
  INFO(small.output);
  CHECK(small.output.find("memory         ok      1 worker(s) + 0 spare(s) = 1 REPL processes, "
                          "up to 0.1 GiB each (--max-rss-mb): 0.1 GiB; MemAvailable ") !=
        std::string::npos);
  CHECK(small.output.find("WARNING") == std::string::npos);
  CHECK(small.output.find("warning(s) above") == std::string::npos);
  // A warning is not a problem: the same problems counted, and the same exit status.
  CHECK(verdict_line(big.output) == verdict_line(small.output) + " (1 warning(s) above)");
  CHECK(big.exit_code == small.exit_code);

  Run unbounded = doctor({"--workers", "1", "--max-rss-mb", "0"});
  CHECK(unbounded.output.find("memory         WARNING 1 worker(s) + up to 2 spare(s) (--spares "
                              "auto) = 3 REPL processes with --max-rss-mb 0") != std::string::npos);
}

TEST_CASE("doctor refuses a --spares that is neither auto nor a count", "[e2e]") {
  Run run = doctor({"--spares", "lots"});
  CHECK(run.exit_code == kExitUsage);
  CHECK(run.output ==
        "harness doctor: --spares: expected auto or a number from 0 to 256, got 'lots'\n");
}

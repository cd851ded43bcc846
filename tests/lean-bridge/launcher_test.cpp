// The launcher (lean-bridge/launcher.*, lake_env.*): a `lake env CMD` command has the
// workspace's environment resolved once, outside the sandbox, and CMD starts directly with it.
// A stand-in `lake` script plays lake: it logs each call and runs its command with a
// LEAN_PATH, LEAN_SYSROOT and LD_LIBRARY_PATH of a fake workspace and toolchain.
#include "lean-bridge/launcher.hpp"
#include "tests/support/sandbox_available.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace lean_bridge;

namespace {

struct FakeLake {
  test_support::TempDir dir{"harness-lake"};
  fs::path ws = dir.path() / "ws";
  fs::path toolchain = dir.path() / "toolchain";
  fs::path lake = dir.path() / "bin" / "lake";
  fs::path log = dir.path() / "lake.log";
  fs::path lean_lib = ws / ".lake/build/lib/lean";

  explicit FakeLake(const std::string& failure = "") {
    fs::create_directories(lean_lib);
    fs::create_directories(toolchain / "bin");
    fs::create_directories(toolchain / "lib/lean");
    fs::create_directories(lake.parent_path());
    std::ofstream(lean_lib / "Mod.olean") << "module-bytes\n";
    std::ofstream(ws / "harness.db") << "the store\n";
    // The toolchain's `lean`: prints its LEAN_PATH, so a test sees what it was started with.
    std::ofstream(toolchain / "bin/lean") << "#!/bin/sh\necho \"lean sees LEAN_PATH=$LEAN_PATH\"\n";
    fs::permissions(toolchain / "bin/lean", fs::perms::owner_all, fs::perm_options::add);
    std::string body =
        failure.empty()
            ? fmt::format("[ \"$1\" = env ] || exit 2\nshift\n"
                          "LEAN_PATH={0}/lib/lean:{1} LEAN_SYSROOT={0} "
                          "LD_LIBRARY_PATH={0}/lib/lean LAKE=/x/lake ELAN_HOME=/x/elan "
                          "exec \"$@\"\n",
                          toolchain.string(), lean_lib.string())
            : fmt::format("echo '{}' >&2\nexit 1\n", failure);
    std::ofstream(lake) << fmt::format("#!/bin/sh\necho \"$*\" >> {}\n{}", log.string(), body);
    fs::permissions(lake, fs::perms::owner_all, fs::perm_options::add);
  }
  int calls() const {
    std::ifstream in(log);
    int n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
  }
  ProcessSpec command(std::vector<std::string> rest) const {
    ProcessSpec spec;
    spec.argv = {lake.string(), "env"};
    spec.argv.insert(spec.argv.end(), rest.begin(), rest.end());
    spec.working_dir = ws.string();
    return spec;
  }
};

std::string value_of(const ProcessSpec& spec, const std::string& name) {
  for (const auto& [key, value] : spec.env) {
    if (key == name) return value;
  }
  return "<unset>";
}

}  // namespace

TEST_CASE("lake env commands are recognised", "[launcher]") {
  CHECK(is_lake_env_command({"lake", "env", "repl"}));
  CHECK(is_lake_env_command({"/home/u/.elan/bin/lake", "env", "/ws/repl", "--x"}));
  CHECK_FALSE(is_lake_env_command({"lake", "env"}));
  CHECK_FALSE(is_lake_env_command({"lake", "build", "repl"}));
  CHECK_FALSE(is_lake_env_command({"/opt/flake", "env", "repl"}));
  CHECK_FALSE(is_lake_env_command({"repl"}));
}

TEST_CASE("an env -0 block keeps the Lean variables, the last definition winning", "[launcher]") {
  // The NUL-terminated entries of `env -0`, kept whole by the string's own length.
  constexpr char kBlock[] =
      "HOME=/root\0LEAN_PATH=/a:/b\0LAKE=/x/lake\0XLEAN_SYSROOT=/no\0"
      "LEAN_SYSROOT=/tc\0PATH=/tc/bin:/usr/bin\0LEAN_PATH=/c\0EMPTY=\0";
  std::string block(kBlock, sizeof kBlock - 1);
  auto vars = parse_env_block(block);
  std::vector<std::pair<std::string, std::string>> want = {
      {"LEAN_PATH", "/c"}, {"LEAN_SYSROOT", "/tc"}, {"PATH", "/tc/bin:/usr/bin"}};
  CHECK(vars == want);
}

TEST_CASE("a lake env command starts its program directly with lake's environment, resolved once",
          "[launcher]") {
  FakeLake lake;
  Launcher launcher;  // no sandbox: the resolution alone
  std::vector<std::thread> threads;
  std::vector<ProcessSpec> prepared(6);
  for (size_t i = 0; i < prepared.size(); ++i) {
    threads.emplace_back([&, i] { prepared[i] = launcher.prepare(lake.command({"lean", "-v"})); });
  }
  for (auto& t : threads) t.join();
  CHECK(lake.calls() == 1);  // six starts, one resolution
  const ProcessSpec& spec = prepared[0];
  CHECK(spec.argv == std::vector<std::string>{(lake.toolchain / "bin/lean").string(), "-v"});
  CHECK(value_of(spec, "LEAN_SYSROOT") == lake.toolchain.string());
  CHECK(value_of(spec, "LEAN_PATH") ==
        (lake.toolchain / "lib/lean").string() + ":" + lake.lean_lib.string());
  CHECK(value_of(spec, "LD_LIBRARY_PATH") == (lake.toolchain / "lib/lean").string());
  CHECK(value_of(spec, "PATH").rfind((lake.toolchain / "bin").string() + ":", 0) == 0);
  CHECK(value_of(spec, "LAKE") == "<unset>");  // lake's own and elan's are left out
  CHECK(value_of(spec, "ELAN_HOME") == "<unset>");
  // It runs as it would under lake env.
  auto run = capture_output(spec, 10'000);
  CHECK(run.output.find("lean sees LEAN_PATH=" + value_of(spec, "LEAN_PATH")) != std::string::npos);
  // A relative program is taken from the workspace folder, as lake env would run it.
  auto relative = launcher.prepare(lake.command({".lake/build/bin/repl"}));
  CHECK(relative.argv[0] == (lake.ws / ".lake/build/bin/repl").string());
  CHECK(lake.calls() == 1);
}

TEST_CASE("inside the sandbox the program runs without lake and sees only its Lean folders",
          "[launcher][sandbox]") {
  SKIP_WITHOUT_USER_NAMESPACES();
  FakeLake lake;
  Launcher launcher(std::make_shared<const Sandbox>());
  auto spec = launcher.prepare(lake.command(
      {"/bin/sh", "-c",
       "lean; cat ${LEAN_PATH##*:}/Mod.olean 2>&1; cat harness.db 2>&1; "
       "if [ -e " + lake.lake.string() + " ]; then echo LAKE-VISIBLE; fi"}));
  auto run = capture_output(spec, 10'000);
  INFO(run.output);
  REQUIRE(run.status);
  CHECK(run.output.find("lean sees LEAN_PATH=") != std::string::npos);
  CHECK(run.output.find("module-bytes") != std::string::npos);
  CHECK(run.output.find("the store") == std::string::npos);
  CHECK(run.output.find("harness.db: No such file") != std::string::npos);
  CHECK(run.output.find("LAKE-VISIBLE") == std::string::npos);
  CHECK(lake.calls() == 1);
}

TEST_CASE("a lake that cannot resolve the environment fails every start, naming what it said",
          "[launcher]") {
  FakeLake lake("error: no default toolchain configured");
  Launcher launcher;
  for (int i = 0; i < 3; ++i) {
    try {
      launcher.prepare(lake.command({"repl"}));
      FAIL("the start should have failed");
    } catch (const SpawnError& e) {
      std::string what = e.what();
      CHECK(what.find("lake env") != std::string::npos);
      CHECK(what.find("error: no default toolchain configured") != std::string::npos);
      CHECK(what.find("doctor") != std::string::npos);
    }
  }
  CHECK(lake.calls() == 1);  // the failure is remembered, not retried per worker
}

TEST_CASE("a program that is not on the workspace's PATH fails the start", "[launcher]") {
  FakeLake lake;
  Launcher launcher;
  CHECK_THROWS_WITH(launcher.prepare(lake.command({"no-such-repl-program"})),
                    Catch::Contains("no-such-repl-program: not found on the workspace's PATH"));
}

TEST_CASE("a command that is not lake env is left as it is", "[launcher]") {
  Launcher launcher;
  ProcessSpec spec;
  spec.argv = {"/bin/echo", "hi"};
  spec.working_dir = "/";
  auto out = launcher.prepare(spec);
  CHECK(out.argv == spec.argv);
  CHECK(out.env.empty());
}

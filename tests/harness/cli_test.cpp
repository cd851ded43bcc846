// The built `harness` binary's command line: the list of commands, an unknown command, a
// refused value, the hidden `harness settings`, and no progress display when stderr is not a
// terminal (here it is a pipe).
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/commands.hpp"
#include "harness/exit_codes.hpp"
#include "lean-bridge/child_process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace harness;

namespace {

struct Run {
  int exit_code = -1;
  std::string output;  // stdout and stderr
  std::string out;     // stdout alone
};

Run harness_run(std::vector<std::string> args, const std::string& dir = "") {
  args.insert(args.begin(), HARNESS_PATH);
  lean_bridge::ProcessSpec spec{args, dir, 0, false};
  auto run = lean_bridge::capture_output(spec, 120'000);
  INFO(run.output);
  REQUIRE(run.status);
  REQUIRE(WIFEXITED(*run.status));
  return {WEXITSTATUS(*run.status), run.output, run.out};
}

}  // namespace

TEST_CASE("harness without a command lists the commands") {
  Run run = harness_run({});
  CHECK(run.exit_code == kExitOk);
  CHECK(run.out == command_list());
  for (const auto& c : commands()) {
    if (c.hidden) {
      CHECK(run.out.find("  " + c.name + " ") == std::string::npos);
    } else {
      CHECK(run.out.find(c.help) != std::string::npos);
    }
  }
}

TEST_CASE("an unknown command is a usage error that names it and the commands") {
  Run run = harness_run({"scroe", "in.jsonl"});
  CHECK(run.exit_code == kExitUsage);
  CHECK(run.output == "harness: unknown command 'scroe' (commands: score, check, search, metrics, traces, library, report, serve, prune, merge, doctor)\n");
  CHECK(command_names() == "score, check, search, metrics, traces, library, report, serve, prune, merge, doctor");
}

TEST_CASE("a bad number on the command line gets a short message naming the option") {
  Run run = harness_run({"score", "in.jsonl", "--timeout", "abc"});
  CHECK(run.exit_code == kExitUsage);
  CHECK(run.output ==
        "harness score: --timeout: expected a number greater than 0, got 'abc'\n"
        "Run `harness score --help` for the settings.\n");
  Run workers = harness_run({"search", "--workers", "x"});
  CHECK(workers.exit_code == kExitUsage);
  CHECK(workers.output.find("harness search: --workers: expected a whole number from 1 to 1024, "
                            "got 'x'\n") == 0);
  Run extra = harness_run({"metrics", "--frobnicate"});
  CHECK(extra.exit_code == kExitUsage);
  CHECK(extra.output.find("harness metrics: ") == 0);
  CHECK(extra.output.find("--frobnicate") != std::string::npos);
}

TEST_CASE("--help prints the command's settings and succeeds") {
  Run run = harness_run({"score", "--help"});
  CHECK(run.exit_code == kExitOk);
  CHECK(run.out.find("--used-constants") != std::string::npos);
  CHECK(run.out.find("--timeout S") != std::string::npos);
  CHECK(run.out.find("[default: 60]") != std::string::npos);
  Run top = harness_run({"--help"});
  CHECK(top.exit_code == kExitOk);
  CHECK(top.out.find("doctor") != std::string::npos);
}

TEST_CASE("search without --tasks or --resume is a usage error") {
  test_support::TempDir tmp{"harness-cli"};
  Run run = harness_run({"search", "--db", tmp.file("h.db")}, tmp.path().string());
  CHECK(run.exit_code == kExitUsage);
  CHECK(run.output == "harness search: --tasks is required (or --resume)\n");
}

TEST_CASE("harness settings prints a generated README section") {
  auto sections = readme_sections();
  Run run = harness_run({"settings", "--markdown", "remote-policy"});
  CHECK(run.exit_code == kExitOk);
  CHECK(run.out == sections.at("settings-remote-policy"));
  Run codes = harness_run({"settings", "--markdown", "exit-codes"});
  CHECK(codes.out == sections.at("exit-codes"));
  Run unknown = harness_run({"settings", "--markdown", "nothing"});
  CHECK(unknown.exit_code == kExitUsage);
}

TEST_CASE("harness settings --update-readme rewrites only the generated sections") {
  test_support::TempDir tmp{"harness-cli"};
  std::string readme =
      "# Title\n\nText before.\n\n<!-- BEGIN GENERATED commands (harness settings "
      "--update-readme README.md) -->\nold table\n<!-- END GENERATED commands -->\n\nText after.\n";
  std::string path = tmp.write("README.md", readme);
  Run run = harness_run({"settings", "--update-readme", path});
  CHECK(run.exit_code == kExitOk);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == "# Title\n\nText before.\n\n<!-- BEGIN GENERATED commands (harness settings "
                "--update-readme README.md) -->\n" + readme_sections().at("commands") +
                "<!-- END GENERATED commands -->\n\nText after.\n");
}

TEST_CASE("score and search write no progress display into a log (stderr not a terminal)") {
  test_support::TempDir tmp{"harness-cli"};
  std::string input = tmp.write(
      "in.jsonl", nlohmann::json{{"name", "t"},
                                 {"formal_statement", "theorem t : True := by\n"},
                                 {"proof", "  trivial\n"}}.dump() + "\n");
  Run score = harness_run({"score", input, "--db", tmp.file("score.db"), "--repl", FAKE_REPL_PATH,
                           "--sandbox", "none", "--workers", "1"},
                          tmp.path().string());
  CHECK(score.exit_code == kExitOk);
  CHECK(score.output.find('\r') == std::string::npos);
  CHECK(score.output.find("\x1b[") == std::string::npos);

  std::string repl = fmt::format("{} --tactic-rules {}/rules.json", FAKE_REPL_PATH, SYNTHETIC_DIR);
  Run search = harness_run({"search", "--tasks", std::string(SYNTHETIC_DIR) + "/tasks.jsonl",
                            "--policy", "builtin", "--db", tmp.file("search.db"), "--workers", "1",
                            "--repl", repl, "--sandbox", "none", "--epochs", "1", "--samples", "1",
                            "--no-eval"},
                           tmp.path().string());
  CHECK(search.exit_code == kExitOk);
  CHECK(search.output.find('\r') == std::string::npos);
  CHECK(search.output.find("\x1b[") == std::string::npos);
}

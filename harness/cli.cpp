#include "harness/cli.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/doctor.hpp"
#include "harness/score_settings.hpp"

namespace harness {
namespace {

void add_score(CLI::App& app, ScoreSettings& s) {
  auto* cmd = app.add_subcommand("score", "Check every candidate proof of a JSONL file with Lean "
                                          "and write one verdict + reward row per line");
  cmd->add_option("input", s.input, "Candidates JSONL (dataset fields name, header, "
                                    "formal_statement, proof/formal_proof or full_proof/code)")
      ->required();
  cmd->add_option("--out,-o", s.out, "OUT JSONL, one row per input line in input order "
                                     "(default: INPUT with .scored.jsonl)");
  cmd->add_option("--db", s.db, "SQLite store")->capture_default_str();
  cmd->add_option("--workers,-j", s.workers, "REPL processes")->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--timeout", s.timeout_s, "Seconds per proof (header time not counted)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--header-timeout", s.header_timeout_s, "Seconds to elaborate a header")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--memory-mb", s.memory_mb, "Address-space limit per REPL (0: none)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--recycle-after", s.recycle_after, "Checks per REPL process (0: no limit)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-rss-mb", s.max_rss_mb, "Replace a REPL above this resident size (0: never)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-tries", s.max_tries,
                  "Fresh workers a proof may take down before it gets fail (resource)")
      ->capture_default_str()->check(CLI::Range(1, 10));
  cmd->add_option("--repl", s.repl, "REPL command, split like a shell would, run without one "
                                    "(default: lake env <workspace's REPL binary>)");
  cmd->add_option("--workspace", s.workspace, "Lean workspace the REPL runs in "
                                              "(default: the project's)");
  cmd->add_option("--header", s.header, "Header for lines that have none");
  cmd->add_option("--header-file", s.header_file, "Header for lines that have none, from a file");
  cmd->add_option("--tasks", s.tasks, "Trusted task JSONL: statements and headers are taken "
                                      "from it, joined by name");
  cmd->add_flag("--strict", s.strict, "Stop at the first invalid line (exit 2)");
  cmd->add_option("--canary", s.canaries, "Mix N known-false statements into the run; if one "
                                          "passes, stop (exit 4): the verifier is broken")
      ->check(CLI::Range(0, 10000));
  cmd->add_option("--forbid", s.forbid_files, "Extra guard rules, in the format of "
                                             "docs/guard.md (repeatable)");
  cmd->add_option("--canary-file", s.canary_file, "Canaries (JSONL: name, formal_statement, "
                                                  "proof) instead of the built-in set");
  cmd->add_flag("--kernel-replay", s.kernel_replay,
                "Replay every pass through Lean's kernel checker (leanchecker, Lean >= 4.28); "
                "a replay that fails turns the pass into rejected");
  cmd->add_flag("!--no-cache", s.use_cache, "Do not read the verification cache");
  cmd->add_flag("!--no-progress", s.progress, "No progress bar");
  cmd->add_option("--sandbox", s.sandbox, "Worker sandbox: bwrap (read-only filesystem, no "
                                          "network, pids cgroup) or none (docs/sandbox.md)")
      ->capture_default_str()->check(CLI::IsMember({"bwrap", "none"}))->envname("HARNESS_SANDBOX");
}

void add_doctor(CLI::App& app, DoctorSettings& d) {
  auto* cmd = app.add_subcommand("doctor", "Say what this machine has for checking Lean proofs, "
                                           "what is missing and how to fix it");
  cmd->add_option("--workspace", d.workspace, "Lean workspace (default: the project's)");
  cmd->add_option("--repl", d.repl, "REPL command (default: lake env <workspace's REPL>)");
  cmd->add_flag("--selftest", d.selftest, "Check known-good and known-bad proofs with real Lean");
  cmd->add_option("--timeout", d.timeout_s, "Seconds per selftest proof")->capture_default_str();
  cmd->add_option("--sandbox", d.sandbox, "Sandbox of the selftest's workers: bwrap or none")
      ->capture_default_str()->check(CLI::IsMember({"bwrap", "none"}))->envname("HARNESS_SANDBOX");
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"harness: verify Lean 4 proofs at scale and turn verdicts into rewards"};
  app.require_subcommand(1);
  ScoreSettings score;
  DoctorSettings doctor;
  add_score(app, score);
  add_doctor(app, doctor);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  score.argv.assign(argv, argv + argc);
  if (app.got_subcommand("score")) return run_score(score);
  return run_doctor(doctor);
}

}  // namespace harness

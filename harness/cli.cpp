#include "harness/cli.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/doctor.hpp"
#include "harness/metrics_command.hpp"
#include "harness/score_settings.hpp"
#include "harness/search_settings.hpp"

namespace harness {
namespace {

// The Lean-side options score and search share.
void add_engine_options(CLI::App* cmd, EngineSettings& s) {
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
  cmd->add_option("--forbid", s.forbid_files, "Extra guard rules, in the format of "
                                             "docs/guard.md (repeatable)");
  cmd->add_flag("--kernel-replay", s.kernel_replay,
                "Replay every pass through Lean's kernel checker (leanchecker, Lean >= 4.28); "
                "a replay that fails turns the pass into rejected");
  cmd->add_flag("--used-constants", s.used_constants,
                "Ask Lean which constants each proof's tactics use (allTactics), for "
                "`harness metrics` (reuse of declarations); larger answers");
  cmd->add_flag("!--no-cache", s.use_cache, "Do not read the verification cache");
  cmd->add_flag("!--no-progress", s.progress, "No progress display");
  cmd->add_option("--sandbox", s.sandbox, "Worker sandbox: bwrap (read-only filesystem, no "
                                          "network, pids cgroup) or none (docs/sandbox.md)")
      ->capture_default_str()->check(CLI::IsMember({"bwrap", "none"}))->envname("HARNESS_SANDBOX");
}

void add_score(CLI::App& app, ScoreSettings& s) {
  auto* cmd = app.add_subcommand("score", "Check every candidate proof of a JSONL file with Lean "
                                          "and write one verdict + reward row per line");
  cmd->add_option("input", s.input, "Candidates JSONL (dataset fields name, header, "
                                    "formal_statement, proof/formal_proof or full_proof/code)")
      ->required();
  cmd->add_option("--out,-o", s.out, "OUT JSONL, one row per input line in input order "
                                     "(default: INPUT with .scored.jsonl)");
  cmd->add_option("--header", s.header, "Header for lines that have none");
  cmd->add_option("--header-file", s.header_file, "Header for lines that have none, from a file");
  cmd->add_option("--tasks", s.tasks, "Trusted task JSONL: statements and headers are taken "
                                      "from it, joined by name");
  cmd->add_flag("--strict", s.strict, "Stop at the first invalid line (exit 2)");
  cmd->add_option("--canary", s.canaries, "Mix N known-false statements into the run; if one "
                                          "passes, stop (exit 4): the verifier is broken")
      ->check(CLI::Range(0, 10000));
  cmd->add_option("--canary-file", s.canary_file, "Canaries (JSONL: name, formal_statement, "
                                                  "proof) instead of the built-in set");
  add_engine_options(cmd, s);
}

void add_search(CLI::App& app, SearchSettings& s) {
  auto* cmd = app.add_subcommand(
      "search", "Sample proofs of tasks from a policy, verify them with Lean, learn from the "
                "rewards over epochs, and report pass@k per split (docs/search.md)");
  cmd->add_option("--tasks", s.tasks, "Task JSONL (name, split, header, formal_statement)");
  cmd->add_option("--header", s.header, "Header for task lines that have none");
  cmd->add_option("--policy", s.policy, "builtin | builtin:mlp | openai:URL | replay:FILE")
      ->capture_default_str();
  cmd->add_option("--samples,-k", s.samples, "K: samples (whole) or searches (step) per task")
      ->capture_default_str()->check(CLI::Range(1, 65536));
  cmd->add_option("--mode", s.mode, "whole: whole proofs sampled; step: best-first search "
                                    "over proof states")
      ->capture_default_str()->check(CLI::IsMember({"whole", "step"}));
  cmd->add_option("--epochs", s.epochs, "Training epochs (sample, verify, reward, update, "
                                        "checkpoint) before the final evaluation")
      ->capture_default_str()->check(CLI::Range(0, 1000000));
  cmd->add_option("--out,-o", s.out, "Rollouts JSONL: one object per attempt");
  cmd->add_option("--seed", s.seed, "Every random draw of the run derives from it")
      ->capture_default_str();
  cmd->add_option("--curriculum", s.curriculum, "adaptive | uniform (docs/search.md)")
      ->capture_default_str()->check(CLI::IsMember({"adaptive", "uniform"}));
  cmd->add_option("--train-split", s.train_split, "Split trained on (\"\": every task)")
      ->capture_default_str();
  cmd->add_flag("!--no-eval", s.evaluate, "Skip the final evaluation over every task");
  cmd->add_option("--shaping", s.shaping, "Reward shaping of passes while training: none, "
                                          "length or novelty (docs/search.md); a pass stays "
                                          "necessary for any reward")
      ->capture_default_str()->check(CLI::IsMember({"none", "length", "novelty"}));
  cmd->add_option("--expansions", s.expansions, "Step mode: nodes expanded per search")
      ->capture_default_str()->check(CLI::Range(1, 1000000));
  cmd->add_option("--width", s.width, "Step mode: tactics proposed per expansion")
      ->capture_default_str()->check(CLI::Range(1, 1024));
  cmd->add_option("--search-seconds", s.search_seconds, "Step mode: seconds per search")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--tactic-timeout", s.tactic_timeout_s, "Step mode: seconds per tactic")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--model", s.model, "Remote policy: the model name sent to the server");
  cmd->add_option("--api-key-env", s.api_key_env, "Remote policy: environment variable "
                                                  "holding the API key")
      ->capture_default_str();
  cmd->add_option("--endpoint", s.endpoint, "Remote policy: completions or chat")
      ->capture_default_str()->check(CLI::IsMember({"completions", "chat"}));
  cmd->add_option("--prompt-template", s.prompt_template, "Remote policy: template name or "
                                                          "file (policy/remote/README.md)")
      ->capture_default_str();
  cmd->add_option("--temperature", s.temperature, "Sampling temperature")->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-tokens", s.max_tokens, "Remote policy: tokens per completion")
      ->capture_default_str()->check(CLI::Range(1, 1000000));
  cmd->add_option("--concurrency", s.concurrency, "Remote policy: HTTP requests in flight")
      ->capture_default_str()->check(CLI::Range(1, 4096));
  cmd->add_option("--samples-per-request", s.samples_per_request,
                  "Remote policy: samples asked in one HTTP request (1 for servers that ignore n)")
      ->capture_default_str()->check(CLI::Range(1, 128));
  cmd->add_option("--top-p", s.top_p, "Remote policy: nucleus sampling")->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--retries", s.retries, "Remote policy: further attempts of a failed request")
      ->capture_default_str()->check(CLI::Range(0, 100));
  cmd->add_option("--request-timeout", s.request_timeout_s, "Remote policy: seconds per request")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--vocabulary", s.vocabulary, "Built-in policy: core | mathlib | FILE")
      ->capture_default_str();
  cmd->add_option("--learning-rate", s.learning_rate, "Built-in policy: learning rate");
  cmd->add_option("--resume", s.resume, "Continue a killed run (its uuid, or latest) from its "
                                        "last finished epoch, with its recorded settings");
  add_engine_options(cmd, s);
}

void add_metrics(CLI::App& app, MetricsSettings& m) {
  auto* cmd = app.add_subcommand("metrics", "Compression metrics of the verified proofs in the "
                                            "store: per proof, per task and per declaration "
                                            "(harness/metrics/README.md)");
  cmd->add_option("--db", m.db, "SQLite store")->capture_default_str();
  cmd->add_option("--run", m.run, "Only this run (uuid or id); default: every run");
  cmd->add_option("--format", m.format, "table (the top rows) or json (every row, JSON lines)")
      ->capture_default_str()->check(CLI::IsMember({"table", "json"}));
  cmd->add_option("--top", m.top, "Rows per table")->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_flag("--recompute", m.recompute, "Compute again even when the inputs are unchanged");
  cmd->add_option("--threads", m.threads, "Threads for the computation")->capture_default_str()
      ->check(CLI::Range(1, 256));
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
  SearchSettings search;
  add_search(app, search);
  MetricsSettings metrics;
  add_metrics(app, metrics);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  score.argv.assign(argv, argv + argc);
  if (app.got_subcommand("score")) return run_score(score);
  if (app.got_subcommand("metrics")) return run_metrics(metrics);
  if (app.got_subcommand("search")) {
    search.argv.assign(argv, argv + argc);
    if (search.tasks.empty() && !search.resume) {
      fmt::print(stderr, "harness search: --tasks is required (or --resume)\n");
      return kExitUsage;
    }
    return run_search(search);
  }
  return run_doctor(doctor);
}

}  // namespace harness

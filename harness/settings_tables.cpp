#include "harness/settings_tables.hpp"

namespace harness::settings {

const Group<EngineSettings>& engine_group() {
  using S = EngineSettings;
  static const Group<S> group{
      "engine",
      "How Lean checks proofs (shared by `score` and `search`)",
      {
          setting<S>(&S::db, {.names = "--db", .value = "FILE",
                              .help = "SQLite store (runs, tasks, attempts, verification cache)"}),
          setting<S>(&S::workers,
                     {.names = "--workers,-j", .value = "N",
                      .help = "REPL processes; each holds its imports (Mathlib: several GiB each)",
                      .default_text = "number of cores", .check = range(1, 1024)}),
          setting<S>(&S::timeout_s,
                     {.names = "--timeout", .key = "timeout_s", .value = "S",
                      .help = "Wall-clock seconds per proof; header time never counts",
                      .check = greater_than(0)}),
          setting<S>(&S::heartbeats,
                     {.names = "--heartbeats", .key = "heartbeats", .value = "N",
                      .help = "Lean's heartbeat limit per proof, in `set_option maxHeartbeats` "
                              "units; a header's own limit counts up to it (0 too), a proof's "
                              "own is capped at it. A stop by heartbeats (decided_by heartbeats) "
                              "is the same on any machine, unlike --timeout",
                      .check = at_least(1)}),
          setting<S>(&S::header_timeout_s,
                     {.names = "--header-timeout", .value = "S",
                      .help = "Seconds to elaborate a header in a fresh worker",
                      .check = greater_than(0)}),
          setting<S>(&S::memory_mb,
                     {.names = "--memory-mb", .value = "M",
                      .help = "Address-space limit per REPL process in MiB (0: none); "
                              "import Mathlib maps several GiB",
                      .check = at_least(0)}),
          setting<S>(&S::recycle_after,
                     {.names = "--recycle-after", .value = "N",
                      .help = "Checks before a REPL process is replaced (0: never); REPL memory "
                              "only grows",
                      .check = at_least(0)}),
          setting<S>(&S::max_rss_mb,
                     {.names = "--max-rss-mb", .value = "M",
                      .help = "Replace a REPL process above this resident size in MiB (0: never)",
                      .check = at_least(0)}),
          setting<S>(&S::spares,
                     {.names = "--spares", .value = "auto|N",
                      .help = "Warm spare REPLs, imported in the background, that replace a killed, "
                              "dead or recycled worker at once; auto: the rate of replacements × "
                              "the import time, within --spares-memory-mb; 0: none"}),
          setting<S>(&S::spares_memory_mb,
                     {.names = "--spares-memory-mb", .value = "M",
                      .help = "Memory auto spares may take in MiB (their count × a spare's "
                              "resident size)",
                      .default_text = "80% of MemAvailable", .check = at_least(0)}),
          setting<S>(&S::import_sets,
                     {.names = "--import-sets", .value = "K",
                      .help = "Import sets one REPL process may hold (tasks with different "
                              "imports); one more replaces the process",
                      .check = range(1, 64)}),
          setting<S>(&S::max_tries,
                     {.names = "--max-tries", .value = "N",
                      .help = "Fresh workers a proof may take down before it gets fail "
                              "(reason resource)",
                      .check = range(1, 10)}),
          setting<S>(&S::repl,
                     {.names = "--repl", .value = "CMD",
                      .help = "REPL command, split like a shell would, run without one. "
                              "lake env X ... is resolved once outside the sandbox and X started "
                              "directly; any other command runs in the sandbox with the files its "
                              "arguments name bound read-only (docs/sandbox.md)",
                      .default_text = "lake env .lake/packages/REPL/.lake/build/bin/repl"}),
          setting<S>(&S::workspace,
                     {.names = "--workspace", .value = "DIR",
                      .help = "Lean workspace the REPL runs in",
                      .default_text = "found as README's \"Lean workspace\" says"}),
          setting<S>(&S::forbid_files,
                     {.names = "--forbid", .key = "forbid", .value = "FILE",
                      .help = "Extra guard rules (docs/guard.md); repeatable"}),
          setting<S>(&S::kernel_replay,
                     {.names = "--kernel-replay", .key = "kernel_replay",
                      .help = "Replay every pass through Lean's kernel checker (leanchecker, "
                              "Lean >= 4.28) in the sandbox; a failed replay turns the pass into "
                              "rejected (decided_by kernel). Needs a toolchain: without one every "
                              "pass is refused"}),
          setting<S>(&S::used_constants,
                     {.names = "--used-constants",
                      .help = "Ask Lean which constants each proof's tactics use (allTactics), "
                              "for the reuse of declarations in harness metrics; larger answers"}),
          setting<S>(&S::use_cache, {.names = "--no-cache",
                                     .help = "Do not read the verification cache",
                                     .inverted = true}),
          setting<S>(&S::progress,
                     {.names = "--no-progress",
                      .help = "No progress display (there is one only when stderr is a terminal)",
                      .inverted = true}),
          setting<S>(&S::sandbox,
                     {.names = "--sandbox", .value = "MODE",
                      .help = "Worker sandbox (docs/sandbox.md): bwrap, or none (unsandboxed, "
                              "warns loudly)",
                      .check = one_of({"bwrap", "none"}), .env = "HARNESS_SANDBOX"}),
      }};
  return group;
}

// A group's rows in order, some of them made by a function.
template <class S>
std::vector<Setting<S>> joined(std::initializer_list<std::vector<Setting<S>>> parts) {
  std::vector<Setting<S>> out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// The key a shared row records under when its command records it (a search run), else none.
static std::string key_if(bool recorded, const char* key) { return recorded ? key : ""; }

// The lemma library a command checks with (S::library, S::library_version): the rows `search`,
// `score`, `serve` and `traces` share. `use`: what --library does for the command; `recorded`:
// with their keys, for a search run's record.
template <class S>
std::vector<Setting<S>> library_settings(const std::string& use, bool recorded) {
  return {
      setting<S>(&S::library,
                 {.names = "--library", .key = key_if(recorded, "library"), .value = "STORE|FILE",
                  .help = use, .default_text = "none"}),
      setting<S>(&S::library_version,
                 {.names = "--library-version", .key = key_if(recorded, "library_version"),
                  .value = "VERSION",
                  .help = "--library STORE: latest or a version (library-v1:HEX or a prefix)"}),
  };
}

const Group<ServeSettings>& serve_group() {
  using S = ServeSettings;
  static const Group<S> group{
      "serve",
      "`harness serve` (docs/serve.md)",
      joined<S>({{
          setting<S>(&S::host, {.names = "--host", .value = "ADDR",
                                .help = "Address to listen on (127.0.0.1: this machine only)"}),
          setting<S>(&S::port, {.names = "--port", .value = "P",
                                .help = "Port to listen on (0: any free one); the first line on "
                                        "stdout says `listening on PORT`",
                                .check = range(0, 65535)}),
          setting<S>(&S::tasks, {.names = "--tasks", .value = "FILE",
                                 .help = "Trusted tasks: code declaring a task's theorem is judged "
                                         "against its statement and earns a reward; other code "
                                         "gets reward null"}),
          setting<S>(&S::max_batch, {.names = "--max-batch", .value = "N",
                                     .help = "Snippets one request may hold (413 beyond)",
                                     .check = range(1, 1000000)}),
          setting<S>(&S::max_body_mb, {.names = "--max-body-mb", .value = "M",
                                       .help = "Request body size in MiB (413 beyond)",
                                       .check = range(1, 4096)}),
          setting<S>(&S::max_queued, {.names = "--max-queued", .value = "N",
                                      .help = "Snippets queued or being checked; a request that "
                                              "would pass it gets 429 with Retry-After",
                                      .check = range(1, 100000000)}),
          setting<S>(&S::http_threads, {.names = "--http-threads", .value = "N",
                                        .help = "HTTP I/O threads (connections are not bound to "
                                                "threads)",
                                        .check = range(1, 256)}),
          setting<S>(&S::api_key_env,
                     {.names = "--api-key-env", .value = "NAME",
                      .help = "Environment variable holding the key clients must send as "
                              "`Authorization: Bearer KEY` (never the key itself on the command "
                              "line); health endpoints stay open"}),
          setting<S>(&S::retain_days,
                     {.names = "--retain-days", .value = "N",
                      .help = "Delete the store's serve attempts older than N days at start and "
                              "about once an hour (0: keep everything); runs, their summaries "
                              "and the verification cache stay. The file does not shrink (its "
                              "free pages take new attempts); `harness prune` shrinks it",
                      .check = at_least(0)}),
      }, library_settings<S>("Check with a lemma library: a store's version (--library-version) or "
                             "a `library export --json` file; snippets may use its lemmas "
                             "(docs/library.md, \"Use in score\")",
                             false)})};
  return group;
}

const Group<ScoreSettings>& score_group() {
  using S = ScoreSettings;
  static const Group<S> group{
      "score",
      "`harness score`",
      joined<S>({{
          setting<S>(&S::input,
                     {.names = "input", .value = "INPUT",
                      .help = "Candidates JSONL (fields name, header, formal_statement, "
                              "proof/formal_proof or full_proof/code); required unless --resume"}),
          setting<S>(&S::out, {.names = "--out,-o", .value = "FILE",
                               .help = "OUT rows, one per input line, in input order",
                               .default_text = "INPUT.scored.jsonl"}),
          setting<S>(&S::header, {.names = "--header", .value = "TEXT",
                                  .help = "Header for lines that have none"}),
          setting<S>(&S::header_file, {.names = "--header-file", .value = "FILE",
                                       .help = "Header for lines that have none, read from a file"}),
          setting<S>(&S::tasks, {.names = "--tasks", .value = "FILE",
                                 .help = "Trusted statements and headers, joined by name"}),
          setting<S>(&S::strict, {.names = "--strict",
                                  .help = "Stop at the first invalid line (exit 2)"}),
          setting<S>(&S::canaries,
                     {.names = "--canary", .value = "N",
                      .help = "Mix N known-false statements into the run; one that passes stops "
                              "it (exit 4)",
                      .check = range(0, 10000)}),
          setting<S>(&S::canary_file,
                     {.names = "--canary-file", .value = "FILE",
                      .help = "Canaries to use (JSONL: name, formal_statement, proof)",
                      .default_text = "the built-in set"}),
          setting<S>(&S::shard,
                     {.names = "--shard", .value = "I/N",
                      .help = "Check only part I of N (0 <= I < N), chosen by a stable hash of "
                              "each line's task: N runs with I = 0..N-1 (a Slurm array, an "
                              "Indexed Job) cover the input once, then `harness merge`",
                      .default_text = "all lines"}),
          setting<S>(&S::resume,
                     {.names = "--resume", .value = "RUN",
                      .help = "Go on with a run of --db (its uuid, or latest: the most recent one "
                              "that did not complete) after a kill or a crash: the lines with a "
                              "recorded verdict keep it, the others are checked, OUT is written "
                              "whole; the run's options are used unless given again, and an "
                              "input whose SHA-256 changed is refused"}),
      }, library_settings<S>("Check with a lemma library: a store's version (--library-version) or "
                             "a `library export --json` file; candidates may use its lemmas "
                             "(docs/library.md, \"Use in score\")",
                             false)})};
  return group;
}

// How a library grows (GrowSettings, S::grow): the rows `library grow` and `search
// --grow-library` share. `when`: the help's first words; `recorded`: with their keys, for a
// search run's record.
template <class S>
std::vector<Setting<S>> grow_settings(const std::string& when, bool recorded) {
  auto key = [recorded](const char* k) { return key_if(recorded, k); };
  return {
      setting<S>(&S::grow, &GrowSettings::max_rewrite_checks,
                 {.names = "--max-rewrite-checks", .key = key("max_rewrite_checks"), .value = "N",
                  .help = when + ": Lean checks of rewritten proofs at most (per growth); the "
                                 "selection stops there and says so",
                  .check = at_least(0)}),
      setting<S>(&S::grow, &GrowSettings::max_lemma_checks,
                 {.names = "--max-lemma-checks", .key = key("max_lemma_checks"), .value = "N",
                  .help = when + ": Lean checks of candidate lemmas at most (per growth)",
                  .check = at_least(0)}),
      setting<S>(&S::grow, &GrowSettings::min_subproof_steps,
                 {.names = "--min-subproof-steps", .key = key("min_subproof_steps"), .value = "N",
                  .help = when + ": steps a repeated sub-proof needs to be a candidate",
                  .check = at_least(1)}),
      setting<S>(&S::grow, &GrowSettings::sizes,
                 {.names = "--sizes", .key = key("library_sizes"), .value = "KIND",
                  .help = when + ": plain (each text its own zstd frame) or cross-fitted (given "
                                 "the other folds' dictionary; docs/library.md says why plain is "
                                 "the default)",
                  .check = one_of({"plain", "cross-fitted"})}),
  };
}

// A remote model asked for helper lemmas as a library grows (ProposeSettings, S::propose): the
// rows `library grow` and `search --grow-library` share. `when`: the help's first words;
// `recorded`: with their keys, for a search run's record.
template <class S>
std::vector<Setting<S>> propose_settings(const std::string& when, bool recorded) {
  auto key = [recorded](const char* k) { return key_if(recorded, k); };
  const std::string with = when + " --propose";
  return {
      setting<S>(&S::propose, &ProposeSettings::url,
                 {.names = "--propose", .key = key("propose"), .value = "openai:URL",
                  .help = when + ": also ask this OpenAI-compatible server once per growth for "
                                 "helper lemmas on a batch of the proofs; a lemma whose statement "
                                 "the proofs prove joins that candidate (docs/library.md)",
                  .default_text = "none"}),
      setting<S>(&S::propose, &ProposeSettings::model,
                 {.names = "--propose-model", .key = key("propose_model"), .value = "NAME",
                  .help = with + ": the model name sent",
                  .default_text = "the first of GET /models"}),
      setting<S>(&S::propose, &ProposeSettings::endpoint,
                 {.names = "--propose-endpoint", .key = key("propose_endpoint"), .value = "NAME",
                  .help = with + ": which API the server is asked through",
                  .check = one_of({"chat", "completions"})}),
      setting<S>(&S::propose, &ProposeSettings::prompt,
                 {.names = "--propose-template", .key = key("propose_template"), .value = "NAME",
                  .help = with + ": the prompt, built-in lemmas or a FILE "
                                 "(policy/remote/README.md, \"Helper lemmas\")"}),
      setting<S>(&S::propose, &ProposeSettings::api_key_env,
                 {.names = "--propose-api-key-env", .key = key("propose_api_key_env"),
                  .value = "VAR", .help = with + ": environment variable holding the API key"}),
      setting<S>(&S::propose, &ProposeSettings::timeout_s,
                 {.names = "--propose-timeout", .key = key("propose_timeout_s"), .value = "S",
                  .help = with + ": seconds for the answer (each attempt)",
                  .check = greater_than(0)}),
      setting<S>(&S::propose, &ProposeSettings::retries,
                 {.names = "--propose-retries", .key = key("propose_retries"), .value = "N",
                  .help = with + ": further attempts after a connection error, timeout, 429 or "
                                 "5xx",
                  .check = range(0, 100)}),
      setting<S>(&S::propose, &ProposeSettings::max_tokens,
                 {.names = "--propose-max-tokens", .key = key("propose_max_tokens"), .value = "N",
                  .help = with + ": tokens of the answer",
                  .check = range(1, 1000000)}),
      setting<S>(&S::propose, &ProposeSettings::max_proofs,
                 {.names = "--propose-max-proofs", .key = key("propose_max_proofs"), .value = "N",
                  .help = with + ": proofs shown in the prompt at most",
                  .check = range(1, 10000)}),
      setting<S>(&S::propose, &ProposeSettings::max_bytes,
                 {.names = "--propose-max-bytes", .key = key("propose_max_bytes"), .value = "N",
                  .help = with + ": bytes of the proofs shown in the prompt at most",
                  .check = at_least(1)}),
  };
}

const Group<SearchSettings>& search_group() {
  using S = SearchSettings;
  static const Group<S> group{
      "search",
      "`harness search`",
      joined<S>({{
          setting<S>(&S::tasks, {.names = "--tasks", .key = "tasks", .value = "FILE",
                                 .help = "Task JSONL (name, split, header, formal_statement); "
                                         "required unless --resume"}),
          setting<S>(&S::header, {.names = "--header", .key = "header", .value = "TEXT",
                                  .help = "Header for task lines that have none"}),
          setting<S>(&S::policy, {.names = "--policy", .key = "policy", .value = "SPEC",
                                  .help = "builtin, builtin:mlp, openai:URL or replay:FILE"}),
          setting<S>(&S::samples, {.names = "--samples,-k", .key = "samples", .value = "K",
                                   .help = "Samples (whole) or searches (step) per task",
                                   .check = range(1, 65536)}),
          setting<S>(&S::mode, {.names = "--mode", .key = "mode", .value = "MODE",
                                .help = "whole: whole proofs sampled; step: best-first search "
                                        "over proof states",
                                .check = one_of({"whole", "step"})}),
          setting<S>(&S::epochs, {.names = "--epochs", .key = "epochs", .value = "N",
                                  .help = "Training epochs (sample, verify, reward, update, "
                                          "checkpoint) before the final evaluation",
                                  .check = range(0, 1000000)}),
          setting<S>(&S::out, {.names = "--out,-o", .key = "out", .value = "FILE",
                               .help = "Rollouts JSONL: one object per attempt",
                               .given_wins = true}),
          setting<S>(&S::seed, {.names = "--seed", .key = "seed", .value = "N",
                                .help = "Every random draw of the run derives from it"}),
          setting<S>(&S::curriculum, {.names = "--curriculum", .key = "curriculum", .value = "NAME",
                                      .help = "Which training tasks each epoch (docs/search.md)",
                                      .check = one_of({"adaptive", "uniform"})}),
          setting<S>(&S::train_split, {.names = "--train-split", .key = "train_split", .value = "SPLIT",
                                       .help = "Split trained on (\"\": every task)"}),
          setting<S>(&S::evaluate, {.names = "--no-eval", .key = "evaluate",
                                    .help = "Skip the final evaluation over every task",
                                    .inverted = true}),
          setting<S>(&S::shaping,
                     {.names = "--shaping", .key = "shaping", .value = "NAME",
                      .help = "Reward shaping of passes while training (docs/search.md); a pass "
                              "stays necessary for any reward",
                      .check = one_of({"none", "length", "novelty"})}),
          setting<S>(&S::revisions,
                     {.names = "--revisions", .key = "revisions", .value = "R",
                      .help = "Whole mode: a sample that fails gets up to R more rounds, each "
                              "given the previous proof and Lean's messages (docs/search.md, "
                              "\"Revisions\")",
                      .check = range(0, 64)}),
          setting<S>(&S::expansions, {.names = "--expansions", .key = "expansions", .value = "N",
                                      .help = "Step mode: nodes expanded per search",
                                      .check = range(1, 1000000)}),
          setting<S>(&S::width, {.names = "--width", .key = "width", .value = "N",
                                 .help = "Step mode: tactics proposed per expansion",
                                 .check = range(1, 1024)}),
          setting<S>(&S::search_seconds, {.names = "--search-seconds", .key = "search_seconds", .value = "S",
                                          .help = "Step mode: wall-clock seconds per search",
                                          .check = greater_than(0)}),
          setting<S>(&S::tactic_timeout_s, {.names = "--tactic-timeout", .key = "tactic_timeout_s", .value = "S",
                                            .help = "Step mode: seconds per tactic",
                                            .check = greater_than(0)}),
          setting<S>(&S::temperature, {.names = "--temperature", .key = "temperature", .value = "T",
                                       .help = "Sampling temperature", .check = at_least(0)}),
          setting<S>(&S::vocabulary, {.names = "--vocabulary", .key = "vocabulary", .value = "NAME",
                                      .help = "Built-in policy: core, mathlib or a FILE"}),
          setting<S>(&S::learning_rate, {.names = "--learning-rate", .key = "learning_rate", .value = "R",
                                         .help = "Built-in policy: learning rate",
                                         .default_text = "the policy's own"}),
      }, library_settings<S>("Search with a lemma library: a store's version (--library-version) "
                             "or a `library export --json` file (docs/library.md)",
                             true), {
          setting<S>(&S::grow_library,
                     {.names = "--grow-library", .key = "grow_library",
                      .help = "After each training epoch, grow the library from the epoch's "
                              "verified proofs and search on with it (docs/library.md, \"The "
                              "loop\")"}),
          },
          grow_settings<S>("--grow-library", true),
          propose_settings<S>("--grow-library", true),
          {
          setting<S>(&S::init_from,
                     {.names = "--init-from", .key = "init_from", .value = "TRACES",
                      .help = "Fit the built-in policy on the (goal, tactic) steps of a "
                              "`harness traces` file before the first epoch (docs/search.md)",
                      .default_text = "untrained"}),
          setting<S>(&S::resume,
                     {.names = "--resume", .value = "RUN",
                      .help = "Continue a killed run (its uuid, or latest) from its last "
                              "finished epoch, with its recorded settings"}),
          setting<S>(&S::shard,
                     {.names = "--shard", .key = "shard", .value = "I/N",
                      .help = "Search only part I of N of the tasks (0 <= I < N), by a stable hash "
                              "of each task; with --epochs each part trains its own policy",
                      .default_text = "all tasks"}),
          }})};
  return group;
}

const Group<SearchSettings>& remote_policy_group() {
  using S = SearchSettings;
  using R = policy::RemoteOptions;  // where most of them land, with their defaults
  static const Group<S> group{
      "remote-policy",
      "The remote policy (`search --policy openai:URL`, policy/remote/README.md)",
      {
          setting<S>(&S::remote, &R::model,
                     {.names = "--model", .key = "model", .value = "NAME",
                      .help = "The model name sent to the server"}),
          setting<S>(&S::api_key_env, {.names = "--api-key-env", .key = "api_key_env",
                                       .value = "VAR",
                                       .help = "Environment variable holding the API key"}),
          setting<S>(&S::remote, &R::endpoint,
                     {.names = "--endpoint", .key = "endpoint", .value = "NAME",
                      .help = "Which API the server is asked through",
                      .check = one_of({"completions", "chat"})}),
          setting<S>(&S::remote, &R::prompt_template,
                     {.names = "--prompt-template", .key = "prompt_template", .value = "NAME",
                      .help = "Prompt template: a name or a FILE"}),
          setting<S>(&S::remote, &R::revision_template,
                     {.names = "--revision-template", .key = "revision_template", .value = "NAME",
                      .help = "Revision prompt (--revisions): a name or a FILE"}),
          setting<S>(&S::remote, &R::max_tokens,
                     {.names = "--max-tokens", .key = "max_tokens", .value = "N",
                      .help = "Tokens per completion", .check = range(1, 1000000)}),
          setting<S>(&S::remote, &R::concurrency,
                     {.names = "--concurrency", .key = "concurrency", .value = "N",
                      .help = "HTTP requests in flight", .check = range(1, 4096)}),
          setting<S>(&S::remote, &R::samples_per_request,
                     {.names = "--samples-per-request", .key = "samples_per_request",
                      .value = "N",
                      .help = "Samples asked in one HTTP request (1 for servers that ignore n)",
                      .check = range(1, 128)}),
          setting<S>(&S::remote, &R::top_p,
                     {.names = "--top-p", .key = "top_p", .value = "P",
                      .help = "Nucleus sampling", .check = range(0, 1)}),
          setting<S>(&S::remote, &R::retries,
                     {.names = "--retries", .key = "retries", .value = "N",
                      .help = "Further attempts of a failed request (connection errors, 429, "
                              "5xx)",
                      .check = range(0, 100)}),
          setting<S>(&S::remote, &R::library_lemmas,
                     {.names = "--library-lemmas", .key = "library_lemmas", .value = "N",
                      .help = "Library lemmas a prompt's {library} lists, the most shared "
                              "information with the statement first", .check = range(0, 1000)}),
          setting<S>(&S::request_timeout_s,
                     {.names = "--request-timeout", .key = "request_timeout_s", .value = "S",
                      .help = "Seconds per HTTP request", .check = greater_than(0)}),
      }};
  return group;
}

const Group<MetricsSettings>& metrics_group() {
  using S = MetricsSettings;
  static const Group<S> group{
      "metrics",
      "`harness metrics`",
      {
          setting<S>(&S::db, {.names = "--db", .value = "FILE", .help = "SQLite store"}),
          setting<S>(&S::run, {.names = "--run", .value = "RUN",
                               .help = "Only this run (uuid or id)",
                               .default_text = "every run"}),
          setting<S>(&S::format, {.names = "--format", .value = "NAME",
                                  .help = "table: the top rows; json: every row, as JSON lines",
                                  .check = one_of({"table", "json"})}),
          setting<S>(&S::top, {.names = "--top", .value = "N", .help = "Rows per table",
                               .check = range(1, 100000)}),
          setting<S>(&S::recompute,
                     {.names = "--recompute",
                      .help = "Compute again even when the inputs are unchanged"}),
          setting<S>(&S::threads, {.names = "--threads", .value = "N",
                                   .help = "Threads for the computation (results do not depend "
                                           "on it)",
                                   .check = range(1, 256)}),
      }};
  return group;
}

const Group<DoctorSettings>& doctor_group() {
  using S = DoctorSettings;
  static const Group<S> group{
      "doctor",
      "`harness doctor`",
      {
          setting<S>(&S::workspace, {.names = "--workspace", .value = "DIR",
                                     .help = "Lean workspace",
                                     .default_text = "found as README's \"Lean workspace\" says"}),
          setting<S>(&S::repl, {.names = "--repl", .value = "CMD", .help = "REPL command",
                                .default_text = "lake env + the workspace's REPL binary"}),
          setting<S>(&S::selftest,
                     {.names = "--selftest",
                      .help = "Check known-good and known-bad proofs with real Lean"}),
          setting<S>(&S::timeout_s, {.names = "--timeout", .value = "S",
                                     .help = "Seconds per selftest proof",
                                     .check = greater_than(0)}),
          setting<S>(&S::sandbox, {.names = "--sandbox", .value = "MODE",
                                   .help = "Sandbox of the selftest's workers",
                                   .check = one_of({"bwrap", "none"}),
                                   .env = "HARNESS_SANDBOX"}),
          setting<S>(&S::workers,
                     {.names = "--workers,-j", .value = "N",
                      .help = "Workers of the run whose memory is sized (as score and search "
                              "take it)",
                      .default_text = "number of cores", .check = range(1, 1024)}),
          setting<S>(&S::spares,
                     {.names = "--spares", .value = "auto|N",
                      .help = "Warm spares of that run; auto counts as many as its memory bound "
                              "holds, at most 2 × workers"}),
          setting<S>(&S::spares_memory_mb,
                     {.names = "--spares-memory-mb", .value = "M",
                      .help = "The memory bound of auto spares in MiB",
                      .default_text = "80% of MemAvailable", .check = at_least(0)}),
          setting<S>(&S::max_rss_mb,
                     {.names = "--max-rss-mb", .value = "M",
                      .help = "The resident size counted per REPL process in MiB: the run's "
                              "recycle bound (0: none, and the memory cannot be told)",
                      .check = at_least(0)}),
      }};
  return group;
}

const Group<PruneSettings>& prune_group() {
  using S = PruneSettings;
  static const Group<S> group{
      "prune",
      "`harness prune`",
      {
          setting<S>(&S::db, {.names = "--db", .value = "FILE", .help = "SQLite store"}),
          setting<S>(&S::keep_days,
                     {.names = "--keep-days", .value = "N",
                      .help = "Attempts created more than N days ago go, with their "
                              "search_attempts and proof_metrics rows; runs (with their "
                              "summaries), tasks, the verification cache, epochs, checkpoints "
                              "and metrics computations stay",
                      .check = at_least(0), .required = true}),
          setting<S>(&S::command,
                     {.names = "--command", .value = "NAME",
                      .help = "Only attempts of this command's runs (all: every command's). "
                              "Serve traffic is what grows without end; score and search "
                              "attempts are a run's results (OUT rows, rollouts, resume, "
                              "metrics) and go only when asked for"}),
          setting<S>(&S::dry_run, {.names = "--dry-run",
                                   .help = "Count what would go; delete nothing"}),
      }};
  return group;
}

const Group<MergeSettings>& merge_group() {
  using S = MergeSettings;
  static const Group<S> group{
      "merge",
      "`harness merge`",
      {
          setting<S>(&S::inputs,
                     {.names = "inputs", .value = "STORE",
                      .help = "Stores to merge (serve replicas, Slurm shards), at this harness's "
                              "schema version; read, never written",
                      .required = true}),
          setting<S>(&S::out,
                     {.names = "--out,-o", .value = "FILE",
                      .help = "The store merged into: created when missing, else added to. Runs "
                              "by uuid, tasks and the verification cache by key, every row of a "
                              "run re-keyed; each run records the files it came from "
                              "(run_sources). Merging a store again adds nothing",
                      .required = true}),
          setting<S>(&S::allow_different_toolchains,
                     {.names = "--allow-different-toolchains",
                      .help = "Merge runs of different Lean toolchains into one store (refused "
                              "otherwise: their verdicts need not agree)"}),
      }};
  return group;
}

const Group<ReportSettings>& report_group() {
  using S = ReportSettings;
  static const Group<S> group{
      "report",
      "`harness report`",
      {
          setting<S>(&S::db, {.names = "--db", .value = "FILE", .help = "The store to report on"}),
          setting<S>(&S::runs, {.names = "--run", .value = "RUN",
                                .help = "A run's uuid, or latest (the run begun last); repeatable",
                                .default_text = "every run"}),
          setting<S>(&S::format,
                     {.names = "--format", .value = "NAME",
                      .help = "text; markdown (a table); json (one document, counts as numbers); "
                              "csv (a row per run and one for the total)",
                      .check = one_of({"text", "markdown", "json", "csv"})}),
          setting<S>(&S::html,
                     {.names = "--html", .value = "FILE",
                      .help = "Also write the report as one self-contained HTML file (inline CSS "
                              "and SVG charts, no script, nothing fetched): verdicts, pass rate "
                              "per split, pass@k, the learning curve and other per-epoch series, "
                              "time per proof, the slowest and most often timed-out tasks, the "
                              "compression metrics and, given two runs, the tasks one solved and "
                              "the other did not. --format still goes to stdout"}),
      }};
  return group;
}

const Group<TracesSettings>& traces_group() {
  using S = TracesSettings;
  static const Group<S> group{
      "traces",
      "`harness traces` (besides the engine's; docs/traces.md)",
      joined<S>({{
          setting<S>(&S::runs, {.names = "--run", .value = "RUN",
                                .help = "Only the verified proofs of this run: its uuid, id, or "
                                        "latest (the run begun last); repeatable",
                                .default_text = "every run"}),
          setting<S>(&S::out, {.names = "--out", .value = "FILE",
                               .help = "The JSONL file written: one line per step Lean reported "
                                       "(docs/traces.md)",
                               .required = true}),
      }, library_settings<S>("Check the proofs again on a lemma library's layers, as `score "
                             "--library` checked them: a store's version (--library-version) or a "
                             "`library export --json` file",
                             false)})};
  return group;
}

const Group<LibrarySettings>& library_group() {
  using S = LibrarySettings;
  static const Group<S> group{
      "library",
      "`harness library` (grow also takes the engine's; docs/library.md)",
      joined<S>({{
          setting<S>(&S::action, {.names = "action", .value = "ACTION",
                                  .help = "grow (lift lemmas from the verified proofs, keep those "
                                          "that shorten the network of proofs, record a new "
                                          "version), show (a version's lemmas) or export",
                                  .check = one_of({"grow", "show", "export"}),
                                  .required = true}),
          setting<S>(&S::runs, {.names = "--run", .value = "RUN",
                                .help = "grow: only the verified proofs of this run (uuid, id or "
                                        "latest); repeatable",
                                .default_text = "every run"}),
          setting<S>(&S::split, {.names = "--split", .value = "NAME",
                                 .help = "grow: only proofs of tasks of this split (train, so "
                                         "that held-out figures stay honest)",
                                 .default_text = "every split"}),
          setting<S>(&S::from, {.names = "--from", .value = "VERSION",
                                .help = "grow: the version grown from (its lemmas are kept): "
                                        "latest, a version, or none"}),
          setting<S>(&S::version, {.names = "--version", .value = "VERSION",
                                   .help = "show, export: latest or a version (library-v1:HEX, "
                                           "or a prefix of its hex)"}),
          },
          grow_settings<S>("grow", false),
          {
          setting<S>(&S::format, {.names = "--format", .value = "NAME",
                                  .help = "show: text or json (the export file's format)",
                                  .check = one_of({"text", "json"})}),
          setting<S>(&S::lean_out, {.names = "--lean", .value = "FILE",
                                    .help = "export: the lemmas as one Lean file under their "
                                            "header, for `lake build`"}),
          setting<S>(&S::json_out, {.names = "--json", .value = "FILE",
                                    .help = "export: the library as one JSON file (docs/library.md, \"Files\")"}),
          },
          propose_settings<S>("grow", false)})};
  return group;
}

const Group<CheckSettings>& check_group() {
  using S = CheckSettings;
  static const Group<S> group{
      "check",
      "`harness check` (besides those of `score`)",
      {
          setting<S>(&S::baseline,
                     {.names = "--baseline", .value = "DB|RUN",
                      .help = "Compare with a baseline: a store file (its latest check run, else "
                              "its latest score run, which must have completed) or a run's uuid "
                              "in --db; regressions and new passes are listed by name and task"}),
          setting<S>(&S::junit, {.names = "--junit", .value = "FILE",
                                 .help = "Write a JUnit XML report: one test case per line, "
                                         "Lean's messages in the failure text, timings"}),
          setting<S>(&S::cache,
                     {.names = "--cache",
                      .help = "Let the verification cache answer. Off by default: its key holds "
                              "the toolchain and the packages, not the workspace's own modules, "
                              "so after an edit to them a cached verdict may be stale"}),
      }};
  return group;
}

namespace {
// Not part of a run's record: where the run is found, how the resume shows progress.
const std::set<std::string>& unrecorded() {
  static const std::set<std::string> names{"--db", "--resume", "--no-progress"};
  return names;
}

// The engine options a search run's record (search_record) already holds by key.
std::set<std::string> keyed_engine_options() {
  std::set<std::string> names = unrecorded();
  for (const auto& setting : engine_group().settings) {
    if (!setting.spec.key.empty()) names.insert(primary_name(setting.spec));
  }
  return names;
}
}  // namespace

nlohmann::json score_options(const ScoreSettings& settings) {
  nlohmann::json out = nlohmann::json::object();
  record_options(score_group(), settings, out, unrecorded());
  record_options(engine_group(), static_cast<const EngineSettings&>(settings), out, unrecorded());
  return out;
}

void restore_score_options(ScoreSettings& settings, const nlohmann::json& recorded) {
  restore_options(score_group(), settings, recorded, settings.given, unrecorded());
  restore_options(engine_group(), static_cast<EngineSettings&>(settings), recorded,
                  settings.given, unrecorded());
}

nlohmann::json check_options(const CheckSettings& settings) {
  nlohmann::json out = score_options(settings);
  record_options(check_group(), settings, out, unrecorded());
  return out;
}

void restore_check_options(CheckSettings& settings, const nlohmann::json& recorded) {
  restore_score_options(settings, recorded);
  restore_options(check_group(), settings, recorded, settings.given, unrecorded());
}

nlohmann::json engine_options(const EngineSettings& settings) {
  nlohmann::json out = nlohmann::json::object();
  record_options(engine_group(), settings, out, keyed_engine_options());
  return out;
}

void restore_engine_options(EngineSettings& settings, const nlohmann::json& recorded) {
  restore_options(engine_group(), settings, recorded, settings.given, keyed_engine_options());
}

nlohmann::json search_record(const SearchSettings& settings) {
  nlohmann::json out = nlohmann::json::object();
  record(search_group(), settings, out);
  record(remote_policy_group(), settings, out);
  record(engine_group(), static_cast<const EngineSettings&>(settings), out);
  return out;
}

void restore_search(SearchSettings& settings, const nlohmann::json& recorded) {
  if (!recorded.is_object()) throw SettingError("recorded settings: not a JSON object");
  restore(search_group(), settings, recorded);
  restore(remote_policy_group(), settings, recorded);
  restore(engine_group(), static_cast<EngineSettings&>(settings), recorded);
}

namespace {
template <class S>
GroupRows group_rows(const Group<S>& g) {
  return {g.name, g.title, rows(g)};
}
}  // namespace

std::vector<GroupRows> all_groups() {
  return {group_rows(score_group()),   group_rows(engine_group()),
          group_rows(search_group()),  group_rows(remote_policy_group()),
          group_rows(metrics_group()), group_rows(doctor_group()),
          group_rows(serve_group()),   group_rows(prune_group()),
          group_rows(merge_group()),   group_rows(check_group()),
          group_rows(report_group()),  group_rows(traces_group()),
          group_rows(library_group())};
}

}  // namespace harness::settings

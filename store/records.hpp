#pragma once
// The values the store takes in and hands back. Verdicts and JSON columns are plain strings:
// the store checks that a verdict belongs to the shared vocabulary (pass, fail, incomplete,
// rejected, timeout, error, invalid) and that JSON text is valid JSON, nothing more.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace store {

// A run is running from begin_run until finish_run gives it one of the final statuses; a run
// whose process is gone without finishing it (killed, crashed, its machine rebooted) becomes
// abandoned when a later run begins on the same host (Store::begin_run).
enum class RunStatus { running, completed, failed, interrupted, abandoned };

// "running", "completed", "failed", "interrupted", "abandoned": the text stored in runs.status.
std::string_view to_string(RunStatus status);
// Inverse of to_string; nullopt for any other text.
std::optional<RunStatus> parse_run_status(std::string_view text);

// What tells the process that runs a run apart from every other process of its host, now and
// later: its pid, when it started (clock ticks after boot, field 22 of /proc/PID/stat, so that
// a pid reused by a later process is told apart), the kernel's boot id
// (/proc/sys/kernel/random/boot_id: a pid of an earlier boot is another process) and its pid
// namespace (/proc/self/ns/pid: a pid of another namespace, such as another container with the
// same host name, cannot be looked up from here). Read by store::this_process (process.hpp).
struct ProcessIdentity {
  int64_t pid = 0;
  int64_t start_ticks = 0;
  std::string boot_id;        // "" when unknown
  std::string pid_namespace;  // "pid:[4026531836]"; "" when unknown

  bool operator==(const ProcessIdentity&) const = default;
};

// What begin_run records about a run before any attempt.
struct RunInfo {
  std::string command;        // the subcommand, e.g. "score"
  std::string argv_json;      // JSON array of the command-line arguments
  std::string toolchain;      // identity of the Lean toolchain
  std::string repl;           // command line / identity of the REPL
  std::string settings_json;  // JSON object of the effective settings
  std::string input_path;     // the input file, "" when there is none
  std::optional<std::string> input_sha256;
  std::optional<std::string> host;
  // The process that runs it, on `host`; absent: the calling process (this_process()).
  std::optional<ProcessIdentity> process = std::nullopt;
};

// A task, addressed by `task_id`, a hash of its content computed by the caller.
struct TaskRecord {
  std::string task_id;
  std::string name;
  std::string header;
  std::string statement;
  std::optional<std::string> split;

  bool operator==(const TaskRecord&) const = default;
};

// One checked candidate, as written by Store::record.
struct AttemptRecord {
  int64_t run_id = 0;
  int64_t line = 0;  // identifies the attempt within its run
  std::string name;
  std::optional<TaskRecord> task;  // absent when the line matched no task
  std::string verdict;
  std::string decided_by;
  std::string reason;
  std::optional<double> reward;  // absent when the verdict carries no reward
  int64_t elapsed_ms = 0;
  bool cached = false;  // true when the verdict was read from the verification cache
  std::optional<std::string> axioms_json;  // JSON array, absent when Lean was not asked
  std::string messages_json = "[]";        // JSON array
  std::string proof;
  std::optional<std::string> cache_key;  // the verification cache key, if one was computed
  // JSON array of the constants Lean reported for the proof's tactics ("allTactics"), absent
  // when Lean was not asked.
  std::optional<std::string> used_constants_json;
};

// Cache hits counted and not yet written: cache key → hits.
using CacheHits = std::unordered_map<std::string, int64_t>;

// A verification cache entry, as returned by Store::lookup_cache.
struct CachedVerdict {
  std::string verdict;
  std::string decided_by;
  std::string reason;
  int64_t elapsed_ms = 0;  // time of the original check
  std::optional<std::string> axioms_json;
  std::string messages_json;
  std::optional<std::string> used_constants_json;  // absent when the check did not ask
};

// A row of `runs`.
struct RunRow {
  int64_t id = 0;
  std::string uuid;
  std::string command;
  std::string argv_json;
  std::string started_at;
  std::optional<std::string> ended_at;  // absent while running
  RunStatus status = RunStatus::running;
  std::string toolchain;
  std::string repl;
  std::string settings_json;
  std::string input_path;
  std::optional<std::string> input_sha256;
  std::optional<std::string> summary_json;
  std::optional<std::string> host;
  // The process that ran it last (begin_run, or reopen_run on resume); absent for runs
  // recorded before schema version 4.
  std::optional<ProcessIdentity> process;
};

// A row of `attempts`.
struct AttemptRow {
  int64_t run_id = 0;
  int64_t line = 0;
  std::string name;
  std::optional<std::string> task_id;
  std::string verdict;
  std::string decided_by;
  std::string reason;
  std::optional<double> reward;
  int64_t elapsed_ms = 0;
  bool cached = false;
  std::optional<std::string> axioms_json;
  std::string messages_json;
  std::string proof;
  std::optional<std::string> cache_key;
  std::string created_at;
  std::optional<std::string> used_constants_json;
};

// One attempt as `harness report` reads it (Store::attempt_summaries): no proof, messages or
// axioms, with its task's recorded name and split (absent when the line matched no task, or
// the task has no split).
struct AttemptSummary {
  int64_t run_id = 0;
  int64_t line = 0;
  std::string name;  // the task name as given in the input
  std::optional<std::string> task_id;
  std::optional<std::string> task_name;  // the name the task was first recorded with
  std::optional<std::string> split;
  std::string verdict;
  std::string decided_by;
  std::optional<double> reward;
  int64_t elapsed_ms = 0;
  bool cached = false;
};

// One sampled candidate of a search run, as written by Store::record_search: the attempt
// itself (written exactly as by Store::record) and what the search knows about it.
struct SearchAttemptRecord {
  AttemptRecord attempt;
  int64_t epoch = 0;        // from 0
  std::string phase;        // "train" or "eval"
  int64_t group_index = 0;  // the task group within the epoch
  int64_t sample = 0;       // the sample's index within its group
  std::string mode;         // "whole" (whole proofs) or "step" (step-by-step search)
  std::string policy_version;
  std::string prompt;
  std::string completion;
  std::optional<double> advantage;        // absent when none was computed
  std::optional<double> logprob;          // absent when the policy reports none
  std::optional<int64_t> expansions;      // step mode: expansions spent
  std::optional<std::string> extra_json;  // policy-specific JSON
  int64_t round = 0;                      // 0: a first try; r: the r-th revision
  std::optional<int64_t> revises;         // the line of the attempt it revises
};

// A row of `search_attempts` with its `attempts` row.
struct SearchAttemptRow {
  AttemptRow attempt;
  int64_t epoch = 0;
  std::string phase;
  int64_t group_index = 0;
  int64_t sample = 0;
  std::string mode;
  std::string policy_version;
  std::string prompt;
  std::string completion;
  std::optional<double> advantage;
  std::optional<double> logprob;
  std::optional<int64_t> expansions;
  std::optional<std::string> extra_json;
  int64_t round = 0;
  std::optional<int64_t> revises;
};

// A policy checkpoint taken at the end of an epoch, with the search loop's state.
struct CheckpointRecord {
  int64_t run_id = 0;
  int64_t epoch = 0;
  std::string policy_kind;
  std::string policy_version;
  std::string bytes;   // opaque, binary-safe (may hold NULs)
  std::string sha256;  // lower-case hex of bytes: filled by the store on read; ignored on write
  std::string state_json = "{}";  // the loop state (curriculum, counters), JSON
  std::string created_at;         // filled by the store on read; ignored on write

  bool operator==(const CheckpointRecord&) const = default;
};

// One row of the learning curve: the totals of a finished epoch.
struct EpochRecord {
  int64_t run_id = 0;
  int64_t epoch = 0;
  std::string phase;  // "train" or "eval"
  int64_t tasks = 0;
  int64_t attempts = 0;
  int64_t passes = 0;
  int64_t errors = 0;
  std::optional<double> pass_rate;    // absent when no attempt was rewarded
  std::optional<double> mean_reward;  // absent when no attempt was rewarded
  std::optional<double> entropy;      // absent when unknown
  int64_t new_solved = 0;             // tasks solved for the first time in this epoch
  double seconds = 0;
  std::string stats_json = "{}";
  // With a lemma library (search --grow-library): its size in lemmas and the total description
  // length of library + proofs in bytes at the end of the epoch; absent without one.
  std::optional<int64_t> library_size{};
  std::optional<int64_t> description_bytes{};

  bool operator==(const EpochRecord&) const = default;
};

// Per task and epoch: n rewarded samples, c passes among them (enough to recompute pass@k).
struct TaskSampleRecord {
  int64_t run_id = 0;
  int64_t epoch = 0;
  std::string task_id;  // must already be in `tasks`
  std::string split;
  int64_t n = 0;
  int64_t c = 0;

  bool operator==(const TaskSampleRecord&) const = default;
};

// --- Retention (`harness prune`, `harness serve --retain-days`) ---

// Which attempts Store::prune_attempts deletes: those created more than keep_days days ago.
struct PruneOptions {
  int64_t keep_days = 0;  // attempts created before now minus this many days go (0: all)
  std::optional<std::string> command = std::nullopt;  // only of runs of this command; absent: any
  int64_t limit = 0;       // at most this many, the oldest first; 0: no bound
  bool dry_run = false;    // count what would go; delete nothing
};

// What prune_attempts deleted (or, dry, would delete).
struct PruneCounts {
  std::string cutoff;  // attempts created before this time went (ISO-8601 UTC, as created_at)
  int64_t attempts = 0;
  int64_t search_attempts = 0;  // their search rows
  int64_t proof_metrics = 0;    // their rows of metrics computations

  bool operator==(const PruneCounts&) const = default;
};

// --- Merging stores (`harness merge`) ---

// What Store::inspect reads of a store file without changing it.
struct StoreFacts {
  int schema_version = 0;
  std::vector<std::string> toolchains;  // of its runs, distinct, sorted
  int64_t runs = 0;
};

// What Store::merge_from added: rows per table (runs: the runs new to the store), and the runs
// already there that the source's copy brought further (a run that finished since, its new
// attempts). Metrics computations over a whole source store are not merged (merge.cpp).
struct MergeCounts {
  std::map<std::string, int64_t> added;
  int64_t runs_updated = 0;
  int64_t computations_skipped = 0;  // of scope 'all' in the source (or using their dictionaries)
};

// --- Proof compression metrics (`harness metrics`) ---
// Every member has a default, so designated initializers may leave any of them out.

// A passing attempt with its task, as Store::verified_proofs lists them.
struct VerifiedProof {
  int64_t run_id = 0;
  int64_t line = 0;
  std::string task_id{};
  std::string task_name{};                           // the task's recorded name
  std::string proof{};                               // the candidate text exactly as submitted
  std::optional<std::string> used_constants_json{};  // JSON array; absent when Lean was not asked
  std::string statement{};
  std::string header{};
  std::optional<std::string> split{};  // the task's recorded split (tasks.split), if any

  bool operator==(const VerifiedProof&) const = default;
};

// The scope text of a metrics computation: "all" for every run, else the run id in decimal.
std::string metrics_scope(std::optional<int64_t> run_id);

// One computation of the metrics: its scope, what decided the figures and their totals.
struct MetricsComputation {
  int64_t id = 0;       // filled by the store on read; ignored on write
  std::string scope{};  // "all" or a run id in decimal (metrics_scope)
  std::string params_json = "{}";
  std::string summary_json = "{}";
  std::string created_at{};  // filled by the store on read; ignored on write

  bool operator==(const MetricsComputation&) const = default;
};

// A compression dictionary of a computation, one per cross-fitting fold.
struct DictionaryRecord {
  int64_t id = 0;  // filled by the store on read; ignored on write
  std::string version{};
  int64_t fold = 0;
  std::string kind{};  // "zdict", "raw" or "empty"
  int64_t samples = 0;
  std::string params_json = "{}";
  std::string bytes{};   // opaque, binary-safe (may hold NULs)
  std::string sha256{};  // lower-case hex of bytes: filled by the store on read; ignored on write
  std::string created_at{};  // filled by the store on read; ignored on write
  int64_t computation = 0;   // filled by the store on read; ignored on write

  bool operator==(const DictionaryRecord&) const = default;
};

// ProofMetricsRecord::dictionary_id, when writing, for the dictionary at `index` of the
// `dictionaries` given to the same Store::record_metrics call: -1 - index (so -1 is the first).
// A positive dictionary_id names a dictionary already in the store (of an earlier
// computation). On read, dictionary_id is always the dictionary's id in the store.
constexpr int64_t dictionary_in_call(std::size_t index) {
  return -1 - static_cast<int64_t>(index);
}

// Per verified proof (an attempt) and computation. Sizes in bytes of zstd frames.
struct ProofMetricsRecord {
  int64_t run_id = 0;
  int64_t line = 0;
  int64_t bytes = 0;  // size of the proof text
  int64_t tactics = 0;
  int64_t c = 0;                // C(x)
  int64_t c_given_library = 0;  // C(x | L), with the dictionary of the proof's fold
  int64_t shared = 0;           // c - c_given_library
  double novelty = 1.0;         // c_given_library / c
  int64_t fold = 0;
  std::optional<int64_t> dictionary_id{};  // see dictionary_in_call; absent: no dictionary

  bool operator==(const ProofMetricsRecord&) const = default;
};

// Per task and computation.
struct TaskMetricsRecord {
  std::string task_id{};  // must already be in `tasks`
  int64_t proofs = 0;
  std::optional<double> diversity{};  // mean pairwise NCD; absent with fewer than two proofs

  bool operator==(const TaskMetricsRecord&) const = default;
};

// Per declaration and computation. (name, digest) identifies it within the computation.
struct DeclarationMetricsRecord {
  std::string name{};
  int64_t reuse = 0;                  // verified proofs that use it
  std::string method{};               // "lean", "text" or "mixed": how uses were found
  std::optional<int64_t> mdl_gain{};  // absent when unknown
  std::string digest{};               // SHA-256 hex of its text; "" when the text is unknown
  std::optional<int64_t> c{};         // C(text), absent when the text is unknown
  int64_t declared_in = 0;            // proofs that declare it; 0: visible to every proof

  bool operator==(const DeclarationMetricsRecord&) const = default;
};

}  // namespace store

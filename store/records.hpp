#pragma once
// The values the store takes in and hands back. Verdicts and JSON columns are plain strings:
// the store checks that a verdict belongs to the shared vocabulary (pass, fail, incomplete,
// rejected, timeout, error, invalid) and that JSON text is valid JSON, nothing more.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace store {

enum class RunStatus { running, completed, failed, interrupted };

// "running", "completed", "failed", "interrupted": the text stored in runs.status.
std::string_view to_string(RunStatus status);
// Inverse of to_string; nullopt for any other text.
std::optional<RunStatus> parse_run_status(std::string_view text);

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
};

// A verification cache entry, as returned by Store::lookup_cache.
struct CachedVerdict {
  std::string verdict;
  std::string decided_by;
  std::string reason;
  int64_t elapsed_ms = 0;  // time of the original check
  std::optional<std::string> axioms_json;
  std::string messages_json;
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
};

}  // namespace store

#pragma once
// A checked candidate as the harness keeps it (Row), and its conversions to the store's records
// and from the verification cache. Shared by `score` and `search`.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/heartbeats.hpp"
#include "lean-bridge/check.hpp"
#include "store/records.hpp"
#include "tasks/candidate.hpp"

namespace harness {

// A finished line or attempt, before it is written.
struct Row {
  uint64_t seq = 0;  // its place among the pipeline's additions (harness/pipeline.hpp)
  int64_t line = 0;
  std::string name;
  std::optional<store::TaskRecord> task;
  lean_bridge::Verdict verdict = lean_bridge::Verdict::error;
  lean_bridge::DecidedBy decided_by = lean_bridge::DecidedBy::worker;
  std::string reason;
  std::string error;  // FILE:LINE: field: problem, for `invalid`
  int64_t elapsed_ms = 0;
  bool cached = false;
  std::optional<std::string> axioms_json;
  std::string messages_json = "[]";
  std::string proof;
  std::optional<std::string> cache_key;
  std::optional<std::string> used_constants_json;  // what Lean reported, when asked
};

// How verdicts are reached, beyond the proof: every field of it is part of the cache key.
struct CheckIdentity {
  std::string toolchain;
  std::string repl;
  std::string guard_version;
  std::string sandbox;  // the sandbox and options such as the kernel replay
  // The heartbeat budget (--heartbeats, Lean's maxHeartbeats units): it decides the limit each
  // check runs under (harness/heartbeats.hpp).
  int64_t heartbeats = kDefaultHeartbeats;
};

// A row for a candidate, before its verdict: its name, task and proof.
Row candidate_row(const tasks::Candidate& candidate);
void set_verdict(Row& row, lean_bridge::Verdict verdict, lean_bridge::DecidedBy by,
                 std::string reason);
store::AttemptRecord attempt_record(int64_t run_id, const Row& row);
// The same, taking the row's texts instead of copying them.
store::AttemptRecord attempt_record(int64_t run_id, Row&& row);
store::TaskRecord task_record(const tasks::Task& task);
void apply_cached(Row& row, const store::CachedVerdict& hit);
// A resumed run's line that already has its attempt in the store: the row read from the input
// (candidate_row, or an invalid line's) takes the recorded verdict and everything Lean said.
void apply_recorded(Row& row, const store::AttemptRow& recorded);
void apply_result(Row& row, const lean_bridge::CheckResult& result);
// The candidate's verification cache key; `library`: the version of the library layer it is
// checked on (lean_bridge::LibraryLayer::version), "" for none.
std::string verification_key(const CheckIdentity& identity, const tasks::Candidate& candidate,
                             std::string_view library = {});

}  // namespace harness

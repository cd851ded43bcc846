#pragma once
// Reading the tactic traces `harness traces` writes (docs/traces.md): one JSON object per line,
// one line per step Lean reported for a verified proof. What a step prover is fitted on:
// (task, goal before, tactic, goals after) records.
//
// Contract:
// - parse_trace_line reads one line: a JSON object with "format" equal to kTraceFormat and the
//   fields below of the right types (other keys are ignored, so later versions may add some).
//   A problem comes back as a FieldProblem naming the key at fault; nothing throws.
// - read_traces reads a whole file; blank lines are skipped. A file that cannot be read, or a
//   bad line, throws InputError "FILE:LINE: field: problem".
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tasks/json_line.hpp"

namespace tasks {

inline constexpr std::string_view kTraceFormat = "harness-trace-v1";

struct TraceRecord {
  std::string proof_id;   // the verified attempt: "RUN-UUID:LINE"
  std::string task_id;
  std::string task_name;  // "" when the task has none
  int64_t step = 0;       // index among the proof's steps, in Lean's tree order
  std::string tactic;     // the tactic's text as the proof wrote it
  std::vector<std::string> goals_before;  // every goal before the step, as Lean prints it
  std::vector<std::string> goals_after;   // every goal after it ([]: the step closed them)
  int64_t depth = 0;     // enclosing steps (a tactic inside a `have ... := by` is one deeper)
  int64_t parent = -1;   // the enclosing step's index, -1 for none
  bool is_have = false;  // Lean names the step's syntax a `have`

  // The goal the tactic acts on: the first of goals_before ("" when there is none).
  const std::string& goal_before() const;
  bool operator==(const TraceRecord&) const = default;
};

std::variant<TraceRecord, FieldProblem> parse_trace_line(std::string_view line);
std::vector<TraceRecord> read_traces(const std::string& path);

}  // namespace tasks

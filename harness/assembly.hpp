#pragma once
// Turns a candidate line into what Lean is asked to check: the imports a worker must hold,
// the rest of the header, the text to elaborate and the declaration whose axioms decide the
// verdict. A candidate that cannot be assembled gets its verdict here, without Lean.
#include <cstdint>
#include <optional>
#include <string>

#include "lean-bridge/check.hpp"
#include "lean-bridge/guard.hpp"
#include "tasks/candidate_reader.hpp"

namespace harness {

struct EarlyVerdict {
  lean_bridge::Verdict verdict;
  lean_bridge::DecidedBy decided_by;
  std::string field;  // the input field at fault, for `invalid`
  std::string reason;
};

struct Assembly {
  lean_bridge::CheckRequest request;  // id left to the caller
  std::optional<EarlyVerdict> early;  // set when Lean is not to be asked
  // The request runs in its task's header (imports and rest), not a whole file's own imports:
  // the library layer of that header applies to it (harness/library_layers.hpp).
  bool on_task_header = true;
};

// The guard reads what the candidate wrote first (a refusal means Lean is not asked): the line's
// own header (GuardMode::header) and formal_statement (GuardMode::statement) when they came
// from the line (tasks::TextSource::line), then the proof. A header or statement from the user
// (--tasks, --header, --header-file) is trusted and not read.
//
// The request runs under the heartbeat budget `heartbeats` (harness/heartbeats.hpp): the
// header's rest ends with `set_option maxHeartbeats E` (E: the task header's own value capped
// at the budget), and every `set_option maxHeartbeats V` of the checked text and the statement
// is capped at E. The guard reads the texts as the line wrote them, before any capping.
Assembly assemble(const tasks::Candidate& candidate, const lean_bridge::Guard& guard,
                  int64_t heartbeats);

}  // namespace harness

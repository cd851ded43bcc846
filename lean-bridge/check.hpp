#pragma once
// What the bridge is asked to check, and what it answers.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lean-bridge/infotree.hpp"
#include "lean-bridge/repl_answer.hpp"
#include "lean-bridge/verdict.hpp"

namespace lean_bridge {

using Clock = std::chrono::steady_clock;

// What one check may spend. Empty fields take the worker's defaults.
struct CheckBudget {
  // Wall clock for the candidate's own elaboration (header time is never counted); nothing:
  // WorkerOptions::proof_timeout.
  std::optional<std::chrono::milliseconds> wall;
};

// Lemmas elaborated once per worker as an environment of their own on top of the header's
// (issue 15's library layer): the reference and the candidate run on it, so a proof may use
// them, and `#print axioms` of its target sees through them (docs/lean-assumptions.md, A29).
// Not part of the header: task ids stay the same with or without a library.
struct LibraryLayer {
  // Names the text; workers key the layer's environment by (header rest, version). "": no layer.
  std::string version;
  std::shared_ptr<const std::string> text;  // the lemmas' declarations, in library order
  bool empty() const { return version.empty(); }
};

struct CheckRequest {
  uint64_t id = 0;          // the caller's tag, returned in the result
  std::string imports;      // canonical import lines; workers are keyed by them
  std::string header_rest;  // elaborated once per worker on top of the imports ("" for none)
  LibraryLayer library;     // elaborated once per worker on top of the header (none by default)
  std::string body;         // the candidate's Lean text, checked in the header's environment
  int64_t line_offset = 0;  // added to message lines so positions refer to the caller's text
  std::string target;       // the declaration whose axioms Lean is asked for
  // The task's own statement ("theorem NAME ... := by"): elaborated as a reference before the
  // candidate runs, and the target's type must be the reference's. "" skips that check.
  std::string statement;
  // Ask Lean for the constants the proof's tactics use ("allTactics"): CheckResult::used_constants.
  bool used_constants = false;
  // Ask Lean for the proof's infotree ("infotree": "substantive"): CheckResult::steps.
  bool tactic_steps = false;
  CheckBudget budget;
  // A checker takes higher priorities first (an interactive request before a batch's queued
  // ones); equal priorities in submission order.
  int priority = 0;
};

struct CheckResult {
  uint64_t id = 0;
  Verdict verdict = Verdict::error;
  DecidedBy decided_by = DecidedBy::worker;
  std::string reason;
  std::vector<Message> messages;                   // Lean's, positions shifted
  std::optional<std::vector<std::string>> axioms;  // nothing when Lean was not asked
  int64_t elapsed_ms = 0;                          // the check's time (header time excluded)
  int tries = 0;                                   // workers the check was sent to
  // What Lean reported the proof's tactics use, when asked (CheckRequest::used_constants).
  std::optional<std::vector<std::string>> used_constants;
  // The steps Lean reported for the checked text (lean-bridge/infotree.hpp), when asked
  // (CheckRequest::tactic_steps) and Lean answered; positions shifted like the messages'.
  std::optional<std::vector<TraceStep>> steps;
  std::string steps_error;  // why steps is empty although asked: the tree could not be read
};

}  // namespace lean_bridge

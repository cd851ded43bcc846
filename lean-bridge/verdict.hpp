#pragma once
// The verdict vocabulary (one everywhere: CLI, JSONL, SQLite, HTTP) and the rules that read it
// off Lean's answers. The harness may only make a verdict worse: `pass` comes from Lean's
// answer alone, and only when every check agrees; anything unreadable fails closed.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lean-bridge/repl_answer.hpp"

namespace lean_bridge {

enum class Verdict { pass, fail, incomplete, rejected, timeout, error, invalid };
// `timeout`: the wall clock stopped the check (the process was killed); `heartbeats`: Lean's own
// heartbeat limit stopped it with an error, which comes out the same on any machine and load.
enum class DecidedBy {
  guard, lean, axioms, statement, nonce, timeout, worker, input, kernel, heartbeats
};

std::string_view to_string(Verdict verdict);
std::string_view to_string(DecidedBy decided_by);
std::optional<Verdict> parse_verdict(std::string_view text);
std::optional<DecidedBy> parse_decided_by(std::string_view text);

// Axioms any proof may use; everything else makes a proof `rejected` (sorryAx: `incomplete`).
inline constexpr std::string_view kStandardAxioms[] = {"propext", "Classical.choice",
                                                       "Quot.sound"};
inline constexpr std::string_view kSorryAxiom = "sorryAx";

struct Judgement {
  Verdict verdict;
  DecidedBy decided_by;
  std::string reason;
};

// Lean's answer to the candidate's command: errors → fail, sorries → incomplete. Returns
// nothing when the answer is clean and the axioms must be asked next.
std::optional<Judgement> judge_check(const CommandAnswer& answer);

// True for Lean's heartbeat error, whatever it nests in: the text holds "(deterministic)
// timeout" and "maximum number of heartbeats" (Lean's throwMaxHeartbeat, for `maxHeartbeats`
// and `synthInstance.maxHeartbeats` alike; docs/lean-assumptions.md, A24).
bool is_heartbeat_error(std::string_view data);

// A check Lean failed with a heartbeat error among its error messages: `timeout`, decided by
// `heartbeats`, with that message's line as the reason. Nothing otherwise. Applied only to a
// `fail` that Lean decided, so that it relabels one zero-reward verdict as another and never
// makes a pass (a candidate printing that text itself gains nothing).
std::optional<Judgement> judge_heartbeats(const std::vector<Message>& messages);

// What `#print axioms TARGET` printed, read strictly.
struct AxiomsAnswer {
  std::optional<std::vector<std::string>> axioms;  // empty when unreadable
  std::string problem;                             // why it is unreadable
};
AxiomsAnswer read_axioms(const CommandAnswer& answer, std::string_view target);

// The final step: standard axioms → pass; sorryAx → incomplete; others → rejected.
Judgement judge_axioms(const std::vector<std::string>& axioms);

}  // namespace lean_bridge

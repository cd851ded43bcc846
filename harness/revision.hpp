#pragma once
// What a policy is told about an attempt that did not pass (`search --revisions`): Lean's
// error messages with their positions made relative to the proof the policy wrote, and the
// goals Lean printed in an `unsolved goals` error. docs/search.md, "Revisions".
#include <string>

#include "harness/rows.hpp"
#include "policy/policy.hpp"

namespace harness {

// The attempt's row (its verdict, reason and messages_json as recorded) → Feedback. The
// messages' positions count from the statement's first line for a continuation proof (the
// harness put the statement before it) and from the file's first line for a whole file;
// they become proof lines: line 1 is the proof's first line, 0 and below are in the statement.
// A column on the line the statement and the proof share (a statement without a final
// newline) is made relative to where the proof starts. Only `error` messages are kept.
policy::Feedback feedback_for(const Row& row, const std::string& statement, bool whole_file);

// The attempts that get a revision: Lean judged them and they did not pass (fail, incomplete,
// rejected, timeout). `error` (nothing was judged) and `pass` do not.
bool revisable(const Row& row);

}  // namespace harness

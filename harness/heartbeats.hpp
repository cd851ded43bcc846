#pragma once
// Heartbeat budgets (README, "Heartbeat budgets"): every check runs under Lean's own
// deterministic limit on elaboration, `maxHeartbeats`, in Lean's option units (what
// `set_option maxHeartbeats N` takes; Lean counts N * 1000 heartbeats). A stop by heartbeats is
// an error message after which the REPL process lives on, and it comes out the same on every
// machine and under any load; the wall-clock timeout stays the backstop.
//
// Contract:
// - The limit of a check (effective_heartbeats) is the task header's own last top-level
//   `set_option maxHeartbeats V` capped at the budget N (V = 0, "no limit" for Lean, means N
//   here), or N when the header sets none. It is applied by one line appended to the header's
//   rest (with_heartbeat_limit), which the worker elaborates once before any proof, so the
//   option reaches every proof checked in that environment; different limits give different
//   texts, hence different header environments.
// - A candidate's own `set_option maxHeartbeats V` (a `... in` inside a proof, a command-level
//   line of a whole file, a `... in` before a statement) is capped the same way
//   (cap_heartbeats): V above the limit, or 0, becomes the limit. Only integer literals are
//   rewritten (decimal, `_` separators, 0x/0b/0o, read by value); any other value is left as it
//   is: Lean refuses a value that is not a numeral for a numeric option, and the guard's
//   verdict on the text stands. Comments and strings are never touched (the shared lexer
//   decides); line numbers never change, and columns neither when the new number is not
//   longer than the old one (it is padded with spaces).
// - `synthInstance.maxHeartbeats` (instance search's own budget) is not capped.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace harness {

// The default budget: what DeepSeek-Prover's and Goedel-Prover's prompt headers set (Lean's
// own default is 200000).
inline constexpr int64_t kDefaultHeartbeats = 400000;

// The value of the last top-level `set_option maxHeartbeats V` of `header` (not the `... in`
// forms), when V is an integer literal; values past 2^64 - 1 read as 2^64 - 1.
std::optional<uint64_t> header_max_heartbeats(std::string_view header);

// The limit a check runs under: the header's own value capped at `budget` (0 means `budget`),
// or `budget` when the header sets none. `budget` must be at least 1.
int64_t effective_heartbeats(std::string_view header, int64_t budget);

// The line that applies `limit`: "set_option maxHeartbeats LIMIT\n".
std::string heartbeat_line(int64_t limit);

// `rest` (a header's rest, possibly empty) followed by heartbeat_line(limit), on a line of its
// own.
std::string with_heartbeat_limit(std::string_view rest, int64_t limit);

// `text` with the value of every `set_option maxHeartbeats V` that is 0 or above `limit`
// rewritten to `limit` (see the contract above).
std::string cap_heartbeats(std::string_view text, int64_t limit);

}  // namespace harness

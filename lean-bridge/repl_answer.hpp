#pragma once
// The REPL's answers as the bridge's own types. This header and repl_answer.cpp are the only
// place that knows the REPL's JSON shapes (see docs/lean-assumptions.md). Parsing is lossless:
// keys the bridge does not model (tactics, infotree, declarations...) are kept verbatim as
// JSON text in `extra_json`, and to_json(parse(x)) == x as JSON values.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lean_bridge {

struct Position {
  int64_t line = 0;    // 1-based
  int64_t column = 0;  // 0-based, in code points
  bool operator==(const Position&) const = default;
};

// A position field can be absent, JSON null (parse errors at end of input), or a position.
struct OptionalPosition {
  enum class State { absent, null, value };
  State state = State::absent;
  Position value;
  bool has_value() const { return state == State::value; }
};

struct Message {
  std::string severity;  // "error" | "warning" | "info" (kept as Lean wrote it)
  OptionalPosition pos;
  OptionalPosition end_pos;
  std::string data;
  std::string extra_json;  // unknown keys, as a JSON object text ("" when none)
};

struct Sorry {
  std::optional<int64_t> proof_state;
  OptionalPosition pos;
  OptionalPosition end_pos;
  std::optional<std::string> goal;
  std::string extra_json;
};

// Answer to {"cmd"} / {"path"}: {"env", "messages", "sorries", ...}.
struct CommandAnswer {
  std::optional<int64_t> env;
  std::vector<Message> messages;
  std::vector<Sorry> sorries;
  bool has_messages_key = false;  // for lossless output: empty lists are normally omitted
  bool has_sorries_key = false;
  std::string extra_json;
};

// Answer to {"tactic", "proofState"}.
struct TacticAnswer {
  std::string proof_status;
  std::optional<int64_t> proof_state;
  std::vector<std::string> goals;
  std::vector<Message> messages;
  std::vector<Sorry> sorries;
  bool has_goals_key = false;
  bool has_messages_key = false;
  bool has_sorries_key = false;
  std::string extra_json;
};

// {"message": "Unknown environment."} and other exceptions the REPL caught.
struct ReplError {
  std::string message;
  std::string extra_json;
};

using Answer = std::variant<CommandAnswer, TacticAnswer, ReplError>;

struct ParsedAnswer {
  std::optional<Answer> answer;
  std::string error;  // "JSON-PATH: problem" when answer is empty
};

// Parses one frame of REPL output (one JSON value). Never throws on bad input.
ParsedAnswer parse_answer(std::string_view frame);

namespace detail {
// parse_answer's two readers, for the test that compares them: the direct one, for a
// command's answer in the plain subset it knows (nullopt for any other text), and the general
// one, for every text.
std::optional<CommandAnswer> parse_plain_command(std::string_view frame);
ParsedAnswer parse_answer_generally(std::string_view frame);
}  // namespace detail

// Serialises back to compact JSON text (used by the lossless test and for storing answers).
std::string to_json(const Answer& answer);

// Messages as a compact JSON array in the REPL's own shape (the form OUT and the store use).
std::string messages_to_json(const std::vector<Message>& messages);

bool is_error(const Message& message);

// The constants Lean reports as used by the tactics of a command asked with "allTactics": the
// union of every `tactics[].usedConstants`, sorted and without duplicates. nullopt when the
// answer has no readable `tactics` list (not asked, or a shape the bridge does not know).
std::optional<std::vector<std::string>> used_constants(const CommandAnswer& answer);

}  // namespace lean_bridge

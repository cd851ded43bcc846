#pragma once
// Kimina Lean Server's wire format (docs/serve-clients.md, section 1), both generations:
// `POST /verify` (= `/one_pass_verify_batch`) with `codes`, and `POST /api/check` with
// `snippets`. Reading a request body, with the JSON path of the first problem, and writing the
// answer for what the harness decided about each snippet, in the shape Kimina's clients parse:
// Lean's messages with positions relative to the text after the leading import lines, sorries,
// `env`, and `error` for a timeout or a failure of the harness itself. Every result also
// carries the harness's own `verdict`, `decided_by` and `reward`, and a verdict other than pass
// always shows as an error-severity message or an `error`, because clients judge a snippet
// valid when they see neither.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "lean-bridge/verdict.hpp"

namespace serve::kimina {

enum class Endpoint { verify, check };  // /verify and its alias; /api/check

struct Snippet {
  nlohmann::json id;                // custom_id (string or integer, echoed as sent) or id
  std::optional<std::string> code;  // nothing: the entry had neither `proof` nor `code`
};

struct Request {
  Endpoint endpoint = Endpoint::verify;
  std::vector<Snippet> snippets;
  double timeout_s = 300;  // per snippet; Kimina's defaults: 300 (/verify), 30 (/api/check)
  bool use_cache = true;   // !disable_cache (/verify), reuse (/api/check)
  bool debug = false;
  std::optional<std::string> infotree;  // asked for; the harness does not return infotrees
};

// A body the server refuses (HTTP 400): where and why.
struct BadRequest {
  std::string path;     // "codes[2].custom_id", "$" for the whole body
  std::string problem;  // "expected a string or an integer"
  std::string detail() const { return path + ": " + problem; }
  int status = 400;     // 413 when there are more snippets than allowed
};

std::variant<Request, BadRequest> parse_request(Endpoint endpoint, std::string_view body,
                                                size_t max_snippets);

// Kimina's split of a snippet: its leading lines that are blank or start with `import `, and
// the rest, whose first line is line `body_line` of the snippet. Kimina's clients read message
// positions relative to the rest.
struct SplitCode {
  std::string header;
  std::string body;
  int64_t body_line = 1;
};
SplitCode split_code(std::string_view code);

// What the harness decided about one snippet.
struct Outcome {
  lean_bridge::Verdict verdict = lean_bridge::Verdict::error;
  lean_bridge::DecidedBy decided_by = lean_bridge::DecidedBy::worker;
  std::string reason;
  std::optional<double> reward;  // null: the code proves no task anybody asked for
  // Lean's messages as the harness stores them (lean_bridge::messages_to_json: positions in
  // the snippet's own lines) and the sorries, if any.
  nlohmann::json messages = nlohmann::json::array();
  nlohmann::json sorries = nlohmann::json::array();
  double time_s = 0;
};

// One entry of `results` for a snippet, and the whole answer (one entry per snippet, in order).
nlohmann::json result(const Request& request, const Snippet& snippet, const Outcome& outcome);
nlohmann::json response(const Request& request, const std::vector<Outcome>& outcomes);

}  // namespace serve::kimina

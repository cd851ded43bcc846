#pragma once
// OpenRLHF's remote reward model protocol (docs/serve-clients.md, section 2): `POST /reward`
// (or `/get_reward`) with `{"query": [...], "prompts": [...], "labels": [...]}`, answered with
// `{"rewards": [...], "scores": [...], "extra_logs": {...}}`, one number per query, in order.
// `query[i]` is the decoded prompt + response; the prompt (`prompts[i]`) is removed before the
// answer's last Lean code block is taken, as the remote policy does, since a few-shot prompt
// holds code blocks too. `labels[i]` names the task (its name or task id in --tasks) or carries
// it as JSON (`{"header", "formal_statement"}`, as an object or as a JSON text).
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "serve/kimina.hpp"
#include "tasks/candidate.hpp"
#include "tasks/task_index.hpp"

namespace serve::openrlhf {

struct Query {
  std::string query;
  std::optional<std::string> prompt;
  nlohmann::json label;  // null when none
};

struct Request {
  std::vector<Query> queries;
};

std::variant<Request, kimina::BadRequest> parse_request(std::string_view body, size_t max_queries);

// What one query asks Lean: a candidate, or why there is none (`problem`).
struct Prepared {
  std::optional<tasks::Candidate> candidate;
  bool known_task = false;  // the label named a task: the verdict's reward counts
  std::string problem;
};
Prepared prepare(const Query& query, const tasks::TaskIndex* tasks);

// The answer: rewards and scores (a pass of a known task 1, anything else 0: OpenRLHF wants a
// number for every query), extra_logs with the same keys on every call, and the harness's
// verdicts and decided_by beside them.
nlohmann::json response(const std::vector<kimina::Outcome>& outcomes);

}  // namespace serve::openrlhf

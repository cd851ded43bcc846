#include "serve/openrlhf.hpp"

#include <fmt/format.h>

#include "policy/remote/extraction.hpp"
#include "serve/snippet.hpp"

namespace serve::openrlhf {
namespace {

using nlohmann::json;
using kimina::BadRequest;

std::optional<BadRequest> string_list(const json& body, const char* name, size_t n, bool required,
                                      std::vector<std::optional<std::string>>& out) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return BadRequest{name, "missing"};
    out.assign(n, std::nullopt);
    return std::nullopt;
  }
  if (!it->is_array()) return BadRequest{name, "expected an array of strings"};
  if (it->size() != n) {
    return BadRequest{name, fmt::format("{} entries, but query has {}", it->size(), n)};
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    if (v.is_null()) {
      out.push_back(std::nullopt);
    } else if (v.is_string()) {
      out.push_back(v.get<std::string>());
    } else {
      return BadRequest{fmt::format("{}[{}]", name, i), "expected a string"};
    }
  }
  return std::nullopt;
}

// A task carried by the label itself: {"header", "formal_statement"[, "name"]}.
std::optional<tasks::Task> task_from_json(const json& j) {
  if (!j.is_object()) return std::nullopt;
  auto statement = j.find("formal_statement");
  if (statement == j.end() || !statement->is_string()) return std::nullopt;
  std::string header = j.contains("header") && j["header"].is_string() ? j["header"].get<std::string>() : "";
  std::string name = j.contains("name") && j["name"].is_string() ? j["name"].get<std::string>() : "";
  return tasks::make_task(name, "", header, statement->get<std::string>());
}

std::optional<tasks::Task> task_of(const json& label, const tasks::TaskIndex* tasks,
                                   std::string& problem) {
  if (label.is_null()) return std::nullopt;
  if (label.is_object()) {
    if (auto t = task_from_json(label)) return t;
    problem = "the label is an object without a formal_statement";
    return std::nullopt;
  }
  if (!label.is_string()) {
    problem = "the label is neither a task's name, a task id nor a task";
    return std::nullopt;
  }
  std::string text = label.get<std::string>();
  if (tasks != nullptr) {
    if (const auto* t = tasks->by_id(text)) return t->task;
    auto named = tasks->by_name(text);
    if (named.size() == 1) return named.front()->task;
    if (named.size() > 1) {
      problem = fmt::format("the label '{}' names {} tasks of --tasks", text, named.size());
      return std::nullopt;
    }
  }
  if (auto t = task_from_json(json::parse(text, nullptr, false))) return t;
  problem = fmt::format("the label '{}' names no task{}", text, tasks ? " of --tasks" : " (no --tasks)");
  return std::nullopt;
}

// The model's response: the query without its prompt.
std::string_view response_of(const Query& q) {
  std::string_view query = q.query;
  if (!q.prompt || q.prompt->empty()) return query;
  if (query.starts_with(*q.prompt)) return query.substr(q.prompt->size());
  auto at = query.find(*q.prompt);
  return at == std::string_view::npos ? query : query.substr(at + q.prompt->size());
}

}  // namespace

std::variant<Request, BadRequest> parse_request(std::string_view body, size_t max_queries) {
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded()) return BadRequest{"$", "not JSON"};
  if (!parsed.is_object()) return BadRequest{"$", "expected an object"};
  auto query = parsed.find("query");
  if (query == parsed.end()) return BadRequest{"query", "missing"};
  if (!query->is_array()) return BadRequest{"query", "expected an array of strings"};
  if (query->size() > max_queries) {
    BadRequest bad{"query", fmt::format("{} entries, over the limit of {} a request",
                                        query->size(), max_queries)};
    bad.status = 413;
    return bad;
  }
  std::vector<std::optional<std::string>> queries, prompts;
  if (auto bad = string_list(parsed, "query", query->size(), true, queries)) return *bad;
  if (auto bad = string_list(parsed, "prompts", query->size(), false, prompts)) return *bad;
  json labels = parsed.value("labels", json());
  if (!labels.is_null() && (!labels.is_array() || labels.size() != query->size())) {
    return BadRequest{"labels", fmt::format("expected an array of {} labels", query->size())};
  }
  Request out;
  for (size_t i = 0; i < query->size(); ++i) {
    if (!queries[i]) return BadRequest{fmt::format("query[{}]", i), "expected a string"};
    out.queries.push_back({*queries[i], prompts[i], labels.is_null() ? json() : labels[i]});
  }
  return out;
}

Prepared prepare(const Query& q, const tasks::TaskIndex* tasks) {
  Prepared out;
  std::string problem;
  auto task = task_of(q.label, tasks, problem);
  std::string_view answer = response_of(q);
  if (task) {
    auto form = q.prompt && policy::remote::prompt_opens_code_block(*q.prompt)
                    ? policy::remote::AnswerForm::continuation
                    : policy::remote::AnswerForm::answer;
    auto extracted = policy::remote::extract_proof(answer, form, task->header, task->statement);
    if (extracted.error) {
      out.problem = *extracted.error;
      return out;
    }
    tasks::Candidate c;
    c.line = 0;
    c.name = task->name;
    c.task = *task;
    c.form = extracted.whole_file ? tasks::ProofForm::whole_text : tasks::ProofForm::continuation;
    c.proof = extracted.proof;
    out.candidate = std::move(c);
    out.known_task = true;
    return out;
  }
  if (!problem.empty()) {
    out.problem = problem;
    return out;
  }
  auto block = policy::remote::last_lean_block(policy::remote::strip_think(answer));
  if (!block) {
    out.problem = "the response holds no Lean code block";
    return out;
  }
  auto made = candidate_for(std::string(*block), tasks);
  out.candidate = std::move(made.candidate);
  out.known_task = made.known_task;
  return out;
}

json response(const std::vector<kimina::Outcome>& outcomes) {
  json rewards = json::array(), verdicts = json::array(), decided = json::array();
  json pass = json::array(), timeout = json::array(), unusable = json::array(), seconds = json::array();
  for (const auto& o : outcomes) {
    double reward = o.reward.value_or(0.0);
    rewards.push_back(reward);
    verdicts.push_back(to_string(o.verdict));
    decided.push_back(to_string(o.decided_by));
    pass.push_back(o.verdict == lean_bridge::Verdict::pass ? 1.0 : 0.0);
    timeout.push_back(o.verdict == lean_bridge::Verdict::timeout ? 1.0 : 0.0);
    unusable.push_back(o.verdict == lean_bridge::Verdict::invalid ? 1.0 : 0.0);
    seconds.push_back(o.time_s);
  }
  return {{"rewards", rewards},
          {"scores", rewards},
          {"extra_logs",
           {{"lean_pass", pass}, {"lean_timeout", timeout}, {"lean_unusable", unusable},
            {"lean_seconds", seconds}}},
          {"verdicts", verdicts},
          {"decided_by", decided}};
}

}  // namespace serve::openrlhf

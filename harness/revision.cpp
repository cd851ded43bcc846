#include "harness/revision.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "lean-bridge/verdict.hpp"

namespace harness {

using nlohmann::json;

namespace {

void read_position(const json& pos, std::optional<int64_t>& line, std::optional<int64_t>& column) {
  if (!pos.is_object()) return;
  if (auto l = pos.find("line"); l != pos.end() && l->is_number_integer()) line = l->get<int64_t>();
  if (auto c = pos.find("column"); c != pos.end() && c->is_number_integer()) column = c->get<int64_t>();
}

// The goals of Lean's `unsolved goals` error: the text after its first line, goals separated
// by blank lines.
std::vector<std::string> unsolved_goals(const std::string& text) {
  const std::string head = "unsolved goals\n";
  if (text.rfind(head, 0) != 0) return {};
  std::vector<std::string> goals;
  std::string rest = text.substr(head.size());
  std::size_t start = 0;
  while (start <= rest.size()) {
    std::size_t end = rest.find("\n\n", start);
    std::string goal = rest.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!goal.empty()) goals.push_back(goal);
    if (end == std::string::npos) break;
    start = end + 2;
  }
  return goals;
}

}  // namespace

bool revisable(const Row& row) {
  using lean_bridge::Verdict;
  switch (row.verdict) {
    case Verdict::fail:
    case Verdict::incomplete:
    case Verdict::rejected:
    case Verdict::timeout:
      return true;
    default:
      return false;
  }
}

policy::Feedback feedback_for(const Row& row, const std::string& statement, bool whole_file) {
  policy::Feedback feedback;
  feedback.verdict = std::string(lean_bridge::to_string(row.verdict));
  feedback.reason = row.reason;
  // The proof's first line and column in the text Lean's positions count in.
  int64_t first_line = 1, first_column = 0;
  if (!whole_file) {
    first_line += std::count(statement.begin(), statement.end(), '\n');
    std::size_t last = statement.rfind('\n');
    std::string tail = last == std::string::npos ? statement : statement.substr(last + 1);
    // Columns count code points: leave out UTF-8 continuation bytes.
    first_column = std::count_if(tail.begin(), tail.end(),
                                 [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
  }
  auto relative = [&](std::optional<int64_t>& line, std::optional<int64_t>& column) {
    if (!line) return;
    if (*line == first_line && column && first_column > 0) *column -= first_column;
    *line -= first_line - 1;
  };
  json messages = json::parse(row.messages_json, nullptr, false);
  if (!messages.is_array()) return feedback;
  for (const json& m : messages) {
    if (!m.is_object() || m.value("severity", "") != "error") continue;
    policy::FeedbackMessage out;
    out.severity = "error";
    out.text = m.value("data", "");
    if (auto pos = m.find("pos"); pos != m.end()) read_position(*pos, out.line, out.column);
    if (auto end = m.find("endPos"); end != m.end()) read_position(*end, out.end_line, out.end_column);
    relative(out.line, out.column);
    relative(out.end_line, out.end_column);
    if (feedback.goals.empty()) feedback.goals = unsolved_goals(out.text);
    feedback.messages.push_back(std::move(out));
  }
  return feedback;
}

}  // namespace harness

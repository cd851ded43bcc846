#pragma once
// Proof traces built in code for the library tests: a statement, one tactic per line, and the
// goals after each tactic, with positions computed as Lean gives them.
#include <string>
#include <utility>
#include <vector>

#include "library/candidates.hpp"

namespace library_test {

struct Line {
  std::string tactic;
  std::vector<std::string> goals_after;
  int indent = 2;
  int64_t parent = -1;
};

inline library::ProofTrace make_trace(std::string key, std::string task_id, std::string statement,
                                      std::vector<std::string> first_goals,
                                      const std::vector<Line>& lines) {
  library::ProofTrace t;
  t.key = std::move(key);
  t.task_id = std::move(task_id);
  t.header = "import Mathlib\n";
  t.statement = std::move(statement);
  int64_t line = 1;
  for (char c : t.statement) line += c == '\n' ? 1 : 0;
  std::vector<std::string> goals = std::move(first_goals);
  int64_t index = 0;
  for (const auto& l : lines) {
    t.proof += std::string(l.indent, ' ') + l.tactic + "\n";
    library::Step s;
    s.index = index++;
    s.parent = l.parent;
    s.tactic = l.tactic;
    s.goals_before = goals;
    s.goals_after = l.goals_after;
    s.line = s.end_line = line++;
    s.column = l.indent;
    s.end_column = l.indent + static_cast<int64_t>(l.tactic.size());
    s.is_have = l.tactic.rfind("have", 0) == 0;
    goals = l.goals_after;
    t.steps.push_back(std::move(s));
  }
  return t;
}

// The five steps that prove `Chain X` under the hypotheses `hyps`, other goals `rest` after it.
inline std::vector<Line> chain_lines(const std::string& x, const std::string& hyps,
                                     const std::vector<std::string>& rest, const std::string& tag = "") {
  std::string prefix = (tag.empty() ? "" : "case " + tag + "\n") + hyps + "\n⊢ ";
  auto with_rest = [&](std::string g) {
    std::vector<std::string> out{std::move(g)};
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
  };
  return {{"unfold Chain", with_rest(prefix + "Link1 " + x)},
          {"apply link1_intro", with_rest(prefix + "Link2 " + x)},
          {"apply link2_intro", with_rest(prefix + "Link3 " + x)},
          {"simp only [link3]", with_rest(prefix + "Link4 " + x)},
          {"omega", rest}};
}

inline library::ProofTrace chain_task(const std::string& name, const std::string& var) {
  return make_trace("run:" + name, "task-" + name,
                    "theorem " + name + " (" + var + " : Nat) : Chain " + var + " := by\n",
                    {var + " : Nat\n⊢ Chain " + var}, chain_lines(var, var + " : Nat", {}));
}

// `Chain a ∧ Chain b` proved by `constructor` and the chain twice; `b_first`: the context holds
// b before a (the task's binders were `(b a : Nat)`).
inline library::ProofTrace chain_pair_task(const std::string& name, const std::string& a,
                                           const std::string& b, bool b_first = false) {
  std::string hyps = b_first ? b + " " + a + " : Nat" : a + " " + b + " : Nat";
  std::string left = "case left\n" + hyps + "\n⊢ Chain " + a;
  std::string right = "case right\n" + hyps + "\n⊢ Chain " + b;
  std::vector<Line> lines{{"constructor", {left, right}}};
  for (auto& l : chain_lines(a, hyps, {right}, "left")) lines.push_back(l);
  for (auto& l : chain_lines(b, hyps, {}, "right")) lines.push_back(l);
  return make_trace("run:" + name, "task-" + name,
                    "theorem " + name + " (" + hyps + ") : Chain " + a + " ∧ Chain " + b +
                        " := by\n",
                    {hyps + "\n⊢ Chain " + a + " ∧ Chain " + b}, lines);
}

}  // namespace library_test

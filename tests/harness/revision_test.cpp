// Tests of harness/revision.cpp: Lean's messages about a failed attempt, as a policy sees them.
#include <catch2/catch.hpp>

#include "harness/revision.hpp"

using namespace harness;
using lean_bridge::Verdict;

namespace {

Row failed(const std::string& messages_json) {
  Row row;
  row.verdict = Verdict::fail;
  row.reason = "lean: an error";
  row.messages_json = messages_json;
  return row;
}

}  // namespace

TEST_CASE("feedback: positions become proof lines, warnings are left out, unsolved goals are read") {
  // The harness checked `statement + proof`: line 1 is the statement's, the proof starts on 2.
  const std::string statement = "theorem t (p q : Prop) : p ∧ q → q := by\n";
  Row row = failed(R"([
    {"severity": "warning", "pos": {"line": 1, "column": 8}, "data": "unused variable"},
    {"severity": "error", "pos": {"line": 3, "column": 2}, "endPos": {"line": 3, "column": 11},
     "data": "type mismatch"},
    {"severity": "error", "pos": {"line": 1, "column": 38}, "endPos": {"line": 3, "column": 11},
     "data": "unsolved goals\nh : p ∧ q\n⊢ q\n\ncase b\n⊢ p"}])");
  policy::Feedback f = feedback_for(row, statement, false);
  CHECK(f.verdict == "fail");
  CHECK(f.reason == "lean: an error");
  REQUIRE(f.messages.size() == 2);
  CHECK(f.messages[0].line == 2);
  CHECK(f.messages[0].column == 2);
  CHECK(f.messages[0].end_line == 2);
  CHECK(f.messages[0].end_column == 11);
  CHECK(f.messages[0].text == "type mismatch");
  CHECK(f.messages[1].line == 0);  // in the statement, at its `by`
  CHECK(f.messages[1].column == 38);
  CHECK(f.goals == std::vector<std::string>{"h : p ∧ q\n⊢ q", "case b\n⊢ p"});
}

TEST_CASE("feedback: a whole file's positions are already the proof's, and a shared line's "
          "columns start where the proof does") {
  Row row = failed(R"([{"severity": "error", "pos": {"line": 4, "column": 2}, "data": "x"}])");
  CHECK(feedback_for(row, "theorem t : True := by\n", true).messages.at(0).line == 4);
  // A statement without a final newline: the proof continues its last line ("by" + proof).
  Row same = failed(R"([{"severity": "error", "pos": {"line": 1, "column": 25}, "data": "x"}])");
  auto m = feedback_for(same, "theorem t : True := by", false).messages.at(0);
  CHECK(m.line == 1);
  CHECK(m.column == 3);
  // No messages (a guard's refusal): the reason alone; no goals are made up.
  Row refused;
  refused.verdict = Verdict::rejected;
  refused.reason = "in the proof, `native_decide` is not allowed";
  auto f = feedback_for(refused, "theorem t : True := by\n", false);
  CHECK(f.messages.empty());
  CHECK(f.goals.empty());
  CHECK(f.verdict == "rejected");
  CHECK(revisable(refused));
  Row error;
  error.verdict = Verdict::error;
  CHECK_FALSE(revisable(error));
  Row pass;
  pass.verdict = Verdict::pass;
  CHECK_FALSE(revisable(pass));
}

// tasks/trace_reader.hpp: the traces `harness traces` writes read back as records, and every
// kind of bad line refused with its file, line and field.
#include <catch2/catch.hpp>

#include <fstream>

#include "tasks/input_error.hpp"
#include "tasks/trace_reader.hpp"
#include "tests/tasks/temp_dir.hpp"

namespace {

const char* const kLine =
    R"({"format":"harness-trace-v1","proof_id":"0b7e:3","run":"0b7e","line":3,)"
    R"("task_id":"task-v1:ab","task_name":"and_swap","step":1,"tactic":"exact hq",)"
    R"("kind":"Lean.Parser.Tactic.exact","goals_before":["case right\nhq : q\n⊢ q"],)"
    R"("goals_after":[],"pos":{"line":3,"column":2},"end_pos":{"line":3,"column":10},)"
    R"("depth":0,"parent":-1,"is_have":false,"a_later_key":1})";

}  // namespace

TEST_CASE("a trace line reads into its record", "[traces]") {
  auto parsed = tasks::parse_trace_line(kLine);
  REQUIRE(std::holds_alternative<tasks::TraceRecord>(parsed));
  const auto& r = std::get<tasks::TraceRecord>(parsed);
  CHECK(r.proof_id == "0b7e:3");
  CHECK(r.task_id == "task-v1:ab");
  CHECK(r.task_name == "and_swap");
  CHECK(r.step == 1);
  CHECK(r.tactic == "exact hq");
  CHECK(r.goal_before() == "case right\nhq : q\n⊢ q");
  CHECK(r.goals_after.empty());
  CHECK(r.depth == 0);
  CHECK(r.parent == -1);
  CHECK_FALSE(r.is_have);
  tasks::TraceRecord no_goals;
  CHECK(no_goals.goal_before().empty());
}

TEST_CASE("bad trace lines name the field at fault", "[traces]") {
  auto problem = [](const std::string& line) {
    auto parsed = tasks::parse_trace_line(line);
    REQUIRE(std::holds_alternative<tasks::FieldProblem>(parsed));
    return std::get<tasks::FieldProblem>(parsed);
  };
  CHECK(problem("{").field == "(line)");
  CHECK(problem("[1]").problem == "expected a JSON object");
  std::string line = kLine;
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string out = line;
    out.replace(out.find(from), from.size(), to);
    return out;
  };
  CHECK(problem(replaced("harness-trace-v1", "harness-trace-v9")).field == "format");
  CHECK(problem(replaced(R"("step":1)", R"("step":"1")")).field == "step");
  CHECK(problem(replaced(R"("goals_after":[])", R"("goals_after":[1])")).field == "goals_after");
  CHECK(problem(replaced(R"("is_have":false)", R"("is_have":0)")).field == "is_have");
  auto missing = problem(replaced(R"("tactic":"exact hq",)", ""));
  CHECK(missing.field == "tactic");
  CHECK(missing.problem == "missing");
}

TEST_CASE("a traces file reads whole, or not at all", "[traces]") {
  tasks_test::TempDir dir;
  std::string path = (dir.path() / "traces.jsonl").string();
  {
    std::ofstream out(path);
    out << kLine << "\n\n" << kLine << "\n";
  }
  auto records = tasks::read_traces(path);
  REQUIRE(records.size() == 2);
  CHECK(records[1].tactic == "exact hq");
  {
    std::ofstream out(path, std::ios::app);
    out << R"({"format":"harness-trace-v1"})" << "\n";
  }
  CHECK_THROWS_WITH(tasks::read_traces(path), path + ":4: proof_id: missing");
  CHECK_THROWS_AS(tasks::read_traces((dir.path() / "none.jsonl").string()), tasks::InputError);
}

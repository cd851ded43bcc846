// `harness check`'s reading of a corpus run (harness/check_report.hpp): the comparison with a
// baseline, Lean's first error, and JUnit XML that stays well-formed whatever Lean said.
#include "harness/check_report.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using namespace harness;
using nlohmann::json;

namespace {

store::AttemptRow row(int64_t line, std::string name, std::string task, std::string verdict,
                      json messages = json::array(), std::string reason = "") {
  store::AttemptRow r;
  r.line = line;
  r.name = std::move(name);
  if (!task.empty()) r.task_id = std::move(task);
  r.verdict = std::move(verdict);
  r.decided_by = "lean";
  r.reason = std::move(reason);
  r.elapsed_ms = 1500;
  r.messages_json = messages.dump();
  return r;
}

json error(std::string text) {
  return {{"severity", "error"}, {"pos", {{"line", 3}, {"column", 2}}}, {"data", std::move(text)}};
}

}  // namespace

TEST_CASE("check: regressions and new passes against a baseline, matched by name and task",
          "[check]") {
  std::vector<store::AttemptRow> before = {
      row(1, "a", "t1", "pass"), row(2, "b", "t2", "pass"), row(3, "c", "t3", "fail"),
      row(4, "d", "t4", "pass"), row(5, "e", "t5", "pass"), row(6, "e", "t5", "fail")};
  std::vector<store::AttemptRow> now = {
      // reordered, d removed, f added; b regressed, c and the second e now pass
      row(1, "c", "t3", "pass"),
      row(2, "b", "t2", "fail", json::array({error("unsolved goals\n⊢ False"), error("second")})),
      row(3, "a", "t1", "pass"), row(4, "e", "t5", "pass"), row(5, "e", "t5", "pass"),
      row(6, "f", "t6", "pass"), row(7, "", "", "invalid", json::array(), "in.jsonl:7: line: not JSON")};
  CheckComparison c = compare_runs(now, &before);
  CHECK(c.lines == 7);
  CHECK(c.passing == 5);
  REQUIRE(c.regressions.size() == 1);
  CHECK(c.regressions[0].name == "b");
  CHECK(c.regressions[0].first_error == "unsolved goals");  // the first error, its first line
  std::vector<std::string> fresh;
  for (const auto& l : c.new_passes) fresh.push_back(l.name + "@" + std::to_string(l.line));
  CHECK(fresh == std::vector<std::string>{"c@1", "e@5", "f@6"});
  REQUIRE(c.gone.size() == 1);
  CHECK(c.gone[0].name == "d");
  REQUIRE(c.failing.size() == 2);
  CHECK(c.failing[1].first_error == "in.jsonl:7: line: not JSON");
  std::string text = comparison_text(c);
  CHECK(text.find("regressions (passed in the baseline, not now): 1\n  b (line 2, task t2): fail: "
                  "unsolved goals\n") != std::string::npos);
  CHECK(text.find("new passes (not in the baseline): 3") != std::string::npos);
  // Without a baseline: the lines that do not pass, nothing compared.
  CheckComparison alone = compare_runs(now, nullptr);
  CHECK(alone.regressions.empty());
  CHECK(alone.new_passes.empty());
  CHECK(comparison_text(alone).find("not passing: 2") != std::string::npos);
}

TEST_CASE("check: XML escaping keeps any text Lean or a proof wrote well-formed", "[check]") {
  CHECK(xml_escape("a < b && c > \"d\" 'e'") == "a &lt; b &amp;&amp; c &gt; &quot;d&quot; &apos;e&apos;");
  CHECK(xml_escape("⊢ ∀ x, x = x\n\tok") == "⊢ ∀ x, x = x\n\tok");
  CHECK(xml_escape(std::string("bell\x07 nul") + '\0' + "!") == "bell\xEF\xBF\xBD nul\xEF\xBF\xBD!");
  CHECK(xml_escape("bad \xC3( utf8") == "bad \xEF\xBF\xBD( utf8");
}

TEST_CASE("check: JUnit XML has one case per line, failures and errors apart", "[check]") {
  std::vector<store::AttemptRow> rows = {
      row(1, "ok", "t1", "pass"), row(2, "no <good>", "t2", "fail", json::array({error("type mismatch & more")})),
      row(3, "slow", "t3", "timeout", json::array(), "wall clock"),
      row(4, "", "", "invalid", json::array(), "c.jsonl:4: proof: expected a string")};
  std::string xml = junit_xml({"corpus.jsonl", "2026-12-05T00:00:00Z", "host", "leanprover/lean4:v4.9.0", 6.0}, rows);
  CHECK(xml.find("<testsuites name=\"harness check\" tests=\"4\" failures=\"2\" errors=\"1\"") != std::string::npos);
  CHECK(xml.find("<testcase classname=\"corpus.jsonl\" name=\"ok (line 1)\" time=\"1.500\" file=\"corpus.jsonl\" line=\"1\"/>") != std::string::npos);
  CHECK(xml.find("name=\"no &lt;good&gt; (line 2)\"") != std::string::npos);
  CHECK(xml.find("<failure message=\"fail (lean): type mismatch &amp; more\" type=\"fail\">3:2: error: type mismatch &amp; more\n</failure>") != std::string::npos);
  CHECK(xml.find("<failure message=\"timeout (lean): wall clock\"") != std::string::npos);
  CHECK(xml.find("<error message=\"invalid (lean): c.jsonl:4: proof: expected a string\"") != std::string::npos);
  CHECK(xml.find("<property name=\"toolchain\" value=\"leanprover/lean4:v4.9.0\"/>") != std::string::npos);
}

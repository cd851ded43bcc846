// Kimina Lean Server's wire format (serve/kimina.hpp): request bodies as its clients send them,
// the refusals with their JSON paths, and answers in the shape its clients parse.
#include "serve/kimina.hpp"

#include <catch2/catch.hpp>

using namespace serve::kimina;
using lean_bridge::DecidedBy;
using lean_bridge::Verdict;
using nlohmann::json;

namespace {

Request parsed(Endpoint e, const std::string& body) {
  auto r = parse_request(e, body, 100);
  if (auto* bad = std::get_if<BadRequest>(&r)) FAIL(bad->detail());
  return std::get<Request>(r);
}

std::string refusal(Endpoint e, const std::string& body, size_t max = 100) {
  auto r = parse_request(e, body, max);
  REQUIRE(std::holds_alternative<BadRequest>(r));
  return std::get<BadRequest>(r).detail();
}

Outcome outcome(Verdict v, DecidedBy by, json messages = json::array(), std::string why = "") {
  Outcome o;
  o.verdict = v;
  o.decided_by = by;
  o.reason = std::move(why);
  o.reward = v == Verdict::pass ? 1.0 : 0.0;
  o.messages = std::move(messages);
  o.time_s = 0.25;
  return o;
}

json message(const std::string& severity, int line, int column, const std::string& data) {
  return {{"severity", severity},
          {"pos", {{"line", line}, {"column", column}}},
          {"endPos", {{"line", line}, {"column", column + 4}}},
          {"data", data}};
}

}  // namespace

TEST_CASE("kimina: /verify bodies as the clients send them", "[serve][kimina]") {
  // Lean4Client's batch: string and integer ids, `proof` over `code`, extra fields ignored.
  auto r = parsed(Endpoint::verify, R"({"codes": [
      {"custom_id": "p-1", "proof": "theorem a : True := trivial"},
      {"custom_id": 7, "code": "old", "proof": "new"},
      {"custom_id": "none"}],
    "timeout": 60, "infotree_type": null, "disable_cache": true, "method": "x"})");
  REQUIRE(r.snippets.size() == 3);
  CHECK(r.snippets[0].id == "p-1");
  CHECK(*r.snippets[0].code == "theorem a : True := trivial");
  CHECK(r.snippets[1].id == 7);
  CHECK(*r.snippets[1].code == "new");
  CHECK_FALSE(r.snippets[2].code);
  CHECK(r.timeout_s == 60);
  CHECK_FALSE(r.use_cache);
  auto defaults = parsed(Endpoint::verify, R"({"codes": []})");
  CHECK(defaults.timeout_s == 300);
  CHECK(defaults.use_cache);
}

TEST_CASE("kimina: /api/check bodies as KiminaClient sends them", "[serve][kimina]") {
  auto r = parsed(Endpoint::check, R"({"snippets": [{"id": "a1", "code": "#check Nat"}],
    "timeout": 60, "debug": false, "reuse": false, "infotree": null})");
  REQUIRE(r.snippets.size() == 1);
  CHECK(r.snippets[0].id == "a1");
  CHECK(r.timeout_s == 60);
  CHECK_FALSE(r.use_cache);
  CHECK(parsed(Endpoint::check, R"({"snippets": [{"id": "x", "code": ""}]})").timeout_s == 30);
}

TEST_CASE("kimina: a body it cannot take is refused with the JSON path at fault",
          "[serve][kimina]") {
  CHECK(refusal(Endpoint::verify, "{not json") == "$: not JSON");
  CHECK(refusal(Endpoint::verify, "[1]") == "$: expected an object, got an array");
  CHECK(refusal(Endpoint::verify, "{}") == "codes: missing");
  CHECK(refusal(Endpoint::verify, R"({"codes": [{"proof": "x"}]})") == "codes[0].custom_id: missing");
  CHECK(refusal(Endpoint::verify, R"({"codes": [{"custom_id": "a"}, {"custom_id": 1.5}]})") ==
        "codes[1].custom_id: expected a string or an integer, got a number");
  CHECK(refusal(Endpoint::verify, R"({"codes": [{"custom_id": "a", "proof": 3}]})") ==
        "codes[0].proof: expected a string, got a number");
  CHECK(refusal(Endpoint::verify, R"({"codes": [], "timeout": -1})") ==
        "timeout: expected a number of seconds ≥ 0, got -1");
  CHECK(refusal(Endpoint::verify, R"({"codes": [], "disable_cache": "yes"})") ==
        "disable_cache: expected true or false, got a string");
  CHECK(refusal(Endpoint::check, R"({"snippets": []})") ==
        "snippets: empty: expected at least one snippet");
  CHECK(refusal(Endpoint::check, R"({"snippets": [{"id": "a", "code": "x"}, {"id": "a", "code": "y"}]})") ==
        "snippets[1].id: duplicate id \"a\"");
  CHECK(refusal(Endpoint::check, R"({"snippets": [{"id": 1, "code": "x"}]})") ==
        "snippets[0].id: expected a string, got a number");
  CHECK(refusal(Endpoint::check, R"({"snippets": [{"id": "a", "code": "x"}], "infotree": "all"})") ==
        "infotree: expected full, tactics, original, substantive or null, got \"all\"");
  auto many = parse_request(Endpoint::verify, R"({"codes": [{"custom_id": 1}, {"custom_id": 2}]})", 1);
  REQUIRE(std::holds_alternative<BadRequest>(many));
  CHECK(std::get<BadRequest>(many).status == 413);
  CHECK(std::get<BadRequest>(many).detail() == "codes: 2 entries, over the limit of 1 a request");
}

TEST_CASE("kimina: the header is the leading blank and import lines", "[serve][kimina]") {
  auto s = split_code("import Mathlib\nimport Aesop\n\ntheorem t : True := by\n  trivial\n");
  CHECK(s.header == "import Mathlib\nimport Aesop\n\n");
  CHECK(s.body == "theorem t : True := by\n  trivial\n");
  CHECK(s.body_line == 4);
  CHECK(split_code("theorem t : True := trivial").body_line == 1);
  CHECK(split_code("import Mathlib").body == "");
  CHECK(split_code("-- a comment\nimport Mathlib\n").body_line == 1);  // a comment ends it
}

TEST_CASE("kimina: /verify answers, positions relative to the body", "[serve][kimina]") {
  auto r = parsed(Endpoint::verify, R"({"codes": [
      {"custom_id": "ok", "proof": "import Mathlib\n\ntheorem t : True := by\n  trivial"},
      {"custom_id": 2, "proof": "import Mathlib\ntheorem u : 1 = 2 := by\n  simp"},
      {"custom_id": "hangs", "proof": "theorem h : True := by\n  sorry"},
      {"custom_id": "empty"}], "timeout": 60})");
  json lint = message("warning", 3, 0, "unused variable");
  json simp = message("error", 3, 2, "simp made no progress");
  auto answer = response(r, {outcome(Verdict::pass, DecidedBy::lean, json::array({lint})),
                             outcome(Verdict::fail, DecidedBy::lean, json::array({simp})),
                             outcome(Verdict::timeout, DecidedBy::timeout)});
  const json& results = answer.at("results");
  REQUIRE(results.size() == 4);
  // A pass: the REPL's shape, time inside the response, error null, the harness's verdict.
  CHECK(results[0]["custom_id"] == "ok");
  CHECK(results[0]["error"].is_null());
  CHECK(results[0]["response"]["env"] == 0);
  CHECK(results[0]["response"]["time"] == 0.25);
  CHECK(results[0]["response"]["messages"][0]["pos"]["line"] == 1);  // line 3 of the code
  CHECK(results[0]["verdict"] == "pass");
  CHECK(results[0]["reward"] == 1.0);
  // An integer id comes back an integer; Lean's error stays an error.
  CHECK(results[1]["custom_id"] == 2);
  CHECK(results[1]["response"]["messages"].size() == 1);
  CHECK(results[1]["response"]["messages"][0]["pos"]["line"] == 2);
  CHECK(results[1]["verdict"] == "fail");
  CHECK(results[1]["reward"] == 0.0);
  // The wall clock: an `error` saying "timed out", no response.
  CHECK(results[2]["error"] == "Lean REPL command timed out in 60 seconds");
  CHECK(results[2]["response"].is_null());
  CHECK(results[2]["verdict"] == "timeout");
  // Neither proof nor code: a per-entry error, as Kimina's.
  CHECK(results[3]["error"] == "No code provided");
  CHECK(results[3]["verdict"] == "invalid");
  CHECK(results[3]["reward"].is_null());
}

TEST_CASE("kimina: a verdict Lean's messages do not show is an error message", "[serve][kimina]") {
  auto r = parsed(Endpoint::check, R"({"snippets": [
      {"id": "native", "code": "theorem t : 2 + 2 = 4 := by native_decide"},
      {"id": "axiom", "code": "theorem t : False := cheat"},
      {"id": "holey", "code": "theorem t : True := by\n  sorry"},
      {"id": "broken", "code": "theorem t : True := trivial"},
      {"id": "free", "code": "theorem x : True := trivial"}]})");
  Outcome free = outcome(Verdict::pass, DecidedBy::lean);
  free.reward = std::nullopt;  // proves no task anybody asked for
  auto answer = response(r, {outcome(Verdict::rejected, DecidedBy::guard, json::array(),
                                     "line 1, column 28: `native_decide`: trusts compiled code"),
                             outcome(Verdict::rejected, DecidedBy::axioms, json::array(),
                                     "non-standard axioms: cheat"),
                             outcome(Verdict::incomplete, DecidedBy::axioms),
                             outcome(Verdict::error, DecidedBy::worker, json::array(),
                                     "the REPL died"),
                             free});
  const json& results = answer.at("results");
  for (int i : {0, 1}) {
    const json& messages = results[i]["response"]["messages"];
    REQUIRE(messages.size() == 1);
    CHECK(messages[0]["severity"] == "error");
    CHECK(messages[0]["data"].get<std::string>().rfind("harness: rejected (", 0) == 0);
    CHECK(results[i]["time"] == 0.25);  // /api/check: time beside the response
    CHECK_FALSE(results[i].contains("error"));  // exactly one of error and response
  }
  CHECK(results[0]["decided_by"] == "guard");
  // Incomplete: the sorry warning clients look for, and no error added.
  const json& holey = results[2]["response"]["messages"];
  REQUIRE(holey.size() == 1);
  CHECK(holey[0]["severity"] == "warning");
  CHECK(holey[0]["data"] == "declaration uses 'sorry'");
  // and the `sorries` the current clients read, at the token Lean was not shown.
  CHECK(results[2]["response"]["sorries"] ==
        json::array({{{"pos", {{"line", 2}, {"column", 2}}},
                      {"endPos", {{"line", 2}, {"column", 7}}},
                      {"goal", ""}}}));
  // The harness's own failure: an error, no response.
  CHECK(results[3]["error"] == "harness: error: the REPL died");
  CHECK_FALSE(results[3].contains("response"));
  // Clean, but no task: pass with reward null.
  CHECK(results[4]["verdict"] == "pass");
  CHECK(results[4]["reward"].is_null());
  CHECK(results[4]["response"] == json{{"env", 0}});
}

TEST_CASE("kimina: a sorry Lean reported is passed on, and none is made up beside it",
          "[serve][kimina]") {
  auto r = parsed(Endpoint::check, R"({"snippets": [
      {"id": "lean", "code": "import Mathlib\n\ntheorem t : True := by\n  sorry"},
      {"id": "ax", "code": "theorem t : True := by exact sorryAx _ false"}]})");
  Outcome seen = outcome(Verdict::incomplete, DecidedBy::lean,
                         json::array({message("warning", 3, 8, "declaration uses 'sorry'")}));
  seen.sorries = json::array({{{"pos", {{"line", 4}, {"column", 2}}},
                               {"endPos", {{"line", 4}, {"column", 7}}},
                               {"goal", "⊢ True"}}});
  auto answer = response(r, {seen, outcome(Verdict::incomplete, DecidedBy::guard)});
  const json& lean = answer["results"][0]["response"];
  REQUIRE(lean["sorries"].size() == 1);
  CHECK(lean["sorries"][0]["goal"] == "⊢ True");
  CHECK(lean["sorries"][0]["pos"] == json{{"line", 2}, {"column", 2}});  // body-relative
  REQUIRE(lean["messages"].size() == 1);
  // No `sorry` token: one entry all the same, so the snippet never reads as valid.
  const json& ax = answer["results"][1]["response"];
  REQUIRE(ax["sorries"].size() == 1);
  CHECK(ax["sorries"][0]["pos"] == json{{"line", 1}, {"column", 0}});
}

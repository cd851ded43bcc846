// Tests of the remote policy's revisions: the revise template (completions and chat), the
// {attempt} and {errors} placeholders, render_feedback, and RemotePolicy::revise against the
// in-process OpenAI-compatible double.
#include <catch2/catch.hpp>

#include <set>

#include <nlohmann/json.hpp>

#include "openai_double.hpp"
#include "policy/remote/prompt_template.hpp"
#include "policy/remote/remote_policy.hpp"

using nlohmann::json;
using namespace policy;

namespace {

const std::string kStatement = "theorem swap (p q : Prop) : p ∧ q → q ∧ p := by\n";

Feedback mismatch() {
  Feedback f;
  f.verdict = "fail";
  f.messages.push_back({"error", 2, 2, 2, 9, "type mismatch\n  h\nhas type\n  p ∧ q"});
  f.messages.push_back({"error", 0, 43, 2, 9, "unsolved goals\nh : p ∧ q\n⊢ q ∧ p"});
  f.goals = {"h : p ∧ q\n⊢ q ∧ p"};
  return f;
}

RevisionRequest request(uint64_t seed) {
  RevisionRequest r;
  r.task = {"task-v1:0", "swap", "import Mathlib", kStatement};
  r.previous.proof = "  intro h\n  exact h\n";
  r.feedback = mismatch();
  r.round = 1;
  r.seed = seed;
  return r;
}

RemoteOptions options(const std::string& url, const std::string& endpoint) {
  RemoteOptions o;
  o.base_url = url;
  o.model = "double-model";
  o.endpoint = endpoint;
  o.retries = 0;
  o.timeout_ms = 3000;
  return o;
}

}  // namespace

TEST_CASE("render_feedback: positions in the proof, messages in the statement, Lean's text") {
  std::string text = remote::render_feedback(mismatch(), 1);
  CHECK(text ==
        "error at line 2, column 2 of the proof:\ntype mismatch\n  h\nhas type\n  p ∧ q\n\n"
        "error in the statement (line 1, column 43 of the statement):\nunsolved goals\n"
        "h : p ∧ q\n⊢ q ∧ p");
  Feedback guard;
  guard.verdict = "rejected";
  guard.reason = "in the proof, `native_decide` is not allowed";
  CHECK(remote::render_feedback(guard, 1) ==
        "verdict rejected: in the proof, `native_decide` is not allowed");
}

TEST_CASE("the revise template and the {attempt} and {errors} placeholders") {
  remote::TemplateValues values{"import Mathlib", kStatement, "swap", "", "ATTEMPT", "ERRORS"};
  auto completion = remote::PromptTemplate::load("revise", remote::Endpoint::completions);
  std::string prompt = completion.render(values);
  CHECK(prompt.find("```lean4\nATTEMPT\n```") != std::string::npos);
  CHECK(prompt.find("ERRORS") != std::string::npos);
  // It ends with the task's code opened again: the model continues it.
  CHECK(prompt.size() > kStatement.size());
  CHECK(prompt.compare(prompt.size() - kStatement.size(), kStatement.size(), kStatement) == 0);
  auto chat = remote::PromptTemplate::load("revise", remote::Endpoint::chat);
  std::string message = chat.render(values);
  CHECK(message.find("ATTEMPT") != std::string::npos);
  CHECK(message.find("one ```lean4 code block at the end") != std::string::npos);
  CHECK(remote::PromptTemplate::parse("{attempt}|{errors}", "t").render(values) == "ATTEMPT|ERRORS");
  // First prompts leave them empty.
  remote::TemplateValues first{"", kStatement, "swap", "", "", ""};
  CHECK(remote::PromptTemplate::parse("[{attempt}]", "t").render(first) == "[]");
}

TEST_CASE("revise on the completions endpoint: the previous attempt and Lean's errors are sent, "
          "the answer continues the code") {
  openai_double::Script script;
  script.rules = {{"type mismatch", {"  intro h\n  exact ⟨h.2, h.1⟩\n```"}}};
  openai_double::Server server(script);
  RemotePolicy policy(options(server.base_url(), "completions"));
  CHECK(policy.capabilities().revises);
  auto out = policy.revise({request(5), request(6)});
  REQUIRE(out.size() == 2);
  for (const auto& c : out) {
    REQUIRE_FALSE(c.error);
    CHECK(c.proof == "  intro h\n  exact ⟨h.2, h.1⟩\n");
    CHECK_FALSE(c.whole_file);
  }
  auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  json body = json::parse(requests[0].body);
  std::string prompt = body.at("prompt");
  CHECK(prompt.find("import Mathlib\n" + kStatement + "  intro h\n  exact h\n```") !=
        std::string::npos);
  CHECK(prompt.find("error at line 2, column 2 of the proof:\ntype mismatch") != std::string::npos);
  CHECK(body.at("n") == 1);
  // The two revisions go out side by side: their seeds, in whatever order they arrived.
  std::set<int64_t> seeds;
  for (const auto& r : requests) seeds.insert(json::parse(r.body).at("seed").get<int64_t>());
  CHECK(seeds == std::set<int64_t>{5, 6});
  CHECK(body.at("stop") == json::array({"```"}));
}

TEST_CASE("revise on the chat endpoint: the corrected code restated, its proof after the statement") {
  openai_double::Script script;
  script.rules = {{"Lean's messages about it",
                   {"Fixed:\n```lean4\nimport Mathlib\n" + kStatement +
                    "  intro h\n  exact ⟨h.2, h.1⟩\n```"}}};
  openai_double::Server server(script);
  RemotePolicy policy(options(server.base_url(), "chat"));
  auto out = policy.revise({request(1)});
  REQUIRE(out.size() == 1);
  REQUIRE_FALSE(out[0].error);
  CHECK(out[0].proof == "  intro h\n  exact ⟨h.2, h.1⟩\n");
  CHECK_FALSE(out[0].whole_file);
  auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].path == "/v1/chat/completions");
  std::string content = json::parse(requests[0].body).at("messages").at(0).at("content");
  CHECK(content.find("unsolved goals\nh : p ∧ q\n⊢ q ∧ p") != std::string::npos);
  CHECK(content.find("Revise the proof") != std::string::npos);
}

TEST_CASE("a revise template file with an unknown placeholder is refused when the policy is built") {
  openai_double::Server server;
  auto o = options(server.base_url(), "completions");
  o.revision_template = "no-such-template-file";
  CHECK_THROWS_WITH(RemotePolicy(o), Catch::Matchers::Contains("neither a built-in template"));
}

// Helper lemmas (`library grow --propose`): the built-in "lemmas" template with {proofs}, and
// ask_once (one prompt, one answer) against the in-process OpenAI-compatible double, its
// failures included.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "openai_double.hpp"
#include "policy/remote/ask.hpp"
#include "policy/remote/extraction.hpp"
#include "policy/remote/prompt_template.hpp"

using nlohmann::json;
using namespace policy;
using policy::remote::Endpoint;
using policy::remote::PromptTemplate;

namespace {

std::string lemma_prompt(Endpoint endpoint) {
  remote::TemplateValues values;
  values.proofs = remote::render_proofs(
      "import Mathlib", {{"t1", "theorem t1 (n : Nat) : Chain n := by\n  unfold Chain\n"}, {"", "theorem t2 : True := trivial"}});
  return PromptTemplate::load("lemmas", endpoint).render(values);
}

RemoteOptions options(const std::string& url, const std::string& endpoint) {
  RemoteOptions o;
  o.base_url = url;
  o.endpoint = endpoint;
  o.retries = 0;
  o.backoff_ms = 0;
  return o;
}

}  // namespace

TEST_CASE("the lemmas template shows the header and each proof, and asks for theorems in a lean4 block") {
  std::string chat = lemma_prompt(Endpoint::chat);
  CHECK_THAT(chat, Catch::Contains("The proofs' header:\n\n```lean4\nimport Mathlib\n```\n\n"));
  CHECK_THAT(chat, Catch::Contains("Proof 1 (t1):\n\n```lean4\ntheorem t1 (n : Nat) : Chain n := by\n  unfold Chain\n```\n\n"));
  CHECK_THAT(chat, Catch::Contains("Proof 2:\n\n```lean4\ntheorem t2 : True := trivial\n```\n\n"));
  CHECK_THAT(chat, Catch::Contains("`theorem NAME (x : T) ... : TYPE := by ...` with explicit binders only"));
  CHECK_THAT(chat, Catch::EndsWith("in one ```lean4 code block at the end of your answer."));
  CHECK_FALSE(remote::prompt_opens_code_block(chat));
  std::string completion = lemma_prompt(Endpoint::completions);
  CHECK_THAT(completion, Catch::EndsWith("with explicit binders only:\n\n```lean4\n"));
  CHECK(remote::prompt_opens_code_block(completion));
  CHECK(remote::render_proofs("", {}).empty());
}

TEST_CASE("ask_once posts one chat prompt and returns the answer, asking the model when none is given") {
  openai_double::Script script;
  script.model = "lemma-model";
  script.rules = {{"Proof 1 (t1)", {"Sure.\n```lean4\ntheorem h (n : Nat) : Chain n := by simp\n```"}}};
  openai_double::Server server(script);
  RemoteOptions o = options(server.base_url(), "chat");
  o.temperature = 0.5;
  o.max_tokens = 777;
  auto answer = remote::ask_once(o, lemma_prompt(Endpoint::chat), 42);
  REQUIRE(answer.text);
  CHECK(*answer.text == "Sure.\n```lean4\ntheorem h (n : Nat) : Chain n := by simp\n```");
  CHECK(answer.model == "lemma-model");
  CHECK(answer.url == server.base_url() + "/chat/completions");
  auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].path == "/v1/models");
  json body = json::parse(requests[1].body);
  CHECK(body.at("n") == 1);
  CHECK(body.at("seed") == 42);
  CHECK(body.at("max_tokens") == 777);
  CHECK(body.at("model") == "lemma-model");
  CHECK(body.at("messages").at(0).at("content") == lemma_prompt(Endpoint::chat));
}

TEST_CASE("ask_once on the completions endpoint gives the open block's code back closed") {
  openai_double::Script script;
  script.fallback = {"theorem h (n : Nat) : Chain n := by simp\n```\nand some prose"};
  openai_double::Server server(script);
  RemoteOptions o = options(server.base_url(), "completions");
  o.model = "m";
  auto answer = remote::ask_once(o, lemma_prompt(Endpoint::completions));
  REQUIRE(answer.text);
  CHECK(*answer.text == "```lean4\ntheorem h (n : Nat) : Chain n := by simp\n```\n");
  json body = json::parse(server.requests().at(0).body);
  CHECK(body.at("stop") == json::array({"```"}));
}

TEST_CASE("ask_once says what failed: an HTTP error, a timeout, a garbage answer, no server") {
  openai_double::Script failing;
  failing.fail_first = 100;
  failing.fail_status = 500;
  {
    openai_double::Server server(failing);
    RemoteOptions o = options(server.base_url(), "chat");
    o.model = "m";
    o.retries = 1;
    auto answer = remote::ask_once(o, "p");
    CHECK_FALSE(answer.text);
    CHECK_THAT(answer.error, Catch::Contains("HTTP 500"));
    CHECK_THAT(answer.error, Catch::Contains("/v1/chat/completions"));
    CHECK(server.request_count() == 2);
  }
  openai_double::Script slow;
  slow.sleep_ms = 5000;
  {
    openai_double::Server server(slow);
    RemoteOptions o = options(server.base_url(), "chat");
    o.model = "m";
    o.timeout_ms = 300;
    auto answer = remote::ask_once(o, "p");
    CHECK_FALSE(answer.text);
    CHECK_THAT(answer.error, Catch::Contains("no answer within"));
  }
  openai_double::Script garbage;
  garbage.garbage = openai_double::Garbage::no_choices;
  {
    openai_double::Server server(garbage);
    RemoteOptions o = options(server.base_url(), "chat");
    o.model = "m";
    auto answer = remote::ask_once(o, "p");
    CHECK_FALSE(answer.text);
    CHECK_THAT(answer.error, Catch::Contains("$.choices is missing"));
  }
  int port = 0;
  {
    openai_double::Server server;
    port = server.port();
  }
  RemoteOptions o = options("http://127.0.0.1:" + std::to_string(port), "chat");
  auto answer = remote::ask_once(o, "p");  // no model: the GET fails first
  CHECK_FALSE(answer.text);
  CHECK_THAT(answer.error, Catch::Contains("no model given, and asking the server failed"));
  CHECK_THROWS_AS(remote::ask_once(options("ftp://h", "chat"), "p"), PolicyError);
  CHECK_THROWS_AS(remote::ask_once(options("http://h", "words"), "p"), PolicyError);
}

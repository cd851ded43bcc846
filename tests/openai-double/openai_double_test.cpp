// The OpenAI-compatible server double: its answers, its steering, and the executable.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "double_process.hpp"
#include "openai_double.hpp"
#include "tests/support/temp_dir.hpp"

using nlohmann::json;
using openai_double::Garbage;
using openai_double::Script;
using openai_double::Server;

namespace {

httplib::Result post(int port, const std::string& path, const json& body,
                     const httplib::Headers& headers = {}) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(5, 0);
  return client.Post(path.c_str(), headers, body.dump(), "application/json");
}

json completions(int n, const std::string& prompt = "p") {
  return {{"model", "double-model"}, {"prompt", prompt}, {"n", n}, {"max_tokens", 16}};
}

}  // namespace

TEST_CASE("completions answer in the OpenAI shape, n choices, texts cycling per rule") {
  Script script;
  script.rules = {{"alpha", {"one", "two"}}, {"beta", {"b"}}};
  script.fallback = {"none"};
  Server server(script);
  auto result = post(server.port(), "/v1/completions", completions(3, "say alpha"));
  REQUIRE(result);
  REQUIRE(result->status == 200);
  json answer = json::parse(result->body);
  CHECK(answer["object"] == "text_completion");
  CHECK(answer["model"] == "double-model");
  CHECK(answer["id"].is_string());
  CHECK(answer["created"].is_number_integer());
  REQUIRE(answer["choices"].size() == 3);
  CHECK(answer["choices"][0]["text"] == "one");
  CHECK(answer["choices"][1]["text"] == "two");
  CHECK(answer["choices"][2]["text"] == "one");
  CHECK(answer["choices"][2]["index"] == 2);
  CHECK(answer["choices"][0]["finish_reason"] == "stop");
  CHECK(answer["usage"]["completion_tokens"] == 3);

  auto other = post(server.port(), "/v1/completions", completions(1, "nothing matches"));
  REQUIRE(other);
  CHECK(json::parse(other->body)["choices"][0]["text"] == "none");
}

TEST_CASE("chat answers carry message.content and logprobs.content when asked") {
  Script script;
  script.fallback = {"hello there"};
  script.logprob_per_token = -0.5;
  Server server(script);
  json body = {{"model", "m"},
               {"messages", json::array({json{{"role", "user"}, {"content", "hi"}}})},
               {"n", 2},
               {"logprobs", true}};
  auto result = post(server.port(), "/v1/chat/completions", body);
  REQUIRE(result);
  json answer = json::parse(result->body);
  CHECK(answer["object"] == "chat.completion");
  REQUIRE(answer["choices"].size() == 2);
  CHECK(answer["choices"][1]["message"]["role"] == "assistant");
  CHECK(answer["choices"][1]["message"]["content"] == "hello there");
  REQUIRE(answer["choices"][0]["logprobs"]["content"].size() == 2);
  CHECK(answer["choices"][0]["logprobs"]["content"][1]["token"] == " there");
  CHECK(answer["choices"][0]["logprobs"]["content"][1]["logprob"] == -0.5);

  body.erase("logprobs");
  auto without = post(server.port(), "/v1/chat/completions", body);
  REQUIRE(without);
  CHECK(json::parse(without->body)["choices"][0]["logprobs"].is_null());
}

TEST_CASE("stop strings cut the texts unless the script says otherwise") {
  Script script;
  script.fallback = {"  simp\n```\nmore"};
  Server server(script);
  json body = completions(1);
  body["stop"] = json::array({"```"});
  auto cut = post(server.port(), "/v1/completions", body);
  REQUIRE(cut);
  CHECK(json::parse(cut->body)["choices"][0]["text"] == "  simp\n");

  script.honour_stop = false;
  server.set_script(script);
  auto whole = post(server.port(), "/v1/completions", body);
  REQUIRE(whole);
  CHECK(json::parse(whole->body)["choices"][0]["text"] == "  simp\n```\nmore");
}

TEST_CASE("the first requests fail with the scripted status, then answers come") {
  Script script;
  script.fail_first = 2;
  script.fail_status = 429;
  Server server(script);
  auto first = post(server.port(), "/v1/completions", completions(1));
  auto second = post(server.port(), "/v1/completions", completions(1));
  auto third = post(server.port(), "/v1/completions", completions(1));
  REQUIRE((first && second && third));
  CHECK(first->status == 429);
  CHECK(json::parse(first->body)["error"]["message"].is_string());
  CHECK(second->status == 429);
  CHECK(third->status == 200);
  CHECK(server.request_count() == 3);
}

TEST_CASE("garbage answers come in each scripted kind") {
  Script script;
  Server server(script);
  auto body_of = [&](Garbage garbage) {
    script.garbage = garbage;
    server.set_script(script);
    auto result = post(server.port(), "/v1/completions", completions(2));
    REQUIRE(result);
    CHECK(result->status == 200);
    return result->body;
  };
  CHECK(json::parse(body_of(Garbage::not_json), nullptr, false).is_discarded());
  CHECK(body_of(Garbage::empty_body).empty());
  CHECK_FALSE(json::parse(body_of(Garbage::no_choices)).contains("choices"));
  CHECK(json::parse(body_of(Garbage::choices_not_array))["choices"].is_string());
  CHECK(json::parse(body_of(Garbage::wrong_types))["choices"][0]["text"].is_number());
  CHECK(json::parse(body_of(Garbage::few_choices))["choices"].size() == 1);
}

TEST_CASE("a required key refuses requests without the right bearer token") {
  Script script;
  script.api_key = "sk-double";
  Server server(script);
  auto missing = post(server.port(), "/v1/completions", completions(1));
  auto wrong = post(server.port(), "/v1/completions", completions(1),
                    {{"Authorization", "Bearer nope"}});
  auto right = post(server.port(), "/v1/completions", completions(1),
                    {{"Authorization", "Bearer sk-double"}});
  REQUIRE((missing && wrong && right));
  CHECK(missing->status == 401);
  CHECK(wrong->status == 401);
  CHECK(right->status == 200);
  std::vector<openai_double::RecordedRequest> requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK_FALSE(requests[0].header("authorization"));
  CHECK(requests[2].header("AUTHORIZATION") == "Bearer sk-double");
}

TEST_CASE("requests in flight at once are counted, sleeps end when the server stops") {
  Script script;
  script.sleep_ms = 300;
  Server server(script);
  std::vector<std::thread> clients;
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back([&] { post(server.port(), "/v1/completions", completions(1)); });
  }
  for (std::thread& client : clients) client.join();
  CHECK(server.max_in_flight() == 3);

  script.sleep_ms = 60000;
  server.set_script(script);
  std::thread sleeper([&] { post(server.port(), "/v1/completions", completions(1)); });
  while (server.request_count() < 4) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto start = std::chrono::steady_clock::now();
  server.stop();
  sleeper.join();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("/v1/models lists the script's model") {
  Script script;
  script.model = "prover-7b";
  Server server(script);
  httplib::Client client("127.0.0.1", server.port());
  auto result = client.Get("/v1/models");
  REQUIRE(result);
  json answer = json::parse(result->body);
  CHECK(answer["object"] == "list");
  CHECK(answer["data"][0]["id"] == "prover-7b");
}

TEST_CASE("a script names the field it cannot use") {
  CHECK_THROWS_WITH(openai_double::parse_script(R"({"fail_frist": 2})"),
                    Catch::Contains("unknown field 'fail_frist'"));
  CHECK_THROWS_WITH(openai_double::parse_script(R"({"garbage": "bad"})"),
                    Catch::Contains("garbage: unknown kind 'bad'"));
  CHECK_THROWS_WITH(openai_double::parse_script(R"({"rules": [{"contains": 1}]})"),
                    Catch::Contains("rules[0]"));
  Script script = openai_double::parse_script(
      R"({"model": "m", "rules": [{"contains": "x", "completions": ["a"]}], "fail_first": 1,
          "fail_status": 500, "garbage": "few_choices", "garbage_count": 2, "sleep_ms": 5,
          "sleep_count": 1, "api_key": "k", "logprob_per_token": -1, "honour_stop": false,
          "fallback": ["f"], "require_model": true})");
  CHECK(script.model == "m");
  CHECK(script.rules.at(0).completions == std::vector<std::string>{"a"});
  CHECK(script.fail_status == 500);
  CHECK(script.garbage == Garbage::few_choices);
  CHECK(script.api_key == "k");
  CHECK(script.logprob_per_token == -1.0);
  CHECK_FALSE(script.honour_stop);
  CHECK(script.require_model);
}

TEST_CASE("the executable announces its port, follows its script and records requests") {
  test_support::TempDir dir("openai-double");
  std::string script = dir.write("script.json", R"({"rules": [{"contains": "foo",
      "completions": ["  rfl\n```"]}], "fail_first": 1, "model": "m"})");
  std::string record = dir.file("requests.jsonl");
  openai_double::DoubleProcess process(OPENAI_DOUBLE_PATH, {"--script", script, "--record", record});
  REQUIRE(process.port() > 0);
  CHECK(process.base_url() == "http://127.0.0.1:" + std::to_string(process.port()) + "/v1");

  json body = completions(2, "theorem foo");
  body["stop"] = "```";
  auto failed = post(process.port(), "/v1/completions", body);
  auto answered = post(process.port(), "/v1/completions", body, {{"X-Trace", "t1"}});
  REQUIRE((failed && answered));
  CHECK(failed->status == 503);
  REQUIRE(answered->status == 200);
  CHECK(json::parse(answered->body)["choices"][1]["text"] == "  rfl\n");
  CHECK(process.stop() == 0);

  std::ifstream in(record);
  std::string line;
  std::vector<json> lines;
  while (std::getline(in, line)) lines.push_back(json::parse(line));
  REQUIRE(lines.size() == 2);
  CHECK(lines[1]["number"] == 1);
  CHECK(lines[1]["path"] == "/v1/completions");
  CHECK(lines[1]["headers"]["X-Trace"] == "t1");
  CHECK(lines[1]["in_flight"] == 1);  // one request at a time
  CHECK(json::parse(lines[1]["body"].get<std::string>())["n"] == 2);
}

TEST_CASE("the executable refuses a bad script before announcing a port") {
  test_support::TempDir dir("openai-double");
  std::string script = dir.write("script.json", R"({"sleep": 1})");
  CHECK_THROWS_WITH(openai_double::DoubleProcess(OPENAI_DOUBLE_PATH, {"--script", script}),
                    Catch::Contains("did not announce its port"));
}

// The OpenAI wire format: request bodies, and answers read into choices or errors naming the
// URL and the JSON path at fault.
#include "policy/remote/openai_wire.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using nlohmann::json;
using policy::remote::Endpoint;
using policy::remote::parse_choices;

namespace {
const std::string kUrl = "http://h/v1/completions";
}

TEST_CASE("request bodies carry the sampling parameters for each endpoint") {
  policy::remote::SamplingParams params{.model = "m",
                                        .n = 4,
                                        .temperature = 0.7,
                                        .top_p = 0.9,
                                        .max_tokens = 100,
                                        .stop = {"```"},
                                        .seed = 9};
  json completions = json::parse(policy::remote::request_body(Endpoint::completions, "P", params));
  CHECK(completions == json{{"model", "m"}, {"prompt", "P"}, {"n", 4}, {"temperature", 0.7},
                            {"top_p", 0.9}, {"max_tokens", 100}, {"stop", {"```"}},
                            {"seed", 9}, {"logprobs", 1}});
  params.stop.clear();
  params.logprobs = false;
  json chat = json::parse(policy::remote::request_body(Endpoint::chat, "P", params));
  CHECK(chat["messages"] == json::array({json{{"role", "user"}, {"content", "P"}}}));
  CHECK_FALSE(chat.contains("stop"));
  CHECK_FALSE(chat.contains("logprobs"));
  CHECK_FALSE(chat.contains("prompt"));
}

TEST_CASE("choices are placed by their index, else in order") {
  auto shuffled = parse_choices(
      R"({"choices": [{"index": 1, "text": "b"}, {"index": 0, "text": "a"}]})",
      Endpoint::completions, 2, kUrl);
  CHECK(shuffled[0].text == "a");
  CHECK(shuffled[1].text == "b");
  auto duplicate = parse_choices(
      R"({"choices": [{"index": 0, "text": "a"}, {"index": 0, "text": "b"}]})",
      Endpoint::completions, 2, kUrl);
  CHECK(duplicate[0].text == "a");
  CHECK(duplicate[1].text == "b");
  auto extra = parse_choices(R"({"choices": [{"text": "a"}, {"text": "b"}, {"text": "c"}]})",
                             Endpoint::completions, 2, kUrl);
  REQUIRE(extra.size() == 2);
  CHECK_FALSE(extra[1].error);
}

TEST_CASE("a bad choice spoils only its own sample") {
  auto out = parse_choices(
      R"({"choices": [{"index": 0, "message": {"content": "ok"}}, "oops",
                      {"index": 2, "message": {"content": null}}, {"index": 3}]})",
      Endpoint::chat, 5, kUrl);
  CHECK(out[0].text == "ok");
  CHECK_FALSE(out[0].error);
  CHECK(out[1].error == kUrl + ": $.choices[1] is a string, expected an object");
  CHECK(out[2].error == kUrl + ": $.choices[2].message.content is a null, expected a string");
  CHECK(out[3].error == kUrl + ": $.choices[3].message is missing");
  CHECK(out[4].error == kUrl + ": $.choices has 4 entries, 5 asked");
}

TEST_CASE("an unusable answer gives every sample the same error") {
  auto all_say = [](const std::string& body, const std::string& problem) {
    auto out = parse_choices(body, Endpoint::completions, 2, kUrl);
    REQUIRE(out.size() == 2);
    CHECK(out[0].error == kUrl + ": " + problem);
    CHECK(out[1].error == out[0].error);
  };
  all_say("", "answer is not JSON (empty body)");
  all_say("<html>502</html>", "answer is not JSON ('<html>502</html>')");
  all_say("[1]", "$ is an array, expected an object");
  all_say(R"({"id": "x"})", "$.choices is missing");
  all_say(R"({"choices": {"0": "a"}})", "$.choices is an object, expected an array");
  all_say(R"({"error": {"message": "model not loaded"}})",
          R"($.choices is missing; the answer holds an error: {"message":"model not loaded"})");
}

TEST_CASE("token log-probabilities are summed when the answer has them") {
  auto completions = parse_choices(
      R"({"choices": [{"index": 0, "text": "a b", "logprobs": {"tokens": ["a", " b"],
          "token_logprobs": [null, -0.5, -0.25]}},
          {"index": 1, "text": "c", "logprobs": null},
          {"index": 2, "text": "d", "logprobs": {"token_logprobs": ["x"]}}]})",
      Endpoint::completions, 3, kUrl);
  REQUIRE(completions[0].logprob);
  CHECK(*completions[0].logprob == Approx(-0.75));
  CHECK_FALSE(completions[1].logprob);
  CHECK_FALSE(completions[2].logprob);
  auto chat = parse_choices(
      R"({"choices": [{"index": 0, "message": {"content": "x"},
          "logprobs": {"content": [{"token": "x", "logprob": -1.5}, {"token": "y", "logprob": -0.5}]}}]})",
      Endpoint::chat, 1, kUrl);
  REQUIRE(chat[0].logprob);
  CHECK(*chat[0].logprob == Approx(-2.0));
}

TEST_CASE("model ids are read from a /models answer") {
  CHECK(policy::remote::parse_model_ids(R"({"data": [{"id": "a"}, {"id": "b"}]})") ==
        std::vector<std::string>{"a", "b"});
  CHECK(policy::remote::parse_model_ids("nope").empty());
}

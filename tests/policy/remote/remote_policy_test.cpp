// The remote policy against the OpenAI-compatible double, in process.
#include "policy/remote/remote_policy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "openai_double.hpp"
#include "tests/support/temp_dir.hpp"

using nlohmann::json;
using openai_double::Garbage;
using openai_double::Script;
using openai_double::Server;
using policy::Completion;
using policy::GenerationRequest;
using policy::PolicyError;
using policy::RemoteOptions;
using policy::RemotePolicy;

namespace {

const std::string kHeader = "import Mathlib\n";
const std::string kStatement = "theorem add_zero' (n : Nat) : n + 0 = n := by\n";

policy::TaskView task(const std::string& name = "add_zero'") {
  return {"task-v1:abc", name, kHeader, kStatement};
}

RemoteOptions options_for(const std::string& base_url) {
  RemoteOptions options;
  options.base_url = base_url;
  options.model = "double-model";
  options.retries = 2;
  options.backoff_ms = 1;
  options.timeout_ms = 3000;
  options.concurrency = 4;
  return options;
}

std::vector<GenerationRequest> one_request(int samples, uint64_t seed = 7) {
  return {GenerationRequest{task(), samples, seed}};
}

json body_of(const openai_double::RecordedRequest& request) { return json::parse(request.body); }

// A port with nothing listening on it (bound, never listening: connections are refused).
class ClosedPort {
 public:
  ClosedPort() {
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      throw std::runtime_error("cannot bind");
    }
    socklen_t size = sizeof address;
    ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &size);
    m_port = ntohs(address.sin_port);
  }
  ~ClosedPort() { ::close(m_fd); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port) + "/v1"; }

 private:
  int m_fd = -1;
  int m_port = 0;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("completions: the request carries model, prompt, n, sampling, stop and seed") {
  Script script;
  script.fallback = {"  simp\n```\nDone.", "  omega"};
  script.logprob_per_token = -0.5;
  Server server(script);
  RemoteOptions options = options_for(server.base_url());
  options.temperature = 0.6;
  options.top_p = 0.9;
  options.max_tokens = 512;
  RemotePolicy remote(options);
  CHECK(remote.kind() == "openai");
  CHECK(remote.version() == "openai:double-model");
  CHECK(remote.capabilities().whole);
  CHECK(remote.capabilities().step);
  CHECK_FALSE(remote.capabilities().learns);
  CHECK(remote.endpoint_url() == server.base_url() + "/completions");

  auto out = remote.generate(one_request(2, 42));
  REQUIRE(server.request_count() == 1);
  openai_double::RecordedRequest request = server.requests()[0];
  CHECK(request.path == "/v1/completions");
  CHECK(request.header("Content-Type") == "application/json");
  json body = body_of(request);
  CHECK(body["model"] == "double-model");
  CHECK(body["prompt"] ==
        "Complete the following Lean 4 code:\n\n```lean4\n" + kHeader + kStatement);
  CHECK(body["n"] == 2);
  CHECK(body["temperature"] == 0.6);
  CHECK(body["top_p"] == 0.9);
  CHECK(body["max_tokens"] == 512);
  CHECK(body["stop"] == json::array({"```"}));
  CHECK(body["seed"] == 42);
  CHECK(body["logprobs"] == 1);

  REQUIRE(out.size() == 1);
  REQUIRE(out[0].size() == 2);
  const Completion& first = out[0][0];
  CHECK(first.prompt == body["prompt"]);
  CHECK(first.completion == "  simp\n");  // the double cut it at the stop sequence
  CHECK(first.proof == "  simp\n");
  CHECK_FALSE(first.whole_file);
  CHECK_FALSE(first.error);
  REQUIRE(first.logprob);
  CHECK(*first.logprob == Approx(-1.0));  // two tokens: "  simp" and "\n"
  CHECK(out[0][1].proof == "  omega");
  CHECK(out[0][1].decisions.empty());
}

TEST_CASE("completions: a server ignoring the stop sequence is cut at the first fence") {
  Script script;
  script.honour_stop = false;
  script.fallback = {"  simp\n```\n\nMore prose.\n```lean4\n  rfl\n```"};
  Server server(script);
  RemotePolicy remote(options_for(server.base_url()));
  auto out = remote.generate(one_request(1));
  CHECK(out[0][0].completion == script.fallback[0]);
  CHECK(out[0][0].proof == "  simp\n");
  CHECK_FALSE(out[0][0].logprob);  // the script sends no logprobs
}

TEST_CASE("chat: the request carries messages and no stop, the last Lean block is the proof") {
  Script script;
  script.rules = {{"add_zero'",
                   {"<think>maybe simp</think>\nHere it is:\n```lean4\n" + kHeader + kStatement +
                        "  simp\n```",
                    "```lean4\nimport Mathlib\nopen Nat\n\n" + kStatement + "  omega\n```",
                    "I cannot prove this."}}};
  Server server(script);
  RemoteOptions options = options_for(server.base_url());
  options.endpoint = "chat";
  options.logprobs = false;
  RemotePolicy remote(options);
  CHECK(remote.endpoint_url() == server.base_url() + "/chat/completions");
  auto out = remote.generate(one_request(3, 5));

  json body = body_of(server.requests().at(0));
  CHECK(server.requests()[0].path == "/v1/chat/completions");
  REQUIRE(body["messages"].size() == 1);
  CHECK(body["messages"][0]["role"] == "user");
  std::string content = body["messages"][0]["content"];
  CHECK_THAT(content, Catch::Contains(kHeader + kStatement));
  CHECK(body["n"] == 3);
  CHECK(body["seed"] == 5);
  CHECK(body["model"] == "double-model");
  CHECK_FALSE(body.contains("stop"));
  CHECK_FALSE(body.contains("logprobs"));
  CHECK_FALSE(body.contains("prompt"));

  REQUIRE(out[0].size() == 3);
  CHECK(out[0][0].prompt == content);
  CHECK(out[0][0].proof == "  simp\n");
  CHECK_FALSE(out[0][0].whole_file);
  CHECK(out[0][1].whole_file);
  CHECK_THAT(out[0][1].proof, Catch::StartsWith("import Mathlib\nopen Nat\n"));
  CHECK(out[0][2].error == "no Lean code block in the model's answer");
  CHECK(out[0][2].malformed);  // the model answered wrongly; the request did not fail
  CHECK_FALSE(out[0][0].malformed);
  CHECK(out[0][2].completion == "I cannot prove this.");
}

TEST_CASE("base URLs with or without /v1 and trailing slashes request the same paths") {
  Server server;
  std::string root = "http://127.0.0.1:" + std::to_string(server.port());
  for (const std::string& base :
       {root, root + "/", root + "/v1", root + "/v1/", "openai:" + root + "/v1"}) {
    RemotePolicy remote(options_for(base));
    CHECK(remote.endpoint_url() == root + "/v1/completions");
    remote.generate(one_request(1));
  }
  for (const auto& request : server.requests()) CHECK(request.path == "/v1/completions");
  CHECK(server.request_count() == 5);
}

TEST_CASE("bad base URLs and options are refused with the value at fault") {
  CHECK_THROWS_WITH(RemotePolicy(options_for("ftp://h/v1")),
                    Catch::Contains("base URL 'ftp://h/v1' must start with http:// or https://"));
  CHECK_THROWS_WITH(RemotePolicy(options_for("http:///v1")), Catch::Contains("has no host"));
  CHECK_THROWS_WITH(RemotePolicy(options_for("http://h/v1?key=1")), Catch::Contains("query"));
  RemoteOptions options = options_for("http://127.0.0.1:1/v1");
  options.endpoint = "responses";
  CHECK_THROWS_WITH(RemotePolicy(options), Catch::Contains("unknown endpoint 'responses'"));
  options = options_for("http://127.0.0.1:1/v1");
  options.concurrency = 0;
  CHECK_THROWS_AS(RemotePolicy(options), PolicyError);
}

TEST_CASE("n samples are split into requests of at most samples_per_request, seeds differing") {
  Server server;
  // Each text names its request's seed and its index in that request.
  server.set_handler([](const openai_double::RecordedRequest& request) {
    json body = json::parse(request.body);
    json choices = json::array();
    for (int i = 0; i < body["n"].get<int>(); ++i) {
      choices.push_back({{"index", i},
                         {"text", "  exact s" + body["seed"].dump() + "i" + std::to_string(i)},
                         {"finish_reason", "stop"}});
    }
    return openai_double::Reply{200, json{{"choices", choices}}.dump()};
  });
  RemoteOptions options = options_for(server.base_url());
  options.samples_per_request = 16;
  RemotePolicy remote(options);
  const uint64_t seed = ~uint64_t{0};  // above 2^63: sent without its top bit
  auto out = remote.generate(one_request(40, seed));

  std::vector<openai_double::RecordedRequest> requests = server.requests();
  REQUIRE(requests.size() == 3);
  std::multiset<int> sizes;
  std::set<uint64_t> seeds;
  for (const auto& request : requests) {
    json body = body_of(request);
    sizes.insert(body["n"].get<int>());
    seeds.insert(body["seed"].get<uint64_t>());
  }
  CHECK(sizes == std::multiset<int>{8, 16, 16});
  CHECK(seeds.size() == 3);
  CHECK(seeds.count(seed >> 1) == 1);
  for (uint64_t s : seeds) CHECK(s < (uint64_t{1} << 63));

  // Samples come back in chunk order: the first 16 from the request with the request's seed.
  REQUIRE(out[0].size() == 40);
  CHECK(out[0][0].proof == "  exact s" + std::to_string(seed >> 1) + "i0");
  CHECK(out[0][15].proof == "  exact s" + std::to_string(seed >> 1) + "i15");
  std::set<std::string> distinct;
  for (const Completion& c : out[0]) distinct.insert(c.proof);
  CHECK(distinct.size() == 40);
}

TEST_CASE("several requests in one call come back in request order") {
  Script script;
  script.rules = {{"theorem first", {"  one"}}, {"theorem second", {"  two"}}};
  Server server(script);
  RemotePolicy remote(options_for(server.base_url()));
  policy::TaskView a{"id-a", "first", "", "theorem first : True := by\n"};
  policy::TaskView b{"id-b", "second", "", "theorem second : True := by\n"};
  auto out = remote.generate({{a, 2, 1}, {b, 1, 2}, {a, 0, 3}});
  REQUIRE(out.size() == 3);
  REQUIRE(out[0].size() == 2);
  REQUIRE(out[1].size() == 1);
  CHECK(out[2].empty());
  CHECK(out[0][1].proof == "  one");
  CHECK(out[1][0].proof == "  two");
  CHECK(server.request_count() == 2);
}

TEST_CASE("503 is retried until an answer comes") {
  Script script;
  script.fail_first = 2;
  script.fail_status = 503;
  script.fallback = {"  simp"};
  Server server(script);
  RemotePolicy remote(options_for(server.base_url()));
  auto out = remote.generate(one_request(1));
  CHECK(server.request_count() == 3);
  CHECK_FALSE(out[0][0].error);
  CHECK(out[0][0].proof == "  simp");
}

TEST_CASE("429 is retried after exponential backoff") {
  Script script;
  script.fail_first = 2;
  script.fail_status = 429;
  script.fallback = {"  simp"};
  Server server(script);
  RemoteOptions options = options_for(server.base_url());
  options.backoff_ms = 40;
  RemotePolicy remote(options);
  auto start = std::chrono::steady_clock::now();
  auto out = remote.generate(one_request(1));
  CHECK(seconds_since(start) >= 0.120);  // 40 ms, then 80 ms
  CHECK(server.request_count() == 3);
  CHECK(out[0][0].proof == "  simp");
}

TEST_CASE("400 is not retried, every sample's error names the URL, status and body") {
  Script script;
  script.fail_first = 10;
  script.fail_status = 400;
  Server server(script);
  RemotePolicy remote(options_for(server.base_url()));
  auto out = remote.generate(one_request(2));
  CHECK(server.request_count() == 1);
  for (const Completion& c : out[0]) {
    REQUIRE(c.error);
    CHECK_THAT(*c.error, Catch::StartsWith("POST " + server.base_url() + "/completions: HTTP 400: "));
    CHECK_THAT(*c.error, Catch::Contains("scripted failure"));
    CHECK(c.proof.empty());
    CHECK_FALSE(c.malformed);  // a failed request says nothing about the model
  }
}

TEST_CASE("5xx on every attempt ends in per-sample errors, not an exception") {
  Script script;
  script.fail_first = 100;
  script.fail_status = 502;
  Server server(script);
  RemotePolicy remote(options_for(server.base_url()));
  auto out = remote.generate(one_request(1));
  CHECK(server.request_count() == 3);  // retries = 2
  REQUIRE(out[0][0].error);
  CHECK_THAT(*out[0][0].error, Catch::Contains("HTTP 502 (3 attempts)"));
}

TEST_CASE("a server that is down stops generate() with the URL it could not reach") {
  ClosedPort port;
  RemoteOptions options = options_for(port.url());
  options.backoff_ms = 100;  // 0.3 s of backoff per request: 15 rounds would take 4.5 s
  RemotePolicy remote(options);
  std::vector<GenerationRequest> many(60, GenerationRequest{task(), 1, 1});
  auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(remote.generate(many),
                    Catch::StartsWith("cannot reach " + port.url() + "/completions: "));
  // The first request that fails for good abandons the rest: no 60 rounds of retries.
  CHECK(seconds_since(start) < 2.0);
  CHECK_THROWS_AS(remote.propose({nullptr, {"⊢ True"}, "", 0}, 2, 1), PolicyError);
}

TEST_CASE("https to a server that does not speak TLS is a connection failure, not a crash") {
  Server server;
  RemoteOptions options = options_for("https://127.0.0.1:" + std::to_string(server.port()));
  options.retries = 0;
  options.timeout_ms = 2000;
  RemotePolicy remote(options);
  CHECK_THROWS_WITH(remote.generate(one_request(1)),
                    Catch::StartsWith("cannot reach https://127.0.0.1:" +
                                      std::to_string(server.port()) + "/v1/completions"));
}

TEST_CASE("garbage answers give per-sample errors naming the URL and the problem") {
  Script script;
  script.fallback = {"  simp"};
  Server server(script);
  const std::string url = server.base_url() + "/completions";
  auto errors_with = [&](Garbage garbage, const std::string& endpoint) {
    script.garbage = garbage;
    server.set_script(script);
    RemoteOptions options = options_for(server.base_url());
    options.endpoint = endpoint;
    auto out = RemotePolicy(options).generate(one_request(2));
    REQUIRE(out[0].size() == 2);
    return std::vector<std::optional<std::string>>{out[0][0].error, out[0][1].error};
  };
  auto not_json = errors_with(Garbage::not_json, "completions");
  CHECK_THAT(not_json[0].value_or(""), Catch::StartsWith(url + ": answer is not JSON ('<html>"));
  CHECK(not_json[1] == not_json[0]);
  CHECK(errors_with(Garbage::empty_body, "completions")[0] ==
        url + ": answer is not JSON (empty body)");
  CHECK(errors_with(Garbage::no_choices, "completions")[1] == url + ": $.choices is missing");
  CHECK(errors_with(Garbage::choices_not_array, "completions")[0] ==
        url + ": $.choices is a string, expected an array");
  CHECK(errors_with(Garbage::wrong_types, "completions")[1] ==
        url + ": $.choices[1].text is a number, expected a string");
  CHECK(errors_with(Garbage::wrong_types, "chat")[0] ==
        server.base_url() + "/chat/completions: $.choices[0].message.content is a number, "
                            "expected a string");
  script.garbage = Garbage::wrong_types;
  server.set_script(script);
  CHECK_FALSE(RemotePolicy(options_for(server.base_url())).generate(one_request(1))[0][0].malformed);
  auto few = errors_with(Garbage::few_choices, "completions");
  CHECK_FALSE(few[0]);
  CHECK(few[1] == url + ": $.choices has 1 entries, 2 asked");
}

TEST_CASE("a slow answer times out and is retried, without retries the sample says so") {
  Script script;
  script.sleep_ms = 5000;
  script.sleep_count = 1;  // only the first request is slow
  script.fallback = {"  simp"};
  Server server(script);
  RemoteOptions options = options_for(server.base_url());
  options.timeout_ms = 300;
  options.retries = 1;
  auto start = std::chrono::steady_clock::now();
  auto out = RemotePolicy(options).generate(one_request(1));
  CHECK(seconds_since(start) < 3.0);
  CHECK(server.request_count() == 2);
  CHECK(out[0][0].proof == "  simp");

  script.sleep_count = -1;
  script.sleep_ms = 1000;
  server.set_script(script);
  options.retries = 0;
  out = RemotePolicy(options).generate(one_request(1));
  REQUIRE(out[0][0].error);
  CHECK(*out[0][0].error ==
        "POST " + server.base_url() + "/completions: no answer within 0.3 s (1 attempt)");
}

TEST_CASE("never more requests in flight than the concurrency limit") {
  Script script;
  script.sleep_ms = 30;
  script.fallback = {"  simp"};
  Server server(script);
  RemoteOptions options = options_for(server.base_url());
  options.concurrency = 3;
  std::vector<GenerationRequest> requests(12, GenerationRequest{task(), 1, 1});
  auto out = RemotePolicy(options).generate(requests);
  CHECK(server.request_count() == 12);
  CHECK(server.max_in_flight() <= 3);
  CHECK(server.max_in_flight() >= 2);
  for (const auto& samples : out) CHECK(samples.at(0).proof == "  simp");
}

TEST_CASE("the Authorization header is sent only with a key, and the key is never in errors") {
  Script script;
  script.fallback = {"  simp"};
  Server server(script);
  RemoteOptions options = options_for(server.base_url());
  RemotePolicy(options).generate(one_request(1));
  CHECK_FALSE(server.requests().back().header("Authorization"));

  options.api_key = "sk-secret-123";
  RemotePolicy(options).generate(one_request(1));
  CHECK(server.requests().back().header("Authorization") == "Bearer sk-secret-123");

  script.api_key = "sk-other";
  server.set_script(script);
  auto out = RemotePolicy(options).generate(one_request(1));
  REQUIRE(out[0][0].error);
  CHECK_THAT(*out[0][0].error, Catch::Contains("HTTP 401"));
  CHECK_THAT(*out[0][0].error, !Catch::Contains("sk-secret-123"));
}

TEST_CASE("api_key_from_env reads a set, non-empty variable") {
  ::setenv("HARNESS_TEST_REMOTE_KEY", "sk-env", 1);
  CHECK(policy::api_key_from_env("HARNESS_TEST_REMOTE_KEY") == "sk-env");
  ::setenv("HARNESS_TEST_REMOTE_KEY", "", 1);
  CHECK_FALSE(policy::api_key_from_env("HARNESS_TEST_REMOTE_KEY"));
  ::unsetenv("HARNESS_TEST_REMOTE_KEY");
  CHECK_FALSE(policy::api_key_from_env("HARNESS_TEST_REMOTE_KEY"));
}

TEST_CASE("propose samples 2k tactics, dedups them and ranks the most frequent first") {
  Script script;
  script.fallback = {" simp", " omega\nmore", " simp", " ring", " simp", "omega", "\n"};
  Server server(script);
  RemotePolicy remote(options_for(server.base_url()));
  policy::TaskView view = task();
  policy::StepState state{&view, {"n : Nat\n⊢ n + 0 = n", "⊢ True"}, "intro n", 1};
  auto tactics = remote.propose(state, 3, 11);

  json body = body_of(server.requests().at(0));
  CHECK(body["n"] == 6);
  CHECK(body["stop"] == json::array({"\n"}));
  CHECK(body["seed"] == 11);
  std::string prompt = body["prompt"];
  CHECK_THAT(prompt, Catch::Contains("n : Nat\n⊢ n + 0 = n"));
  CHECK_THAT(prompt, !Catch::Contains("⊢ True"));

  REQUIRE(tactics.size() == 3);
  CHECK(tactics[0].tactic == "simp");
  CHECK(tactics[0].logprob == Approx(std::log(3.0 / 6.0)));
  CHECK(tactics[1].tactic == "omega");
  CHECK(tactics[1].logprob == Approx(std::log(2.0 / 6.0)));
  CHECK(tactics[2].tactic == "ring");
  CHECK(tactics[2].logprob == Approx(std::log(1.0 / 6.0)));

  CHECK(remote.propose(state, 1, 12).size() == 1);
  CHECK(remote.propose({&view, {}, "", 0}, 3, 1).empty());
}

TEST_CASE("propose uses token log-probabilities when the server returns them") {
  Script script;
  script.fallback = {" norm_num [foo]", " simp", " simp", " norm_num [foo]"};
  script.logprob_per_token = -0.25;
  Server server(script);
  RemotePolicy remote(options_for(server.base_url()));
  policy::TaskView view = task();
  auto tactics = remote.propose({&view, {"⊢ 1 + 1 = 2"}, "", 0}, 2, 3);
  REQUIRE(tactics.size() == 2);
  // Equal counts: the likelier sequence first.
  CHECK(tactics[0].tactic == "simp");
  CHECK(tactics[0].logprob == Approx(-0.25));
  CHECK(tactics[1].tactic == "norm_num [foo]");
  CHECK(tactics[1].logprob == Approx(-0.5));
}

TEST_CASE("propose on the chat endpoint reads the tactic from the answer's block") {
  Script script;
  script.fallback = {"<think>try it</think>\n```lean4\nnlinarith [sq_nonneg x]\n```", "decide"};
  Server server(script);
  RemoteOptions options = options_for(server.base_url());
  options.endpoint = "chat";
  RemotePolicy remote(options);
  auto tactics = remote.propose({nullptr, {"x : ℝ\n⊢ 0 ≤ x ^ 2"}, "", 0}, 1, 5);
  json body = body_of(server.requests().at(0));
  CHECK_FALSE(body.contains("stop"));
  CHECK(body["n"] == 2);
  REQUIRE(tactics.size() == 1);
  CHECK(tactics[0].tactic == "nlinarith [sq_nonneg x]");
}

TEST_CASE("a template file with an unknown placeholder stops the policy's construction") {
  test_support::TempDir dir("remote-policy");
  std::string path = dir.write("prompt.txt", "Prove {statment}\n");
  RemoteOptions options = options_for("http://127.0.0.1:1/v1");
  options.prompt_template = path;
  CHECK_THROWS_WITH(RemotePolicy(options),
                    Catch::Contains(path) && Catch::Contains("unknown placeholder {statment}"));
  options.prompt_template = "deepseek";
  options.tactic_template = path;
  CHECK_THROWS_AS(RemotePolicy(options), PolicyError);
}

TEST_CASE("a template file shapes the prompt, a closed block makes answers read as chat") {
  test_support::TempDir dir("remote-policy");
  std::string path = dir.write("prompt.txt", "Task {name}:\n```lean4\n{statement}```\nProof:\n");
  Script script;
  script.fallback = {"```lean4\n" + kStatement + "  simp\n```"};
  Server server(script);
  RemoteOptions options = options_for(server.base_url());
  options.prompt_template = path;
  auto out = RemotePolicy(options).generate(one_request(1));
  json body = body_of(server.requests().at(0));
  CHECK(body["prompt"] == "Task add_zero':\n```lean4\n" + kStatement + "```\nProof:\n");
  CHECK_FALSE(body.contains("stop"));
  CHECK(out[0][0].proof == "  simp\n");
}

TEST_CASE("with no model given the server's first model is used") {
  Script script;
  script.model = "deepseek-prover-v1.5";
  script.require_model = true;
  script.fallback = {"  simp"};
  Server server(script);
  RemoteOptions options = options_for(server.base_url());
  options.model.clear();
  RemotePolicy remote(options);
  CHECK(remote.version() == "openai:deepseek-prover-v1.5");
  auto out = remote.generate(one_request(1));
  CHECK(out[0][0].proof == "  simp");

  ClosedPort port;
  options.base_url = port.url();
  CHECK_THROWS_WITH(RemotePolicy(options), Catch::Contains("cannot reach " + port.url() + "/models"));
}

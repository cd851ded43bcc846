// `harness serve` end to end: the built binary against the REPL double, over real loopback
// HTTP, with the request shapes of Kimina Lean Server's clients (docs/serve-clients.md).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <httplib.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "store/store.hpp"
#include "tests/support/serve_process.hpp"
#include "tests/support/shell.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// `harness serve --port 0 ARGS...` (test_support::ServeProcess) with an HTTP client at hand.
class Server {
 public:
  explicit Server(std::vector<std::string> args, std::vector<std::string> env = {})
      : m_process(HARNESS_PATH, args, env) {}
  int port() const { return m_process.port(); }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port());
    c.set_read_timeout(30, 0);
    return c;
  }
  int stop() { return m_process.stop(); }

 private:
  test_support::ServeProcess m_process;
};

std::vector<std::string> args(const test_support::TempDir& dir, std::vector<std::string> more = {}) {
  std::vector<std::string> a = {"--db", (dir.path() / "h.db").string(), "--workers", "2",
                                "--sandbox", "none", "--repl", FAKE_REPL_PATH, "--timeout", "5"};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

json post(httplib::Client& c, const std::string& path, const json& body, int expect = 200) {
  auto res = c.Post(path.c_str(), body.dump(), "application/json");
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == expect);
  CHECK(res->get_header_value("Content-Type") == "application/json");
  return json::parse(res->body);
}

}  // namespace

TEST_CASE("serve answers Kimina's /verify and /api/check with sound verdicts, and records them",
          "[e2e][serve]") {
  test_support::TempDir dir;
  std::ofstream(dir.path() / "tasks.jsonl")
      << json{{"name", "known"}, {"header", "import Mathlib\n"},
              {"formal_statement", "theorem known : True := by\n"}}.dump()
      << "\n";
  Server server(args(dir, {"--tasks", (dir.path() / "tasks.jsonl").string()}));
  auto c = server.client();
  for (const char* path : {"/", "/health"}) {
    auto res = c.Get(path);
    REQUIRE(res);
    CHECK(json::parse(res->body) == json{{"status", "ok"}});
  }
  json verify = post(c, "/verify",
                     {{"codes",
                       {{{"custom_id", "known"}, {"proof", "import Mathlib\n\ntheorem known : True := by\n  trivial\n"}},
                        {{"custom_id", 7}, {"proof", "import Mathlib\ntheorem other : True := by\n  trivial\n"}},
                        {{"custom_id", "errs"}, {"proof", "import Mathlib\ntheorem e : True := by\n--! error type mismatch\n  trivial\n"}},
                        {{"custom_id", "cheat"}, {"proof", "theorem c : 2 + 2 = 4 := by native_decide\n"}},
                        {{"custom_id", "wrong"}, {"proof", "import Mathlib\n\ntheorem known : False := by\n  trivial\n"}},
                        {{"custom_id", "none"}}}},
                      {"timeout", 60}});
  const json& r = verify.at("results");
  REQUIRE(r.size() == 6);
  CHECK(r[0]["custom_id"] == "known");
  CHECK(r[0]["verdict"] == "pass");
  CHECK(r[0]["reward"] == 1.0);  // a known task's theorem
  CHECK(r[0]["error"].is_null());
  CHECK(r[0]["response"]["env"] == 0);
  CHECK(r[1]["custom_id"] == 7);
  CHECK(r[1]["verdict"] == "pass");
  CHECK(r[1]["reward"].is_null());  // proves nothing anybody asked for
  CHECK(r[2]["verdict"] == "fail");
  CHECK(r[2]["response"]["messages"][0]["severity"] == "error");
  CHECK(r[2]["response"]["messages"][0]["pos"]["line"] == 2);  // line 3 of the code, after the import
  CHECK(r[3]["verdict"] == "rejected");
  CHECK(r[3]["decided_by"] == "guard");
  CHECK(r[3]["response"]["messages"][0]["severity"] == "error");
  CHECK(r[4]["verdict"] != "pass");  // not the task's statement
  CHECK(r[4]["reward"] == 0.0);
  CHECK(r[5]["error"] == "No code provided");

  json check = post(c, "/api/check",
                    {{"snippets", {{{"id", "a1"}, {"code", "theorem t : True := by\n  trivial\n"}},
                                   {{"id", "a2"}, {"code", "theorem s : True := by\n  sorry\n"}}}},
                     {"timeout", 60}, {"debug", false}, {"reuse", true}, {"infotree", nullptr}});
  const json& k = check.at("results");
  REQUIRE(k.size() == 2);
  CHECK(k[0]["id"] == "a1");
  CHECK(k[0].contains("time"));
  CHECK(k[0].contains("response"));
  CHECK_FALSE(k[0].contains("error"));
  CHECK(k[1]["verdict"] == "incomplete");
  CHECK(server.stop() == 0);

  // Every verification is in the store, as a run of kind serve, named by the request's ids.
  auto db = store::Store::open((dir.path() / "h.db").string());
  auto run = db.latest_run("serve");
  REQUIRE(run);
  CHECK(run->status == store::RunStatus::completed);
  auto attempts = db.attempts(run->id);
  CHECK(attempts.size() == 7);  // every snippet with code
  std::vector<std::string> names;
  for (const auto& a : attempts) names.push_back(a.name);
  CHECK(std::find(names.begin(), names.end(), "7") != names.end());
  CHECK(std::find(names.begin(), names.end(), "a2") != names.end());
}

TEST_CASE("serve refuses what it cannot take with a clear status and the JSON path",
          "[e2e][serve]") {
  test_support::TempDir dir;
  Server server(args(dir, {"--max-batch", "2", "--max-queued", "2", "--api-key-env", "SERVE_KEY"}),
                {"SERVE_KEY=s3cret"});
  auto c = server.client();
  // Health stays open; the endpoints want the key.
  auto health = c.Get("/health");
  REQUIRE(health);
  CHECK(health->status == 200);
  json one = {{"codes", {{{"custom_id", "a"}, {"proof", "theorem a : True := trivial\n"}}}}};
  auto no_key = c.Post("/verify", one.dump(), "application/json");
  REQUIRE(no_key);
  CHECK(no_key->status == 401);
  c.set_bearer_token_auth("s3cret");
  post(c, "/verify", one);
  // Malformed and oversized bodies, unknown paths.
  auto bad = c.Post("/verify", R"({"codes": [{"custom_id": 1.5}]})", "application/json");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(json::parse(bad->body)["detail"] ==
        "codes[0].custom_id: expected a string or an integer, got a number");
  json three = {{"codes", json::array()}};
  for (int i = 0; i < 3; ++i) three["codes"].push_back({{"custom_id", i}, {"proof", "x"}});
  auto big = c.Post("/verify", three.dump(), "application/json");
  REQUIRE(big);
  CHECK(big->status == 413);
  auto nowhere = c.Post("/nowhere", "{}", "application/json");
  REQUIRE(nowhere);
  CHECK(nowhere->status == 404);
  // Past the queue: 429 with Retry-After. Two slow snippets fill it.
  json slow = {{"codes", {{{"custom_id", "s1"}, {"proof", "theorem s1 : True := by\n--! sleep 1500\n  trivial\n"}},
                          {{"custom_id", "s2"}, {"proof", "theorem s2 : True := by\n--! sleep 1500\n  trivial\n"}}}}};
  auto pending = std::async(std::launch::async, [&] {
    auto c2 = server.client();
    c2.set_bearer_token_auth("s3cret");
    auto res = c2.Post("/verify", slow.dump(), "application/json");
    return res ? res->status : -1;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto full = c.Post("/verify", one.dump(), "application/json");
  REQUIRE(full);
  CHECK(full->status == 429);
  CHECK(full->get_header_value("Retry-After") == "1");
  CHECK(pending.get() == 200);
}

TEST_CASE("SIGTERM drains: a request in flight is answered, then serve exits 0", "[e2e][serve]") {
  test_support::TempDir dir;
  Server server(args(dir));
  json slow = {{"codes", {{{"custom_id", "s"}, {"proof", "theorem s : True := by\n--! sleep 1000\n  trivial\n"}}}}};
  auto pending = std::async(std::launch::async, [&] {
    auto c = server.client();
    auto res = c.Post("/verify", slow.dump(), "application/json");
    return res ? json::parse(res->body) : json();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK(server.stop() == 0);
  json answer = pending.get();
  REQUIRE(answer.contains("results"));
  CHECK(answer["results"][0]["verdict"] == "pass");
  auto db = store::Store::open((dir.path() / "h.db").string());
  auto run = db.latest_run("serve");
  REQUIRE(run);
  CHECK(run->status == store::RunStatus::completed);
  CHECK(db.attempts(run->id).size() == 1);
}

TEST_CASE("serve answers OpenRLHF's /reward with one number per query", "[e2e][serve]") {
  test_support::TempDir dir;
  std::ofstream(dir.path() / "tasks.jsonl")
      << json{{"name", "t2"}, {"header", "import Mathlib\n"},
              {"formal_statement", "theorem t2 : True := by\n"}}.dump()
      << "\n";
  Server server(args(dir, {"--tasks", (dir.path() / "tasks.jsonl").string()}));
  auto c = server.client();
  const std::string fewshot =
      "Example:\n```lean\nimport Mathlib\ntheorem t2 : True := by\n  trivial\n```\nNow prove t2.\n";
  const std::string opens = "Complete:\n```lean4\nimport Mathlib\n\ntheorem t2 : True := by\n";
  json labelled = {{"header", "import Mathlib\n"}, {"formal_statement", "theorem j : True := by\n"}};
  json body = {
      {"query",
       {opens + "  trivial\n```<|eos|>",
        "Prove t2.<|assistant|>Here:\n```lean\nimport Mathlib\n\ntheorem t2 : True := by\n  trivial\n```",
        fewshot + "I cannot do it.<|eos|>",
        "Q<|assistant|>```lean\ntheorem j : True := by\n--! error nope\n  trivial\n```",
        "Q<|assistant|>```lean\ntheorem free : True := by\n  trivial\n```"}},
      {"prompts", {opens, "Prove t2.<|assistant|>", fewshot, "Q<|assistant|>", "Q<|assistant|>"}},
      {"labels", {"t2", "t2", "t2", labelled.dump(), nullptr}}};
  json r = post(c, "/reward", body);
  CHECK(r["rewards"] == json({1.0, 1.0, 0.0, 0.0, 0.0}));
  CHECK(r["scores"] == r["rewards"]);
  CHECK(r["verdicts"] == json({"pass", "pass", "invalid", "fail", "pass"}));
  // The few-shot prompt's passing block is not the response's: nothing to check, reward 0.
  CHECK(r["extra_logs"]["lean_unusable"] == json({0.0, 0.0, 1.0, 0.0, 0.0}));
  CHECK(r["extra_logs"]["lean_pass"] == json({1.0, 1.0, 0.0, 0.0, 1.0}));
  // Empty lists (OpenRLHF's other URLs when it sends one sample at a time): empty answers.
  json empty = post(c, "/get_reward", {{"query", json::array()}, {"prompts", json::array()},
                                       {"labels", json::array()}});
  CHECK(empty["rewards"] == json::array());
  CHECK(empty["extra_logs"]["lean_pass"] == json::array());
  auto bad = c.Post("/reward", R"({"query": ["a"], "prompts": ["a", "b"]})", "application/json");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(json::parse(bad->body)["detail"] == "prompts: 2 entries, but query has 1");
}

namespace {

// Runs python3 with `code` against the server; its stdout.
std::string python(const Server& server, const std::string& code) {
  auto run = test_support::run_shell("HARNESS_SERVE_URL=http://127.0.0.1:" + std::to_string(server.port()) +
                                     " python3 -c '" + code + "' 2>&1");
  INFO(run.output);
  REQUIRE(run.ok());
  return run.output;
}

}  // namespace

TEST_CASE("examples/verl_reward.py scores samples through serve, a batch in one request",
          "[e2e][serve]") {
  test_support::TempDir dir;
  std::ofstream(dir.path() / "tasks.jsonl")
      << json{{"name", "v"}, {"header", "import Mathlib\n"},
              {"formal_statement", "theorem v : True := by\n"}}.dump()
      << "\n";
  Server server(args(dir, {"--tasks", (dir.path() / "tasks.jsonl").string()}));
  const std::string prelude =
      "import json, sys; sys.path.insert(0, \"" HARNESS_SOURCE_DIR "/examples\"); "
      "import verl_reward as v; ";
  std::string one = python(
      server, prelude +
                  "print(json.dumps(v.compute_score(\"lean\", \"```lean\\nimport Mathlib\\n"
                  "theorem v : True := by\\n  trivial\\n```\", \"v\", {})))");
  json single = json::parse(one);
  CHECK(single["score"] == 1.0);
  CHECK(single["verdict"] == "pass");
  std::string many = python(
      server, prelude +
                  "print(json.dumps(v.compute_score_batch([\"lean\"] * 3, ["
                  "\"```lean\\nimport Mathlib\\ntheorem v : True := by\\n  trivial\\n```\", "
                  "\"no code\", "
                  "\"```lean\\nimport Mathlib\\ntheorem v : True := by\\n  sorry\\n```\"], "
                  "[\"v\", \"v\", \"v\"], [None, None, None])))");
  json batch = json::parse(many);
  REQUIRE(batch.size() == 3);
  CHECK(batch[0]["score"] == 1.0);
  CHECK(batch[1]["score"] == 0.0);
  CHECK(batch[1]["verdict"] == "invalid");
  CHECK(batch[2]["score"] == 0.0);
  CHECK(batch[2]["verdict"] == "incomplete");
  CHECK(server.stop() == 0);
  // Two calls, two requests: the batch went in one.
  auto db = store::Store::open((dir.path() / "h.db").string());
  auto run = db.latest_run("serve");
  REQUIRE(run);
  REQUIRE(run->summary_json);
  CHECK(json::parse(*run->summary_json)["requests"] == 2);
}

TEST_CASE("serve's /metrics counts requests, verdicts and latency in Prometheus text",
          "[e2e][serve]") {
  test_support::TempDir dir;
  Server server(args(dir));
  auto c = server.client();
  post(c, "/verify", {{"codes", {{{"custom_id", "a"}, {"proof", "theorem a : True := by\n  trivial\n"}},
                                 {{"custom_id", "b"}, {"proof", "theorem b : True := by\n  sorry\n"}}}}});
  c.Post("/verify", "{", "application/json");
  // A worker hands its answer back before it is marked idle again: on a busy machine the gauge
  // may lag the answer by a moment, so wait (a few seconds at most) for it to settle.
  auto res = c.Get("/metrics");
  for (int i = 0; i < 50 && res && res->body.find("\nharness_workers_busy 0\n") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    res = c.Get("/metrics");
  }
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type").rfind("text/plain", 0) == 0);
  const std::string& text = res->body;
  INFO(text);
  CHECK(text.find("harness_http_requests_total{endpoint=\"/verify\",status=\"200\"} 1\n") != std::string::npos);
  CHECK(text.find("harness_http_requests_total{endpoint=\"/verify\",status=\"400\"} 1\n") != std::string::npos);
  CHECK(text.find("harness_verdicts_total{verdict=\"pass\"} 1\n") != std::string::npos);
  CHECK(text.find("harness_verdicts_total{verdict=\"incomplete\"} 1\n") != std::string::npos);
  CHECK(text.find("harness_http_request_seconds_bucket{endpoint=\"/verify\",le=\"+Inf\"} 2\n") != std::string::npos);
  CHECK(text.find("# TYPE harness_queue_items gauge\nharness_queue_items 0\n") != std::string::npos);
  CHECK(text.find("harness_lean_checks_total ") != std::string::npos);
  CHECK(text.find("# TYPE harness_workers gauge\nharness_workers 2\n") != std::string::npos);
  CHECK(text.find("# TYPE harness_workers_busy gauge\nharness_workers_busy 0\n") != std::string::npos);
  // The REPL processes' memory is read every second: within a few, a worker that checked
  // shows its process's resident bytes.
  auto resident = [&](const std::string& metrics) {
    uint64_t most = 0;
    for (size_t at = 0; (at = metrics.find("harness_worker_resident_bytes{worker=", at)) != std::string::npos;) {
      at = metrics.find("} ", at) + 2;
      most = std::max<uint64_t>(most, std::stoull(metrics.substr(at, metrics.find('\n', at) - at)));
    }
    return most;
  };
  uint64_t most = resident(text);
  for (int i = 0; i < 30 && most == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto again = c.Get("/metrics");
    REQUIRE(again);
    most = resident(again->body);
  }
  CHECK(most > 100'000);  // the double's process is at least this large
}

TEST_CASE("serve's /metrics shows the workers busy while a check runs", "[e2e][serve]") {
  test_support::TempDir dir;
  Server server(args(dir));
  std::thread slow([&] {
    auto c = server.client();
    post(c, "/verify", {{"codes", {{{"custom_id", "s"},
                                    {"proof", "theorem s : True := by\n--! sleep 1500\n  trivial\n"}}}}});
  });
  auto c = server.client();
  std::string seen;
  for (int i = 0; i < 40; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto res = c.Get("/metrics");
    REQUIRE(res);
    if (res->body.find("harness_workers_busy 1\n") != std::string::npos) {
      seen = res->body;
      break;
    }
  }
  slow.join();
  CHECK_FALSE(seen.empty());
}

TEST_CASE("a client that goes away has its checks not yet started dropped", "[e2e][serve]") {
  test_support::TempDir dir;
  Server server(args(dir));  // 2 workers
  json codes = json::array();
  for (int i = 0; i < 8; ++i) {
    codes.push_back({{"custom_id", i},
                     {"proof", fmt::format("theorem g{} : True := by\n--! sleep 1500\n  trivial\n", i)}});
  }
  {
    auto c = server.client();
    c.set_read_timeout(0, 400'000);  // gives up, and closes the connection
    auto res = c.Post("/verify", json{{"codes", codes}}.dump(), "application/json");
    CHECK_FALSE(res);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(server.stop() == 0);
  auto db = store::Store::open((dir.path() / "h.db").string());
  auto run = db.latest_run("serve");
  REQUIRE(run);
  REQUIRE(run->summary_json);
  json summary = json::parse(*run->summary_json);
  INFO(summary.dump());
  CHECK(summary["dropped"].get<int>() >= 4);  // at most 2 workers' worth had started
  // What ran is recorded; what was dropped is not.
  CHECK(db.attempts(run->id).size() == static_cast<size_t>(8 - summary["dropped"].get<int>()));
}

TEST_CASE("a request's own timeout bounds its checks, within the server's", "[e2e][serve]") {
  test_support::TempDir dir;
  Server server(args(dir));  // --timeout 5
  auto c = server.client();
  json r = post(c, "/api/check",
                {{"snippets", {{{"id", "slow"}, {"code", "theorem s : True := by\n--! sleep 1500\n  trivial\n"}}}},
                 {"timeout", 0.5}});
  const json& result = r.at("results").at(0);
  CHECK(result["verdict"] == "timeout");
  CHECK(result["error"].get<std::string>().find("timed out") != std::string::npos);
  CHECK(result["time"].get<double>() < 1.4);
  // The same snippet with Kimina's default (30 s, within the server's 5 s) passes.
  json again = post(c, "/api/check",
                    {{"snippets", {{{"id", "slow"}, {"code", "theorem s : True := by\n--! sleep 1500\n  trivial\n"}}}}});
  CHECK(again.at("results").at(0)["verdict"] == "pass");
}

TEST_CASE("a timeout error names the timeout the check had, the server's when it is lower",
          "[e2e][serve]") {
  test_support::TempDir dir;
  Server server(args(dir, {"--timeout", "1"}));
  auto c = server.client();
  json r = post(c, "/verify",
                {{"codes", {{{"custom_id", "slow"}, {"proof", "theorem s : True := by\n--! sleep 3000\n  trivial\n"}}}},
                 {"timeout", 60}});
  const json& result = r.at("results").at(0);
  CHECK(result["verdict"] == "timeout");
  CHECK(result["error"] == "Lean REPL command timed out in 1 seconds");
}

namespace {

// A python3 that has Debian's aiohttp, httpx and tenacity (scripts/setup installs them).
std::string client_python() {
  for (const char* candidate : {"/usr/bin/python3", "python3"}) {
    std::string probe = std::string(candidate) + " -c 'import aiohttp, httpx, tenacity' 2>/dev/null";
    if (std::system(probe.c_str()) == 0) return candidate;
  }
  FAIL("Kimina's clients need python3 with python3-aiohttp, python3-httpx and python3-tenacity: "
       "run scripts/setup");
  return {};
}

// tests/e2e/kimina_clients.py SCENARIO against the server: what the client read, as JSON.
json kimina_client(const Server& server, const std::string& scenario, const std::string& env = "") {
  auto run = test_support::run_shell(
      fmt::format("{} {} {}/tests/e2e/kimina_clients.py http://127.0.0.1:{} {} 2>&1", env,
                  client_python(), HARNESS_SOURCE_DIR, server.port(), scenario));
  INFO(run.output);
  REQUIRE(run.ok());
  return json::parse(run.output);
}

}  // namespace

TEST_CASE("Kimina's original Lean4Client works unchanged: connection check, Bearer None, batches",
          "[e2e][serve]") {
  test_support::TempDir dir;
  Server server(args(dir));
  json got = kimina_client(server, "lean4client");
  INFO(got.dump(2));
  // GET / once, then 20 proofs in batches of 8: nothing retried.
  CHECK(got["requests"] == 4);
  REQUIRE(got["read"].size() == 20);
  for (auto& [id, kind] : got["kinds"].items()) {
    INFO(id);
    const json& read = got["read"].at(id);
    if (kind == "ok" || kind == "slow_ok") {
      CHECK(read["has_error"] == false);
      CHECK(read["verdict"] == "pass");
    } else if (kind == "uses_sorry") {
      CHECK(read["has_error"] == true);  // the sorry warning, read from its text
      CHECK(read["has_error_accepting_sorry"] == false);
      CHECK(read["verdict"] == "incomplete");
    } else {
      // Lean's own error, and the cheat Lean alone would accept: both errors to this reader.
      CHECK(read["has_error"] == true);
      CHECK(read["has_error_accepting_sorry"] == true);
      CHECK(read["verdict"] != "pass");
    }
  }
}

TEST_CASE("Kimina's current KiminaClient works unchanged: keep-alive, /api/check, analyze()",
          "[e2e][serve]") {
  test_support::TempDir dir;
  Server server(args(dir));
  json got = kimina_client(server, "kimina_client");
  INFO(got.dump(2));
  CHECK(got["health"] == json{{"status", "ok"}});
  CHECK(got["requests"] == 4);  // 30 snippets in batches of 8
  CHECK(got["statuses"] == json::array({200, 200, 200, 200}));
  REQUIRE(got["read"].size() == 30);
  for (auto& [id, kind] : got["kinds"].items()) {
    INFO(id);
    const json& read = got["read"].at(id);
    if (kind == "ok" || kind == "slow_ok") {
      CHECK(read["status"] == "valid");
    } else if (kind == "uses_sorry") {
      CHECK(read["status"] == "sorry");
    } else {
      CHECK(read["status"] == "lean_error");
    }
  }
}

TEST_CASE("KiminaClient's retries carry it through 429s: every snippet answered right",
          "[e2e][serve]") {
  test_support::TempDir dir;
  Server server(args(dir, {"--max-queued", "4"}));
  json got = kimina_client(server, "retries");
  INFO(got.dump(2));
  REQUIRE(got["read"].size() == 20);
  bool refused = false;
  for (const json& s : got["statuses"]) refused = refused || s == 429;
  CHECK(refused);  // the bound was reached, and answered 429 rather than queued
  for (auto& [id, kind] : got["kinds"].items()) {
    INFO(id);
    const json& read = got["read"].at(id);
    CHECK(read["status"] != "server_error");
    if (kind == "ok" || kind == "slow_ok") CHECK(read["status"] == "valid");
    if (kind == "uses_sorry") CHECK(read["status"] == "sorry");
  }
}

TEST_CASE("both Kimina clients send the key from their environment variables", "[e2e][serve]") {
  test_support::TempDir dir;
  Server server(args(dir, {"--api-key-env", "SERVE_KEY"}), {"SERVE_KEY=k3y"});
  json got = kimina_client(server, "auth", "LEAN_SERVER_API_KEY=k3y LEANSERVER_API_KEY=k3y");
  INFO(got.dump(2));
  CHECK(got["new"] == "valid");
  CHECK(got["old"] == false);
  CHECK(got["keyless_statuses"] == json::array({401}));
  CHECK(got["keyless"].get<std::string>().find("failed after 1 retries") != std::string::npos);
}

namespace {

// `command`'s stdout and stderr, and whether it exited 0.
std::pair<std::string, bool> run_command(const std::string& command) {
  auto run = test_support::run_shell(command + " 2>&1");
  return {run.output, run.ok()};
}

// A deployment's `harness serve` arguments made to run here: the port any free one, paths in
// `dir`, the REPL double unsandboxed. Every other flag stays as the docs give it.
std::vector<std::string> runnable_here(std::vector<std::string> args, const test_support::TempDir& dir) {
  REQUIRE(!args.empty());
  REQUIRE(args[0] == "serve");
  args.erase(args.begin());
  std::ofstream(dir.path() / "tasks.jsonl")
      << json{{"name", "d"}, {"header", "import Mathlib\n"},
              {"formal_statement", "theorem d : True := by\n"}}.dump()
      << "\n";
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool valued = i + 1 < args.size();
    if (a == "--port" && valued) { ++i; continue; }  // the Server helper gives --port 0
    if (a == "--db" && valued) { out.insert(out.end(), {a, (dir.path() / "d.db").string()}); ++i; continue; }
    if (a == "--workspace" && valued) { out.insert(out.end(), {a, dir.path().string()}); ++i; continue; }
    if (a == "--tasks" && valued) { out.insert(out.end(), {a, (dir.path() / "tasks.jsonl").string()}); ++i; continue; }
    if (a == "--host" && valued) { out.insert(out.end(), {a, "127.0.0.1"}); ++i; continue; }
    out.push_back(a);
  }
  out.insert(out.end(), {"--repl", FAKE_REPL_PATH, "--sandbox", "none"});
  return out;
}

// The server started from a deployment's arguments answers a known task's proof with the key.
void serves_with_key(const std::vector<std::string>& args, const std::string& key_env) {
  Server server(args, {key_env + "=s3cret"});
  auto c = server.client();
  auto health = c.Get("/health");
  REQUIRE(health);
  CHECK(health->status == 200);
  json body = {{"codes", {{{"custom_id", "d"}, {"proof", "import Mathlib\ntheorem d : True := by\n  trivial\n"}}}}};
  auto refused = c.Post("/verify", body.dump(), "application/json");
  REQUIRE(refused);
  CHECK(refused->status == 401);
  httplib::Headers auth = {{"Authorization", "Bearer s3cret"}};
  auto res = c.Post("/verify", auth, body.dump(), "application/json");
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == 200);
  json r = json::parse(res->body)["results"][0];
  CHECK(r["verdict"] == "pass");
  CHECK(r["reward"] == 1.0);
  CHECK(server.stop() == 0);
}

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

}  // namespace

TEST_CASE("docs/deploy's systemd unit verifies, and its command line serves as documented",
          "[e2e][serve]") {
  test_support::TempDir dir;
  std::ifstream in(HARNESS_SOURCE_DIR "/docs/deploy/harness-serve.service");
  REQUIRE(in);
  std::string unit((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto at = unit.find("\nExecStart=");
  REQUIRE(at != std::string::npos);
  at += 11;
  std::string exec = unit.substr(at, unit.find('\n', at) - at);
  std::vector<std::string> words = split_words(exec);
  REQUIRE(words.size() > 2);
  CHECK(words[0] == "/usr/local/bin/harness");
  // systemd's own check, with the binary where this build has it and no user to look up.
  std::string here = unit;
  here.replace(at, words[0].size(), HARNESS_PATH);
  for (const char* line : {"User=harness\n", "Group=harness\n"}) {
    auto found = here.find(line);
    REQUIRE(found != std::string::npos);
    here.erase(found, std::strlen(line));
  }
  std::ofstream(dir.path() / "harness-serve.service") << here;
  if (std::system("command -v systemd-analyze >/dev/null") != 0) {
    FAIL("systemd-analyze is missing: run scripts/setup (Debian's systemd)");
  }
  auto [said, ok] = run_command("systemd-analyze verify " + (dir.path() / "harness-serve.service").string());
  INFO(said);
  CHECK(ok);
  CHECK(said.empty());  // no unknown key, no warning
  // The command line itself: every flag real, the key from the environment the unit names.
  std::vector<std::string> args(words.begin() + 1, words.end());
  auto key = std::find(args.begin(), args.end(), "--api-key-env");
  REQUIRE(key != args.end());
  serves_with_key(runnable_here(args, dir), *(key + 1));
}

TEST_CASE("docs/deploy's Kubernetes replicas: services that match, and arguments that serve",
          "[e2e][serve]") {
  test_support::TempDir dir;
  auto [text, ok] = run_command(
      "/usr/bin/python3 -c 'import sys, json, yaml; "
      "print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))' " HARNESS_SOURCE_DIR
      "/docs/deploy/kubernetes.yaml");
  INFO(text);
  REQUIRE(ok);  // python3-yaml comes with scripts/setup
  json docs = json::parse(text);
  std::map<std::string, json> by_kind_name;
  for (const json& d : docs) by_kind_name[d["kind"].get<std::string>() + "/" + d["metadata"]["name"].get<std::string>()] = d;
  REQUIRE(by_kind_name.count("StatefulSet/harness-serve"));
  REQUIRE(by_kind_name.count("Service/harness-serve"));
  REQUIRE(by_kind_name.count("Service/harness-serve-replicas"));
  const json& set = by_kind_name["StatefulSet/harness-serve"];
  const json& pod = set["spec"]["template"];
  // The services select the replicas' pods, the headless one names them.
  for (const char* s : {"Service/harness-serve", "Service/harness-serve-replicas"}) {
    CHECK(by_kind_name[s]["spec"]["selector"] == pod["metadata"]["labels"]);
  }
  CHECK(set["spec"]["serviceName"] == "harness-serve-replicas");
  CHECK(by_kind_name["Service/harness-serve-replicas"]["spec"]["clusterIP"] == "None");
  CHECK(set["spec"]["selector"]["matchLabels"] == pod["metadata"]["labels"]);
  const json& container = pod["spec"]["containers"][0];
  std::vector<std::string> args = container["args"].get<std::vector<std::string>>();
  // The port the server listens on is the container's, and the probes ask /health of it.
  auto port = std::find(args.begin(), args.end(), "--port");
  REQUIRE(port != args.end());
  CHECK(container["ports"][0]["containerPort"] == std::stoi(*(port + 1)));
  CHECK(container["readinessProbe"]["httpGet"]["path"] == "/health");
  // Each replica's store on its own volume, mounted where --db points.
  auto db = std::find(args.begin(), args.end(), "--db");
  REQUIRE(db != args.end());
  std::string mount = container["volumeMounts"][0]["mountPath"];
  CHECK((db + 1)->rfind(mount + "/", 0) == 0);
  CHECK(set["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == container["volumeMounts"][0]["name"]);
  // The key from a secret, under the name --api-key-env gives.
  auto key = std::find(args.begin(), args.end(), "--api-key-env");
  REQUIRE(key != args.end());
  CHECK(container["env"][0]["name"] == *(key + 1));
  CHECK(container["env"][0]["valueFrom"].contains("secretKeyRef"));
  // The drain has time: the grace period outlasts a check's --timeout.
  auto timeout = std::find(args.begin(), args.end(), "--timeout");
  REQUIRE(timeout != args.end());
  CHECK(pod["spec"]["terminationGracePeriodSeconds"].get<int>() > std::stoi(*(timeout + 1)));
  serves_with_key(runnable_here(args, dir), *(key + 1));
}

// `harness serve` under load: the built binary against the REPL double, with many clients at
// once on keep-alive connections, each sending a mix of Kimina /verify batches, /api/check and
// OpenRLHF /reward requests (passing, failing, sorry, guard-refused, codeless and duplicate
// proofs, every id distinct). Checked: every request is answered (200, or 429 with Retry-After,
// which the client honours and then retries), every answer matches its request (ids, and each
// item's verdict is the one its proof calls for), the serve run records each answered item
// exactly once, and /metrics and the run's summary count the same requests. A second case mixes
// in clients that go away mid-request; the others are still answered correctly, and SIGTERM
// still ends the server with status 0.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <httplib.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "store/store.hpp"
#include "tests/support/serve_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// Every client stops sending past this, so that a stuck server fails the test instead of
// hanging it; a normal run takes a few seconds.
constexpr auto kDeadline = std::chrono::seconds(20);

// What the clients saw, gathered from their threads (Catch2's assertions are not thread-safe:
// the main thread checks these at the end).
struct Tally {
  std::mutex mutex;
  std::vector<std::string> failures;
  std::map<std::string, int> expected_attempts;  // "name|tag|verdict" of each answered item
  int answered = 0;  // 200s
  int refused = 0;   // 429s (each retried)
  std::map<std::string, int> verdicts;
  void fail(std::string why) {
    std::lock_guard lock(mutex);
    failures.push_back(std::move(why));
  }
};

// One thing a request asks to have checked, and what the server must say about it.
struct Item {
  std::optional<std::string> code;  // none: a Kimina entry without code, a reward without a block
  std::string verdict;              // expected
  std::string tag;                  // in the proof text, so that its attempt can be found
  bool known = false;               // a /reward query whose label names the task: reward 1 on pass
};

// Proofs shared by every client: identical texts arrive at once and again later, so the
// deduplication of checks in flight and the cache answer some of them.
Item duplicate(int k) {
  switch (k % 4) {
    case 0: return {"theorem dup0 : True := by\n  trivial -- tag:dup0\n", "pass", "dup0"};
    case 1: return {"theorem dup1 : True := by\n--! error dup\n  trivial -- tag:dup1\n", "fail", "dup1"};
    case 2: return {"theorem dup2 : True := by\n  sorry -- tag:dup2\n", "incomplete", "dup2"};
    default: return {"theorem dup3 : True := by\n--! sleep 20\n  trivial -- tag:dup3\n", "pass", "dup3"};
  }
}

// Kinds 0..6: pass, slow pass, fail, sorry, guard refusal, no code, duplicate.
Item kimina_item(int kind, const std::string& tag, int k) {
  switch (kind % 7) {
    case 0: return {fmt::format("theorem p : True := by\n  trivial -- tag:{}\n", tag), "pass", tag};
    case 1:
      return {fmt::format("import Mathlib\ntheorem q : True := by\n--! sleep 5\n  trivial -- tag:{}\n", tag),
              "pass", tag};
    case 2:
      return {fmt::format("theorem f : True := by\n--! error type mismatch\n  trivial -- tag:{}\n", tag),
              "fail", tag};
    case 3: return {fmt::format("theorem s : True := by\n  sorry -- tag:{}\n", tag), "incomplete", tag};
    case 4:
      return {fmt::format("theorem c : 2 + 2 = 4 := by native_decide -- tag:{}\n", tag), "rejected", tag};
    case 5: return {std::nullopt, "invalid", tag};
    default: return duplicate(k);
  }
}

// Kinds 0..3: the known task proved, an unknown theorem proved, a failure, no code block.
Item reward_item(int kind, const std::string& tag) {
  switch (kind % 4) {
    case 0:
      return {fmt::format("import Mathlib\n\ntheorem lt : True := by\n  trivial -- tag:{}\n", tag), "pass",
              tag, true};
    case 1: return {fmt::format("theorem free : True := by\n  trivial -- tag:{}\n", tag), "pass", tag};
    case 2:
      return {fmt::format("theorem g : True := by\n--! error nope\n  trivial -- tag:{}\n", tag), "fail", tag};
    default: return {std::nullopt, "invalid", tag};
  }
}

struct Request {
  std::string path;
  json body;
  std::vector<Item> items;
  std::vector<std::string> names;  // each item's attempt name
};

std::string key(const std::string& name, const Item& item) {
  return name + "|" + item.tag + "|" + item.verdict;
}

// Request `n` of client `c`: the endpoint, its size (1 to 6 items) and its kinds vary with both.
Request make_request(int c, int n, const std::string& prefix = "") {
  Request r;
  int size = 1 + (c * 7 + n * 3) % 6;
  int endpoint = (c + n) % 3;
  if (endpoint == 2) {
    r.path = n % 2 == 0 ? "/reward" : "/get_reward";
    json query = json::array(), prompts = json::array(), labels = json::array();
    for (int i = 0; i < size; ++i) {
      Item item = reward_item(c + n + i, fmt::format("{}r{}-{}-{}", prefix, c, n, i));
      std::string prompt = fmt::format("Prove it ({} {} {}).<|assistant|>", c, n, i);
      query.push_back(prompt + (item.code ? "Here:\n```lean\n" + *item.code + "```" : "I cannot."));
      prompts.push_back(prompt);
      labels.push_back(item.known ? json("lt") : json(nullptr));
      r.names.push_back(fmt::format("query[{}]", i));
      r.items.push_back(std::move(item));
    }
    r.body = {{"query", query}, {"prompts", prompts}, {"labels", labels}};
    return r;
  }
  bool verify = endpoint == 0;
  r.path = verify ? (n % 4 == 1 ? "/one_pass_verify_batch" : "/verify") : "/api/check";
  json entries = json::array();
  for (int i = 0; i < size; ++i) {
    std::string tag = fmt::format("{}{}{}-{}-{}", prefix, verify ? "v" : "k", c, n, i);
    int kind = c * 3 + n + i;
    if (!verify && kind % 7 == 5) kind = 0;  // /api/check wants code in every snippet
    Item item = kimina_item(kind, tag, c + n + i);
    // Ids as the clients send them: strings, and integers on /verify (every id distinct).
    json id = verify && i % 2 == 1 ? json(1'000'000 + c * 10'000 + n * 100 + i) : json(tag);
    json entry = {{verify ? "custom_id" : "id", id}};
    if (item.code) entry[verify ? "proof" : "code"] = *item.code;
    entries.push_back(entry);
    r.names.push_back(id.is_string() ? id.get<std::string>() : id.dump());
    r.items.push_back(std::move(item));
  }
  r.body = {{verify ? "codes" : "snippets", entries}};
  if (!verify) r.body["timeout"] = 60;
  return r;
}

bool has_error_message(const json& response) {
  if (!response.is_object() || !response.contains("messages")) return false;
  for (const auto& m : response["messages"]) {
    if (m.value("severity", "") == "error") return true;
  }
  return false;
}

// Why `answer` does not fit `r`, or nothing.
std::optional<std::string> mismatch(const Request& r, const json& answer) {
  auto wrong = [&](size_t i, const std::string& what) {
    return fmt::format("{} item {} ({}): {}: {}", r.path, i, r.items[i].tag, what, answer.dump());
  };
  if (r.path == "/reward" || r.path == "/get_reward") {
    for (const char* field : {"rewards", "scores", "verdicts"}) {
      if (!answer.contains(field) || answer[field].size() != r.items.size()) {
        return fmt::format("{}: {} missing or of the wrong size: {}", r.path, field, answer.dump());
      }
    }
    for (size_t i = 0; i < r.items.size(); ++i) {
      const Item& item = r.items[i];
      if (answer["verdicts"][i] != item.verdict) return wrong(i, "verdict");
      double reward = item.known && item.verdict == "pass" ? 1.0 : 0.0;
      if (answer["rewards"][i] != reward) return wrong(i, "reward");
      double unusable = item.code ? 0.0 : 1.0;
      if (answer["extra_logs"]["lean_unusable"][i] != unusable) return wrong(i, "lean_unusable");
    }
    return std::nullopt;
  }
  bool verify = r.path != "/api/check";
  const json& results = answer.value("results", json::array());
  if (results.size() != r.items.size()) return fmt::format("{}: {} results for {} items: {}", r.path, results.size(), r.items.size(), answer.dump());
  const json& sent = r.body[verify ? "codes" : "snippets"];
  for (size_t i = 0; i < r.items.size(); ++i) {
    const Item& item = r.items[i];
    const json& got = results[i];
    const char* id = verify ? "custom_id" : "id";
    if (got.value(id, json()) != sent[i][id]) return wrong(i, "id");
    if (got.value("verdict", "") != item.verdict) return wrong(i, "verdict");
    if (!item.code) {
      if (got.value("error", json()) != "No code provided") return wrong(i, "error");
      continue;
    }
    json response = got.value("response", json());
    bool error = got.contains("error") && !got["error"].is_null();
    if (error) return wrong(i, "an error");
    bool errors_shown = has_error_message(response);
    if ((item.verdict == "pass" || item.verdict == "incomplete") == errors_shown) {
      return wrong(i, "error messages");
    }
    if (!got["reward"].is_null()) return wrong(i, "reward (no known task)");
  }
  return std::nullopt;
}

// The test's start, for the deadline.
Clock::time_point& test_start() {
  static Clock::time_point start = Clock::now();
  return start;
}
Clock::time_point tally_deadline() { return test_start() + kDeadline; }

// Sends `r` until it is answered: a 429 must carry Retry-After, which is waited for.
void exchange(httplib::Client& client, const Request& r, Tally& tally) {
  const std::string body = r.body.dump();
  for (;;) {
    if (Clock::now() > tally_deadline()) {
      tally.fail(fmt::format("{}: still not answered at the deadline", r.path));
      return;
    }
    auto res = client.Post(r.path.c_str(), body, "application/json");
    if (!res) {
      tally.fail(fmt::format("{}: no answer ({})", r.path, httplib::to_string(res.error())));
      return;
    }
    if (res->status == 429) {
      std::string after = res->get_header_value("Retry-After");
      {
        std::lock_guard lock(tally.mutex);
        ++tally.refused;
      }
      if (after.empty() || std::stoi(after) < 1) {
        tally.fail(fmt::format("{}: 429 without a usable Retry-After ({})", r.path, after));
        return;
      }
      std::this_thread::sleep_for(std::chrono::seconds(std::stoi(after)));
      continue;
    }
    if (res->status != 200) {
      tally.fail(fmt::format("{}: status {}: {}", r.path, res->status, res->body));
      return;
    }
    json answer = json::parse(res->body, nullptr, false);
    if (auto why = mismatch(r, answer)) {
      tally.fail(*why);
      return;
    }
    std::lock_guard lock(tally.mutex);
    ++tally.answered;
    for (size_t i = 0; i < r.items.size(); ++i) {
      ++tally.verdicts[r.items[i].verdict];
      if (r.items[i].code) ++tally.expected_attempts[key(r.names[i], r.items[i])];
    }
    return;
  }
}

// `clients` threads, each sending `requests` requests on one keep-alive connection, all let go
// at once.
void run_clients(int port, int clients, int requests, Tally& tally, int first_client = 0) {
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int c = first_client; c < first_client + clients; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_read_timeout(20, 0);
      ++ready;
      while (ready.load() < clients) std::this_thread::yield();
      for (int n = 0; n < requests; ++n) exchange(client, make_request(c, n), tally);
    });
  }
  for (auto& t : threads) t.join();
}

// The serve run's attempts as "name|tag|verdict" counts.
std::map<std::string, int> recorded(const store::Store& db, int64_t run_id) {
  std::map<std::string, int> out;
  static const std::regex tag("tag:(\\S+)");
  for (const auto& a : db.attempts(run_id)) {
    std::smatch m;
    std::string t = std::regex_search(a.proof, m, tag) ? m[1].str() : "?";
    ++out[a.name + "|" + t + "|" + a.verdict];
  }
  return out;
}

// What differs between two counts, a few lines of it.
std::string difference(const std::map<std::string, int>& want, const std::map<std::string, int>& got) {
  std::string out;
  int shown = 0;
  auto note = [&](const std::string& k, int w, int g) {
    if (w != g && shown++ < 10) out += fmt::format("{}: expected {}, recorded {}\n", k, w, g);
  };
  for (const auto& [k, w] : want) note(k, w, got.count(k) ? got.at(k) : 0);
  for (const auto& [k, g] : got) {
    if (!want.count(k)) note(k, 0, g);
  }
  return out;
}

// The sum of harness_http_requests_total over the POST endpoints for one status.
int64_t requests_counted(const std::string& metrics, int status) {
  int64_t sum = 0;
  std::regex line(fmt::format(
      R"re(harness_http_requests_total\{{endpoint="(/verify|/one_pass_verify_batch|/api/check|/reward|/get_reward)",status="{}"\}} (\d+))re",
      status));
  for (auto it = std::sregex_iterator(metrics.begin(), metrics.end(), line);
       it != std::sregex_iterator(); ++it) {
    sum += std::stoll((*it)[2]);
  }
  return sum;
}

std::vector<std::string> server_args(const test_support::TempDir& dir, std::vector<std::string> more) {
  std::ofstream(dir.path() / "tasks.jsonl")
      << json{{"name", "lt"}, {"header", "import Mathlib\n"},
              {"formal_statement", "theorem lt : True := by\n"}}.dump()
      << "\n";
  std::vector<std::string> a = {"--db", (dir.path() / "h.db").string(), "--workers", "2",
                                "--sandbox", "none", "--repl", FAKE_REPL_PATH, "--timeout", "10",
                                "--tasks", (dir.path() / "tasks.jsonl").string()};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

void report(const Tally& tally) {
  for (size_t i = 0; i < tally.failures.size() && i < 10; ++i) UNSCOPED_INFO(tally.failures[i]);
  CHECK(tally.failures.empty());
}

}  // namespace

TEST_CASE("serve under load: 32 keep-alive clients, every request answered and recorded once",
          "[e2e][serve][load]") {
  test_start() = Clock::now();
  test_support::TempDir dir;
  // A small queue, so that the clients' first wave overflows it and gets 429s.
  test_support::ServeProcess server(HARNESS_PATH, server_args(dir, {"--max-queued", "48"}));
  Tally tally;
  constexpr int kClients = 32, kRequests = 12;
  run_clients(server.port(), kClients, kRequests, tally);
  report(tally);
  INFO(fmt::format("answered {}, refused {}, verdicts pass {} fail {} incomplete {} rejected {} invalid {}",
                   tally.answered, tally.refused, tally.verdicts["pass"], tally.verdicts["fail"],
                   tally.verdicts["incomplete"], tally.verdicts["rejected"], tally.verdicts["invalid"]));
  CHECK(tally.answered == kClients * kRequests);
  CHECK(tally.refused > 0);  // the queue bound was reached, and its 429s were retried
  for (const char* verdict : {"pass", "fail", "incomplete", "rejected", "invalid"}) {
    CHECK(tally.verdicts[verdict] > 0);
  }

  // The server counted what the clients saw, each request once.
  httplib::Client client("127.0.0.1", server.port());
  auto metrics = client.Get("/metrics");
  REQUIRE(metrics);
  CHECK(requests_counted(metrics->body, 200) == tally.answered);
  CHECK(requests_counted(metrics->body, 429) == tally.refused);
  CHECK(server.stop() == 0);

  auto db = store::Store::open((dir.path() / "h.db").string());
  auto run = db.latest_run("serve");
  REQUIRE(run);
  CHECK(run->status == store::RunStatus::completed);
  auto got = recorded(db, run->id);
  INFO(difference(tally.expected_attempts, got));
  CHECK(got == tally.expected_attempts);
  REQUIRE(run->summary_json);
  json summary = json::parse(*run->summary_json);
  CHECK(summary["answered"] == tally.answered);
  CHECK(summary["refused"] == tally.refused);
  CHECK(summary["requests"] == tally.answered + tally.refused);
  CHECK(summary["cancelled"] == 0);
  CHECK(summary["duplicates"].get<int>() + summary["cache_hits"].get<int>() > 0);
  CHECK(std::chrono::duration<double>(Clock::now() - test_start()).count() < 25);
}

namespace {

constexpr int kGoneItems = 3;

// A client that goes away mid-request, three ways: half a body then the socket closed; a whole
// request closed right after it is sent; a whole request given up after 60 ms (httplib's read
// timeout closes the connection). The last two are /verify batches of kGoneItems slow proofs
// named gone-C-N-I. How many of its requests could have reached the server is counted in
// `sent` (the ones that can have).
void go_away(int port, int c, int round, std::atomic<int>& sent, Tally& tally) {
  json codes = json::array();
  for (int i = 0; i < kGoneItems; ++i) {
    std::string tag = fmt::format("gone-{}-{}-{}", c, round, i);
    codes.push_back({{"custom_id", tag},
                     {"proof", fmt::format("theorem g : True := by\n--! sleep 150\n  trivial -- tag:{}\n", tag)}});
  }
  std::string body = json{{"codes", codes}}.dump();
  int way = (c + round) % 3;
  if (way == 2) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(0, 60'000);
    ++sent;
    auto res = client.Post("/verify", body, "application/json");
    if (res) tally.fail(fmt::format("a client that gave up after 60 ms got {} first", res->status));
    return;
  }
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    tally.fail("connect failed");
    ::close(fd);
    return;
  }
  std::string head = fmt::format(
      "POST /verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: {}\r\n\r\n",
      body.size());
  std::string wire = way == 0 ? head + body.substr(0, body.size() / 2) : head + body;
  if (way == 1) ++sent;
  if (::send(fd, wire.data(), wire.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(wire.size())) {
    tally.fail("send failed");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(way == 0 ? 30 : 5));
  ::close(fd);
}

}  // namespace

TEST_CASE("serve under load with clients going away mid-request answers the others, exits 0",
          "[e2e][serve][load]") {
  test_start() = Clock::now();
  test_support::TempDir dir;
  test_support::ServeProcess server(HARNESS_PATH, server_args(dir, {}));
  Tally tally;
  constexpr int kClients = 24, kRequests = 8, kGoing = 8, kRounds = 3;
  std::atomic<int> sent{0};
  std::thread going([&] {
    std::vector<std::thread> threads;
    for (int c = 0; c < kGoing; ++c) {
      threads.emplace_back([&, c] {
        for (int round = 0; round < kRounds; ++round) go_away(server.port(), c, round, sent, tally);
      });
    }
    for (auto& t : threads) t.join();
  });
  run_clients(server.port(), kClients, kRequests, tally);
  going.join();
  report(tally);
  CHECK(tally.answered == kClients * kRequests);
  CHECK(tally.refused == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(server.stop() == 0);

  auto db = store::Store::open((dir.path() / "h.db").string());
  auto run = db.latest_run("serve");
  REQUIRE(run);
  CHECK(run->status == store::RunStatus::completed);
  REQUIRE(run->summary_json);
  json summary = json::parse(*run->summary_json);
  INFO(summary.dump());
  // The answered clients' items exactly once each; the gone clients' each at most once, with
  // the verdict its proof calls for, and every one of them either recorded or dropped.
  std::map<std::string, int> got = recorded(db, run->id), gone;
  for (auto it = got.begin(); it != got.end();) {
    if (it->first.rfind("gone-", 0) == 0) {
      gone.insert(*it);
      it = got.erase(it);
    } else {
      ++it;
    }
  }
  INFO(difference(tally.expected_attempts, got));
  CHECK(got == tally.expected_attempts);
  int gone_recorded = 0;
  for (const auto& [k, n] : gone) {
    CHECK(n == 1);
    CHECK(k.ends_with("|pass"));
    gone_recorded += n;
  }
  // The requests that reached the dispatcher beyond the answered ones are the gone clients'.
  int reached = summary["requests"].get<int>() - tally.answered;
  CHECK(summary["refused"] == 0);
  CHECK(reached >= 0);
  CHECK(reached <= sent.load());
  CHECK(gone_recorded + summary["dropped"].get<int>() == reached * kGoneItems);
  CHECK(summary["dropped"].get<int>() > 0);  // the gone clients' queued checks never ran
  CHECK(summary["cancelled"].get<int>() <= reached);
  CHECK(std::chrono::duration<double>(Clock::now() - test_start()).count() < 25);
}

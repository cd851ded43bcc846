#pragma once
// openai-double: a test double of an OpenAI-compatible inference server (README.md). It serves
// POST /v1/completions, POST /v1/chat/completions and GET /v1/models on 127.0.0.1 in the real
// response shapes, and is steered by a Script: canned texts chosen by prompt substrings,
// failing first requests, garbage answers, slow answers, a required bearer key. It records
// every request and the largest number of requests in flight at once.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace httplib {
class Server;
}

namespace openai_double {

// The prompt (completions) or the messages' contents joined by newlines (chat) contains
// `contains` → the choices' texts are `completions`, in turn, cycling (each rule keeps its
// own position across requests).
struct Rule {
  std::string contains;
  std::vector<std::string> completions;
};

enum class Garbage {
  none,
  not_json,           // a body that is not JSON
  empty_body,         // 200 with nothing
  no_choices,         // an object without "choices"
  choices_not_array,  // "choices": "..."
  wrong_types,        // text / message.content is a number
  few_choices,        // one choice fewer than n
};

struct Script {
  std::string model = "double-model";  // listed by /v1/models, echoed in answers
  bool require_model = false;          // 404 when a request names another model
  std::vector<Rule> rules;             // first matching rule wins
  std::vector<std::string> fallback = {""};  // when no rule matches (cycling)
  bool honour_stop = true;  // cut each text before the first of the request's stop strings
  int fail_first = 0;       // the first N requests are answered with fail_status
  int fail_status = 503;
  Garbage garbage = Garbage::none;
  int garbage_count = -1;   // how many requests (after the failing ones) get garbage; -1 = all
  int sleep_ms = 0;         // wait this long before answering...
  int sleep_count = -1;     // ...the first N requests; -1 = all
  std::optional<std::string> api_key;  // require "Authorization: Bearer KEY" (else 401)
  // When set and the request asks for logprobs: each whitespace-separated token of a text gets
  // this log-probability (completions: logprobs.token_logprobs; chat: logprobs.content).
  std::optional<double> logprob_per_token;
};

// Reads a script from JSON (README.md, "Script files"). Throws std::runtime_error naming the
// field at fault; unknown fields are errors.
Script parse_script(const std::string& json_text);

struct RecordedRequest {
  int number = 0;  // 0-based arrival order
  std::string method;
  std::string path;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  int in_flight = 0;  // requests being handled when this one arrived, itself included
  // The value of a header (case-insensitive name), or nullopt.
  std::optional<std::string> header(const std::string& name) const;
};

// What a custom handler answers.
struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;              // 0 = an ephemeral port
  std::string record_path;   // when set, each request is appended as a JSON line (flushed)
  int threads = 32;          // requests handled at once
};

class Server {
 public:
  // Binds and starts serving before returning. Throws std::runtime_error when it cannot bind.
  explicit Server(Script script = {}, ServerOptions options = {});
  ~Server();  // stops; pending sleeps end at once
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return m_port; }
  // "http://127.0.0.1:PORT/v1"
  std::string base_url() const;

  void set_script(Script script);
  // Called first for every POST; an answer replaces the scripted behaviour. The int is the
  // request's number.
  void set_handler(std::function<std::optional<Reply>(const RecordedRequest&)> handler);

  std::vector<RecordedRequest> requests() const;
  int request_count() const;
  int max_in_flight() const { return m_max_in_flight.load(); }
  void stop();

 private:
  Reply answer(const RecordedRequest& request);
  Reply models(const RecordedRequest& request);
  bool sleep_interruptibly(int ms);
  RecordedRequest record(const void* request, const std::string& method, int in_flight);

  ServerOptions m_options;
  std::unique_ptr<httplib::Server> m_server;
  std::thread m_thread;
  int m_port = 0;

  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopping = false;
  Script m_script;
  std::function<std::optional<Reply>(const RecordedRequest&)> m_handler;
  std::vector<RecordedRequest> m_requests;
  std::vector<std::size_t> m_rule_positions;
  std::size_t m_fallback_position = 0;
  int m_posts = 0;  // POST requests seen (fail_first, garbage_count, sleep_count count these)
  std::atomic<int> m_in_flight{0};
  std::atomic<int> m_max_in_flight{0};
};

}  // namespace openai_double

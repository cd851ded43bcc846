#include "openai_double.hpp"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace openai_double {
namespace {

using nlohmann::json;

enum class Kind { completions, chat };

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

json error_body(const std::string& message, const std::string& type, int code) {
  return json{{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}}}};
}

Reply json_reply(int status, const json& body) {
  return {status, body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json"};
}

// Tokens for logprobs and usage: runs of non-space characters with the spaces before them.
std::vector<std::string> tokens_of(const std::string& text) {
  std::vector<std::string> tokens;
  std::string current;
  bool has_word = false;
  for (char c : text) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space && has_word) {
      tokens.push_back(current);
      current.clear();
      has_word = false;
    }
    current += c;
    if (!space) has_word = true;
  }
  if (!current.empty()) tokens.push_back(current);
  return tokens;
}

std::string cut_at_stop(std::string text, const std::vector<std::string>& stops) {
  std::size_t cut = text.size();
  for (const std::string& stop : stops) {
    if (stop.empty()) continue;
    cut = std::min(cut, text.find(stop));
  }
  text.resize(cut);
  return text;
}

Garbage parse_garbage(const std::string& name) {
  if (name == "none") return Garbage::none;
  if (name == "not_json") return Garbage::not_json;
  if (name == "empty_body") return Garbage::empty_body;
  if (name == "no_choices") return Garbage::no_choices;
  if (name == "choices_not_array") return Garbage::choices_not_array;
  if (name == "wrong_types") return Garbage::wrong_types;
  if (name == "few_choices") return Garbage::few_choices;
  throw std::runtime_error("script: garbage: unknown kind '" + name +
                           "' (none, not_json, empty_body, no_choices, choices_not_array, "
                           "wrong_types, few_choices)");
}

template <typename T>
T field(const json& object, const std::string& key, json::value_t type, const char* expected) {
  const json& value = object.at(key);
  bool ok = value.type() == type ||
            (type == json::value_t::number_float && value.is_number()) ||
            (type == json::value_t::number_integer && value.is_number_integer());
  if (!ok) throw std::runtime_error("script: " + key + ": expected " + expected);
  return value.get<T>();
}

std::vector<std::string> string_list(const json& value, const std::string& where) {
  if (!value.is_array()) throw std::runtime_error("script: " + where + ": expected an array of strings");
  std::vector<std::string> out;
  for (const json& item : value) {
    if (!item.is_string()) throw std::runtime_error("script: " + where + ": expected strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

Script parse_script(const std::string& json_text) {
  json root = json::parse(json_text, nullptr, false);
  if (root.is_discarded()) throw std::runtime_error("script: not JSON");
  if (!root.is_object()) throw std::runtime_error("script: expected a JSON object");
  Script script;
  for (const auto& [key, value] : root.items()) {
    if (key == "model") {
      script.model = field<std::string>(root, key, json::value_t::string, "a string");
    } else if (key == "require_model") {
      script.require_model = field<bool>(root, key, json::value_t::boolean, "true or false");
    } else if (key == "rules") {
      if (!value.is_array()) throw std::runtime_error("script: rules: expected an array");
      for (std::size_t i = 0; i < value.size(); ++i) {
        const json& rule = value[i];
        std::string where = "rules[" + std::to_string(i) + "]";
        if (!rule.is_object() || !rule.contains("contains") || !rule["contains"].is_string() ||
            !rule.contains("completions")) {
          throw std::runtime_error("script: " + where +
                                   ": expected {\"contains\": string, \"completions\": [string]}");
        }
        script.rules.push_back({rule["contains"].get<std::string>(),
                                string_list(rule["completions"], where + ".completions")});
      }
    } else if (key == "fallback") {
      script.fallback = string_list(value, "fallback");
    } else if (key == "honour_stop") {
      script.honour_stop = field<bool>(root, key, json::value_t::boolean, "true or false");
    } else if (key == "fail_first") {
      script.fail_first = field<int>(root, key, json::value_t::number_integer, "an integer");
    } else if (key == "fail_status") {
      script.fail_status = field<int>(root, key, json::value_t::number_integer, "an integer");
    } else if (key == "garbage") {
      script.garbage = parse_garbage(field<std::string>(root, key, json::value_t::string, "a string"));
    } else if (key == "garbage_count") {
      script.garbage_count = field<int>(root, key, json::value_t::number_integer, "an integer");
    } else if (key == "sleep_ms") {
      script.sleep_ms = field<int>(root, key, json::value_t::number_integer, "an integer");
    } else if (key == "sleep_count") {
      script.sleep_count = field<int>(root, key, json::value_t::number_integer, "an integer");
    } else if (key == "api_key") {
      script.api_key = field<std::string>(root, key, json::value_t::string, "a string");
    } else if (key == "logprob_per_token") {
      script.logprob_per_token = field<double>(root, key, json::value_t::number_float, "a number");
    } else {
      throw std::runtime_error("script: unknown field '" + key + "'");
    }
  }
  return script;
}

std::optional<std::string> RecordedRequest::header(const std::string& name) const {
  std::string wanted = lower(name);
  for (const auto& [key, value] : headers) {
    if (lower(key) == wanted) return value;
  }
  return std::nullopt;
}

Server::Server(Script script, ServerOptions options)
    : m_options(std::move(options)), m_server(std::make_unique<httplib::Server>()),
      m_script(std::move(script)) {
  m_rule_positions.assign(m_script.rules.size(), 0);
  const std::size_t threads = static_cast<std::size_t>(std::max(m_options.threads, 1));
  m_server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  m_server->set_keep_alive_timeout(1);
  m_server->set_read_timeout(1, 0);  // a client that sends no request holds a thread 1 s at most

  auto serve = [this](const httplib::Request& request, httplib::Response& response, bool post) {
    int now = ++m_in_flight;
    int seen = m_max_in_flight.load();
    while (now > seen && !m_max_in_flight.compare_exchange_weak(seen, now)) {
    }
    Reply reply;
    try {
      RecordedRequest recorded = record(&request, post ? "POST" : "GET", now);
      reply = post ? answer(recorded) : models(recorded);
    } catch (const std::exception& error) {
      reply = json_reply(500, error_body(std::string("openai-double: ") + error.what(),
                                         "internal_error", 500));
    }
    response.status = reply.status;
    response.set_content(reply.body, reply.content_type.c_str());
    --m_in_flight;
  };
  m_server->Post("/v1/completions", [serve](const httplib::Request& q, httplib::Response& r) {
    serve(q, r, true);
  });
  m_server->Post("/v1/chat/completions", [serve](const httplib::Request& q, httplib::Response& r) {
    serve(q, r, true);
  });
  m_server->Get("/v1/models", [serve](const httplib::Request& q, httplib::Response& r) {
    serve(q, r, false);
  });

  if (m_options.port == 0) {
    m_port = m_server->bind_to_any_port(m_options.host);
  } else if (m_server->bind_to_port(m_options.host, m_options.port)) {
    m_port = m_options.port;
  } else {
    m_port = -1;
  }
  if (m_port <= 0) {
    throw std::runtime_error("openai-double: cannot listen on " + m_options.host + ":" +
                             std::to_string(m_options.port));
  }
  m_thread = std::thread([this] { m_server->listen_after_bind(); });
  // stop() only takes effect once the server runs.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!m_server->is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

Server::~Server() { stop(); }

void Server::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  if (m_thread.joinable()) {
    m_server->stop();
    m_thread.join();
  }
}

std::string Server::base_url() const {
  return "http://" + m_options.host + ":" + std::to_string(m_port) + "/v1";
}

void Server::set_script(Script script) {
  std::lock_guard lock(m_mutex);
  m_script = std::move(script);
  m_rule_positions.assign(m_script.rules.size(), 0);
  m_fallback_position = 0;
}

void Server::set_handler(std::function<std::optional<Reply>(const RecordedRequest&)> handler) {
  std::lock_guard lock(m_mutex);
  m_handler = std::move(handler);
}

std::vector<RecordedRequest> Server::requests() const {
  std::lock_guard lock(m_mutex);
  return m_requests;
}

int Server::request_count() const {
  std::lock_guard lock(m_mutex);
  return static_cast<int>(m_requests.size());
}

RecordedRequest Server::record(const void* raw, const std::string& method, int in_flight) {
  const auto& request = *static_cast<const httplib::Request*>(raw);
  RecordedRequest recorded;
  recorded.method = method;
  recorded.path = request.path;
  recorded.in_flight = in_flight;
  recorded.body = request.body;
  for (const auto& [key, value] : request.headers) recorded.headers.emplace_back(key, value);
  std::lock_guard lock(m_mutex);
  recorded.number = static_cast<int>(m_requests.size());
  m_requests.push_back(recorded);
  if (!m_options.record_path.empty()) {
    json line = {{"number", recorded.number}, {"method", method}, {"path", recorded.path},
                 {"body", recorded.body}, {"in_flight", in_flight}};
    json headers = json::object();
    for (const auto& [key, value] : recorded.headers) headers[key] = value;
    line["headers"] = headers;
    std::ofstream out(m_options.record_path, std::ios::app | std::ios::binary);
    out << line.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  }
  return recorded;
}

bool Server::sleep_interruptibly(int ms) {
  std::unique_lock lock(m_mutex);
  return !m_wake.wait_for(lock, std::chrono::milliseconds(ms), [this] { return m_stopping; });
}

Reply Server::models(const RecordedRequest& request) {
  std::string model;
  std::optional<std::string> key;
  {
    std::lock_guard lock(m_mutex);
    model = m_script.model;
    key = m_script.api_key;
  }
  if (key && request.header("Authorization") != "Bearer " + *key) {
    return json_reply(401, error_body("Incorrect API key provided", "invalid_request_error", 401));
  }
  json data = json::array({json{{"id", model}, {"object", "model"},
                                {"created", static_cast<long long>(std::time(nullptr))},
                                {"owned_by", "openai-double"}}});
  return json_reply(200, json{{"object", "list"}, {"data", data}});
}

Reply Server::answer(const RecordedRequest& request) {
  std::function<std::optional<Reply>(const RecordedRequest&)> handler;
  Script script;
  int number = 0;
  {
    std::lock_guard lock(m_mutex);
    handler = m_handler;
    number = m_posts++;
    script = m_script;  // the behaviour knobs; texts are picked under the lock below
  }
  if (handler) {
    if (std::optional<Reply> reply = handler(request)) return *reply;
  }
  const Kind kind = request.path.ends_with("/chat/completions") ? Kind::chat : Kind::completions;

  if (script.api_key && request.header("Authorization") != "Bearer " + *script.api_key) {
    return json_reply(401, error_body("Incorrect API key provided", "invalid_request_error", 401));
  }
  if (number < script.fail_first) {
    return json_reply(script.fail_status,
                      error_body("openai-double: scripted failure " + std::to_string(number + 1) +
                                     " of " + std::to_string(script.fail_first),
                                 "server_error", script.fail_status));
  }
  if (script.sleep_ms > 0 && (script.sleep_count < 0 || number < script.sleep_count)) {
    if (!sleep_interruptibly(script.sleep_ms)) {
      return json_reply(503, error_body("openai-double: stopping", "server_error", 503));
    }
  }

  json body = json::parse(request.body, nullptr, false);
  if (!body.is_object()) {
    return json_reply(400, error_body("request body is not a JSON object", "invalid_request_error", 400));
  }
  std::string model = body.value("model", script.model);
  if (!body.contains("model") || !body["model"].is_string()) model = script.model;
  if (script.require_model && model != script.model) {
    return json_reply(404, error_body("The model `" + model + "` does not exist.", "NotFoundError", 404));
  }
  int n = 1;
  if (body.contains("n")) {
    if (!body["n"].is_number_integer() || body["n"].get<int>() < 1 || body["n"].get<int>() > 128) {
      return json_reply(400, error_body("n must be an integer in [1, 128]", "invalid_request_error", 400));
    }
    n = body["n"].get<int>();
  }
  std::string prompt;
  if (kind == Kind::completions) {
    if (body.contains("prompt") && body["prompt"].is_string()) {
      prompt = body["prompt"].get<std::string>();
    } else if (body.contains("prompt") && body["prompt"].is_array() && !body["prompt"].empty() &&
               body["prompt"][0].is_string()) {
      prompt = body["prompt"][0].get<std::string>();
    } else {
      return json_reply(400, error_body("prompt must be a string", "invalid_request_error", 400));
    }
  } else {
    if (!body.contains("messages") || !body["messages"].is_array()) {
      return json_reply(400, error_body("messages must be an array", "invalid_request_error", 400));
    }
    for (const json& message : body["messages"]) {
      if (message.is_object() && message.contains("content") && message["content"].is_string()) {
        if (!prompt.empty()) prompt += "\n";
        prompt += message["content"].get<std::string>();
      }
    }
  }
  std::vector<std::string> stops;
  if (body.contains("stop")) {
    if (body["stop"].is_string()) stops.push_back(body["stop"].get<std::string>());
    if (body["stop"].is_array()) {
      for (const json& stop : body["stop"]) {
        if (stop.is_string()) stops.push_back(stop.get<std::string>());
      }
    }
  }
  bool want_logprobs = false;
  if (body.contains("logprobs")) {
    want_logprobs = kind == Kind::completions ? body["logprobs"].is_number()
                                              : body["logprobs"] == json(true);
  }

  std::vector<std::string> texts;
  {
    std::lock_guard lock(m_mutex);
    const Rule* rule = nullptr;
    std::size_t* position = &m_fallback_position;
    for (std::size_t i = 0; i < m_script.rules.size(); ++i) {
      if (prompt.find(m_script.rules[i].contains) != std::string::npos) {
        rule = &m_script.rules[i];
        position = &m_rule_positions[i];
        break;
      }
    }
    const std::vector<std::string>& pool = rule != nullptr ? rule->completions : m_script.fallback;
    for (int i = 0; i < n; ++i) {
      texts.push_back(pool.empty() ? std::string() : pool[(*position)++ % pool.size()]);
    }
  }

  const bool garbage = script.garbage != Garbage::none &&
                       (script.garbage_count < 0 ||
                        number - script.fail_first < script.garbage_count);
  const std::string id = (kind == Kind::chat ? "chatcmpl-double-" : "cmpl-double-") +
                         std::to_string(request.number);
  json answer = {{"id", id},
                 {"object", kind == Kind::chat ? "chat.completion" : "text_completion"},
                 {"created", static_cast<long long>(std::time(nullptr))},
                 {"model", model}};
  if (garbage) {
    switch (script.garbage) {
      case Garbage::not_json:
        return {200, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"};
      case Garbage::empty_body:
        return {200, "", "application/json"};
      case Garbage::no_choices:
        return json_reply(200, answer);
      case Garbage::choices_not_array:
        answer["choices"] = "none today";
        return json_reply(200, answer);
      case Garbage::wrong_types: {
        json choices = json::array();
        for (int i = 0; i < n; ++i) {
          json choice = {{"index", i}, {"finish_reason", "stop"}, {"logprobs", nullptr}};
          if (kind == Kind::chat) {
            choice["message"] = {{"role", "assistant"}, {"content", 42}};
          } else {
            choice["text"] = 42;
          }
          choices.push_back(choice);
        }
        answer["choices"] = choices;
        return json_reply(200, answer);
      }
      case Garbage::few_choices:
        texts.resize(texts.size() - 1);
        break;
      case Garbage::none:
        break;
    }
  }

  json choices = json::array();
  int completion_tokens = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::string text = script.honour_stop ? cut_at_stop(texts[i], stops) : texts[i];
    std::vector<std::string> tokens = tokens_of(text);
    completion_tokens += static_cast<int>(tokens.size());
    json logprobs = nullptr;
    if (want_logprobs && script.logprob_per_token) {
      double value = *script.logprob_per_token;
      if (kind == Kind::completions) {
        json token_logprobs = json::array();
        json offsets = json::array();
        std::size_t offset = prompt.size();
        for (const std::string& token : tokens) {
          token_logprobs.push_back(value);
          offsets.push_back(offset);
          offset += token.size();
        }
        logprobs = {{"tokens", tokens}, {"token_logprobs", token_logprobs},
                    {"top_logprobs", nullptr}, {"text_offset", offsets}};
      } else {
        json content = json::array();
        for (const std::string& token : tokens) {
          std::vector<int> bytes(token.begin(), token.end());
          content.push_back({{"token", token}, {"logprob", value}, {"bytes", bytes},
                             {"top_logprobs", json::array()}});
        }
        logprobs = {{"content", content}};
      }
    }
    json choice = {{"index", static_cast<int>(i)},
                   {"logprobs", logprobs},
                   {"finish_reason", "stop"}};
    if (kind == Kind::chat) {
      choice["message"] = {{"role", "assistant"}, {"content", text}};
    } else {
      choice["text"] = text;
    }
    choices.push_back(choice);
  }
  answer["choices"] = choices;
  int prompt_tokens = static_cast<int>(tokens_of(prompt).size());
  answer["usage"] = {{"prompt_tokens", prompt_tokens},
                     {"completion_tokens", completion_tokens},
                     {"total_tokens", prompt_tokens + completion_tokens}};
  return json_reply(200, answer);
}

}  // namespace openai_double

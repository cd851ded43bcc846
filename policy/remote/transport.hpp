#pragma once
// HTTP for the remote policy: the base URL, and POST/GET with timeouts and retries with
// exponential backoff (README.md, "Requests and retries"). httplib stays inside transport.cpp.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace httplib {
class Client;
}

namespace policy::remote {

struct BaseUrl {
  std::string scheme_host_port;  // "http://127.0.0.1:8000"
  std::string path;              // "/v1": never empty, no trailing slash
  // The URL of an endpoint below the base: url("completions") ==
  // "http://127.0.0.1:8000/v1/completions".
  std::string url(std::string_view endpoint) const;
};

// Reads http(s)://HOST[:PORT][/PATH], with or without trailing slashes and with an optional
// "openai:" prefix. An empty path means "/v1"; any other path is kept as given. Throws
// PolicyError (naming the URL) for another scheme, a missing host, a query or a fragment.
BaseUrl parse_base_url(std::string_view text);

struct RetrySettings {
  int retries = 3;         // further attempts after the first
  int backoff_ms = 500;    // wait before retry k (k = 1, 2, ...): backoff_ms * 2^(k-1)
  int timeout_ms = 300000; // connect (at most 30 s of it), send, and wait for the answer
  std::optional<std::string> api_key;  // sent as "Authorization: Bearer KEY"; never logged
};

struct HttpOutcome {
  enum class Kind {
    ok,           // a 2xx answer; `body` holds it
    http_error,   // a non-2xx answer (after retries for 408, 429 and 5xx)
    unreachable,  // no connection could be made, on every attempt
    timeout,      // the last attempt got no answer in time
    failed,       // another transport failure (connection reset, bad TLS...)
    cancelled,    // not sent: the caller gave up on the batch
  };
  Kind kind = Kind::failed;
  int status = 0;
  std::string body;
  // For anything but ok: what happened, naming the method and URL, e.g.
  // "POST http://h/v1/completions: HTTP 400: {...}" or
  // "cannot reach http://h/v1/completions: Could not establish connection (4 attempts)".
  std::string message;
  int attempts = 0;
  bool answered = false;  // some attempt got an HTTP answer (of any status)
};

// One client; not thread-safe (each worker has its own). A fresh connection per request.
class HttpSession {
 public:
  HttpSession(const BaseUrl& base, RetrySettings settings);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // POST a JSON body to base/endpoint. When `cancel` becomes true, no further attempt starts.
  HttpOutcome post(std::string_view endpoint, const std::string& body,
                   const std::atomic<bool>* cancel = nullptr);
  HttpOutcome get(std::string_view endpoint);

 private:
  HttpOutcome send(bool post, std::string_view endpoint, const std::string& body,
                   const std::atomic<bool>* cancel);

  BaseUrl m_base;
  RetrySettings m_settings;
  std::unique_ptr<httplib::Client> m_client;
};

}  // namespace policy::remote

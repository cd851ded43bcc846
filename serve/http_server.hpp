#pragma once
// The HTTP/1.1 layer of `harness serve` (docs/serve.md): Boost.Beast on Boost.Asio, so that a
// connection costs a socket and a buffer rather than a thread (keep-alive clients far beyond the
// I/O threads), a request body past the limit is refused with 413 before it is read, and a
// client that goes away while its request is being answered is seen at once (the exchange is
// cancelled, so its queued work can be dropped). Debian 12's cpp-httplib serves from a blocking
// thread pool and cannot see a disconnect.
//
// The handler receives each request as an Exchange and answers it exactly once, from any thread,
// whenever it is ready; meanwhile the connection watches for the client closing.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace serve {

struct HttpRequest {
  std::string method;  // "GET", "POST"...
  std::string target;  // "/verify?x=1"
  std::string path;    // "/verify"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote;  // "127.0.0.1:53412"
  // The first value of a header (name lower-cased), "" when absent.
  std::string header(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones ("Retry-After")
};

// One request and the answer it is owed. Thread-safe.
class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual const HttpRequest& request() const = 0;
  // Sends the answer (the first call only; later ones are ignored).
  virtual void respond(HttpResponse response) = 0;
  // The client went away before the answer was sent.
  virtual bool cancelled() const = 0;
  // Runs `f` once when the client goes away before the answer (at once if it already has).
  virtual void on_cancel(std::function<void()> f) = 0;
};

using Handler = std::function<void(std::shared_ptr<Exchange>)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;                       // 0: any free port (see HttpServer::port)
  int threads = 2;                         // I/O threads
  uint64_t body_limit = 64ull << 20;       // bytes; a larger body gets 413
  std::chrono::seconds idle_timeout{120};  // a keep-alive connection idle this long is closed
  size_t max_connections = 4096;           // beyond: 503 and close
};

struct ServerStats {
  uint64_t connections_open = 0;
  uint64_t connections_total = 0;
  uint64_t requests = 0;
  uint64_t cancelled = 0;  // exchanges whose client went away before the answer
};

class HttpServer {
 public:
  // Binds and listens at once (throws std::runtime_error naming host and port when it cannot).
  HttpServer(ServerOptions options, Handler handler);
  // Stops everything: open connections are closed, answers still owed are dropped.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;
  // Accepts and serves on the I/O threads until stop().
  void start();
  // No new connections; those open are served until their answers are sent.
  void stop_accepting();
  void stop();
  ServerStats stats() const;

  struct Impl;  // opaque: the sessions of http_server.cpp reach it

 private:
  std::unique_ptr<Impl> m_impl;
};

}  // namespace serve

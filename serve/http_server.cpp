#include "serve/http_server.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <stdexcept>
#include <thread>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "common/thread_name.hpp"

namespace serve {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string error_body(const std::string& message) {
  std::string escaped;
  for (char c : message) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return "{\"error\": \"" + escaped + "\"}";
}

}  // namespace

std::string HttpRequest::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

class Session;

struct HttpServer::Impl {
  // Declared before the io_context: its destruction destroys the handlers still queued, and
  // with them the last sessions, which count themselves out here.
  ServerOptions options;
  Handler handler;
  std::atomic<uint64_t> open{0}, total{0}, requests{0}, cancelled{0};
  std::mutex sessions_mutex;
  std::vector<std::weak_ptr<Session>> sessions;
  std::atomic<bool> accepting{true};
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;

  void accept();
};

namespace {

class ExchangeImpl;

}  // namespace

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl& server, bool refuse)
      : m_stream(std::move(socket)), m_server(server), m_refuse(refuse) {
    ++m_server.open;
    ++m_server.total;
  }
  ~Session() { --m_server.open; }

  void run() {
    asio::dispatch(m_stream.get_executor(), [self = shared_from_this()] { self->read_request(); });
  }
  void close() {
    asio::post(m_stream.get_executor(), [self = shared_from_this()] { self->shut(); });
  }
  // From any thread: the exchange's answer.
  void deliver(HttpResponse response) {
    asio::post(m_stream.get_executor(), [self = shared_from_this(), r = std::move(response)]() mutable {
      self->write(std::move(r));
    });
  }

 private:
  void read_request() {
    if (m_closed) return;
    // Acknowledge the next request's first segment at once: a client that writes its headers
    // and its body apart, without TCP_NODELAY (cpp-httplib), holds the body back until that
    // acknowledgement, which Linux would otherwise delay by 40 ms on a keep-alive connection.
    int one = 1;
    ::setsockopt(m_stream.socket().native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    m_parser.emplace();
    m_parser->body_limit(m_server.options.body_limit);
    m_parser->header_limit(64 * 1024);
    m_stream.expires_after(m_server.options.idle_timeout);
    http::async_read(m_stream, m_buffer, *m_parser,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec);
  void watch();
  void on_watch(beast::error_code ec, size_t n);
  void write(HttpResponse response);
  void on_write(beast::error_code ec);

  void shut() {
    if (m_closed) return;
    m_closed = true;
    beast::error_code ignored;
    m_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    m_stream.close();
  }

  beast::tcp_stream m_stream;
  beast::flat_buffer m_buffer;
  std::optional<http::request_parser<http::string_body>> m_parser;
  HttpServer::Impl& m_server;
  bool m_refuse;
  std::shared_ptr<ExchangeImpl> m_current;
  std::shared_ptr<http::response<http::string_body>> m_out;
  bool m_watching = false;
  bool m_peer_closed = false;
  bool m_writing = false;
  bool m_keep_alive = true;
  bool m_closed = false;
  unsigned m_version = 11;
};

namespace {

class ExchangeImpl final : public Exchange {
 public:
  ExchangeImpl(HttpRequest request, std::weak_ptr<Session> session)
      : m_request(std::move(request)), m_session(std::move(session)) {}
  const HttpRequest& request() const override { return m_request; }
  void respond(HttpResponse response) override {
    {
      std::lock_guard lock(m_mutex);
      if (m_answered) return;
      m_answered = true;
    }
    if (auto session = m_session.lock()) session->deliver(std::move(response));
  }
  bool cancelled() const override {
    std::lock_guard lock(m_mutex);
    return m_cancelled;
  }
  void on_cancel(std::function<void()> f) override {
    std::unique_lock lock(m_mutex);
    if (m_cancelled) {
      lock.unlock();
      f();
      return;
    }
    m_on_cancel.push_back(std::move(f));
  }
  // The client went away; true when the answer was still owed.
  bool cancel() {
    std::vector<std::function<void()>> run;
    {
      std::lock_guard lock(m_mutex);
      if (m_answered || m_cancelled) return false;
      m_cancelled = true;
      run.swap(m_on_cancel);
    }
    for (auto& f : run) f();
    return true;
  }
  bool answered() const {
    std::lock_guard lock(m_mutex);
    return m_answered;
  }

 private:
  HttpRequest m_request;
  std::weak_ptr<Session> m_session;
  mutable std::mutex m_mutex;
  bool m_answered = false;
  bool m_cancelled = false;
  std::vector<std::function<void()>> m_on_cancel;
};

}  // namespace

void Session::on_read(beast::error_code ec) {
  if (ec == http::error::body_limit) {
    m_keep_alive = false;
    HttpResponse r;
    r.status = 413;
    r.body = error_body(fmt::format("the request body is over the limit of {} bytes",
                                    m_server.options.body_limit));
    m_current = std::make_shared<ExchangeImpl>(HttpRequest{}, weak_from_this());
    m_current->respond(std::move(r));
    return;
  }
  if (ec) return shut();  // closed, timed out, or not HTTP
  auto& message = m_parser->get();
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  request.path = request.target.substr(0, request.target.find('?'));
  for (const auto& field : message) {
    request.headers.emplace_back(lower(std::string(field.name_string())), std::string(field.value()));
  }
  request.body = std::move(message.body());
  beast::error_code ignored;
  auto remote = m_stream.socket().remote_endpoint(ignored);
  request.remote = fmt::format("{}:{}", remote.address().to_string(), remote.port());
  m_keep_alive = message.keep_alive();
  m_version = message.version();
  ++m_server.requests;
  m_stream.expires_never();
  m_current = std::make_shared<ExchangeImpl>(std::move(request), weak_from_this());
  watch();
  if (m_refuse) {
    m_keep_alive = false;
    HttpResponse r;
    r.status = 503;
    r.headers.emplace_back("Retry-After", "1");
    r.body = error_body("too many connections");
    m_current->respond(std::move(r));
    return;
  }
  m_server.handler(m_current);
}

// While an answer is owed, a read of whatever the client sends next: its end (the client went
// away: the exchange is cancelled) or the start of its next request (kept in the buffer).
void Session::watch() {
  if (m_watching || m_closed) return;
  m_watching = true;
  m_stream.socket().async_read_some(
      m_buffer.prepare(4096),
      [self = shared_from_this()](beast::error_code ec, size_t n) { self->on_watch(ec, n); });
}

void Session::on_watch(beast::error_code ec, size_t n) {
  m_watching = false;
  if (m_closed) return;
  if (ec) {
    m_peer_closed = true;
    if (m_current && m_current->cancel()) ++m_server.cancelled;
    if (!m_writing) shut();
    return;
  }
  m_buffer.commit(n);
  // The next request has begun: read it once the current answer is written.
  if (!m_current && !m_writing) read_request();
}

void Session::write(HttpResponse response) {
  if (m_closed) return;
  if (m_peer_closed) return shut();
  m_out = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(response.status), m_version);
  m_out->set(http::field::server, "harness");
  m_out->set(http::field::content_type, response.content_type);
  for (const auto& [k, v] : response.headers) m_out->set(k, v);
  m_out->keep_alive(m_keep_alive);
  m_out->body() = std::move(response.body);
  m_out->prepare_payload();
  m_writing = true;
  m_stream.expires_after(m_server.options.idle_timeout);
  http::async_write(m_stream, *m_out,
                    [self = shared_from_this()](beast::error_code ec, size_t) { self->on_write(ec); });
}

void Session::on_write(beast::error_code ec) {
  m_writing = false;
  m_current.reset();
  m_out.reset();
  if (ec || !m_keep_alive || m_peer_closed) return shut();
  if (m_watching) return;  // on_watch reads the next request when it comes
  read_request();
}

void HttpServer::Impl::accept() {
  acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
    if (!accepting) return;
    if (!ec) {
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);  // each answer leaves at once
      bool refuse = open.load() >= options.max_connections;
      auto session = std::make_shared<Session>(std::move(socket), *this, refuse);
      {
        std::lock_guard lock(sessions_mutex);
        std::erase_if(sessions, [](const std::weak_ptr<Session>& s) { return s.expired(); });
        sessions.push_back(session);
      }
      session->run();
    }
    accept();
  });
}

HttpServer::HttpServer(ServerOptions options, Handler handler) : m_impl(std::make_unique<Impl>()) {
  m_impl->options = std::move(options);
  m_impl->handler = std::move(handler);
  beast::error_code ec;
  auto address = asio::ip::make_address(m_impl->options.host, ec);
  if (ec) throw std::runtime_error(fmt::format("--host {}: not an IP address", m_impl->options.host));
  tcp::endpoint endpoint(address, m_impl->options.port);
  auto fail = [&](const char* what) {
    throw std::runtime_error(fmt::format("cannot {} {}:{}: {}", what, m_impl->options.host,
                                         m_impl->options.port, ec.message()));
  };
  m_impl->acceptor.open(endpoint.protocol(), ec);
  if (ec) fail("open a socket for");
  m_impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  m_impl->acceptor.bind(endpoint, ec);
  if (ec) fail("bind");
  m_impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail("listen on");
}

HttpServer::~HttpServer() { stop(); }

uint16_t HttpServer::port() const {
  beast::error_code ec;
  return m_impl->acceptor.local_endpoint(ec).port();
}

void HttpServer::start() {
  m_impl->work.emplace(m_impl->io.get_executor());
  m_impl->accept();
  int n = std::max(1, m_impl->options.threads);
  for (int i = 0; i < n; ++i) {
    m_impl->threads.emplace_back([this] {
      common::name_this_thread("serve-http");
      m_impl->io.run();
    });
  }
}

void HttpServer::stop_accepting() {
  m_impl->accepting = false;
  asio::post(m_impl->io, [impl = m_impl.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
}

void HttpServer::stop() {
  if (m_impl->threads.empty()) return;
  stop_accepting();
  {
    std::lock_guard lock(m_impl->sessions_mutex);
    for (auto& weak : m_impl->sessions) {
      if (auto s = weak.lock()) s->close();
    }
  }
  m_impl->work.reset();
  m_impl->io.stop();
  for (auto& t : m_impl->threads) {
    if (t.joinable()) t.join();
  }
  m_impl->threads.clear();
}

ServerStats HttpServer::stats() const {
  return {m_impl->open.load(), m_impl->total.load(), m_impl->requests.load(),
          m_impl->cancelled.load()};
}

}  // namespace serve

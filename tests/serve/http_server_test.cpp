// The HTTP layer of `harness serve` over real loopback HTTP: keep-alive, answers from other
// threads, the body limit, more waiting clients than I/O threads, a client that goes away, and
// the connection bound.
#include "serve/http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

using namespace serve;
using namespace std::chrono_literals;

namespace {

// Answers at once: "METHOD PATH BODY".
Handler echo() {
  return [](std::shared_ptr<Exchange> e) {
    const auto& r = e->request();
    HttpResponse out;
    out.content_type = "text/plain";
    out.body = r.method + " " + r.path + " " + r.body;
    e->respond(std::move(out));
  };
}

// A raw client socket to the server, for what httplib will not do (hang up mid-request).
int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

void send_all(int fd, const std::string& text) {
  REQUIRE(::send(fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size()));
}

std::string read_some(int fd) {
  char buf[4096];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

template <class P>
bool eventually(P p) {
  auto until = std::chrono::steady_clock::now() + 5s;
  while (!p()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

}  // namespace

TEST_CASE("requests on one keep-alive connection are answered in turn", "[serve][http]") {
  HttpServer server({}, echo());
  server.start();
  httplib::Client client("127.0.0.1", server.port());
  client.set_keep_alive(true);
  for (int i = 0; i < 3; ++i) {
    auto res = client.Post("/verify?x=1", "body" + std::to_string(i), "application/json");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body == "POST /verify body" + std::to_string(i));
  }
  auto got = client.Get("/health");
  REQUIRE(got);
  CHECK(got->body == "GET /health ");
  CHECK(server.stats().connections_total == 1);
  CHECK(server.stats().requests == 4);
}

TEST_CASE("an answer may come later from another thread", "[serve][http]") {
  std::vector<std::thread> answerers;
  std::mutex m;
  HttpServer server({}, [&](std::shared_ptr<Exchange> e) {
    std::lock_guard lock(m);
    answerers.emplace_back([e] {
      std::this_thread::sleep_for(100ms);
      HttpResponse out;
      out.body = "{\"late\": true}";
      out.headers.emplace_back("Retry-After", "3");
      e->respond(out);
      e->respond(HttpResponse{500, "text/plain", "ignored", {}});  // only the first counts
    });
  });
  server.start();
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Get("/");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == "{\"late\": true}");
  CHECK(res->get_header_value("Retry-After") == "3");
  CHECK(res->get_header_value("Content-Type") == "application/json");
  std::lock_guard lock(m);
  for (auto& t : answerers) t.join();
}

TEST_CASE("a body over the limit gets 413 naming the limit, before it is read", "[serve][http]") {
  ServerOptions options;
  options.body_limit = 1000;
  bool handled = false;
  HttpServer server(options, [&](std::shared_ptr<Exchange> e) {
    handled = true;
    e->respond({});
  });
  server.start();
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Post("/verify", std::string(5000, 'x'), "application/json");
  REQUIRE(res);
  CHECK(res->status == 413);
  CHECK(res->body.find("limit of 1000 bytes") != std::string::npos);
  CHECK_FALSE(handled);
  auto small = client.Post("/verify", std::string(900, 'x'), "application/json");
  REQUIRE(small);
  CHECK(small->status == 200);
}

TEST_CASE("more waiting clients than I/O threads are all held and answered", "[serve][http]") {
  // Nothing is answered until every client's request has arrived: a server with a thread per
  // connection and 2 threads would never get there.
  const int kClients = 40;
  std::mutex m;
  std::vector<std::shared_ptr<Exchange>> waiting;
  ServerOptions options;
  options.threads = 2;
  HttpServer server(options, [&](std::shared_ptr<Exchange> e) {
    std::vector<std::shared_ptr<Exchange>> all;
    {
      std::lock_guard lock(m);
      waiting.push_back(e);
      if (static_cast<int>(waiting.size()) < kClients) return;
      all.swap(waiting);
    }
    for (auto& w : all) w->respond({200, "text/plain", w->request().body, {}});
  });
  server.start();
  std::vector<std::future<std::string>> replies;
  for (int i = 0; i < kClients; ++i) {
    replies.push_back(std::async(std::launch::async, [&server, i] {
      httplib::Client client("127.0.0.1", server.port());
      client.set_read_timeout(20, 0);
      auto res = client.Post("/", std::to_string(i), "text/plain");
      return res ? res->body : std::string("no answer");
    }));
  }
  for (int i = 0; i < kClients; ++i) CHECK(replies[static_cast<size_t>(i)].get() == std::to_string(i));
  CHECK(server.stats().requests == static_cast<uint64_t>(kClients));
}

TEST_CASE("a client that goes away cancels its exchange", "[serve][http]") {
  std::mutex m;
  std::shared_ptr<Exchange> held;
  std::atomic<int> cancels{0};
  HttpServer server({}, [&](std::shared_ptr<Exchange> e) {
    e->on_cancel([&] { ++cancels; });
    std::lock_guard lock(m);
    held = e;  // never answered while the client is there
  });
  server.start();
  int fd = connect_to(server.port());
  send_all(fd, "POST /verify HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
  REQUIRE(eventually([&] {
    std::lock_guard lock(m);
    return held != nullptr;
  }));
  CHECK_FALSE(held->cancelled());
  ::close(fd);
  REQUIRE(eventually([&] { return cancels.load() == 1; }));
  CHECK(held->cancelled());
  CHECK(server.stats().cancelled == 1);
  held->respond({});  // too late: dropped, nothing breaks
  int late = 0;
  held->on_cancel([&] { ++late; });  // runs at once
  CHECK(late == 1);
}

TEST_CASE("past the connection bound a client gets 503 with Retry-After", "[serve][http]") {
  ServerOptions options;
  options.max_connections = 1;
  HttpServer server(options, echo());
  server.start();
  int first = connect_to(server.port());  // holds the one connection open
  REQUIRE(eventually([&] { return server.stats().connections_open == 1; }));
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Get("/health");
  REQUIRE(res);
  CHECK(res->status == 503);
  CHECK(res->get_header_value("Retry-After") == "1");
  ::close(first);
  REQUIRE(eventually([&] { return server.stats().connections_open == 0; }));
  auto again = client.Get("/health");
  REQUIRE(again);
  CHECK(again->status == 200);
}

TEST_CASE("a request that is not HTTP closes the connection and the server goes on",
          "[serve][http]") {
  HttpServer server({}, echo());
  server.start();
  int fd = connect_to(server.port());
  send_all(fd, "this is not http\r\n\r\n");
  CHECK(read_some(fd).empty());  // closed without an answer
  ::close(fd);
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Get("/health");
  REQUIRE(res);
  CHECK(res->status == 200);
}

TEST_CASE("after stop_accepting no new connection is served", "[serve][http]") {
  HttpServer server({}, echo());
  server.start();
  uint16_t port = server.port();
  server.stop_accepting();
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1, 0);
  client.set_read_timeout(1, 0);
  REQUIRE(eventually([&] { return !client.Get("/health"); }));
}

TEST_CASE("a host that cannot be bound is an error naming it", "[serve][http]") {
  ServerOptions options;
  options.host = "not-an-address";
  CHECK_THROWS_WITH(HttpServer(options, echo()), Catch::Contains("not-an-address"));
  HttpServer taken({}, echo());
  ServerOptions same;
  same.port = taken.port();
  CHECK_THROWS_WITH(HttpServer(same, echo()), Catch::Contains(std::to_string(taken.port())));
}

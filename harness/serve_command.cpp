// `harness serve`: settings → engine, store, serve run, dispatcher, HTTP server → serves until
// SIGTERM or SIGINT, then drains (docs/serve.md).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "harness/exit_codes.hpp"
#include "harness/interrupt.hpp"
#include "harness/library_checker.hpp"
#include "harness/library_grow.hpp"
#include "harness/serve_run.hpp"
#include "harness/serve_settings.hpp"
#include "serve/openrlhf.hpp"
#include "serve/snippet.hpp"
#include "store/input_hash.hpp"
#include "tasks/task_index.hpp"

namespace harness {
namespace {

using nlohmann::json;
using serve::HttpResponse;

HttpResponse json_answer(int status, const json& body) {
  return {status, "application/json", body.dump(), {}};
}

HttpResponse detail(int status, const std::string& text) {
  return json_answer(status, json{{"detail", text}});
}

// The queue has no room for a request: 429, and when to try again.
HttpResponse queue_full() {
  HttpResponse busy = detail(429, "the queue is full; retry later");
  busy.headers.emplace_back("Retry-After", "1");
  return busy;
}

// Requests by endpoint and status, and their latency, for /metrics.
class RequestMetrics {
 public:
  static constexpr double kBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                        1,     2.5,  5,     10,   30,  60,   300};
  void record(const std::string& endpoint, int status, double seconds) {
    std::lock_guard lock(m_mutex);
    ++m_counts[{endpoint, status}];
    auto& h = m_latency[endpoint];
    h.resize(std::size(kBuckets) + 1);
    size_t b = 0;
    while (b < std::size(kBuckets) && seconds > kBuckets[b]) ++b;
    ++h[b];
    m_sum[endpoint] += seconds;
  }
  void write(std::string& out) const {
    std::lock_guard lock(m_mutex);
    out += "# HELP harness_http_requests_total HTTP requests answered, by endpoint and status\n"
           "# TYPE harness_http_requests_total counter\n";
    for (const auto& [key, n] : m_counts) {
      out += fmt::format("harness_http_requests_total{{endpoint=\"{}\",status=\"{}\"}} {}\n",
                         key.first, key.second, n);
    }
    out += "# HELP harness_http_request_seconds Time from a request's arrival to its answer\n"
           "# TYPE harness_http_request_seconds histogram\n";
    for (const auto& [endpoint, h] : m_latency) {
      int64_t cumulative = 0;
      for (size_t b = 0; b < h.size(); ++b) {
        cumulative += h[b];
        std::string le = b < std::size(kBuckets) ? fmt::format("{}", kBuckets[b]) : "+Inf";
        out += fmt::format("harness_http_request_seconds_bucket{{endpoint=\"{}\",le=\"{}\"}} {}\n",
                           endpoint, le, cumulative);
      }
      out += fmt::format("harness_http_request_seconds_sum{{endpoint=\"{}\"}} {}\n", endpoint,
                         m_sum.at(endpoint));
      out += fmt::format("harness_http_request_seconds_count{{endpoint=\"{}\"}} {}\n", endpoint,
                         cumulative);
    }
  }

 private:
  mutable std::mutex m_mutex;
  std::map<std::pair<std::string, int>, int64_t> m_counts;
  std::map<std::string, std::vector<int64_t>> m_latency;
  std::map<std::string, double> m_sum;
};

// An exchange that counts its answer in the metrics as it goes.
class CountedExchange final : public serve::Exchange {
 public:
  CountedExchange(std::shared_ptr<serve::Exchange> inner, std::string endpoint,
                  std::shared_ptr<RequestMetrics> metrics)
      : m_inner(std::move(inner)), m_endpoint(std::move(endpoint)), m_metrics(std::move(metrics)) {}
  const serve::HttpRequest& request() const override { return m_inner->request(); }
  void respond(HttpResponse response) override {
    if (!m_counted.exchange(true)) {
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_began).count();
      m_metrics->record(m_endpoint, response.status, seconds);
    }
    m_inner->respond(std::move(response));
  }
  bool cancelled() const override { return m_inner->cancelled(); }
  void on_cancel(std::function<void()> f) override { m_inner->on_cancel(std::move(f)); }

 private:
  std::shared_ptr<serve::Exchange> m_inner;
  std::string m_endpoint;
  std::shared_ptr<RequestMetrics> m_metrics;
  std::chrono::steady_clock::time_point m_began = std::chrono::steady_clock::now();
  std::atomic<bool> m_counted{false};
};

// The endpoints /metrics names: the known ones, everything else as "other".
std::string endpoint_label(const std::string& path) {
  for (const char* known : {"/", "/health", "/health/", "/verify", "/one_pass_verify_batch",
                            "/api/check", "/api/check/", "/reward", "/get_reward", "/metrics"}) {
    if (path == known) return path;
  }
  return "other";
}

// What each path answers; the Kimina endpoints go to the dispatcher.
class Routes {
 public:
  Routes(ServeDispatcher& dispatcher, const tasks::TaskIndex* tasks, std::string key,
         size_t max_batch, std::chrono::milliseconds max_wall)
      : m_dispatcher(dispatcher),
        m_tasks(tasks),
        m_key(std::move(key)),
        m_max_batch(max_batch),
        m_max_wall(max_wall) {}

  void operator()(const std::shared_ptr<serve::Exchange>& raw) {
    auto exchange = std::make_shared<CountedExchange>(raw, endpoint_label(raw->request().path),
                                                      m_metrics);
    const auto& r = exchange->request();
    if (r.path == "/metrics") {
      if (r.method != "GET") return exchange->respond(detail(405, "use GET"));
      return exchange->respond({200, "text/plain; version=0.0.4", metrics_text(), {}});
    }
    if (r.path == "/" || r.path == "/health" || r.path == "/health/") {
      if (r.method != "GET") return exchange->respond(detail(405, "use GET"));
      return exchange->respond(json_answer(200, json{{"status", "ok"}}));
    }
    if (r.path == "/reward" || r.path == "/get_reward") {
      if (r.method != "POST") return exchange->respond(detail(405, "use POST"));
      if (!authorized(r)) return exchange->respond(unauthorized());
      return reward(exchange);
    }
    std::optional<serve::kimina::Endpoint> endpoint;
    if (r.path == "/verify" || r.path == "/one_pass_verify_batch") {
      endpoint = serve::kimina::Endpoint::verify;
    } else if (r.path == "/api/check" || r.path == "/api/check/") {
      endpoint = serve::kimina::Endpoint::check;
    }
    if (!endpoint) return exchange->respond(detail(404, fmt::format("no such endpoint: {}", r.path)));
    if (r.method != "POST") return exchange->respond(detail(405, "use POST"));
    if (!authorized(r)) return exchange->respond(unauthorized());
    auto parsed = serve::kimina::parse_request(*endpoint, r.body, m_max_batch);
    if (auto* bad = std::get_if<serve::kimina::BadRequest>(&parsed)) {
      return exchange->respond(detail(bad->status, bad->detail()));
    }
    auto request = std::make_shared<serve::kimina::Request>(
        std::get<serve::kimina::Request>(std::move(parsed)));
    // The timeout the checks get, and that a "timed out" error names: the client's within the
    // server's --timeout (0: the server's).
    double max_s = std::chrono::duration<double>(m_max_wall).count();
    if (request->timeout_s <= 0 || request->timeout_s > max_s) request->timeout_s = max_s;
    std::vector<ServeDispatcher::Item> items;
    for (const auto& snippet : request->snippets) {
      ServeDispatcher::Item item;
      if (snippet.code) {
        auto made = serve::candidate_for(*snippet.code, m_tasks);
        made.candidate.name = snippet.id.is_string() ? snippet.id.get<std::string>() : snippet.id.dump();
        item.candidate = std::move(made.candidate);
        item.known_task = made.known_task;
        item.options = add_options(*request);
      }
      items.push_back(std::move(item));
    }
    auto answer = [request](const std::vector<serve::kimina::Outcome>& outcomes) {
      return json_answer(200, serve::kimina::response(*request, outcomes));
    };
    if (!m_dispatcher.submit(std::move(items), exchange, answer)) exchange->respond(queue_full());
  }

 private:
  // A Kimina request's timeout (already within the server's --timeout) and cache use.
  Pipeline::AddOptions add_options(const serve::kimina::Request& request) const {
    Pipeline::AddOptions out;
    out.use_cache = request.use_cache;
    auto wall = std::chrono::milliseconds(static_cast<int64_t>(request.timeout_s * 1000));
    out.wall = std::min(wall, m_max_wall);
    return out;
  }

  std::string metrics_text() const {
    std::string out;
    m_metrics->write(out);
    ServeStats s = m_dispatcher.stats();
    PipelineStats p = m_dispatcher.pipeline_stats();
    auto counter = [&](const char* name, const char* help, int64_t value) {
      out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, value);
    };
    auto gauge = [&](const char* name, const char* help, int64_t value) {
      out += fmt::format("# HELP {0} {1}\n# TYPE {0} gauge\n{0} {2}\n", name, help, value);
    };
    out += "# HELP harness_verdicts_total Items decided, by verdict\n"
           "# TYPE harness_verdicts_total counter\n";
    for (const auto& [verdict, n] : s.verdicts) {
      out += fmt::format("harness_verdicts_total{{verdict=\"{}\"}} {}\n", verdict, n);
    }
    gauge("harness_queue_items", "Items waiting or being checked", s.queued);
    gauge("harness_checks_in_flight", "Items in the pipeline (at Lean or about to be)", s.in_flight);
    counter("harness_refused_total", "Requests answered 429: the queue was full", s.refused);
    counter("harness_cache_hits_total", "Items answered by the verification cache", p.cache_hits);
    counter("harness_duplicates_total", "Items answered by an identical check", p.duplicates);
    counter("harness_lean_checks_total", "Items answered by Lean", p.lean_checks);
    counter("harness_decided_early_total", "Items decided without Lean (guard, input)", p.decided_early);
    if (auto c = m_dispatcher.checker_stats()) {
      counter("harness_worker_starts_total", "REPL processes the workers started", c->starts);
      counter("harness_worker_timeouts_total", "Checks stopped by the wall clock", c->timeouts);
      counter("harness_worker_deaths_total", "REPL processes that died", c->deaths);
      counter("harness_imports_total", "Import sets elaborated, the spares' included",
              c->imports + c->spare_starts);
      gauge("harness_workers", "Worker slots, each with at most one REPL process", c->workers);
      gauge("harness_workers_busy", "Workers with a check in hand", c->busy);
      gauge("harness_spares_ready", "Warm spares imported and waiting", c->spares_ready);
    }
    lean_bridge::ResidentMemory memory = m_dispatcher.resident_memory();
    if (!memory.workers.empty()) {
      out += "# HELP harness_worker_resident_bytes Resident memory of a worker's REPL process "
             "and its children (0: none running), read every few seconds\n"
             "# TYPE harness_worker_resident_bytes gauge\n";
      for (size_t i = 0; i < memory.workers.size(); ++i) {
        out += fmt::format("harness_worker_resident_bytes{{worker=\"{}\"}} {}\n", i, memory.workers[i]);
      }
      gauge("harness_spares_resident_bytes", "Resident memory of the warm spares ready",
            static_cast<int64_t>(memory.spares));
    }
    return out;
  }

  bool authorized(const serve::HttpRequest& r) const {
    return m_key.empty() || r.header("authorization") == "Bearer " + m_key;
  }
  static HttpResponse unauthorized() {
    return detail(401, "a valid `Authorization: Bearer KEY` is required");
  }

  // OpenRLHF's remote reward model: one number per query.
  void reward(const std::shared_ptr<serve::Exchange>& exchange) {
    auto parsed = serve::openrlhf::parse_request(exchange->request().body, m_max_batch);
    if (auto* bad = std::get_if<serve::kimina::BadRequest>(&parsed)) {
      return exchange->respond(detail(bad->status, bad->detail()));
    }
    const auto& request = std::get<serve::openrlhf::Request>(parsed);
    std::vector<ServeDispatcher::Item> items;
    for (size_t i = 0; i < request.queries.size(); ++i) {
      auto prepared = serve::openrlhf::prepare(request.queries[i], m_tasks);
      ServeDispatcher::Item item;
      item.known_task = prepared.known_task;
      if (prepared.candidate) {
        item.candidate = std::move(prepared.candidate);
        item.candidate->name = fmt::format("query[{}]", i);
      } else {
        item.decided.verdict = lean_bridge::Verdict::invalid;
        item.decided.decided_by = lean_bridge::DecidedBy::input;
        item.decided.reason = prepared.problem;
      }
      items.push_back(std::move(item));
    }
    auto answer = [](const std::vector<serve::kimina::Outcome>& outcomes) {
      return json_answer(200, serve::openrlhf::response(outcomes));
    };
    if (!m_dispatcher.submit(std::move(items), exchange, answer)) exchange->respond(queue_full());
  }

  ServeDispatcher& m_dispatcher;
  std::shared_ptr<RequestMetrics> m_metrics = std::make_shared<RequestMetrics>();
  const tasks::TaskIndex* m_tasks;
  std::string m_key;
  size_t m_max_batch;
  std::chrono::milliseconds m_max_wall;  // the server's --timeout
};

json summary(const ServeDispatcher& d, const serve::HttpServer& http, double seconds) {
  ServeStats s = d.stats();
  PipelineStats p = d.pipeline_stats();
  json out = {{"requests", s.requests},
              {"snippets", s.snippets},
              {"answered", s.answered},
              {"refused", s.refused},
              {"cancelled", s.cancelled},
              {"dropped", s.dropped},
              {"connections", http.stats().connections_total},
              {"cache_hits", p.cache_hits},
              {"duplicates", p.duplicates},
              {"lean_checks", p.lean_checks},
              {"decided_early", p.decided_early},
              {"infra_errors", p.infra_errors},
              {"seconds", seconds}};
  if (auto c = d.checker_stats()) {
    out["workers"] = {{"started", c->starts}, {"timeouts", c->timeouts}, {"died", c->deaths},
                      {"imports", c->imports + c->spare_starts},
                      {"spares_taken", c->spares_taken}};
  }
  return out;
}

int serve_main(const ServeSettings& s) {
  std::string key;
  if (!s.api_key_env.empty()) {
    const char* value = std::getenv(s.api_key_env.c_str());
    if (value == nullptr || *value == '\0') {
      throw UsageError(fmt::format("--api-key-env {}: the variable is not set", s.api_key_env));
    }
    key = value;
  }
  std::optional<tasks::TaskIndex> index;
  if (s.tasks) index = tasks::TaskIndex::load(*s.tasks);
  std::optional<StoredLibrary> library = given_library(s.library, s.library_version);
  Engine engine = make_engine(s);
  if (library) {
    engine.library = layers_of(library->lemmas, /*derivations=*/true);
    announce_library("serve", *library);
  }
  // The dispatcher never waits for room at the pool: while it waited it would neither answer
  // nor drop the checks of clients gone meanwhile. --max-queued bounds what is queued.
  engine.pool.queue_limit = static_cast<size_t>(std::max(1, s.max_queued));
  store::Store db = store::Store::open(s.db);
  db.checkpoint_in_background();  // answers never wait for a checkpoint's syncs
  json settings = engine_settings_json(s, engine);
  settings["host"] = s.host;
  settings["port"] = s.port;
  settings["tasks"] = s.tasks ? json(*s.tasks) : json(nullptr);
  if (library) settings["library"] = library_record(*s.library, *library);
  store::RunInfo info{"serve", json(s.argv).dump(), engine.identity.toolchain, engine.repl,
                      settings.dump(), s.tasks.value_or(""),
                      s.tasks ? std::optional<std::string>(store::file_sha256(*s.tasks))
                              : std::nullopt,
                      host_name()};
  int64_t run_id = db.begin_run(info);
  auto began = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  };
  std::optional<ServeDispatcher> dispatcher;
  std::optional<serve::HttpServer> http;
  try {
    dispatcher.emplace(engine, db, run_id, index ? &*index : nullptr,
                       static_cast<size_t>(s.max_queued), s.retain_days);
    serve::ServerOptions options;
    options.host = s.host;
    options.port = static_cast<uint16_t>(s.port);
    options.threads = s.http_threads;
    options.body_limit = static_cast<uint64_t>(s.max_body_mb) << 20;
    Routes routes(*dispatcher, index ? &*index : nullptr, key, static_cast<size_t>(s.max_batch),
                  engine.pool.worker.proof_timeout);
    try {
      http.emplace(options, [routes](std::shared_ptr<serve::Exchange> e) mutable { routes(e); });
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
    install_interrupt_handlers();
    http->start();
    std::cout << "listening on " << http->port() << std::endl;
    fmt::print(stderr, "harness serve: http://{}:{} (run {}); SIGTERM or Ctrl-C drains and stops\n",
               s.host, http->port(), run_id);
    while (!interrupt_requested() && !dispatcher->fatal_error()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    // Drain: no new connection, every request taken is answered and recorded.
    http->stop_accepting();
    dispatcher->drain();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the last answers go out
    http->stop();
  } catch (const std::exception&) {
    try {
      db.finish_run(run_id, store::RunStatus::failed,
                    dispatcher && http ? summary(*dispatcher, *http, seconds()).dump() : "{}");
    } catch (const store::StoreError&) {
    }
    throw;
  }
  json out = summary(*dispatcher, *http, seconds());
  if (auto fatal = dispatcher->fatal_error()) {
    db.finish_run(run_id, store::RunStatus::failed, out.dump());
    fmt::print(stderr, "{}\n", *fatal);
    return kExitLeanOrStore;
  }
  db.finish_run(run_id, store::RunStatus::completed, out.dump());
  fmt::print(stderr, "harness serve: drained: {} requests, {} snippets answered\n",
             out["requests"].get<int64_t>(), out["snippets"].get<int64_t>());
  return kExitOk;
}

}  // namespace

int run_serve(const ServeSettings& settings) {
  return run_command("serve", [&] { return serve_main(settings); });
}

}  // namespace harness

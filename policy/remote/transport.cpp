#include "policy/remote/transport.hpp"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "policy/policy.hpp"

namespace policy::remote {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A short, single-line quote of an answer body for error messages.
std::string excerpt(std::string_view text, std::size_t limit = 200) {
  std::string out;
  for (char c : text.substr(0, limit)) {
    if (c == '\n' || c == '\r') {
      out += ' ';
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += '?';
    } else {
      out += c;
    }
  }
  if (text.size() > limit) out += "...";
  return out.empty() ? "(empty body)" : out;
}

bool retryable_status(int status) { return status == 408 || status == 429 || status >= 500; }

std::string attempts_text(int attempts) {
  return std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts");
}

std::string seconds_text(int ms) {
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms / 1000) + "." + std::to_string((ms % 1000) / 100) + " s";
}

void set_timeout(httplib::Client& client, int timeout_ms) {
  auto sec = static_cast<time_t>(timeout_ms / 1000);
  auto usec = static_cast<time_t>((timeout_ms % 1000) * 1000);
  int connect_ms = std::min(timeout_ms, 30000);
  client.set_connection_timeout(static_cast<time_t>(connect_ms / 1000),
                                static_cast<time_t>((connect_ms % 1000) * 1000));
  client.set_read_timeout(sec, usec);
  client.set_write_timeout(sec, usec);
}

}  // namespace

std::string BaseUrl::url(std::string_view endpoint) const {
  return scheme_host_port + path + "/" + std::string(endpoint);
}

BaseUrl parse_base_url(std::string_view text) {
  std::string given(text);
  if (text.starts_with("openai:")) text.remove_prefix(7);
  auto bad = [&](const std::string& why) {
    return PolicyError("openai policy: base URL '" + given + "' " + why);
  };
  std::string scheme;
  if (lower(text.substr(0, 7)) == "http://") {
    scheme = "http";
    text.remove_prefix(7);
  } else if (lower(text.substr(0, 8)) == "https://") {
    scheme = "https";
    text.remove_prefix(8);
  } else {
    throw bad("must start with http:// or https:// (e.g. http://127.0.0.1:8000/v1)");
  }
  if (text.find_first_of("?# \t\r\n") != std::string_view::npos) {
    throw bad("must not hold a query, a fragment or spaces");
  }
  std::size_t slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : text.substr(slash);
  if (authority.empty() || authority.front() == ':') throw bad("has no host");
  if (authority.find('@') != std::string_view::npos) {
    throw bad("must not hold credentials (give the key with the API key option)");
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  BaseUrl base;
  base.scheme_host_port = scheme + "://" + std::string(authority);
  base.path = path.empty() ? "/v1" : std::string(path);
  if (!httplib::Client(base.scheme_host_port).is_valid()) throw bad("cannot be used");
  return base;
}

HttpSession::HttpSession(const BaseUrl& base, RetrySettings settings)
    : m_base(base), m_settings(std::move(settings)),
      m_client(std::make_unique<httplib::Client>(base.scheme_host_port)) {
  set_timeout(*m_client, std::max(m_settings.timeout_ms, 1));
  m_client->set_keep_alive(false);
}

HttpSession::~HttpSession() = default;

HttpOutcome HttpSession::post(std::string_view endpoint, const std::string& body,
                              const std::atomic<bool>* cancel) {
  return send(true, endpoint, body, cancel);
}

HttpOutcome HttpSession::get(std::string_view endpoint) { return send(false, endpoint, {}, nullptr); }

HttpOutcome HttpSession::send(bool post, std::string_view endpoint, const std::string& body,
                              const std::atomic<bool>* cancel) {
  const std::string url = m_base.url(endpoint);
  const std::string path = m_base.path + "/" + std::string(endpoint);
  const std::string method = post ? "POST " : "GET ";
  httplib::Headers headers = {{"Accept", "application/json"}, {"User-Agent", "lean-harness"}};
  if (m_settings.api_key) headers.emplace("Authorization", "Bearer " + *m_settings.api_key);

  HttpOutcome outcome;
  const int attempts = 1 + std::max(m_settings.retries, 0);
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > 0) {
      int shift = std::min(attempt - 1, 20);
      auto wait = std::chrono::milliseconds(static_cast<long long>(std::max(m_settings.backoff_ms, 0))
                                            << shift);
      std::this_thread::sleep_for(wait);
    }
    if (cancel != nullptr && cancel->load()) {
      if (outcome.attempts == 0) {
        outcome.kind = HttpOutcome::Kind::cancelled;
        outcome.message = method + url + ": not sent (the batch was abandoned)";
      }
      return outcome;
    }
    ++outcome.attempts;
    auto start = std::chrono::steady_clock::now();
    httplib::Result result = post ? m_client->Post(path, headers, body, "application/json")
                                  : m_client->Get(path, headers);
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - start)
                       .count();
    if (result) {
      outcome.answered = true;
      outcome.status = result->status;
      outcome.body = std::move(result->body);
      if (outcome.status >= 200 && outcome.status < 300) {
        outcome.kind = HttpOutcome::Kind::ok;
        outcome.message.clear();
        return outcome;
      }
      outcome.kind = HttpOutcome::Kind::http_error;
      outcome.message = method + url + ": HTTP " + std::to_string(outcome.status);
      if (!retryable_status(outcome.status)) {
        outcome.message += ": " + excerpt(outcome.body);
        return outcome;
      }
      outcome.message += " (" + attempts_text(outcome.attempts) + "): " + excerpt(outcome.body);
      continue;
    }
    httplib::Error error = result.error();
    std::string what = httplib::to_string(error);
    switch (error) {
      case httplib::Error::Connection:
      case httplib::Error::ConnectionTimeout:
      case httplib::Error::BindIPAddress:
      case httplib::Error::SSLConnection:
        outcome.kind = HttpOutcome::Kind::unreachable;
        outcome.message = "cannot reach " + url + ": " + what + " (" +
                          attempts_text(outcome.attempts) + ")";
        break;
      case httplib::Error::SSLLoadingCerts:
      case httplib::Error::SSLServerVerification:
        // Retrying cannot help: the certificate is refused every time.
        outcome.kind = HttpOutcome::Kind::unreachable;
        outcome.message = "cannot reach " + url + ": " + what;
        return outcome;
      default:
        if (elapsed + 50 >= m_settings.timeout_ms && error == httplib::Error::Read) {
          outcome.kind = HttpOutcome::Kind::timeout;
          outcome.message = method + url + ": no answer within " +
                            seconds_text(m_settings.timeout_ms) + " (" +
                            attempts_text(outcome.attempts) + ")";
        } else {
          outcome.kind = HttpOutcome::Kind::failed;
          outcome.message =
              method + url + ": " + what + " (" + attempts_text(outcome.attempts) + ")";
        }
        break;
    }
  }
  return outcome;
}

}  // namespace policy::remote

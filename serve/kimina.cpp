#include "serve/kimina.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "common/lean_lexer.hpp"

namespace serve::kimina {
namespace {

using nlohmann::json;
using lean_bridge::Verdict;

const char* type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    default: return "a number";
  }
}

BadRequest expected(const std::string& path, const char* what, const json& got) {
  return {path, fmt::format("expected {}, got {}", what, type_name(got))};
}

// Optional fields: absent or null keep the default.
const json* field(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<BadRequest> read_timeout(const json& body, Request& out) {
  if (const json* t = field(body, "timeout")) {
    if (!t->is_number() || t->get<double>() < 0) {
      return BadRequest{"timeout", fmt::format("expected a number of seconds ≥ 0, got {}", t->dump())};
    }
    out.timeout_s = t->get<double>();
  }
  return std::nullopt;
}

std::optional<BadRequest> read_flag(const json& body, const char* name, bool& out) {
  if (const json* f = field(body, name)) {
    if (!f->is_boolean()) return expected(name, "true or false", *f);
    out = f->get<bool>();
  }
  return std::nullopt;
}

std::optional<BadRequest> read_list(const json& body, const char* name, size_t max,
                                    const json*& list) {
  auto it = body.find(name);
  if (it == body.end()) return BadRequest{name, "missing"};
  if (!it->is_array()) return expected(name, "an array", *it);
  if (it->size() > max) {
    BadRequest bad{name, fmt::format("{} entries, over the limit of {} a request", it->size(), max)};
    bad.status = 413;
    return bad;
  }
  list = &*it;
  return std::nullopt;
}

std::variant<Request, BadRequest> parse_verify(const json& body, size_t max) {
  Request out;
  out.endpoint = Endpoint::verify;
  out.timeout_s = 300;
  const json* codes = nullptr;
  if (auto bad = read_list(body, "codes", max, codes)) return *bad;
  for (size_t i = 0; i < codes->size(); ++i) {
    const json& entry = (*codes)[i];
    std::string path = fmt::format("codes[{}]", i);
    if (!entry.is_object()) return expected(path, "an object", entry);
    auto id = entry.find("custom_id");
    if (id == entry.end()) return BadRequest{path + ".custom_id", "missing"};
    if (!id->is_string() && !id->is_number_integer()) {
      return expected(path + ".custom_id", "a string or an integer", *id);
    }
    Snippet snippet{*id, std::nullopt};
    for (const char* name : {"code", "proof"}) {  // `proof` wins over `code`, as in Kimina
      if (const json* text = field(entry, name)) {
        if (!text->is_string()) return expected(path + "." + name, "a string", *text);
        snippet.code = text->get<std::string>();
      }
    }
    out.snippets.push_back(std::move(snippet));
  }
  if (auto bad = read_timeout(body, out)) return *bad;
  bool disable_cache = false;
  if (auto bad = read_flag(body, "disable_cache", disable_cache)) return *bad;
  out.use_cache = !disable_cache;
  if (const json* infotree = field(body, "infotree_type")) {
    if (!infotree->is_string()) return expected("infotree_type", "a string or null", *infotree);
    out.infotree = infotree->get<std::string>();
  }
  return out;
}

std::variant<Request, BadRequest> parse_check(const json& body, size_t max) {
  Request out;
  out.endpoint = Endpoint::check;
  out.timeout_s = 30;
  const json* snippets = nullptr;
  if (auto bad = read_list(body, "snippets", max, snippets)) return *bad;
  if (snippets->empty()) return BadRequest{"snippets", "empty: expected at least one snippet"};
  std::set<std::string> ids;
  for (size_t i = 0; i < snippets->size(); ++i) {
    const json& entry = (*snippets)[i];
    std::string path = fmt::format("snippets[{}]", i);
    if (!entry.is_object()) return expected(path, "an object", entry);
    auto id = entry.find("id");
    if (id == entry.end()) return BadRequest{path + ".id", "missing"};
    if (!id->is_string()) return expected(path + ".id", "a string", *id);
    if (!ids.insert(id->get<std::string>()).second) {
      return BadRequest{path + ".id", fmt::format("duplicate id {}", id->dump())};
    }
    auto code = entry.find("code");
    if (code == entry.end()) return BadRequest{path + ".code", "missing"};
    if (!code->is_string()) return expected(path + ".code", "a string", *code);
    out.snippets.push_back({*id, code->get<std::string>()});
  }
  if (auto bad = read_timeout(body, out)) return *bad;
  if (auto bad = read_flag(body, "debug", out.debug)) return *bad;
  if (auto bad = read_flag(body, "reuse", out.use_cache)) return *bad;
  if (const json* infotree = field(body, "infotree")) {
    static const std::set<std::string> kinds = {"full", "tactics", "original", "substantive"};
    if (!infotree->is_string() || !kinds.count(infotree->get<std::string>())) {
      return BadRequest{"infotree", fmt::format("expected full, tactics, original, substantive "
                                                "or null, got {}", infotree->dump())};
    }
    out.infotree = infotree->get<std::string>();
  }
  return out;
}

// A message's positions moved from the snippet's lines to its body's (Kimina's), never above
// line 1.
json shifted(json message, int64_t body_line) {
  for (const char* key : {"pos", "endPos"}) {
    auto it = message.find(key);
    if (it == message.end() || !it->is_object() || !it->contains("line")) continue;
    int64_t line = (*it)["line"].get<int64_t>() - (body_line - 1);
    (*it)["line"] = std::max<int64_t>(1, line);
  }
  return message;
}

bool has_message(const json& messages, const std::string& severity, std::string_view text) {
  for (const json& m : messages) {
    if (m.value("severity", "") == severity &&
        m.value("data", "").find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

bool has_severity(const json& messages, const std::string& severity) {
  for (const json& m : messages) {
    if (m.value("severity", "") == severity) return true;
  }
  return false;
}

// The `sorry`s and `admit`s of code Lean did not elaborate, in the REPL's `sorries` form (body
// positions); the goal is unknown, so empty. At least one entry: the guard may have refused a
// spelling that is not a token of its own (`sorryAx`).
json guard_sorries(std::string_view body) {
  json out = json::array();
  for (const common::Token& t : common::lex(body)) {
    if (t.kind != common::TokenKind::keyword || (t.text != "sorry" && t.text != "admit")) continue;
    out.push_back({{"pos", {{"line", t.line}, {"column", t.column}}},
                   {"endPos", {{"line", t.line}, {"column", t.column + static_cast<int>(t.text.size())}}},
                   {"goal", ""}});
  }
  if (out.empty()) {
    out.push_back({{"pos", {{"line", 1}, {"column", 0}}}, {"endPos", nullptr}, {"goal", ""}});
  }
  return out;
}

// Verdicts Kimina's clients see as an `error` (no response): the harness could not get an
// answer from Lean, or the wall clock stopped it.
std::optional<std::string> error_text(const Request& request, const Outcome& o) {
  if (o.verdict == Verdict::timeout && o.decided_by == lean_bridge::DecidedBy::timeout) {
    return fmt::format("Lean REPL command timed out in {} seconds",
                       fmt::format("{:g}", request.timeout_s));
  }
  if (o.verdict == Verdict::error) return "harness: error: " + o.reason;
  return std::nullopt;
}

}  // namespace

std::variant<Request, BadRequest> parse_request(Endpoint endpoint, std::string_view body,
                                                size_t max_snippets) {
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded()) return BadRequest{"$", "not JSON"};
  if (!parsed.is_object()) return expected("$", "an object", parsed);
  return endpoint == Endpoint::verify ? parse_verify(parsed, max_snippets)
                                      : parse_check(parsed, max_snippets);
}

SplitCode split_code(std::string_view code) {
  SplitCode out;
  size_t at = 0;
  while (at < code.size()) {
    size_t end = code.find('\n', at);
    size_t next = end == std::string_view::npos ? code.size() : end + 1;
    std::string_view line = code.substr(at, next - at);
    bool blank = line.find_first_not_of(" \t\r\n") == std::string_view::npos;
    if (!blank && !line.starts_with("import ")) break;
    at = next;
    ++out.body_line;
  }
  out.header = std::string(code.substr(0, at));
  out.body = std::string(code.substr(at));
  return out;
}

json result(const Request& request, const Snippet& snippet, const Outcome& outcome) {
  json entry = json::object();
  entry[request.endpoint == Endpoint::verify ? "custom_id" : "id"] = snippet.id;
  std::optional<std::string> error =
      snippet.code ? error_text(request, outcome) : std::optional<std::string>("No code provided");
  json response;
  if (!error) {
    int64_t body_line = split_code(*snippet.code).body_line;
    json messages = json::array();
    for (const json& m : outcome.messages) messages.push_back(shifted(m, body_line));
    json sorries = json::array();
    for (const json& s : outcome.sorries) sorries.push_back(shifted(s, body_line));
    // An incomplete proof that Lean did not see (the guard refused its `sorry`) still shows as
    // one both ways Kimina's clients read it: the current ones read `sorries`, the older ones
    // the warning.
    if (outcome.verdict == Verdict::incomplete && sorries.empty()) {
      sorries = guard_sorries(split_code(*snippet.code).body);
    }
    if (outcome.verdict == Verdict::incomplete && !has_message(messages, "warning", "declaration uses")) {
      messages.push_back({{"severity", "warning"},
                          {"pos", {{"line", 1}, {"column", 0}}},
                          {"endPos", nullptr},
                          {"data", "declaration uses 'sorry'"}});
    }
    // A verdict other than pass that Lean's own messages do not show (the guard, the axioms,
    // the statement) is an error message, so that a client reading messages never counts it.
    if (outcome.verdict != Verdict::pass && outcome.verdict != Verdict::incomplete &&
        !has_severity(messages, "error")) {
      messages.push_back({{"severity", "error"},
                          {"pos", {{"line", 1}, {"column", 0}}},
                          {"endPos", nullptr},
                          {"data", fmt::format("harness: {} ({}): {}", to_string(outcome.verdict),
                                               to_string(outcome.decided_by), outcome.reason)}});
    }
    response = {{"env", 0}};
    if (!messages.empty()) response["messages"] = std::move(messages);
    if (!sorries.empty()) response["sorries"] = std::move(sorries);
  }
  if (request.endpoint == Endpoint::verify) {
    if (!response.is_null()) response["time"] = outcome.time_s;
    entry["error"] = error ? json(*error) : json(nullptr);
    entry["response"] = response;
  } else {
    entry["time"] = outcome.time_s;
    if (error) {
      entry["error"] = *error;
    } else {
      entry["response"] = std::move(response);
    }
  }
  entry["verdict"] = to_string(snippet.code ? outcome.verdict : Verdict::invalid);
  entry["decided_by"] = to_string(snippet.code ? outcome.decided_by : lean_bridge::DecidedBy::input);
  entry["reward"] = snippet.code && outcome.reward ? json(*outcome.reward) : json(nullptr);
  return entry;
}

json response(const Request& request, const std::vector<Outcome>& outcomes) {
  json results = json::array();
  for (size_t i = 0; i < request.snippets.size(); ++i) {
    results.push_back(result(request, request.snippets[i],
                             i < outcomes.size() ? outcomes[i] : Outcome{}));
  }
  return {{"results", std::move(results)}};
}

}  // namespace serve::kimina

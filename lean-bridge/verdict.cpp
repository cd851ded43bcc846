#include "lean-bridge/verdict.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "common/text.hpp"

namespace lean_bridge {
namespace {

constexpr std::array<std::string_view, 7> kVerdictNames = {
    "pass", "fail", "incomplete", "rejected", "timeout", "error", "invalid"};
constexpr std::array<std::string_view, 10> kDecidedByNames = {
    "guard",  "lean",   "axioms", "statement", "nonce",
    "timeout", "worker", "input", "kernel",    "heartbeats"};
static_assert(kDecidedByNames.size() == static_cast<size_t>(DecidedBy::heartbeats) + 1);

// Splits "[a, b,\n  c]" into its names; returns nothing if the brackets are not there.
std::optional<std::vector<std::string>> split_axiom_list(std::string_view text) {
  std::string body(common::trim(text));
  if (body.size() < 2 || body.front() != '[' || body.back() != ']') return std::nullopt;
  std::vector<std::string> names;
  std::string_view inner(body.data() + 1, body.size() - 2);
  size_t start = 0;
  while (start <= inner.size()) {
    size_t comma = inner.find(',', start);
    if (comma == std::string_view::npos) comma = inner.size();
    std::string name(common::trim(inner.substr(start, comma - start)));
    if (name.empty() || name.find_first_of(" \t\n[]") != std::string::npos) return std::nullopt;
    names.push_back(std::move(name));
    start = comma + 1;
  }
  return names;
}

}  // namespace

std::string_view to_string(Verdict verdict) { return kVerdictNames[static_cast<size_t>(verdict)]; }

std::string_view to_string(DecidedBy decided_by) {
  return kDecidedByNames[static_cast<size_t>(decided_by)];
}

std::optional<Verdict> parse_verdict(std::string_view text) {
  for (size_t i = 0; i < kVerdictNames.size(); ++i) {
    if (kVerdictNames[i] == text) return static_cast<Verdict>(i);
  }
  return std::nullopt;
}

std::optional<DecidedBy> parse_decided_by(std::string_view text) {
  for (size_t i = 0; i < kDecidedByNames.size(); ++i) {
    if (kDecidedByNames[i] == text) return static_cast<DecidedBy>(i);
  }
  return std::nullopt;
}

std::optional<Judgement> judge_check(const CommandAnswer& answer) {
  auto error = std::find_if(answer.messages.begin(), answer.messages.end(), is_error);
  if (error != answer.messages.end()) {
    return Judgement{Verdict::fail, DecidedBy::lean, error->data};
  }
  if (!answer.sorries.empty()) {
    return Judgement{Verdict::incomplete, DecidedBy::lean,
                     fmt::format("{} sorry in the proof", answer.sorries.size())};
  }
  if (!answer.env) {
    return Judgement{Verdict::rejected, DecidedBy::lean, "Lean's answer names no environment"};
  }
  return std::nullopt;
}

bool is_heartbeat_error(std::string_view data) {
  return data.find("(deterministic) timeout") != std::string_view::npos &&
         data.find("maximum number of heartbeats") != std::string_view::npos;
}

std::optional<Judgement> judge_heartbeats(const std::vector<Message>& messages) {
  for (const Message& m : messages) {
    if (!is_error(m) || !is_heartbeat_error(m.data)) continue;
    // The line that says so ("(deterministic) timeout at `whnf`, maximum number of heartbeats
    // (400000) has been reached"), not the nesting tactic's line before it.
    std::string_view data = m.data;
    size_t at = data.find("(deterministic) timeout");
    size_t end = data.find('\n', at);
    std::string line(common::trim(data.substr(at, end == std::string_view::npos ? end : end - at)));
    return Judgement{Verdict::timeout, DecidedBy::heartbeats, "Lean's heartbeat limit: " + line};
  }
  return std::nullopt;
}

AxiomsAnswer read_axioms(const CommandAnswer& answer, std::string_view target) {
  const std::string quoted = fmt::format("'{}'", target);
  const std::string depends = quoted + " depends on axioms:";
  const std::string none = quoted + " does not depend on any axioms";
  std::optional<std::vector<std::string>> found;
  for (const Message& m : answer.messages) {
    if (is_error(m)) return {std::nullopt, "Lean answered `#print axioms` with an error: " + m.data};
    std::string data(common::trim(m.data));
    std::optional<std::vector<std::string>> these;
    if (data == none) {
      these = std::vector<std::string>{};
    } else if (data.rfind(depends, 0) == 0) {
      these = split_axiom_list(std::string_view(data).substr(depends.size()));
      if (!these) return {std::nullopt, "unreadable axiom list: " + data};
    } else {
      return {std::nullopt, "unexpected message in the axioms answer: " + data};
    }
    if (found) return {std::nullopt, "more than one axioms answer"};
    found = std::move(these);
  }
  if (!found) return {std::nullopt, fmt::format("no axioms answer for {}", quoted)};
  return {std::move(found), {}};
}

Judgement judge_axioms(const std::vector<std::string>& axioms) {
  std::vector<std::string> unusual;
  bool uses_sorry = false;
  for (const std::string& name : axioms) {
    bool standard = std::find(std::begin(kStandardAxioms), std::end(kStandardAxioms), name) !=
                    std::end(kStandardAxioms);
    if (name == kSorryAxiom) {
      uses_sorry = true;
    } else if (!standard) {
      unusual.push_back(name);
    }
  }
  // A declared axiom or trust in compiled code outranks sorry: both give 0, but `rejected`
  // tells the user the proof tried something.
  if (!unusual.empty()) {
    return {Verdict::rejected, DecidedBy::axioms,
            fmt::format("non-standard axioms: {}", fmt::join(unusual, ", "))};
  }
  if (uses_sorry) return {Verdict::incomplete, DecidedBy::axioms, "the proof depends on sorryAx"};
  return {Verdict::pass, DecidedBy::lean, ""};
}

}  // namespace lean_bridge

#include "harness/heartbeats.hpp"

#include <algorithm>
#include <limits>
#include <vector>

#include "common/lean_lexer.hpp"
#include "lean-bridge/guard.hpp"

namespace harness {
namespace {

using common::TokenKind;

constexpr std::string_view kOption = "maxHeartbeats";

// The code tokens of a text (comments dropped).
std::vector<common::Token> code_tokens(std::string_view text) {
  std::vector<common::Token> out;
  for (const common::Token& t : common::lex(text)) {
    if (!common::is_comment(t.kind)) out.push_back(t);
  }
  return out;
}

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// An integer literal's value (decimal, 0x, 0b, 0o, with `_` separators), saturated at
// 2^64 - 1; nothing for any other numeral (2.5, 1e5).
std::optional<uint64_t> integer_literal(std::string_view text) {
  unsigned base = 10;
  if (text.size() > 2 && text[0] == '0') {
    char b = text[1];
    base = (b == 'x' || b == 'X')   ? 16
           : (b == 'b' || b == 'B') ? 2
           : (b == 'o' || b == 'O') ? 8
                                    : 10;
    if (base != 10) text.remove_prefix(2);
  }
  if (text.empty() || text.front() == '_') return std::nullopt;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  uint64_t value = 0;
  for (char c : text) {
    if (c == '_') continue;
    auto d = static_cast<unsigned>(digit_value(c));
    if (d >= base) return std::nullopt;
    value = value > (kMax - d) / base ? kMax : value * base + d;
  }
  return value;
}

// At token i: `set_option maxHeartbeats VALUE` with an integer literal VALUE (token i + 2).
std::optional<uint64_t> option_value(const std::vector<common::Token>& t, size_t i) {
  if (i + 2 >= t.size()) return std::nullopt;
  if (t[i].kind != TokenKind::keyword || t[i].text != "set_option") return std::nullopt;
  if (t[i + 1].kind != TokenKind::identifier || lean_bridge::guard_key(t[i + 1].text) != kOption) {
    return std::nullopt;
  }
  if (t[i + 2].kind != TokenKind::number) return std::nullopt;
  return integer_literal(t[i + 2].text);
}

// A text without the keyword `set_option` sets no option: no need to lex it.
bool may_set_options(std::string_view text) { return text.find("set_option") != text.npos; }

}  // namespace

std::optional<uint64_t> header_max_heartbeats(std::string_view header) {
  if (!may_set_options(header)) return std::nullopt;
  auto t = code_tokens(header);
  std::optional<uint64_t> last;
  for (size_t i = 0; i < t.size(); ++i) {
    auto value = option_value(t, i);
    if (!value) continue;
    bool scoped = i + 3 < t.size() && t[i + 3].kind == TokenKind::keyword && t[i + 3].text == "in";
    if (!scoped) last = value;
  }
  return last;
}

int64_t effective_heartbeats(std::string_view header, int64_t budget) {
  budget = std::max<int64_t>(budget, 1);
  auto own = header_max_heartbeats(header);
  if (!own || *own == 0) return budget;
  return static_cast<int64_t>(std::min(*own, static_cast<uint64_t>(budget)));
}

std::string heartbeat_line(int64_t limit) {
  return "set_option maxHeartbeats " + std::to_string(limit) + "\n";
}

std::string with_heartbeat_limit(std::string_view rest, int64_t limit) {
  std::string out(rest);
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out + heartbeat_line(limit);
}

std::string cap_heartbeats(std::string_view text, int64_t limit) {
  if (!may_set_options(text)) return std::string(text);
  auto t = code_tokens(text);
  std::string out;
  size_t copied = 0;
  const std::string capped = std::to_string(limit);
  for (size_t i = 0; i < t.size(); ++i) {
    auto value = option_value(t, i);
    if (!value || (*value != 0 && *value <= static_cast<uint64_t>(limit))) continue;
    const common::Token& number = t[i + 2];
    out.append(text.substr(copied, number.offset - copied));
    out += capped;
    if (capped.size() < number.text.size()) out.append(number.text.size() - capped.size(), ' ');
    copied = number.offset + number.text.size();
    i += 2;
  }
  if (copied == 0) return std::string(text);
  out.append(text.substr(copied));
  return out;
}

}  // namespace harness

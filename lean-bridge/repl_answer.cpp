#include "lean-bridge/repl_answer.hpp"

#include <fmt/format.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/lean_lexer.hpp"

namespace lean_bridge {
namespace {

using nlohmann::json;

// Thrown inside this file only; parse_answer turns it into ParsedAnswer::error.
struct ShapeError {
  std::string path;
  std::string problem;
};

// Where a value is in the answer ("$.messages[0].pos.line"), written out only for an error: a
// well-formed answer, the usual one, builds no path text at all.
struct Where {
  const Where* parent = nullptr;
  const char* key = nullptr;  // "$" at the root
  size_t index = 0;           // when key is null: an array element
  std::string text() const {
    if (parent == nullptr) return key;
    return key ? parent->text() + "." + key : fmt::format("{}[{}]", parent->text(), index);
  }
  Where operator/(const char* child) const { return Where{this, child}; }
  Where operator[](size_t i) const { return Where{this, nullptr, i}; }
};

const json kAbsent;  // what a missing key reads as (null)

const json& member(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? kAbsent : *it;
}

const char* type_name(const json& value) { return value.type_name(); }

int64_t as_integer(const json& value, const Where& where) {
  if (!value.is_number_integer()) {
    throw ShapeError{where.text(), fmt::format("expected an integer, got {}", type_name(value))};
  }
  return value.get<int64_t>();
}

std::string as_string(const json& value, const Where& where) {
  if (!value.is_string()) {
    throw ShapeError{where.text(), fmt::format("expected a string, got {}", type_name(value))};
  }
  return value.get_ref<const std::string&>();
}

const json& as_array(const json& value, const Where& where) {
  if (!value.is_array()) {
    throw ShapeError{where.text(), fmt::format("expected an array, got {}", type_name(value))};
  }
  return value;
}

OptionalPosition read_position(const json& object, const char* key, const Where& where) {
  OptionalPosition out;
  auto it = object.find(key);
  if (it == object.end()) return out;
  if (it->is_null()) {
    out.state = OptionalPosition::State::null;
    return out;
  }
  Where here = where / key;
  if (!it->is_object()) throw ShapeError{here.text(), "expected a position object"};
  out.state = OptionalPosition::State::value;
  out.value.line = as_integer(member(*it, "line"), here / "line");
  out.value.column = as_integer(member(*it, "column"), here / "column");
  if (it->size() != 2) throw ShapeError{here.text(), "unexpected keys in a position"};
  return out;
}

// Collects the keys of `object` not in `known` as a JSON object text ("" when there are none).
std::string extra_keys(const json& object, std::initializer_list<const char*> known) {
  json extra;
  for (auto it = object.begin(); it != object.end(); ++it) {
    bool is_known = false;
    for (const char* key : known) is_known = is_known || it.key() == key;
    if (!is_known) extra[it.key()] = it.value();
  }
  return extra.is_null() ? std::string() : extra.dump();
}

Message read_message(const json& value, const Where& where) {
  if (!value.is_object()) throw ShapeError{where.text(), "expected a message object"};
  Message m;
  m.severity = as_string(member(value, "severity"), where / "severity");
  m.pos = read_position(value, "pos", where);
  m.end_pos = read_position(value, "endPos", where);
  m.data = as_string(member(value, "data"), where / "data");
  m.extra_json = extra_keys(value, {"severity", "pos", "endPos", "data"});
  return m;
}

Sorry read_sorry(const json& value, const Where& where) {
  if (!value.is_object()) throw ShapeError{where.text(), "expected a sorry object"};
  Sorry s;
  if (auto it = value.find("proofState"); it != value.end()) {
    s.proof_state = as_integer(*it, where / "proofState");
  }
  s.pos = read_position(value, "pos", where);
  s.end_pos = read_position(value, "endPos", where);
  if (auto it = value.find("goal"); it != value.end()) s.goal = as_string(*it, where / "goal");
  s.extra_json = extra_keys(value, {"proofState", "pos", "endPos", "goal"});
  return s;
}

const Where kRoot{nullptr, "$"};

template <class T>
std::vector<T> read_list(const json& object, const char* key, bool& present,
                         T (*read)(const json&, const Where&)) {
  std::vector<T> out;
  auto it = object.find(key);
  present = it != object.end();
  if (!present) return out;
  Where where = kRoot / key;
  const json& items = as_array(*it, where);
  out.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) out.push_back(read(items[i], where[i]));
  return out;
}

CommandAnswer read_command(const json& object) {
  CommandAnswer a;
  if (auto it = object.find("env"); it != object.end()) a.env = as_integer(*it, kRoot / "env");
  a.messages = read_list<Message>(object, "messages", a.has_messages_key, read_message);
  a.sorries = read_list<Sorry>(object, "sorries", a.has_sorries_key, read_sorry);
  a.extra_json = extra_keys(object, {"env", "messages", "sorries"});
  return a;
}

TacticAnswer read_tactic(const json& object) {
  TacticAnswer a;
  a.proof_status = as_string(member(object, "proofStatus"), kRoot / "proofStatus");
  if (auto it = object.find("proofState"); it != object.end()) {
    a.proof_state = as_integer(*it, kRoot / "proofState");
  }
  if (auto it = object.find("goals"); it != object.end()) {
    a.has_goals_key = true;
    Where where = kRoot / "goals";
    const json& goals = as_array(*it, where);
    for (size_t i = 0; i < goals.size(); ++i) a.goals.push_back(as_string(goals[i], where[i]));
  }
  a.messages = read_list<Message>(object, "messages", a.has_messages_key, read_message);
  a.sorries = read_list<Sorry>(object, "sorries", a.has_sorries_key, read_sorry);
  a.extra_json = extra_keys(object, {"proofStatus", "proofState", "goals", "messages", "sorries"});
  return a;
}

Answer read_answer(const json& object) {
  if (!object.is_object()) {
    throw ShapeError{"$", fmt::format("expected an object, got {}", type_name(object))};
  }
  if (object.contains("proofStatus")) return read_tactic(object);
  if (object.contains("message") && !object.contains("env")) {
    return ReplError{as_string(object["message"], kRoot / "message"),
                     extra_keys(object, {"message"})};
  }
  return read_command(object);
}

// The usual answer, read directly: a command's answer whose keys are env, messages and sorries
// only, each message and sorry with only the keys the bridge models, each key once, integers
// of at most 18 digits, strings with no \u escape. That subset is the answers of a check (the
// bulk of the answers), and for it this reader gives exactly what the general reader gives; any
// other text (another shape, an unknown key, a type mismatch, invalid JSON...) is left to the
// general reader, which alone decides how it is read or refused.
class PlainReader {
 public:
  explicit PlainReader(std::string_view text) : m_text(text) {}

  std::optional<CommandAnswer> command() {
    CommandAnswer a;
    bool env = false;
    if (!object([&](std::string_view key) {
          if (key == "env" && !env) {
            env = true;
            return integer(a.env.emplace());
          }
          if (key == "messages" && !a.has_messages_key) {
            a.has_messages_key = true;
            return array([&] { return message(a.messages.emplace_back()); });
          }
          if (key == "sorries" && !a.has_sorries_key) {
            a.has_sorries_key = true;
            return array([&] { return sorry(a.sorries.emplace_back()); });
          }
          return false;
        })) {
      return std::nullopt;
    }
    skip_space();
    if (m_at != m_text.size()) return std::nullopt;
    return a;
  }

 private:
  void skip_space() {
    while (m_at < m_text.size()) {
      char c = m_text[m_at];
      if (c != ' ' && c != '\n' && c != '\t' && c != '\r') return;
      ++m_at;
    }
  }
  bool take(char c) {
    skip_space();
    if (m_at >= m_text.size() || m_text[m_at] != c) return false;
    ++m_at;
    return true;
  }
  bool peek(char c) {
    skip_space();
    return m_at < m_text.size() && m_text[m_at] == c;
  }

  // {"key": value, ...}; `member` reads the value of each key, or refuses it.
  template <class Member>
  bool object(Member&& member) {
    if (!take('{')) return false;
    if (take('}')) return true;
    do {
      std::string key;
      if (!string(key) || !take(':') || !member(std::string_view(key))) return false;
    } while (take(','));
    return take('}');
  }

  template <class Item>
  bool array(Item&& item) {
    if (!take('[')) return false;
    if (take(']')) return true;
    do {
      if (!item()) return false;
    } while (take(','));
    return take(']');
  }

  bool string(std::string& out) {
    if (!take('"')) return false;
    size_t start = m_at;
    bool wide = false;  // bytes above 0x7f: checked as UTF-8 at the end
    for (;;) {
      if (m_at >= m_text.size()) return false;
      auto c = static_cast<unsigned char>(m_text[m_at]);
      if (c == '"') break;
      if (c < 0x20) return false;
      if (c >= 0x80) wide = true;
      if (c != '\\') {
        ++m_at;
        continue;
      }
      out.append(m_text.data() + start, m_at - start);
      if (m_at + 1 >= m_text.size()) return false;
      switch (m_text[m_at + 1]) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        default: return false;  // \u and anything else: the general reader
      }
      m_at += 2;
      start = m_at;
    }
    out.append(m_text.data() + start, m_at - start);
    ++m_at;
    return !wide || !common::find_invalid_utf8(out);
  }

  bool integer(int64_t& out) {
    skip_space();
    bool negative = m_at < m_text.size() && m_text[m_at] == '-';
    if (negative) ++m_at;
    size_t digits = m_at;
    int64_t value = 0;
    while (m_at < m_text.size() && m_text[m_at] >= '0' && m_text[m_at] <= '9') {
      if (m_at - digits >= 18) return false;  // longer: the general reader (no overflow here)
      value = value * 10 + (m_text[m_at] - '0');
      ++m_at;
    }
    size_t count = m_at - digits;
    if (count == 0 || (count > 1 && m_text[digits] == '0')) return false;
    char next = m_at < m_text.size() ? m_text[m_at] : '\0';
    if (next == '.' || next == 'e' || next == 'E') return false;  // a number, not an integer
    out = negative ? -value : value;
    return true;
  }

  bool position(OptionalPosition& out) {
    if (peek('n')) {
      if (m_text.substr(m_at, 4) != "null") return false;
      m_at += 4;
      out.state = OptionalPosition::State::null;
      return true;
    }
    bool line = false, column = false;
    out.state = OptionalPosition::State::value;
    return object([&](std::string_view key) {
             if (key == "line" && !line) return line = true, integer(out.value.line);
             if (key == "column" && !column) return column = true, integer(out.value.column);
             return false;
           }) &&
           line && column;
  }

  bool message(Message& m) {
    bool severity = false, data = false, pos = false, end_pos = false;
    return object([&](std::string_view key) {
             if (key == "severity" && !severity) return severity = true, string(m.severity);
             if (key == "data" && !data) return data = true, string(m.data);
             if (key == "pos" && !pos) return pos = true, position(m.pos);
             if (key == "endPos" && !end_pos) return end_pos = true, position(m.end_pos);
             return false;
           }) &&
           severity && data;
  }

  bool sorry(Sorry& s) {
    bool pos = false, end_pos = false;
    return object([&](std::string_view key) {
      if (key == "proofState" && !s.proof_state) return integer(s.proof_state.emplace());
      if (key == "goal" && !s.goal) return string(s.goal.emplace());
      if (key == "pos" && !pos) return pos = true, position(s.pos);
      if (key == "endPos" && !end_pos) return end_pos = true, position(s.end_pos);
      return false;
    });
  }

  std::string_view m_text;
  size_t m_at = 0;
};

}  // namespace

namespace detail {

std::optional<CommandAnswer> parse_plain_command(std::string_view frame) {
  return PlainReader(frame).command();
}

ParsedAnswer parse_answer_generally(std::string_view frame) {
  json value = json::parse(frame.begin(), frame.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return {std::nullopt, "$: not valid JSON"};
  try {
    return {read_answer(value), {}};
  } catch (const ShapeError& e) {
    return {std::nullopt, e.path + ": " + e.problem};
  }
}

}  // namespace detail

namespace {

json position_json(const OptionalPosition& p) {
  if (p.state == OptionalPosition::State::null) return nullptr;
  return json{{"line", p.value.line}, {"column", p.value.column}};
}

void merge_extra(json& out, const std::string& extra) {
  if (extra.empty()) return;
  json parsed = json::parse(extra);
  for (auto& [key, value] : parsed.items()) out[key] = value;
}

json message_json(const Message& m) {
  json out = {{"severity", m.severity}, {"data", m.data}};
  if (m.pos.state != OptionalPosition::State::absent) out["pos"] = position_json(m.pos);
  if (m.end_pos.state != OptionalPosition::State::absent) out["endPos"] = position_json(m.end_pos);
  merge_extra(out, m.extra_json);
  return out;
}

json sorry_json(const Sorry& s) {
  json out = json::object();
  if (s.proof_state) out["proofState"] = *s.proof_state;
  if (s.pos.state != OptionalPosition::State::absent) out["pos"] = position_json(s.pos);
  if (s.end_pos.state != OptionalPosition::State::absent) out["endPos"] = position_json(s.end_pos);
  if (s.goal) out["goal"] = *s.goal;
  merge_extra(out, s.extra_json);
  return out;
}

template <class A>
void lists_json(json& out, const A& a) {
  if (a.has_messages_key || !a.messages.empty()) {
    out["messages"] = json::array();
    for (const auto& m : a.messages) out["messages"].push_back(message_json(m));
  }
  if (a.has_sorries_key || !a.sorries.empty()) {
    out["sorries"] = json::array();
    for (const auto& s : a.sorries) out["sorries"].push_back(sorry_json(s));
  }
}

struct ToJson {
  json operator()(const CommandAnswer& a) const {
    json out = json::object();
    if (a.env) out["env"] = *a.env;
    lists_json(out, a);
    merge_extra(out, a.extra_json);
    return out;
  }
  json operator()(const TacticAnswer& a) const {
    json out = {{"proofStatus", a.proof_status}};
    if (a.has_goals_key) out["goals"] = a.goals;
    if (a.proof_state) out["proofState"] = *a.proof_state;
    lists_json(out, a);
    merge_extra(out, a.extra_json);
    return out;
  }
  json operator()(const ReplError& e) const {
    json out = {{"message", e.message}};
    merge_extra(out, e.extra_json);
    return out;
  }
};

}  // namespace

ParsedAnswer parse_answer(std::string_view frame) {
  if (auto plain = detail::parse_plain_command(frame)) return {Answer(std::move(*plain)), {}};
  return detail::parse_answer_generally(frame);
}

std::string to_json(const Answer& answer) { return std::visit(ToJson{}, answer).dump(); }

std::string messages_to_json(const std::vector<Message>& messages) {
  if (messages.empty()) return "[]";
  json out = json::array();
  for (const auto& m : messages) out.push_back(message_json(m));
  return out.dump();
}

bool is_error(const Message& message) { return message.severity == "error"; }

std::optional<std::vector<std::string>> used_constants(const CommandAnswer& answer) {
  if (answer.extra_json.empty()) return std::nullopt;
  json extra = json::parse(answer.extra_json, nullptr, false);
  if (!extra.is_object()) return std::nullopt;
  auto tactics = extra.find("tactics");
  if (tactics == extra.end() || !tactics->is_array()) return std::nullopt;
  std::vector<std::string> names;
  for (const json& tactic : *tactics) {
    if (!tactic.is_object()) return std::nullopt;
    auto used = tactic.find("usedConstants");
    if (used == tactic.end()) continue;
    if (!used->is_array()) return std::nullopt;
    for (const json& name : *used) {
      if (!name.is_string()) return std::nullopt;
      names.push_back(name.get<std::string>());
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace lean_bridge

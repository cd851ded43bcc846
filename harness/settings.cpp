#include "harness/settings.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <cmath>
#include <sstream>

#include <fmt/format.h>

namespace harness::settings {
namespace {

std::vector<std::string> split_names(const std::string& names) {
  std::vector<std::string> out;
  std::stringstream in(names);
  for (std::string name; std::getline(in, name, ',');) {
    if (!name.empty()) out.push_back(name);
  }
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view last_separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? std::string(last_separator) : std::string(", ");
    out += items[i];
  }
  return out;
}

// "from 1 to 1024", "greater than 0", "at least 0", "" (no bound).
std::string bounds(const Check& c) {
  if (c.min && c.max) return fmt::format("from {} to {}", format_number(*c.min), format_number(*c.max));
  if (c.min) {
    return fmt::format("{} {}", c.min_exclusive ? "greater than" : "at least", format_number(*c.min));
  }
  if (c.max) return fmt::format("at most {}", format_number(*c.max));
  return "";
}

// What the option takes, for error messages: "a whole number from 1 to 1024".
std::string expectation(const Spec& spec, std::string_view noun) {
  std::string b = bounds(spec.check);
  return b.empty() ? std::string(noun) : fmt::format("{} {}", noun, b);
}

[[noreturn]] void refuse(const Spec& spec, std::string_view expected, std::string_view text) {
  throw SettingError(fmt::format("{}: expected {}, got '{}'", primary_name(spec), expected, text));
}

void check_bounds(const Spec& spec, double v, std::string_view noun, std::string_view text) {
  const Check& c = spec.check;
  bool low = c.min && (c.min_exclusive ? v <= *c.min : v < *c.min);
  bool high = c.max && v > *c.max;
  if (low || high) refuse(spec, expectation(spec, noun), text);
}

}  // namespace

Check range(double min, double max) { return Check{min, false, max, {}}; }
Check at_least(double min) { return Check{min, false, std::nullopt, {}}; }
Check greater_than(double min) { return Check{min, true, std::nullopt, {}}; }
Check one_of(std::vector<std::string> choices) {
  return Check{std::nullopt, false, std::nullopt, std::move(choices)};
}

std::string primary_name(const Spec& spec) {
  auto names = split_names(spec.names);
  for (const auto& n : names) {
    if (n.rfind("--", 0) == 0) return n;
  }
  return names.empty() ? spec.names : names.front();
}

std::string display_names(const Spec& spec) {
  auto names = split_names(spec.names);
  std::string value = spec.kind == Kind::flag || spec.value.empty() ? "" : " " + spec.value;
  std::string main;
  std::vector<std::string> shorts;
  for (const auto& n : names) {
    if (n.rfind("--", 0) == 0) {
      if (main.empty()) main = fmt::format("`{}{}`", n, value);
    } else if (n.rfind('-', 0) == 0) {
      shorts.push_back(fmt::format("`{}`", n));
    } else if (main.empty()) {
      main = fmt::format("`{}`", spec.value.empty() ? n : spec.value);  // a positional
    }
  }
  if (!shorts.empty()) main += fmt::format(" ({})", join(shorts, ", "));
  return main;
}

std::string description(const Spec& spec) {
  std::string out = spec.help;
  if (!spec.check.choices.empty()) {
    out += fmt::format(" (one of: {})", join(spec.check.choices, ", "));
  } else if (spec.check.min && spec.check.max) {
    out += fmt::format(" ({})", bounds(spec.check));
  }
  return out;
}

std::string format_number(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15) {
    return fmt::format("{}", static_cast<int64_t>(value));
  }
  return fmt::format("{}", value);
}

int64_t parse_integer(const Spec& spec, std::string_view text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    refuse(spec, expectation(spec, "a whole number"), text);
  }
  check_bounds(spec, static_cast<double>(v), "a whole number", text);
  return v;
}

uint64_t parse_unsigned(const Spec& spec, std::string_view text) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    std::string b = bounds(spec.check);
    refuse(spec, b.empty() ? "a whole number, 0 or more" : "a whole number " + b, text);
  }
  check_bounds(spec, static_cast<double>(v), "a whole number", text);
  return v;
}

double parse_real(const Spec& spec, std::string_view text) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    refuse(spec, expectation(spec, "a number"), text);
  }
  check_bounds(spec, v, "a number", text);
  return v;
}

std::string parse_text(const Spec& spec, std::string_view text) {
  const auto& choices = spec.check.choices;
  if (!choices.empty() && std::find(choices.begin(), choices.end(), text) == choices.end()) {
    refuse(spec, join(choices, " or "), text);
  }
  return std::string(text);
}

std::string default_text(const Row& row) {
  const Spec& s = row.spec;
  if (s.required || s.kind == Kind::flag) return "";
  if (!s.default_text.empty()) return s.default_text;
  return row.default_value;  // "" when there is none: --help then shows no default
}

std::string default_markdown(const Row& row) {
  const Spec& s = row.spec;
  if (s.required) return "required";
  if (s.kind == Kind::flag) return "off";
  if (!s.default_text.empty()) return s.default_text;
  if (row.default_value.empty()) return "none";
  if (s.kind == Kind::text || s.kind == Kind::list) return fmt::format("`{}`", row.default_value);
  return row.default_value;
}

std::string markdown_table(const std::vector<Row>& rows) {
  auto cell = [](std::string text) {
    std::string out;
    for (char c : text) {
      if (c == '|') out += '\\';
      out += c;
    }
    return out;
  };
  std::string out = "| option | default | meaning |\n|---|---|---|\n";
  for (const auto& row : rows) {
    std::string meaning = description(row.spec);
    if (!row.spec.env.empty()) meaning += fmt::format("; also `{}`", row.spec.env);
    out += fmt::format("| {} | {} | {} |\n", cell(display_names(row.spec)),
                       cell(default_markdown(row)), cell(meaning));
  }
  return out;
}

nlohmann::json absolute_paths(const Spec& spec, nlohmann::json value) {
  bool path = spec.value == "FILE" || spec.value == "DIR" || spec.value == "INPUT" ||
              spec.value == "STORE|FILE";
  bool maybe_file = spec.value.find("DB") != std::string::npos;  // --baseline DB|RUN
  if (!path && !maybe_file) return value;
  auto absolute = [&](nlohmann::json& v) {
    if (!v.is_string() || v.get<std::string>().empty()) return;
    std::error_code ec;
    std::filesystem::path p(v.get<std::string>());
    if (maybe_file && !std::filesystem::is_regular_file(p, ec)) return;  // a run's uuid
    auto made = std::filesystem::absolute(p, ec);
    if (!ec) v = made.lexically_normal().string();
  };
  if (value.is_array()) {
    for (auto& v : value) absolute(v);
  } else {
    absolute(value);
  }
  return value;
}

}  // namespace harness::settings

#include "harness/check_report.hpp"

#include <fmt/format.h>

#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "common/lean_lexer.hpp"

namespace harness {
namespace {

using nlohmann::json;

CheckLine check_line(const store::AttemptRow& row) {
  return {row.line, row.name, row.task_id.value_or(""), row.verdict, first_error(row)};
}

// (name, task id, how many earlier lines had both): a line's identity across runs.
using LineKey = std::tuple<std::string, std::string, int>;

std::vector<std::pair<LineKey, const store::AttemptRow*>> keyed(
    const std::vector<store::AttemptRow>& rows) {
  std::map<std::pair<std::string, std::string>, int> seen;
  std::vector<std::pair<LineKey, const store::AttemptRow*>> out;
  for (const auto& row : rows) {
    std::string task = row.task_id.value_or("");
    int n = seen[{row.name, task}]++;
    out.push_back({LineKey{row.name, task, n}, &row});
  }
  return out;
}

std::string clip(std::string text, size_t max) {
  if (auto nl = text.find('\n'); nl != std::string::npos) text.resize(nl);
  if (text.size() > max) {
    size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // a whole code point
    text = text.substr(0, cut) + "...";
  }
  return text;
}

std::string describe(const CheckLine& l) {
  std::string where = l.task_id.empty() ? fmt::format("line {}", l.line)
                                         : fmt::format("line {}, task {}", l.line, l.task_id.substr(0, 12));
  return fmt::format("  {} ({}): {}: {}\n", l.name.empty() ? "(no name)" : l.name, where, l.verdict,
                     l.first_error);
}

std::string seconds(int64_t ms) { return fmt::format("{:.3f}", static_cast<double>(ms) / 1000.0); }

// Lean's messages as the failure's text: "LINE:COLUMN: severity: data" each.
std::string messages_text(const store::AttemptRow& row) {
  std::string out;
  json messages = json::parse(row.messages_json, nullptr, false);
  if (messages.is_array()) {
    for (const json& m : messages) {
      if (!m.is_object()) continue;
      std::string at;
      if (m.contains("pos") && m["pos"].is_object()) {
        at = fmt::format("{}:{}: ", m["pos"].value("line", 0), m["pos"].value("column", 0));
      }
      out += fmt::format("{}{}: {}\n", at, m.value("severity", "?"), m.value("data", ""));
    }
  }
  if (!row.reason.empty()) out += fmt::format("harness: {} ({}): {}\n", row.verdict, row.decided_by, row.reason);
  return out;
}

}  // namespace

std::string first_error(const store::AttemptRow& row) {
  json messages = json::parse(row.messages_json, nullptr, false);
  if (messages.is_array()) {
    for (const json& m : messages) {
      if (m.is_object() && m.value("severity", "") == "error") return clip(m.value("data", ""), 300);
    }
  }
  return clip(row.reason, 300);
}

CheckComparison compare_runs(const std::vector<store::AttemptRow>& now,
                             const std::vector<store::AttemptRow>* baseline) {
  CheckComparison c;
  c.with_baseline = baseline != nullptr;
  c.lines = static_cast<int64_t>(now.size());
  std::map<LineKey, const store::AttemptRow*> before;
  if (baseline) {
    for (auto& [key, row] : keyed(*baseline)) before.emplace(key, row);
  }
  for (auto& [key, row] : keyed(now)) {
    bool passes = row->verdict == "pass";
    c.passing += passes;
    if (!passes) c.failing.push_back(check_line(*row));
    if (!baseline) continue;
    auto it = before.find(key);
    bool passed = it != before.end() && it->second->verdict == "pass";
    if (passed && !passes) c.regressions.push_back(check_line(*row));
    if (!passed && passes) c.new_passes.push_back(check_line(*row));
    if (it != before.end()) before.erase(it);
  }
  for (auto& [key, row] : before) c.gone.push_back(check_line(*row));
  return c;
}

std::string comparison_text(const CheckComparison& c) {
  std::string out = fmt::format("{} of {} lines pass\n", c.passing, c.lines);
  if (c.with_baseline) {
    out += fmt::format("regressions (passed in the baseline, not now): {}\n", c.regressions.size());
    for (const auto& l : c.regressions) out += describe(l);
    out += fmt::format("new passes (not in the baseline): {}\n", c.new_passes.size());
    for (const auto& l : c.new_passes) out += describe(l);
    if (!c.gone.empty()) {
      out += fmt::format("baseline lines no longer in the corpus: {}\n", c.gone.size());
      for (const auto& l : c.gone) out += describe(l);
    }
    size_t old_failures = c.failing.size() - c.regressions.size();
    if (old_failures > 0) {
      out += fmt::format("failing in the baseline too: {}\n", old_failures);
      for (const auto& l : c.failing) {
        bool regressed = false;
        for (const auto& r : c.regressions) regressed = regressed || r.line == l.line;
        if (!regressed) out += describe(l);
      }
    }
  } else if (!c.failing.empty()) {
    out += fmt::format("not passing: {}\n", c.failing.size());
    for (const auto& l : c.failing) out += describe(l);
  }
  return out;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    common::Utf8Char ch = common::decode_utf8(text, i);
    if (!ch.valid) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      i += 1;
      continue;
    }
    char32_t c = ch.code;
    bool allowed = c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
                   (c >= 0xE000 && c <= 0xFFFD) || c >= 0x10000;
    if (!allowed) {
      out += "\xEF\xBF\xBD";
    } else if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '"') {
      out += "&quot;";
    } else if (c == '\'') {
      out += "&apos;";
    } else if (c == '\n' || c == '\r' || c == '\t') {
      out += text.substr(i, 1);
    } else {
      out += text.substr(i, static_cast<size_t>(ch.length));
    }
    i += static_cast<size_t>(ch.length);
  }
  return out;
}

std::string junit_xml(const JunitInfo& info, const std::vector<store::AttemptRow>& rows) {
  int64_t failures = 0;
  int64_t errors = 0;
  for (const auto& r : rows) {
    if (r.verdict == "error" || r.verdict == "invalid") {
      ++errors;
    } else if (r.verdict != "pass") {
      ++failures;
    }
  }
  std::string suite = xml_escape(info.suite);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"harness check\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3f}\">\n",
                     rows.size(), failures, errors, info.seconds);
  out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" "
                     "time=\"{:.3f}\" timestamp=\"{}\" hostname=\"{}\">\n",
                     suite, rows.size(), failures, errors, info.seconds, xml_escape(info.timestamp),
                     xml_escape(info.hostname));
  out += fmt::format("    <properties>\n      <property name=\"toolchain\" value=\"{}\"/>\n    </properties>\n",
                     xml_escape(info.toolchain));
  for (const auto& r : rows) {
    std::string name = fmt::format("{} (line {})", r.name.empty() ? "(no name)" : r.name, r.line);
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{}\" file=\"{}\" line=\"{}\"",
                       suite, xml_escape(name), seconds(r.elapsed_ms), suite, r.line);
    if (r.verdict == "pass") {
      out += "/>\n";
      continue;
    }
    const char* kind = r.verdict == "error" || r.verdict == "invalid" ? "error" : "failure";
    out += fmt::format(">\n      <{} message=\"{}\" type=\"{}\">{}</{}>\n    </testcase>\n", kind,
                       xml_escape(fmt::format("{} ({}): {}", r.verdict, r.decided_by, first_error(r))),
                       xml_escape(r.verdict), xml_escape(messages_text(r)), kind);
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace harness

#include "harness/report.hpp"

#include "harness/resume.hpp"

#include <fmt/format.h>

#include <set>

#include <nlohmann/json.hpp>

#include "harness/engine.hpp"
#include "harness/exit_codes.hpp"
#include "harness/report_html.hpp"

namespace harness {
namespace {

using ojson = nlohmann::ordered_json;

constexpr const char* kVerdicts[] = {"pass", "fail", "incomplete", "rejected", "timeout", "error", "invalid"};

RunCounts empty_counts() {
  RunCounts c;
  for (const char* v : kVerdicts) c.verdicts[v] = 0;
  return c;
}

// Tasks attempted and solved, as the sets the total unites.
void count(const std::vector<store::AttemptSummary>& rows, RunCounts& c, std::set<std::string>& tasks,
           std::set<std::string>& solved) {
  std::set<std::string> mine;
  std::set<std::string> mine_solved;
  for (const auto& r : rows) {
    ++c.attempts;
    ++c.verdicts[r.verdict];
    if (!r.task_id) continue;
    mine.insert(*r.task_id);
    if (r.verdict == "pass") mine_solved.insert(*r.task_id);
  }
  c.tasks = static_cast<int64_t>(mine.size());
  c.solved = static_cast<int64_t>(mine_solved.size());
  tasks.insert(mine.begin(), mine.end());
  solved.insert(mine_solved.begin(), mine_solved.end());
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string percent(int64_t part, int64_t whole) {
  return whole > 0 ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole)) : "-";
}

}  // namespace

std::vector<RunAttempts> read_runs(const store::Store& db, const std::vector<std::string>& wanted) {
  std::vector<store::RunRow> runs;
  if (wanted.empty()) {
    runs = db.runs();
  } else {
    for (const auto& w : wanted) {
      runs.push_back(named_run(db, w));
    }
  }
  std::vector<RunAttempts> out;
  for (auto& run : runs) {
    auto attempts = db.attempt_summaries(run.id);
    out.push_back({std::move(run), std::move(attempts)});
  }
  return out;
}

Report build_report(const std::vector<RunAttempts>& runs) {
  Report report;
  report.total = empty_counts();
  std::set<std::string> tasks;
  std::set<std::string> solved;
  for (const auto& [run, attempts] : runs) {
    RunCounts c = empty_counts();
    c.uuid = run.uuid;
    c.command = run.command;
    c.status = std::string(store::to_string(run.status));
    c.started_at = run.started_at;
    c.input = run.input_path;
    count(attempts, c, tasks, solved);
    report.total.attempts += c.attempts;
    for (auto& [v, n] : c.verdicts) report.total.verdicts[v] += n;
    report.runs.push_back(std::move(c));
  }
  report.total.tasks = static_cast<int64_t>(tasks.size());
  report.total.solved = static_cast<int64_t>(solved.size());
  return report;
}

Report build_report(const store::Store& db, const std::vector<std::string>& wanted) {
  return build_report(read_runs(db, wanted));
}

std::string render_report(const Report& report, const std::string& format) {
  std::vector<const RunCounts*> rows;
  for (const auto& r : report.runs) rows.push_back(&r);
  rows.push_back(&report.total);
  auto label = [](const RunCounts& c) { return c.uuid.empty() ? std::string("total") : c.uuid; };
  std::string out;
  if (format == "json") {
    auto one = [](const RunCounts& c) {
      ojson verdicts = ojson::object();
      for (const char* v : kVerdicts) verdicts[v] = c.verdicts.at(v);
      ojson j = ojson::object();
      if (!c.uuid.empty()) {
        j["uuid"] = c.uuid;
        j["command"] = c.command;
        j["status"] = c.status;
        j["started_at"] = c.started_at;
        j["input"] = c.input;
      }
      j["attempts"] = c.attempts;
      j["verdicts"] = verdicts;
      j["tasks"] = c.tasks;
      j["solved"] = c.solved;
      return j;
    };
    ojson runs = ojson::array();
    for (const auto& r : report.runs) runs.push_back(one(r));
    return ojson{{"runs", runs}, {"total", one(report.total)}}.dump(2) + "\n";
  }
  if (format == "csv") {
    out = "run,command,status,started_at,input,attempts";
    for (const char* v : kVerdicts) out += fmt::format(",{}", v);
    out += ",tasks,solved\n";
    for (const RunCounts* c : rows) {
      out += fmt::format("{},{},{},{},{},{}", label(*c), c->command, c->status, c->started_at,
                         csv_field(c->input), c->attempts);
      for (const char* v : kVerdicts) out += fmt::format(",{}", c->verdicts.at(v));
      out += fmt::format(",{},{}\n", c->tasks, c->solved);
    }
    return out;
  }
  if (format == "markdown") {
    out = "| run | command | status | attempts |";
    for (const char* v : kVerdicts) out += fmt::format(" {} |", v);
    out += " tasks | solved |\n|---|---|---|---:|";
    for (size_t i = 0; i < std::size(kVerdicts); ++i) out += "---:|";
    out += "---:|---:|\n";
    for (const RunCounts* c : rows) {
      std::string name = c->uuid.empty() ? "**total**" : fmt::format("`{}`", c->uuid.substr(0, 8));
      out += fmt::format("| {} | {} | {} | {} |", name, c->command, c->status, c->attempts);
      for (const char* v : kVerdicts) out += fmt::format(" {} |", c->verdicts.at(v));
      out += fmt::format(" {} | {} ({}) |\n", c->tasks, c->solved, percent(c->solved, c->tasks));
    }
    return out;
  }
  // text
  for (const RunCounts* c : rows) {
    if (c->uuid.empty()) {
      out += fmt::format("total over {} run(s)\n", report.runs.size());
    } else {
      out += fmt::format("run {} ({}, {}, started {}){}\n", c->uuid, c->command, c->status,
                         c->started_at, c->input.empty() ? "" : ": " + c->input);
    }
    std::string verdicts;
    for (const char* v : kVerdicts) verdicts += fmt::format(" {} {},", v, c->verdicts.at(v));
    verdicts.pop_back();
    out += fmt::format("  attempts {}:{}\n  tasks {}, solved {} ({})\n", c->attempts, verdicts,
                       c->tasks, c->solved, percent(c->solved, c->tasks));
  }
  return out;
}

int run_report(const ReportSettings& s) {
  return run_command("report", [&] {
    store::Store db = store::Store::open(s.db, store::OpenMode::existing, "harness report reads an existing store");
    if (!s.html) {
      fmt::print("{}", render_report(build_report(db, s.runs), s.format));
      return kExitOk;
    }
    HtmlReportData data = read_html_report(db, s.runs);
    write_html_report(*s.html, render_html_report(data));
    fmt::print("{}", render_report(data.counts, s.format));
    fmt::print(stderr, "wrote {}\n", *s.html);
    return kExitOk;
  });
}

}  // namespace harness

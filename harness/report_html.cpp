#include "harness/report_html.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "harness/engine.hpp"

namespace harness {
namespace {

constexpr size_t kTableRows = 15;
constexpr const char* kVerdicts[] = {"pass", "fail", "incomplete", "rejected", "timeout", "error", "invalid"};

constexpr const char* kStyle = R"css(
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1200px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 20px 0 8px;
  border-bottom: 1px solid #ddd; padding-bottom: 4px; } h3 { font-size: 15px; margin: 16px 0 6px; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 12px; } td, th { padding: 3px 8px;
  border-bottom: 1px solid #eee; text-align: left; } td.n, th.n { text-align: right; }
code { font-size: 12px; } .charts { display: flex; flex-wrap: wrap; gap: 16px; }
svg.chart { background: #fafafa; border: 1px solid #e4e4e4; }
svg.chart text { font: 11px system-ui, sans-serif; fill: #333; }
svg.chart .chart-title { font-weight: 600; font-size: 12px; }
svg.chart .axis-label { fill: #666; } svg.chart line.grid { stroke: #e2e2e2; }
.empty { color: #777; font-style: italic; } .meta { color: #555; }
)css";

std::string esc(std::string_view s) { return html_escape(s); }

std::string short_run(const store::RunRow& r) { return fmt::format("{} {}", r.uuid.substr(0, 8), r.command); }

std::string percent(int64_t part, int64_t whole) {
  return whole > 0 ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole)) : "-";
}

std::string ms(std::optional<int64_t> v) { return v ? fmt::format("{}", *v) : "-"; }

std::string empty(std::string_view what) { return fmt::format("<p class=\"empty\">{}</p>\n", esc(what)); }

// An id fragment: letters and digits kept, everything else '-'.
std::string slug(std::string_view s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '-';
  return out;
}

// A table: `header` cells (a leading '#' marks a numeric column), then rows of escaped cells.
std::string table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::string out = "<table><tr>";
  for (const auto& h : header) {
    bool numeric = !h.empty() && h[0] == '#';
    out += fmt::format("<th{}>{}</th>", numeric ? " class=\"n\"" : "", esc(numeric ? h.substr(1) : h));
  }
  out += "</tr>\n";
  for (const auto& row : rows) {
    out += "<tr>";
    for (size_t i = 0; i < row.size(); ++i) {
      bool numeric = i < header.size() && !header[i].empty() && header[i][0] == '#';
      out += fmt::format("<td{}>{}</td>", numeric ? " class=\"n\"" : "", esc(row[i]));
    }
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::string section(std::string_view id, std::string_view title, const std::string& body) {
  return fmt::format("<section id=\"{}\">\n<h2>{}</h2>\n{}</section>\n", id, esc(title), body);
}

std::string charts(const std::string& inner) { return "<div class=\"charts\">\n" + inner + "</div>\n"; }

std::string runs_section(const HtmlReportData& d) {
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < d.runs.size(); ++i) {
    const auto& r = d.runs[i];
    const auto& c = d.counts.runs[i];
    rows.push_back({r.run.uuid, c.command, c.status, c.started_at, c.input, std::to_string(c.attempts),
                    std::to_string(c.tasks), fmt::format("{} ({})", c.solved, percent(c.solved, c.tasks)),
                    ms(time_quantile(r, 0.5)), ms(time_quantile(r, 0.9)), ms(time_quantile(r, 1.0))});
  }
  const auto& t = d.counts.total;
  if (d.runs.size() > 1) {
    rows.push_back({"total", "", "", "", "", std::to_string(t.attempts), std::to_string(t.tasks),
                    fmt::format("{} ({})", t.solved, percent(t.solved, t.tasks)), "", "", ""});
  }
  if (rows.empty()) return section("runs", "Runs", empty("no runs in this store"));
  return section("runs", "Runs",
                 table({"run", "command", "status", "started", "input", "#attempts", "#tasks", "#solved",
                        "#median ms", "#p90 ms", "#max ms"}, rows));
}

std::string verdict_chart(const std::string& id, const std::string& title, const RunCounts& c) {
  BarChart chart{id, title, {}, std::nullopt};
  for (const char* v : kVerdicts) {
    int64_t n = c.verdicts.at(v);
    chart.bars.push_back({v, static_cast<double>(n), fmt::format("{} ({})", n, percent(n, c.attempts))});
  }
  return render_bar_chart(chart);
}

std::string verdicts_section(const HtmlReportData& d) {
  if (d.counts.total.attempts == 0) return section("verdicts", "Verdicts", empty("no attempts in these runs"));
  std::string inner;
  for (size_t i = 0; i < d.runs.size(); ++i) {
    if (d.counts.runs[i].attempts == 0) continue;
    inner += verdict_chart(fmt::format("verdicts-{}", i), "attempts per verdict, run " + short_run(d.runs[i].run),
                           d.counts.runs[i]);
  }
  if (d.runs.size() > 1) inner += verdict_chart("verdicts-total", "attempts per verdict, all runs", d.counts.total);
  return section("verdicts", "Verdicts", charts(inner));
}

std::string splits_section(const HtmlReportData& d) {
  std::string inner;
  for (size_t i = 0; i < d.runs.size(); ++i) {
    auto splits = split_stats(d.runs[i].attempts);
    if (splits.empty()) continue;
    BarChart chart{fmt::format("splits-{}", i), "tasks solved per split, run " + short_run(d.runs[i].run), {}, 1.0};
    for (const auto& s : splits) {
      double rate = s.tasks > 0 ? static_cast<double>(s.solved) / static_cast<double>(s.tasks) : 0;
      chart.bars.push_back({s.split, rate, fmt::format("{}/{} ({}); attempts {}/{}", s.solved, s.tasks,
                                                       percent(s.solved, s.tasks), s.passes, s.rewarded)});
    }
    inner += render_bar_chart(chart);
  }
  if (inner.empty()) return section("splits", "Pass rate per split", empty("no attempts with a task in these runs"));
  return section("splits", "Pass rate per split",
                 "<p class=\"meta\">Bars: tasks solved of tasks attempted; then passes of rewarded attempts.</p>\n" +
                     charts(inner));
}

std::string pass_at_k_section(const HtmlReportData& d) {
  LineChart chart{"pass-at-k", "pass@k (unbiased) per run and split", "k", "pass@k", {}, 1.0, XScale::log2};
  for (const auto& r : d.runs) {
    for (auto& [split, points] : pass_at_k(r)) chart.series.push_back({short_run(r.run) + " " + split, points});
  }
  if (chart.series.empty()) return section("pass-at-k", "pass@k", empty("no tasks with rewarded attempts in these runs"));
  return section("pass-at-k", "pass@k",
                 "<p class=\"meta\">1 - C(n-c,k)/C(n,k) averaged over the tasks with n &ge; k; a search run's "
                 "from its last evaluation epoch, another run's from its rewarded attempts per task.</p>\n" +
                     charts(render_line_chart(chart)));
}

std::string epoch_table(const RunData& r) {
  auto opt = [](std::optional<double> v) { return v ? fmt::format("{:.3f}", *v) : std::string("-"); };
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : r.epochs) {
    rows.push_back({std::to_string(e.epoch), e.phase, std::to_string(e.tasks), std::to_string(e.attempts),
                    std::to_string(e.passes), std::to_string(e.errors), opt(e.pass_rate), opt(e.mean_reward),
                    opt(e.entropy), std::to_string(e.new_solved), fmt::format("{:.1f}", e.seconds)});
  }
  return fmt::format("<h3>epochs of run {}</h3>\n", esc(short_run(r.run))) +
         table({"#epoch", "phase", "#tasks", "#attempts", "#passes", "#errors", "#pass rate", "#mean reward",
                "#entropy", "#new solved", "#seconds"}, rows);
}

std::string learning_section(const HtmlReportData& d) {
  std::string curves, tables;
  std::map<std::string, std::vector<Series>> others;  // series name -> one per run
  for (size_t i = 0; i < d.runs.size(); ++i) {
    const auto& r = d.runs[i];
    if (r.epochs.empty()) continue;
    auto series = epoch_series(r.epochs);
    LineChart chart{fmt::format("learning-curve-{}", i), "learning curve, run " + short_run(r.run), "epoch", "",
                    {}, 1.0, XScale::linear};
    for (const char* name : {"pass rate", "mean reward"}) {
      if (series.count(name)) chart.series.push_back({std::string(name) + " (train)", series[name]});
    }
    for (const auto& e : r.epochs) {
      if (e.phase == "eval" && e.pass_rate) chart.series.push_back({"pass rate (eval)", {{double(e.epoch), *e.pass_rate}}});
    }
    if (!chart.series.empty()) curves += render_line_chart(chart);
    for (auto& [name, points] : series) {
      if (name != "pass rate" && name != "mean reward") others[name].push_back({short_run(r.run), points});
    }
    tables += epoch_table(r);
  }
  if (tables.empty()) return section("learning-curve", "Learning curve", empty("no search epochs in these runs"));
  std::string series_charts;
  for (auto& [name, series] : others) {
    series_charts += render_line_chart({"epoch-" + slug(name), name + " per epoch", "epoch", "", series,
                                        std::nullopt, XScale::linear});
  }
  return section("learning-curve", "Learning curve", charts(curves) + tables) +
         section("epoch-series", "Other per-epoch series",
                 series_charts.empty() ? empty("no further per-epoch series") : charts(series_charts));
}

std::string times_section(const HtmlReportData& d) {
  auto bins = time_histogram(d.runs);
  std::string body = bins.empty() ? empty("no checked attempts in these runs (cached and invalid lines are not counted)")
                                  : charts(render_histogram({"time-per-proof", "time per checked attempt", "elapsed", bins}));
  auto rows_of = [](const std::vector<TaskTimes>& list) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : list) {
      rows.push_back({t.name, t.task_id.substr(0, 16), t.run_uuid.substr(0, 8), std::to_string(t.attempts),
                      std::to_string(t.max_ms), std::to_string(t.total_ms), std::to_string(t.timeouts),
                      std::to_string(t.heartbeats)});
    }
    return rows;
  };
  std::vector<std::string> header = {"task", "task id", "run", "#attempts", "#longest ms", "#total ms", "#timeouts",
                                     "#of which heartbeats"};
  auto slow = slowest_tasks(d.runs, kTableRows);
  auto timed_out = most_timed_out(d.runs, kTableRows);
  body += "<h3 id=\"slowest\">slowest tasks (longest single check)</h3>\n" +
          (slow.empty() ? empty("no checked attempts in these runs") : table(header, rows_of(slow)));
  body += "<h3 id=\"timed-out\">most often timed out</h3>\n" +
          (timed_out.empty() ? empty("no timeouts in these runs") : table(header, rows_of(timed_out)));
  return section("time", "Time per proof", body);
}

std::string metrics_body(const MetricsData& m, size_t index) {
  std::string out = fmt::format("<h3>computation {} over {} ({})</h3>\n", m.computation.id, esc(m.scope_label),
                                esc(m.computation.created_at));
  std::vector<std::vector<std::string>> summary;
  auto j = nlohmann::json::parse(m.computation.summary_json, nullptr, false);
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) summary.push_back({key, value.is_string() ? value.get<std::string>() : value.dump()});
  }
  out += table({"summary", "value"}, summary);
  std::vector<Bin> bins;
  for (const auto& p : m.proofs) {
    auto b = static_cast<size_t>(std::max(p.novelty, 0.0) * 10);
    if (bins.size() <= b) bins.resize(b + 1);
    ++bins[b].count;
  }
  for (size_t i = 0; i < bins.size(); ++i) bins[i].label = fmt::format("{:.1f}-{:.1f}", 0.1 * double(i), 0.1 * double(i + 1));
  if (!bins.empty()) {
    out += charts(render_histogram({fmt::format("novelty-{}", index), "novelty C(x|L)/C(x) per verified proof",
                                    "novelty", bins}));
  }
  auto decls = m.declarations;
  std::stable_sort(decls.begin(), decls.end(), [](const auto& a, const auto& b) { return a.reuse > b.reuse; });
  if (decls.size() > kTableRows) decls.resize(kTableRows);
  std::vector<std::vector<std::string>> rows;
  for (const auto& x : decls) {
    rows.push_back({x.name, std::to_string(x.reuse), x.method, x.mdl_gain ? std::to_string(*x.mdl_gain) : "-",
                    x.c ? std::to_string(*x.c) : "-", std::to_string(x.declared_in)});
  }
  out += "<h4>declarations most reused</h4>\n" +
         (rows.empty() ? empty("no declarations") : table({"declaration", "#reuse", "method", "#MDL gain", "#C(text)", "#declared in"}, rows));
  auto tasks = m.tasks;
  std::stable_sort(tasks.begin(), tasks.end(), [](const auto& a, const auto& b) { return a.diversity.value_or(-1) > b.diversity.value_or(-1); });
  if (tasks.size() > kTableRows) tasks.resize(kTableRows);
  rows.clear();
  for (const auto& t : tasks) {
    rows.push_back({m.task_names.at(t.task_id), t.task_id.substr(0, 16), std::to_string(t.proofs),
                    t.diversity ? fmt::format("{:.3f}", *t.diversity) : "-"});
  }
  out += "<h4>tasks by diversity of their proofs</h4>\n" +
         (rows.empty() ? empty("no tasks") : table({"task", "task id", "#proofs", "#diversity"}, rows));
  return out;
}

std::string metrics_section(const HtmlReportData& d) {
  std::string body;
  for (size_t i = 0; i < d.metrics.size(); ++i) body += metrics_body(d.metrics[i], i);
  if (body.empty()) body = empty("no compression metrics computed for these runs (harness metrics computes them)");
  return section("compression", "Compression metrics", body);
}

std::string comparison_section(const HtmlReportData& d) {
  if (d.runs.size() != 2) {
    return section("comparison", "Comparison", empty("give exactly two runs (--run A --run B) to compare them"));
  }
  auto c = compare_solved(d.runs[0], d.runs[1]);
  auto list = [](const std::vector<SolvedTask>& tasks) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : tasks) rows.push_back({t.name, t.task_id});
    return rows.empty() ? empty("none") : table({"task", "task id"}, rows);
  };
  const auto& a = d.runs[0].run;
  const auto& b = d.runs[1].run;
  std::string body = fmt::format("<p>solved by both: {}</p>\n", c.both);
  body += fmt::format("<h3 id=\"only-first\">solved by {} and not by {} ({})</h3>\n", esc(a.uuid), esc(b.uuid),
                      c.only_first.size()) + list(c.only_first);
  body += fmt::format("<h3 id=\"only-second\">solved by {} and not by {} ({})</h3>\n", esc(b.uuid), esc(a.uuid),
                      c.only_second.size()) + list(c.only_second);
  return section("comparison", "Comparison", body);
}

}  // namespace

std::string render_html_report(const HtmlReportData& d) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += fmt::format("<title>harness report: {}</title>\n<style>{}</style>\n</head>\n<body>\n", esc(d.db_path), kStyle);
  out += fmt::format("<h1>harness report</h1>\n<p class=\"meta\">store <code>{}</code>, {} run(s)</p>\n",
                     esc(d.db_path), d.runs.size());
  out += runs_section(d) + verdicts_section(d) + splits_section(d) + pass_at_k_section(d) + learning_section(d) +
         times_section(d) + metrics_section(d) + comparison_section(d);
  return out + "</body>\n</html>\n";
}

void write_html_report(const std::string& path, const std::string& html) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << html;
    out.close();
    if (!out) {
      int err = errno;
      std::remove(tmp.c_str());
      throw UsageError(fmt::format("--html {}: cannot write the report: {}", path, std::strerror(err)));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    throw UsageError(fmt::format("--html {}: cannot write the report: {}", path, std::strerror(err)));
  }
}

}  // namespace harness

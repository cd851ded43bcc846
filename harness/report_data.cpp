#include "harness/report_data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "policy/rl/pass_at_k.hpp"

namespace harness {
namespace {

using nlohmann::json;

// A search run's epoch for pass@k: its last evaluation epoch, else its last epoch.
std::optional<int64_t> pass_at_k_epoch(const std::vector<store::EpochRecord>& epochs) {
  for (auto it = epochs.rbegin(); it != epochs.rend(); ++it) {
    if (it->phase == "eval") return it->epoch;
  }
  if (epochs.empty()) return std::nullopt;
  return epochs.back().epoch;
}

std::optional<MetricsData> read_metrics(const store::Store& db, const std::string& scope,
                                        std::string label) {
  auto computation = db.latest_metrics(scope);
  if (!computation) return std::nullopt;
  MetricsData m{std::move(label), *computation, db.proof_metrics(computation->id),
                db.task_metrics(computation->id), db.declaration_metrics(computation->id), {}};
  for (const auto& t : m.tasks) {
    auto task = db.task(t.task_id);
    m.task_names[t.task_id] = task ? task->name : t.task_id;
  }
  return m;
}

// Every number of a JSON document, by its dotted path (arrays and strings left out).
void numbers(const json& j, const std::string& path, std::map<std::string, double>& out) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) numbers(value, path.empty() ? key : path + "." + key, out);
  } else if (j.is_number()) {
    out[path] = j.get<double>();
  }
}

std::string task_key(const store::AttemptSummary& a) {
  return a.task_id ? "id:" + *a.task_id : "name:" + a.name;
}

bool checked(const store::AttemptSummary& a) { return !a.cached && a.verdict != "invalid"; }

// The (run, task) tallies of every run's attempts, in the order first seen.
std::vector<TaskTimes> task_times(const std::vector<RunData>& runs) {
  std::vector<TaskTimes> out;
  for (const auto& r : runs) {
    std::map<std::string, size_t> index;
    for (const auto& a : r.attempts) {
      auto [it, fresh] = index.try_emplace(task_key(a), out.size());
      if (fresh) out.push_back({task_label(a), a.task_id.value_or(""), r.run.uuid});
      TaskTimes& t = out[it->second];
      ++t.attempts;
      if (checked(a)) {
        t.max_ms = std::max(t.max_ms, a.elapsed_ms);
        t.total_ms += a.elapsed_ms;
      }
      if (a.verdict == "timeout") ++t.timeouts;
      if (a.verdict == "timeout" && a.decided_by == "heartbeats") ++t.heartbeats;
    }
  }
  return out;
}

// Bin edges in ms: 0, 1, 2, 5, 10, 20, 50, ...
int64_t edge(size_t i) {
  if (i == 0) return 0;
  static constexpr int64_t kSteps[] = {1, 2, 5};
  int64_t scale = 1;
  for (size_t k = (i - 1) / 3; k > 0; --k) scale *= 10;
  return kSteps[(i - 1) % 3] * scale;
}

size_t bin_of(int64_t ms) {
  size_t i = 0;
  while (edge(i + 1) <= ms) ++i;
  return i;
}

std::string duration(int64_t ms) {
  return ms < 1000 ? fmt::format("{} ms", ms) : fmt::format("{} s", ms / 1000);
}

}  // namespace

HtmlReportData read_html_report(const store::Store& db, const std::vector<std::string>& wanted) {
  HtmlReportData data;
  data.db_path = db.path();
  auto runs = read_runs(db, wanted);
  data.counts = build_report(runs);
  for (auto& [run, attempts] : runs) {
    auto epochs = db.epochs(run.id);
    RunData r{std::move(run), std::move(attempts), std::move(epochs), std::nullopt, {}};
    r.pass_at_k_epoch = pass_at_k_epoch(r.epochs);
    if (r.pass_at_k_epoch) r.samples = db.task_samples(r.run.id, r.pass_at_k_epoch);
    if (auto m = read_metrics(db, store::metrics_scope(r.run.id), "run " + r.run.uuid)) {
      data.metrics.push_back(std::move(*m));
    }
    data.runs.push_back(std::move(r));
  }
  if (auto m = read_metrics(db, store::metrics_scope(std::nullopt), "every run of the store")) {
    data.metrics.push_back(std::move(*m));
  }
  return data;
}

std::string task_label(const store::AttemptSummary& a) { return a.task_name.value_or(a.name); }

std::vector<SplitStats> split_stats(const std::vector<store::AttemptSummary>& attempts) {
  std::map<std::string, SplitStats> by_split;
  std::map<std::string, std::set<std::string>> tasks, solved;
  for (const auto& a : attempts) {
    if (!a.task_id) continue;
    std::string split = a.split.value_or("(none)");
    SplitStats& s = by_split[split];
    s.split = split;
    ++s.attempts;
    if (a.reward) ++s.rewarded;
    if (a.verdict == "pass") {
      ++s.passes;
      solved[split].insert(*a.task_id);
    }
    tasks[split].insert(*a.task_id);
  }
  std::vector<SplitStats> out;
  for (auto& [split, s] : by_split) {
    s.tasks = static_cast<int64_t>(tasks[split].size());
    s.solved = static_cast<int64_t>(solved[split].size());
    out.push_back(s);
  }
  return out;
}

std::map<std::string, std::vector<Point>> pass_at_k(const RunData& run) {
  // Per split, per task: (n, c).
  std::map<std::string, std::map<std::string, std::pair<int64_t, int64_t>>> counts;
  if (run.pass_at_k_epoch) {
    for (const auto& s : run.samples) counts[s.split.empty() ? "(none)" : s.split][s.task_id] = {s.n, s.c};
  } else {
    for (const auto& a : run.attempts) {
      if (!a.task_id || !a.reward) continue;
      auto& [n, c] = counts[a.split.value_or("(none)")][*a.task_id];
      ++n;
      if (a.verdict == "pass") ++c;
    }
  }
  std::map<std::string, std::vector<Point>> out;
  for (const auto& [split, tasks] : counts) {
    int64_t max_n = 0;
    for (const auto& [id, nc] : tasks) max_n = std::max(max_n, nc.first);
    if (max_n < 1) continue;
    for (int64_t k : policy::rl::pass_k_values(max_n)) {
      double sum = 0;
      int64_t counted = 0;
      for (const auto& [id, nc] : tasks) {
        if (auto p = policy::rl::try_pass_at_k_unbiased(nc.first, nc.second, k)) {
          sum += *p;
          ++counted;
        }
      }
      if (counted > 0) out[split].push_back({static_cast<double>(k), sum / static_cast<double>(counted)});
    }
  }
  return out;
}

std::map<std::string, std::vector<Point>> epoch_series(const std::vector<store::EpochRecord>& epochs) {
  std::map<std::string, std::vector<Point>> out;
  for (const auto& e : epochs) {
    if (e.phase != "train") continue;
    double x = static_cast<double>(e.epoch);
    auto add = [&](const std::string& name, std::optional<double> v) {
      if (v) out[name].push_back({x, *v});
    };
    add("pass rate", e.pass_rate);
    add("mean reward", e.mean_reward);
    add("entropy", e.entropy);
    add("tasks", static_cast<double>(e.tasks));
    add("attempts", static_cast<double>(e.attempts));
    add("errors", static_cast<double>(e.errors));
    add("new solved", static_cast<double>(e.new_solved));
    add("seconds", e.seconds);
    auto add_count = [&](const std::string& name, std::optional<int64_t> v) {
      if (v) add(name, static_cast<double>(*v));
    };
    add_count("library size", e.library_size);  // absent without a lemma library
    add_count("description bytes", e.description_bytes);
    std::map<std::string, double> stats;
    numbers(json::parse(e.stats_json, nullptr, false), "", stats);
    for (const auto& [name, v] : stats) add("stats: " + name, v);
  }
  return out;
}

std::vector<TaskTimes> slowest_tasks(const std::vector<RunData>& runs, size_t limit) {
  auto all = task_times(runs);
  std::erase_if(all, [](const TaskTimes& t) { return t.total_ms == 0 && t.max_ms == 0; });
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.max_ms > b.max_ms; });
  if (all.size() > limit) all.resize(limit);
  return all;
}

std::vector<TaskTimes> most_timed_out(const std::vector<RunData>& runs, size_t limit) {
  auto all = task_times(runs);
  std::erase_if(all, [](const TaskTimes& t) { return t.timeouts == 0; });
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.timeouts > b.timeouts; });
  if (all.size() > limit) all.resize(limit);
  return all;
}

std::vector<Bin> time_histogram(const std::vector<RunData>& runs) {
  std::map<size_t, int64_t> counts;
  for (const auto& r : runs) {
    for (const auto& a : r.attempts) {
      if (checked(a)) ++counts[bin_of(a.elapsed_ms)];
    }
  }
  std::vector<Bin> out;
  if (counts.empty()) return out;
  for (size_t i = counts.begin()->first; i <= counts.rbegin()->first; ++i) {
    std::string label = edge(i + 1) < 1000 ? fmt::format("{}-{} ms", edge(i), edge(i + 1))
                        : edge(i) >= 1000  ? fmt::format("{}-{} s", edge(i) / 1000, edge(i + 1) / 1000)
                                           : fmt::format("{}-{}", duration(edge(i)), duration(edge(i + 1)));
    out.push_back({label, counts.count(i) ? counts[i] : 0});
  }
  return out;
}

std::optional<int64_t> time_quantile(const RunData& run, double q) {
  std::vector<int64_t> times;
  for (const auto& a : run.attempts) {
    if (checked(a)) times.push_back(a.elapsed_ms);
  }
  if (times.empty()) return std::nullopt;
  std::sort(times.begin(), times.end());
  auto rank = static_cast<size_t>(std::clamp(q, 0.0, 1.0) * static_cast<double>(times.size() - 1) + 0.5);
  return times[rank];
}

SolvedComparison compare_solved(const RunData& first, const RunData& second) {
  auto solved = [](const RunData& r) {
    std::map<std::string, std::string> ids;  // task id -> name
    for (const auto& a : r.attempts) {
      if (a.task_id && a.verdict == "pass") ids.emplace(*a.task_id, task_label(a));
    }
    return ids;
  };
  auto a = solved(first), b = solved(second);
  SolvedComparison out;
  auto only = [](const auto& mine, const auto& theirs, std::vector<SolvedTask>& into) {
    for (const auto& [id, name] : mine) {
      if (!theirs.count(id)) into.push_back({name, id});
    }
    std::sort(into.begin(), into.end(), [](const auto& x, const auto& y) {
      return std::tie(x.name, x.task_id) < std::tie(y.name, y.task_id);
    });
  };
  only(a, b, out.only_first);
  only(b, a, out.only_second);
  for (const auto& [id, name] : a) out.both += b.count(id) ? 1 : 0;
  return out;
}

}  // namespace harness

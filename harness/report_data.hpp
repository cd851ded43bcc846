#pragma once
// What `harness report --html` shows, read from the store once (read_html_report) and the
// figures derived from it by pure functions (unit-tested without a store): verdicts and pass
// rates per split, pass@k, time per proof, the slowest and most often timed-out tasks, the
// learning curve and other per-epoch series, the compression metrics, and two runs compared.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/report.hpp"
#include "harness/svg_chart.hpp"
#include "store/store.hpp"

namespace harness {

struct RunData {
  store::RunRow run;
  std::vector<store::AttemptSummary> attempts;  // ordered by line
  std::vector<store::EpochRecord> epochs;       // a search run's learning curve; else empty
  // A search run's per-task (n, c) of its last evaluation epoch (else of its last epoch).
  std::optional<int64_t> pass_at_k_epoch;
  std::vector<store::TaskSampleRecord> samples;
};

// One computation of the compression metrics.
struct MetricsData {
  std::string scope_label;  // "run UUID" or "every run of the store"
  store::MetricsComputation computation;
  std::vector<store::ProofMetricsRecord> proofs;
  std::vector<store::TaskMetricsRecord> tasks;
  std::vector<store::DeclarationMetricsRecord> declarations;
  std::map<std::string, std::string> task_names;  // task id -> name, for `tasks`
};

struct HtmlReportData {
  std::string db_path;
  Report counts;
  std::vector<RunData> runs;
  // The newest computation over each run, then the newest over every run of the store.
  std::vector<MetricsData> metrics;
};

// The runs as read_runs selects them, with their epochs, samples and metrics.
HtmlReportData read_html_report(const store::Store& db, const std::vector<std::string>& runs);

// A task's label in tables: its recorded name, else the name its line gave.
std::string task_label(const store::AttemptSummary& a);

struct SplitStats {
  std::string split;  // "(none)" when the task has no split
  int64_t attempts = 0;
  int64_t rewarded = 0;  // attempts with a reward (not error, not invalid)
  int64_t passes = 0;
  int64_t tasks = 0;
  int64_t solved = 0;
};
// Per split, splits in lexicographic order; attempts without a task are left out.
std::vector<SplitStats> split_stats(const std::vector<store::AttemptSummary>& attempts);

// pass@k (unbiased, 1 - C(n-c,k)/C(n,k), the mean over the tasks with n >= k) per split, for
// k = 1, 2, 4, ... up to the largest n: a search run's from its samples, another run's from
// its rewarded attempts per task.
std::map<std::string, std::vector<Point>> pass_at_k(const RunData& run);

// The per-epoch series of a search run's training epochs (pass rate, mean reward, entropy, new
// solved, seconds, ... and every number of the stats JSON, by its dotted path), by name.
std::map<std::string, std::vector<Point>> epoch_series(const std::vector<store::EpochRecord>& epochs);

struct TaskTimes {
  std::string name;
  std::string task_id;  // "" when the lines matched no task
  std::string run_uuid;
  int64_t attempts = 0;
  int64_t max_ms = 0;
  int64_t total_ms = 0;
  int64_t timeouts = 0;    // verdict timeout, of which
  int64_t heartbeats = 0;  // Lean's heartbeat limit decided
};
// Per (run, task), the `limit` with the longest single check (checked attempts only: not
// cached, not invalid), longest first.
std::vector<TaskTimes> slowest_tasks(const std::vector<RunData>& runs, size_t limit);
// Per (run, task), the `limit` with the most timeouts (at least one), most first.
std::vector<TaskTimes> most_timed_out(const std::vector<RunData>& runs, size_t limit);

// The time per checked attempt, in bins whose edges go 1, 2, 5, 10, 20 ms ... from the bin
// of the shortest to that of the longest; empty when no attempt was checked.
std::vector<Bin> time_histogram(const std::vector<RunData>& runs);
// The q-quantile (0..1, nearest rank) of the run's checked attempts' times; absent when none.
std::optional<int64_t> time_quantile(const RunData& run, double q);

struct SolvedTask {
  std::string name;
  std::string task_id;
  bool operator==(const SolvedTask&) const = default;
};
struct SolvedComparison {
  std::vector<SolvedTask> only_first;   // solved by the first run and not the second
  std::vector<SolvedTask> only_second;  // solved by the second run and not the first
  int64_t both = 0;
};
// By task id, the tasks ordered by name.
SolvedComparison compare_solved(const RunData& first, const RunData& second);

}  // namespace harness

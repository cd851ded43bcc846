#pragma once
// `harness report`: what the store's runs did, per run and in total: the attempts per verdict
// and the tasks solved (a task is solved when one of its attempts passed), as text, markdown,
// JSON (one document, counts as numbers) or CSV; with --html, also one self-contained HTML file
// with charts (report_html.hpp).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace harness {

struct ReportSettings {
  std::string db = "harness.db";
  std::vector<std::string> runs;  // uuids (or "latest"); every run when empty
  std::string format = "text";    // text | markdown | json | csv
  std::optional<std::string> html;  // also write the HTML report to this file
};

struct RunCounts {
  std::string uuid;     // "" for the total
  std::string command;  // score, check, search, serve
  std::string status;
  std::string started_at;
  std::string input;
  int64_t attempts = 0;
  std::map<std::string, int64_t> verdicts;  // every verdict of the vocabulary, 0 included
  int64_t tasks = 0;   // distinct tasks attempted
  int64_t solved = 0;  // distinct tasks with a pass
};

struct Report {
  std::vector<RunCounts> runs;
  RunCounts total;  // tasks and solved counted once across the runs
};

// A run with its attempts, as the report reads them.
struct RunAttempts {
  store::RunRow run;
  std::vector<store::AttemptSummary> attempts;  // ordered by line
};

// The runs named (uuid, or "latest": the run begun last), or every run, in the order named (or
// begun); throws UsageError for a run the store does not have.
std::vector<RunAttempts> read_runs(const store::Store& db, const std::vector<std::string>& runs);
Report build_report(const std::vector<RunAttempts>& runs);
// read_runs, then build_report.
Report build_report(const store::Store& db, const std::vector<std::string>& runs);
std::string render_report(const Report& report, const std::string& format);

int run_report(const ReportSettings& settings);

}  // namespace harness

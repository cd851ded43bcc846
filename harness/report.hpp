#pragma once
// `harness report`: what the store's runs did, per run and in total: the attempts per verdict
// and the tasks solved (a task is solved when one of its attempts passed), as text, markdown,
// JSON (one document, counts as numbers) or CSV.
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

// The runs named (uuid, or "latest": the run begun last), or every run; throws UsageError for
// a run the store does not have.
Report build_report(const store::Store& db, const std::vector<std::string>& runs);
std::string render_report(const Report& report, const std::string& format);

int run_report(const ReportSettings& settings);

}  // namespace harness

#pragma once
// What `harness check` makes of a corpus run: the lines that do not pass, the comparison with a
// baseline run (regressions: passed then, not now; new passes: not then, now), and a JUnit XML
// report (one test case per line) for CI services. Pure functions over the store's attempt rows.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/records.hpp"

namespace harness {

// A line of the corpus as the report shows it.
struct CheckLine {
  int64_t line = 0;
  std::string name;
  std::string task_id;  // "" for a line that could not be read
  std::string verdict;
  std::string first_error;  // Lean's first error, else the harness's reason
};

struct CheckComparison {
  bool with_baseline = false;
  int64_t lines = 0;
  int64_t passing = 0;
  std::vector<CheckLine> failing;      // every line that does not pass now
  std::vector<CheckLine> regressions;  // passed in the baseline, not now
  std::vector<CheckLine> new_passes;   // did not pass in the baseline (or was not there), pass now
  // Baseline lines (name and task) the corpus no longer has.
  std::vector<CheckLine> gone;
};

// Lines are matched by name and task id (and, for repeats of both, by their order).
CheckComparison compare_runs(const std::vector<store::AttemptRow>& now,
                             const std::vector<store::AttemptRow>* baseline);

// Lean's first error message (its first line, at most 300 bytes) or, when Lean gave none, the
// verdict's reason.
std::string first_error(const store::AttemptRow& row);

// The comparison as people read it (stdout of `harness check`).
std::string comparison_text(const CheckComparison& c);

struct JunitInfo {
  std::string suite;      // the corpus file
  std::string timestamp;  // ISO 8601
  std::string hostname;
  std::string toolchain;
  double seconds = 0;
};

// JUnit XML: <testsuites><testsuite> with one <testcase> per line (classname the corpus, name
// the line's name and number, time in seconds); a failure for a proof Lean did not accept,
// an error for a line the harness could not check (error, invalid); Lean's messages as the
// text. Control characters XML cannot hold are replaced, invalid UTF-8 too.
std::string junit_xml(const JunitInfo& info, const std::vector<store::AttemptRow>& rows);

// Text made safe for XML 1.0 content and attribute values.
std::string xml_escape(std::string_view text);

}  // namespace harness

#pragma once
// `harness report --html FILE`: one self-contained HTML document (inline CSS, inline SVG charts
// drawn by svg_chart.hpp, no script, nothing fetched from anywhere) with the runs' verdicts,
// pass rates per split, pass@k, the learning curve and other per-epoch series, the time per
// proof, the slowest and most often timed-out tasks, the compression metrics and, for exactly
// two runs, the tasks one solved and the other did not. Every text from the store is escaped.
// Each chart is an <svg class="chart" id="chart-NAME">; a section without data says so.
#include <string>

#include "harness/report_data.hpp"

namespace harness {

std::string render_html_report(const HtmlReportData& data);

// Writes `html` to `path` through a temporary file beside it, renamed into place, so a
// failed write leaves an earlier report whole. Throws UsageError naming the file.
void write_html_report(const std::string& path, const std::string& html);

}  // namespace harness

#pragma once
// Charts as inline SVG text for `harness report --html`: horizontal bar charts, line charts
// and histograms, drawn in C++ with no script. Every text given is escaped here. Each chart is
// one <svg class="chart" id="chart-ID" data-marks="N">, and its data marks (one <rect> per bar
// or bin, one <path> per line and one <circle> per point) carry class "mark" and a <title>
// with their values, which a browser shows on hover.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

// `text` with & < > " ' replaced by entities: safe in element content and in quoted
// attribute values.
std::string html_escape(std::string_view text);

struct Bar {
  std::string label;
  double value = 0;
  std::string note;  // printed after the bar, e.g. "12 (40.0%)"; the value when empty
};

struct BarChart {
  std::string id;  // the svg's id is "chart-" + id
  std::string title;
  std::vector<Bar> bars;
  std::optional<double> max;  // the axis' end; the largest value when absent
};

struct Point {
  double x = 0;
  double y = 0;
};

struct Series {
  std::string name;
  std::vector<Point> points;  // in x order
};

// How the x axis places its values: linearly, or by log2 (pass@k's k = 1, 2, 4, 8...).
enum class XScale { linear, log2 };

struct LineChart {
  std::string id;
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<Series> series;
  std::optional<double> y_max;  // the axis' end; from the data when absent (y from 0, or below)
  XScale x_scale = XScale::linear;
};

struct Bin {
  std::string label;  // e.g. "10-20 ms"
  int64_t count = 0;
};

struct Histogram {
  std::string id;
  std::string title;
  std::string x_label;
  std::vector<Bin> bins;  // in order, adjacent
};

// Each returns one <svg> element; data-marks is the number of its marks.
std::string render_bar_chart(const BarChart& chart);
std::string render_line_chart(const LineChart& chart);
std::string render_histogram(const Histogram& chart);

// Axis ticks from 0: about `wanted` steps of 1, 2 or 5 × 10^n covering `max`.
std::vector<double> nice_ticks(double max, int wanted = 5);
// Ticks of such steps covering [lo, hi], for lo <= 0 <= hi (a series that goes below 0).
std::vector<double> nice_ticks(double lo, double hi);

}  // namespace harness

#include "harness/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <set>

namespace harness {
namespace {

// Colours told apart by most kinds of colour blindness (Okabe and Ito).
constexpr const char* kPalette[] = {"#0072b2", "#e69f00", "#009e73", "#cc79a7",
                                    "#56b4e9", "#d55e00", "#f0e442", "#000000"};

const char* colour(size_t i) { return kPalette[i % std::size(kPalette)]; }

// A number as a label: no trailing zeros, at most 3 decimals.
std::string number(double v) {
  std::string s = fmt::format("{:.3f}", v);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

std::string svg_open(const std::string& id, const std::string& title, int width, int height,
                     size_t marks) {
  return fmt::format(
      "<svg class=\"chart\" id=\"chart-{}\" data-marks=\"{}\" "
      "role=\"img\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\"><title>{}</title>\n",
      html_escape(id), marks, width, height, width, height, html_escape(title));
}

std::string text(double x, double y, std::string_view s, std::string_view anchor = "start",
                 std::string_view cls = "") {
  return fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\"{}>{}</text>\n", x, y,
                     anchor, cls.empty() ? "" : fmt::format(" class=\"{}\"", cls), html_escape(s));
}

// The plot area of the line charts and histograms.
struct Frame {
  double left = 56, top = 44, width = 0, height = 0;  // the title above, then the y label
  double right() const { return left + width; }
  double bottom() const { return top + height; }
};

// Where y lands in the frame, ticks.front() at the bottom and ticks.back() at the top.
double y_position(const Frame& f, const std::vector<double>& ticks, double y) {
  return f.bottom() - f.height * (y - ticks.front()) / (ticks.back() - ticks.front());
}

// Horizontal grid lines with their labels.
std::string y_axis(const Frame& f, const std::vector<double>& ticks, const std::string& label) {
  std::string out;
  for (double t : ticks) {
    double y = y_position(f, ticks, t);
    out += fmt::format("<line class=\"grid\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>\n",
                       f.left, y, f.right(), y);
    out += text(f.left - 6, y + 4, number(t), "end");
  }
  if (!label.empty()) out += text(f.left, f.top - 10, label, "start", "axis-label");
  return out;
}

}  // namespace

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<double> nice_ticks(double max, int wanted) {
  if (!(max > 0)) return {0, 1};
  double raw = max / std::max(wanted, 1);
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  for (int i = 0; ticks.empty() || ticks.back() < max * (1 - 1e-9); ++i) ticks.push_back(i * step);
  return ticks;
}

// Ticks covering [lo, hi] (lo <= 0 <= hi), 0 among them.
std::vector<double> nice_ticks(double lo, double hi) {
  auto ticks = nice_ticks(hi - lo);
  double step = ticks.size() > 1 ? ticks[1] : 1;
  double start = std::floor(lo / step + 1e-9) * step;
  std::vector<double> out;
  for (int i = 0; out.empty() || out.back() < hi - step * 1e-9; ++i) out.push_back(start + i * step);
  if (out.size() < 2) out.push_back(start + step);
  return out;
}

std::string render_bar_chart(const BarChart& c) {
  const double label_w = 96, bar_w = 220, row_h = 19, top = 26;
  double max = c.max.value_or(0);
  for (const auto& b : c.bars) max = std::max(max, b.value);
  if (!(max > 0)) max = 1;
  int width = static_cast<int>(label_w + bar_w + 150);
  int height = static_cast<int>(top + row_h * static_cast<double>(c.bars.size()) + 8);
  std::string out = svg_open(c.id, c.title, width, height, c.bars.size());
  out += text(4, 16, c.title, "start", "chart-title");
  for (size_t i = 0; i < c.bars.size(); ++i) {
    const Bar& b = c.bars[i];
    double y = top + row_h * static_cast<double>(i);
    double w = bar_w * std::max(b.value, 0.0) / max;
    std::string note = b.note.empty() ? number(b.value) : b.note;
    out += text(label_w - 6, y + 13, b.label, "end");
    out += fmt::format(
        "<rect class=\"mark\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
        "fill=\"{}\"><title>{}: {}</title></rect>\n",
        label_w, y + 3, w, row_h - 6, colour(0), html_escape(b.label), html_escape(note));
    out += text(label_w + w + 6, y + 13, note);
  }
  return out + "</svg>\n";
}

std::string render_line_chart(const LineChart& c) {
  Frame f;
  f.width = 420;
  f.height = 200;
  std::set<double> xs;
  double y_max = c.y_max.value_or(0);
  double y_min = 0;
  size_t marks = 0;
  for (const auto& s : c.series) {
    for (const auto& p : s.points) {
      xs.insert(p.x);
      y_max = std::max(y_max, p.y);
      y_min = std::min(y_min, p.y);
    }
    marks += s.points.size() + (s.points.empty() ? 0 : 1);
  }
  auto scale_x = [&](double x) { return c.x_scale == XScale::log2 ? std::log2(std::max(x, 1e-9)) : x; };
  double x_lo = xs.empty() ? 0 : scale_x(*xs.begin());
  double x_hi = xs.empty() ? 1 : scale_x(*xs.rbegin());
  if (x_hi <= x_lo) x_hi = x_lo + 1;
  auto ticks = nice_ticks(y_min, y_max);
  auto px = [&](double x) { return f.left + f.width * (scale_x(x) - x_lo) / (x_hi - x_lo); };
  auto py = [&](double y) { return y_position(f, ticks, y); };
  const double legend_h = 16.0 * static_cast<double>(c.series.size());
  int width = static_cast<int>(f.right() + 24);
  int height = static_cast<int>(f.bottom() + 40 + legend_h);
  std::string out = svg_open(c.id, c.title, width, height, marks);
  out += text(4, 14, c.title, "start", "chart-title");
  out += y_axis(f, ticks, c.y_label);
  // x ticks: every x when there are few, else about six of them.
  size_t every = std::max<size_t>(1, (xs.size() + 5) / 6);
  size_t i = 0;
  for (double x : xs) {
    if (i++ % every == 0) out += text(px(x), f.bottom() + 16, number(x), "middle");
  }
  out += text(f.left + f.width / 2, f.bottom() + 32, c.x_label, "middle", "axis-label");
  for (size_t s = 0; s < c.series.size(); ++s) {
    const Series& series = c.series[s];
    if (series.points.empty()) continue;
    std::string d;
    for (const auto& p : series.points) d += fmt::format("{}{:.1f},{:.1f}", d.empty() ? "M" : " L", px(p.x), py(p.y));
    out += fmt::format("<path class=\"mark line\" d=\"{}\" fill=\"none\" stroke=\"{}\" "
                       "stroke-width=\"2\"><title>{}</title></path>\n",
                       d, colour(s), html_escape(series.name));
    for (const auto& p : series.points) {
      out += fmt::format("<circle class=\"mark\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\">"
                         "<title>{}: {} {}, {}</title></circle>\n",
                         px(p.x), py(p.y), colour(s), html_escape(series.name),
                         html_escape(c.x_label), number(p.x), number(p.y));
    }
    double ly = f.bottom() + 48 + 16.0 * static_cast<double>(s);
    out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"12\" height=\"4\" fill=\"{}\"/>\n",
                       f.left, ly - 5, colour(s));
    out += text(f.left + 18, ly, series.name);
  }
  return out + "</svg>\n";
}

std::string render_histogram(const Histogram& c) {
  Frame f;
  f.width = 460;
  f.height = 200;
  int64_t max = 0;
  for (const auto& b : c.bins) max = std::max(max, b.count);
  auto ticks = nice_ticks(static_cast<double>(max));
  double bin_w = c.bins.empty() ? 0 : f.width / static_cast<double>(c.bins.size());
  int width = static_cast<int>(f.right() + 24);
  int height = static_cast<int>(f.bottom() + 64);
  std::string out = svg_open(c.id, c.title, width, height, c.bins.size());
  out += text(4, 14, c.title, "start", "chart-title");
  out += y_axis(f, ticks, "attempts");
  size_t every = std::max<size_t>(1, (c.bins.size() + 7) / 8);
  for (size_t i = 0; i < c.bins.size(); ++i) {
    const Bin& b = c.bins[i];
    double h = f.height * static_cast<double>(b.count) / ticks.back();
    double x = f.left + bin_w * static_cast<double>(i);
    out += fmt::format("<rect class=\"mark\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
                       "height=\"{:.1f}\" fill=\"{}\"><title>{}: {}</title></rect>\n",
                       x + 1, f.bottom() - h, std::max(bin_w - 2, 1.0), h, colour(0),
                       html_escape(b.label), b.count);
    if (i % every == 0) {
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\" "
                         "transform=\"rotate(-35 {:.1f} {:.1f})\">{}</text>\n",
                         x + bin_w / 2, f.bottom() + 14, x + bin_w / 2, f.bottom() + 14,
                         html_escape(b.label));
    }
  }
  out += text(f.right(), f.bottom() + 58, c.x_label, "end", "axis-label");
  return out + "</svg>\n";
}

}  // namespace harness

#include "trellis/bench/svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace trellis::core::bench::svg {

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
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

double LinearScale::operator()(double x) const {
  if (d1 == d0) return (r0 + r1) / 2;
  return r0 + (x - d0) / (d1 - d0) * (r1 - r0);
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {};
  if (lo > hi) std::swap(lo, hi);
  if (hi == lo) {
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / std::max(1, target);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  const double first = std::floor(lo / step + 1e-9) * step;
  std::vector<double> ticks;
  for (double t = first; ticks.size() < 100; t += step) {
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
    if (t >= hi - step * 1e-9) break;
  }
  return ticks;
}

std::string format_tick(double value, double step) {
  if (std::abs(value) < std::abs(step) * 1e-9) return "0";
  const int decimals = step > 0 ? std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9))) : 3;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", std::min(decimals, 10), value);
  return buffer;
}

std::string series_colour(std::size_t i) {
  // Tableau 10: distinguishable, readable on white.
  static const char* colours[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  return colours[i % 10];
}

std::string rank_colour(double rank, std::size_t n) {
  const double t = n <= 1 ? 0.0 : std::clamp((rank - 1) / static_cast<double>(n - 1), 0.0, 1.0);
  // From dark green (best) to pale yellow (worst).
  const int r0 = 0x1a, g0 = 0x98, b0 = 0x50, r1 = 0xff, g1 = 0xf7, b1 = 0xbc;
  auto mix = [t](int a, int b) { return static_cast<int>(std::lround(a + (b - a) * t)); };
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "#%02x%02x%02x", mix(r0, r1), mix(g0, g1), mix(b0, b1));
  return buffer;
}

namespace {

double quantile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const std::size_t i = static_cast<std::size_t>(std::floor(pos));
  const double frac = pos - static_cast<double>(i);
  if (i + 1 >= sorted.size()) return sorted.back();
  return sorted[i] + frac * (sorted[i + 1] - sorted[i]);
}

std::string num(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

std::string text_element(double x, double y, const std::string& text, const std::string& attributes = "") {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\"" + (attributes.empty() ? "" : " " + attributes) + ">" +
         escape(text) + "</text>";
}

// Both axes with ticks, grid lines and labels around a plot area.
std::string axes(const LinearScale& x, const std::vector<double>& x_ticks, const LinearScale& y,
                 const std::vector<double>& y_ticks, const std::string& x_label, const std::string& y_label) {
  std::string out;
  const double left = std::min(x.r0, x.r1), right = std::max(x.r0, x.r1);
  const double top = std::min(y.r0, y.r1), bottom = std::max(y.r0, y.r1);
  const double y_step = y_ticks.size() > 1 ? y_ticks[1] - y_ticks[0] : 1;
  for (double t : y_ticks) {
    const double py = y(t);
    out += "<line x1=\"" + num(left) + "\" y1=\"" + num(py) + "\" x2=\"" + num(right) + "\" y2=\"" + num(py) +
           "\" stroke=\"#e5e5e5\"/>";
    out += "<line x1=\"" + num(left - 4) + "\" y1=\"" + num(py) + "\" x2=\"" + num(left) + "\" y2=\"" + num(py) +
           "\" stroke=\"#333\"/>";
    out += text_element(left - 6, py + 3.5, format_tick(t, y_step), "text-anchor=\"end\" font-size=\"10\"");
  }
  if (!x_ticks.empty()) {
    const double x_step = x_ticks.size() > 1 ? x_ticks[1] - x_ticks[0] : 1;
    for (double t : x_ticks) {
      const double px = x(t);
      out += "<line x1=\"" + num(px) + "\" y1=\"" + num(top) + "\" x2=\"" + num(px) + "\" y2=\"" + num(bottom) +
             "\" stroke=\"#e5e5e5\"/>";
      out += "<line x1=\"" + num(px) + "\" y1=\"" + num(bottom) + "\" x2=\"" + num(px) + "\" y2=\"" +
             num(bottom + 4) + "\" stroke=\"#333\"/>";
      out += text_element(px, bottom + 15, format_tick(t, x_step), "text-anchor=\"middle\" font-size=\"10\"");
    }
  }
  out += "<line x1=\"" + num(left) + "\" y1=\"" + num(bottom) + "\" x2=\"" + num(right) + "\" y2=\"" + num(bottom) +
         "\" stroke=\"#333\"/>";
  out += "<line x1=\"" + num(left) + "\" y1=\"" + num(top) + "\" x2=\"" + num(left) + "\" y2=\"" + num(bottom) +
         "\" stroke=\"#333\"/>";
  if (!x_label.empty())
    out += text_element((left + right) / 2, bottom + 32, x_label, "text-anchor=\"middle\" font-size=\"11\"");
  if (!y_label.empty()) {
    const double cx = left - 44, cy = (top + bottom) / 2;
    out += "<text x=\"" + num(cx) + "\" y=\"" + num(cy) + "\" text-anchor=\"middle\" font-size=\"11\" transform=\"rotate(-90 " +
           num(cx) + " " + num(cy) + ")\">" + escape(y_label) + "</text>";
  }
  return out;
}

std::string open_svg(double width, double height, const std::string& title) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" + num(height) +
         "\" viewBox=\"0 0 " + num(width) + " " + num(height) + "\" font-family=\"sans-serif\" role=\"img\">" +
         "<title>" + escape(title) + "</title>" +
         text_element(width / 2, 16, title, "text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\"");
}

}  // namespace

BoxStats box_stats(std::vector<double> values) {
  BoxStats b;
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }), values.end());
  if (values.empty()) return b;
  std::sort(values.begin(), values.end());
  b.q1 = quantile(values, 0.25);
  b.median = quantile(values, 0.5);
  b.q3 = quantile(values, 0.75);
  const double iqr = b.q3 - b.q1;
  b.low = b.q1;
  b.high = b.q3;
  for (double v : values) {
    if (v >= b.q1 - 1.5 * iqr) b.low = std::min(b.low, v);
    if (v <= b.q3 + 1.5 * iqr) b.high = std::max(b.high, v);
  }
  return b;
}

double jitter(std::size_t i) {
  // Golden-ratio sequence: evenly spread, deterministic.
  const double frac = std::fmod(static_cast<double>(i) * 0.6180339887498949, 1.0);
  return frac * 2 - 1;
}

std::string box_plot(const std::string& title, const std::string& y_label, const std::vector<Series>& series) {
  const double band = 90, left = 70, top = 30, plot_h = 220;
  const double width = left + band * static_cast<double>(std::max<std::size_t>(1, series.size())) + 20;
  const double height = top + plot_h + 70;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& s : series)
    for (double v : s.values)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  std::string out = open_svg(width, height, title);
  if (!std::isfinite(lo)) return out + text_element(width / 2, top + plot_h / 2, "no values", "text-anchor=\"middle\"") + "</svg>";
  const auto ticks = nice_ticks(lo, hi, 5);
  const LinearScale y{ticks.front(), ticks.back(), top + plot_h, top};
  const LinearScale x{0, 1, left, width - 20};
  out += axes(x, {}, y, ticks, "", y_label);
  for (std::size_t i = 0; i < series.size(); ++i) {
    const double cx = left + band * (static_cast<double>(i) + 0.5);
    const std::string colour = series_colour(i);
    const BoxStats b = box_stats(series[i].values);
    if (!series[i].values.empty()) {
      out += "<line x1=\"" + num(cx) + "\" y1=\"" + num(y(b.low)) + "\" x2=\"" + num(cx) + "\" y2=\"" + num(y(b.high)) +
             "\" stroke=\"#555\"/>";
      out += "<rect x=\"" + num(cx - 22) + "\" y=\"" + num(y(b.q3)) + "\" width=\"44\" height=\"" +
             num(std::max(0.5, y(b.q1) - y(b.q3))) + "\" fill=\"" + colour + "\" fill-opacity=\"0.25\" stroke=\"" +
             colour + "\"/>";
      out += "<line x1=\"" + num(cx - 22) + "\" y1=\"" + num(y(b.median)) + "\" x2=\"" + num(cx + 22) + "\" y2=\"" +
             num(y(b.median)) + "\" stroke=\"" + colour + "\" stroke-width=\"2\"/>";
    }
    for (std::size_t k = 0; k < series[i].values.size(); ++k) {
      const double v = series[i].values[k];
      if (!std::isfinite(v)) continue;
      out += "<circle cx=\"" + num(cx + 16 * jitter(k)) + "\" cy=\"" + num(y(v)) + "\" r=\"2.2\" fill=\"" + colour +
             "\" fill-opacity=\"0.7\"/>";
    }
    out += text_element(cx, top + plot_h + 16, series[i].name, "text-anchor=\"middle\" font-size=\"10\"");
    out += text_element(cx, top + plot_h + 29, "n=" + std::to_string(series[i].values.size()),
                        "text-anchor=\"middle\" font-size=\"9\" fill=\"#666\"");
  }
  return out + "</svg>";
}

std::string scatter_plot(const std::string& title, const std::vector<PointSeries>& series,
                         const std::vector<std::string>& all_names) {
  const double left = 60, top = 30, plot = 220, width = left + plot + 20, legend_h = 14.0 * static_cast<double>(all_names.size());
  const double height = top + plot + 45 + legend_h;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& s : series)
    for (const auto& [o, p] : s.points)
      for (double v : {o, p})
        if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  std::string out = open_svg(width, height, title);
  if (!std::isfinite(lo)) return out + text_element(width / 2, top + plot / 2, "no values", "text-anchor=\"middle\"") + "</svg>";
  const auto ticks = nice_ticks(lo, hi, 5);
  const LinearScale x{ticks.front(), ticks.back(), left, left + plot};
  const LinearScale y{ticks.front(), ticks.back(), top + plot, top};
  out += axes(x, ticks, y, ticks, "observed delta", "predicted delta");
  out += "<line x1=\"" + num(x(ticks.front())) + "\" y1=\"" + num(y(ticks.front())) + "\" x2=\"" + num(x(ticks.back())) +
         "\" y2=\"" + num(y(ticks.back())) + "\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>";
  for (const auto& s : series) {
    const std::size_t index = static_cast<std::size_t>(
        std::find(all_names.begin(), all_names.end(), s.name) - all_names.begin());
    for (const auto& [o, p] : s.points) {
      if (!std::isfinite(o) || !std::isfinite(p)) continue;
      out += "<circle cx=\"" + num(x(o)) + "\" cy=\"" + num(y(p)) + "\" r=\"2.6\" fill=\"" + series_colour(index) +
             "\" fill-opacity=\"0.75\"/>";
    }
  }
  for (std::size_t i = 0; i < all_names.size(); ++i) {
    const double ly = top + plot + 45 + 14.0 * static_cast<double>(i);
    out += "<circle cx=\"" + num(left + 4) + "\" cy=\"" + num(ly - 3.5) + "\" r=\"4\" fill=\"" + series_colour(i) + "\"/>";
    out += text_element(left + 14, ly, all_names[i], "font-size=\"10\"");
  }
  return out + "</svg>";
}

std::string rank_heatmap(const std::vector<std::string>& models, const std::vector<std::string>& metrics,
                         const std::map<std::string, std::map<std::string, double>>& ranks) {
  const double cell_w = 96, cell_h = 26, left = 150, top = 120;
  const double width = left + cell_w * static_cast<double>(metrics.size()) + 20;
  const double height = top + cell_h * static_cast<double>(models.size()) + 20;
  std::string out = open_svg(width, height, "Rank per metric (1 = best)");
  for (std::size_t j = 0; j < metrics.size(); ++j) {
    const double cx = left + cell_w * (static_cast<double>(j) + 0.5), cy = top - 8;
    out += "<text x=\"" + num(cx) + "\" y=\"" + num(cy) + "\" font-size=\"10\" transform=\"rotate(-35 " + num(cx) +
           " " + num(cy) + ")\">" + escape(metrics[j]) + "</text>";
  }
  for (std::size_t i = 0; i < models.size(); ++i) {
    const double ry = top + cell_h * static_cast<double>(i);
    out += text_element(left - 8, ry + cell_h / 2 + 4, models[i], "text-anchor=\"end\" font-size=\"11\"");
    for (std::size_t j = 0; j < metrics.size(); ++j) {
      const double rx = left + cell_w * static_cast<double>(j);
      const auto m = ranks.find(metrics[j]);
      const bool has = m != ranks.end() && m->second.count(models[i]);
      const double rank = has ? m->second.at(models[i]) : 0;
      const std::size_t n = has ? m->second.size() : 1;
      out += "<rect x=\"" + num(rx) + "\" y=\"" + num(ry) + "\" width=\"" + num(cell_w - 2) + "\" height=\"" +
             num(cell_h - 2) + "\" fill=\"" + (has ? rank_colour(rank, n) : std::string("#f0f0f0")) + "\"/>";
      char label[16];
      std::snprintf(label, sizeof label, rank == std::floor(rank) ? "%.0f" : "%.1f", rank);
      const bool dark = has && n > 1 && (rank - 1) / static_cast<double>(n - 1) < 0.4;
      out += text_element(rx + cell_w / 2 - 1, ry + cell_h / 2 + 3, has ? label : "–",
                          std::string("text-anchor=\"middle\" font-size=\"11\" fill=\"") + (dark ? "#fff" : "#222") + "\"");
    }
  }
  return out + "</svg>";
}

}  // namespace trellis::core::bench::svg

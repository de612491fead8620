#pragma once
// Inline SVG plots for the bench report: scales, ticks, escaping and three
// chart types, no external resources.

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace trellis::core::bench::svg {

/// Text safe inside XML/HTML elements and attribute values.
std::string escape(const std::string& text);

/// Maps [d0, d1] linearly onto [r0, r1]; a zero-width domain maps to the
/// middle of the range.
struct LinearScale {
  double d0 = 0, d1 = 1, r0 = 0, r1 = 1;
  double operator()(double x) const;
};

/// About `target` round tick values (1, 2 or 5 x 10^k apart) covering
/// [lo, hi]: the first <= lo, the last >= hi.
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

/// A tick label: short, no trailing zeros, "0" for values that are zero
/// up to rounding.
std::string format_tick(double value, double step);

/// Distinct colours for series (cycles after 10).
std::string series_colour(std::size_t i);

/// Colour for rank `rank` of `n` (1 = best, dark green; n = light yellow).
std::string rank_colour(double rank, std::size_t n);

/// Quartiles by linear interpolation (numpy's default) and whiskers at the
/// most extreme values within 1.5 IQR.
struct BoxStats {
  double q1 = 0, median = 0, q3 = 0, low = 0, high = 0;
};
BoxStats box_stats(std::vector<double> values);

/// A deterministic offset in [-1, 1] for point `i` (jitter that does not
/// change between runs).
double jitter(std::size_t i);

/// Box + jittered points per model: one panel.
struct Series {
  std::string name;
  std::vector<double> values;
};
std::string box_plot(const std::string& title, const std::string& y_label, const std::vector<Series>& series);

/// Predicted vs observed: points per model, y = x line, legend.
struct PointSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  ///< (observed, predicted)
};
std::string scatter_plot(const std::string& title, const std::vector<PointSeries>& series,
                         const std::vector<std::string>& all_names);

/// Models x metrics, colour = rank, the rank written inside.
std::string rank_heatmap(const std::vector<std::string>& models, const std::vector<std::string>& metrics,
                         const std::map<std::string, std::map<std::string, double>>& ranks);

}  // namespace trellis::core::bench::svg

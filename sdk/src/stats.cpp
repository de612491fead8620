#include "trellis/sdk/stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include <boost/math/distributions/students_t.hpp>

#include "trellis/sdk/error.hpp"

namespace trellis::sdk {

double welch_t(double mean_g, double var_g, double n_g, double mean_c, double var_c, double n_c) {
  const double t = (mean_g - mean_c) / std::sqrt(var_g / n_g + var_c / n_c);
  return std::isnan(t) ? 0.0 : t;  // scanpy: NaN only for equal means without variance
}

double welch_p(double mean_g, double var_g, double n_g, double mean_c, double var_c, double n_c) {
  const double a = var_g / n_g, b = var_c / n_c;
  if (!(a + b > 0)) return mean_g == mean_c ? 1.0 : 0.0;
  const double t = (mean_g - mean_c) / std::sqrt(a + b);
  const double df = (a + b) * (a + b) / (a * a / (n_g - 1) + b * b / (n_c - 1));
  const boost::math::students_t dist(df);
  return 2.0 * boost::math::cdf(boost::math::complement(dist, std::fabs(t)));
}

std::int64_t benjamini_hochberg_count(std::vector<double> p_values, double fdr) {
  std::sort(p_values.begin(), p_values.end());
  const auto m = static_cast<double>(p_values.size());
  std::int64_t count = 0;
  for (std::size_t k = 0; k < p_values.size(); ++k)
    if (p_values[k] <= static_cast<double>(k + 1) * fdr / m) count = static_cast<std::int64_t>(k + 1);
  return count;
}

namespace {

// Cumulative (false, true) positives at each distinct score, highest first:
// the thresholds sklearn's roc_curve and precision_recall_curve walk.
struct RankedCounts {
  std::vector<double> false_positives, true_positives;
  double positives = 0, negatives = 0;
};

RankedCounts ranked_counts(const std::vector<double>& scores, const std::vector<int>& labels, const char* who) {
  if (scores.size() != labels.size())
    throw Error(std::string(who) + ": " + std::to_string(scores.size()) + " scores but " +
                std::to_string(labels.size()) + " labels");
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  RankedCounts c;
  double tp = 0, fp = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    (labels[order[i]] != 0 ? tp : fp) += 1;
    if (i + 1 == order.size() || scores[order[i + 1]] != scores[order[i]]) {
      c.true_positives.push_back(tp);
      c.false_positives.push_back(fp);
    }
  }
  c.positives = tp;
  c.negatives = fp;
  if (tp == 0 || fp == 0)
    throw Error(std::string(who) + ": the " + std::to_string(scores.size()) + " labels hold " +
                (tp == 0 ? "no positive" : "no negative") + "; both classes are needed");
  return c;
}

}  // namespace

double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels) {
  const RankedCounts c = ranked_counts(scores, labels, "roc_auc");
  double area = 0, fpr = 0, tpr = 0;
  for (std::size_t t = 0; t < c.true_positives.size(); ++t) {
    const double f = c.false_positives[t] / c.negatives, r = c.true_positives[t] / c.positives;
    area += (f - fpr) * (r + tpr) / 2;
    fpr = f;
    tpr = r;
  }
  return area;
}

double average_precision(const std::vector<double>& scores, const std::vector<int>& labels) {
  const RankedCounts c = ranked_counts(scores, labels, "average_precision");
  double ap = 0, recall = 0;
  for (std::size_t t = 0; t < c.true_positives.size(); ++t) {
    const double tp = c.true_positives[t], r = tp / c.positives;
    ap += (r - recall) * tp / (tp + c.false_positives[t]);
    recall = r;
  }
  return ap;
}

}  // namespace trellis::sdk

#include "beeline_scores.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/stats.hpp"

namespace trellis::metrics {

namespace {

// The truth network's genes, numbered in order of first appearance, and its
// pairs without self-loops.
struct Truth {
  std::unordered_map<std::string, std::int64_t> id;
  std::vector<bool> regulator;  // source of a truth edge
  std::unordered_set<std::int64_t> pairs;
  std::int64_t n() const { return static_cast<std::int64_t>(id.size()); }
  std::int64_t key(std::int64_t a, std::int64_t b, bool directed) const {
    if (!directed && a > b) std::swap(a, b);
    return a * n() + b;
  }
};

Truth truth_of(const sdk::GraphMetricInput& input, bool directed) {
  Truth t;
  for (const auto& [from, to] : input.truth)
    for (const std::string* g : {&from, &to}) t.id.emplace(*g, t.n());
  t.regulator.assign(static_cast<std::size_t>(t.n()), false);
  for (const auto& [from, to] : input.truth) {
    const std::int64_t a = t.id.at(from), b = t.id.at(to);
    if (a == b) continue;
    t.regulator[static_cast<std::size_t>(a)] = true;
    t.pairs.insert(t.key(a, b, directed));
  }
  if (t.pairs.empty())
    throw sdk::Error("the truth network has no edge between two different genes (" +
                     std::to_string(input.truth.size()) + " edges, all self-loops or none); nothing can be recovered");
  return t;
}

// Precision-recall and ROC points at each distinct score, highest first.
struct Curve {
  std::vector<double> tp, fp;  // cumulative, one entry per threshold
  double positives = 0, negatives = 0;
};

Curve curve_of(std::vector<std::pair<double, bool>> scored) {
  std::sort(scored.begin(), scored.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  Curve c;
  double tp = 0, fp = 0;
  for (std::size_t i = 0; i < scored.size(); ++i) {
    (scored[i].second ? tp : fp) += 1;
    if (i + 1 == scored.size() || scored[i + 1].first != scored[i].first) {
      c.tp.push_back(tp);
      c.fp.push_back(fp);
    }
  }
  c.positives = tp;
  c.negatives = fp;
  return c;
}

// sklearn: auc(recall, precision) over the curve's points after (0, 1).
double pr_trapezoid(const Curve& c) {
  double area = 0, recall = 0, precision = 1;
  for (std::size_t i = 0; i < c.tp.size(); ++i) {
    const double r = c.tp[i] / c.positives, p = c.tp[i] / (c.tp[i] + c.fp[i]);
    area += (r - recall) * (p + precision) / 2;
    recall = r;
    precision = p;
  }
  return area;
}

// PRROC's auc.davis.goadrich: the first threshold's recall at its
// precision, then between thresholds the Davis-Goadrich interpolation, one
// true positive at a time, where precision changes over several positives.
double pr_davis_goadrich(const Curve& c) {
  const double P = c.positives;
  double area = 0;
  for (std::size_t i = 0; i < c.tp.size(); ++i) {
    const double p_i = c.tp[i] / (c.tp[i] + c.fp[i]);
    if (i == 0) {
      area += c.tp[0] / P * p_i;
      continue;
    }
    const double tp0 = c.tp[i - 1], fp0 = c.fp[i - 1], d = c.tp[i] - tp0;
    const double p_prev = tp0 / (tp0 + fp0);
    if (d > 1 && p_i != p_prev) {
      const double h = (c.fp[i] - fp0) / d;
      const auto p = [&](double x) { return (tp0 + x) / (tp0 + x + fp0 + h * x); };
      for (double x = 1; x <= d; ++x) area += (p(x - 1) + p(x)) / 2 / P;
    } else {
      area += d / P * (p_prev + p_i) / 2;
    }
  }
  return area;
}

}  // namespace

AreaScores area_scores(const sdk::GraphMetricInput& input, bool directed, PrCurve curve) {
  const Truth t = truth_of(input, directed);
  const std::int64_t n = t.n();
  // Each candidate's score: the largest |weight| given to it, else 0.
  std::vector<double> score(static_cast<std::size_t>(n * n), 0.0);
  for (std::size_t e = 0; e < input.predicted.size(); ++e) {
    const auto a = t.id.find(input.predicted.regulator[e]), b = t.id.find(input.predicted.target[e]);
    if (a == t.id.end() || b == t.id.end() || a->second == b->second) continue;
    double& s = score[static_cast<std::size_t>(t.key(a->second, b->second, directed))];
    s = std::max(s, std::abs(input.predicted.score[e]));
  }
  std::vector<std::pair<double, bool>> scored;
  for (std::int64_t a = 0; a < n; ++a)
    for (std::int64_t b = directed ? 0 : a + 1; b < n; ++b) {
      if (a == b) continue;
      const std::int64_t k = t.key(a, b, directed);
      scored.emplace_back(score[static_cast<std::size_t>(k)], t.pairs.count(k) > 0);
    }
  AreaScores s;
  s.genes = n;
  s.candidates = static_cast<std::int64_t>(scored.size());
  s.true_edges = static_cast<std::int64_t>(t.pairs.size());
  if (s.true_edges == s.candidates)
    throw sdk::Error("every one of the " + std::to_string(s.candidates) +
                     " pairs of the truth network's genes is a true edge; there is nothing to rank against");
  std::vector<double> scores;
  std::vector<int> labels;
  for (const auto& [score_of_pair, is_edge] : scored) {
    scores.push_back(score_of_pair);
    labels.push_back(is_edge ? 1 : 0);
  }
  s.auroc = sdk::roc_auc(scores, labels);  // sklearn's roc_auc_score, as BLEval's roc_curve + auc
  const Curve c = curve_of(std::move(scored));
  s.auprc = curve == PrCurve::trapezoid ? pr_trapezoid(c) : pr_davis_goadrich(c);
  return s;
}

EarlyScores early_scores(const sdk::GraphMetricInput& input, bool directed, bool tf_edges) {
  const Truth t = truth_of(input, directed);
  const std::int64_t n = t.n();
  const auto regulators = static_cast<std::int64_t>(std::count(t.regulator.begin(), t.regulator.end(), true));
  // Listed pairs at their largest |weight|: pairs of truth genes by number,
  // others (no tf_edges) by name.
  std::unordered_map<std::string, double> listed;
  const auto name_key = [&](const std::string& a, const std::string& b) {
    return !directed && b < a ? b + '\t' + a : a + '\t' + b;
  };
  for (std::size_t e = 0; e < input.predicted.size(); ++e) {
    const std::string &from = input.predicted.regulator[e], &to = input.predicted.target[e];
    if (from == to) continue;
    if (tf_edges && directed) {
      const auto a = t.id.find(from), b = t.id.find(to);
      if (a == t.id.end() || b == t.id.end() || !t.regulator[static_cast<std::size_t>(a->second)]) continue;
    }
    const auto [it, inserted] = listed.emplace(name_key(from, to), std::abs(input.predicted.score[e]));
    if (!inserted) it->second = std::max(it->second, std::abs(input.predicted.score[e]));
  }
  EarlyScores s;
  s.true_edges = static_cast<std::int64_t>(t.pairs.size());
  s.candidates = tf_edges && directed ? regulators * (n - 1) : directed ? n * (n - 1) : n * (n - 1) / 2;
  if (listed.empty()) return s;
  std::vector<double> weights;
  weights.reserve(listed.size());
  double nonzero_min = 0;
  for (const auto& [pair, w] : listed) {
    weights.push_back(w);
    if (w > 0 && (nonzero_min == 0 || w < nonzero_min)) nonzero_min = w;
  }
  std::sort(weights.begin(), weights.end(), std::greater<>());
  const std::size_t k = std::min(weights.size(), static_cast<std::size_t>(s.true_edges));
  const double cut = std::max(nonzero_min, weights[k - 1]);
  std::int64_t hits = 0;
  for (const auto& [pair, w] : listed) {
    if (w < cut) continue;
    ++s.selected;
    const auto tab = pair.find('\t');
    const auto a = t.id.find(pair.substr(0, tab)), b = t.id.find(pair.substr(tab + 1));
    if (a != t.id.end() && b != t.id.end() && t.pairs.count(t.key(a->second, b->second, directed))) ++hits;
  }
  s.early_precision = static_cast<double>(hits) / static_cast<double>(s.selected);
  return s;
}

}  // namespace trellis::metrics

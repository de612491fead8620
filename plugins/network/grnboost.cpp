// network/grnboost: GRNBoost2 (Moerman et al. 2019, arboreto), the
// per-target gradient boosting BEELINE runs, on xgboost's C API. For each
// target gene, regression trees (depth 3, learning rate 0.01, a random
// 10 % of the regulators at each split, 90 % of the cells per tree drawn
// without replacement) predict its expression from the regulators' (the
// target itself excluded); boosting stops once the out-of-bag improvement,
// averaged over the last 25 trees, turns negative (arboreto's early-stop
// monitor; at most `max_trees`). A regulator's weight is its share of the
// total split gain times the number of trees (arboreto's importances).
// Squared error without regularisation and exact splits, as sklearn's
// trees; xgboost's own subsampling is off: the host draws the rows and
// passes zero gradients for the out-of-bag ones. Targets run in parallel,
// one single-threaded booster each; every target's draws are seeded by
// (run seed, seed, target), so results do not depend on the thread count.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <numeric>
#include <random>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <xgboost/c_api.h>

#include "network.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"

namespace trellis::network {

namespace {

const std::string kName = "network/grnboost";

void check(int status, const char* call) {
  if (status != 0) throw sdk::Error(kName + ": xgboost " + call + " failed: " + XGBGetLastError());
}

struct Settings {
  double learning_rate, subsample, max_features;
  std::int64_t max_depth, max_trees, window, max_targets;
  std::uint64_t seed;
};

// Owns a DMatrix and a booster.
struct Booster {
  DMatrixHandle data = nullptr;
  BoosterHandle booster = nullptr;
  ~Booster() {
    if (booster) XGBoosterFree(booster);
    if (data) XGDMatrixFree(data);
  }
};

// Weights of `regressors` (columns of x) for the target column y; the
// number of trees grown goes to `trees`.
std::vector<double> fit_target(const std::vector<float>& x, std::int64_t n, std::int64_t p, const std::vector<float>& y,
                               const Settings& s, std::uint64_t seed, std::int64_t& trees) {
  Booster b;
  check(XGDMatrixCreateFromMat(x.data(), static_cast<bst_ulong>(n), static_cast<bst_ulong>(p), NAN, &b.data),
        "XGDMatrixCreateFromMat");
  check(XGBoosterCreate(&b.data, 1, &b.booster), "XGBoosterCreate");
  const double mean = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(n);
  const std::vector<std::pair<std::string, std::string>> params = {
      {"tree_method", "exact"},
      {"eta", std::to_string(s.learning_rate)},
      {"max_depth", std::to_string(s.max_depth)},
      {"colsample_bynode", std::to_string(s.max_features)},
      {"lambda", "0"},
      {"alpha", "0"},
      {"gamma", "0"},
      {"min_child_weight", "1"},
      {"base_score", std::to_string(mean)},
      {"seed", std::to_string(seed % 2147483647ULL)},
      {"nthread", "1"},
      {"verbosity", "0"}};
  for (const auto& [key, value] : params) check(XGBoosterSetParam(b.booster, key.c_str(), value.c_str()), "SetParam");

  std::mt19937_64 rng(seed);
  const auto in_bag = static_cast<std::int64_t>(s.subsample * static_cast<double>(n));
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  std::vector<float> grad(static_cast<std::size_t>(n)), hess(static_cast<std::size_t>(n));
  std::vector<char> bag(static_cast<std::size_t>(n));
  std::vector<double> pred(static_cast<std::size_t>(n), mean), improvement;
  trees = 0;
  for (std::int64_t round = 0; round < s.max_trees; ++round) {
    std::shuffle(order.begin(), order.end(), rng);
    std::fill(bag.begin(), bag.end(), 0);
    for (std::int64_t r = 0; r < in_bag; ++r) bag[static_cast<std::size_t>(order[static_cast<std::size_t>(r)])] = 1;
    double before = 0, after = 0;
    std::int64_t out_of_bag = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const auto k = static_cast<std::size_t>(i);
      grad[k] = bag[k] ? static_cast<float>(pred[k] - y[k]) : 0.0f;
      hess[k] = bag[k] ? 1.0f : 0.0f;
      if (!bag[k]) before += (y[k] - pred[k]) * (y[k] - pred[k]);
    }
    check(XGBoosterBoostOneIter(b.booster, b.data, grad.data(), hess.data(), static_cast<bst_ulong>(n)),
          "XGBoosterBoostOneIter");
    ++trees;
    bst_ulong length = 0;
    const float* out = nullptr;
    check(XGBoosterPredict(b.booster, b.data, 0, 0, 1, &length, &out), "XGBoosterPredict");
    for (std::int64_t i = 0; i < n; ++i) {
      const auto k = static_cast<std::size_t>(i);
      pred[k] = out[k];
      if (!bag[k]) {
        after += (y[k] - pred[k]) * (y[k] - pred[k]);
        ++out_of_bag;
      }
    }
    if (s.subsample >= 1 || out_of_bag == 0) continue;  // no out-of-bag cells: no early stop
    improvement.push_back((before - after) / static_cast<double>(out_of_bag));
    if (round + 1 >= s.window) {
      const double recent = std::accumulate(improvement.end() - s.window, improvement.end(), 0.0);
      if (recent < 0) break;
    }
  }
  bst_ulong features = 0, dim = 0;
  const char** names = nullptr;
  const bst_ulong* shape = nullptr;
  const float* scores = nullptr;
  check(XGBoosterFeatureScore(b.booster, "{\"importance_type\": \"total_gain\"}", &features, &names, &dim, &shape,
                              &scores),
        "XGBoosterFeatureScore");
  std::vector<double> gain(static_cast<std::size_t>(p), 0.0);
  double total = 0;
  for (bst_ulong f = 0; f < features; ++f) {
    const auto column = std::strtol(names[f] + 1, nullptr, 10);  // "f<column>"
    gain[static_cast<std::size_t>(column)] = scores[f];
    total += scores[f];
  }
  if (total > 0)
    for (double& g : gain) g = g / total * static_cast<double>(trees);
  return gain;
}

class GrnBoost : public sdk::NetworkInferrer {
 public:
  explicit GrnBoost(const sdk::Options& o)
      : settings_{o.get_double("learning_rate"), o.get_double("subsample"), o.get_double("max_features"),
                  o.get_int("max_depth"),        o.get_int("max_trees"),    o.get_int("early_stop_window"),
                  o.get_int("max_targets"),      static_cast<std::uint64_t>(o.get_int("seed"))} {}

  sdk::ScoredEdges infer(sdk::FitContext& context) override {
    static std::once_flag quiet;
    std::call_once(quiet, [] { XGBSetGlobalConfig("{\"verbosity\": 0}"); });
    const std::vector<std::string> genes = measured_symbols(context, kName);
    const at::Tensor x = fitting_expression(context, 3, kName);
    const std::int64_t n = x.size(0), g = x.size(1);
    const std::vector<std::int64_t> regulators = regulator_columns(context, genes);
    // Targets fitted: the first max_targets columns (0 = all), for timing and quick looks.
    const std::int64_t targets = settings_.max_targets > 0 ? std::min(settings_.max_targets, g) : g;
    const float* values = x.data_ptr<float>();
    sdk::log_info(kName + ": " + std::to_string(targets) + " targets from " + std::to_string(regulators.size()) +
                  " regulators over " + std::to_string(n) + " cells");
    std::vector<std::vector<double>> weights(static_cast<std::size_t>(g));
    std::atomic<std::int64_t> done{0}, total_trees{0};
    at::parallel_for(0, targets, 1, [&](std::int64_t begin, std::int64_t end) {
      std::vector<float> design, y(static_cast<std::size_t>(n));
      for (std::int64_t t = begin; t < end; ++t) {
        std::vector<std::int64_t> used;
        for (const std::int64_t r : regulators)
          if (r != t) used.push_back(r);
        if (used.empty()) continue;
        const auto p = static_cast<std::int64_t>(used.size());
        design.resize(static_cast<std::size_t>(n * p));
        for (std::int64_t i = 0; i < n; ++i) {
          y[static_cast<std::size_t>(i)] = values[i * g + t];
          for (std::int64_t k = 0; k < p; ++k)
            design[static_cast<std::size_t>(i * p + k)] = values[i * g + used[static_cast<std::size_t>(k)]];
        }
        std::int64_t trees = 0;
        const std::uint64_t seed = (context.seed * 1000003ULL + settings_.seed) * 1000003ULL + static_cast<std::uint64_t>(t);
        const std::vector<double> gain = fit_target(design, n, p, y, settings_, seed, trees);
        auto& w = weights[static_cast<std::size_t>(t)];
        w.assign(static_cast<std::size_t>(g), 0.0);
        for (std::int64_t k = 0; k < p; ++k) w[static_cast<std::size_t>(used[static_cast<std::size_t>(k)])] = gain[static_cast<std::size_t>(k)];
        total_trees += trees;
        const std::int64_t finished = ++done;
        if (finished % std::max<std::int64_t>(1, targets / 10) == 0)
          sdk::log_info(kName + ": " + std::to_string(finished) + " / " + std::to_string(targets) + " targets");
      }
    });
    sdk::ScoredEdges edges;
    for (const std::int64_t r : regulators)
      for (std::int64_t t = 0; t < g; ++t) {
        const auto& w = weights[static_cast<std::size_t>(t)];
        if (w.empty() || w[static_cast<std::size_t>(r)] <= 0) continue;
        edges.regulator.push_back(genes[static_cast<std::size_t>(r)]);
        edges.target.push_back(genes[static_cast<std::size_t>(t)]);
        edges.score.push_back(w[static_cast<std::size_t>(r)]);
      }
    sdk::log_info(kName + ": " + std::to_string(edges.size()) + " edges with positive importance; " +
                  std::to_string(total_trees.load() / std::max<std::int64_t>(1, targets)) + " trees per target on average");
    return edges;
  }

 private:
  Settings settings_;
};

}  // namespace

sdk::OptionSchema grnboost_options() {
  sdk::OptionSchema s;
  s.add("learning_rate", 0.01, "shrinkage of each tree").min(0.0);
  s.add("max_depth", std::int64_t{3}, "depth of each regression tree").min(1);
  s.add("max_features", 0.1, "fraction of the regulators drawn at each split").min(0.0).max(1.0);
  s.add("subsample", 0.9, "fraction of the cells drawn (without replacement) for each tree; 1 = no early stop")
      .min(0.0)
      .max(1.0);
  s.add("max_trees", std::int64_t{5000}, "most trees per target").min(1);
  s.add("early_stop_window", std::int64_t{25}, "stop once the mean out-of-bag improvement of this many trees is < 0")
      .min(1);
  s.add("max_targets", std::int64_t{0}, "fit only the first this many target genes (0 = all): for timing runs")
      .min(0);
  s.add("seed", std::int64_t{0}, "added to the experiment's seed");
  return s;
}

std::shared_ptr<sdk::NetworkInferrer> make_grnboost(const sdk::Options& options) {
  return std::make_shared<GrnBoost>(options);
}

}  // namespace trellis::network

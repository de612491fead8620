// The metric/* components of the metrics plugin, loaded through the plugin
// host, against values computed by hand or with numpy (script in comments).
#include <cmath>
#include <map>

#include <ATen/ATen.h>
#include "catch.hpp"
#include <nlohmann/json.hpp>

#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/metric.hpp"

using namespace trellis;
using Catch::Contains;

namespace {

core::plugin::PluginHost& host() {
  static core::plugin::PluginHost* h = [] {
    auto* p = new core::plugin::PluginHost;
    p->add_search_path(TRELLIS_PLUGIN_BUILD_DIR, "build tree");
    p->load_search_path();
    return p;
  }();
  return *h;
}

std::shared_ptr<sdk::Metric> metric(const std::string& name, nlohmann::json options = nlohmann::json::object()) {
  return host().create<sdk::Metric>(name, options, "metrics");
}

at::Tensor vec(std::vector<float> v) { return at::tensor(v, at::kFloat); }

sdk::MetricInput input(std::vector<float> predicted, std::vector<float> observed, std::vector<float> control) {
  sdk::MetricInput in;
  in.predicted = vec(std::move(predicted));
  in.observed = vec(std::move(observed));
  in.control = vec(std::move(control));
  return in;
}

double value(const std::string& name, const sdk::MetricInput& in, nlohmann::json options = nlohmann::json::object()) {
  return metric(name, options)->compute(in);
}

// The six-gene case worked by hand:
//   control   c = [1, 2, 0, 4, 1, 3]
//   observed  o = [2, 1, 0, 6, 3, 5]   delta o-c = [ 1, -1, 0, 2,  2, 2]  signs [1,-1,0,1, 1,1]
//   predicted p = [3, 3, 1, 5, 0, 3]   delta p-c = [ 2,  1, 1, 1, -1, 0]  signs [1, 1,1,1,-1,0]
//   p - o = [1, 2, 1, -1, -3, -2], squares 1+4+1+1+9+4 = 20
sdk::MetricInput six() {
  auto in = input({3, 3, 1, 5, 0, 3}, {2, 1, 0, 6, 3, 5}, {1, 2, 0, 4, 1, 3});
  in.de_ranking = {3, 5, 0, 1, 2, 4};
  in.top20_non_dropout = {3, 1, 0};
  return in;
}

}  // namespace

TEST_CASE("metrics on six genes worked by hand", "[metrics]") {
  const auto in = six();
  CHECK(value("mse", in) == Approx(20.0 / 6));
  CHECK(value("rmse", in) == Approx(std::sqrt(20.0 / 6)));
  // Fewer than 20 genes: the top-20 DE genes are all six.
  CHECK(value("mse_de", in) == Approx(20.0 / 6));
  // Same signs at genes 0 and 3 (gene 2: observed 0 vs predicted +1 differ; np.sign(0) = 0).
  CHECK(value("frac_correct_direction_all", in) == Approx(2.0 / 6));
  CHECK(value("frac_correct_direction_20", in) == Approx(2.0 / 6));  // min(20, G) = 6 genes compared
  CHECK(value("dac", in) == Approx(2.0 / 6));
  CHECK(value("dac_de40", in) == Approx(2.0 / 6));
  // Non-dropout genes [3, 1, 0]: deltas predicted [1, 1, 2], observed [2, -1, 1].
  //   mse = (1 + 4 + 1) / 3 = 2; opposite signs at gene 1 only -> 1/3;
  //   Pearson: dx = [-1/3,-1/3,2/3], dy = [4/3,-5/3,1/3], sxy = 1/3, sxx = 6/9, syy = 42/9
  //   -> r = (1/3) / sqrt(252/81) = 3 / sqrt(252).
  CHECK(value("mse_top20_de_non_dropout", in) == Approx(2.0));
  CHECK(value("frac_opposite_direction_top20_non_dropout", in) == Approx(1.0 / 3));
  CHECK(value("pearson_delta_top20_de_non_dropout", in) == Approx(3 / std::sqrt(252.0)));
  // numpy: np.corrcoef(p, o)[0,1] = 0.5638903707551803; of the deltas -0.4592793267718458.
  CHECK(value("pearson", in) == Approx(0.5638903707551803));
  CHECK(value("pearson_delta", in) == Approx(-0.4592793267718458));
  CHECK(value("pearson_de", in) == Approx(0.5638903707551803));
  // L2 over the genes with the highest control mean: 3 (4), then 1 and 5 (3 and 2)...
  // control sorted: gene 3 (4), gene 5 (3), gene 1 (2), genes 0 and 4 tied at 1 -> gene 0 first.
  CHECK(value("l2_top1000_control", in) == Approx(std::sqrt(20.0)));  // fewer than 1000: all genes
  CHECK(value("l2_top1000_control", in, {{"genes", 2}}) == Approx(std::sqrt(1.0 + 4)));
  CHECK(value("l2_top1000_control", in, {{"genes", 4}}) == Approx(std::sqrt(1.0 + 4 + 4 + 1)));  // not gene 4 (9)
}

TEST_CASE("metrics on 250 genes match numpy", "[metrics]") {
  // /usr/bin/python3:
  //   import numpy as np
  //   G = 250; i = np.arange(G)
  //   c = np.float32((i*7 % 11)/2.0).astype(np.float64)
  //   o = np.float32((i*7 % 11)/2.0 + ((i*13 % 9) - 4)/4.0).astype(np.float64)
  //   p = np.float32((i*7 % 11)/2.0 + ((i*5 % 7) - 3)/3.0).astype(np.float64)
  //   rank = (i*97) % 250; nd = ((i*31) % 250)[:20]
  //   pear = lambda x, y: np.corrcoef(x, y)[0, 1]
  //   same = lambda idx: np.mean(np.sign(p[idx]-c[idx]) == np.sign(o[idx]-c[idx]))
  //   opp = lambda idx: np.mean(np.abs(np.sign(p[idx]-c[idx]) - np.sign(o[idx]-c[idx])) == 2)
  //   dp, do = p - c, o - c
  //   top = np.argsort(-c, kind="stable")[:1000]; top7 = np.argsort(-c, kind="stable")[:7]
  //   mse = np.mean((p-o)**2); mse_de = np.mean((p[rank[:20]]-o[rank[:20]])**2); ...
  //   (each value below is the named formula on these arrays)
  std::vector<float> c, o, p;
  std::vector<std::int64_t> ranking, non_dropout;
  for (int i = 0; i < 250; ++i) {
    c.push_back(static_cast<float>((i * 7 % 11) / 2.0));
    o.push_back(static_cast<float>((i * 7 % 11) / 2.0 + ((i * 13 % 9) - 4) / 4.0));
    p.push_back(static_cast<float>((i * 7 % 11) / 2.0 + ((i * 5 % 7) - 3) / 3.0));
    ranking.push_back(i * 97 % 250);
    if (i < 20) non_dropout.push_back(i * 31 % 250);
  }
  auto in = input(p, o, c);
  in.de_ranking = ranking;
  in.top20_non_dropout = non_dropout;
  const std::map<std::string, double> expected{
      {"mse", 0.861944440129735},
      {"pearson", 0.850606207100685},
      {"mse_de", 0.492361118603087},
      {"pearson_de", 0.943512105463707},
      {"pearson_delta", 0.00308606529646173},
      {"pearson_delta_de", 0.468168013118829},
      {"frac_correct_direction_all", 0.4},
      {"frac_correct_direction_20", 0.5},
      {"frac_correct_direction_50", 0.6},
      {"frac_correct_direction_100", 0.64},
      {"frac_correct_direction_200", 0.45},
      {"frac_opposite_direction_top20_non_dropout", 0.2},
      {"mse_top20_de_non_dropout", 0.461458369096126},
      {"pearson_delta_top20_de_non_dropout", 0.460379540084264},
      {"rmse", 0.928409629489987},
      {"dac", 0.4},
      {"dac_de20", 0.5},
      {"dac_de40", 0.6},
      {"pearson_delta_de40", 0.356535842036355},
      {"l2_top1000_control", 14.6794451541069},
  };
  for (const auto& [name, v] : expected) {
    INFO(name);
    CHECK(value(name, in) == Approx(v).epsilon(1e-9));
  }
  CHECK(value("l2_top1000_control", in, {{"genes", 7}}) == Approx(2.82228226236958).epsilon(1e-9));
}

TEST_CASE("metric directions and the perfect prediction", "[metrics]") {
  const std::vector<std::string> higher{"pearson", "pearson_de", "pearson_delta", "pearson_delta_de",
                                        "frac_correct_direction_all", "frac_correct_direction_20",
                                        "frac_correct_direction_50", "frac_correct_direction_100",
                                        "frac_correct_direction_200", "pearson_delta_top20_de_non_dropout", "dac",
                                        "dac_de20", "dac_de40", "pearson_delta_de40"};
  const std::vector<std::string> lower{"mse", "mse_de", "frac_opposite_direction_top20_non_dropout",
                                       "mse_top20_de_non_dropout", "rmse", "l2_top1000_control", "rank",
                                       "e_distance", "mmd", "mae"};
  // Defined only with more than the six-gene input: their own cases below.
  const std::vector<std::string> higher_elsewhere{"pearson_delta_pert", "centroid_accuracy", "discrimination_l1",
                                                  "de_overlap", "spread_ratio"};
  for (const auto& n : higher) CHECK(metric(n)->direction() == sdk::Direction::higher_is_better);
  for (const auto& n : higher_elsewhere) CHECK(metric(n)->direction() == sdk::Direction::higher_is_better);
  for (const auto& n : lower) CHECK(metric(n)->direction() == sdk::Direction::lower_is_better);
  // Every metric of the plugin is one of these, and says what it computes.
  std::size_t ours = 0;
  for (const auto* c : host().components("metric"))
    if (c->plugin->name == "metrics") {
      ++ours;
      CHECK_FALSE(c->spec.description.empty());
    }
  CHECK(ours == higher.size() + higher_elsewhere.size() + lower.size());

  // Predicting the observation: errors 0, correlations 1, every sign right.
  auto in = six();
  in.predicted = in.observed.clone();
  for (const auto& n : lower)
    if (n != "e_distance" && n != "mmd") CHECK(value(n, in) == Approx(0.0).margin(1e-12));
  for (const auto& n : higher) CHECK(value(n, in) == Approx(1.0));
}

TEST_CASE("undefined metric values are NaN", "[metrics]") {
  // A constant prediction explains nothing: Pearson 0, as GEARS scores it
  // (NaN would drop the condition from that model's average only).
  auto in = six();
  in.predicted = vec({2, 2, 2, 2, 2, 2});
  CHECK(value("pearson", in) == 0.0);
  // Predicting the control: every predicted delta is 0.
  in.predicted = in.control.clone();
  CHECK(value("pearson_delta", in) == 0.0);
  CHECK(value("pearson_delta_de", in) == 0.0);
  // A constant observation: undefined for every model alike.
  in = six();
  in.observed = vec({1, 1, 1, 1, 1, 1});
  CHECK(std::isnan(value("pearson", in)));
  // A condition without DE ranking (control, or too few cells): DE-based metrics undefined.
  in = six();
  in.de_ranking.clear();
  in.top20_non_dropout.clear();
  for (const char* n : {"mse_de", "pearson_de", "pearson_delta_de", "frac_correct_direction_20", "dac_de20",
                        "dac_de40", "pearson_delta_de40", "mse_top20_de_non_dropout",
                        "frac_opposite_direction_top20_non_dropout", "pearson_delta_top20_de_non_dropout"})
    CHECK(std::isnan(value(n, in)));
  CHECK(value("mse", in) == Approx(20.0 / 6));  // the rest still defined
  // Distributional metrics without sampled cells.
  CHECK(std::isnan(value("e_distance", in)));
  CHECK(std::isnan(value("mmd", in)));
}

TEST_CASE("metric input errors name the problem", "[metrics]") {
  auto in = six();
  in.de_ranking = {0, 9};
  REQUIRE_THROWS_WITH(value("mse_de", in),
                      Contains("gene index 9 in the DE ranking is out of range (the profiles have 6 genes)"));
  in = six();
  in.predicted = vec({1, 2, 3});
  REQUIRE_THROWS_WITH(value("mse", in), Contains("input 'predicted' must be a vector [G] like 'observed' "
                                                 "([6]), got [3]"));
  REQUIRE_THROWS_WITH(metric("l2_top1000_control", {{"genes", 0}}), Contains("option 'genes' must be at least 1, got 0"));
  REQUIRE_THROWS_WITH(metric("mmd", {{"max_cells", 1}}), Contains("option 'max_cells' must be at least 2, got 1"));
  REQUIRE_THROWS_WITH(metric("mmd", {{"gama", 1.0}}), Contains("Did you mean 'gamma'?"));
}

TEST_CASE("rank: where a prediction's own observation falls among all observations", "[metrics]") {
  // Observed A = [0,0], B = [1,0], C = [0,3].
  // A' = [0.9,0]: d(A',A) = 0.9, d(A',B) = 0.1 (closer), d(A',C) > 3  -> 1/2
  // B' = [1,0.1]: d(B',B) = 0.1, everything else farther              -> 0
  // C' = [1,1]:   d(C',C) = sqrt(5), d(C',A) = sqrt(2), d(C',B) = 1   -> 2/2
  const std::vector<float> zero{0, 0};
  std::vector<sdk::MetricInput> inputs{input({0.9f, 0}, {0, 0}, zero), input({1, 0.1f}, {1, 0}, zero),
                                       input({1, 1}, {0, 3}, zero)};
  const auto rank = metric("rank");
  CHECK(rank->compute_all(inputs) == std::vector<double>{0.5, 0.0, 1.0});
  CHECK(rank->compute_all({inputs[2]}) == std::vector<double>{0.0});  // alone: nothing to confuse it with
  CHECK(rank->compute(inputs[2]) == 0.0);
}

TEST_CASE("systematic variation: pearson_delta_pert and mae by hand", "[metrics]") {
  // six(): p - m = [1, 2, 0, 0, -2, -1] (mean 0), o - m = [0, 0, -1, 1, 1, 1]
  // (mean 1/3) for the perturbed mean m = [2, 1, 1, 5, 2, 4]:
  // cov = -3, sum x^2 = 10, sum (y - 1/3)^2 = 10/3, r = -3 / (10 / sqrt 3) = -0.3 sqrt 3.
  auto in = six();
  CHECK(std::isnan(value("pearson_delta_pert", in)));  // no training perturbations to compare with
  in.perturbed_mean = vec({2, 1, 1, 5, 2, 4});
  CHECK(value("pearson_delta_pert", in) == Approx(-0.3 * std::sqrt(3.0)));
  // |p - o| = [1, 2, 1, 1, 3, 2]: 10 / 6.
  CHECK(value("mae", in) == Approx(10.0 / 6));
  in.perturbed_mean = vec({1, 2});
  REQUIRE_THROWS_WITH(value("pearson_delta_pert", in),
                      Contains("input 'perturbed_mean' must be a vector [G] like 'observed' ([6]), got [2]"));
}

TEST_CASE("centroid_accuracy: the other observations farther than the own one, ties against", "[metrics]") {
  // The rank case: A' has B closer and C farther -> 1/2; B' has both
  // farther -> 1; C' has both closer -> 0.
  const std::vector<float> zero{0, 0};
  std::vector<sdk::MetricInput> inputs{input({0.9f, 0}, {0, 0}, zero), input({1, 0.1f}, {1, 0}, zero),
                                       input({1, 1}, {0, 3}, zero)};
  CHECK(metric("centroid_accuracy")->compute_all(inputs) == std::vector<double>{0.5, 1.0, 0.0});
  // Halfway between its own observation and another: rank counts it best,
  // centroid_accuracy does not.
  std::vector<sdk::MetricInput> tie{input({0.5f, 0}, {0, 0}, zero), input({1, 0}, {1, 0}, zero)};
  CHECK(metric("centroid_accuracy")->compute_all(tie)[0] == 0.0);
  CHECK(metric("rank")->compute_all(tie)[0] == 0.0);
  CHECK(std::isnan(metric("centroid_accuracy")->compute_all({inputs[0]})[0]));
}

TEST_CASE("discrimination_l1: L1 rank of the own effect with the target genes left out", "[metrics]") {
  // Observed A = [0,0,0], B = [1,0,0], C = [0,2,0] (control 0).
  // A' = [5,0,0], targets {0}: over genes 1, 2 d(A) = 0, d(B) = 0, d(C) = 2:
  //   none strictly closer -> 1 - 0/3 = 1. With gene 0: d(A) = 5, d(B) = 4 -> 1 - 1/3.
  // B' = [1,1.5,0], targets {1}: over genes 0, 2 d(B) = 0 -> 1.
  // C' = [0.9,0.5,0], targets {2}: d(C) = 0.9 + 1.5 = 2.4, d(A) = 1.4, d(B) = 0.6 -> 1 - 2/3.
  const std::vector<float> zero{0, 0, 0};
  std::vector<sdk::MetricInput> inputs{input({5, 0, 0}, {0, 0, 0}, zero), input({1, 1.5f, 0}, {1, 0, 0}, zero),
                                       input({0.9f, 0.5f, 0}, {0, 2, 0}, zero)};
  inputs[0].target_columns = {0};
  inputs[1].target_columns = {1};
  inputs[2].target_columns = {2};
  const auto values = metric("discrimination_l1")->compute_all(inputs);
  CHECK(values[0] == 1.0);
  CHECK(values[1] == 1.0);
  CHECK(values[2] == Approx(1.0 / 3));
  inputs[0].target_columns.clear();
  CHECK(metric("discrimination_l1")->compute_all(inputs)[0] == Approx(2.0 / 3));
  inputs[0].target_columns = {7};
  REQUIRE_THROWS_WITH(metric("discrimination_l1")->compute_all(inputs),
                      Contains("gene index 7 in the target columns is out of range (the profiles have 3 genes)"));
}

TEST_CASE("spread_ratio: how varied the predictions are next to the observations", "[metrics]") {
  // Observed A = [0,0], B = [3,0], C = [0,4]: A's distances 3 and 4 (sum 7),
  // B's 3 and 5 (8), C's 4 and 5 (9). Predictions at half the observations:
  // every distance halves -> 0.5 each. One profile for all -> 0.
  const std::vector<float> zero{0, 0};
  std::vector<sdk::MetricInput> inputs{input({0, 0}, {0, 0}, zero), input({1.5f, 0}, {3, 0}, zero),
                                       input({0, 2}, {0, 4}, zero)};
  CHECK(metric("spread_ratio")->compute_all(inputs) == std::vector<double>{0.5, 0.5, 0.5});
  // B' moved to [0, 0.5]: A' sees 0.5 and 2 (2.5 / 7), B' sees 0.5 and 1.5 (2 / 8), C' 2 and 1.5 (3.5 / 9).
  inputs[1].predicted = vec({0, 0.5f});
  const auto moved = metric("spread_ratio")->compute_all(inputs);
  CHECK(moved[0] == Approx(2.5 / 7));
  CHECK(moved[1] == Approx(2.0 / 8));
  CHECK(moved[2] == Approx(3.5 / 9));
  for (auto& in : inputs) in.predicted = vec({1, 1});
  CHECK(metric("spread_ratio")->compute_all(inputs) == std::vector<double>{0.0, 0.0, 0.0});
}

TEST_CASE("de_overlap: predicted vs observed DE genes at the observed number of significant genes", "[metrics]") {
  // six(): predicted |p - c| = [2, 1, 1, 1, 1, 0]; observed ranking 3, 5, 0, 1, 2, 4.
  // k = 2: predicted {0, 1} (ties by index), observed {3, 5} -> 0.
  // k = 3: predicted {0, 1, 2}, observed {3, 5, 0} -> 1/3. k = 6 -> 1.
  auto in = six();
  CHECK(std::isnan(value("de_overlap", in)));  // not tested
  in.de_significant = 0;
  CHECK(std::isnan(value("de_overlap", in)));  // no DE gene
  in.de_significant = 2;
  CHECK(value("de_overlap", in) == 0.0);
  in.de_significant = 3;
  CHECK(value("de_overlap", in) == Approx(1.0 / 3));
  in.de_significant = 6;
  CHECK(value("de_overlap", in) == 1.0);
}

TEST_CASE("distributional metrics: energy distance and MMD", "[metrics]") {
  // One gene; predicted cells X = {0, 1}, observed Y = {3, 4}.
  auto in = input({0}, {0}, {0});
  in.predicted_cells = at::tensor({0.f, 1.f}).view({2, 1});
  in.observed_cells = at::tensor({3.f, 4.f}).view({2, 1});
  // E: cross distances 3,4,2,3 -> mean 3; within X (i != j) 1; within Y 1 -> 2*3 - 1 - 1 = 4.
  CHECK(value("e_distance", in) == Approx(4.0));
  // MMD^2, gamma = 1: K(X,X) and K(Y,Y) each average {1, e^-1, e^-1, 1}; K(X,Y) averages
  // squared distances 9, 16, 4, 9 -> (2 + 2e^-1)/4 * 2 - 2 (2e^-9 + e^-16 + e^-4)/4. numpy:
  //   X = np.array([[0.],[1.]]); Y = np.array([[3.],[4.]])
  //   k = lambda A, B: np.exp(-g*((A[:,None,:]-B[None,:,:])**2).sum(-1)).mean()
  //   k(X,X) + k(Y,Y) - 2*k(X,Y)   # g = 1: 1.3585981556554012
  CHECK(value("mmd", in, {{"gamma", 1.0}}) == Approx(1.3585981556554012));
  CHECK(value("mmd", in, {{"gamma", 1.0}}) ==
        Approx(1 + std::exp(-1.0) - (2 * std::exp(-9.0) + std::exp(-16.0) + std::exp(-4.0)) / 2));
  // Median heuristic: pooled {0,1,3,4}, pair distances 1,1,2,3,3,4 -> median 2.5,
  // gamma = 1/(2*2.5^2) = 0.08; numpy gives 0.9342709216632213.
  CHECK(value("mmd", in) == Approx(0.9342709216632213));
  CHECK(value("mmd", in, {{"gamma", 0.08}}) == Approx(0.9342709216632213));

  // Subsampling to max_cells: rows of one value each side, so any subset gives
  // E = 2*1 - 0 - 0 = 2 and is the same on every call.
  in.predicted_cells = at::zeros({7, 1});
  in.observed_cells = at::ones({9, 1});
  CHECK(value("e_distance", in, {{"max_cells", 2}}) == Approx(2.0));
  // Distinct rows: a deterministic subset (same value twice), and a different
  // value from the full set.
  in.predicted_cells = at::arange(50, at::kFloat).view({50, 1});
  in.observed_cells = at::arange(50, at::kFloat).view({50, 1}) * 0.5;
  const double a = value("e_distance", in, {{"max_cells", 5}});
  CHECK(a == value("e_distance", in, {{"max_cells", 5}}));
  CHECK(a != Approx(value("e_distance", in)));

  in.observed_cells = at::ones({3, 2});
  REQUIRE_THROWS_WITH(value("mmd", in), Contains("predicted cells [50, 1] and observed cells must be "
                                                 "[n, G] with the same G (observed have 2 genes)"));
}

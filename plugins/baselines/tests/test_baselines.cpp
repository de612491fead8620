// The baseline predictors (plugins/baselines): values checked by hand or
// against a NumPy implementation of the reference formula, saving and
// loading, the shifted-control sampling, failure messages, and a fit on
// real Norman 2019 data.
#include <chrono>
#include <fstream>

#include <ATen/ATen.h>
#include "catch.hpp"
#include <nlohmann/json.hpp>

#include "fit_fixtures.hpp"
#include "support.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/data/screen_loader.hpp"
#include "trellis/io/readers.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/predictor.hpp"

using namespace trellis;
using Catch::Contains;
using nlohmann::json;

namespace {

std::unique_ptr<core::plugin::PluginHost> baselines_host() {
  auto host = std::make_unique<core::plugin::PluginHost>();
  host->add_search_path(TRELLIS_PLUGIN_BUILD_DIR, "build tree");
  host->load_search_path();
  return host;
}

std::shared_ptr<sdk::Predictor> make(const core::plugin::PluginHost& host, const std::string& name,
                                     const json& options = json::object()) {
  return host.create<sdk::Predictor>(name, options, "[model.predictor]");
}

sdk::Condition condition(const std::string& name, std::vector<std::string> genes, std::vector<std::int64_t> indices) {
  return sdk::Condition{name, std::move(genes), std::move(indices), sdk::PerturbationType::activation};
}

/// A screen with one cell per condition whose expression is that
/// condition's row of `means` (so every pseudobulk is exactly that row).
sdk::Screen one_cell_per_condition(const sdk::GeneTable& genes, const at::Tensor& means,
                                   std::vector<sdk::Condition> conditions) {
  sdk::Screen s;
  s.genes = &genes;
  std::vector<std::int64_t> indptr{0};
  std::vector<std::int32_t> indices;
  std::vector<float> values;
  const at::Tensor m = means.to(at::kFloat).contiguous();
  for (std::int64_t r = 0; r < m.size(0); ++r) {
    for (std::int64_t g = 0; g < m.size(1); ++g) {
      const float v = m[r][g].item<float>();
      if (v == 0.0f) continue;
      indices.push_back(static_cast<std::int32_t>(g));
      values.push_back(v);
    }
    indptr.push_back(static_cast<std::int64_t>(values.size()));
  }
  s.indptr = at::tensor(indptr, at::kLong);
  s.indices = at::tensor(indices, at::kInt);
  s.values = at::tensor(values, at::kFloat);
  s.conditions = std::move(conditions);
  s.cell_condition = at::arange(m.size(0), at::kLong);
  return s;
}

/// Universe G0..G5 (measured) and U (perturbed, not measured).
sdk::GeneTable six_genes() {
  sdk::GeneTable genes;
  for (const char* s : {"G0", "G1", "G2", "G3", "G4", "G5"}) {
    sdk::Gene g;
    g.symbol = s;
    g.measured = true;
    genes.add(g);
  }
  sdk::Gene u;
  u.symbol = "U";
  genes.add(u);
  return genes;
}

// The linear test screen: pseudobulk rows = conditions
//   0 ctrl, 1 G0, 2 G1, 3 G2, 4 G3, 5 G4, 6 U, 7 G0+G1, 8 G2+U
// (the same matrix as M in the NumPy script below).
at::Tensor linear_means() {
  return at::tensor({1.0, 2.0, 0.5, 3.0, 1.5, 0.2,  //
                     0.1, 2.5, 0.9, 2.0, 1.4, 0.6,  //
                     1.3, 0.4, 0.7, 3.5, 2.2, 0.1,  //
                     0.8, 2.1, 2.4, 1.9, 0.3, 1.0,  //
                     1.6, 1.1, 0.2, 0.5, 1.8, 0.9,  //
                     0.9, 2.8, 0.6, 2.7, 0.4, 2.3,  //
                     1.2, 1.7, 1.1, 3.3, 1.0, 0.4,  //
                     0.3, 0.6, 1.2, 2.4, 2.0, 0.5,  //
                     0.5, 1.9, 2.6, 2.2, 0.8, 1.7},
                    at::kFloat)
      .view({9, 6});
}

std::vector<sdk::Condition> linear_conditions() {
  return {condition("ctrl", {}, {}),           condition("G0", {"G0"}, {0}),
          condition("G1", {"G1"}, {1}),         condition("G2", {"G2"}, {2}),
          condition("G3", {"G3"}, {3}),         condition("G4", {"G4"}, {4}),
          condition("U", {"U"}, {6}),           condition("G0+G1", {"G0", "G1"}, {0, 1}),
          condition("G2+U", {"G2", "U"}, {2, 6})};
}

// The feature embedding F [universe = 7, 3] of the NumPy script.
at::Tensor linear_features() {
  return at::tensor({0.5, -1.0, 0.2, 1.5, 0.3, -0.4, -0.7, 0.8, 1.1, 0.2, 0.2, -1.3, 1.0, -0.6, 0.9,
                     -1.2, 0.4, 0.1, 0.6, 1.4, -0.5},
                    at::kFloat)
      .view({7, 3});
}

using TinyFit = test::ScreenFit;

}  // namespace

TEST_CASE("no_change and mean baselines on a hand-made screen", "[baselines]") {
  const auto host = baselines_host();
  const TinyFit tiny;
  const sdk::Screen& screen = tiny.screen;
  sdk::FitContext context = tiny.context({0, 1});  // P+ctrl is held out

  auto no_change = make(*host, "no_change");
  no_change->fit(context);
  const at::Tensor a = no_change->predict({screen.conditions[2]});
  CHECK(at::allclose(a, at::tensor({2.f, 0.f, 1.f}).view({1, 3})));

  // Mean delta of the training perturbations: G0 only, [0,4,2] - [2,0,1] = [-2,4,1].
  auto mean = make(*host, "mean");
  mean->fit(context);
  const at::Tensor b = mean->predict({screen.conditions[2], screen.conditions[1]});
  CHECK(at::allclose(b, at::tensor({0.f, 4.f, 2.f, 0.f, 4.f, 2.f}).view({2, 3})));

  context.train_conditions = {0, 1, 2};  // now also P: deltas [-2,4,1] and [1,1,1]
  mean->fit(context);
  CHECK(at::allclose(mean->predict({screen.conditions[0]}), at::tensor({1.5f, 2.5f, 2.f}).view({1, 3})));

  context.train_conditions = {0};
  REQUIRE_THROWS_WITH(mean->fit(context), Contains("needs at least one perturbed training condition"));
  // A failed fit leaves the predictor unfitted, not half-fitted.
  REQUIRE_THROWS_WITH(mean->predict({screen.conditions[0]}),
                      Contains("predict() called before fit() or load()"));

  // The host's pseudobulk and control mean take precedence over the screen's cells.
  sdk::FitContext given = context;
  given.train_conditions = {0, 1};
  given.control_mean = at::tensor({1.f, 1.f, 1.f});
  given.condition_means = at::tensor({1.f, 1.f, 1.f, 2.f, 3.f, 4.f, 9.f, 9.f, 9.f}).view({3, 3});
  no_change->fit(given);
  CHECK(at::allclose(no_change->predict({screen.conditions[2]}), at::tensor({1.f, 1.f, 1.f}).view({1, 3})));
  mean->fit(given);  // [1,1,1] + ([2,3,4] - [1,1,1])
  CHECK(at::allclose(mean->predict({screen.conditions[2]}), at::tensor({2.f, 3.f, 4.f}).view({1, 3})));
}

TEST_CASE("perturbed_mean weights every perturbed training cell equally", "[baselines]") {
  const auto host = baselines_host();
  const TinyFit tiny;
  const sdk::Screen& screen = tiny.screen;
  // Perturbed training cells: G0+ctrl [0,4,2]; P+ctrl [2,2,2] and [4,0,2].
  // Their mean is [6,6,6] / 3 = [2,2,2]; mean (each condition equally,
  // [0,4,2] and [3,1,2]) gives [1.5,2.5,2] instead.
  sdk::FitContext context = tiny.context({0, 1, 2});
  auto perturbed_mean = make(*host, "perturbed_mean");
  perturbed_mean->fit(context);
  CHECK(at::allclose(perturbed_mean->predict({screen.conditions[0], screen.conditions[1]}),
                     at::tensor({2.f, 2.f, 2.f, 2.f, 2.f, 2.f}).view({2, 3})));
  context.train_conditions = {0, 1};
  perturbed_mean->fit(context);
  CHECK(at::allclose(perturbed_mean->predict({screen.conditions[2]}), at::tensor({0.f, 4.f, 2.f}).view({1, 3})));
  context.train_conditions = {0};
  REQUIRE_THROWS_WITH(perturbed_mean->fit(context), Contains("needs at least one perturbed training cell"));
}

TEST_CASE("additive baseline: control plus the training singles' deltas", "[baselines]") {
  const auto host = baselines_host();
  const TinyFit tiny;
  const sdk::Screen& screen = tiny.screen;
  sdk::FitContext context = tiny.context({0, 1, 2});
  auto additive = make(*host, "additive");
  additive->fit(context);

  // control [2,0,1]; delta(G0) = [0,4,2]-[2,0,1] = [-2,4,1]; delta(P) = [3,1,2]-[2,0,1] = [1,1,1].
  const std::vector<sdk::Condition> asked{
      condition("G0+P", {"G0", "P"}, {0, 3}),   // [2,0,1]+[-2,4,1]+[1,1,1] = [1,5,3]
      condition("G0+G2", {"G0", "G2"}, {0, 2}), // G2 has no single: [2,0,1]+[-2,4,1] = [0,4,2]
      condition("G2", {"G2"}, {2}),             // no part at all: the control [2,0,1]
      condition("G0", {"G0"}, {0}),             // its own single: observed mean [0,4,2]
      condition("ctrl", {}, {})};               // [2,0,1]
  CHECK(at::allclose(additive->predict(asked),
                     at::tensor({1.f, 5.f, 3.f, 0.f, 4.f, 2.f, 2.f, 0.f, 1.f, 0.f, 4.f, 2.f, 2.f, 0.f, 1.f}).view({5, 3})));

  // Only training singles count: P in validation is not used.
  context.train_conditions = {0, 1};
  context.val_conditions = {2};
  additive->fit(context);
  CHECK(at::allclose(additive->predict({asked[0], screen.conditions[2]}),
                     at::tensor({0.f, 4.f, 2.f, 2.f, 0.f, 1.f}).view({2, 3})));

  // Two labels of the same single are averaged; combinations in training are
  // not used. Means given by the host (rows = conditions):
  //   ctrl [2,0,1], G0 [0,4,2], P [3,1,2], ctrl+G0 [2,2,2], G0+P [9,9,9]
  // delta(G0) = ([-2,4,1] + [0,2,1]) / 2 = [-1,3,1]; delta(P) = [1,1,1]
  // G0+P -> [2,0,1] + [-1,3,1] + [1,1,1] = [2,4,3]; G0 -> [1,3,2].
  sdk::Screen five = screen;
  five.conditions.push_back(condition("ctrl+G0", {"G0"}, {0}));
  five.conditions.push_back(condition("G0+P", {"G0", "P"}, {0, 3}));
  sdk::FitContext given;
  given.genes = &tiny.genes;
  given.screen = &five;
  given.train_conditions = {0, 1, 2, 3, 4};
  given.condition_means = at::tensor({2.f, 0.f, 1.f, 0.f, 4.f, 2.f, 3.f, 1.f, 2.f, 2.f, 2.f, 2.f, 9.f, 9.f, 9.f}).view({5, 3});
  additive->fit(given);
  CHECK(at::allclose(additive->predict({asked[0], asked[3]}), at::tensor({2.f, 4.f, 3.f, 1.f, 3.f, 2.f}).view({2, 3})));
}

TEST_CASE("linear baseline matches the reference formula (PCA and feature embeddings)", "[baselines]") {
  // Expected values from a NumPy implementation of the reference R code
  // (run_linear_pretrained_model.R: prcomp on the training pseudobulk with the
  // control, solve_y_axb with both ridges = 0.1, pred = A K P + center +
  // baseline), run once with /usr/bin/python3:
  //
  //   import numpy as np
  //   genes_of = [[], [0], [1], [2], [3], [4], [6], [0, 1], [2, 6]]
  //   M = <linear_means() above, 9 x 6>
  //   train = [0, 1, 2, 3, 7, 6]; lam = 0.1; ctrl = M[0]
  //   def fit_predict(table, has):  # table [universe, d]
  //       A = table[:6]
  //       cols = [c for c in train if c == 0 or any(has[g] for g in genes_of[c])]
  //       Y = M[cols].T - ctrl[:, None]
  //       B = np.stack([sum((table[g] for g in genes_of[c] if has[g]), np.zeros(table.shape[1])) for c in cols], 1)
  //       center = Y.mean(1); Yc = Y - center[:, None]; d = A.shape[1]
  //       K = np.linalg.inv(A.T @ A + lam * np.eye(d)) @ A.T @ Yc @ B.T @ np.linalg.inv(B @ B.T + lam * np.eye(d))
  //       Ball = np.stack([sum((table[g] for g in genes_of[c] if has[g]), np.zeros(d)) for c in range(9)], 1)
  //       return (A @ K @ Ball + center[:, None] + ctrl[:, None]).T
  //   X = M[train].T; Xc = X - X.mean(0)
  //   U, S, Vt = np.linalg.svd(Xc, full_matrices=False); scores = U[:, :2] * S[:2]
  //   print(fit_predict(np.vstack([scores, np.zeros((1, 2))]), [True] * 6 + [False]))
  //   F = <linear_features() above>; print(fit_predict(F, [True] * 7))
  const at::Tensor pca_expected = at::tensor(
      {0.7,      1.52,      1.14,     2.56,     1.48,     0.48,       //
       0.471477, 2.397598,  1.609985, 1.878613, 0.723704, 0.798622,   //
       1.018179, 0.575334,  0.707141, 3.031986, 2.247048, 0.300312,   //
       0.723009, 1.653154,  1.26967,  2.247698, 1.327661, 0.658807,   //
       0.980566, -0.034191, 0.182074, 4.216327, 2.900266, -0.365043,  //
       0.520729, 1.922493,  1.280208, 2.517198, 1.181666, 0.457707,   //
       0.7,      1.52,      1.14,     2.56,     1.48,     0.48,       //
       0.789656, 1.452933,  1.177126, 2.350599, 1.490752, 0.618935,   //
       0.723009, 1.653154,  1.26967,  2.247698, 1.327661, 0.658807},
      at::kFloat).view({9, 6});
  const at::Tensor feature_expected = at::tensor(
      {0.783333, 1.55,     1.133333,  2.683333, 1.4,      0.466667,  //
       0.71496,  1.563617, 1.446745,  2.438296, 1.554647, 0.492595,  //
       1.123131, 1.168914, 0.831106,  2.645762, 1.422862, 0.501692,  //
       0.086015, 1.550898, 2.092396,  2.421589, 1.173507, 0.863932,  //
       1.549025, 1.535485, -0.13914,  3.190115, 1.471846, 0.043473,  //
       0.34246,  1.354453, 2.137048,  2.120492, 1.452605, 0.828825,  //
       1.102885, 1.231637, 0.577348,  2.919767, 1.234456, 0.481105,  //
       1.054758, 1.182532, 1.144518,  2.400725, 1.577509, 0.52762,   //
       0.405567, 1.232535, 1.536411,  2.658023, 1.007964, 0.878371},
      at::kFloat).view({9, 6});

  const auto host = baselines_host();
  const sdk::GeneTable genes = six_genes();
  const sdk::Screen screen = one_cell_per_condition(genes, linear_means(), linear_conditions());
  sdk::FitContext context;
  context.genes = &genes;
  context.screen = &screen;
  context.train_conditions = {0, 1, 2, 3, 7, 6};
  context.val_conditions = {4};

  SECTION("PCA embedding (U has none and is left out of training)") {
    auto linear = make(*host, "linear", json{{"dimension", 2}});
    CHECK(linear->requirements().features.empty());
    linear->fit(context);
    CHECK(at::allclose(linear->predict(screen.conditions), pca_expected, 1e-4, 1e-5));
    // Same from the host's pseudobulk instead of the cells.
    context.condition_means = linear_means();
    context.control_mean = linear_means()[0];
    linear->fit(context);
    CHECK(at::allclose(linear->predict(screen.conditions), pca_expected, 1e-4, 1e-5));
    // Deterministic: a second fit gives the same bits.
    const at::Tensor first = linear->predict(screen.conditions);
    linear->fit(context);
    CHECK(at::equal(linear->predict(screen.conditions), first));
  }
  SECTION("feature embedding covers the unmeasured gene") {
    auto linear = make(*host, "linear", json{{"features", "emb"}});
    CHECK(linear->requirements().features == std::vector<std::string>{"emb"});
    context.features["emb"] = linear_features();
    linear->fit(context);
    CHECK(at::allclose(linear->predict(screen.conditions), feature_expected, 1e-4, 1e-5));
  }
}

TEST_CASE("linear baseline failures name the problem", "[baselines]") {
  const auto host = baselines_host();
  const sdk::GeneTable genes = six_genes();
  const sdk::Screen screen = one_cell_per_condition(genes, linear_means(), linear_conditions());
  sdk::FitContext context;
  context.genes = &genes;
  context.screen = &screen;
  context.train_conditions = {0, 1, 2, 3, 7, 6};

  auto missing = make(*host, "linear", json{{"features", "emb"}});
  REQUIRE_THROWS_WITH(missing->fit(context),
                      Contains("feature 'emb' is not built; available: none; declare it under [model.encoders.emb]"));
  context.features["emb"] = at::zeros({5, 3});
  REQUIRE_THROWS_WITH(missing->fit(context),
                      Contains("feature 'emb' must be [universe genes = 7, d], got 2 dimensions with 5 rows"));

  // 6 genes x 6 training columns (control included): at most 6 components.
  auto too_wide = make(*host, "linear", json{{"dimension", 7}});
  REQUIRE_THROWS_WITH(too_wide->fit(context),
                      Contains("option 'dimension' = 7 is larger than possible") && Contains("at most 6 components"));
  REQUIRE_THROWS_WITH(make(*host, "linear", json{{"dimension", 0}}),
                      Contains("[model.predictor] (predictor/linear): option 'dimension' must be at least 1, got 0"));
  REQUIRE_THROWS_WITH(make(*host, "linear", json{{"ridge", -1.0}}),
                      Contains("[model.predictor] (predictor/linear): option 'ridge' must be at least 0, got -1.0"));

  // With PCA only measured genes have an embedding: U alone cannot train K.
  // The fit falls back to control + the mean training delta (here U's own
  // delta, so every prediction is U's observed mean) and warns.
  context.train_conditions = {0, 6};
  std::vector<std::string> warnings;
  sdk::set_log_sink([&](sdk::LogLevel level, const std::string& m) {
    if (level == sdk::LogLevel::warning) warnings.push_back(m);
  });
  auto pca = make(*host, "linear", json{{"dimension", 1}});
  pca->fit(context);
  sdk::set_log_sink({});
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Contains("none of the 1 perturbed training conditions has a perturbed gene with an "
                                   "embedding") &&
                              Contains("set option 'features'") && Contains("mean training delta"));
  const at::Tensor predicted = pca->predict({screen.conditions[1], screen.conditions[6]});
  const at::Tensor expected = screen.mean_of(6);
  CHECK(at::allclose(predicted[0], expected, 1e-5, 1e-6));
  CHECK(at::allclose(predicted[1], expected, 1e-5, 1e-6));
}

TEST_CASE("baselines save, load and predict the same; loading checks the file", "[baselines]") {
  const auto host = baselines_host();
  const test::TempDir dir;
  const sdk::GeneTable genes = six_genes();
  const sdk::Screen screen = one_cell_per_condition(genes, linear_means(), linear_conditions());
  sdk::FitContext context;
  context.genes = &genes;
  context.screen = &screen;
  context.train_conditions = {0, 1, 2, 3, 7, 6};
  context.features["emb"] = linear_features();

  const std::vector<std::pair<std::string, json>> kinds{{"no_change", json::object()},
                                                        {"mean", json::object()},
                                                        {"perturbed_mean", json::object()},
                                                        {"additive", json::object()},
                                                        {"linear", json{{"dimension", 3}}},
                                                        {"linear", json{{"features", "emb"}}}};
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    const auto& [name, options] = kinds[i];
    INFO(name << " " << options.dump());
    auto fitted = make(*host, name, options);
    const std::string file = (dir.path() / ("state" + std::to_string(i) + ".pt")).string();
    REQUIRE_THROWS_WITH(fitted->predict(screen.conditions), Contains("predict() called before fit() or load()"));
    REQUIRE_THROWS_WITH(fitted->save(file), Contains("predict() called before fit() or load()"));
    fitted->fit(context);
    fitted->save(file);
    CHECK_FALSE(std::filesystem::exists(file + ".tmp"));
    auto loaded = make(*host, name, options);
    sdk::FitContext fresh;  // built as for fit(), without the features: the state has them
    fresh.genes = &genes;
    fresh.screen = &screen;
    loaded->load(file, fresh);
    CHECK(at::equal(loaded->predict(screen.conditions), fitted->predict(screen.conditions)));
  }

  auto additive = make(*host, "additive");
  sdk::FitContext fresh;
  fresh.screen = &screen;
  REQUIRE_THROWS_WITH(additive->load((dir.path() / "absent.pt").string(), fresh),
                      Contains("model state '") && Contains("absent.pt' does not exist"));
  const auto corrupt = dir.write("corrupt.pt", "not a torch archive");
  REQUIRE_THROWS_WITH(additive->load(corrupt.string(), fresh),
                      Contains("cannot read model state '" + corrupt.string() + "' (not a saved model, or damaged)"));
  REQUIRE_THROWS_WITH(additive->load((dir.path() / "state4.pt").string(), fresh),
                      Contains("holds the state of predictor/linear, not of predictor/additive"));
  REQUIRE_THROWS_WITH(additive->predict(screen.conditions), Contains("predict() called before fit() or load()"));
  // A state fitted on 6 genes does not load against a 3-gene screen.
  const sdk::GeneTable tiny_genes = test::tiny_genes();
  const sdk::Screen tiny = test::tiny_screen(tiny_genes);
  fresh.screen = &tiny;
  REQUIRE_THROWS_WITH(additive->load((dir.path() / "state3.pt").string(), fresh),
                      Contains("has 6 genes but the screen has 3"));
}

TEST_CASE("baseline sampling is shifted control cells", "[baselines]") {
  const auto host = baselines_host();
  const TinyFit tiny;
  const sdk::Screen& screen = tiny.screen;
  sdk::FitContext context = tiny.context({0, 1, 2});
  auto additive = make(*host, "additive");
  REQUIRE_THROWS_WITH(additive->sample({screen.conditions[1]}, 3, 0),
                      Contains("predict() called before fit() or load()"));
  additive->fit(context);

  // G0+P is predicted [1,5,3] (see the additive test): shift = [1,5,3] - [2,0,1] = [-1,5,2].
  // The control cells [1,0,2] and [3,0,0] become [0,5,4] and [2,5,2].
  const sdk::Condition g0p = condition("G0+P", {"G0", "P"}, {0, 3});
  const at::Tensor first = at::tensor({0.f, 5.f, 4.f});
  const at::Tensor second = at::tensor({2.f, 5.f, 2.f});

  // Two cells from two control cells: without replacement, each once.
  const auto two = additive->sample({g0p, screen.conditions[0]}, 2, 11);
  REQUIRE(two.size() == 2);
  REQUIRE(two[0].sizes() == at::IntArrayRef({2, 3}));
  CHECK(at::allclose(two[0].sum(0), first + second));
  CHECK(at::allclose(two[1].sum(0), at::tensor({4.f, 0.f, 2.f})));  // the control cells themselves

  // More cells than control cells: drawn with replacement; every row is one of the two.
  const auto five = additive->sample({g0p}, 5, 3);
  REQUIRE(five[0].sizes() == at::IntArrayRef({5, 3}));
  for (std::int64_t r = 0; r < 5; ++r) CHECK((at::equal(five[0][r], first) || at::equal(five[0][r], second)));
  CHECK(at::equal(additive->sample({g0p}, 5, 3)[0], five[0]));  // same seed, same cells
  // Another seed draws other cells (20 draws from 2 cells coincide with probability 2^-20).
  CHECK_FALSE(at::equal(additive->sample({g0p}, 20, 4)[0], additive->sample({g0p}, 20, 3)[0]));

  // Many cells: the mean approaches the prediction (cell sd 1 per gene, so
  // the mean of 20000 is within 0.05 with overwhelming probability).
  const auto many = additive->sample({g0p}, 20000, 5);
  CHECK(at::allclose(many[0].mean(0), at::tensor({1.f, 5.f, 3.f}), 0.0, 0.05));

  REQUIRE_THROWS_WITH(additive->sample({g0p}, 0, 1), Contains("sample() needs at least one cell per condition, got 0"));
}

TEST_CASE("additive and linear baselines fit Norman19 in well under a few seconds", "[baselines]") {
  TRELLIS_REQUIRE_DATA(data);
  auto readers = std::make_unique<core::plugin::PluginHost>();
  readers->add_builtin("builtin", "built-in readers", &core::io::register_readers);
  const json config{{"name", "norman19"},
                    {"path", (data / "perturbseq/norman19_mcfaline23_subset.h5ad").string()},
                    {"condition_column", "perturbation"},
                    {"control_label", "control"},
                    {"perturbation_type_column", "perturbation_type"},
                    {"select", {{"dataset", "norman19"}}}};
  const auto loaded = core::data::load_screen(core::data::parse_data_config(config), *readers);
  const sdk::Screen& screen = loaded.data->screen;
  const auto index = [&](const std::string& name) {
    const auto found = screen.find_condition(name);
    REQUIRE(found);
    return *found;
  };
  const std::int64_t held_out = index("KLF1+MAP2K6");
  sdk::FitContext context;
  context.genes = &loaded.data->genes;
  context.screen = &screen;
  for (std::int64_t c = 0; c < static_cast<std::int64_t>(screen.conditions.size()); ++c)
    if (c != held_out) context.train_conditions.push_back(c);

  const auto host = baselines_host();
  for (const std::string name : {"additive", "linear"}) {
    auto predictor = make(*host, name);
    const auto start = std::chrono::steady_clock::now();
    predictor->fit(context);
    const at::Tensor predicted = predictor->predict(screen.conditions);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(name << " took " << seconds << " s");
    CHECK(seconds < 2.0);
    CHECK(predicted.sizes() == at::IntArrayRef({static_cast<std::int64_t>(screen.conditions.size()), 500}));
    CHECK(at::isfinite(predicted).all().item<bool>());
    if (name == "additive") {
      // KLF1+MAP2K6 is held out; both singles are in training.
      const at::Tensor control = screen.mean_of(screen.control_index());
      const at::Tensor expected = control + (screen.mean_of(index("KLF1")) - control) +
                                  (screen.mean_of(index("MAP2K6")) - control);
      CHECK(at::allclose(predicted[held_out], expected, 1e-5, 1e-5));
    }
  }
}

TEST_CASE("baselines with cell contexts: each context's control, mean and singles", "[baselines][contexts]") {
  // test::two_context_screen: ctrl@A [2,0,1], P@A [3,1,2]; ctrl@B [1,2,1],
  // P@B [2,3,2], G0@B [0,5,2] (changes [1,1,1], [1,1,1], [-1,3,1]).
  const auto host = baselines_host();
  const sdk::GeneTable genes = test::tiny_genes();
  const sdk::Screen screen = test::two_context_screen(genes);
  sdk::FitContext context;
  context.genes = &genes;
  context.screen = &screen;
  context.train_conditions = {1, 3, 4};
  const auto& c = screen.conditions;
  auto rows = [](std::vector<float> v) { return at::tensor(v).view({-1, 3}); };

  auto no_change = make(*host, "no_change");
  no_change->fit(context);
  CHECK(at::allclose(no_change->predict({c[1], c[4]}), rows({2, 0, 1, 1, 2, 1})));
  // mean: A's control + [1,1,1]; B's control + ([1,1,1] + [-1,3,1]) / 2.
  auto mean = make(*host, "mean");
  mean->fit(context);
  CHECK(at::allclose(mean->predict({c[1], c[4]}), rows({3, 1, 2, 1, 4, 2})));
  auto perturbed_mean = make(*host, "perturbed_mean");  // two cells each: the same here
  perturbed_mean->fit(context);
  CHECK(at::allclose(perturbed_mean->predict({c[1], c[4]}), rows({3, 1, 2, 1, 4, 2})));

  // P@A held out (covariate transfer): A has no training perturbation, so
  // mean borrows the mean change over all contexts, [0,2,1]; additive
  // borrows P's change in B, [1,1,1], and G0's, [-1,3,1].
  context.train_conditions = {3, 4};
  mean->fit(context);
  CHECK(at::allclose(mean->predict({c[1]}), rows({2, 2, 2})));
  auto additive = make(*host, "additive");
  additive->fit(context);
  sdk::Condition combo_a{"G0+P@A", {"G0", "P"}, {0, 3}, sdk::PerturbationType::knockdown, "A"};
  sdk::Condition combo_b{"G0+P@B", {"G0", "P"}, {0, 3}, sdk::PerturbationType::knockdown, "B"};
  CHECK(at::allclose(additive->predict({c[1], combo_a, combo_b}), rows({3, 1, 2, 2, 4, 3, 1, 6, 3})));

  // linear: K is shared, so the same perturbation differs between contexts
  // by the difference of their controls, [1,-2,0].
  auto linear = make(*host, "linear", json{{"dimension", 1}});
  context.train_conditions = {1, 3, 4};
  linear->fit(context);
  const at::Tensor both = linear->predict({c[1], c[3]});
  CHECK(at::allclose(both[0] - both[1], at::tensor({1.f, -2.f, 0.f}), 1e-5, 1e-5));

  // Sampling draws the control cells of the condition's own context.
  const auto cells = mean->sample({c[4]}, 2, 7);
  const at::Tensor unshifted = cells[0] - at::tensor({0.f, 2.f, 1.f});  // minus B's mean change
  for (std::int64_t r = 0; r < 2; ++r) {
    const auto v = unshifted[r];
    const bool b_control = at::allclose(v, at::tensor({0.f, 2.f, 2.f})) || at::allclose(v, at::tensor({2.f, 2.f, 0.f}));
    CHECK(b_control);
  }

  // Saved and loaded with their contexts.
  test::TempDir dir;
  const std::string file = (dir.path() / "additive.pt").string();
  context.train_conditions = {3, 4};
  additive->fit(context);
  additive->save(file);
  auto loaded = make(*host, "additive");
  loaded->load(file, context);
  CHECK(at::equal(loaded->predict({c[1], combo_a}), additive->predict({c[1], combo_a})));
  sdk::Condition elsewhere{"P@C", {"P"}, {3}, sdk::PerturbationType::knockdown, "C"};
  REQUIRE_THROWS_WITH(loaded->predict({elsewhere}), Contains("context 'C' is not one the model was fitted on (A, B)"));
}

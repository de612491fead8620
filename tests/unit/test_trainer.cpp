// The training loop (core/train): [train] settings, batches in both modes,
// learning a known additive effect, determinism, early stopping, checkpoints,
// resume, and its failure messages.
#include <cmath>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>
#include <map>
#include <fstream>
#include <set>

#include <ATen/ATen.h>
#include <torch/torch.h>
#include "catch.hpp"
#include <nlohmann/json.hpp>

#include "fixtures.hpp"
#include "support.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/train/batches.hpp"
#include "trellis/train/step_profile.hpp"
#include "trellis/train/trainer.hpp"

using namespace trellis;
using Catch::Contains;
using nlohmann::json;
namespace tr = trellis::core::train;

namespace {

// A screen with a known additive effect. Universe G0, G1, G2 (measured), P.
// Four control cells (mean [2, 1, 1]); each perturbed condition's cells are
// the control cells plus its true delta, so its mean is control mean + delta:
//   G0:   d = [-1, 1, 0.5]
//   P:    d = [0.5, 1, -0.5]
//   G0+P: d = [-0.5, 2, 0]      (the sum)
// Conditions: 0 ctrl, 1 G0, 2 P, 3 G0+P; cells 0-3, 4-7, 8-11, 12-15.
const std::vector<std::vector<float>> kControls = {{2, 1, 1}, {2.5f, 1, 1.5f}, {1.5f, 1.5f, 1}, {2, 0.5f, 0.5f}};
const std::vector<float> kDeltaG0 = {-1, 1, 0.5f};
const std::vector<float> kDeltaP = {0.5f, 1, -0.5f};

struct Data {
  sdk::GeneTable genes;
  sdk::Screen screen;
};

// CSR from dense rows, zeros not stored.
void set_expression(sdk::Screen& s, const std::vector<std::vector<float>>& rows) {
  std::vector<std::int64_t> indptr{0};
  std::vector<std::int32_t> indices;
  std::vector<float> values;
  for (const auto& row : rows) {
    for (std::size_t g = 0; g < row.size(); ++g)
      if (row[g] != 0) {
        indices.push_back(static_cast<std::int32_t>(g));
        values.push_back(row[g]);
      }
    indptr.push_back(static_cast<std::int64_t>(values.size()));
  }
  s.indptr = at::tensor(indptr, at::kLong);
  s.indices = at::tensor(indices, at::kInt);
  s.values = at::tensor(values, at::kFloat);
}

std::unique_ptr<Data> additive_data() {
  auto d = std::make_unique<Data>();
  d->genes = test::tiny_genes();
  d->screen.genes = &d->genes;
  const auto ko = sdk::PerturbationType::knockout;
  d->screen.conditions = {sdk::Condition{"ctrl", {}, {}, ko}, sdk::Condition{"G0", {"G0"}, {0}, ko},
                          sdk::Condition{"P", {"P"}, {3}, ko}, sdk::Condition{"G0+P", {"G0", "P"}, {0, 3}, ko}};
  std::vector<std::vector<float>> rows;
  std::vector<std::int64_t> cond;
  const std::vector<std::vector<float>> deltas = {
      {0, 0, 0}, kDeltaG0, kDeltaP, {kDeltaG0[0] + kDeltaP[0], kDeltaG0[1] + kDeltaP[1], kDeltaG0[2] + kDeltaP[2]}};
  for (std::size_t c = 0; c < deltas.size(); ++c)
    for (const auto& base : kControls) {
      rows.push_back({base[0] + deltas[c][0], base[1] + deltas[c][1], base[2] + deltas[c][2]});
      cond.push_back(static_cast<std::int64_t>(c));
    }
  set_expression(d->screen, rows);
  d->screen.cell_condition = at::tensor(cond, at::kLong);
  return d;
}

// target ≈ control + sum over perturbed genes of a learnt per-gene delta.
class DeltaModel : public sdk::NeuralPredictor {
 public:
  explicit DeltaModel(sdk::BatchMode mode = sdk::BatchMode::cell_pairs, std::string name = "delta",
                      std::int64_t extra_columns = 0)
      : mode_(mode), name_(std::move(name)), extra_(extra_columns) {}
  void prepare(sdk::FitContext& c) override {
    delta = register_parameter(name_, torch::randn({c.genes->size(), c.screen->num_genes() + extra_}) * 0.1);
    if (with_bias) bias = register_parameter("bias", torch::zeros({c.screen->num_genes()}));
  }
  at::Tensor forward(const sdk::Batch& b) override {
    if (on_forward) on_forward(b);
    const at::Tensor rows = delta.index_select(0, b.perturbed_gene);
    return b.control + at::zeros_like(b.control).index_add(0, b.perturbed_row, rows);
  }
  at::Tensor loss(const at::Tensor& predicted, const sdk::Batch& b) override {
    if (nan_loss) return (predicted - b.target).pow(2).mean() * std::nan("");
    return (predicted - b.target).pow(2).mean();
  }
  sdk::BatchMode batch_mode() const override { return mode_; }

  at::Tensor delta;
  at::Tensor bias;         // registered (unused) when with_bias is set
  bool with_bias = false;
  std::function<void(const sdk::Batch&)> on_forward;
  bool nan_loss = false;

 private:
  sdk::BatchMode mode_;
  std::string name_;
  std::int64_t extra_;
};

sdk::FitContext context_for(const Data& d, std::vector<std::int64_t> train, std::vector<std::int64_t> val = {}) {
  sdk::FitContext c;
  c.genes = &d.genes;
  c.screen = &d.screen;
  c.train_conditions = std::move(train);
  c.val_conditions = std::move(val);
  return c;
}

sdk::TrainingSettings quiet_settings() {
  sdk::TrainingSettings s;
  s.weight_decay = 0;
  s.clip_norm = 0;
  s.schedule = "none";
  s.learning_rate = 0.05;
  s.batch_size = 4;
  return s;
}

// Fits `model` with seeded torch init, as the host does.
template <class Model>
tr::TrainingReport fit(Model& model, sdk::FitContext& context, tr::TrainerOptions options) {
  torch::manual_seed(options.seed);
  tr::Trainer trainer(context, std::move(options));
  context.trainer = &trainer;
  model.fit(context);
  context.trainer = nullptr;
  return trainer.report();
}

std::vector<float> row(const at::Tensor& t, std::int64_t r) {
  const at::Tensor x = t[r].contiguous();
  return std::vector<float>(x.data_ptr<float>(), x.data_ptr<float>() + x.numel());
}

std::string util_read(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The hand-made tiny screen's cells (tests/fixtures.hpp) by id.
const std::vector<std::vector<float>> kTinyCells = {{1, 0, 2}, {3, 0, 0}, {0, 4, 2}, {2, 2, 2}, {4, 0, 2}};

}  // namespace

TEST_CASE("[train] settings override the model's defaults key by key", "[trainer]") {
  sdk::TrainingSettings defaults;
  defaults.epochs = 7;
  const auto s = tr::resolve_settings(defaults, json{{"batch_size", 4}, {"optimizer", "adamw"}, {"gamma", 1}},
                                      "[train]");
  CHECK(s.epochs == 7);
  CHECK(s.batch_size == 4);
  CHECK(s.optimizer == "adamw");
  CHECK(s.gamma == 1.0);
  CHECK(s.schedule == "step");  // the SDK default
  // to_json then back gives the same settings.
  const auto again = tr::resolve_settings({}, tr::to_json(s), "[train]");
  CHECK(tr::to_json(again) == tr::to_json(s));
  CHECK(tr::to_json(s).size() == 12);
}

TEST_CASE("[train] errors name the key and what is allowed", "[trainer]") {
  const auto fails = [](const json& table) { return tr::resolve_settings({}, table, "[train]"); };
  CHECK_THROWS_WITH(fails(json{{"epoch", 3}}),
                    Contains("[train]: unknown option 'epoch'. Did you mean 'epochs'?"));
  // Each declared constraint, message checked whole.
  const auto message = [&](const json& table) {
    try {
      fails(table);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message({{"optimizer", "sgd"}}) == "[train]: option 'optimizer' must be one of \"adam\", \"adamw\", got \"sgd\"");
  CHECK(message({{"optimizer", "adamx"}}) ==
        "[train]: option 'optimizer' must be one of \"adam\", \"adamw\", got \"adamx\" (did you mean \"adam\"?)");
  CHECK(message({{"schedule", "linear"}}) ==
        "[train]: option 'schedule' must be one of \"none\", \"step\", \"cosine\", got \"linear\"");
  CHECK(message({{"epochs", 0}}) == "[train]: option 'epochs' must be at least 1, got 0");
  CHECK(message({{"batch_size", -2}}) == "[train]: option 'batch_size' must be at least 1, got -2");
  CHECK(message({{"learning_rate", -0.1}}) == "[train]: option 'learning_rate' must be greater than 0, got -0.1");
  CHECK(message({{"learning_rate", 0}}) == "[train]: option 'learning_rate' must be greater than 0, got 0");
  CHECK(message({{"weight_decay", -1}}) == "[train]: option 'weight_decay' must be at least 0, got -1");
  CHECK(message({{"step_size", 0}}) == "[train]: option 'step_size' must be at least 1, got 0");
  CHECK(message({{"gamma", 0}}) == "[train]: option 'gamma' must be greater than 0, got 0");
  CHECK(message({{"clip_norm", -1}}) == "[train]: option 'clip_norm' must be at least 0, got -1");
  CHECK(message({{"patience", -1}}) == "[train]: option 'patience' must be at least 0, got -1");
  CHECK(message({{"max_cells_per_condition", -5}}) ==
        "[train]: option 'max_cells_per_condition' must be at least 0, got -5");
  CHECK(message({{"early_stopping_metric", ""}}) ==
        "[train]: option 'early_stopping_metric' must name a metric, e.g. \"mse_de\", got \"\"");
  CHECK_THROWS_WITH(fails(json{{"epochs", "ten"}}), Contains("[train]: option 'epochs' must be an integer"));
  // A bad default from the model says so; a value the user sets replaces it.
  sdk::TrainingSettings bad;
  bad.schedule = "exp";
  CHECK_THROWS_WITH(tr::resolve_settings(bad, json::object(), "[train]"),
                    Contains("[train] (the model's default; set it there to override it): option 'schedule' must be "
                             "one of \"none\", \"step\", \"cosine\", got \"exp\""));
  CHECK(tr::resolve_settings(bad, json{{"schedule", "none"}}, "[train]").schedule == "none");
}

TEST_CASE("per-step learning rates: linear warm-up, then cosine over every step", "[trainer]") {
  sdk::TrainingSettings s;
  s.learning_rate = 1;
  s.schedule = "cosine";
  // 4 warm-up steps of 10: step 0 -> 1/4 * (1 + cos 0) / 2 = 0.25; step 3 ->
  // (1 + cos(0.3 pi)) / 2 = 0.7938926; step 9 -> (1 + cos(0.9 pi)) / 2 = 0.0244717.
  CHECK(tr::learning_rate_at_step(s, 4, 0, 10) == Approx(0.25));
  CHECK(tr::learning_rate_at_step(s, 4, 3, 10) == Approx(0.7938926));
  CHECK(tr::learning_rate_at_step(s, 4, 9, 10) == Approx(0.0244717));
  s.schedule = "none";
  CHECK(tr::learning_rate_at_step(s, 4, 1, 10) == Approx(0.5));
  CHECK(tr::learning_rate_at_step(s, 0, 1, 10) == Approx(1.0));
}

TEST_CASE("learning-rate schedules are functions of the epoch", "[trainer]") {
  sdk::TrainingSettings s;
  s.learning_rate = 1;
  s.schedule = "step";
  s.step_size = 2;
  s.gamma = 0.5;
  // By hand: 1, 1, 0.5, 0.5, 0.25.
  CHECK(tr::learning_rate_at(s, 1) == 1.0);
  CHECK(tr::learning_rate_at(s, 2) == 1.0);
  CHECK(tr::learning_rate_at(s, 3) == 0.5);
  CHECK(tr::learning_rate_at(s, 5) == 0.25);
  s.schedule = "cosine";
  s.epochs = 4;
  // (1 + cos(pi (e-1) / 4)) / 2: 1, 0.8535534, 0.5, 0.1464466.
  CHECK(tr::learning_rate_at(s, 1) == Approx(1.0));
  CHECK(tr::learning_rate_at(s, 2) == Approx(0.8535534));
  CHECK(tr::learning_rate_at(s, 3) == Approx(0.5));
  CHECK(tr::learning_rate_at(s, 4) == Approx(0.1464466));
  s.schedule = "none";
  CHECK(tr::learning_rate_at(s, 9) == 1.0);
}

TEST_CASE("cell_pairs batches: the cell's expression, a control cell, its perturbed genes", "[trainer]") {
  const sdk::GeneTable genes = test::tiny_genes();
  const sdk::Screen screen = test::tiny_screen(genes);
  sdk::FitContext c;
  c.genes = &genes;
  c.screen = &screen;
  c.train_conditions = {1, 2};  // G0+ctrl (cell 2), P+ctrl (cells 3, 4)
  c.val_conditions = {0};
  tr::BatchSource source(c, sdk::BatchMode::cell_pairs, 2, 0);
  std::mt19937_64 rng(4);
  for (int epoch = 0; epoch < 3; ++epoch) {
    source.plan_epoch(rng);
    REQUIRE(source.num_rows() == 3);
    REQUIRE(source.num_batches() == 2);  // 2 + 1 rows
    std::multiset<std::int64_t> cells(source.row_cells().begin(), source.row_cells().end());
    CHECK(cells == std::multiset<std::int64_t>{2, 3, 4});
    std::int64_t seen = 0;
    for (std::int64_t b = 0; b < source.num_batches(); ++b) {
      const sdk::Batch& batch = source.batch(b);
      const std::int64_t n = batch.size();
      CHECK(n == (b == 0 ? 2 : 1));
      REQUIRE(batch.condition.size() == static_cast<std::size_t>(n));
      std::vector<std::int64_t> expected_gene, expected_row;
      for (std::int64_t r = 0; r < n; ++r) {
        const std::int64_t cell = source.row_cells()[static_cast<std::size_t>(seen + r)];
        const std::int64_t control = source.row_controls()[static_cast<std::size_t>(seen + r)];
        CHECK(row(batch.target, r) == kTinyCells[static_cast<std::size_t>(cell)]);
        CHECK((control == 0 || control == 1));  // the two control cells
        CHECK(row(batch.control, r) == kTinyCells[static_cast<std::size_t>(control)]);
        // Cell 2 is G0+ctrl (gene 0), cells 3 and 4 are P+ctrl (gene 3).
        CHECK(batch.condition[static_cast<std::size_t>(r)] == (cell == 2 ? 1 : 2));
        expected_gene.push_back(cell == 2 ? 0 : 3);
        expected_row.push_back(r);
      }
      CHECK(at::equal(batch.perturbed_gene, at::tensor(expected_gene, at::kLong)));
      CHECK(at::equal(batch.perturbed_row, at::tensor(expected_row, at::kLong)));
      CHECK(at::equal(batch.perturbation_sign, at::ones({n})));  // activation
      seen += n;
    }
  }
}

TEST_CASE("condition_means batches: pseudobulk targets against the control mean", "[trainer]") {
  const sdk::GeneTable genes = test::tiny_genes();
  const sdk::Screen screen = test::tiny_screen(genes);
  sdk::FitContext c;
  c.genes = &genes;
  c.screen = &screen;
  c.train_conditions = {1, 2};
  std::mt19937_64 rng(1);
  SECTION("means computed from the screen") {
    tr::BatchSource source(c, sdk::BatchMode::condition_means, 8, 0);
    source.plan_epoch(rng);
    REQUIRE(source.num_batches() == 1);
    const sdk::Batch& batch = source.batch(0);
    REQUIRE(batch.size() == 2);
    for (std::int64_t r = 0; r < 2; ++r) {
      const auto cond = batch.condition[static_cast<std::size_t>(r)];
      // By hand (fixtures.hpp): G0 mean [0, 4, 2], P mean [3, 1, 2]; control mean [2, 0, 1].
      CHECK(row(batch.target, r) == (cond == 1 ? std::vector<float>{0, 4, 2} : std::vector<float>{3, 1, 2}));
      CHECK(row(batch.control, r) == std::vector<float>{2, 0, 1});
      CHECK(batch.perturbed_row[r].item<std::int64_t>() == r);
      CHECK(batch.perturbed_gene[r].item<std::int64_t>() == (cond == 1 ? 0 : 3));
    }
  }
  SECTION("the context's condition means and control mean are used when given") {
    c.condition_means = at::arange(9, at::kFloat).reshape({3, 3});
    c.control_mean = at::full({3}, 7.0f);
    tr::BatchSource source(c, sdk::BatchMode::condition_means, 1, 0);
    source.plan_epoch(rng);
    REQUIRE(source.num_batches() == 2);
    for (std::int64_t b = 0; b < 2; ++b) {
      const sdk::Batch& batch = source.batch(b);
      const auto cond = batch.condition[0];
      CHECK(row(batch.target, 0) == (cond == 1 ? std::vector<float>{3, 4, 5} : std::vector<float>{6, 7, 8}));
      CHECK(row(batch.control, 0) == std::vector<float>{7, 7, 7});
    }
  }
}

TEST_CASE("max_cells_per_condition samples at most that many distinct cells per epoch", "[trainer]") {
  const auto d = additive_data();  // four cells per condition
  const sdk::FitContext c = context_for(*d, {1, 2, 3});
  tr::BatchSource source(c, sdk::BatchMode::cell_pairs, 100, 2);
  std::mt19937_64 rng(9);
  std::set<std::vector<std::int64_t>> subsets;
  for (int epoch = 0; epoch < 20; ++epoch) {
    source.plan_epoch(rng);
    REQUIRE(source.num_rows() == 6);
    std::map<std::int64_t, std::set<std::int64_t>> per_condition;
    for (std::int64_t cell : source.row_cells()) per_condition[cell / 4].insert(cell);  // cells 4c..4c+3
    REQUIRE(per_condition.size() == 3);
    for (const auto& [condition, cells] : per_condition) CHECK(cells.size() == 2);
    std::vector<std::int64_t> sorted(source.row_cells());
    std::sort(sorted.begin(), sorted.end());
    subsets.insert(sorted);
  }
  CHECK(subsets.size() > 1);  // a new sample each epoch
}

TEST_CASE("batch sources refuse a split without training conditions or control cells", "[trainer]") {
  const auto d = additive_data();
  CHECK_THROWS_WITH(tr::BatchSource(context_for(*d, {}), sdk::BatchMode::cell_pairs, 4, 0),
                    Contains("the split has no training conditions"));
  auto no_control = additive_data();
  no_control->screen.cell_condition = at::full({16}, 1, at::kLong);
  CHECK_THROWS_WITH(tr::BatchSource(context_for(*no_control, {1}), sdk::BatchMode::cell_pairs, 4, 0),
                    Contains("the screen has no control cells"));
}

TEST_CASE("training learns the additive deltas built into the data", "[trainer]") {
  const auto d = additive_data();
  test::TempDir dir;
  SECTION("condition_means") {
    DeltaModel model(sdk::BatchMode::condition_means);
    auto context = context_for(*d, {1, 2, 3});
    tr::TrainerOptions o;
    o.settings = quiet_settings();
    o.settings.epochs = 300;
    o.settings.schedule = "cosine";
    o.checkpoint_dir = dir.path();
    const auto report = fit(model, context, o);
    CHECK(report.epochs_run == 300);
    CHECK(report.best_epoch == -1);
    CHECK(report.train_loss.back() < report.train_loss.front() / 100);
    // Exactly representable: E[G0] = d_G0, E[P] = d_P.
    for (std::size_t g = 0; g < 3; ++g) {
      CHECK(model.delta[0][static_cast<std::int64_t>(g)].item<float>() == Approx(kDeltaG0[g]).margin(0.02));
      CHECK(model.delta[3][static_cast<std::int64_t>(g)].item<float>() == Approx(kDeltaP[g]).margin(0.02));
    }
    // The unseen combination is predicted additively: control mean [2, 1, 1] + d_G0 + d_P.
    const at::Tensor p = model.predict({d->screen.conditions[3]});
    CHECK(p[0][0].item<float>() == Approx(1.5).margin(0.05));
    CHECK(p[0][1].item<float>() == Approx(3.0).margin(0.05));
    CHECK(p[0][2].item<float>() == Approx(1.0).margin(0.05));
  }
  SECTION("cell_pairs") {
    DeltaModel model(sdk::BatchMode::cell_pairs);
    auto context = context_for(*d, {0, 1, 2, 3});
    tr::TrainerOptions o;
    o.settings = quiet_settings();
    o.settings.epochs = 150;
    o.settings.batch_size = 8;
    o.settings.schedule = "cosine";
    const auto report = fit(model, context, o);
    CHECK(report.train_loss.back() < report.train_loss.front());
    // Pairs with random control cells add noise (control cells differ by up
    // to 1 per gene), so the estimate is only close.
    for (std::size_t g = 0; g < 3; ++g) {
      CHECK(model.delta[0][static_cast<std::int64_t>(g)].item<float>() == Approx(kDeltaG0[g]).margin(0.25));
      CHECK(model.delta[3][static_cast<std::int64_t>(g)].item<float>() == Approx(kDeltaP[g]).margin(0.25));
    }
  }
}

TEST_CASE("the same seed gives bit-identical parameters, another seed different ones", "[trainer]") {
  const auto d = additive_data();
  const auto run = [&](std::uint64_t seed, const std::string& optimizer) {
    DeltaModel model(sdk::BatchMode::cell_pairs);
    auto context = context_for(*d, {1, 2, 3});
    tr::TrainerOptions o;
    o.settings = quiet_settings();
    o.settings.epochs = 5;
    o.settings.optimizer = optimizer;
    o.settings.weight_decay = 0.01;
    o.settings.clip_norm = 0.5;
    o.settings.schedule = "step";
    o.settings.max_cells_per_condition = 3;
    o.seed = seed;
    fit(model, context, o);
    return model.delta.detach().clone();
  };
  for (const std::string optimizer : {"adam", "adamw"}) {
    const at::Tensor a = run(1, optimizer), b = run(1, optimizer), c = run(2, optimizer);
    CHECK(at::equal(a, b));
    CHECK_FALSE(at::equal(a, c));
  }
}

TEST_CASE("early stopping keeps the best epoch's parameters", "[trainer]") {
  const auto d = additive_data();
  test::TempDir dir;
  DeltaModel model(sdk::BatchMode::cell_pairs);
  auto context = context_for(*d, {1, 2}, {3});
  tr::TrainerOptions o;
  o.settings = quiet_settings();
  o.settings.epochs = 10;
  o.settings.patience = 2;
  o.checkpoint_dir = dir.path() / "ckpt";
  std::vector<double> scores;
  std::vector<at::Tensor> params;  // the parameters at each validation
  SECTION("lower is better") {
    scores = {5, 4, 3, 3.5, 3.6, 3.7, 1, 1};
    o.direction = sdk::Direction::lower_is_better;
  }
  SECTION("higher is better") {
    scores = {-5, -4, -3, -3.5, -3.6, -3.7, -1, -1};
    o.direction = sdk::Direction::higher_is_better;
  }
  o.validate = [&](sdk::NeuralPredictor& m) {
    params.push_back(dynamic_cast<DeltaModel&>(m).delta.detach().clone());
    return scores.at(params.size() - 1);
  };
  const auto report = fit(model, context, o);
  // Best at epoch 3; epochs 4 and 5 do not improve; patience 2 stops after 5.
  CHECK(report.epochs_run == 5);
  CHECK(report.best_epoch == 3);
  CHECK(report.best_score == scores[2]);
  CHECK(report.stopped_early);
  CHECK(report.train_loss.size() == 5);
  CHECK(report.val_score == std::vector<double>(scores.begin(), scores.begin() + 5));
  REQUIRE(params.size() == 5);
  CHECK(at::equal(model.delta, params[2]));
  CHECK_FALSE(at::equal(model.delta, params[4]));
  // Both checkpoints, nothing half-written.
  CHECK(std::filesystem::exists(o.checkpoint_dir / "last.pt"));
  CHECK(std::filesystem::exists(o.checkpoint_dir / "best.pt"));
  for (const auto& entry : std::filesystem::directory_iterator(o.checkpoint_dir))
    CHECK(entry.path().extension() != ".tmp");
  // best.pt is NeuralPredictor::save's format: it reloads into a fresh model.
  DeltaModel reloaded(sdk::BatchMode::cell_pairs);
  auto context2 = context_for(*d, {1, 2}, {3});
  reloaded.load((o.checkpoint_dir / "best.pt").string(), context2);
  CHECK(at::equal(reloaded.delta, params[2]));
}

// The host sets no validation callback when the split has no validation
// conditions (experiment::run); a DNA model validates on held-out windows
// instead, with no conditions at all.
TEST_CASE("without a validation callback the last epoch is kept and nothing stops early", "[trainer]") {
  const auto d = additive_data();
  DeltaModel model;
  auto context = context_for(*d, {1, 2});  // no val conditions
  tr::TrainerOptions o;
  o.settings = quiet_settings();
  o.settings.epochs = 3;
  o.settings.patience = 1;
  const auto report = fit(model, context, o);
  CHECK(report.epochs_run == 3);
  CHECK(report.best_epoch == -1);
  CHECK_FALSE(report.stopped_early);
}

TEST_CASE("an interrupted run resumed from last.pt ends exactly like an uninterrupted one", "[trainer]") {
  const auto d = additive_data();
  test::TempDir dir;
  const auto options = [&](const std::string& sub, std::int64_t epochs, bool resume) {
    tr::TrainerOptions o;
    o.settings = quiet_settings();
    o.settings.epochs = epochs;
    o.settings.schedule = "step";
    o.settings.gamma = 0.7;
    o.settings.weight_decay = 0.01;
    o.settings.clip_norm = 1.0;
    o.settings.max_cells_per_condition = 3;
    o.checkpoint_dir = dir.path() / sub;
    o.resume = resume;
    o.seed = 11;
    // A real validation score: squared error of the predicted combination.
    o.validate = [&d](sdk::NeuralPredictor& m) {
      const at::Tensor p = m.predict({d->screen.conditions[3]});
      return (p[0] - d->screen.mean_of(3)).pow(2).sum().item<double>();
    };
    return o;
  };
  DeltaModel whole;
  auto c1 = context_for(*d, {0, 1, 2}, {3});
  const auto full = fit(whole, c1, options("whole", 4, false));

  DeltaModel first;
  auto c2 = context_for(*d, {0, 1, 2}, {3});
  fit(first, c2, options("parts", 2, false));
  DeltaModel second;  // a new process: fresh parameters, overwritten by the checkpoint
  auto c3 = context_for(*d, {0, 1, 2}, {3});
  const auto resumed = fit(second, c3, options("parts", 4, true));

  CHECK(resumed.epochs_run == 4);
  CHECK(resumed.train_loss == full.train_loss);
  CHECK(resumed.val_score == full.val_score);
  CHECK(resumed.best_epoch == full.best_epoch);
  CHECK(at::equal(second.delta, whole.delta));
}

TEST_CASE("resume errors name the missing file or the mismatched parameter", "[trainer]") {
  const auto d = additive_data();
  test::TempDir dir;
  tr::TrainerOptions o;
  o.settings = quiet_settings();
  o.settings.epochs = 1;
  o.checkpoint_dir = dir.path();
  o.resume = true;
  {
    DeltaModel model;
    auto c = context_for(*d, {1, 2});
    CHECK_THROWS_WITH(fit(model, c, o), Contains("cannot resume: there is no checkpoint '" +
                                                 (dir.path() / "last.pt").string() + "'"));
  }
  o.resume = false;
  {
    DeltaModel model;
    auto c = context_for(*d, {1, 2});
    fit(model, c, o);
  }
  o.resume = true;
  o.settings.epochs = 2;
  {
    DeltaModel model(sdk::BatchMode::cell_pairs, "delta", 2);  // [4, 5] instead of [4, 3]
    auto c = context_for(*d, {1, 2});
    CHECK_THROWS_WITH(fit(model, c, o), Contains("parameter 'delta' has shape [4, 3] there but [4, 5] in the model"));
  }
  {
    DeltaModel model(sdk::BatchMode::cell_pairs, "offset");
    auto c = context_for(*d, {1, 2});
    CHECK_THROWS_WITH(fit(model, c, o),
                      Contains("the model's parameter 'offset' is 'delta' in the checkpoint") &&
                          Contains((dir.path() / "last.pt").string()));
  }
  {
    DeltaModel model;
    model.with_bias = true;
    auto c = context_for(*d, {1, 2});
    CHECK_THROWS_WITH(fit(model, c, o), Contains("the model's parameter 'bias' is missing from it"));
  }
  {
    test::TempDir other;
    tr::TrainerOptions with_bias = o;
    with_bias.resume = false;
    with_bias.checkpoint_dir = other.path();
    DeltaModel writer;
    writer.with_bias = true;
    auto c = context_for(*d, {1, 2});
    fit(writer, c, with_bias);
    with_bias.resume = true;
    DeltaModel reader;
    CHECK_THROWS_WITH(fit(reader, c, with_bias), Contains("it has parameter 'bias' that the model lacks"));
  }
  {
    test::TempDir damaged;
    damaged.write("last.pt", "not a checkpoint");
    tr::TrainerOptions bad = o;
    bad.checkpoint_dir = damaged.path();
    DeltaModel model;
    auto c = context_for(*d, {1, 2});
    CHECK_THROWS_WITH(fit(model, c, bad),
                      Contains("cannot read checkpoint '" + (damaged.path() / "last.pt").string() + "'"));
  }
  {
    tr::TrainerOptions nowhere = o;
    nowhere.checkpoint_dir.clear();
    DeltaModel model;
    auto c = context_for(*d, {1, 2});
    CHECK_THROWS_WITH(fit(model, c, nowhere), Contains("cannot resume: no checkpoint folder was given"));
  }
}

TEST_CASE("resuming a validated run needs best.pt beside last.pt", "[trainer]") {
  const auto d = additive_data();
  test::TempDir dir;
  tr::TrainerOptions o;
  o.settings = quiet_settings();
  o.settings.epochs = 1;
  o.checkpoint_dir = dir.path();
  o.validate = [](sdk::NeuralPredictor&) { return 1.0; };
  DeltaModel model;
  auto c = context_for(*d, {1, 2}, {3});
  fit(model, c, o);
  std::filesystem::remove(dir.path() / "best.pt");
  o.resume = true;
  o.settings.epochs = 2;
  DeltaModel again;
  CHECK_THROWS_WITH(fit(again, c, o), Contains("cannot resume: the best parameters '" +
                                               (dir.path() / "best.pt").string() + "' are missing"));
}

TEST_CASE("a checkpoint folder that cannot be created is an error naming it", "[trainer]") {
  const auto d = additive_data();
  test::TempDir dir;
  const auto file = dir.write("taken", "a file, not a folder");
  tr::TrainerOptions o;
  o.settings = quiet_settings();
  o.checkpoint_dir = file / "ckpt";
  DeltaModel model;
  auto c = context_for(*d, {1, 2});
  CHECK_THROWS_WITH(fit(model, c, o), Contains("cannot create the checkpoint folder '" + (file / "ckpt").string()));
}

TEST_CASE("a NaN loss stops training with the epoch, step, conditions and learning rate", "[trainer]") {
  const auto d = additive_data();
  DeltaModel model;
  model.nan_loss = true;
  auto c = context_for(*d, {1, 2});
  tr::TrainerOptions o;
  o.settings = quiet_settings();
  o.settings.learning_rate = 0.001;
  o.settings.batch_size = 100;  // one batch holding both conditions
  CHECK_THROWS_WITH(fit(model, c, o),
                    Contains("training stopped: the loss is NaN at epoch 1, step 1 (batch of conditions ") &&
                        Contains("G0") && Contains("P") &&
                        Contains("); try a lower learning_rate (now 0.001) or clip_norm"));
}

TEST_CASE("the trainer checks hand-built settings and needs parameters", "[trainer]") {
  const auto d = additive_data();
  DeltaModel model;
  auto c = context_for(*d, {1});
  tr::TrainerOptions o;
  o.settings = quiet_settings();
  o.settings.optimizer = "sgd";
  CHECK_THROWS_WITH(fit(model, c, o), Contains("option 'optimizer' must be one of \"adam\", \"adamw\", got \"sgd\""));

  struct Empty : DeltaModel {
    void prepare(sdk::FitContext&) override {}
  } empty;
  o.settings.optimizer = "adam";
  CHECK_THROWS_WITH(fit(empty, c, o), Contains("the model has no parameters to train"));
}

TEST_CASE("predictor/test_neural trains through the host's loop and learns the deltas", "[trainer]") {
  core::plugin::PluginHost host;
  host.add_search_path(test::test_plugin_dir("test_neural"), "test");
  host.load_search_path();
  CHECK_THROWS_WITH(host.create<sdk::Predictor>("test_neural",
                                                json{{"batch_mode", "pairs"}}, "[model.predictor]"),
                    Contains("must be cell_pairs or condition_means"));
  const auto d = additive_data();
  for (const std::string mode : {"cell_pairs", "condition_means"}) {
    auto predictor = host.create<sdk::Predictor>("test_neural", json{{"batch_mode", mode}},
                                                 "[model.predictor]");
    auto* neural = dynamic_cast<sdk::NeuralPredictor*>(predictor.get());
    REQUIRE(neural);
    CHECK(neural->batch_mode() ==
          (mode == "cell_pairs" ? sdk::BatchMode::cell_pairs : sdk::BatchMode::condition_means));
    auto context = context_for(*d, {0, 1, 2});  // the combination G0+P is held out
    tr::TrainerOptions o;
    o.settings = tr::resolve_settings(neural->training_defaults(),
                                      json{{"epochs", 200}, {"schedule", "cosine"}, {"batch_size", 8}}, "[train]");
    torch::manual_seed(0);
    tr::Trainer trainer(context, o);
    context.trainer = &trainer;
    predictor->fit(context);
    CHECK(trainer.report().epochs_run == 200);
    // Additive prediction for the held-out combination: [2, 1, 1] + d_G0 + d_P = [1.5, 3, 1].
    const at::Tensor p = predictor->predict({d->screen.conditions[3]});
    CHECK(p[0][0].item<float>() == Approx(1.5).margin(0.3));
    CHECK(p[0][1].item<float>() == Approx(3.0).margin(0.3));
    CHECK(p[0][2].item<float>() == Approx(1.0).margin(0.3));
  }
}

TEST_CASE("the progress bar redraws one line on stderr", "[trainer]") {
  const auto d = additive_data();
  test::TempDir dir;
  const auto captured = dir.path() / "stderr.txt";
  DeltaModel model;
  auto c = context_for(*d, {1, 2});  // 8 cells: 2 batches of 4
  tr::TrainerOptions o;
  o.settings = quiet_settings();
  o.settings.epochs = 2;
  o.progress_bar = true;
  // Send stderr to a file while training.
  std::fflush(stderr);
  const int saved = dup(2);
  const int fd = open(captured.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE(fd >= 0);
  dup2(fd, 2);
  close(fd);
  fit(model, c, o);
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  const std::string out = util_read(captured);
  CHECK_THAT(out, Contains("\r\033[Kepoch 1/2  step 1/2  loss ") && Contains("\r\033[Kepoch 2/2  step 2/2  loss ") &&
                      Contains("elapsed 0:00  eta "));
}

// --- Training stages ---

namespace {

// Two stages with a known answer. "scale" (items over the 4 genes of the
// universe) pulls a per-gene gain to 2 with (gain - 2)^2; "fit" (cell pairs)
// learns per-gene deltas with the gain frozen, predicting
// control + sum over perturbed genes of gain * delta, and logs the mean gain.
class TwoStageModel : public sdk::NeuralPredictor {
 public:
  void prepare(sdk::FitContext& c) override {
    gain = register_parameter("gain", torch::ones({c.genes->size()}));
    delta = register_parameter("delta", torch::randn({c.genes->size(), c.screen->num_genes()}) * 0.1);
  }
  std::vector<sdk::TrainingStage> stages() const override {
    sdk::TrainingStage scale;
    scale.name = "scale";
    scale.batch_mode = sdk::BatchMode::items;
    scale.items = 4;
    scale.validate = false;
    scale.defaults = quiet_settings();
    scale.defaults.epochs = 3;
    scale.defaults.batch_size = 2;
    scale.defaults.learning_rate = 0.1;
    sdk::TrainingStage fit;
    fit.defaults = quiet_settings();
    return {scale, fit};
  }
  std::vector<at::Tensor> stage_parameters(const std::string& s) override {
    return {s == "scale" ? gain : delta};
  }
  sdk::StepOutput training_step(const sdk::Batch& b) override {
    if (on_step) on_step(stage());
    if (stage() == "scale") {
      seen_items.push_back(b.items.clone());
      return {(gain.index_select(0, b.items) - 2.0).pow(2).mean(), {}};
    }
    return {loss(forward(b), b), {{"gain_mean", gain.mean().item<double>()}}};
  }
  at::Tensor forward(const sdk::Batch& b) override {
    const at::Tensor rows = delta.index_select(0, b.perturbed_gene) * gain.index_select(0, b.perturbed_gene).unsqueeze(1);
    return b.control + at::zeros_like(b.control).index_add(0, b.perturbed_row, rows);
  }
  at::Tensor loss(const at::Tensor& predicted, const sdk::Batch& b) override {
    return (predicted - b.target).pow(2).mean();
  }

  at::Tensor gain, delta;
  std::vector<at::Tensor> seen_items;
  std::function<void(const std::string&)> on_step;
};

}  // namespace

TEST_CASE("stages run in order, each with its settings, batch mode and parameters", "[trainer][stages]") {
  const auto d = additive_data();
  TwoStageModel model;
  auto c = context_for(*d, {1, 2, 3});
  tr::TrainerOptions o;
  o.settings = quiet_settings();
  o.settings.epochs = 40;
  o.stage_settings["scale"] = model.stages()[0].defaults;
  o.stage_settings["scale"].epochs = 60;
  o.seed = 3;
  at::Tensor gain_at_fit;
  model.on_step = [&](const std::string& stage) {
    if (stage == "fit" && !gain_at_fit.defined()) gain_at_fit = model.gain.detach().clone();
  };
  const auto report = fit(model, c, o);
  REQUIRE(report.stages.size() == 2);
  CHECK(report.stages[0].name == "scale");
  CHECK(report.stages[0].train_loss.size() == 60);
  CHECK(report.stages[1].name == "fit");
  CHECK(report.stages[1].train_loss.size() == 40);
  CHECK(report.train_loss == report.stages[1].train_loss);  // the headline figures are the fit stage's
  // Items: each epoch of "scale" shows every gene once, two per batch.
  REQUIRE(model.seen_items.size() == 120);
  const at::Tensor first_epoch = std::get<0>(at::cat({model.seen_items[0], model.seen_items[1]}).sort());
  CHECK(at::equal(first_epoch, at::arange(4, at::kLong)));
  // Adam at lr 0.1 for 60 epochs of 2 steps brings each gain from 1 to 2.
  CHECK(at::allclose(model.gain, at::full({4}, 2.0), 0, 0.02));
  // "fit" trains delta only: the gain is where "scale" left it.
  CHECK(at::equal(model.gain.detach(), gain_at_fit));
  // The fit stage's named scalar is recorded per epoch: the (frozen) mean gain.
  REQUIRE(report.scalars.count("gain_mean") == 1);
  CHECK(report.scalars.at("gain_mean").size() == 40);
  CHECK(report.scalars.at("gain_mean").back() == Approx(gain_at_fit.mean().item<double>()));
  // gain * delta learns the true per-gene deltas (G0 and P; unperturbed genes stay near 0).
  const at::Tensor effect = model.delta.detach() * model.gain.detach().unsqueeze(1);
  CHECK(at::allclose(effect[0], at::tensor(kDeltaG0), 0, 0.15));
  CHECK(at::allclose(effect[3], at::tensor(kDeltaP), 0, 0.15));
}

TEST_CASE("resuming inside either stage ends exactly like an uninterrupted run", "[trainer][stages]") {
  const auto d = additive_data();
  test::TempDir dir;
  const auto options = [&](const std::string& sub, bool resume) {
    tr::TrainerOptions o;
    o.settings = quiet_settings();
    o.settings.epochs = 4;
    o.settings.max_cells_per_condition = 3;
    o.checkpoint_dir = dir.path() / sub;
    o.resume = resume;
    o.seed = 5;
    return o;
  };
  TwoStageModel whole;
  auto c0 = context_for(*d, {1, 2, 3});
  const auto full = fit(whole, c0, options("whole", false));
  CHECK(std::filesystem::exists(dir.path() / "whole" / "scale" / "last.pt"));
  CHECK(std::filesystem::exists(dir.path() / "whole" / "fit" / "last.pt"));

  for (const std::string stage : {"scale", "fit"}) {
    DYNAMIC_SECTION("interrupted in stage " << stage) {
      // The first process dies in the second epoch of `stage`.
      TwoStageModel first;
      int steps = 0;
      first.on_step = [&](const std::string& s) {
        const int per_epoch = s == "scale" ? 2 : 3;  // 4 items / 2; 9 cells / 4 per batch
        if (s == stage && ++steps > per_epoch) throw sdk::Error("power cut");
      };
      auto c1 = context_for(*d, {1, 2, 3});
      CHECK_THROWS_WITH(fit(first, c1, options(stage, false)), Contains("power cut"));
      TwoStageModel second;  // a new process
      auto c2 = context_for(*d, {1, 2, 3});
      const auto resumed = fit(second, c2, options(stage, true));
      CHECK(resumed.train_loss == full.train_loss);
      CHECK(at::equal(second.gain, whole.gain));
      CHECK(at::equal(second.delta, whole.delta));
    }
  }
}

TEST_CASE("[train] and [train.<stage>] tables set each stage, and an unknown stage is an error", "[trainer][stages]") {
  TwoStageModel model;
  const auto settings =
      tr::resolve_stage_settings(model.stages(), json{{"epochs", 7}, {"scale", {{"learning_rate", 0.5}}}}, "predictor/x");
  CHECK(settings.at("fit").epochs == 7);        // [train]'s own keys set the stage "fit"
  CHECK(settings.at("scale").epochs == 3);      // ... not the others, which keep their defaults
  CHECK(settings.at("scale").learning_rate == 0.5);
  CHECK_THROWS_WITH(tr::resolve_stage_settings(model.stages(), json{{"scael", {{"epochs", 1}}}}, "predictor/x"),
                    "[train.scael]: predictor/x has no training stage 'scael' (did you mean [train.scale]?); its "
                    "stages: scale, fit");
  CHECK_THROWS_WITH(tr::resolve_stage_settings(model.stages(), json{{"scale", {{"epoch", 1}}}}, "predictor/x"),
                    Contains("[train.scale]") && Contains("'epoch'") && Contains("epochs"));
}

TEST_CASE("step profiler: FLOPs of dense products from their shapes, none for sparse ones", "[trainer]") {
  tr::StepProfiler profiler(2, 1);
  CHECK_FALSE(profiler.next());  // the warm-up step
  const at::Tensor a = at::randn({64, 32}), b = at::randn({32, 16});
  const at::Tensor sparse = at::sparse_coo_tensor(at::tensor({0, 1, 1, 2}, at::kLong).view({2, 2}),
                                                  at::tensor({1.f, 2.f}), {64, 32});
  for (int step = 0; step < 2; ++step) {
    REQUIRE(profiler.next());
    profiler.begin();
    at::mm(a, b);       // 2 x 64 x 32 x 16 = 65,536 FLOPs
    at::mm(sparse, b);  // the profiler would count it as dense: left out
    profiler.end();
  }
  CHECK_FALSE(profiler.next());
  CHECK(profiler.done());
  const tr::StepProfile p = profiler.result();
  CHECK(p.steps == 2);
  CHECK(p.flops == 2 * 65536.0);
  CHECK(p.ops.at("aten::mm").calls == 4);
  CHECK(p.peak_flops_per_second > 1e8);
  test::TempDir dir;
  tr::report_step_profile(p, 32, dir.path() / "step_profile.tsv");
  const std::string tsv = test::read_text(dir.path() / "step_profile.tsv");
  CHECK_THAT(tsv, Contains("\n# steps\t2\n# seconds_per_step\t"));
  CHECK_THAT(tsv, Contains("\n# gflop_per_step\t6.5536e-05\n"));
}

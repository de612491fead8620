// predictor/grape (plugins/grape/grape_model.cpp), loaded from the build
// tree: shapes and determinism, the Gaussian kernel map by hand, the
// reference and learned perturbation inputs checked row by row, the
// per-condition incremental GAT against the SDK's GATConv run on each
// condition's full graph, gradients reaching a structure learner's
// parameters, the inference clamp, training through the host's Trainer,
// save/load, the learned graph file, pre-alignment, and failure messages.
#include <cmath>
#include <fstream>

#include <ATen/ATen.h>
#include <torch/torch.h>
#include "catch.hpp"
#include <nlohmann/json.hpp>

#include "fixtures.hpp"
#include "plugin_support.hpp"
#include "support.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/gsl.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/network.hpp"
#include "trellis/sdk/nn/gat.hpp"
#include "trellis/sdk/nn/gene_linear.hpp"
#include "trellis/sdk/nn/mlp.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/sdk/trace.hpp"
#include "trellis/train/trainer.hpp"

using namespace trellis;
using Catch::Contains;
using nlohmann::json;
namespace tr = trellis::core::train;

namespace {

const core::plugin::PluginHost& host() { return test::build_tree_plugins(); }

// Small, dropout-free models so results are deterministic in training mode.
json small(json extra = json::object()) {
  json o = {{"hidden", 8}, {"out_dim", 4}, {"gat_heads", 2}, {"gat_dropout", 0.0}, {"decoder_hidden", {6}}};
  for (auto& [k, v] : extra.items()) o[k] = v;
  return o;
}

std::shared_ptr<sdk::NeuralPredictor> make_grape(const json& options) {
  auto p = host().create<sdk::Predictor>("grape", options, "[model.predictor]");
  auto n = std::dynamic_pointer_cast<sdk::NeuralPredictor>(p);
  REQUIRE(n);
  return n;
}

// The model's intermediate tensor `name` for `batch`, through the SDK's
// Traceable interface.
at::Tensor traced(const std::shared_ptr<sdk::NeuralPredictor>& p, const sdk::Batch& batch, const std::string& name) {
  auto* t = dynamic_cast<sdk::Traceable*>(p.get());
  REQUIRE(t);
  return sdk::traced(t->trace(batch), name);
}

std::shared_ptr<sdk::StructureLearner> make_gsl(const std::string& name, const json& options = json::object()) {
  return host().create<sdk::StructureLearner>(name, options, "[model.gsl]");
}

sdk::Graph make_graph(std::vector<std::int64_t> src, std::vector<std::int64_t> dst, std::vector<float> w) {
  return test::tiny_graph("prior", src, dst, w);
}

// Genes G0, G1, G2 (measured) and P (perturbed, unmeasured), tests/fixtures.hpp.
struct Tiny {
  sdk::GeneTable genes = test::tiny_genes();
  sdk::Screen screen;
  Tiny() {
    screen = test::tiny_screen(genes);
    screen.conditions.push_back(sdk::Condition{"G0+P", {"G0", "P"}, {0, 3}, sdk::PerturbationType::activation});
    screen.conditions.push_back(sdk::Condition{"P_kd", {"P"}, {3}, sdk::PerturbationType::knockdown});
  }
  sdk::FitContext context(const std::string& gsl = "none", const json& gsl_options = json::object()) const {
    sdk::FitContext c;
    c.genes = &genes;
    c.screen = &screen;
    c.train_conditions = {0, 1, 2};
    c.features["text"] = at::tensor(std::vector<float>{0.1f, -0.2f, 0.3f, 0.0f, 0.05f, 0.2f, -0.1f, 0.15f, 0.4f,
                                                       0.25f, -0.05f, 0.1f})
                             .view({4, 3});
    c.features["dna"] = at::tensor(std::vector<float>{0.3f, 0.1f, -0.1f, 0.2f, 0.0f, 0.4f, 0.15f, -0.3f}).view({4, 2});
    // A ring G0 -> G1 -> G2 -> P -> G0 plus G1 -> P and P -> G1.
    c.graphs["prior"] = make_graph({0, 1, 2, 3, 1, 3}, {1, 2, 3, 0, 3, 1}, {0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f});
    c.structure_learner = make_gsl(gsl, gsl_options);
    return c;
  }
};

sdk::Batch batch_of(const Tiny& t, const std::vector<std::int64_t>& conditions) {
  std::vector<const sdk::Condition*> rows;
  for (auto c : conditions) rows.push_back(&t.screen.conditions[static_cast<std::size_t>(c)]);
  sdk::Batch b = sdk::perturbation_batch(rows);
  b.control = at::tensor(std::vector<float>{2.f, 0.f, 1.f}).repeat({static_cast<std::int64_t>(conditions.size()), 1});
  b.condition = conditions;
  return b;
}

template <class M>
M& child(const std::shared_ptr<sdk::NeuralPredictor>& p, const std::string& name) {
  for (const auto& m : p->named_modules())
    if (m.key() == name) {
      auto* typed = dynamic_cast<M*>(m.value().get());
      REQUIRE(typed);
      return *typed;
    }
  FAIL("no submodule " << name);
  throw;
}

/// A training loop that does nothing, so fit() only prepares.
struct NoTraining : sdk::TrainingLoop {
  void train(sdk::NeuralPredictor&) override {}
};

}  // namespace

TEST_CASE("grape: output shape, seeded determinism and one output per condition", "[grape-predictor]") {
  Tiny t;
  auto run = [&](std::uint64_t seed) {
    // Without the broadcast signal (the default), P's sign must reach the
    // measured genes through the GAT.
    auto model = make_grape(small());
    auto c = t.context();
    torch::manual_seed(seed);
    model->prepare(c);
    model->eval();
    torch::NoGradGuard no_grad;
    return model->forward(batch_of(t, {1, 2, 0, 1, 3, 4}));
  };
  const at::Tensor a = run(7), b = run(7), other = run(8);
  REQUIRE(a.sizes() == std::vector<std::int64_t>{6, 3});
  CHECK(at::isfinite(a).all().item<bool>());
  CHECK(at::equal(a, b));
  CHECK_FALSE(at::allclose(a, other));
  // Rows 0 and 3 are the same condition with the same control.
  CHECK(at::equal(a[0], a[3]));
  // Activation vs knockdown of P give different outputs (signed embedding).
  CHECK_FALSE(at::allclose(a[1], a[5]));
}

TEST_CASE("grape: the Gaussian kernel map exp(-x^2 / (2 sigma^2)) by hand", "[grape-predictor]") {
  Tiny t;
  auto c = t.context();
  auto model = make_grape(small({{"kernel_sigma", 0.1}}));
  model->prepare(c);
  torch::NoGradGuard no_grad;
  const sdk::Batch b = batch_of(t, {0});
  // The dna feature rows (0.3, 0.1), (-0.1, 0.2), (0, 0.4), (0.15, -0.3):
  // exp(-4.5) = 0.011109, exp(-0.5) = 0.6065307, exp(-2) = 0.1353353,
  // exp(0) = 1, exp(-8) = 0.0003354626, exp(-1.125) = 0.3246525.
  const at::Tensor expected = at::tensor(std::vector<float>{0.011109f, 0.6065307f, 0.6065307f, 0.1353353f, 1.f,
                                                            0.0003354626f, 0.3246525f, 0.011109f})
                                  .view({4, 2});
  CHECK(at::allclose(traced(model, b, "kernel/dna"), expected, 1e-5, 1e-7));
  auto off = make_grape(small({{"kernel_sigma", 0.0}}));
  auto c_off = t.context();
  off->prepare(c_off);
  CHECK(at::equal(traced(off, b, "kernel/dna"), c_off.features["dna"]));
  REQUIRE_THROWS_WITH(traced(off, b, "kernel/go"),
                      Contains("the trace has no tensor 'kernel/go'; it has: kernel/text, kernel/dna, node_input, gat, decoder_input, "
                               "output"));
}

TEST_CASE("grape: reference perturbation input zeroes rows in training and negates them at prediction",
          "[grape-predictor]") {
  Tiny t;
  auto model = make_grape(small({{"perturbation", "reference"}}));
  auto c = t.context();
  torch::manual_seed(1);
  model->prepare(c);
  torch::NoGradGuard no_grad;
  const sdk::Batch b = batch_of(t, {0, 2, 3});  // control, P, G0+P
  for (bool training : {true, false}) {
    model->train(training);
    const at::Tensor x = traced(model, b, "node_input");  // [3, 4, 8]
    REQUIRE(x.sizes() == std::vector<std::int64_t>{3, 4, 8});
    const at::Tensor repr = x[0];
    CHECK(repr.abs().sum().item<double>() > 0);
    const at::Tensor p = training ? at::zeros_like(repr[3]) : -repr[3];
    const at::Tensor g0 = training ? at::zeros_like(repr[0]) : -repr[0];
    CHECK(at::equal(x[1][3], p));
    CHECK(at::equal(x[1].narrow(0, 0, 3), repr.narrow(0, 0, 3)));
    CHECK(at::equal(x[2][0], g0));
    CHECK(at::equal(x[2][3], p));
    CHECK(at::equal(x[2].narrow(0, 1, 2), repr.narrow(0, 1, 2)));
  }
}

TEST_CASE("grape: learned perturbation input adds sign x embedding to the perturbed rows", "[grape-predictor]") {
  Tiny t;
  auto model = make_grape(small());
  auto c = t.context();
  torch::manual_seed(2);
  model->prepare(c);
  model->eval();
  torch::NoGradGuard no_grad;
  at::Tensor e;
  for (const auto& p : model->named_parameters())
    if (p.key() == "perturbation_embedding") e = p.value();
  REQUIRE(e.defined());
  const at::Tensor x = traced(model, batch_of(t, {0, 2, 4}), "node_input");  // control, P activation, P knockdown
  CHECK(at::allclose(x[1][3] - x[0][3], e, 1e-6, 1e-6));
  CHECK(at::allclose(x[2][3] - x[0][3], -e, 1e-6, 1e-6));
  CHECK(at::equal(x[1].narrow(0, 0, 3), x[0].narrow(0, 0, 3)));
}

TEST_CASE("grape: per-condition GAT equals the SDK GATConv on each condition's full graph", "[grape-predictor]") {
  // Eval mode, one relation (no typer), gsl/none: the learned graph is the
  // prior. For each condition the HGNN input (node_input) goes through the
  // model's own GATConv modules with the SDK's forward over all edges, then
  // the decoder's modules; the plugin computes only the changed rows.
  Tiny t;
  auto model = make_grape(small({{"gat_heads", 3}, {"broadcast", true}}));
  auto c = t.context();
  torch::manual_seed(3);
  model->prepare(c);
  model->eval();
  torch::NoGradGuard no_grad;
  const sdk::Batch b = batch_of(t, {0, 1, 2, 3, 4});
  const at::Tensor got = model->forward(b);
  CHECK(at::equal(traced(model, b, "output"), got));
  const at::Tensor x = traced(model, b, "node_input");
  const sdk::Graph g = c.graphs.at("prior");
  auto& gat1 = child<sdk::nn::GATConvImpl>(model, "relation0_gat1");
  auto& gat2 = child<sdk::nn::GATConvImpl>(model, "relation0_gat2");
  auto& bn = child<torch::nn::BatchNorm1dImpl>(model, "decoder_bn");
  auto& mlp = child<sdk::nn::MLPImpl>(model, "decoder_mlp");
  auto& readout = child<sdk::nn::GeneSpecificLinearImpl>(model, "readout");
  // The model rescales every gene's incoming edge weights to mean 1 before
  // the GAT (so the self loop does not drown the neighbours).
  const at::Tensor w = g.weights_or_ones(), target = g.edge_index[1];
  const std::int64_t nodes = x.size(1);
  const at::Tensor sum = at::zeros({nodes}).index_add(0, target, w);
  const at::Tensor count = at::zeros({nodes}).index_add(0, target, at::ones_like(w));
  const at::Tensor scaled = w / (sum / count.clamp_min(1)).index_select(0, target);
  auto& broadcast = child<torch::nn::LinearImpl>(model, "broadcast");
  for (std::int64_t r = 0; r < 5; ++r) {
    at::Tensor h = at::elu(gat1.forward(x[r], g.edge_index, scaled));
    h = gat2.forward(h, g.edge_index, scaled).narrow(0, 0, 3);  // measured G0..G2
    // Every gene gets sign x Linear(the perturbed gene's unperturbed representation).
    const sdk::Condition& condition = t.screen.conditions[static_cast<std::size_t>(r)];
    const double sign = condition.type == sdk::PerturbationType::knockdown ? -1.0 : 1.0;
    for (const std::int64_t gene : condition.gene_indices) h = h + sign * broadcast.forward(x[0][gene]);
    h = mlp.forward(at::relu(bn.forward(h)));
    at::Tensor expected = readout.forward(h) + b.control[r];
    expected = at::where(expected < 0.01, at::zeros_like(expected), expected);
    INFO("row " << r);
    CHECK(at::allclose(got[r], expected, 1e-5, 1e-5));
  }
}

TEST_CASE("grape: the GAT's gradients equal the SDK GATConv's", "[grape-predictor]") {
  // The plugin aggregates messages with its own loops (edge_loops.hpp); the
  // gradients of a weighted sum of the GAT output with respect to both GAT
  // layers' parameters must equal those through the SDK's GATConv.
  Tiny t;
  auto model = make_grape(small({{"gat_heads", 3}}));
  auto c = t.context();
  torch::manual_seed(5);
  model->prepare(c);
  model->eval();
  const sdk::Batch b = batch_of(t, {1, 2, 3, 4});
  const sdk::Graph g = c.graphs.at("prior");
  auto& gat1 = child<sdk::nn::GATConvImpl>(model, "relation0_gat1");
  auto& gat2 = child<sdk::nn::GATConvImpl>(model, "relation0_gat2");
  const at::Tensor w = g.weights_or_ones(), target = g.edge_index[1];
  const at::Tensor x = traced(model, b, "node_input").detach();
  const std::int64_t nodes = x.size(1);
  const at::Tensor sum = at::zeros({nodes}).index_add(0, target, w);
  const at::Tensor count = at::zeros({nodes}).index_add(0, target, at::ones_like(w));
  const at::Tensor scaled = w / (sum / count.clamp_min(1)).index_select(0, target);
  const std::vector<at::Tensor> params = {gat1.lin->weight, gat1.att_src, gat1.att_dst,
                                          gat2.lin->weight, gat2.att_src, gat2.att_dst};
  auto gradients = [&](const at::Tensor& loss) {
    std::vector<at::Tensor> out;
    for (const at::Tensor& p : torch::autograd::grad({loss}, params)) out.push_back(p.clone());
    return out;
  };
  const at::Tensor gat = traced(model, b, "gat");
  const at::Tensor weights = at::randn(gat.sizes());  // a fixed mix of the GAT outputs
  const auto plugin = gradients((gat * weights).sum());
  at::Tensor reference_loss = at::zeros({});
  for (std::int64_t r = 0; r < 4; ++r) {
    at::Tensor h = at::elu(gat1.forward(x[r], g.edge_index, scaled));
    h = gat2.forward(h, g.edge_index, scaled).narrow(0, 0, 3);
    reference_loss = reference_loss + (h * weights[r]).sum();
  }
  const auto reference = gradients(reference_loss);
  for (std::size_t i = 0; i < params.size(); ++i) {
    INFO("parameter " << i);
    CHECK(at::allclose(plugin[i], reference[i], 1e-4, 1e-5));
  }
}

TEST_CASE("grape: the prediction loss trains the structure learner unless it is detached", "[grape-predictor]") {
  Tiny t;
  for (bool detach : {false, true}) {
    auto model = make_grape(small());
    // reg_weight 0: any gradient on the learner comes through the graph's weights.
    auto c = t.context("grape_khop", {{"hidden", {8, 8}}, {"heads", 2}, {"k", 3}, {"threshold", 0.0},
                                      {"prior_threshold", 0.0}, {"reg_weight", 0.0}, {"detach", detach}});
    torch::manual_seed(4);
    model->prepare(c);
    model->train();
    sdk::Batch b = batch_of(t, {1, 2, 3});
    b.target = at::rand({3, 3}) + 1;
    model->loss(model->forward(b), b).backward();
    double gsl_grad = 0;
    std::int64_t gsl_params = 0;
    for (const auto& p : model->named_parameters())
      if (p.key().rfind("gsl.", 0) == 0) {
        ++gsl_params;
        if (p.value().grad().defined()) gsl_grad += p.value().grad().abs().sum().item<double>();
      }
    INFO("detach " << detach);
    CHECK(gsl_params > 0);
    if (detach)
      CHECK(gsl_grad == 0);
    else
      CHECK(gsl_grad > 0);
  }
}

TEST_CASE("grape: outputs below clamp_below become 0 at prediction only", "[grape-predictor]") {
  Tiny t;
  auto model = make_grape(small());
  auto c = t.context();
  // Gene 0's control is far below the clamp, gene 2's far above.
  c.control_mean = at::tensor(std::vector<float>{-50.f, 0.f, 50.f});
  NoTraining none;
  c.trainer = &none;
  torch::manual_seed(5);
  model->fit(c);
  const at::Tensor pred = model->predict({t.screen.conditions[1], t.screen.conditions[2]});
  CHECK(at::equal(pred.select(1, 0), at::zeros({2})));
  CHECK((pred.select(1, 2) > 40).all().item<bool>());
  CHECK(((pred == 0) | (pred >= 0.01)).all().item<bool>());
  model->train();
  sdk::Batch b = batch_of(t, {1, 2});
  b.control = c.control_mean.repeat({2, 1});
  const at::Tensor trained = model->forward(b);
  CHECK((trained.select(1, 0) < -40).all().item<bool>());
}

TEST_CASE("grape: learns the tiny screen through the Trainer, writes its graph, saves and reloads",
          "[grape-predictor]") {
  Tiny t;
  t.screen.conditions.resize(3);  // the double and the knockdown have no cells
  auto model = make_grape(small({{"pretrain_epochs", 2}, {"pretrain_batch", 4}}));
  std::vector<std::string> logged;
  sdk::set_log_sink([&](sdk::LogLevel, const std::string& m) { logged.push_back(m); });
  test::TempDir dir;
  auto c = t.context();
  c.run_dir = dir.path().string();
  tr::TrainerOptions o;
  o.settings = model->training_defaults();
  o.settings.epochs = 150;
  o.settings.batch_size = 5;
  o.settings.learning_rate = 0.01;
  o.settings.weight_decay = 0;
  o.seed = 1;
  torch::manual_seed(1);
  tr::Trainer trainer(c, o);
  c.trainer = &trainer;
  model->fit(c);
  sdk::set_log_sink({});
  const auto& loss = trainer.report().train_loss;
  REQUIRE(loss.size() == 150);
  // Cells are paired with random controls, so the loss is noisy: compare
  // the means of the first and last 30 epochs.
  auto mean_of = [&](std::size_t from) {
    double s = 0;
    for (std::size_t i = from; i < from + 30; ++i) s += loss[i];
    return s / 30;
  };
  INFO("first " << mean_of(0) << " last " << mean_of(120));
  // (Measured: 2.77 -> 1.97; with the broadcast signal 2.37 -> 1.85.)
  CHECK(mean_of(120) < mean_of(0) * 0.8);
  // The pre-alignment ran as the host's first stage, with its own defaults.
  const auto& stages = trainer.report().stages;
  REQUIRE(stages.size() == 2);
  CHECK(stages[0].name == "pretrain_alignment");
  CHECK(stages[0].train_loss.size() == 2);
  CHECK(stages[0].val_score.empty());
  CHECK(stages[1].name == "fit");
  CHECK(stages[1].train_loss.size() == 150);
  // InfoNCE over a batch of n genes lies in [0, log n]-ish at the start: a
  // loss of exactly 0 would mean the batches were empty.
  for (double l : stages[0].train_loss) CHECK(l > 0.0);

  // The learned graph (here the prior: gsl/none) with gene symbols.
  std::ifstream in(dir.path() / "learned_graph.tsv");
  std::string line;
  std::getline(in, line);
  CHECK(line == "source\ttarget\tweight\trelation");
  std::int64_t edges = 0;
  bool found = false;
  while (std::getline(in, line)) {
    ++edges;
    found = found || line == "G0\tG1\t0.9\tall";
  }
  CHECK(edges == 6);
  CHECK(found);

  // As a NetworkInferrer (task = "network"): the same edges, by symbol.
  auto* inferrer = dynamic_cast<sdk::NetworkInferrer*>(model.get());
  REQUIRE(inferrer);
  const sdk::ScoredEdges network = inferrer->infer(c);
  REQUIRE(network.size() == 6);
  bool scored = false;
  for (std::size_t e = 0; e < network.size(); ++e)
    scored = scored || (network.regulator[e] == "G0" && network.target[e] == "G1" && std::abs(network.score[e] - 0.9) < 1e-6);
  CHECK(scored);

  const std::vector<sdk::Condition> conditions = {t.screen.conditions[1], t.screen.conditions[2]};
  const at::Tensor pred = model->predict(conditions);
  const std::string file = (dir.path() / "model.pt").string();
  model->save(file);
  auto again = make_grape(small({{"pretrain_epochs", 2}, {"pretrain_batch", 4}}));
  auto c2 = t.context();
  again->load(file, c2);
  CHECK(at::allclose(again->predict(conditions), pred, 1e-6, 1e-6));
}

TEST_CASE("grape: failure messages", "[grape-predictor]") {
  Tiny t;
  SECTION("a modality that is not among the features") {
    auto model = make_grape(small({{"modalities", {"text", "go"}}}));
    auto c = t.context();
    CHECK_THROWS_WITH(model->prepare(c), Contains("feature 'go' is not built; available: dna, text") &&
                                             Contains("[model.encoders.go]"));
  }
  SECTION("a prior graph without edges") {
    auto model = make_grape(small());
    auto c = t.context();
    c.graphs["prior"] = make_graph({}, {}, {});
    CHECK_THROWS_WITH(model->prepare(c), Contains("prior graph 'prior' has no edges") && Contains("lower its threshold"));
  }
  SECTION("a missing graph and a missing structure learner") {
    auto model = make_grape(small({{"graph", "go"}}));
    auto c = t.context();
    CHECK_THROWS_WITH(model->prepare(c), Contains("graph 'go' is not built; available: prior") && Contains("[model.graphs.go]"));
    auto other = make_grape(small());
    auto c2 = t.context();
    c2.structure_learner = nullptr;
    CHECK_THROWS_WITH(other->prepare(c2), Contains("needs a structure learner") && Contains("gsl/none"));
  }
  SECTION("option values out of range") {
    const std::vector<std::pair<json, std::string>> bad = {
        {{{"gat_dropout", 1.0}}, "gat_dropout"},       {{{"kernel_sigma", -0.1}}, "kernel_sigma"},
        {{{"perturbation", "zero"}}, "must be one of \"learned\", \"reference\", got \"zero\""}, {{{"hidden", 0}}, "hidden"},
        {{{"modalities", json::array()}}, "modalities"}, {{{"modalities", {"text", "text"}}}, "names 'text' twice"},
        {{{"huber_delta", 0.0}}, "huber_delta"},       {{{"decoder_hidden", {0}}}, "decoder_hidden"},
        {{{"pretrain_epochs", 3}, {"modalities", {"text"}}}, "needs two modalities"},
    };
    for (const auto& [options, message] : bad) {
      INFO(options.dump());
      CHECK_THROWS_WITH(make_grape(options), Contains(message));
    }
  }
}

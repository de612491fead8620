// predictor/gears and encoder/learned_embedding (plugins/gears): shapes, the
// broadcast forward against a naive per-cell computation written here in the
// reference's style, the loss against hand / NumPy values, gradients of both
// direction modes, learning through the host's Trainer, save/load, an
// unmeasured perturbed gene, and failure messages.
#include <cmath>

#include <ATen/ATen.h>
#include <torch/torch.h>
#include "catch.hpp"
#include <nlohmann/json.hpp>

#include "fixtures.hpp"
#include "plugin_support.hpp"
#include "support.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/nn/message_passing.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/sdk/trace.hpp"
#include "trellis/train/trainer.hpp"

using namespace trellis;
using Catch::Contains;
using nlohmann::json;
namespace tr = trellis::core::train;

namespace {

const core::plugin::PluginHost& host() { return test::build_tree_plugins(); }

std::shared_ptr<sdk::NeuralPredictor> make_gears(json options = json::object()) {
  auto p = host().create<sdk::Predictor>("gears", options, "[model.predictor]");
  auto n = std::dynamic_pointer_cast<sdk::NeuralPredictor>(p);
  REQUIRE(n);
  return n;
}

using test::tiny_graph;

struct Tiny {
  sdk::GeneTable genes = test::tiny_genes();
  sdk::Screen screen;
  Tiny() {
    screen = test::tiny_screen(genes);
    // A double for the forward checks; no cells needed.
    screen.conditions.push_back(sdk::Condition{"G0+P", {"G0", "P"}, {0, 3}, sdk::PerturbationType::activation});
  }
  sdk::FitContext context(bool with_graphs = true) const {
    sdk::FitContext c;
    c.genes = &genes;
    c.screen = &screen;
    c.train_conditions = {0, 1, 2};
    if (with_graphs) {
      c.graphs["go"] = tiny_graph("go", {0, 3}, {3, 0}, {0.5f, 0.5f});               // G0 <-> P
      c.graphs["coexpression"] = tiny_graph("coexpression", {0, 1, 1}, {1, 0, 2}, {0.8f, 0.8f, 0.6f});
    }
    return c;
  }
};

sdk::Batch batch_of(const Tiny& t, const std::vector<std::int64_t>& conditions, const at::Tensor& control) {
  std::vector<const sdk::Condition*> rows;
  for (auto c : conditions) rows.push_back(&t.screen.conditions[static_cast<std::size_t>(c)]);
  sdk::Batch b = sdk::perturbation_batch(rows);
  b.control = control;
  b.condition = conditions;
  return b;
}

std::map<std::string, at::Tensor> params_of(const torch::nn::Module& m) {
  std::map<std::string, at::Tensor> out;
  for (const auto& p : m.named_parameters()) out[p.key()] = p.value().detach();
  for (const auto& p : m.named_buffers()) out[p.key()] = p.value().detach().clone();
  return out;
}

at::Tensor bn(std::map<std::string, at::Tensor>& p, const std::string& prefix, const at::Tensor& x,
              const std::string& weight = "weight", const std::string& bias = "bias") {
  at::Tensor rm = at::zeros({x.size(1)}), rv = at::ones({x.size(1)});
  return at::batch_norm(x, p.at(prefix + weight), p.at(prefix + bias), rm, rv, true, 0.1, 1e-5, false);
}

// The SDK MLP in training mode: Linear -> BN -> ReLU per hidden layer, plain last Linear.
at::Tensor mlp(std::map<std::string, at::Tensor>& p, const std::string& prefix, std::int64_t layers, at::Tensor x) {
  for (std::int64_t i = 0; i < layers; ++i) {
    const std::string l = prefix + ".linear" + std::to_string(i) + ".";
    x = at::linear(x, p.at(l + "weight"), p.at(l + "bias"));
    if (i + 1 < layers) x = at::relu(bn(p, prefix + ".norm" + std::to_string(i) + ".", x));
  }
  return x;
}

// GEARS_Model.forward as the reference writes it, in training mode: every
// cell gets its own copy of the G gene rows ([B*G, h]), the graph
// propagation uses the SDK's gcn_norm + propagate, the perturbation
// embedding is added cell by cell, the decoder's MLP runs in full, and the
// cross-gene state is concatenated to every gene.
at::Tensor naive_forward(std::map<std::string, at::Tensor> p, const sdk::Batch& b, const std::vector<std::int64_t>& measured) {
  const std::int64_t B = b.size(), G = static_cast<std::int64_t>(measured.size()), U = 4;
  const at::Tensor meas = at::tensor(measured, at::kLong);
  auto sgconv = [&](const sdk::Graph& g, at::Tensor x, const std::string& lin) {
    auto [ei, w] = sdk::nn::gcn_norm(g.edge_index, g.weight, U, true);
    x = sdk::nn::propagate(x, ei, w, U);
    return at::linear(x, p.at(lin + ".weight"), p.at(lin + ".bias"));
  };
  Tiny t;
  const auto ctx = t.context();
  at::Tensor emb = at::relu(bn(p, "bn_emb.", p.at("gene_emb").repeat({B, 1})));
  at::Tensor pos = sgconv(ctx.graphs.at("coexpression"), p.at("pos_emb"), "coexpression_sgconv0");
  at::Tensor base = mlp(p, "emb_trans", 2, emb + 0.2 * pos.index_select(0, meas).repeat({B, 1}));
  base = base.reshape({B, G, -1}).clone();
  const at::Tensor pert = sgconv(ctx.graphs.at("go"), p.at("pert_emb"), "go_sgconv0");
  std::vector<std::int64_t> rows;
  std::vector<at::Tensor> sums;
  for (std::int64_t r = 0; r < B; ++r) {
    at::Tensor s;
    for (std::int64_t k = 0; k < b.perturbed_gene.size(0); ++k)
      if (b.perturbed_row[k].item<std::int64_t>() == r) {
        const at::Tensor row = pert[b.perturbed_gene[k].item<std::int64_t>()];
        s = s.defined() ? s + row : row;
      }
    if (s.defined()) {
      rows.push_back(r);
      sums.push_back(s);
    }
  }
  const at::Tensor fused = mlp(p, "pert_fuse", 2, at::stack(sums));
  for (std::size_t i = 0; i < rows.size(); ++i) base[rows[i]] += fused[static_cast<std::int64_t>(i)];
  at::Tensor x = at::relu(bn(p, "bn_state_", base.reshape({B * G, -1}), "weight", "bias"));
  x = at::linear(x, p.at("recovery1.weight"), p.at("recovery1.bias"));
  x = at::relu(bn(p, "recovery_bn.", x));
  x = at::linear(x, p.at("recovery2.weight"), p.at("recovery2.bias")).reshape({B, G, -1});
  const at::Tensor out = (x * p.at("indv_w1")).sum(2) + p.at("indv_b1");  // [B, G]
  const at::Tensor cross = mlp(p, "cross_gene", 2, out);                 // [B, h]
  const std::int64_t h = cross.size(1);
  const at::Tensor w2 = at::cat({p.at("indv_w2_self").unsqueeze(1), p.at("indv_w2_cross")}, 1);  // [G, h+1]
  const at::Tensor cat = at::cat({out.unsqueeze(2), cross.unsqueeze(1).expand({B, G, h})}, 2);
  return (cat * w2).sum(2) + p.at("indv_b2") + b.control;
}

}  // namespace

TEST_CASE("gears: shapes, requirements and training defaults", "[gears]") {
  Tiny t;
  auto model = make_gears();
  CHECK(model->requirements().graphs == std::vector<std::string>{"go", "coexpression"});
  const auto d = model->training_defaults();
  CHECK(d.epochs == 20);
  CHECK(d.batch_size == 32);
  CHECK(d.learning_rate == 1e-3);
  CHECK(d.weight_decay == 5e-4);
  CHECK(d.schedule == "step");
  CHECK(d.gamma == 0.5);
  CHECK(d.clip_norm == 1.0);
  CHECK(d.early_stopping_metric == "mse_de");
  CHECK(model->batch_mode() == sdk::BatchMode::cell_pairs);
  auto c = t.context();
  torch::manual_seed(0);
  model->prepare(c);
  // Tables over the universe (4) or the measured genes (3), width `hidden`.
  const auto p = params_of(*model);
  CHECK(p.at("gene_emb").sizes() == at::IntArrayRef({3, 64}));
  CHECK(p.at("pos_emb").sizes() == at::IntArrayRef({4, 64}));
  CHECK(p.at("pert_emb").sizes() == at::IntArrayRef({4, 64}));
  CHECK(p.at("indv_w1").sizes() == at::IntArrayRef({3, 64}));
  CHECK(p.at("cross_gene.linear0.weight").sizes() == at::IntArrayRef({64, 3}));
  const sdk::Batch b = batch_of(t, {0, 1, 2, 3}, at::rand({4, 3}));
  const at::Tensor y = model->forward(b);
  CHECK(y.sizes() == at::IntArrayRef({4, 3}));
  CHECK(at::isfinite(y).all().item<bool>());
  // Eval mode runs more than 32 rows in chunks: the last 4 of 40 rows equal
  // the same 4 rows run alone.
  {
    model->eval();
    torch::NoGradGuard no_grad;
    std::vector<std::int64_t> conds;
    for (int i = 0; i < 40; ++i) conds.push_back(i % 4);
    const at::Tensor control = at::rand({40, 3});
    const at::Tensor all = model->forward(batch_of(t, conds, control));
    const at::Tensor tail = model->forward(batch_of(t, {0, 1, 2, 3}, control.narrow(0, 36, 4).contiguous()));
    CHECK(all.sizes() == at::IntArrayRef({40, 3}));
    CHECK(at::allclose(all.narrow(0, 36, 4), tail, 1e-5, 1e-6));
    model->train();
  }
  auto small = make_gears({{"hidden", 8}, {"go_layers", 2}, {"coexpression_layers", 0}});
  auto c2 = t.context();
  small->prepare(c2);
  CHECK(small->forward(b).sizes() == at::IntArrayRef({4, 3}));
}

TEST_CASE("gears: the once-per-batch gene part equals a naive per-cell forward", "[gears]") {
  Tiny t;
  auto model = make_gears({{"hidden", 8}});
  auto c = t.context();
  torch::manual_seed(3);
  model->prepare(c);
  // Rows: control, an unmeasured single (P), a measured single (G0), a double.
  const sdk::Batch b = batch_of(t, {0, 2, 1, 3}, at::rand({4, 3}));
  model->train();
  const at::Tensor fast = model->forward(b).detach();
  // The forward rescaled the embedding rows to norm <= 1 in place (max_norm);
  // the naive forward reads the same rescaled tables.
  const at::Tensor naive = naive_forward(params_of(*model), b, t.genes.measured());
  CHECK(at::allclose(fast, naive, 1e-4, 1e-5));
  // Second call: the renorm is idempotent, batch statistics are recomputed.
  CHECK(at::allclose(model->forward(b).detach(), fast, 1e-5, 1e-6));
}

TEST_CASE("gears: loss matches GEARS' loss_fct by hand and both direction modes", "[gears]") {
  // Independent values from the reference's per-group loop (python3, numpy):
  //   def loss(pred, y, conds, masks, ctrl, lam, s):
  //       total = 0.0; groups = sorted(set(conds))
  //       for p in groups:
  //           rows = [i for i, c in enumerate(conds) if c == p]; keep = np.nonzero(masks[p])[0]
  //           pp = pred[rows][:, keep]; yp = y[rows][:, keep]; n = pp.shape[0] * pp.shape[1]
  //           total += np.sum((pp - yp) ** 4) / n
  //           total += np.sum(lam * (s(yp - ctrl[keep]) - s(pp - ctrl[keep])) ** 2) / n
  //       return total / len(groups)
  //   reference (np.sign) 1.402063568, smooth (tanh(10 x)) 1.355004755, lam = 0: 1.252063568
  // By hand (reference): group G0 (cells 0, 1; genes 1, 2 non-zero in its mean [0, 4, 2]):
  // errors^4 1 + 0 + 1 + 1.5^4 = 7.0625 / 4 = 1.765625, direction (sign(2-1) - sign(0.5-1))^2 = 4,
  // 4 / 4 = 1. Control (cell 2, all genes): 1.05^4 + 0.02^4 + 1 = 2.21550641 / 3 = 0.7385021,
  // direction (-1-1)^2 + (0-1)^2 + (1-0)^2 = 6, / 3 = 2.
  // Total (1.765625 + 0.7385021) / 2 + 0.1 * (1 + 2) / 2 = 1.2520636 + 0.15 = 1.4020636.
  Tiny t;
  const at::Tensor target = at::tensor(std::vector<float>{0.f, 4, 2, 0, 3, 2, 1, 0, 2}).view({3, 3});
  const at::Tensor pred0 = at::tensor(std::vector<float>{1.f, 3, 2, 0, 4, 0.5f, 2.05f, 0.02f, 1}).view({3, 3});
  sdk::Batch b = batch_of(t, {1, 1, 0}, at::zeros({3, 3}));
  b.target = target;
  auto value_and_grad = [&](json options) {
    auto model = make_gears(options);
    auto c = t.context();  // control mean [2, 0, 1] from the screen
    model->prepare(c);
    at::Tensor pred = pred0.clone().requires_grad_(true);
    at::Tensor l = model->loss(pred, b);
    l.backward();
    return std::make_pair(l.item<double>(), pred.grad().clone());
  };
  const auto [reference, g_reference] = value_and_grad({{"direction", "reference"}});
  const auto [smooth, g_smooth] = value_and_grad({{"direction", "smooth"}});
  const auto [plain, g_plain] = value_and_grad({{"direction_lambda", 0.0}});
  CHECK(reference == Approx(1.402063568).epsilon(1e-6));
  CHECK(smooth == Approx(1.355004755).epsilon(1e-6));
  CHECK(plain == Approx(1.252063568).epsilon(1e-6));
  // sign() has zero gradient: the reference direction term trains nothing.
  CHECK(at::equal(g_reference, g_plain));
  // The smooth term does: gene 1 of the control cell (pred 0.02 vs control
  // mean 0, observed 0) is pulled towards the control mean.
  CHECK(at::abs(g_smooth - g_plain).max().item<double>() > 1e-3);
  CHECK(g_smooth[2][1].item<double>() > g_plain[2][1].item<double>());
  // Gene 0 of the G0 cells is zero in G0's mean: excluded, no gradient.
  CHECK(g_smooth[0][0].item<double>() == 0.0);
  CHECK(g_smooth[1][0].item<double>() == 0.0);
}

TEST_CASE("gears: uncertainty head adds exp(-logvar)-weighted error", "[gears]") {
  Tiny t;
  auto model = make_gears({{"hidden", 8}, {"uncertainty", true}});
  auto c = t.context();
  model->prepare(c);
  sdk::Batch b = batch_of(t, {1, 2, 0}, at::rand({3, 3}));
  b.target = at::rand({3, 3}) * 3;
  model->train();
  torch::manual_seed(3);
  const at::Tensor with = model->training_step(b).loss;
  with.backward();
  CHECK(model->named_parameters()["uncertainty.linear0.weight"].grad().abs().sum().item<double>() > 0);
  // The same forward pass (same seed, parameters not stepped) scored without
  // its log-variance: the plain loss, err * (1 + exp(-logvar)) > err.
  torch::manual_seed(3);
  const at::Tensor y = model->forward(b);
  CHECK(params_of(*model).count("uncertainty.linear2.weight") == 1);
  CHECK(model->loss(y, b).item<double>() < with.item<double>());
  auto plain = make_gears({{"hidden", 8}});
  auto c2 = t.context();
  plain->prepare(c2);
  CHECK(plain->loss(y, b).item<double>() < with.item<double>());
}

TEST_CASE("gears: learns the tiny screen through the host's Trainer, saves and reloads", "[gears]") {
  // The tiny screen with every cell repeated 6 times (30 cells, one batch):
  // BatchNorm's train/eval statistics then differ by a factor n/(n-1) close
  // to 1, as in real batches of 32.
  Tiny t;
  t.screen.conditions.pop_back();  // the double has no cells
  {
    const at::Tensor dense = t.screen.dense_rows(at::arange(5)).repeat({6, 1});
    const at::Tensor nz = dense != 0;
    t.screen.indptr = at::cat({at::zeros({1}, at::kLong), nz.sum(1).cumsum(0)});
    t.screen.indices = nz.nonzero().select(1, 1).to(at::kInt).contiguous();
    t.screen.values = dense.masked_select(nz).contiguous();
    t.screen.cell_condition = t.screen.cell_condition.repeat({6});
  }
  auto model = make_gears({{"hidden", 16}});
  auto c = t.context();
  tr::TrainerOptions o;
  o.settings = model->training_defaults();
  o.settings.epochs = 400;
  o.settings.batch_size = 30;
  o.settings.learning_rate = 0.02;
  o.settings.schedule = "none";
  o.settings.weight_decay = 0;
  o.settings.clip_norm = 0;
  o.seed = 1;
  torch::manual_seed(1);
  tr::Trainer trainer(c, o);
  c.trainer = &trainer;
  model->fit(c);
  const auto& report = trainer.report();
  // Each epoch pairs the cells with other random controls, so the loss is
  // noisy: compare the means of the first and last 50 epochs.
  auto mean_of = [&](std::size_t from) {
    double s = 0;
    for (std::size_t i = from; i < from + 50; ++i) s += report.train_loss[i];
    return s / 50;
  };
  // The loss cannot reach 0: a cell's target does not depend on its random
  // control partner. Its expected floor, by hand, with prediction = f + the
  // paired control and f the best per-gene value for |err|^4:
  //   ctrl (all genes): partner differs half the time by [2, 0, 2]:
  //     0.5 * (16 + 0 + 16) / 3 = 5.333
  //   G0 (genes 1, 2): gene 1 exact; gene 2 f = 1, errors +-1: (0 + 1) / 2 = 0.5
  //   P: gene 0 targets-partner {1, -1, 3, 1}, f = 1: (0 + 16 + 16 + 0) / 4 = 8;
  //      genes 1, 2 errors +-1: 1 and 1; (8 + 1 + 1) / 3 = 3.333
  //   mean over groups (5.333 + 0.5 + 3.333) / 3 = 3.056 (+ a small direction term).
  INFO("first " << mean_of(0) << " last " << mean_of(350));
  CHECK(mean_of(350) < 3.056 * 1.1);
  CHECK(mean_of(0) > mean_of(350) * 1.3);
  // Observed means (fixtures.hpp): control [2, 0, 1], G0 [0, 4, 2], P [3, 1, 2].
  // Deltas approach the truth: error at most a quarter of the no-change error
  // on the genes the loss keeps (gene 0 is zero in G0's mean: left out).
  const at::Tensor pred = model->predict({t.screen.conditions[1], t.screen.conditions[2]});
  const at::Tensor truth = at::tensor(std::vector<float>{0.f, 4, 2, 3, 1, 2}).view({2, 3});
  const at::Tensor control = at::tensor(std::vector<float>{2.f, 0, 1});
  const at::Tensor kept = at::tensor(std::vector<float>{0.f, 1, 1, 1, 1, 1}).view({2, 3});
  const double err = ((pred - truth).abs() * kept).sum().item<double>();
  const double none = ((control - truth).abs() * kept).sum().item<double>();
  INFO("prediction " << pred);
  CHECK(err < none / 4);

  test::TempDir dir;
  const std::string file = (dir.path() / "model.pt").string();
  model->save(file);
  auto again = make_gears({{"hidden", 16}});
  auto c2 = t.context();
  again->load(file, c2);
  CHECK(at::allclose(again->predict({t.screen.conditions[1], t.screen.conditions[2]}), pred));
}

TEST_CASE("gears: an unmeasured perturbed gene has its own embedding and effect", "[gears]") {
  Tiny t;
  auto model = make_gears({{"hidden", 8}});
  auto c = t.context();
  torch::manual_seed(5);
  model->prepare(c);
  // P (universe index 3) is perturbed but not measured: outputs cover G0-G2 only.
  // Distinct perturbed conditions: BatchNorm over identical rows would
  // make the fuse MLP's output independent of its input.
  sdk::Batch b = batch_of(t, {0, 2, 1, 3}, at::rand({1, 3}).expand({4, 3}).contiguous());
  b.target = at::rand({4, 3}) + 1;
  model->train();
  const at::Tensor y = model->forward(b);
  CHECK(y.sizes() == at::IntArrayRef({4, 3}));
  model->loss(y, b).backward();
  const at::Tensor grad = model->named_parameters()["pert_emb"].grad();
  CHECK(grad[3].abs().sum().item<double>() > 0);  // P's own row
  CHECK(grad[0].abs().sum().item<double>() > 0);  // G0's row
  CHECK(grad[1].abs().sum().item<double>() == 0);  // G1: never perturbed, no GO edge
  model->eval();
  torch::NoGradGuard no_grad;
  const at::Tensor p = model->forward(b);
  CHECK(at::abs(p[1] - p[0]).max().item<double>() > 1e-6);  // P changes the prediction
  CHECK(at::abs(p[1] - p[2]).max().item<double>() > 1e-6);  // differently from G0
  // The intermediates through sdk::Traceable: the control row has no perturbation effect.
  auto* traceable = dynamic_cast<sdk::Traceable*>(model.get());
  REQUIRE(traceable);
  const auto trace = traceable->trace(b);
  CHECK(at::equal(sdk::traced(trace, "output"), p));
  CHECK(sdk::traced(trace, "perturbation_effect")[0].abs().sum().item<double>() == 0);
  CHECK(sdk::traced(trace, "perturbation_effect")[1].abs().sum().item<double>() > 0);
  CHECK(sdk::traced(trace, "state").sizes() == at::IntArrayRef({4, 3, 8}));
}

TEST_CASE("gears: perturbation_features add a projection of a feature to the perturbation embeddings", "[gears]") {
  Tiny t;
  auto model = make_gears({{"hidden", 8}, {"go_layers", 0}, {"perturbation_features", "atlas"}});
  CHECK(model->requirements().features == std::vector<std::string>{"atlas"});
  auto c = t.context();
  c.features["atlas"] = at::rand({4, 5});
  torch::manual_seed(6);
  model->prepare(c);
  REQUIRE(model->named_parameters().contains("perturbation_projection.weight"));
  // Without GO propagation a condition's effect reads only its own genes'
  // rows: the projection of P's feature row reaches P's prediction.
  sdk::Batch b = batch_of(t, {0, 2, 1, 3}, at::rand({1, 3}).expand({4, 3}).contiguous());
  b.target = at::rand({4, 3}) + 1;
  model->train();
  model->loss(model->forward(b), b).backward();
  const at::Tensor grad = model->named_parameters()["perturbation_projection.weight"].grad();
  REQUIRE(grad.defined());
  CHECK(grad.abs().sum().item<double>() > 0);
  // Zeroing the projection gives the model without the feature.
  model->eval();
  torch::NoGradGuard no_grad;
  const at::Tensor with = model->forward(b);
  for (const auto& p : model->named_parameters())
    if (p.key().rfind("perturbation_projection.", 0) == 0) p.value().zero_();
  CHECK(at::abs(model->forward(b) - with).max().item<double>() > 1e-6);
  auto wrong = make_gears({{"perturbation_features", "atlas"}});
  c.features["atlas"] = at::rand({3, 5});
  CHECK_THROWS_WITH(wrong->prepare(c), Contains("feature 'atlas' (option 'perturbation_features') must be [4 genes, d], "
                                                "got [3, 5]"));
}

TEST_CASE("gears: errors name the option, graph or mode", "[gears]") {
  Tiny t;
  CHECK_THROWS_WITH(make_gears({{"hidden", 0}}), Contains("hidden") && Contains("at least 1"));
  CHECK_THROWS_WITH(make_gears({{"direction", "sideways"}}),
                    Contains("option 'direction' must be one of \"smooth\", \"reference\", got \"sideways\""));
  {
    auto model = make_gears({{"go_graph", "gene_ontology"}});
    CHECK(model->requirements().graphs == std::vector<std::string>{"gene_ontology", "coexpression"});
    auto c = t.context();
    CHECK_THROWS_WITH(model->prepare(c), Contains("graph 'gene_ontology' is not built; available: coexpression, go") &&
                                             Contains("[model.graphs.gene_ontology]"));
  }
  {
    auto model = make_gears();
    auto c = t.context(false);
    CHECK_THROWS_WITH(model->prepare(c), Contains("graph 'go' is not built; available: none"));
  }
  {
    auto model = make_gears();
    auto c = t.context();
    c.graphs["go"].num_nodes = 3;
    CHECK_THROWS_WITH(model->prepare(c), Contains("graph 'go' (option go_graph) has 3 nodes") &&
                                             Contains("universe has 4"));
  }
}

TEST_CASE("learned_embedding: seeded N(0, 1) table over the universe, not cacheable", "[gears]") {
  auto make = [](json options) {
    return host().create<sdk::FeatureEncoder>("learned_embedding", options, "[model.encoders.e]");
  };
  sdk::GeneTable genes;
  for (int i = 0; i < 500; ++i) {
    sdk::Gene g;
    g.symbol = "G" + std::to_string(i);
    genes.add(g);
  }
  sdk::BuildContext ctx;
  ctx.genes = &genes;
  ctx.seed = 7;
  auto enc = make({{"dim", 32}});
  CHECK_FALSE(enc->cacheable());
  const at::Tensor a = enc->encode(ctx);
  CHECK(a.sizes() == at::IntArrayRef({500, 32}));
  CHECK(a.scalar_type() == at::kFloat);
  // 16,000 draws: mean within 4 standard errors (4/sqrt(16000) = 0.032) of 0, std within 2% of 1.
  CHECK(std::abs(a.mean().item<double>()) < 0.032);
  CHECK(a.std().item<double>() == Approx(1.0).margin(0.02));
  CHECK(at::equal(a, make({{"dim", 32}})->encode(ctx)));
  ctx.seed = 8;
  CHECK_FALSE(at::equal(a, enc->encode(ctx)));
  CHECK(make(json::object())->encode(ctx).size(1) == 64);
  CHECK_THROWS_WITH(make({{"dim", 0}}), Contains("dim") && Contains("at least 1"));
}

// adapter/grn_topological (plugins/grn_adapters): edge perturbation counted
// and checked pair by pair, seeded neighbour sampling, gradients of the
// cross-attention and SAGE paths against central differences, beta = 0
// leaving GEARS' predictions unchanged bit for bit, the report, and the
// failure messages the issue names.
#include <cmath>
#include <set>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>
#include "catch.hpp"
#include <nlohmann/json.hpp>

#include "../edge_perturbation.hpp"
#include "trellis/sdk/nn/graph_encoder.hpp"
#include "plugin_support.hpp"
#include "support.hpp"
#include "trellis/config/config.hpp"
#include "trellis/experiment/config_schema.hpp"
#include "trellis/experiment/prepare.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/adapter.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/train/trainer.hpp"

namespace fs = std::filesystem;
using namespace trellis;
using Catch::Contains;
using nlohmann::json;
using test::read_text;
using test::run_trellis;
using test::TempDir;

namespace {

using Pairs = std::set<std::pair<std::int64_t, std::int64_t>>;

Pairs pairs_of(const at::Tensor& edges) {
  Pairs out;
  for (std::int64_t e = 0; e < edges.size(1); ++e)
    out.insert({edges[0][e].item<std::int64_t>(), edges[1][e].item<std::int64_t>()});
  return out;
}

sdk::Graph graph(std::int64_t nodes, std::vector<std::int64_t> sources, std::vector<std::int64_t> targets,
                 std::vector<float> weights = {}) {
  sdk::Graph g;
  g.num_nodes = nodes;
  const auto e = static_cast<std::int64_t>(sources.size());
  g.edge_index = at::stack({at::tensor(sources, at::kLong).reshape({e}), at::tensor(targets, at::kLong).reshape({e})});
  if (!weights.empty()) g.weight = at::tensor(weights, at::kFloat);
  return g;
}

std::shared_ptr<sdk::Adapter> make_adapter(const json& options) {
  return test::build_tree_plugins().create<sdk::Adapter>("grn_topological", options, "[model.adapters.genes]");
}

}  // namespace

TEST_CASE("grn edge perturbation: swaps round(alpha E) edges, none duplicated, from the strongest pairs",
          "[grn]") {
  // 20 genes; the regulatory graph is a ring of 20 edges i -> i+1.
  std::vector<std::int64_t> s, t;
  for (std::int64_t i = 0; i < 20; ++i) s.push_back(i), t.push_back((i + 1) % 20);
  const at::Tensor edges = at::stack({at::tensor(s), at::tensor(t)});
  // Pool: i -> i+1 (already edges, must be skipped) and i -> i+2 with
  // weight i (so the strongest are 19->1, 18->0, 17->19, ...), and a self loop.
  std::vector<std::int64_t> ps, pt;
  std::vector<double> pw;
  for (std::int64_t i = 0; i < 20; ++i) {
    ps.push_back(i), pt.push_back((i + 1) % 20), pw.push_back(100.0);
    ps.push_back(i), pt.push_back((i + 2) % 20), pw.push_back(static_cast<double>(i));
  }
  ps.push_back(3), pt.push_back(3), pw.push_back(1000.0);
  const at::Tensor candidates =
      grn::coexpression_candidates(edges, at::stack({at::tensor(ps), at::tensor(pt)}), at::tensor(pw));
  REQUIRE(candidates.size(1) == 20);  // the 20 pairs i -> i+2; existing edges and the loop left out
  // Strongest first: 19 -> 1 (weight 19), then 18 -> 0.
  CHECK(candidates[0][0].item<std::int64_t>() == 19);
  CHECK(candidates[1][0].item<std::int64_t>() == 1);
  CHECK(candidates[0][1].item<std::int64_t>() == 18);
  CHECK(candidates[1][1].item<std::int64_t>() == 0);

  const Pairs original = pairs_of(edges);
  for (auto mode : {grn::PerturbationMode::coexpression, grn::PerturbationMode::random}) {
    const grn::Perturbed p = grn::perturb_edges(edges, candidates, mode, 0.2, 2.0, 20, 7);
    CHECK(p.swapped == 4);  // round(0.2 * 20)
    REQUIRE(p.edges.size(1) == 20);
    const Pairs now = pairs_of(p.edges);
    CHECK(now.size() == 20);  // no pair twice
    std::int64_t kept = 0;
    for (const auto& [a, b] : now) {
      CHECK(a != b);
      if (original.count({a, b})) {
        ++kept;
      } else if (mode == grn::PerturbationMode::coexpression) {
        // Drawn from the strongest ceil(2 x 4) = 8 candidates: sources 12..19.
        CHECK(b == (a + 2) % 20);
        CHECK(a >= 12);
      }
    }
    CHECK(kept == 16);
    // Seeded: the same seed draws the same graph, another seed another.
    CHECK(at::equal(grn::perturb_edges(edges, candidates, mode, 0.2, 2.0, 20, 7).edges, p.edges));
    CHECK(!at::equal(grn::perturb_edges(edges, candidates, mode, 0.2, 2.0, 20, 8).edges, p.edges));
  }
  // A pool smaller than the swaps asked for swaps what it has.
  const grn::Perturbed few =
      grn::perturb_edges(edges, candidates.narrow(1, 0, 3), grn::PerturbationMode::coexpression, 0.5, 2.0, 20, 1);
  CHECK(few.swapped == 3);
  CHECK(few.edges.size(1) == 20);
  CHECK(grn::perturb_edges(edges, candidates, grn::PerturbationMode::none, 0.5, 2.0, 20, 1).swapped == 0);
}

TEST_CASE("grn neighbour sampling: at most k in-edges per gene, all when fewer, reproducible for a seed", "[grn]") {
  // Node 0 has 10 in-edges, node 1 has 2.
  std::vector<std::int64_t> s, t;
  for (std::int64_t i = 2; i < 12; ++i) s.push_back(i), t.push_back(0);
  s.push_back(5), t.push_back(1), s.push_back(6), t.push_back(1);
  const at::Tensor edges = at::stack({at::tensor(s), at::tensor(t)});
  at::Generator a = at::make_generator<at::CPUGeneratorImpl>(5), b = at::make_generator<at::CPUGeneratorImpl>(5),
                c = at::make_generator<at::CPUGeneratorImpl>(6);
  const at::Tensor first = sdk::nn::sample_in_edges(edges, 12, 3, a);
  CHECK(at::equal(first, sdk::nn::sample_in_edges(edges, 12, 3, b)));
  CHECK((first[1] == 0).sum().item<std::int64_t>() == 3);
  CHECK((first[1] == 1).sum().item<std::int64_t>() == 2);
  // Every kept edge is an original one; another seed keeps another set.
  const Pairs all = pairs_of(edges);
  for (const auto& pair : pairs_of(first)) CHECK(all.count(pair) == 1);
  bool differs = false;
  for (int i = 0; i < 5 && !differs; ++i) differs = !at::equal(first, sdk::nn::sample_in_edges(edges, 12, 3, c));
  CHECK(differs);
  CHECK(at::equal(sdk::nn::sample_in_edges(edges, 12, 0, a), edges));
}

TEST_CASE("grn_topological: gradients of the cross-attention and SAGE paths match central differences", "[grn]") {
  // 6 genes, a prior graph and a second graph, widths 4, 2 heads, beta 0.7.
  sdk::FitContext context;
  context.graphs["prior"] = graph(6, {0, 0, 1, 2, 3, 4}, {1, 2, 3, 4, 5, 0});
  context.graphs["second"] = graph(6, {5, 4, 1}, {1, 2, 0});
  context.seed = 3;
  for (const std::string encoder : {"sage", "gin", "gcn"}) {
    INFO(encoder);
    torch::manual_seed(9);
    auto adapter = make_adapter({{"graphs", {"prior", "second"}}, {"heads", 2}, {"beta", 0.7},
                                 {"perturbation", "none"}, {"encoder", encoder}});
    adapter->prepare(context, {"genes", "predictor/test", 4, at::arange(6, at::kLong)});
    adapter->to(at::kDouble);
    adapter->eval();  // full neighbourhoods: the function is deterministic
    const at::Tensor h = at::randn({6, 4}, at::kDouble).set_requires_grad(true);
    const at::Tensor w = at::randn({6, 4}, at::kDouble);
    const auto loss = [&](const at::Tensor& x) { return (adapter->adapt(x) * w).sum(); };
    // Parameters on each path: the attention's query projection, the first
    // graph's first layer, and beta.
    std::map<std::string, at::Tensor> params;
    for (const auto& item : adapter->named_parameters()) params[item.key()] = item.value();
    const std::string layer = encoder == "sage" ? "encoder_prior.layer0.lin_l.weight"
                              : encoder == "gcn" ? "encoder_prior.layer0.lin.weight"
                                                 : "encoder_prior.layer0.lin1.weight";
    REQUIRE(params.count("attention.q.weight"));
    REQUIRE(params.count(layer));
    REQUIRE(params.count("beta"));
    const std::vector<at::Tensor> inputs = {h, params["attention.q.weight"], params[layer], params["beta"]};
    const auto grads = torch::autograd::grad({loss(h)}, inputs);
    const double eps = 1e-6;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      torch::NoGradGuard no_grad;
      auto entry = inputs[i].view({-1});
      const double saved = entry[0].item<double>();
      entry[0] = saved + eps;
      const double up = loss(h).item<double>();
      entry[0] = saved - eps;
      const double down = loss(h).item<double>();
      entry[0] = saved;
      CHECK(grads[i].view({-1})[0].item<double>() == Approx((up - down) / (2 * eps)).epsilon(1e-5).margin(1e-9));
    }
  }
}

TEST_CASE("grn_topological: bad input fails with a clear error", "[grn]") {
  sdk::FitContext context;
  context.graphs["prior"] = graph(6, {0, 1}, {1, 2});
  context.graphs["far"] = graph(10, {7, 8}, {8, 9});
  auto adapter = make_adapter({{"graphs", {"prior"}}, {"heads", 2}, {"perturbation", "none"}});
  // Widths that do not match: the slot declared 4, adapt() gets 6.
  adapter->prepare(context, {"genes", "predictor/test", 4, at::arange(6, at::kLong)});
  CHECK_THROWS_WITH(adapter->adapt(at::zeros({6, 6})),
                    Contains("adapter/grn_topological in slot 'genes' of predictor/test: embeddings are [6, 6] but the "
                             "slot declared [6, 4]: width 6 vs 4"));
  CHECK_THROWS_WITH(adapter->adapt(at::zeros({5, 4})), Contains("one row per gene of the slot (6) is needed"));
  // A graph over fewer nodes than the slot's genes.
  context.graphs["small"] = graph(3, {0}, {1});
  auto small = make_adapter({{"graphs", {"small"}}, {"heads", 2}, {"perturbation", "none"}});
  CHECK_THROWS_WITH(small->prepare(context, {"genes", "predictor/test", 4, at::arange(6, at::kLong)}),
                    Contains("graph 'small' has 3 nodes, but the slot's genes are universe genes up to index 5"));
  // Heads that do not divide the slot's width.
  auto three = make_adapter({{"graphs", {"prior"}}, {"heads", 3}, {"perturbation", "none"}});
  CHECK_THROWS_WITH(three->prepare(context, {"genes", "predictor/test", 4, at::arange(6, at::kLong)}),
                    Contains("the slot's embedding width 4 is not a multiple of heads = 3"));
  // A graph with no edges among the slot's genes.
  context.graphs["far"].num_nodes = 10;
  auto far = make_adapter({{"graphs", {"far"}}, {"heads", 2}, {"perturbation", "none"}});
  CHECK_THROWS_WITH(far->prepare(context, {"genes", "predictor/test", 4, at::arange(6, at::kLong)}),
                    Contains("graph 'far' has no edges among the slot's 6 genes (it has 2 edges in all)"));
  // alpha outside [0, 1].
  CHECK_THROWS_WITH(make_adapter({{"alpha", 1.5}}), Contains("alpha") && Contains("1.5"));
  CHECK_THROWS_WITH(make_adapter({{"perturbed_graph", "other"}}),
                    Contains("perturbed_graph = 'other' is not one of the encoded graphs (dorothea)"));
}

namespace {

// GEARS on Norman19 with 16-wide embeddings, 1 epoch, plus `extra`.
std::unique_ptr<core::experiment::Prepared> prepare_gears(TempDir& dir, const std::string& name,
                                                          const std::string& extra) {
  const auto& host = test::run_host();
  const std::string text = "extends = [\"" + std::string(TRELLIS_SOURCE_DIR) + "/configs/data/norman19.toml\", \"" +
                           std::string(TRELLIS_SOURCE_DIR) + "/configs/models/gears.toml\"]\nseed = 2\n" +
                           "[model.predictor]\nhidden = 16\n" + extra;
  const toml::table config = core::config::load(dir.write(name, text), core::experiment::path_rule(&host));
  return core::experiment::prepare(config, host);
}

at::Tensor fit_and_predict(core::experiment::Prepared& prepared) {
  auto model = std::dynamic_pointer_cast<sdk::NeuralPredictor>(prepared.model.predictor);
  sdk::FitContext& c = prepared.context;
  core::train::TrainerOptions o;
  o.seed = 2;
  o.settings = model->training_defaults();
  o.settings.epochs = 1;
  torch::manual_seed(2);
  core::train::Trainer trainer(c, o);
  c.trainer = &trainer;
  model->fit(c);
  std::vector<sdk::Condition> conditions;
  for (std::int64_t i : prepared.test) conditions.push_back(c.screen->conditions[static_cast<std::size_t>(i)]);
  return model->predict(conditions);
}

const std::string kAdapter = R"(
[model.graphs.dorothea]
type = "graph/prior_network"
file = "${TRELLIS_DATA_DIR}/networks/dorothea_hs.tsv.gz"
[model.adapters.genes]
type = "adapter/grn_topological"
graphs = ["dorothea", "coexpression"]
heads = 4
)";

}  // namespace

TEST_CASE("grn_topological in GEARS: beta = 0 kept leaves predictions unchanged bit for bit; learned beta moves",
          "[grn][gears]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  auto plain = prepare_gears(dir, "plain.toml", "");
  const at::Tensor without = fit_and_predict(*plain);
  auto fixed = prepare_gears(dir, "fixed.toml", kAdapter + "learn_beta = false\n");
  fixed->context.run_dir = dir.path().string();
  CHECK(at::equal(fit_and_predict(*fixed), without));
  auto learned = prepare_gears(dir, "learned.toml", kAdapter);
  learned->context.run_dir = dir.path().string();
  const at::Tensor with = fit_and_predict(*learned);
  CHECK(!at::equal(with, without));
  // The report: beta learned away from 0, one row per measured gene.
  const json report = json::parse(read_text(dir.path() / "adapter_genes.json"));
  CHECK(report.at("beta").get<double>() != 0.0);
  CHECK(report.at("genes").get<std::int64_t>() == 500);
  const std::string tsv = read_text(dir.path() / "adapter_genes_attention.tsv");
  CHECK(std::count(tsv.begin(), tsv.end(), '\n') == 501);
}

TEST_CASE("grn adapters from TOML: a slot the model lacks, an empty pool, the shipped *_grn configs", "[grn][cli]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const std::string base = "extends = [\"" + std::string(TRELLIS_SOURCE_DIR) + "/configs/experiments/";
  // A slot GEARS does not have: the message names the slots it has.
  const fs::path wrong = dir.write("wrong.toml", base + "gears_grn_norman19.toml\"]\n[model.adapters.cells]\n"
                                                        "type = \"adapter/grn_topological\"\n");
  auto r = run_trellis("run " + wrong.string() + " --out " + (dir.path() / "wrong").string());
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("[model.adapters.cells]: predictor/gears has no adapter slot 'cells'") &&
                           Contains("genes"));
  CHECK(!fs::exists(dir.path() / "wrong"));
  // A pool with fewer pairs than swaps (co-expression's 88 edges swapped for
  // DoRothEA's 14): a warning with the count swapped.
  const fs::path small = dir.write("small.toml", base + "linear_grn_norman19.toml\"]\n"
                                                        "[model.adapters.genes]\nalpha = 1.0\n"
                                                        "perturbed_graph = \"coexpression\"\npool = \"dorothea\"\n"
                                                        "[model.predictor]\nadapter_epochs = 3\n");
  r = run_trellis("--threads 2 run " + small.string() + " --out " + (dir.path() / "small").string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("the co-expression pool 'dorothea' has ") &&
                           Contains("swaps alpha = 1 asks for; swapping ") && Contains("edges per epoch"));
  CHECK_THAT(r.output, Contains("predictor/linear: adapter trained for 3 epochs through the closed form"));
  CHECK(fs::exists(dir.path() / "small" / "adapter_genes.json"));
}

// GRAPE's structure parts (plugins/grape): relation/biotype, gsl/grape_khop
// and gsl/knn_attention, loaded from the build tree. Expected values come from NumPy (scripts in the comments) or
// from dense re-computations written here from the definitions in
// METHODS.md (full G x G matrices, explicit concatenations), independent of
// the plugin's blockwise, top-k and factorised code paths.
#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <set>

#include <ATen/ATen.h>
#include <torch/torch.h>
#include "catch.hpp"
#include <nlohmann/json.hpp>

#include "graph_support.hpp"
#include "plugin_support.hpp"
#include "support.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/graph_constructor.hpp"
#include "trellis/sdk/gsl.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/relation.hpp"

using namespace trellis;
using Catch::Contains;
using nlohmann::json;
using test::check_same_edges;
using test::EdgeMap;
using test::dense_edges;
using test::dense_multimodal;
using test::edges;
using test::LogCapture;
using test::numbered_genes;
using test::peak_rss_mb;
using test::seconds_since;
using test::set_timing_threads;

namespace {

const core::plugin::PluginHost& host() { return test::build_tree_plugins(); }

/// GRAPE's prior (plugins/graphs).
std::shared_ptr<sdk::GraphConstructor> make_graph(const json& options = json::object()) {
  return host().create<sdk::GraphConstructor>("multimodal_similarity", options, "[model.graphs.prior]");
}
std::shared_ptr<sdk::RelationTyper> make_typer(const json& options = json::object()) {
  return host().create<sdk::RelationTyper>("biotype", options, "[model.relations]");
}
std::shared_ptr<sdk::StructureLearner> make_gsl(const std::string& name, const json& options = json::object()) {
  return host().create<sdk::StructureLearner>(name, options, "[model.gsl]");
}

/// The (source, target) pairs of a graph.
std::set<std::pair<std::int64_t, std::int64_t>> pairs(const sdk::Graph& g) {
  std::set<std::pair<std::int64_t, std::int64_t>> out;
  for (const auto& [key, w] : edges(g)) out.insert(key);
  return out;
}


}  // namespace

// ===========================================================================
// relation/biotype

namespace {

/// A, B protein_coding; C lncRNA; D miRNA; E snoRNA; F snRNA; G pseudogene; H other.
sdk::GeneTable biotype_genes() {
  sdk::GeneTable t;
  const std::vector<std::pair<std::string, sdk::Biotype>> genes{
      {"A", sdk::Biotype::protein_coding}, {"B", sdk::Biotype::protein_coding}, {"C", sdk::Biotype::lncRNA},
      {"D", sdk::Biotype::miRNA},          {"E", sdk::Biotype::snoRNA},         {"F", sdk::Biotype::snRNA},
      {"G", sdk::Biotype::pseudogene},     {"H", sdk::Biotype::other}};
  for (const auto& [symbol, biotype] : genes) {
    sdk::Gene g;
    g.symbol = symbol;
    g.biotype = biotype;
    t.add(g);
  }
  return t;
}

/// Edges (source -> target): A->B, B->A, A->C, C->A, D->B, E->F, G->H, B->C;
/// weights 1..8 (requiring grad, to check typing keeps autograd).
sdk::Graph biotype_graph(std::int64_t edges_used = 8) {
  sdk::Graph g;
  g.name = "prior";
  g.num_nodes = 8;
  g.edge_index = at::tensor({0, 1, 0, 2, 3, 4, 6, 1, 1, 0, 2, 0, 1, 5, 7, 2}, at::kLong).view({2, 8}).slice(1, 0, edges_used);
  g.weight = at::arange(1, edges_used + 1, at::kFloat).requires_grad_(true);
  return g;
}

std::vector<std::int64_t> types_of(const sdk::Graph& g) {
  const at::Tensor t = g.edge_type.contiguous();
  return {t.data_ptr<std::int64_t>(), t.data_ptr<std::int64_t>() + t.numel()};
}

std::vector<float> weights_of(const sdk::Graph& g) {
  const at::Tensor w = g.weight.detach().contiguous();
  return {w.data_ptr<float>(), w.data_ptr<float>() + w.numel()};
}

}  // namespace

TEST_CASE("biotype: binary relations, undirected and directed", "[grape-structure]") {
  const sdk::GeneTable genes = biotype_genes();
  const sdk::Graph graph = biotype_graph();
  // C-C: A->B, B->A; C-N (both directions): A->C, C->A, D->B, B->C; N-N: E->F, G->H.
  const sdk::Graph typed = make_typer()->assign(graph, genes);
  typed.validate();
  CHECK(typed.relation_names == std::vector<std::string>{"C-C", "C-N", "N-N"});
  CHECK(types_of(typed) == std::vector<std::int64_t>{0, 0, 1, 1, 1, 2, 2, 1});
  CHECK(typed.num_edges() == 8);
  // Directed: C->A and D->B are N-C.
  const sdk::Graph directed = make_typer(json{{"directed", true}})->assign(graph, genes);
  CHECK(directed.relation_names == std::vector<std::string>{"C-C", "C-N", "N-C", "N-N"});
  CHECK(types_of(directed) == std::vector<std::int64_t>{0, 0, 1, 2, 2, 3, 3, 1});
  // Subgraphs per relation are what the heterogeneous GNN consumes.
  CHECK(typed.relation_subgraph(1).num_edges() == 4);
}

TEST_CASE("biotype: a type without edges is dropped with a warning, ids stay dense", "[grape-structure]") {
  const sdk::GeneTable genes = biotype_genes();
  LogCapture log;
  // The first five edges have no N-N pair.
  const sdk::Graph typed = make_typer()->assign(biotype_graph(5), genes);
  CHECK(typed.relation_names == std::vector<std::string>{"C-C", "C-N"});
  CHECK(types_of(typed) == std::vector<std::int64_t>{0, 0, 1, 1, 1});
  CHECK_THAT(log.all(), Contains("warning: relation/biotype: no edge of graph 'prior' is of relation type 'N-N'; the type "
                                 "is dropped"));
  // A predictor re-types its learned graph every step: the warning comes once.
  auto typer = make_typer();
  typer->assign(biotype_graph(5), genes);
  typer->assign(biotype_graph(4), genes);
  std::size_t warnings = 0;
  for (const auto& m : log.messages) warnings += m.find("'N-N'") != std::string::npos;
  CHECK(warnings == 2);  // one from each typer
}

TEST_CASE("biotype: types selects relations and keeps the weights' gradient", "[grape-structure]") {
  const sdk::GeneTable genes = biotype_genes();
  const sdk::Graph graph = biotype_graph();
  const sdk::Graph cn = make_typer(json{{"types", {"C-N"}}})->assign(graph, genes);
  CHECK(cn.relation_names == std::vector<std::string>{"C-N"});
  CHECK(types_of(cn) == std::vector<std::int64_t>{0, 0, 0, 0});
  CHECK(weights_of(cn) == std::vector<float>{3, 4, 5, 8});
  CHECK(at::equal(cn.edge_index, at::tensor({0, 2, 3, 1, 2, 0, 1, 2}, at::kLong).view({2, 4})));
  cn.weight.sum().backward();
  CHECK(at::equal(graph.weight.grad(), at::tensor({0, 0, 1, 1, 1, 0, 0, 1}, at::kFloat)));
  // Asked for in the other order: ids follow the scheme's order, not the list's.
  const sdk::Graph two = make_typer(json{{"types", {"N-N", "C-C"}}})->assign(graph, genes);
  CHECK(two.relation_names == std::vector<std::string>{"C-C", "N-N"});
  CHECK(types_of(two) == std::vector<std::int64_t>{0, 0, 1, 1});
}

TEST_CASE("biotype: fine classes, rare pairs merged into other", "[grape-structure]") {
  const sdk::GeneTable genes = biotype_genes();
  const sdk::Graph graph = biotype_graph();
  // Pairs (undirected, class order): A-B, B-A protein_coding-protein_coding;
  // A-C, C-A, B-C protein_coding-lncRNA; D-B protein_coding-miRNA; E-F
  // sno/snRNA-sno/snRNA (snoRNA and snRNA merged); G-H pseudogene-other.
  // Default min_fraction 0.01 of 8 edges: at least 1 edge, nothing merged.
  const sdk::Graph fine = make_typer(json{{"classes", "fine"}})->assign(graph, genes);
  CHECK(fine.relation_names == std::vector<std::string>{"protein_coding-protein_coding", "protein_coding-lncRNA",
                                                       "protein_coding-miRNA", "sno/snRNA-sno/snRNA",
                                                       "pseudogene-other"});
  CHECK(types_of(fine) == std::vector<std::int64_t>{0, 0, 1, 1, 2, 3, 4, 1});
  // At least 2 edges (min_edges) or 25% of 8 (min_fraction): the same three
  // single-edge pairs go to "other".
  LogCapture log;
  for (const json& options : {json{{"classes", "fine"}, {"min_edges", 2}}, json{{"classes", "fine"}, {"min_fraction", 0.25}}}) {
    const sdk::Graph merged = make_typer(options)->assign(graph, genes);
    CHECK(merged.relation_names == std::vector<std::string>{"protein_coding-protein_coding", "protein_coding-lncRNA", "other"});
    CHECK(types_of(merged) == std::vector<std::int64_t>{0, 0, 1, 1, 2, 2, 2, 1});
  }
  CHECK_THAT(log.all(), Contains("merged into 'other': protein_coding-miRNA (1), sno/snRNA-sno/snRNA (1), pseudogene-other (1)"));
  // Directed: C->A is lncRNA-protein_coding, D->B miRNA-protein_coding.
  const sdk::Graph directed = make_typer(json{{"classes", "fine"}, {"directed", true}})->assign(graph, genes);
  CHECK(directed.relation_names == std::vector<std::string>{"protein_coding-protein_coding", "protein_coding-lncRNA",
                                                           "lncRNA-protein_coding", "miRNA-protein_coding",
                                                           "sno/snRNA-sno/snRNA", "pseudogene-other"});
  CHECK(types_of(directed) == std::vector<std::int64_t>{0, 0, 1, 2, 3, 4, 5, 1});
  // Selected pairs plus "other" for the rest; a selected pair without edges warns.
  const sdk::Graph selected =
      make_typer(json{{"classes", "fine"}, {"types", {"other", "lncRNA-lncRNA", "protein_coding-lncRNA"}}})->assign(graph, genes);
  CHECK(selected.relation_names == std::vector<std::string>{"protein_coding-lncRNA", "other"});
  CHECK(types_of(selected) == std::vector<std::int64_t>{1, 1, 0, 0, 1, 1, 1, 0});
  CHECK_THAT(log.all(), Contains("warning: relation/biotype: no edge of graph 'prior' is of relation type 'lncRNA-lncRNA'"));
}

TEST_CASE("biotype: failures name the types and the fix", "[grape-structure]") {
  const sdk::GeneTable genes = biotype_genes();
  REQUIRE_THROWS_WITH(make_typer(json{{"types", {"C-C", "C-X"}}}),
                      Contains("asks for relation type 'C-X', which does not exist for classes = \"binary\" with "
                               "directed = false; available: C-C, C-N, N-N"));
  // N-C exists only when directed.
  REQUIRE_THROWS_WITH(make_typer(json{{"types", {"N-C"}}}), Contains("available: C-C, C-N, N-N"));
  CHECK_NOTHROW(make_typer(json{{"types", {"N-C"}}, {"directed", true}}));
  REQUIRE_THROWS_WITH(make_typer(json{{"classes", "fine"}, {"types", {"C-N"}}}),
                      Contains("'C-N', which does not exist for classes = \"fine\"") &&
                          Contains("protein_coding-lncRNA") && Contains("other"));
  REQUIRE_THROWS_WITH(make_typer(json{{"classes", "coarse"}}), Contains("option 'classes' must be one of \"binary\", \"fine\", got \"coarse\""));
  // Every edge of an unselected type.
  LogCapture log;
  REQUIRE_THROWS_WITH(make_typer(json{{"types", {"N-N"}}})->assign(biotype_graph(5), genes),
                      Contains("none of the 5 edges of graph 'prior' is of the requested types [N-N]; its edges are "
                               "C-C (2 edges), C-N (3 edges); change types"));
  sdk::Graph small = biotype_graph();
  small.num_nodes = 9;
  REQUIRE_THROWS_WITH(make_typer()->assign(small, genes),
                      Contains("graph 'prior' has 9 nodes but the gene table has 8 genes"));
}

// ===========================================================================
// gsl/grape_khop and gsl/knn_attention

namespace {

/// A symmetric random prior over n nodes: pairs with a uniform draw > 0.6
/// get weights in [0, 0.1) (some below prior_threshold 0.04), no self loops.
sdk::Graph random_prior(std::int64_t n, std::uint64_t seed) {
  at::manual_seed(seed);
  const at::Tensor draw = at::rand({n, n}).triu(1);
  const at::Tensor w = at::rand({n, n}).triu(1) * 0.1;
  std::vector<std::int64_t> src, dst;
  std::vector<float> weight;
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = i + 1; j < n; ++j)
      if (draw[i][j].item<float>() > 0.6f) {
        for (const auto& [a, b] : {std::make_pair(i, j), std::make_pair(j, i)}) {
          src.push_back(a);
          dst.push_back(b);
          weight.push_back(w[i][j].item<float>());
        }
      }
  sdk::Graph g;
  g.name = "prior";
  g.num_nodes = n;
  g.edge_index = at::stack({at::tensor(src, at::kLong), at::tensor(dst, at::kLong)});
  g.weight = at::tensor(weight, at::kFloat);
  return g;
}

/// Dense [n, n] matrix of a graph: m[target][source] = weight.
at::Tensor dense_of(const sdk::Graph& g, at::ScalarType type = at::kDouble) {
  at::Tensor m = at::zeros({g.num_nodes * g.num_nodes}, at::TensorOptions().dtype(type));
  m.index_add_(0, g.edge_index[1] * g.num_nodes + g.edge_index[0], g.weights_or_ones().detach().to(type));
  return m.view({g.num_nodes, g.num_nodes});
}

std::map<std::string, at::Tensor> params(torch::nn::Module& m) {
  std::map<std::string, at::Tensor> out;
  for (const auto& p : m.named_parameters()) out[p.key()] = p.value();
  return out;
}

/// gsl/grape_khop from its definition, densely: GCN with the normalised
/// adjacency D^-1/2 (A + I) D^-1/2 (A: prior edges >= pt, unweighted, no self
/// loops; D: in-degrees), ReLU between layers, per layer the mean over heads
/// of the cosine matrices, softmax-weighted sum, row L2 norm, entries < t
/// zeroed, diagonal zeroed.
at::Tensor dense_khop(std::map<std::string, at::Tensor>& p, const at::Tensor& x, const sdk::Graph& prior, double pt,
                      double t, std::int64_t layers, std::int64_t heads) {
  const std::int64_t n = x.size(0);
  at::Tensor a = dense_of(prior, x.scalar_type());
  a = (a >= pt).to(x.scalar_type());
  a.fill_diagonal_(0);
  a += at::eye(n, x.options());
  const at::Tensor d = a.sum(1).rsqrt();
  const at::Tensor norm_adj = d.unsqueeze(1) * a * d.unsqueeze(0);
  const at::Tensor c = at::softmax(p["channel_weights"], 0);
  at::Tensor z = x, s = at::zeros({n, n}, x.options());
  for (std::int64_t l = 1; l <= layers; ++l) {
    const std::string L = std::to_string(l);
    z = norm_adj.mm(z.mm(p["gcn" + L + ".lin.weight"].t())) + p["gcn" + L + ".bias"];
    if (l < layers) z = at::relu(z);
    at::Tensor layer = at::zeros({n, n}, x.options());
    for (std::int64_t h = 1; h <= heads; ++h) {
      const at::Tensor q = z.mm(p["layer" + L + "_head" + std::to_string(h) + ".weight"].t());
      const at::Tensor u = q / q.norm(2, {1}, true);
      layer = layer + u.mm(u.t());
    }
    s = s + c[l - 1] * layer / static_cast<double>(heads);
  }
  s = s / s.norm(2, {1}, true);
  s = at::where(s >= t, s, at::zeros_like(s));
  return s * (1 - at::eye(n, x.options()));
}

/// Keeps each row's k largest entries of a dense matrix (others zero), differentiably.
at::Tensor keep_row_top_k(const at::Tensor& m, std::int64_t k) {
  const at::Tensor index = std::get<1>(m.detach().topk(k, 1));
  return m * at::zeros_like(m).scatter_(1, index, 1.0);
}

}  // namespace

TEST_CASE("grape_khop: graph, regulariser and gradients match a dense computation", "[grape-structure]") {
  const std::int64_t n = 14;
  const sdk::Graph prior = random_prior(n, 3);
  at::manual_seed(11);
  const at::Tensor x = at::randn({n, 5}, at::kDouble);
  for (const std::int64_t k : {0, 3}) {
    INFO("k = " << k);
    at::manual_seed(5);
    auto gsl = make_gsl("grape_khop", json{{"hidden", {6, 5, 4}}, {"k", k}, {"reg_weight", 0.5}, {"block_rows", 4}});
    CHECK(gsl->parameters().empty());  // created on the first learn()
    const sdk::GslOutput out = gsl->learn(x, prior);
    out.graph.validate();
    CHECK(out.graph.num_nodes == n);
    CHECK_FALSE(out.graph.edge_type.defined());  // re-typed by the predictor
    CHECK(out.graph.weight.requires_grad());
    auto p = params(*gsl);
    REQUIRE(p.size() == 3 * 2 + 3 * 3 + 1);
    CHECK(p["gcn1.lin.weight"].sizes() == at::IntArrayRef{6, 5});
    CHECK(p["layer3_head2.weight"].sizes() == at::IntArrayRef{4, 4});
    CHECK(p["channel_weights"].scalar_type() == at::kDouble);
    // Make the channel weights unequal so their softmax matters.
    {
      at::NoGradGuard no_grad;
      p["channel_weights"].copy_(at::tensor({0.3, -0.2, 0.5}, at::kDouble));
    }
    const sdk::GslOutput out2 = gsl->learn(x, prior);
    at::Tensor dense = dense_khop(p, x, prior, 0.04, 0.015, 3, 3);
    if (k > 0) dense = keep_row_top_k(dense, k);
    const EdgeMap expected = dense_edges(dense.detach(), 0);
    REQUIRE(expected.size() > 2 * static_cast<std::size_t>(n));
    check_same_edges(edges(out2.graph), expected, 1e-9);
    // Regulariser: 0.5 * mean over all n x n entries of (G - P)^2.
    const at::Tensor reg = 0.5 * (dense - dense_of(prior)).pow(2).mean();
    CHECK(out2.regulariser.item<double>() == Approx(reg.item<double>()).epsilon(1e-9));
    // Gradients of sum(c_e G_e) + regulariser w.r.t. every parameter.
    at::manual_seed(2);
    const at::Tensor coefficient = at::randn({n, n}, at::kDouble);
    const at::Tensor sparse_c = coefficient.index({out2.graph.edge_index[1], out2.graph.edge_index[0]});
    (out2.graph.weight * sparse_c).sum().add(out2.regulariser).backward();
    std::map<std::string, at::Tensor> sparse_grad;
    for (auto& [name, t] : p) sparse_grad[name] = t.grad().clone();
    gsl->zero_grad();
    ((dense * coefficient).sum() + reg).backward();
    for (auto& [name, t] : p) {
      INFO(name);
      REQUIRE(t.grad().defined());
      CHECK(t.grad().abs().max().item<double>() > 0);
      CHECK(at::allclose(sparse_grad[name], t.grad(), 1e-7, 1e-10));
    }
  }
}

TEST_CASE("grape_khop: detach stops the prediction gradient but not the regulariser's", "[grape-structure]") {
  const sdk::Graph prior = random_prior(20, 4);
  const at::Tensor x = at::randn({20, 8});
  for (const bool detach : {false, true}) {
    INFO("detach = " << detach);
    auto gsl = make_gsl("grape_khop", json{{"hidden", {8, 8, 4}}, {"detach", detach}, {"input_dim", 8}});
    CHECK(gsl->parameters().size() == 16);  // input_dim: created at construction
    const sdk::GslOutput out = gsl->learn(x, prior);
    CHECK(out.graph.weight.requires_grad() == !detach);
    if (!detach) {
      out.graph.weight.pow(2).sum().backward({}, /*retain_graph=*/true);
      for (const auto& p : gsl->named_parameters()) {
        INFO(p.key());
        REQUIRE(p.value().grad().defined());
        CHECK(p.value().grad().abs().sum().item<float>() > 0);
      }
    } else {
      for (const auto& p : gsl->parameters()) CHECK_FALSE(p.grad().defined());
    }
    gsl->zero_grad();
    out.regulariser.backward();
    for (const auto& p : gsl->named_parameters()) {
      INFO(p.key());
      REQUIRE(p.value().grad().defined());
      CHECK(p.value().grad().abs().sum().item<float>() > 0);
    }
  }
}

TEST_CASE("grape_khop: recompute_every reuses the pairs in training only", "[grape-structure]") {
  const sdk::Graph prior = random_prior(30, 5);
  at::manual_seed(3);
  const at::Tensor x = at::randn({30, 6});
  auto gsl = make_gsl("grape_khop", json{{"hidden", {8, 8, 4}}, {"k", 4}, {"recompute_every", 3}});
  const auto shuffle = [&] {
    at::NoGradGuard no_grad;
    for (auto& p : gsl->parameters()) p.copy_(at::randn_like(p));
  };
  const auto fresh_eval = [&] {
    gsl->eval();
    const sdk::Graph g = gsl->learn(x, prior).graph;
    gsl->train();
    return g;
  };
  const sdk::Graph first = gsl->learn(x, prior).graph;  // call 1: selects
  CHECK(pairs(fresh_eval()) == pairs(first));           // eval calls do not count
  for (int call = 2; call <= 3; ++call) {
    INFO("call " << call);
    shuffle();
    const sdk::Graph now = fresh_eval();
    const sdk::Graph reused = gsl->learn(x, prior).graph;
    REQUIRE(pairs(now) != pairs(first));  // a fresh selection would differ
    CHECK(at::equal(reused.edge_index, first.edge_index));
    CHECK_FALSE(at::allclose(reused.weight, first.weight));
    // The reused pairs' weights are those of the current parameters.
    const EdgeMap current = edges(now);
    const EdgeMap got = edges(reused);
    for (const auto& [key, w] : got)
      if (current.count(key)) CHECK(w == Approx(current.at(key)).margin(1e-5));
  }
  shuffle();
  const sdk::Graph expected = fresh_eval();
  CHECK(pairs(gsl->learn(x, prior).graph) == pairs(expected));  // call 4: selects again
}

TEST_CASE("grape_khop: failures name the thresholds and sizes", "[grape-structure]") {
  const sdk::Graph prior = random_prior(12, 6);
  const at::Tensor x = at::randn({12, 4});
  REQUIRE_THROWS_WITH(make_gsl("grape_khop", json{{"threshold", 0.99}, {"hidden", {4, 4}}})->learn(x, prior),
                      Contains("the learned graph is empty") && Contains("threshold = 0.99") &&
                          Contains("prior_threshold = 0.04") && Contains("k = 50") && Contains("lower threshold"));
  auto gsl = make_gsl("grape_khop", json{{"hidden", {4, 4}}});
  REQUIRE_THROWS_WITH(gsl->learn(at::randn({11, 4}), prior),
                      Contains("node representations have 11 rows but the prior graph 'prior' has 12 nodes"));
  gsl->learn(x, prior);
  REQUIRE_THROWS_WITH(gsl->learn(at::randn({12, 5}), prior),
                      Contains("have 5 columns but the learner was built for 4"));
  REQUIRE_THROWS_WITH(make_gsl("grape_khop", json{{"hidden", json::array()}}), Contains("at least one layer width"));
  REQUIRE_THROWS_WITH(make_gsl("grape_khop", json{{"recompute_every", 0}}), 
                      Contains("option 'recompute_every' must be at least 1, got 0"));
}

TEST_CASE("knn_attention: kNN softmax weights, prior mix and entropy match a dense computation", "[grape-structure]") {
  const std::int64_t n = 15, k = 4;
  const double temperature = 0.5;
  const sdk::Graph prior = random_prior(n, 8);
  at::manual_seed(9);
  const at::Tensor x = at::randn({n, 7}, at::kDouble);
  auto gsl = make_gsl("knn_attention", json{{"dim", 5}, {"k", k}, {"mix_prior", 0.0}, {"entropy_weight", 0.1}, {"block_rows", 6}});
  const sdk::GslOutput out = gsl->learn(x, prior);
  auto p = params(*gsl);
  REQUIRE(p.count("projection.weight"));
  // Dense: cosine in the projection, each row's k best others, softmax(cos / T) over them.
  const at::Tensor q = x.mm(p["projection.weight"].t());
  const at::Tensor u = q / q.norm(2, {1}, true);
  const at::Tensor cosine = u.mm(u.t()) - 10 * at::eye(n, x.options());  // never pick oneself
  const at::Tensor chosen = at::zeros_like(cosine).scatter_(1, std::get<1>(cosine.detach().topk(k, 1)), 1.0);
  const at::Tensor logits = at::where(chosen > 0, cosine / temperature, at::full_like(cosine, -INFINITY));
  const at::Tensor attention = at::softmax(logits, 1);
  check_same_edges(edges(out.graph), dense_edges(attention.detach(), 0), 1e-9);
  CHECK(out.graph.num_edges() == n * k);
  // Entropy regulariser: 0.1 * mean over nodes of -sum_j w log w.
  const at::Tensor entropy = -(attention * at::where(chosen > 0, attention.log(), at::zeros_like(attention))).sum(1).mean();
  CHECK(out.regulariser.item<double>() == Approx(0.1 * entropy.item<double>()).epsilon(1e-9));
  // Gradient reaches the projection.
  out.graph.weight.pow(2).sum().backward();
  CHECK(p["projection.weight"].grad().abs().sum().item<double>() > 0);
  // mix_prior 0.3: union with the prior, 0.7 * attention + 0.3 * prior weight.
  auto mixed = make_gsl("knn_attention", json{{"dim", 5}, {"k", k}, {"mix_prior", 0.3}});
  mixed->learn(x, prior);
  {
    at::NoGradGuard no_grad;
    params(*mixed)["projection.weight"].copy_(p["projection.weight"]);
  }
  const sdk::GslOutput m = mixed->learn(x, prior);
  CHECK_FALSE(m.regulariser.defined());
  check_same_edges(edges(m.graph), dense_edges((0.7 * attention + 0.3 * dense_of(prior)).detach(), 0), 1e-9);
  REQUIRE_THROWS_WITH(make_gsl("knn_attention", json{{"temperature", 0.0}}), 
                      Contains("option 'temperature' must be greater than 0, got 0.0"));
  REQUIRE_THROWS_WITH(make_gsl("knn_attention", json{{"mix_prior", 1.5}}), 
                      Contains("option 'mix_prior' must be between 0 and 1, got 1.5"));
}

TEST_CASE("learned graphs are re-typed by relation/biotype with their gradient", "[grape-structure]") {
  // 8 genes of biotype_genes(), a learned graph over them, typed as a predictor would.
  const sdk::GeneTable genes = biotype_genes();
  const sdk::Graph prior = biotype_graph();
  auto gsl = make_gsl("knn_attention", json{{"k", 3}, {"mix_prior", 0.0}});
  const sdk::GslOutput out = gsl->learn(at::randn({8, 6}), prior);
  const sdk::Graph typed = make_typer(json{{"types", {"C-N", "N-N"}}})->assign(out.graph, genes);
  CHECK(typed.weight.requires_grad());
  typed.weight.sum().backward();
  for (const auto& p : gsl->parameters()) CHECK(p.grad().defined());
}

// ===========================================================================
// Real data: the Norman 2019 gene universe, text and DNA features from the
// plugin's own encoders, the prior graph, its biotype relations, and both
// structure learners on top.
namespace {

/// A build context over norman19_annotated(data), made once.
const sdk::BuildContext& norman(const std::filesystem::path& data) {
  static const std::unique_ptr<sdk::BuildContext> n = [&] {
    auto out = std::make_unique<sdk::BuildContext>();
    const auto& screen = test::norman19_annotated(data).data->screen;
    out->genes = screen.genes;
    out->screen = &screen;
    out->seed = 1;
    const auto encode = [&](const std::string& name, const json& options) {
      return host()
          .create<sdk::FeatureEncoder>(name, options, "[model.encoders]")
          ->encode(*out);
    };
    out->features["text"] = encode("text_lsa", json{{"dim", 64}});
    out->features["dna"] = encode("dna_kmer", json{{"dim", 32}});
    return out;
  }();
  return *n;
}

}  // namespace

TEST_CASE("Norman 2019: prior graph, biotype relations and structure learners", "[grape-structure][data]") {
  TRELLIS_REQUIRE_DATA(data);
  const sdk::BuildContext& nm = norman(data);
  const sdk::GeneTable& genes = *nm.genes;
  REQUIRE(genes.size() == 530);
  const at::Tensor text = nm.features.at("text"), dna = nm.features.at("dna");
  // Blockwise graph = the dense definition on the same encoder outputs.
  const sdk::Graph prior = make_graph(json{{"block_rows", 100}})->build(nm);
  prior.validate();
  check_same_edges(edges(prior), dense_edges(dense_multimodal({text, dna}, true, 0.6, 0.015), 50), 1e-5);
  // Genes without a description and without a sequence have no partners.
  const at::Tensor both_missing = (text.select(1, text.size(1) - 1) > 0).logical_and(dna.select(1, dna.size(1) - 1) > 0);
  for (const auto& [key, w] : edges(prior))
    CHECK_FALSE((both_missing[key.first].item<bool>() || both_missing[key.second].item<bool>()));
  std::cout << "norman19 multimodal prior: " << prior.num_edges() << " edges over " << genes.size() << " genes, "
            << both_missing.sum().item<std::int64_t>() << " genes lack both modalities\n";

  // Relations: count C-C / C-N / N-N by the genes' biotypes.
  std::map<std::string, std::int64_t> expected;
  for (const auto& [key, w] : edges(prior)) {
    const bool a = genes.at(key.first).biotype == sdk::Biotype::protein_coding;
    const bool b = genes.at(key.second).biotype == sdk::Biotype::protein_coding;
    ++expected[a && b ? "C-C" : (a || b ? "C-N" : "N-N")];
  }
  const sdk::Graph typed = make_typer()->assign(prior, genes);
  std::map<std::string, std::int64_t> got;
  for (std::size_t r = 0; r < typed.relation_names.size(); ++r)
    got[typed.relation_names[r]] = (typed.edge_type == static_cast<std::int64_t>(r)).sum().item<std::int64_t>();
  CHECK(got == expected);
  CHECK(typed.relation_names.front() == "C-C");
  std::cout << "norman19 relations:";
  for (const auto& [name, count] : got) std::cout << " " << name << " " << count;
  std::cout << "\n";

  // Both learners over the prior, node representations = [text, dna].
  const at::Tensor x = at::cat({text, dna}, 1);
  for (const std::string name : {"grape_khop", "knn_attention"}) {
    INFO(name);
    auto gsl = make_gsl(name);
    const sdk::GslOutput out = gsl->learn(x, prior);
    out.graph.validate();
    CHECK(out.graph.num_edges() > genes.size());
    const sdk::Graph learned = make_typer()->assign(out.graph, genes);
    CHECK(learned.relation_names.size() >= 2);
    at::Tensor loss = out.graph.weight.pow(2).sum();
    if (out.regulariser.defined()) loss = loss + out.regulariser;
    loss.backward();
    for (const auto& p : gsl->parameters()) CHECK(p.grad().defined());
  }
}

// ===========================================================================
// Timings (hidden; run with "[grape-structure-perf]").

TEST_CASE("structure learners: 5,000 nodes x 256-d, learn() forward + backward", "[.][grape-structure-perf]") {
  set_timing_threads();
  const std::int64_t n = 5000;
  at::manual_seed(2);
  // Prior: 20 random partners per node, weights in [0, 0.1).
  sdk::Graph prior;
  prior.name = "prior";
  prior.num_nodes = n;
  const at::Tensor target = at::arange(n, at::kLong).repeat_interleave(20);
  const at::Tensor source = (target + at::randint(1, n, {n * 20}, at::kLong)) % n;
  prior.edge_index = at::stack({source, target});
  prior.weight = at::rand({n * 20}) * 0.1;
  const at::Tensor basis = at::randn({16, 256});
  const at::Tensor x = at::randn({n, 16}).mm(basis) + 0.5 * at::randn({n, 256});
  for (const auto& [name, options] : std::vector<std::pair<std::string, json>>{
           {"grape_khop", json::object()}, {"grape_khop", json{{"recompute_every", 10}}},
           {"grape_khop", json{{"head_dim", 64}}}, {"knn_attention", json::object()}}) {
    auto gsl = make_gsl(name, options);
    gsl->learn(x, prior);  // builds the parameters
    const int steps = 3;
    std::int64_t edges_out = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int s = 0; s < steps; ++s) {
      gsl->zero_grad();
      const sdk::GslOutput out = gsl->learn(x, prior);
      at::Tensor loss = out.graph.weight.pow(2).sum();
      if (out.regulariser.defined()) loss = loss + out.regulariser;
      loss.backward();
      edges_out = out.graph.num_edges();
    }
    std::cout << name << " " << options.dump() << " 5000 x 256: " << edges_out << " edges, "
              << 1000 * seconds_since(start) / steps << " ms per learn() forward + backward, peak RSS "
              << peak_rss_mb() << " MB\n";
  }
}

// graph/multimodal_similarity (plugins/graphs), GRAPE's prior, loaded from
// the build tree. Expected values come from NumPy (the script in the
// comment) or from the dense definition (tests/graph_support.hpp),
// independent of the plugin's blockwise top-k.
#include <chrono>
#include <iostream>

#include <ATen/ATen.h>
#include "catch.hpp"
#include <nlohmann/json.hpp>

#include "graph_support.hpp"
#include "plugin_support.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/context.hpp"
#include "trellis/sdk/graph_constructor.hpp"

using namespace trellis;
using namespace trellis::test;
using Catch::Contains;
using nlohmann::json;

namespace {

std::shared_ptr<sdk::GraphConstructor> make_graph(const json& options = json::object()) {
  return test::build_tree_plugins().create<sdk::GraphConstructor>("multimodal_similarity", options,
                                                                  "[model.graphs.prior]");
}

/// Random features with a missing-flag last column; rows in `missing` are
/// zero with flag 1, as the encoders write them.
at::Tensor flagged_features(std::int64_t g, std::int64_t d, const std::vector<std::int64_t>& missing) {
  at::Tensor x = at::cat({at::randn({g, d}), at::zeros({g, 1})}, 1);
  for (const auto i : missing) {
    x[i].zero_();
    x[i][d] = 1;
  }
  return x;
}

}  // namespace

// Expected edges from /usr/bin/python3 (numpy 1.24), the dense definition:
//   import numpy as np
//   text = np.array([[1,0,0],[0.9,0.3,0],[0,1,0.2],[0.5,0.5,0.5],[1,0.1,0]], float)
//   dna = np.array([[1,0],[1,0.2],[0.2,1],[1,1],[0,0]], float)      # gene 4 lacks DNA
//   def unit(x):
//       n = np.linalg.norm(x, axis=1, keepdims=True); return np.where(n > 0, x / np.where(n > 0, n, 1), 0)
//   def cos(x):
//       u = unit(x); return u @ u.T
//   mods = [cos(text), cos(dna), cos(np.hstack([unit(text), unit(dna)]))]
//   A = sum(np.where(m >= 0.6, m, 0) for m in mods) / 3
//   A = A / np.linalg.norm(A, axis=1, keepdims=True); A[A < 0.015] = 0; np.fill_diagonal(A, 0)
//   for i in range(5):
//       order = sorted([j for j in range(5) if A[i, j] > 0], key=lambda j: (-A[i, j], j))
//       print(i, [(j, round(A[i, j], 6)) for j in order])
// ->
//   0 [(1, 0.615852), (4, 0.361488), (3, 0.287153)]
//   1 [(0, 0.571515), (3, 0.462822), (4, 0.328857)]
//   2 [(3, 0.602911)]
//   3 [(1, 0.50133), (2, 0.484987), (0, 0.288652), (4, 0.135184)]
//   4 [(0, 0.535617), (1, 0.525069), (3, 0.199263)]
TEST_CASE("multimodal_similarity: hand-made features match numpy", "[graphs]") {
  const sdk::GeneTable genes = numbered_genes(5);
  sdk::BuildContext context;
  context.genes = &genes;
  // Last column: the missing flag (dropped by default).
  context.features["text"] = at::tensor({1.0, 0.0, 0.0, 0.0, 0.9, 0.3, 0.0, 0.0, 0.0, 1.0, 0.2, 0.0, 0.5, 0.5, 0.5, 0.0,
                                         1.0, 0.1, 0.0, 0.0}, at::kFloat).view({5, 4});
  context.features["dna"] = at::tensor({1.0, 0.0, 0.0, 1.0, 0.2, 0.0, 0.2, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0},
                                       at::kFloat).view({5, 3});
  const std::vector<std::vector<std::pair<std::int64_t, double>>> rows{
      {{1, 0.615852}, {4, 0.361488}, {3, 0.287153}},
      {{0, 0.571515}, {3, 0.462822}, {4, 0.328857}},
      {{3, 0.602911}},
      {{1, 0.50133}, {2, 0.484987}, {0, 0.288652}, {4, 0.135184}},
      {{0, 0.535617}, {1, 0.525069}, {3, 0.199263}}};
  for (const std::int64_t k : {0, 2}) {
    INFO("k = " << k);
    EdgeMap expected;
    for (std::int64_t i = 0; i < 5; ++i)
      for (std::size_t r = 0; r < rows[static_cast<std::size_t>(i)].size() && (k == 0 || static_cast<std::int64_t>(r) < k); ++r)
        expected[{rows[static_cast<std::size_t>(i)][r].first, i}] = rows[static_cast<std::size_t>(i)][r].second;
    const sdk::Graph graph = make_graph(json{{"k", k}, {"block_rows", 2}})->build(context);
    graph.validate();
    CHECK(graph.num_nodes == 5);
    CHECK(graph.name == "multimodal_similarity");
    CHECK_FALSE(graph.edge_type.defined());
    check_same_edges(edges(graph), expected, 2e-6);
  }
  // Self loops kept: gene 2's own entry (its row norm's largest term).
  const sdk::Graph loops = make_graph(json{{"self_loops", true}, {"k", 0}})->build(context);
  CHECK(edges(loops).count({2, 2}) == 1);
  CHECK(edges(loops).size() == 14 + 5);
}

TEST_CASE("multimodal_similarity: blockwise top-k equals the dense definition on random features",
          "[graphs]") {
  at::manual_seed(7);
  const std::int64_t g = 300;
  const sdk::GeneTable genes = numbered_genes(g);
  sdk::BuildContext context;
  context.genes = &genes;
  // 8-d random features: cosines above 0.4 are common enough to test.
  context.features["text"] = flagged_features(g, 8, {3, 50, 299});
  context.features["dna"] = flagged_features(g, 6, {0, 50, 120, 121});
  context.features["go"] = flagged_features(g, 10, {});
  const double mt = 0.4, t = 0.02;
  for (const bool fused : {true, false}) {
    INFO("fused = " << fused);
    const at::Tensor dense = dense_multimodal({context.features["text"], context.features["dna"], context.features["go"]},
                                              fused, mt, t);
    for (const std::int64_t k : {0, 5}) {
      INFO("k = " << k);
      const json base{{"features", {"text", "dna", "go"}}, {"fused", fused}, {"modality_threshold", mt},
                      {"threshold", t}, {"k", k}};
      json one_block = base, small_blocks = base;
      one_block["block_rows"] = 4096;
      small_blocks["block_rows"] = 37;
      const EdgeMap expected = dense_edges(dense, k);
      REQUIRE(expected.size() > 300);
      const EdgeMap a = edges(make_graph(one_block)->build(context));
      const EdgeMap b = edges(make_graph(small_blocks)->build(context));
      check_same_edges(a, expected, 1e-5);
      check_same_edges(b, a, 1e-6);
    }
  }
  // Gene 50 lacks text and DNA: only GO (and the fused modality, i.e. GO
  // alone for it) gives it partners. With only text and DNA it has none.
  const EdgeMap two = edges(make_graph(json{{"modality_threshold", mt}, {"threshold", t}})->build(context));
  for (const auto& [key, w] : two) CHECK((key.first != 50 && key.second != 50));
}

TEST_CASE("multimodal_similarity: failures name the problem and the fix", "[graphs]") {
  const sdk::GeneTable genes = numbered_genes(4);
  sdk::BuildContext context;
  context.genes = &genes;
  context.features["text"] = at::eye(4).index_select(1, at::tensor({0, 1, 2, 3, 3}, at::kLong));
  REQUIRE_THROWS_WITH(make_graph()->build(context), Contains("dna") && Contains("text"));
  // Four orthogonal genes: nothing passes the modality threshold.
  context.features["dna"] = at::cat({at::eye(4), at::zeros({4, 1})}, 1);
  context.features["text"] = at::cat({at::eye(4), at::zeros({4, 1})}, 1);
  REQUIRE_THROWS_WITH(make_graph()->build(context),
                      Contains("no pair of genes is similar enough") && Contains("modality_threshold = 0.6") &&
                          Contains("threshold = 0.015") && Contains("largest cosine between two different genes is 0") &&
                          Contains("lower modality_threshold"));
  context.features["dna"] = at::ones({3, 5});
  REQUIRE_THROWS_WITH(make_graph()->build(context),
                      Contains("feature 'dna' has shape [3, 5] but the gene universe has 4 genes"));
  context.features["dna"] = at::ones({4, 1});
  REQUIRE_THROWS_WITH(make_graph()->build(context),
                      Contains("feature 'dna' has 1 column(s)") && Contains("ignore_last_column = false"));
  // Without the flag column the single column is a (constant) modality.
  CHECK(make_graph(json{{"ignore_last_column", false}, {"fused", false}})->build(context).num_edges() == 12);
  REQUIRE_THROWS_WITH(make_graph(json{{"features", json::array()}}), Contains("must name at least one feature"));
  REQUIRE_THROWS_WITH(make_graph(json{{"features", {"a", "a"}}}), Contains("lists 'a' twice"));
  REQUIRE_THROWS_WITH(make_graph(json{{"k", -1}}), Contains("option 'k' must be at least 0, got -1"));
  REQUIRE_THROWS_WITH(make_graph(json{{"threshold", 2.0}}), Contains("option 'threshold' must be between 0 and 1, got 2.0"));
}

// ===========================================================================
// Timing (hidden; run with "[graphs-perf]").

TEST_CASE("multimodal_similarity: 20,000 genes x 256-d", "[.][graphs-perf]") {
  set_timing_threads();
  const std::int64_t g = 20000;
  const sdk::GeneTable genes = numbered_genes(g);
  sdk::BuildContext context;
  context.genes = &genes;
  at::manual_seed(1);
  // Low-rank structure so that some cosines pass 0.6, like real embeddings.
  const at::Tensor basis = at::randn({16, 256});
  for (const std::string name : {"text", "dna"})
    context.features[name] = at::cat({at::randn({g, 16}).mm(basis) + 0.5 * at::randn({g, 256}), at::zeros({g, 1})}, 1);
  const double rss_before = peak_rss_mb();
  const auto start = std::chrono::steady_clock::now();
  const sdk::Graph graph = make_graph()->build(context);
  const double seconds = seconds_since(start);
  std::cout << "multimodal_similarity 20000 x 256 (2 modalities + fused): " << graph.num_edges() << " edges, " << seconds
            << " s, peak RSS " << peak_rss_mb() << " MB (before " << rss_before << " MB)\n";
  CHECK(graph.num_edges() > 0);
}

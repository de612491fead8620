#include <ATen/ATen.h>
#include "catch.hpp"

#include "fixtures.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/graph.hpp"

using namespace trellis::sdk;
using Catch::Contains;

namespace {
Graph small_graph() {
  Graph g;
  g.name = "g";
  g.num_nodes = 3;
  g.edge_index = at::tensor({0, 1, 2, 1, 2, 0}, at::kLong).view({2, 3});
  g.weight = at::tensor({1.f, 2.f, 3.f});
  return g;
}
}  // namespace

TEST_CASE("a consistent graph validates", "[graph]") {
  Graph g = small_graph();
  CHECK_NOTHROW(g.validate());
  CHECK(g.num_edges() == 3);
  g.weight = at::Tensor();
  CHECK(g.weights_or_ones().sum().item<float>() == 3.f);
}

TEST_CASE("graph validation names the inconsistency", "[graph]") {
  Graph g = small_graph();
  g.edge_index = at::zeros({3, 3}, at::kLong);
  REQUIRE_THROWS_WITH(g.validate(), Contains("graph 'g': edge_index must have shape [2, E], got [3, 3]"));
  g = small_graph();
  g.edge_index = g.edge_index.to(at::kInt);
  REQUIRE_THROWS_WITH(g.validate(), Contains("edge_index must be int64, got Int"));
  g = small_graph();
  g.num_nodes = 2;
  REQUIRE_THROWS_WITH(g.validate(), Contains("node ids must lie in [0, 2), found 2"));
  g = small_graph();
  g.weight = at::ones({2});
  REQUIRE_THROWS_WITH(g.validate(), Contains("weight must have shape [3], got [2]"));
  g = small_graph();
  g.weight[1] = std::numeric_limits<float>::quiet_NaN();
  REQUIRE_THROWS_WITH(g.validate(), Contains("weight has NaN or Inf"));
  g = small_graph();
  g.edge_type = at::tensor({0, 1, 2}, at::kLong);
  g.relation_names = {"a", "b"};
  REQUIRE_THROWS_WITH(g.validate(), Contains("relation ids must lie in [0, 2)"));
}

TEST_CASE("relation subgraph keeps the edges of one type", "[graph]") {
  Graph g = small_graph();
  g.edge_type = at::tensor({1, 0, 1}, at::kLong);
  g.relation_names = {"C-C", "C-N"};
  const Graph sub = g.relation_subgraph(1);
  CHECK(sub.name == "g/C-N");
  CHECK(sub.num_edges() == 2);
  CHECK(sub.weight[1].item<float>() == 3.f);
  CHECK(sub.edge_index[0][1].item<int64_t>() == 2);
  REQUIRE_THROWS_WITH(g.relation_subgraph(5), Contains("has no relation 5"));
}

TEST_CASE("gene table indexes symbols and measured genes", "[data]") {
  const GeneTable genes = trellis::test::tiny_genes();
  CHECK(genes.size() == 4);
  CHECK(genes.index_of("P") == 3);
  CHECK(genes.measured() == std::vector<std::int64_t>{0, 1, 2});
  CHECK_FALSE(genes.find("nope").has_value());
  REQUIRE_THROWS_WITH(genes.index_of("nope"), Contains("gene 'nope' is not in the gene universe"));
  GeneTable copy = genes;
  Gene dup;
  dup.symbol = "G1";
  REQUIRE_THROWS_WITH(copy.add(dup), Contains("duplicate gene symbol 'G1'"));
  CHECK(to_string(Biotype::lncRNA) == "lncRNA");
  CHECK(biotype_from_string("pseudogene") == Biotype::pseudogene);
  CHECK(perturbation_type_from_string("activation") == PerturbationType::activation);
  CHECK_FALSE(perturbation_type_from_string("overexpression").has_value());
  CHECK(perturbation_type_from_string("CRISPRi") == PerturbationType::knockdown);
  CHECK(perturbation_type_from_string("CRISPRa") == PerturbationType::activation);
}

TEST_CASE("screen view: dense rows, pseudobulk, control", "[data]") {
  const GeneTable genes = trellis::test::tiny_genes();
  const Screen s = trellis::test::tiny_screen(genes);
  CHECK(s.num_cells() == 5);
  CHECK(s.num_genes() == 3);
  CHECK(s.control_index() == 0);
  CHECK(s.find_condition("P+ctrl") == 2);
  const at::Tensor rows = s.dense_rows(at::tensor({3, 1}, at::kLong));
  CHECK(at::equal(rows, at::tensor({2.f, 2.f, 2.f, 3.f, 0.f, 0.f}).view({2, 3})));
  CHECK(at::allclose(s.mean_of(0), at::tensor({2.f, 0.f, 1.f})));
  CHECK(at::allclose(s.mean_of(2), at::tensor({3.f, 1.f, 2.f})));
  Screen no_control = s;
  no_control.conditions.erase(no_control.conditions.begin());
  REQUIRE_THROWS_WITH(no_control.control_index(), Contains("the screen has no control cells"));
}

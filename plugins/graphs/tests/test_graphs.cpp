// The graph constructors (plugins/graphs): GO Jaccard similarity, training
// co-expression and prior networks, on hand-made genes and screens (values
// by hand or from NumPy, scripts in the comments) and on the real Norman
// 2019 screen, GO annotation and DoRothEA network; every failure message.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string_view>

#include <ATen/ATen.h>
#include "catch.hpp"
#include <nlohmann/json.hpp>

#include "plugin_support.hpp"
#include "support.hpp"
#include "trellis/data/screen_loader.hpp"
#include "trellis/io/readers.hpp"
#include "trellis/sdk/text_input.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/graph_constructor.hpp"
#include "trellis/sdk/log.hpp"

using namespace trellis;
using Catch::Contains;
using nlohmann::json;

namespace {

const core::plugin::PluginHost& host() { return test::build_tree_plugins(); }

std::shared_ptr<sdk::GraphConstructor> make(const std::string& name, const json& options = json::object()) {
  return host().create<sdk::GraphConstructor>(name, options, "[model.graphs.g]");
}

/// Edges as (source, target) -> weight; fails on a duplicate edge.
std::map<std::pair<std::int64_t, std::int64_t>, float> edges(const sdk::Graph& g) {
  std::map<std::pair<std::int64_t, std::int64_t>, float> out;
  for (std::int64_t e = 0; e < g.num_edges(); ++e) {
    const auto key = std::make_pair(g.edge_index[0][e].item<std::int64_t>(), g.edge_index[1][e].item<std::int64_t>());
    CHECK(out.count(key) == 0);
    out[key] = g.weight[e].item<float>();
  }
  return out;
}

using test::LogCapture;

sdk::Gene gene(const std::string& symbol, std::vector<std::string> go = {}, bool measured = false) {
  sdk::Gene g;
  g.symbol = symbol;
  g.go_terms = std::move(go);
  g.measured = measured;
  return g;
}

/// A(0) {1,2,3}, B(1) {1,2}, C(2) {3,4}, D(3) {5}, E(4) {}, F(5) {1,2,3,4}
/// (GO:000000t abbreviated to t). Jaccard by hand:
///   A-B 2/3, A-C 1/4, A-F 3/4, B-F 2/4, C-F 2/4; B-C, D-*, E-* 0.
sdk::GeneTable go_genes() {
  sdk::GeneTable t;
  const auto go = [](std::initializer_list<int> ids) {
    std::vector<std::string> out;
    for (int i : ids) out.push_back("GO:000000" + std::to_string(i));
    return out;
  };
  t.add(gene("A", go({1, 2, 3})));
  t.add(gene("B", go({1, 2})));
  t.add(gene("C", go({3, 4})));
  t.add(gene("D", go({5})));
  t.add(gene("E"));
  t.add(gene("F", go({1, 2, 3, 4})));
  return t;
}

}  // namespace

TEST_CASE("go_similarity: Jaccard, threshold and top-k by hand", "[graphs]") {
  const sdk::GeneTable genes = go_genes();
  sdk::BuildContext context;
  context.genes = &genes;
  const auto graph = make("go_similarity", json{{"k", 2}})->build(context);
  graph.validate();
  CHECK(graph.num_nodes == 6);
  CHECK(graph.relation_names.empty());
  // Edge partner -> gene for each gene's top 2 (> 0.1):
  //   A: F .75, B .667 (C .25 is third)   B: A .667, F .5   C: F .5, A .25
  //   F: A .75, then B and C tie at .5: B (smaller index) wins.   D, E: none.
  const std::map<std::pair<std::int64_t, std::int64_t>, float> expected{
      {{5, 0}, 0.75f}, {{1, 0}, 2.f / 3}, {{0, 1}, 2.f / 3}, {{5, 1}, 0.5f},
      {{5, 2}, 0.5f},  {{0, 2}, 0.25f},   {{0, 5}, 0.75f},   {{1, 5}, 0.5f}};
  const auto got = edges(graph);
  REQUIRE(got.size() == expected.size());
  for (const auto& [key, w] : expected) {
    INFO(key.first << " -> " << key.second);
    REQUIRE(got.count(key));
    CHECK(got.at(key) == Approx(w));
  }
  // threshold 0.3 removes C's edge from A (0.25) and nothing else.
  const auto strict = edges(make("go_similarity", json{{"k", 2}, {"threshold", 0.3}})->build(context));
  CHECK(strict.size() == 7);
  CHECK(strict.count({0, 2}) == 0);
  // The same graph however often it is built (ties are broken by index).
  CHECK(edges(make("go_similarity", json{{"k", 2}})->build(context)) == got);
}

TEST_CASE("go_similarity: ontology selection through the GO term table", "[graphs]") {
  const sdk::GeneTable genes = go_genes();
  sdk::BuildContext context;
  context.genes = &genes;
  trellis::test::TempDir dir;
  const auto terms = dir.write("go_terms.tsv",
                               "go_id\tontology\tterm\n"
                               "GO:0000001\tBP\tx\nGO:0000002\tBP\tx\nGO:0000003\tCC\tx\n"
                               "GO:0000004\tCC\tx\nGO:0000005\tMF\tx\n");
  // CC only: A {3}, C {3,4}, F {3,4}: A-C 1/2, A-F 1/2, C-F 1; B, D, E have none.
  const auto cc =
      edges(make("go_similarity", json{{"k", 2}, {"ontologies", {"CC"}}, {"go_terms_file", terms.string()}})
                ->build(context));
  const std::map<std::pair<std::int64_t, std::int64_t>, float> expected{
      {{2, 0}, 0.5f}, {{5, 0}, 0.5f}, {{5, 2}, 1.f}, {{0, 2}, 0.5f}, {{2, 5}, 1.f}, {{0, 5}, 0.5f}};
  CHECK(cc == expected);
  // All three named explicitly: the file is not needed and the graph is the default one.
  CHECK(edges(make("go_similarity", json{{"k", 2}, {"ontologies", {"MF", "BP", "CC"}}})->build(context)) ==
        edges(make("go_similarity", json{{"k", 2}})->build(context)));
}

TEST_CASE("go_similarity: perturbed genes without GO terms are reported", "[graphs]") {
  const sdk::GeneTable genes = go_genes();
  sdk::Screen screen;
  screen.genes = &genes;
  screen.conditions = {sdk::Condition{"ctrl", {}, {}, sdk::PerturbationType::activation},
                       sdk::Condition{"E+ctrl", {"E"}, {4}, sdk::PerturbationType::activation},
                       sdk::Condition{"B+E", {"B", "E"}, {1, 4}, sdk::PerturbationType::activation},
                       sdk::Condition{"A+ctrl", {"A"}, {0}, sdk::PerturbationType::activation}};
  sdk::BuildContext context;
  context.genes = &genes;
  context.screen = &screen;
  {
    LogCapture log;
    make("go_similarity", json{{"k", 2}})->build(context);
    CHECK_THAT(log.all(), Contains("warning: graph/go_similarity: 1 of 3 perturbed genes have no GO terms and get "
                                   "no edges: E\n"));
  }
  // Seven perturbed genes without terms: five named, unless list_missing.
  sdk::GeneTable many = go_genes();
  for (int i = 0; i < 6; ++i) many.add(gene("N" + std::to_string(i)));
  screen.genes = &many;
  context.genes = &many;
  for (std::int64_t g = 6; g < 12; ++g)
    screen.conditions.push_back(
        sdk::Condition{many.at(g).symbol + "+ctrl", {many.at(g).symbol}, {g}, sdk::PerturbationType::activation});
  {
    LogCapture log;
    make("go_similarity", json{{"k", 2}})->build(context);
    CHECK_THAT(log.all(), Contains("7 of 9 perturbed genes have no GO terms and get no edges: E, N0, N1, N2, N3, "
                                   "... (2 more) (set list_missing = true to list all)"));
  }
  {
    LogCapture log;
    make("go_similarity", json{{"k", 2}, {"list_missing", true}})->build(context);
    CHECK_THAT(log.all(), Contains("7 of 9 perturbed genes have no GO terms and get no edges: E, N0, N1, N2, N3, N4, "
                                   "N5\n"));
  }
  // No pair above the threshold: an empty graph, with a warning.
  {
    LogCapture log;
    const auto empty = make("go_similarity", json{{"k", 2}, {"threshold", 0.8}})->build(context);
    CHECK(empty.num_edges() == 0);
    empty.validate();
    CHECK_THAT(log.all(), Contains("warning: graph/go_similarity: no pair of genes has a GO Jaccard similarity above "
                                   "0.8: the graph has no edges"));
  }
}

TEST_CASE("go_similarity: option and input errors", "[graphs]") {
  const sdk::GeneTable genes = go_genes();
  sdk::BuildContext context;
  context.genes = &genes;
  REQUIRE_THROWS_WITH(make("go_similarity", json{{"k", 6}})->build(context),
                      Contains("k = 6 but the universe has only 6 genes (at most 5 partners "
                               "each); lower k"));
  REQUIRE_THROWS_WITH(make("go_similarity")->build(context), Contains("k = 20 but the universe has only 6 genes"));
  REQUIRE_THROWS_WITH(make("go_similarity", json{{"ontologies", {"BP", "XX"}}}),
                      Contains("option 'ontologies' (element 2) must be one of \"BP\", \"CC\", \"MF\", got \"XX\""));
  REQUIRE_THROWS_WITH(make("go_similarity", json{{"ontologies", {"BP"}}}),
                      Contains("set go_terms_file, e.g. \"${TRELLIS_DATA_DIR}/genes/go_terms.tsv.gz\""));
  REQUIRE_THROWS_WITH(make("go_similarity", json{{"k", 0}}), Contains("option 'k' must be at least 1, got 0"));
  REQUIRE_THROWS_WITH(
      make("go_similarity", json{{"k", 2}, {"ontologies", {"BP"}}, {"go_terms_file", "/nonexistent/go.tsv.gz"}})
          ->build(context),
      Contains("option 'go_terms_file': file '/nonexistent/go.tsv.gz' does not exist"));
  trellis::test::TempDir dir;
  const auto bad = dir.write("terms.tsv", "id\tnamespace\nGO:0000001\tBP\n");
  REQUIRE_THROWS_WITH(make("go_similarity", json{{"k", 2}, {"ontologies", {"BP"}}, {"go_terms_file", bad.string()}})
                          ->build(context),
                      Contains("has no column 'go_id' (columns: id, namespace)"));
}

namespace {

/// A screen whose cells are the rows of `dense` (zeros not stored).
sdk::Screen screen_of(const sdk::GeneTable& genes, const std::vector<std::vector<float>>& dense,
                      std::vector<sdk::Condition> conditions, std::vector<std::int64_t> cell_condition) {
  sdk::Screen s;
  s.genes = &genes;
  std::vector<std::int64_t> indptr{0};
  std::vector<std::int32_t> indices;
  std::vector<float> values;
  for (const auto& row : dense) {
    for (std::size_t j = 0; j < row.size(); ++j)
      if (row[j] != 0.f) {
        indices.push_back(static_cast<std::int32_t>(j));
        values.push_back(row[j]);
      }
    indptr.push_back(static_cast<std::int64_t>(values.size()));
  }
  s.indptr = at::tensor(indptr, at::kLong);
  s.indices = at::tensor(indices, at::kInt);
  s.values = at::tensor(values, at::kFloat);
  s.conditions = std::move(conditions);
  s.cell_condition = at::tensor(cell_condition, at::kLong);
  return s;
}

/// G0..G4 measured, then P (perturbed, not measured). Cells (columns G0..G4):
///   ctrl   [1,2,0,3,1] [2,1,0,3,0] [3,4,1,3,2]
///   G0     [0,1,2,3,0] [4,5,0,3,3]        (training single: used)
///   P      [9,0,9,0,0] [0,9,0,9,9]        (`test_values`; not training: never used)
///   G0+P   [5,0,5,0,5]                    (training combination: never used)
/// G3 is constant (3) over the used cells: no edges.
struct CoexpressionFixture {
  sdk::GeneTable genes;
  sdk::Screen screen;
  sdk::BuildContext context;
  explicit CoexpressionFixture(std::vector<float> test_a = {9, 0, 9, 0, 0}, std::vector<float> test_b = {0, 9, 0, 9, 9}) {
    for (const char* s : {"G0", "G1", "G2", "G3", "G4"}) genes.add(gene(s, {}, true));
    genes.add(gene("P"));
    const auto activation = sdk::PerturbationType::activation;
    screen = screen_of(genes,
                       {{1, 2, 0, 3, 1}, {2, 1, 0, 3, 0}, {3, 4, 1, 3, 2}, {0, 1, 2, 3, 0}, {4, 5, 0, 3, 3},
                        test_a, test_b, {5, 0, 5, 0, 5}},
                       {sdk::Condition{"ctrl", {}, {}, activation}, sdk::Condition{"G0+ctrl", {"G0"}, {0}, activation},
                        sdk::Condition{"P+ctrl", {"P"}, {5}, activation},
                        sdk::Condition{"G0+P", {"G0", "P"}, {0, 5}, activation}},
                       {0, 0, 0, 1, 1, 2, 2, 3});
    context.genes = &genes;
    context.screen = &screen;
    context.train_conditions = {1, 3};  // the single G0 and the combination G0+P
  }
};

// NumPy, over the five used cells and the varying genes G0, G1, G2, G4:
//   X = np.array([[1,2,0,3,1],[2,1,0,3,0],[3,4,1,3,2],[0,1,2,3,0],[4,5,0,3,3]], float)
//   np.abs(np.corrcoef(X[:, [0,1,2,4]].T))
//   [[1.        0.8703883 0.5303301 0.8488747]
//    [0.8703883 1.        0.2769559 0.9921708]
//    [0.5303301 0.2769559 1.        0.3429972]
//    [0.8488747 0.9921708 0.3429972 1.       ]]
const std::map<std::pair<std::int64_t, std::int64_t>, float> kAbsR{
    {{0, 1}, 0.8703883f}, {{0, 2}, 0.5303301f}, {{0, 4}, 0.8488747f},
    {{1, 2}, 0.2769559f}, {{1, 4}, 0.9921708f}, {{2, 4}, 0.3429972f}};

float abs_r(std::int64_t a, std::int64_t b) { return kAbsR.at({std::min(a, b), std::max(a, b)}); }

}  // namespace

TEST_CASE("coexpression: |r| over training singles and control matches numpy", "[graphs]") {
  CoexpressionFixture f;
  // Every pair of varying genes (k = 4, threshold 0): 4 genes x 3 partners.
  for (const std::int64_t block : {0, 1, 2, 3}) {
    INFO("block_genes = " << block);
    const auto graph = make("coexpression", json{{"k", 4}, {"threshold", 0.0}, {"block_genes", block}})->build(f.context);
    graph.validate();
    CHECK(graph.num_nodes == 6);
    const auto got = edges(graph);
    CHECK(got.size() == 12);
    for (const auto& [key, w] : got) {
      INFO(key.first << " -> " << key.second);
      CHECK(key.first != 3);
      CHECK(key.second != 3);
      CHECK(w == Approx(abs_r(key.first, key.second)).margin(1e-5));
    }
  }
  // k = 1, |r| > 0.5: each gene's best partner -> the gene.
  //   G0: G1 .870   G1: G4 .992   G2: G0 .530   G4: G1 .992
  const auto best = edges(make("coexpression", json{{"k", 1}, {"threshold", 0.5}})->build(f.context));
  const std::set<std::pair<std::int64_t, std::int64_t>> expected{{1, 0}, {4, 1}, {0, 2}, {1, 4}};
  std::set<std::pair<std::int64_t, std::int64_t>> keys;
  for (const auto& [key, w] : best) keys.insert(key);
  CHECK(keys == expected);
  // |r| > 0.6 leaves G2 without a partner.
  CHECK(edges(make("coexpression", json{{"k", 1}, {"threshold", 0.6}})->build(f.context)).size() == 3);
}

TEST_CASE("coexpression: test-condition cells do not change the graph", "[graphs]") {
  CoexpressionFixture a;
  CoexpressionFixture b({0, 7, 1, 2, 8}, {6, 0, 3, 1, 1});
  const json options{{"k", 4}, {"threshold", 0.0}};
  CHECK(edges(make("coexpression", options)->build(a.context)) == edges(make("coexpression", options)->build(b.context)));
  // Adding the test condition to the training set does change it (G3 then varies).
  b.context.train_conditions.push_back(2);
  CHECK(edges(make("coexpression", options)->build(b.context)).size() > 12);
}

TEST_CASE("coexpression: with no pair above the threshold, each gene keeps its k strongest partners", "[graphs]") {
  CoexpressionFixture f;
  LogCapture log;
  // k = 2 by |r| (numpy above): G0: G1 .870, G4 .849; G1: G4 .992, G0 .870;
  // G2: G0 .530, G4 .343; G4: G1 .992, G0 .849.
  const auto got = edges(make("coexpression", json{{"k", 2}, {"threshold", 0.995}})->build(f.context));
  const std::set<std::pair<std::int64_t, std::int64_t>> expected{{1, 0}, {4, 0}, {4, 1}, {0, 1},
                                                                  {0, 2}, {4, 2}, {1, 4}, {0, 4}};
  std::set<std::pair<std::int64_t, std::int64_t>> keys;
  for (const auto& [key, w] : got) {
    keys.insert(key);
    CHECK(w == Approx(abs_r(key.first, key.second)).margin(1e-5));
  }
  CHECK(keys == expected);
  CHECK_THAT(log.all(), Contains("warning: graph/coexpression: no pair of genes has |Pearson r| above the threshold "
                                 "0.995 (the largest |r| is 0.9922 over 5 cells), as in sparse screens; each gene "
                                 "keeps its 2 most correlated partners instead"));
}

TEST_CASE("coexpression: errors", "[graphs]") {
  CoexpressionFixture f;
  // Largest |r| between two genes: G1-G4, 0.9921708 (numpy above).
  REQUIRE_THROWS_WITH(make("coexpression", json{{"k", 2}, {"threshold", 0.995}, {"fallback", false}})->build(f.context),
                      Contains("no pair of genes has |Pearson r| above the threshold 0.995 (the "
                               "largest |r| is 0.9922 over 5 cells); lower threshold or set fallback = true"));
  REQUIRE_THROWS_WITH(make("coexpression", json{{"k", 5}})->build(f.context),
                      Contains("k = 5 but the screen measures only 5 genes (at most 4 partners "
                               "each); lower k"));
  REQUIRE_THROWS_WITH(make("coexpression", json{{"threshold", 1.0}}), Contains("option 'threshold' must be at least 0 and less than 1, got 1.0"));
  sdk::BuildContext no_screen;
  no_screen.genes = &f.genes;
  REQUIRE_THROWS_WITH(make("coexpression", json{{"k", 2}})->build(no_screen),
                      Contains("graph/coexpression needs training expression data"));
  // One control cell and no cell of a training single: nothing to correlate.
  CoexpressionFixture one;
  one.screen.cell_condition = at::tensor(std::vector<std::int64_t>{0, 2, 2, 2, 2, 2, 2, 3}, at::kLong);
  REQUIRE_THROWS_WITH(make("coexpression", json{{"k", 2}})->build(one.context),
                      Contains("needs at least 2 training single-perturbation or control cells, "
                               "found 1"));
}

TEST_CASE("prior_network: parse, filter, match and collapse", "[graphs]") {
  sdk::GeneTable genes;
  for (const char* s : {"A", "B", "C"}) genes.add(gene(s));
  sdk::BuildContext context;
  context.genes = &genes;
  trellis::test::TempDir dir;
  // DoRothEA's layout. Default filter keeps confidence A-C: row 3 (D) goes;
  // rows 5 and 7 name genes outside the universe (X; Y and Z); row 6 matches
  // c -> C and a -> A ignoring case; rows 1 and 4 are one edge.
  const auto dorothea = dir.write("net.tsv",
                                  "tf\tconfidence\ttarget\tmor\n"
                                  "A\tA\tB\t1\n"
                                  "A\tB\tC\t-1\n"
                                  "B\tD\tC\t1\n"
                                  "A\tA\tB\t1\n"
                                  "X\tA\tB\t1\n"
                                  "c\tA\ta\t-1\n"
                                  "Y\tB\tZ\t1\n");
  {
    LogCapture log;
    const auto graph = make("prior_network", json{{"file", dorothea.string()}})->build(context);
    graph.validate();
    CHECK(graph.num_nodes == 3);
    using Edges = std::map<std::pair<std::int64_t, std::int64_t>, float>;
    CHECK(edges(graph) == Edges{{{0, 1}, 1.f}, {{0, 2}, 1.f}, {{2, 0}, 1.f}});
    // (source, target) order.
    CHECK(graph.edge_index[0][0].item<std::int64_t>() == 0);
    CHECK(graph.edge_index[1][0].item<std::int64_t>() == 1);
    CHECK_THAT(log.all(), Contains("warning: graph/prior_network: dropped 2 of 6 edges: 3 genes not in the universe "
                                   "(e.g. X, Y, Z)"));
    CHECK_THAT(log.all(), Contains("read 7 edges"));
    CHECK_THAT(log.all(), Contains("1 left out by confidence"));
    CHECK_THAT(log.all(), Contains("collapsed 1 duplicate edges"));
  }
  using Edges = std::map<std::pair<std::int64_t, std::int64_t>, float>;
  CHECK(edges(make("prior_network", json{{"file", dorothea.string()}, {"sign", "activation"}})->build(context)) ==
        Edges{{{0, 1}, 1.f}});
  CHECK(edges(make("prior_network", json{{"file", dorothea.string()}, {"sign", "repression"}})->build(context)) ==
        Edges{{{0, 2}, 1.f}, {{2, 0}, 1.f}});
  CHECK(edges(make("prior_network", json{{"file", dorothea.string()}, {"signed_weights", true}})->build(context)) ==
        Edges{{{0, 1}, 1.f}, {{0, 2}, -1.f}, {{2, 0}, -1.f}});
  // Every confidence level: B -> C (D) comes in.
  CHECK(edges(make("prior_network", json{{"file", dorothea.string()}, {"confidence_column", ""}})->build(context))
            .size() == 4);

  // TRRUST's layout with text signs and a weight column; duplicates average.
  const auto trrust = dir.write("trrust.tsv",
                                "Gene1\tGene2\tMode_of_Regulation\tscore\n"
                                "A\tB\tActivation\t0.5\n"
                                "A\tB\tRepression\t1.5\n"
                                "B\tC\tUnknown\t2\n");
  const json t{{"file", trrust.string()},           {"source_column", "Gene1"},
               {"target_column", "Gene2"},          {"sign_column", "Mode_of_Regulation"},
               {"confidence_column", ""},           {"weight_column", "score"}};
  CHECK(edges(make("prior_network", t)->build(context)) == Edges{{{0, 1}, 1.f}, {{1, 2}, 2.f}});
  json repression = t;
  repression["sign"] = "repression";
  CHECK(edges(make("prior_network", repression)->build(context)) == Edges{{{0, 1}, 1.5f}});
}

TEST_CASE("prior_network: errors", "[graphs]") {
  sdk::GeneTable genes;
  for (const char* s : {"A", "B", "C"}) genes.add(gene(s));
  sdk::BuildContext context;
  context.genes = &genes;
  trellis::test::TempDir dir;
  const auto net = dir.write("net.tsv", "tf\tconfidence\ttarget\tmor\nX\tA\tY\t1\nA\tE\tB\t1\n");
  REQUIRE_THROWS_WITH(make("prior_network", json{{"file", net.string()}})->build(context),
                      Contains("no edge of '" + net.string() +
                               "' is left (2 read, 1 left out by confidence, 1 with a gene outside the universe of 3 "
                               "genes)"));
  REQUIRE_THROWS_WITH(make("prior_network", json{{"file", net.string()}, {"source_column", "regulator"}})->build(context),
                      Contains("option 'source_column' names column 'regulator', which '" + net.string() +
                               "' does not have (its columns: 'tf', 'confidence', 'target', 'mor')"));
  REQUIRE_THROWS_WITH(make("prior_network", json{{"file", (dir.path() / "missing.tsv.gz").string()}})->build(context),
                      Contains("option 'file': file '" + (dir.path() / "missing.tsv.gz").string() +
                               "' does not exist"));
  REQUIRE_THROWS_WITH(make("prior_network", json::object()), Contains("option 'file'"));
  REQUIRE_THROWS_WITH(make("prior_network", json{{"file", net.string()}, {"sign", "both"}}),
                      Contains("option 'sign' must be one of \"any\", \"activation\", \"repression\", got \"both\""));
  REQUIRE_THROWS_WITH(make("prior_network", json{{"file", net.string()}, {"sign", "activation"}, {"sign_column", ""}}),
                      Contains("needs sign_column"));
  const auto bad_sign = dir.write("bad.tsv", "tf\tconfidence\ttarget\tmor\nA\tA\tB\tup\n");
  REQUIRE_THROWS_WITH(make("prior_network", json{{"file", bad_sign.string()}})->build(context),
                      Contains("line 2 of '" + bad_sign.string() + "': sign 'up' in column 'mor' is neither"));
  const auto short_row = dir.write("short.tsv", "tf\tconfidence\ttarget\tmor\nA\tA\n");
  REQUIRE_THROWS_WITH(make("prior_network", json{{"file", short_row.string()}})->build(context),
                      Contains("line 2 of '" + short_row.string() + "' has 2 fields, the header 4"));
}

// Real data: the Norman 2019 part of the shared h5ad, annotated from the
// shared GO tables. Expected values from /usr/bin/python3 (anndata, numpy),
// independent of Trellis:
//   a = anndata.read_h5ad('perturbseq/norman19_mcfaline23_subset.h5ad'); a = a[a.obs.dataset == 'norman19']
//   universe = list(a.var.index) + perturbed genes not measured (530)
//   co-expression: X = cells with perturbation 'control' or without '+' (1,895 x 500), r = |corrcoef(X.T)|,
//     genes with zero variance (286) out, per gene j: [(r[i,j], i) for i != j if r > 0.4], sorted by
//     (-r, i), first 20  -> 68 edges; RNF223's only partner CTNNA2 0.404371
//   GO: symbol -> entrez (genes/orghs_genes.tsv.gz), entrez -> set of go_id (genes/orghs_go.tsv.gz, all
//     ontologies and evidence), Jaccard > 0.1, top 20 by (-jaccard, i) -> 6,861 edges;
//     KLF1: CREB5 0.473684, ZNF680 0.375, KLF12 0.363636 (20 partners); MAP2K6: MAP2K3 0.391304 (8)
//   DoRothEA: confidence in A/B/C, both genes in the universe (exact, else ignoring case), distinct pairs:
//     454,504 read, 441,281 left out by confidence, 13,203 of 13,223 dropped (5,157 genes), 20 edges
// The script is pasted at the end of this file.
namespace {

/// A build context over norman19_annotated(data), made once.
const sdk::BuildContext& norman(const std::filesystem::path& data) {
  static const std::unique_ptr<sdk::BuildContext> n = [&] {
    auto out = std::make_unique<sdk::BuildContext>();
    const auto& screen = test::norman19_annotated(data).data->screen;
    out->genes = screen.genes;
    out->screen = &screen;
    // Every perturbed condition is "training": combinations must still be left out.
    for (std::size_t c = 0; c < screen.conditions.size(); ++c)
      if (!screen.conditions[c].is_control()) out->train_conditions.push_back(static_cast<std::int64_t>(c));
    return out;
  }();
  return *n;
}

float weight_of(const sdk::Graph& graph, const sdk::GeneTable& genes, const std::string& source,
                const std::string& target) {
  const auto got = edges(graph);
  const auto it = got.find({genes.index_of(source), genes.index_of(target)});
  return it == got.end() ? -1.f : it->second;
}

std::int64_t in_degree(const sdk::Graph& graph, const sdk::GeneTable& genes, const std::string& target) {
  return (graph.edge_index[1] == genes.index_of(target)).sum().item<std::int64_t>();
}

}  // namespace

TEST_CASE("coexpression: Norman 2019 training cells match numpy", "[graphs][data]") {
  TRELLIS_REQUIRE_DATA(data);
  const auto& n = norman(data);
  const auto& genes = *n.genes;
  REQUIRE(genes.size() == 530);
  const auto graph = make("coexpression")->build(n);
  graph.validate();
  CHECK(graph.num_nodes == 530);
  CHECK(graph.num_edges() == 68);
  CHECK(weight_of(graph, genes, "CTNNA2", "RNF223") == Approx(0.404371).margin(1e-5));
  CHECK(in_degree(graph, genes, "RNF223") == 1);
  // Column blocks give the same graph (weights up to float rounding: the
  // BLAS kernel, hence the summation order, depends on the block shape and CPU).
  const auto whole = edges(graph), blocked = edges(make("coexpression", json{{"block_genes", 77}})->build(n));
  REQUIRE(blocked.size() == whole.size());
  for (const auto& [key, w] : whole) {
    INFO(key.first << " -> " << key.second);
    REQUIRE(blocked.count(key) == 1);
    CHECK(blocked.at(key) == Approx(w).margin(1e-5));
  }
}

TEST_CASE("go_similarity: Norman 2019 universe matches a Python Jaccard", "[graphs][data]") {
  TRELLIS_REQUIRE_DATA(data);
  const auto& n = norman(data);
  const auto& genes = *n.genes;
  LogCapture log;
  const auto graph = make("go_similarity")->build(n);
  graph.validate();
  CHECK(graph.num_edges() == 6861);
  CHECK(weight_of(graph, genes, "CREB5", "KLF1") == Approx(0.473684).margin(1e-5));
  CHECK(weight_of(graph, genes, "ZNF680", "KLF1") == Approx(0.375).margin(1e-6));
  CHECK(weight_of(graph, genes, "KLF12", "KLF1") == Approx(0.363636).margin(1e-5));
  CHECK(in_degree(graph, genes, "KLF1") == 20);
  CHECK(weight_of(graph, genes, "MAP2K3", "MAP2K6") == Approx(0.391304).margin(1e-5));
  CHECK(in_degree(graph, genes, "MAP2K6") == 8);
}

TEST_CASE("prior_network: DoRothEA on the Norman 2019 universe matches Python", "[graphs][data]") {
  TRELLIS_REQUIRE_DATA(data);
  const auto& n = norman(data);
  LogCapture log;
  const auto graph =
      make("prior_network", json{{"file", (data / "networks/dorothea_hs.tsv.gz").string()}})->build(n);
  graph.validate();
  CHECK(graph.num_edges() == 20);
  CHECK(weight_of(graph, *n.genes, "FOSL1", "IL6") == 1.f);
  CHECK_THAT(log.all(), Contains("read 454504 edges"));
  CHECK_THAT(log.all(), Contains("441281 left out by confidence"));
  CHECK_THAT(log.all(), Contains("dropped 13203 of 13223 edges: 5157 genes not in the universe"));
}

// Timing at genome scale, run by tests/perf/graphs.sh (hidden from the
// normal suite). TRELLIS_PERF_GRAPHS=go: go_similarity over every gene of
// genes/orghs_go.tsv.gz (~20,700 genes, all ontologies). TRELLIS_PERF_GRAPHS
// = an .h5ad path: coexpression over all its cells' singles and control
// (e.g. a `trellis simulate` screen).
TEST_CASE("graph construction time at genome scale", "[.perf][graphs_perf]") {
  const char* what = std::getenv("TRELLIS_PERF_GRAPHS");
  if (!what || !*what) {
    WARN("set TRELLIS_PERF_GRAPHS to 'go' or to an .h5ad screen");
    return;
  }
  const auto rss_mb = [] {  // current resident set, from /proc
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) / 1024;
    return 0L;
  };
  const auto seconds_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  if (std::string(what) == "go") {
    TRELLIS_REQUIRE_DATA(data);
    std::map<std::string, std::vector<std::string>> terms;  // entrez id -> GO ids
    sdk::TextInput in(data / "genes/orghs_go.tsv.gz");
    std::string_view line;
    in.next(line);  // header: entrez_id go_id evidence ontology
    while (in.next(line)) {
      const auto a = line.find('\t'), b = line.find('\t', a + 1);
      terms[std::string(line.substr(0, a))].emplace_back(line.substr(a + 1, b - a - 1));
    }
    sdk::GeneTable genes;
    for (auto& [entrez, go] : terms) genes.add(gene("E" + entrez, std::move(go)));
    sdk::BuildContext context;
    context.genes = &genes;
    std::cout << "rss before build (MB) " << rss_mb() << "\n";
    const auto start = std::chrono::steady_clock::now();
    const auto graph = make("go_similarity")->build(context);
    std::cout << "go_similarity genes " << genes.size() << " edges " << graph.num_edges() << " seconds "
              << seconds_since(start) << "\n";
    return;
  }
  auto readers = std::make_unique<core::plugin::PluginHost>();
  readers->add_builtin("builtin", "built-in readers", &core::io::register_readers);
  const auto loaded = core::data::load_screen(
      core::data::parse_data_config(json{{"path", what}, {"annotation", {{"source", "none"}}}}), *readers);
  const auto& screen = loaded.data->screen;
  sdk::BuildContext context;
  context.genes = screen.genes;
  context.screen = &screen;
  for (std::size_t c = 0; c < screen.conditions.size(); ++c) context.train_conditions.push_back(static_cast<std::int64_t>(c));
  std::cout << "rss before build (MB) " << rss_mb() << "\n";
  const auto start = std::chrono::steady_clock::now();
  // Simulated screens correlate weakly: a low threshold keeps the graph non-empty.
  const auto graph = make("coexpression", json{{"threshold", 0.05}})->build(context);
  std::cout << "coexpression cells " << screen.num_cells() << " genes " << screen.num_genes() << " edges "
            << graph.num_edges() << " seconds " << seconds_since(start) << "\n";
}

// The Python script behind the Norman 2019 expectations (run once with /usr/bin/python3
// inside the shared data folder):
//   import anndata, numpy as np, gzip, csv, collections
//   a = anndata.read_h5ad('perturbseq/norman19_mcfaline23_subset.h5ad')
//   a = a[a.obs['dataset'] == 'norman19']
//   measured = list(a.var.index)
//   pert = a.obs['perturbation'].astype(str).values
//   perturbed = []
//   for p in dict.fromkeys(pert):
//       if p == 'control': continue
//       for g in p.split('+'):
//           if g not in measured and g not in perturbed: perturbed.append(g)
//   universe = measured + perturbed
//   print('universe', len(universe))
//   # --- coexpression: control + singles
//   mask = np.array([p == 'control' or '+' not in p for p in pert])
//   X = a.X[mask].toarray().astype(np.float64)
//   print('cells', X.shape)
//   sd = X.std(0)
//   var = sd > 0
//   r = np.abs(np.corrcoef(X.T)); r[np.isnan(r)] = 0
//   np.fill_diagonal(r, 0)
//   r[:, ~var] = 0; r[~var, :] = 0
//   tot = 0
//   top = {}
//   for j in range(len(measured)):
//       c = [(r[i, j], i) for i in range(len(measured)) if r[i, j] > 0.4]
//       c.sort(key=lambda t: (-t[0], t[1]))
//       c = c[:20]
//       tot += len(c)
//       top[measured[j]] = c
//   print('coexpression edges', tot, 'zero-variance genes', (~var).sum())
//   for g in measured[:3] + ['HBG1', 'GATA1']:
//       if g in top: print(g, len(top[g]), [(measured[i], round(v, 6)) for v, i in top[g][:3]])
//   # --- GO
//   sym2ez = {}
//   with gzip.open('genes/orghs_genes.tsv.gz', 'rt') as f:
//       for row in csv.DictReader(f, delimiter='\t'): sym2ez.setdefault(row['symbol'], row['entrez_id'])
//   go = collections.defaultdict(set)
//   with gzip.open('genes/orghs_go.tsv.gz', 'rt') as f:
//       for row in csv.DictReader(f, delimiter='\t'): go[row['entrez_id']].add(row['go_id'])
//   sets = [go.get(sym2ez.get(s, ''), set()) for s in universe]
//   print('genes without GO', sum(1 for s in sets if not s), [u for u, s in zip(universe, sets) if not s][:10])
//   n = len(universe)
//   tot = 0; gtop = {}
//   for j in range(n):
//       c = []
//       for i in range(n):
//           if i == j or not sets[i] or not sets[j]: continue
//           jac = len(sets[i] & sets[j]) / len(sets[i] | sets[j])
//           if jac > 0.1: c.append((jac, i))
//       c.sort(key=lambda t: (-t[0], t[1])); c = c[:20]; tot += len(c); gtop[universe[j]] = c
//   print('go edges', tot)
//   for g in ['KLF1', 'CEBPE', 'TP53', 'MAP2K6']:
//       if g in gtop: print(g, len(gtop[g]), [(universe[i], round(v, 6)) for v, i in gtop[g][:3]])
//   # --- DoRothEA
//   exact = set(universe); low = {}
//   for u in universe: low.setdefault(u.lower(), u)
//   def res(x): return x if x in exact else low.get(x.lower())
//   pairs = set(); read = conf = dropped = 0; unknown = set()
//   with gzip.open('networks/dorothea_hs.tsv.gz', 'rt') as f:
//       for row in csv.DictReader(f, delimiter='\t'):
//           read += 1
//           if row['confidence'] not in ('A', 'B', 'C'): conf += 1; continue
//           s, t = res(row['tf']), res(row['target'])
//           if s is None or t is None:
//               dropped += 1
//               if s is None: unknown.add(row['tf'])
//               if t is None: unknown.add(row['target'])
//               continue
//           pairs.add((s, t))
//   print('dorothea read', read, 'conf', conf, 'candidates', read - conf, 'dropped', dropped, 'unknown', len(unknown), 'edges', len(pairs))
//   print(sorted(pairs)[:5])

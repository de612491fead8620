// Structure recovery over unordered gene pairs, as `trellis graph score`
// computes it (the graph_metric/* components with directed = false, see
// test_graph_metrics.cpp for the directed form), on hand-worked graphs, and
// `trellis graph score` end to end.
#include "catch.hpp"

#include <fstream>

#include "plugin_support.hpp"
#include "support.hpp"
#include "trellis/eval/graph_scoring.hpp"
#include "trellis/eval/structure_recovery.hpp"
#include "trellis/sdk/error.hpp"

using namespace trellis::core::eval;
using Catch::Contains;
using Catch::Matchers::WithinAbs;
using trellis::test::run_trellis;
using trellis::test::TempDir;

namespace {

EdgeList edges(std::vector<std::tuple<std::string, std::string, double>> list) {
  EdgeList out;
  for (const auto& [a, b, w] : list) {
    out.source.push_back(a);
    out.target.push_back(b);
    out.weight.push_back(w);
  }
  return out;
}

const std::vector<std::string> nodes = {"A", "B", "C", "D"};  // 6 undirected pairs

struct RecoveryScore {
  double density, auprc, auprc_ratio, early_precision, early_precision_ratio;
};

// The four graph metrics over unordered pairs, as `trellis graph score` runs them.
RecoveryScore score_recovery(const EdgeList& graph, const EdgeList& truth, const std::vector<std::string>& genes) {
  static const auto metrics =
      create_graph_metrics(trellis::test::build_tree_plugins(),
                           {"auprc", "auprc_ratio", "early_precision", "epr"}, {{"directed", false}});
  trellis::sdk::GraphMetricInput input;
  input.predicted = scored_edges(graph);
  for (std::size_t e = 0; e < truth.size(); ++e) input.truth.emplace_back(truth.source[e], truth.target[e]);
  input.genes = genes;
  const auto v = score_network(input, metrics).overall;
  return {v.at("auprc") / v.at("auprc_ratio"), v.at("auprc"), v.at("auprc_ratio"), v.at("early_precision"),
          v.at("epr")};
}

}  // namespace

TEST_CASE("structure recovery: AUPRC and early precision of a ranked graph", "[structure_recovery]") {
  // Truth A-B, D-C: 6 unordered pairs of its genes, density 2/6. Graph: A-B
  // .9 (hit), A-C |-.8| (miss), D-C .5 (hit; direction does not matter), the
  // other 3 pairs 0; B-X is outside the truth's genes. PR after (0, 1):
  // (1/2, 1) (1/2, 1/2) (1, 2/3) (1, 1/3): 1/2 + 1/2 * 7/12 = 19/24. Early
  // precision: the top 2 listed are B-X (miss) and A-B (hit): 1/2, ratio 3/2.
  const auto truth = edges({{"A", "B", 1}, {"D", "C", 1}});
  const auto graph = edges({{"A", "B", 0.9}, {"A", "C", -0.8}, {"D", "C", 0.5}, {"B", "X", 5}});
  const RecoveryScore s = score_recovery(graph, truth, nodes);
  CHECK_THAT(s.density, WithinAbs(1.0 / 3, 1e-12));
  CHECK_THAT(s.auprc, WithinAbs(19.0 / 24, 1e-12));
  CHECK_THAT(s.auprc_ratio, WithinAbs(19.0 / 8, 1e-12));
  CHECK_THAT(s.early_precision, WithinAbs(0.5, 1e-12));
  CHECK_THAT(s.early_precision_ratio, WithinAbs(1.5, 1e-12));
}

TEST_CASE("structure recovery: pairs a graph lacks score 0 and tie", "[structure_recovery]") {
  // Graph A-C only (a miss); the 5 other pairs tie at 0 and hold both true
  // edges: PR (0, 1) (0, 0) (1, 1/3): AUPRC 1/6. Early precision: k = 1
  // listed edge, a miss.
  const auto truth = edges({{"A", "B", 1}, {"C", "D", 1}});
  const RecoveryScore s = score_recovery(edges({{"A", "C", 1}}), truth, nodes);
  CHECK_THAT(s.auprc, WithinAbs(1.0 / 6, 1e-12));
  CHECK_THAT(s.early_precision, WithinAbs(0.0, 1e-12));
  // An empty graph: one tie of all 6 pairs, PR (0, 1) (1, 1/3): (1 + 1/3) / 2.
  const RecoveryScore empty = score_recovery(EdgeList{}, truth, nodes);
  CHECK_THAT(empty.auprc, WithinAbs(2.0 / 3, 1e-12));
  CHECK_THAT(empty.early_precision, WithinAbs(0.0, 1e-12));
}

TEST_CASE("structure recovery: a random graph has the requested edges and recovers at chance", "[structure_recovery]") {
  std::vector<std::string> many;
  for (int i = 0; i < 200; ++i) many.push_back("G" + std::to_string(i));
  const EdgeList a = random_graph(many, 500, 7), b = random_graph(many, 500, 7);
  CHECK(a.source == b.source);
  CHECK(a.target == b.target);
  // Truth: a different random graph; the early precision ratio of an
  // unrelated graph is about 1 (500 of 19,900 pairs; the ratio's sd ~ 0.2).
  CHECK(a.size() == 500);
  const RecoveryScore s = score_recovery(a, random_graph(many, 500, 8), many);
  CHECK(s.early_precision_ratio > 0.4);
  CHECK(s.early_precision_ratio < 1.6);
}

TEST_CASE("structure recovery: bad input names the file and line", "[structure_recovery]") {
  TempDir dir;
  const auto bad = dir.write("bad.tsv", "source\ttarget\tweight\nA\tB\t0.5\nA\tC\tstrong\n");
  CHECK_THROWS_WITH(read_edge_list(bad), Contains("bad.tsv:3") && Contains("weight 'strong' is not a finite number"));
  const auto truth = edges({{"Y", "Y", 1}});
  CHECK_THROWS_WITH(score_recovery(edges({{"A", "B", 1}}), truth, nodes),
                    Contains("graph_metric/auprc") && Contains("no edge between two different genes"));
}

TEST_CASE("trellis graph score prints and writes the scores", "[structure_recovery][cli]") {
  TempDir dir;
  const auto truth = dir.write("net.tsv", "regulator\ttarget\tsign\tweight\nA\tB\t1\t0.3\nD\tC\t-1\t0.7\n");
  const auto graph = dir.write("g.tsv", "source\ttarget\tweight\trelation\nA\tB\t0.9\tall\nA\tC\t0.8\tall\nD\tC\t0.5\tall\nB\tD\t0.1\tall\n");
  const auto csv = dir.path() / "scores.csv";
  auto r = run_trellis("graph score --truth " + truth.string() + " --graph mine=" + graph.string() + " --out " +
                       csv.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("over 4 genes: 2 true edges"));
  CHECK_THAT(r.output, Contains("mine") && Contains("random"));
  std::ifstream in(csv);
  std::string header, mine;
  std::getline(in, header);
  std::getline(in, mine);
  CHECK(header == "graph,edges,true_edges,density,auprc,auprc_ratio,early_precision,epr");
  CHECK(mine.rfind("mine,4,2,", 0) == 0);
  r = run_trellis("graph score --truth " + truth.string() + " --graph " + graph.string());
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("expected LABEL=FILE"));
}

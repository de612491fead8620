// The graph_metric/* components (plugins/metrics) on directed networks
// worked by hand; the undirected form is checked in test_structure_recovery.cpp.
#include "catch.hpp"

#include <algorithm>
#include <map>

#include "plugin_support.hpp"
#include "trellis/eval/graph_scoring.hpp"
#include "trellis/sdk/error.hpp"

using namespace trellis;
using Catch::Contains;
using Catch::Matchers::WithinAbs;

namespace {

sdk::ScoredEdges scored(std::vector<std::tuple<std::string, std::string, double>> list) {
  sdk::ScoredEdges out;
  for (const auto& [a, b, w] : list) {
    out.regulator.push_back(a);
    out.target.push_back(b);
    out.score.push_back(w);
  }
  return out;
}

std::map<std::string, double> score(const sdk::GraphMetricInput& input) {
  static const auto metrics = core::eval::create_graph_metrics(test::build_tree_plugins(), {});
  return core::eval::score_network(input, metrics).overall;
}

}  // namespace

TEST_CASE("graph metrics: all four are registered, higher is better", "[graph_metrics]") {
  const auto metrics = core::eval::create_graph_metrics(test::build_tree_plugins(), {});
  std::vector<std::string> names;
  for (const auto& m : metrics) {
    names.push_back(m.name);
    CHECK(m.metric->direction() == sdk::Direction::higher_is_better);
  }
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"auprc", "auprc_ratio", "early_precision", "early_precision_ratio"});
  CHECK_THROWS_WITH(core::eval::create_graph_metrics(test::build_tree_plugins(), {"auprc_ratoi"}),
                    Contains("auprc_ratio"));
}

TEST_CASE("graph metrics: directed edges, every gene a regulator", "[graph_metrics]") {
  // Genes A B C D: 12 ordered candidate pairs; truth A->B, C->D: density 1/6.
  // Ranking: B->A (miss; the reverse of a true edge), A->B (hit at 2), D->C
  // (miss), C->D (hit at 4). AP = (1/2 + 2/4) / 2 = 0.5, ratio 3.
  // Top 2 hold 1 hit: early precision 0.5, ratio 3.
  sdk::GraphMetricInput in;
  in.genes = {"A", "B", "C", "D"};
  in.truth = {{"A", "B"}, {"C", "D"}};
  in.predicted = scored({{"B", "A", 0.9}, {"A", "B", 0.8}, {"D", "C", 0.7}, {"C", "D", 0.6}, {"A", "X", 5.0}});
  auto v = score(in);
  CHECK_THAT(v.at("auprc"), WithinAbs(0.5, 1e-12));
  CHECK_THAT(v.at("auprc_ratio"), WithinAbs(3.0, 1e-12));
  CHECK_THAT(v.at("early_precision"), WithinAbs(0.5, 1e-12));
  CHECK_THAT(v.at("early_precision_ratio"), WithinAbs(3.0, 1e-12));

  // Only B->A listed (a miss): the 11 other pairs hold both true edges, in
  // expectation at 1 + i * 12 / 3 = 5 and 9: AP = (1/5 + 2/9) / 2. Early
  // precision: 1 listed miss plus 1 pair at the rest's density 2/11 -> 1/11.
  in.predicted = scored({{"B", "A", 1.0}});
  v = score(in);
  CHECK_THAT(v.at("auprc"), WithinAbs((1.0 / 5 + 2.0 / 9) / 2, 1e-12));
  CHECK_THAT(v.at("early_precision"), WithinAbs(1.0 / 11, 1e-12));
  CHECK_THAT(v.at("early_precision_ratio"), WithinAbs(6.0 / 11, 1e-12));
}

TEST_CASE("graph metrics: only edges leaving a regulator are candidates", "[graph_metrics]") {
  // Genes A B C, regulators {A} (and Z, not a gene): candidates A->B, A->C;
  // truth A->B plus B->C (not a candidate): density 1/2. Ranking A->C (miss),
  // A->B (hit at 2); C->A is not a candidate. AP 0.5, ratio 1; top 1 is a
  // miss: early precision 0.
  sdk::GraphMetricInput in;
  in.genes = {"A", "B", "C"};
  in.regulators = {"A", "Z"};
  in.truth = {{"A", "B"}, {"B", "C"}};
  in.predicted = scored({{"C", "A", 0.99}, {"A", "C", 0.9}, {"A", "B", 0.5}, {"A", "B", 0.1}});
  const auto v = score(in);
  CHECK_THAT(v.at("auprc"), WithinAbs(0.5, 1e-12));
  CHECK_THAT(v.at("auprc_ratio"), WithinAbs(1.0, 1e-12));
  CHECK_THAT(v.at("early_precision"), WithinAbs(0.0, 1e-12));
  CHECK_THAT(v.at("early_precision_ratio"), WithinAbs(0.0, 1e-12));
}

TEST_CASE("graph metrics: a truth without candidate edges is an error naming the metric", "[graph_metrics]") {
  sdk::GraphMetricInput in;
  in.genes = {"A", "B"};
  in.regulators = {"A"};
  in.truth = {{"B", "A"}};
  in.predicted = scored({{"A", "B", 1.0}});
  CHECK_THROWS_WITH(score(in), Contains("graph_metric/") && Contains("no edge among the 1 candidate pairs"));
}

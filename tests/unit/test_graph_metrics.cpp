// The graph_metric/* components (plugins/metrics, BEELINE's scores) on directed networks
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

TEST_CASE("graph metrics: BEELINE's five are registered, higher is better", "[graph_metrics]") {
  const auto metrics = core::eval::create_graph_metrics(test::build_tree_plugins(), {});
  std::vector<std::string> names;
  for (const auto& m : metrics) {
    names.push_back(m.name);
    CHECK(m.metric->direction() == sdk::Direction::higher_is_better);
  }
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"auprc", "auprc_ratio", "auroc", "early_precision", "epr"});
  CHECK_THROWS_WITH(core::eval::create_graph_metrics(test::build_tree_plugins(), {"auprc_ratoi"}),
                    Contains("auprc_ratio"));
}

TEST_CASE("graph metrics: AUPRC and AUROC over all ordered pairs of the truth's genes", "[graph_metrics]") {
  // Truth A->B, C->D: genes A B C D, 12 ordered pairs, 2 true (density 1/6).
  // Scores: B->A .9 (false), A->B .8 (true), D->C .7 (false), C->D .6
  // (true), the 8 other pairs 0; A->X names a gene outside the truth.
  // PR points after (0, 1): (0, 0) (1/2, 1/2) (1/2, 1/3) (1, 1/2) (1, 1/6):
  // trapezoids 1/2 * 1/4 + 1/2 * 5/12 = 1/3. ROC: each true edge beats 9
  // and 8 of the 10 false ones: AUROC 0.85.
  sdk::GraphMetricInput in;
  in.genes = {"A", "B", "C", "D", "X"};
  in.truth = {{"A", "B"}, {"C", "D"}, {"A", "A"}};
  in.predicted = scored({{"B", "A", 0.9}, {"A", "B", -0.8}, {"D", "C", 0.7}, {"C", "D", 0.6}, {"A", "X", 5.0}});
  const auto v = score(in);
  CHECK_THAT(v.at("auprc"), WithinAbs(1.0 / 3, 1e-12));
  CHECK_THAT(v.at("auprc_ratio"), WithinAbs(2.0, 1e-12));
  CHECK_THAT(v.at("auroc"), WithinAbs(0.85, 1e-12));
}

TEST_CASE("graph metrics: tied scores are one threshold; PRROC's area interpolates across them", "[graph_metrics]") {
  // Truth A->B, B->C, C->A among 6 ordered pairs. Only B->A is listed (a
  // miss); the other 5 tie at 0. PR: (0, 1) (0, 0) (1, 1/2): trapezoid 1/4.
  // Davis-Goadrich across the tie (3 true, 2 false: h = 2/3 false per true):
  // p(x) = x / (1 + 5x/3) = 0, 3/8, 6/13, 1/2, area (1/3) * sum of the mean
  // of neighbours = 113/312. ROC (1/3, 0) -> (1, 1): 1/3.
  sdk::GraphMetricInput in;
  in.truth = {{"A", "B"}, {"B", "C"}, {"C", "A"}};
  in.predicted = scored({{"B", "A", 0.9}});
  const auto v = score(in);
  CHECK_THAT(v.at("auprc"), WithinAbs(0.25, 1e-12));
  CHECK_THAT(v.at("auroc"), WithinAbs(1.0 / 3, 1e-12));
  static const auto dg = core::eval::create_graph_metrics(test::build_tree_plugins(), {"auprc", "auprc_ratio"},
                                                          {{"curve", "davis_goadrich"}});
  const auto d = core::eval::score_network(in, dg).overall;
  CHECK_THAT(d.at("auprc"), WithinAbs(113.0 / 312, 1e-12));
  CHECK_THAT(d.at("auprc_ratio"), WithinAbs(113.0 / 312 * 2, 1e-12));
}

TEST_CASE("graph metrics: early precision takes the top k with ties, TF edges only by default", "[graph_metrics]") {
  // Truth A->B, C->D: TFs A and C, candidates TF -> other truth gene:
  // 2 x 3 = 6, random precision 2/6.
  sdk::GraphMetricInput in;
  in.truth = {{"A", "B"}, {"C", "D"}};
  // B->A and D->C leave no TF and A->X reaches no truth gene: of the rest,
  // k = 2 takes A->B and C->D: precision 1, EPR 3.
  in.predicted = scored({{"B", "A", 0.9}, {"A", "B", 0.8}, {"D", "C", 0.7}, {"C", "D", 0.6}, {"A", "X", 5.0}});
  auto v = score(in);
  CHECK_THAT(v.at("early_precision"), WithinAbs(1.0, 1e-12));
  CHECK_THAT(v.at("epr"), WithinAbs(3.0, 1e-12));
  // Every listed edge competing (tf_edges = false): the top 2 are A->X and
  // B->A, both false; the expectation is over all 12 ordered pairs.
  static const auto all = core::eval::create_graph_metrics(test::build_tree_plugins(), {"early_precision", "epr"},
                                                           {{"tf_edges", false}});
  CHECK_THAT(core::eval::score_network(in, all).overall.at("early_precision"), WithinAbs(0.0, 1e-12));
  // Ties at the k-th weight are all taken: 3 edges at 0.5, one true: 1/3, EPR 1.
  in.predicted = scored({{"A", "B", 0.5}, {"A", "C", -0.5}, {"A", "D", 0.5}, {"C", "D", 0.2}});
  v = score(in);
  CHECK_THAT(v.at("early_precision"), WithinAbs(1.0 / 3, 1e-12));
  CHECK_THAT(v.at("epr"), WithinAbs(1.0, 1e-12));
  // Zero weights are not taken while anything else is listed: only C->D.
  in.predicted = scored({{"A", "B", 0.0}, {"C", "D", 0.3}, {"A", "C", 0.0}});
  CHECK_THAT(score(in).at("early_precision"), WithinAbs(1.0, 1e-12));
  // Fewer edges than k: k becomes the number listed.
  in.predicted = scored({{"A", "C", 0.7}});
  CHECK_THAT(score(in).at("early_precision"), WithinAbs(0.0, 1e-12));
  // A pair listed twice counts once, at its largest |weight|.
  in.predicted = scored({{"A", "C", 0.7}, {"A", "B", 0.1}, {"A", "B", -0.9}});
  CHECK_THAT(score(in).at("early_precision"), WithinAbs(0.5, 1e-12));
}

TEST_CASE("graph metrics: a truth without an edge between two genes is an error naming the metric", "[graph_metrics]") {
  sdk::GraphMetricInput in;
  in.truth = {{"A", "A"}};
  in.predicted = scored({{"A", "B", 1.0}});
  CHECK_THROWS_WITH(score(in), Contains("graph_metric/") && Contains("no edge between two different genes"));
  in.truth = {{"A", "B"}, {"B", "A"}};
  CHECK_THROWS_WITH(score(in), Contains("every one of the 2 pairs") && Contains("is a true edge"));
}

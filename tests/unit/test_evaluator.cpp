// The evaluator: metrics per condition on the hand-made screen, averages,
// subgroups, files, errors; and one run on the real Norman19 data.
#include <cmath>

#include <ATen/ATen.h>
#include "catch.hpp"
#include <nlohmann/json.hpp>

#include "fixtures.hpp"
#include "support.hpp"
#include "trellis/data/screen_loader.hpp"
#include "trellis/eval/evaluator.hpp"
#include "trellis/io/readers.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/util/atomic_file.hpp"

using namespace trellis;
using namespace trellis::core;
using Catch::Contains;

namespace {

plugin::PluginHost& host() {
  static plugin::PluginHost* h = [] {
    auto* p = new plugin::PluginHost;
    p->add_search_path(TRELLIS_PLUGIN_BUILD_DIR, "build tree");
    p->load_search_path();
    p->add_builtin("builtin", "built-in readers", &io::register_readers);
    return p;
  }();
  return *h;
}

// The preprocessing of test::tiny_screen, by hand (no normalisation, no HVG):
//   means: ctrl [2,0,1], G0+ctrl [0,4,2] (1 cell), P+ctrl [3,1,2]
//   DE of P+ctrl vs control (Welch t): gene 0: (3-2)/sqrt(2/2+2/2) = 0.71,
//   gene 1: (1-0)/sqrt(2/2+0) = 1, gene 2: (2-1)/sqrt(0+2/2) = 1
//   -> ranking [1, 2, 0] (ties by gene index); G0+ctrl has one cell: not tested.
preprocess::Preprocessed tiny_preprocessed() {
  preprocess::Preprocessed p;
  p.condition_names = {"ctrl", "G0+ctrl", "P+ctrl"};
  p.control = 0;
  p.genes = {0, 1, 2};
  p.pseudobulk.means.rows = 3;
  p.pseudobulk.means.cols = 3;
  p.pseudobulk.means.values = {2, 0, 1, 0, 4, 2, 3, 1, 2};
  p.pseudobulk.cell_counts = {2, 1, 2};
  p.control_mean = {2, 0, 1};
  p.de.ranking = {{}, {}, {1, 2, 0}};
  p.de.scores = {{}, {}, {0.7071f, 1.f, 1.f}};
  p.de.skipped = {1};
  p.de.significant = {0, 0, 2};
  return p;
}

struct Tiny {
  sdk::GeneTable genes = test::tiny_genes();
  sdk::Screen screen = test::tiny_screen(genes);
  preprocess::Preprocessed pre = tiny_preprocessed();
  eval::EvaluationInput input(at::Tensor predicted) const {
    eval::EvaluationInput in;
    in.screen = &screen;
    in.preprocessed = &pre;
    in.conditions = {1, 2};
    in.predicted = std::move(predicted);
    in.subgroups = {{"single", {"G0+ctrl"}}, {"unseen", {"P+ctrl", "not-scored"}}, {"empty", {"nothing"}}};
    return in;
  }
};

// Predictions: G0+ctrl [1,3,2] (observed [0,4,2]), P+ctrl [0,4,3] (observed [3,1,2]).
//   mse:  G0 (1+1+0)/3 = 2/3; P (9+9+1)/3 = 19/3; overall 7/2
//   mse_de: P only (G0 untested), top-20 = all 3 genes -> 19/3
//   pearson G0: dx = [-1,1,0], dy = [-2,2,0] -> 1
//   rank: G0's prediction is sqrt(2) from its own, sqrt(8) from P's -> 0;
//         P's is sqrt(19) from its own, 1 from G0's -> 1; overall 1/2
at::Tensor tiny_prediction() { return at::tensor({1.f, 3.f, 2.f, 0.f, 4.f, 3.f}).view({2, 3}); }

}  // namespace

TEST_CASE("evaluate: per condition, overall and per subgroup", "[evaluator]") {
  const Tiny t;
  const auto metrics = eval::create_metrics(host(), {"mse", "metric/mse_de", "pearson", "rank"});
  REQUIRE(metrics.size() == 4);
  CHECK(metrics[1].name == "mse_de");
  const eval::Evaluation e = eval::evaluate(t.input(tiny_prediction()), metrics);
  CHECK(e.metrics == std::vector<std::string>{"mse", "mse_de", "pearson", "rank"});
  CHECK(e.conditions == std::vector<std::string>{"G0+ctrl", "P+ctrl"});
  CHECK(e.directions.at("pearson") == sdk::Direction::higher_is_better);
  CHECK(e.directions.at("rank") == sdk::Direction::lower_is_better);
  CHECK(e.per_condition.at("G0+ctrl").at("mse") == Approx(2.0 / 3));
  CHECK(e.per_condition.at("P+ctrl").at("mse") == Approx(19.0 / 3));
  CHECK(e.per_condition.at("G0+ctrl").count("mse_de") == 0);  // DE not tested: left out
  CHECK(e.per_condition.at("P+ctrl").at("mse_de") == Approx(19.0 / 3));
  CHECK(e.per_condition.at("G0+ctrl").at("pearson") == Approx(1.0));
  CHECK(e.per_condition.at("G0+ctrl").at("rank") == 0.0);
  CHECK(e.per_condition.at("P+ctrl").at("rank") == 1.0);
  CHECK(e.overall.at("mse") == Approx(3.5));
  CHECK(e.overall.at("mse_de") == Approx(19.0 / 3));  // mean over the conditions that have it
  CHECK(e.overall.at("rank") == Approx(0.5));
  CHECK(e.subgroups.at("single").at("mse") == Approx(2.0 / 3));
  CHECK(e.subgroups.at("single").count("mse_de") == 0);
  CHECK(e.subgroups.at("unseen").at("mse") == Approx(19.0 / 3));
  CHECK(e.subgroups.count("empty") == 0);  // none of its conditions was scored

  // score(): the overall mean of one metric (early stopping).
  CHECK(eval::score(t.input(tiny_prediction()), metrics[0]) == Approx(3.5));
  CHECK(std::isnan(eval::score(t.input(tiny_prediction()), eval::create_metrics(host(), {"e_distance"})[0])));

  // The perfect prediction.
  const auto all = eval::create_metrics(host(), {});
  CHECK(all.size() >= 23);
  const auto perfect = eval::evaluate(t.input(at::tensor({0.f, 4.f, 2.f, 3.f, 1.f, 2.f}).view({2, 3})), all);
  CHECK(perfect.overall.at("mse") == 0.0);
  CHECK(perfect.overall.at("pearson") == Approx(1.0));
  CHECK(perfect.overall.at("rank") == 0.0);
  CHECK(perfect.overall.count("e_distance") == 0);  // no sampled cells
}

TEST_CASE("evaluate: the training perturbations, target genes and DE counts reach the metrics", "[evaluator]") {
  const Tiny t;
  const auto metrics = eval::create_metrics(host(), {"pearson_delta_pert", "discrimination_l1", "de_overlap"});
  // G0+ctrl predicted [6,3,2] (observed [0,4,2]), P+ctrl [0,4,3] (observed [3,1,2]).
  eval::EvaluationInput in = t.input(at::tensor({6.f, 3.f, 2.f, 0.f, 4.f, 3.f}).view({2, 3}));
  const eval::Evaluation without = eval::evaluate(in, metrics);
  CHECK(without.overall.count("pearson_delta_pert") == 0);  // no training perturbations given
  in.reference_conditions = {0, 1, 2};  // the control is not a perturbation: m = mean([0,4,2], [3,1,2]) = [1.5,2.5,2]
  const eval::Evaluation e = eval::evaluate(in, metrics);
  // P+ctrl: p - m = [-1.5,1.5,1], o - m = [1.5,-1.5,0] -> r = -0.93326 (numpy.corrcoef).
  CHECK(e.per_condition.at("P+ctrl").at("pearson_delta_pert") == Approx(-0.9332565252573827));
  // G0+ctrl targets gene column 0, left out: L1 over genes 1, 2 is 1 to its own, 2 to P's -> 1.
  // (With gene 0 it would be 7 vs 5: 0.5.) P is not measured: P+ctrl's own 7, G0's 1 -> 1 - 1/2.
  CHECK(e.per_condition.at("G0+ctrl").at("discrimination_l1") == 1.0);
  CHECK(e.per_condition.at("P+ctrl").at("discrimination_l1") == 0.5);
  // P+ctrl has 2 significant genes, observed top 2 = {1, 2}; predicted |p - c| = [2,4,2] -> {1, 0}: 1/2.
  CHECK(e.per_condition.at("P+ctrl").at("de_overlap") == 0.5);
  CHECK(e.per_condition.at("G0+ctrl").count("de_overlap") == 0);  // not tested
}

TEST_CASE("evaluate: sampled cells are compared with the observed cells", "[evaluator]") {
  const Tiny t;
  auto in = t.input(tiny_prediction());
  // P+ctrl's observed cells are [2,2,2] and [4,0,2]; predict exactly those.
  in.predicted_cells = {at::Tensor(), at::tensor({2.f, 2.f, 2.f, 4.f, 0.f, 2.f}).view({2, 3})};
  const auto e = eval::evaluate(in, eval::create_metrics(host(), {"e_distance", "mmd"}));
  // Identical sets: MMD^2 (V-statistic) is 0. E-distance with within-set means over
  // i != j: cross mean (0 + sqrt8 + sqrt8 + 0)/4, within sqrt8 each -> sqrt8 - 2 sqrt8 = -sqrt8.
  CHECK(e.per_condition.at("P+ctrl").at("mmd") == Approx(0.0).margin(1e-12));
  CHECK(e.per_condition.at("P+ctrl").at("e_distance") == Approx(-std::sqrt(8.0)));
  CHECK(e.per_condition.count("G0+ctrl") == 0);  // no cells sampled for it

  in.predicted_cells = {at::Tensor(), at::ones({2, 2})};
  REQUIRE_THROWS_WITH(eval::evaluate(in, eval::create_metrics(host(), {"mmd"})),
                      Contains("sampled cells of shape [2, 2] for condition 'P+ctrl'; expected [cells, 3]"));
  in.predicted_cells = {at::Tensor(), at::ones({2, 3})};
  in.predicted_cells[1][1][0] = std::nan("");
  REQUIRE_THROWS_WITH(eval::evaluate(in, eval::create_metrics(host(), {"mmd"})),
                      Contains("the predictor returned NaN in its sampled cells for condition 'P+ctrl' at gene index 0 (G0)"));
  in.predicted_cells = {at::ones({1, 3})};
  REQUIRE_THROWS_WITH(eval::evaluate(in, eval::create_metrics(host(), {"mmd"})),
                      Contains("sampled cells for 1 conditions; expected one [cells, 3] tensor for each of the 2"));
}

TEST_CASE("evaluate: bad predictions and unknown metrics are errors that say what to fix", "[evaluator]") {
  const Tiny t;
  const auto mse = eval::create_metrics(host(), {"mse"});
  REQUIRE_THROWS_WITH(eval::evaluate(t.input(at::zeros({2, 2})), mse),
                      Contains("the predictor returned predictions of shape [2, 2]; expected [2, 3] "
                               "(2 test conditions x 3 measured genes)"));
  REQUIRE_THROWS_WITH(eval::evaluate(t.input(at::zeros({3})), mse), Contains("of shape [3]; expected [2, 3]"));
  at::Tensor nan = tiny_prediction();
  nan[1][2] = std::nan("");
  REQUIRE_THROWS_WITH(eval::evaluate(t.input(nan), mse),
                      Contains("the predictor returned NaN in its predictions for condition 'P+ctrl' at gene index 2 (G2)"));
  at::Tensor inf = tiny_prediction();
  inf[0][0] = -INFINITY;
  REQUIRE_THROWS_WITH(eval::evaluate(t.input(inf), mse), Contains("returned -Inf") && Contains("'G0+ctrl' at gene index 0 (G0)"));
  REQUIRE_THROWS_WITH(eval::create_metrics(host(), {"msee"}),
                      Contains("unknown metric component 'metric/msee'. Did you mean 'metric/mse'?"));
  REQUIRE_THROWS_WITH(eval::create_metrics(host(), {"mse", "metric/mse"}), Contains("metric 'mse' is listed twice"));
  auto in = t.input(tiny_prediction());
  in.conditions = {1, 7};
  REQUIRE_THROWS_WITH(eval::evaluate(in, mse), Contains("test condition index 7 is out of range (the screen has 3"));
  in.conditions = {};
  REQUIRE_THROWS_WITH(eval::evaluate(in, mse), Contains("the list of test conditions is empty"));
}

TEST_CASE("evaluation files: metrics.json, metrics.csv, top_de.csv and the table", "[evaluator]") {
  const Tiny t;
  const auto in = t.input(tiny_prediction());
  const auto e = eval::evaluate(in, eval::create_metrics(host(), {"mse", "mse_de"}));
  test::TempDir dir;
  eval::write_metrics(e, dir.path() / "out");
  const auto j = nlohmann::json::parse(util::read_file(dir.path() / "out/metrics.json"));
  CHECK(j.size() == 4);
  CHECK(j.at("overall").at("mse").get<double>() == Approx(3.5));
  CHECK(j.at("overall").at("mse_de").get<double>() == Approx(19.0 / 3));
  CHECK(j.at("subgroups").at("single") == nlohmann::json{{"mse", 2.0 / 3}});
  CHECK(j.at("conditions").at("G0+ctrl") == nlohmann::json{{"mse", 2.0 / 3}});
  CHECK(j.at("conditions").at("P+ctrl").at("mse_de").get<double>() == Approx(19.0 / 3));
  CHECK(j.at("directions") == nlohmann::json{{"mse", "lower_is_better"}, {"mse_de", "lower_is_better"}});
  // Top-level keys in the documented order.
  const std::string text = util::read_file(dir.path() / "out/metrics.json");
  CHECK(text.find("\"overall\"") < text.find("\"subgroups\""));
  CHECK(text.find("\"subgroups\"") < text.find("\"conditions\""));
  CHECK(text.find("\"conditions\"") < text.find("\"directions\""));

  // Values round-trip (shortest of 15-17 digits), like Python's repr(19/3), repr(2/3).
  CHECK(util::read_file(dir.path() / "out/metrics.csv") ==
        "scope,name,metric,value\n"
        "overall,,mse,3.5\n"
        "overall,,mse_de,6.333333333333333\n"
        "subgroup,single,mse,0.6666666666666666\n"
        "subgroup,unseen,mse,6.333333333333333\n"
        "subgroup,unseen,mse_de,6.333333333333333\n"
        "condition,G0+ctrl,mse,0.6666666666666666\n"
        "condition,P+ctrl,mse,6.333333333333333\n"
        "condition,P+ctrl,mse_de,6.333333333333333\n");

  // Top DE genes of P+ctrl (G0+ctrl is not tested): ranking [1, 2, 0];
  // control [2,0,1], observed [3,1,2], predicted [0,4,3].
  eval::write_top_de(in, {"G0", "G1", "G2"}, dir.path() / "out", 2);
  CHECK(util::read_file(dir.path() / "out/top_de.csv") ==
        "condition,rank,gene,control,observed,predicted,observed_delta,predicted_delta\n"
        "P+ctrl,1,G1,0,1,4,1,4\n"
        "P+ctrl,2,G2,1,2,3,1,2\n");
  REQUIRE_THROWS_WITH(eval::write_top_de(in, {"G0"}, dir.path(), 2), Contains("1 gene names for 3 genes"));

  const std::string table = eval::format_table(e);
  CHECK(table ==
        "metric  better  overall  single  unseen\n"
        "mse     lower    3.5000  0.6667  6.3333\n"
        "mse_de  lower    6.3333       -  6.3333\n");
  CHECK(eval::format_table(e, {"mse_de"}).find("mse ") == std::string::npos);
  REQUIRE_THROWS_WITH(eval::format_table(e, {"mes"}), Contains("metric 'mes' was not computed; did you mean 'mse'?"));
}

TEST_CASE("evaluate on Norman19: predicting the observation is perfect", "[evaluator]") {
  TRELLIS_REQUIRE_DATA(data);
  const nlohmann::json config{{"name", "norman19"},
                              {"path", (data / "perturbseq/norman19_mcfaline23_subset.h5ad").string()},
                              {"condition_column", "perturbation"},
                              {"control_label", "control"},
                              {"perturbation_type_column", "perturbation_type"},
                              {"select", {{"dataset", "norman19"}}}};
  const auto loaded = data::load_screen(data::parse_data_config(config), host());
  const auto& screen = loaded.data->screen;
  const auto& pre = loaded.preprocessed;
  eval::EvaluationInput in;
  in.screen = &screen;
  in.preprocessed = &pre;
  for (std::int64_t c = 0; c < static_cast<std::int64_t>(screen.conditions.size()); ++c)
    if (c != screen.control_index()) in.conditions.push_back(c);
  REQUIRE(in.conditions.size() == 33);
  const std::int64_t g = pre.pseudobulk.means.cols;
  const at::Tensor means =
      at::tensor(at::ArrayRef<float>(pre.pseudobulk.means.values), at::kFloat).view({pre.pseudobulk.means.rows, g});
  in.predicted = means.index_select(0, at::tensor(in.conditions, at::kLong));
  const auto metrics = eval::create_metrics(host(), {});
  const auto e = eval::evaluate(in, metrics);
  CHECK(e.overall.at("mse") == 0.0);
  CHECK(e.overall.at("l2_top1000_control") == 0.0);
  CHECK(e.overall.at("pearson") == Approx(1.0));
  CHECK(e.overall.at("pearson_delta") == Approx(1.0));
  CHECK(e.overall.at("pearson_de") == Approx(1.0));
  CHECK(e.overall.at("frac_correct_direction_all") == 1.0);
  CHECK(e.overall.at("frac_opposite_direction_top20_non_dropout") == 0.0);
  CHECK(e.overall.at("rank") == 0.0);
  CHECK(e.per_condition.size() == 33);

  // Predicting the control mean (no_change): errors > 0, no direction
  // right except genes the perturbation leaves unchanged, and delta
  // correlations of 0 (every predicted delta is 0: nothing explained).
  in.predicted = at::tensor(at::ArrayRef<float>(pre.control_mean), at::kFloat).expand({33, g}).clone();
  const auto nc = eval::evaluate(in, metrics);
  CHECK(nc.overall.at("mse") > 0.0);
  CHECK(nc.overall.at("pearson_delta") == 0.0);
  CHECK(nc.overall.at("pearson") > 0.9);  // expression levels dominate the raw correlation
  CHECK(nc.overall.at("frac_correct_direction_20") < 0.1);
  CHECK(nc.overall.at("rank") >= 0.0);
  CHECK(nc.overall.at("rank") <= 1.0);
}

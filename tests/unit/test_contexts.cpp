// Cell contexts ([data] context): each condition is (perturbation, context)
// and is measured against its own context's controls. Every value here is
// computed by hand from test::two_context_screen (see fixtures.hpp).
#include <random>
#include <set>

#include <ATen/ATen.h>
#include "catch.hpp"

#include "fit_fixtures.hpp"
#include "support.hpp"
#include "trellis/eval/evaluator.hpp"
#include "trellis/experiment/requested.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/preprocess/pipeline.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/fit_support.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/split/splits.hpp"
#include "trellis/train/batches.hpp"
#include "trellis/train/residual_target.hpp"

using namespace trellis;
using namespace trellis::core;
using Catch::Contains;

namespace {

using test::values;

struct TwoContexts : test::ScreenFit {
  TwoContexts() : test::ScreenFit(test::two_context_screen) {}
  /// The screen's expression as a CSR matrix (cells x genes).
  sdk::CsrMatrix matrix() const {
    sdk::CsrMatrix x;
    x.rows = screen.num_cells();
    x.cols = 3;
    x.indptr.assign(screen.indptr.data_ptr<std::int64_t>(), screen.indptr.data_ptr<std::int64_t>() + x.rows + 1);
    x.indices.assign(screen.indices.data_ptr<std::int32_t>(),
                     screen.indices.data_ptr<std::int32_t>() + screen.indices.numel());
    x.values.assign(screen.values.data_ptr<float>(), screen.values.data_ptr<float>() + screen.values.numel());
    return x;
  }
};

const std::vector<std::int64_t> kControlOf = {0, 0, 2, 2, 2};
const std::vector<std::int64_t> kCellCondition = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4};

/// The values as they are (they look like counts, so `automatic` would normalise them).
preprocess::PreprocessOptions as_is() {
  preprocess::PreprocessOptions o;
  o.input = preprocess::InputScale::log_normalised;
  return o;
}

}  // namespace

TEST_CASE("contexts: each condition has its own context's control", "[contexts]") {
  const TwoContexts t;
  CHECK(t.screen.contexts() == std::vector<std::string>{"A", "B"});
  CHECK(t.screen.control_index("A") == 0);
  CHECK(t.screen.control_index("B") == 2);
  CHECK(t.screen.control_of(4) == 2);
  CHECK(t.screen.control_of(1) == 0);
  REQUIRE_THROWS_WITH(t.screen.control_index(),
                      Contains("the screen has 2 contexts (A, B), each with its own control"));
  REQUIRE_THROWS_WITH(t.screen.control_index("C"),
                      Contains("context 'C' has no control cells; every context needs its own controls"));

  // Fit support: control means, changes and the mean change per context.
  const sdk::FitContext all = t.context({1, 3, 4});
  const sdk::ControlMeans controls(all);
  CHECK(values(controls.of("A")) == std::vector<float>{2, 0, 1});
  CHECK(values(controls.of("B")) == std::vector<float>{1, 2, 1});
  CHECK(values(controls.rows({t.screen.conditions[4], t.screen.conditions[1]})) ==
        std::vector<float>{1, 2, 1, 2, 0, 1});
  REQUIRE_THROWS_WITH(controls.of("C"), Contains("context 'C' is not one the model was fitted on (A, B)"));
  CHECK(values(sdk::condition_delta(all, 4)) == std::vector<float>{-1, 3, 1});
  CHECK(values(sdk::perturbed_delta(all, "A")) == std::vector<float>{1, 1, 1});
  CHECK(values(sdk::perturbed_delta(all, "B")) == std::vector<float>{0, 2, 1});  // ([1,1,1] + [-1,3,1]) / 2
  // A context without training perturbations: the mean over all, or an error.
  const sdk::FitContext b_only = t.context({3, 4});
  CHECK(values(sdk::perturbed_delta(b_only, "A")) == std::vector<float>{0, 2, 1});
  REQUIRE_THROWS_WITH(sdk::perturbed_delta(b_only, "A", false),
                      Contains("context 'A' has no perturbed training condition"));
  REQUIRE_THROWS_WITH(sdk::control_mean(all), Contains("the screen has 2 contexts"));
}

TEST_CASE("contexts: DE tests each condition against its own context's controls", "[contexts]") {
  const TwoContexts t;
  sdk::CsrMatrix x = t.matrix();
  const std::vector<std::string> names = {"ctrl@A", "P@A", "ctrl@B", "P@B", "G0@B"};
  const preprocess::Preprocessed p = preprocess::preprocess(x, kCellCondition, names, kControlOf, as_is());
  CHECK(p.control_of == kControlOf);
  CHECK(p.control_for(4) == 2);
  // P@B [2,3,2] vs ctrl@B [1,2,1], variances [2,0,2] in both: Welch t
  // [0.71, +inf, 0.71] -> genes [1, 0, 2]. Against ctrl@A ([2,0,1], variances
  // [2,0,2]) it would be [0, +inf, 0.71] -> [1, 2, 0].
  CHECK(p.de.ranking[3] == std::vector<std::int32_t>{1, 0, 2});
  // P@A [3,1,2] (variances [2,2,0]) vs ctrl@A: [0.71, 1, 1] -> [1, 2, 0].
  CHECK(p.de.ranking[1] == std::vector<std::int32_t>{1, 2, 0});
  CHECK_FALSE(p.de.tested(0));
  CHECK_FALSE(p.de.tested(2));  // both controls
  // The controls are part of the cache key.
  sdk::CsrMatrix y = t.matrix();
  CHECK(preprocess::preprocess(y, kCellCondition, names, std::vector<std::int64_t>(5, 0), as_is()).key != p.key);
}

TEST_CASE("contexts: metrics use the context's control and compare conditions within a context", "[contexts]") {
  const TwoContexts t;
  sdk::CsrMatrix x = t.matrix();
  const std::vector<std::string> names = {"ctrl@A", "P@A", "ctrl@B", "P@B", "G0@B"};
  const preprocess::Preprocessed pre = preprocess::preprocess(x, kCellCondition, names, kControlOf, as_is());
  plugin::PluginHost host;
  host.add_search_path(TRELLIS_PLUGIN_BUILD_DIR, "build tree");
  host.load_search_path();
  eval::EvaluationInput in;
  in.screen = &t.screen;
  in.preprocessed = &pre;
  in.conditions = {1, 3, 4};
  in.reference_conditions = {1, 3, 4};
  // G0@B predicted [0,5,3]: change [-1,3,2] from ctrl@B against the observed
  // [-1,3,1]: Pearson 0.96077 (numpy). Against ctrl@A it would be 0.98649.
  // P@B predicted [3,1.5,2]: 1.80 from its own observed [2,3,2], 4.6 from
  // G0@B's [0,5,2], so its rank within context B is 0; P@A's observed
  // [3,1,2] (context A) is 0.5 away and would make it 0.5 across contexts.
  in.predicted = at::tensor({3.f, 1.f, 2.f, 3.f, 1.5f, 2.f, 0.f, 5.f, 3.f}).view({3, 3});
  const auto metrics = eval::create_metrics(host, {"pearson_delta", "rank"});
  const eval::Evaluation e = eval::evaluate(in, metrics);
  CHECK(e.per_condition.at("G0@B").at("pearson_delta") == Approx(0.9607689228));
  CHECK(e.per_condition.at("P@B").at("rank") == 0.0);
  CHECK(e.per_condition.at("P@A").at("rank") == 0.0);  // alone in its context
  CHECK(e.subgroups.count("context=A") == 1);
  CHECK(e.subgroups.at("context=B").at("pearson_delta") == Approx(0.9607689228));
}

TEST_CASE("contexts: training pairs cells with controls of their own context", "[contexts]") {
  const TwoContexts t;
  const sdk::FitContext c = t.context({1, 3, 4});
  train::BatchSource pairs(c, sdk::BatchMode::cell_pairs, 6, 0);
  for (int epoch = 0; epoch < 5; ++epoch) {
    std::mt19937_64 rng(static_cast<std::uint64_t>(epoch));
    pairs.plan_epoch(rng);
    REQUIRE(pairs.row_cells().size() == 6);
    for (std::size_t r = 0; r < 6; ++r) {
      const bool in_a = pairs.row_cells()[r] < 4;  // cells 2, 3 are P@A
      const std::int64_t control = pairs.row_controls()[r];
      CHECK((in_a ? control <= 1 : (control == 4 || control == 5)));
    }
  }
  // Pseudobulk batches: each row's control is its context's control mean.
  train::BatchSource means(c, sdk::BatchMode::condition_means, 3, 0);
  std::mt19937_64 rng(1);
  means.plan_epoch(rng);
  const sdk::Batch& batch = means.batch(0);
  for (std::int64_t r = 0; r < 3; ++r) {
    const bool in_a = batch.condition[static_cast<std::size_t>(r)] == 1;
    CHECK(values(batch.control[r]) == (in_a ? std::vector<float>{2, 0, 1} : std::vector<float>{1, 2, 1}));
  }

  // Residual target: each context's reference is its own perturbed mean.
  sdk::FitContext residual = t.context({1, 3, 4});
  const train::ControlShift shift = train::apply_target(train::Target::delta_from_perturbed_mean, residual);
  CHECK(values(shift.at("A")) == std::vector<float>{1, 1, 1});
  CHECK(values(shift.at("B")) == std::vector<float>{0, 2, 1});
  CHECK(values(sdk::ControlMeans(residual).of("B")) == std::vector<float>{1, 4, 2});
  CHECK_FALSE(residual.control_mean.defined());  // no single control mean with contexts
}

TEST_CASE("transfer split holds a perturbation out in one context while it trains in others", "[contexts]") {
  // Perturbations X, Y, Z, W in contexts A, B, C; W only in A.
  std::vector<sdk::Condition> conditions;
  for (const char* gene : {"X", "Y", "Z"})
    for (const char* context : {"A", "B", "C"})
      conditions.push_back(sdk::Condition{std::string(gene) + "@" + context, {gene}, {}, {}, context});
  conditions.push_back(sdk::Condition{"W@A", {"W"}, {}, {}, "A"});
  conditions.push_back(sdk::Condition{"X+Y@B", {"X", "Y"}, {}, {}, "B"});
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const sdk::Split s = split::transfer_split(conditions, seed, 0.5, 0.0);
    // 9 conditions have a perturbation in two or more contexts: floor(4.5) = 4.
    REQUIRE(s.test.size() == 4);
    CHECK(s.train.size() == 7);
    std::set<std::string> train(s.train.begin(), s.train.end());
    CHECK(train.count("W@A"));     // measured in one context only
    CHECK(train.count("X+Y@B"));
    for (const std::string& name : s.test) {
      const std::string gene = name.substr(0, name.find('@'));
      int elsewhere = 0;
      for (const char* context : {"A", "B", "C"}) elsewhere += static_cast<int>(train.count(gene + "@" + context));
      CHECK(elsewhere >= 1);
    }
    CHECK(s.subgroups.at("transfer_single").size() == 4);
    CHECK(split::transfer_split(conditions, seed, 0.5, 0.0).test == s.test);  // seeded
  }
  // Validation comes from the rest, by the same rule.
  const sdk::Split v = split::transfer_split(conditions, 3, 0.3, 0.5);
  CHECK(v.test.size() == 2);
  CHECK(v.val.size() == 3);  // floor(0.5 * 7)

  std::vector<sdk::Condition> plain{sdk::Condition{"X", {"X"}, {}, {}, ""}, sdk::Condition{"Y", {"Y"}, {}, {}, ""}};
  REQUIRE_THROWS_WITH(split::transfer_split(plain, 1),
                      Contains("the conditions have no contexts; set [data] context = [\"<obs column>\"]"));
  std::vector<sdk::Condition> apart{sdk::Condition{"X@A", {"X"}, {}, {}, "A"}, sdk::Condition{"Y@B", {"Y"}, {}, {}, "B"}};
  REQUIRE_THROWS_WITH(split::transfer_split(apart, 1),
                      Contains("no perturbation is measured in two or more contexts"));
}

TEST_CASE("contexts: predictions name PERTURBATION@CONTEXT", "[contexts]") {
  const TwoContexts t;
  const data::ConditionFormat format{"ctrl", "+"};
  const auto asked = experiment::requested_conditions({"G0+P@A"}, t.screen, format);
  REQUIRE(asked.size() == 1);
  CHECK(asked[0].context == "A");
  CHECK(asked[0].genes == std::vector<std::string>{"G0", "P"});
  REQUIRE_THROWS_WITH(experiment::requested_conditions({"G0"}, t.screen, format),
                      Contains("name the context as PERTURBATION@CONTEXT, e.g. 'G0@A' (contexts: A, B)"));
  REQUIRE_THROWS_WITH(experiment::requested_conditions({"G0@BB"}, t.screen, format),
                      Contains("context 'BB' is not one of this run's (A, B); did you mean 'B'?"));
  const sdk::GeneTable genes = test::tiny_genes();
  const sdk::Screen plain = test::tiny_screen(genes);
  REQUIRE_THROWS_WITH(experiment::requested_conditions({"G0@A"}, plain, format),
                      Contains("this run has no cell contexts ([data] context)"));
}

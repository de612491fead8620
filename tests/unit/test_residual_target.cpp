// [train] target: the reference profile a neural predictor is given as its
// control, on the hand-made screen of tests/fixtures.hpp (cells
// [1,0,2] [3,0,0] control, [0,4,2] G0+ctrl, [2,2,2] [4,0,2] P+ctrl).
#include <random>

#include <ATen/ATen.h>
#include "catch.hpp"
#include <nlohmann/json.hpp>

#include "fit_fixtures.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/train/batches.hpp"
#include "trellis/train/residual_target.hpp"

using namespace trellis;
using Catch::Contains;
namespace tr = trellis::core::train;

namespace {

struct Tiny {
  sdk::GeneTable genes = test::tiny_genes();
  sdk::Screen screen = test::tiny_screen(genes);
  sdk::FitContext context() const {
    sdk::FitContext c;
    c.genes = &genes;
    c.screen = &screen;
    c.train_conditions = {0, 1, 2};
    c.control_mean = at::tensor({2.f, 0.f, 1.f});
    c.condition_means = at::tensor({2.f, 0.f, 1.f, 0.f, 4.f, 2.f, 3.f, 1.f, 2.f}).view({3, 3});
    return c;
  }
};

using test::values;

}  // namespace

TEST_CASE("[train] target is read from the table and removed from it", "[trainer]") {
  nlohmann::json table = {{"epochs", 3}};
  CHECK(tr::take_target(table) == tr::Target::delta_from_control);
  table["target"] = "delta_from_perturbed_mean";
  CHECK(tr::take_target(table) == tr::Target::delta_from_perturbed_mean);
  CHECK_FALSE(table.contains("target"));
  CHECK(table.contains("epochs"));
  table["target"] = "expression";
  CHECK(tr::target_name(tr::take_target(table)) == "expression");
  table["target"] = "delta_from_perturbed";
  REQUIRE_THROWS_WITH(tr::take_target(table),
                      Contains("[train]: option 'target' must be one of expression, delta_from_control, "
                               "delta_from_perturbed_mean, got \"delta_from_perturbed\" (did you mean "
                               "'delta_from_perturbed_mean'?)"));
}

TEST_CASE("[train] target sets the reference and shifts paired control cells", "[trainer]") {
  const Tiny t;
  // delta_from_control: nothing changes.
  sdk::FitContext c = t.context();
  CHECK(tr::apply_target(tr::Target::delta_from_control, c).empty());
  CHECK(values(c.control_mean) == std::vector<float>{2, 0, 1});
  // The perturbed mean: ([0,4,2] + [3,1,2]) / 2 = [1.5,2.5,2]; shift [-0.5,2.5,1].
  const tr::ControlShift shift = tr::apply_target(tr::Target::delta_from_perturbed_mean, c);
  CHECK(values(c.control_mean) == std::vector<float>{1.5f, 2.5f, 2});
  REQUIRE(shift.size() == 1);  // one entry: the screen has no contexts
  CHECK(values(shift.at("")) == std::vector<float>{-0.5f, 2.5f, 1});
  // expression: the reference is 0.
  sdk::FitContext e = t.context();
  CHECK(values(tr::apply_target(tr::Target::expression, e).at("")) == std::vector<float>{-2, 0, -1});
  CHECK(values(e.control_mean) == std::vector<float>{0, 0, 0});
  sdk::FitContext none = t.context();
  none.train_conditions = {0};
  REQUIRE_THROWS_WITH(tr::apply_target(tr::Target::delta_from_perturbed_mean, none),
                      Contains("[train] target = \"delta_from_perturbed_mean\": fitting needs at least one perturbed "
                               "training condition"));

  // Pseudobulk batches take the new control mean; paired control cells move by the shift.
  c.train_conditions = {1, 2};
  tr::BatchSource means(c, sdk::BatchMode::condition_means, 2, 0);
  std::mt19937_64 rng(3);
  means.plan_epoch(rng);
  for (std::int64_t r = 0; r < 2; ++r) CHECK(values(means.batch(0).control[r]) == std::vector<float>{1.5f, 2.5f, 2});
  tr::BatchSource pairs(c, sdk::BatchMode::cell_pairs, 3, 0, 0, shift);
  pairs.plan_epoch(rng);
  const sdk::Batch& batch = pairs.batch(0);
  for (std::int64_t r = 0; r < batch.size(); ++r) {
    const auto control = values(batch.control[r]);
    const bool first = pairs.row_controls()[static_cast<std::size_t>(r)] == 0;
    // Control cells [1,0,2] and [3,0,0], plus [-0.5,2.5,1].
    CHECK(control == (first ? std::vector<float>{0.5f, 2.5f, 3} : std::vector<float>{2.5f, 2.5f, 1}));
  }
}

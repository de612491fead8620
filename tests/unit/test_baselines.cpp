#include <ATen/ATen.h>
#include "catch.hpp"
#include <nlohmann/json.hpp>

#include "fixtures.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/predictor.hpp"

using namespace trellis;
using Catch::Contains;

namespace {
std::shared_ptr<sdk::Predictor> make(core::plugin::PluginHost& host, const std::string& name) {
  return host.create<sdk::Predictor>(sdk::Kind::predictor, name, nlohmann::json::object(), "[model.predictor]");
}
}  // namespace

TEST_CASE("no_change and mean baselines on a hand-made screen", "[baselines]") {
  core::plugin::PluginHost host;
  host.add_search_path(TRELLIS_PLUGIN_BUILD_DIR, "build tree");
  host.load_search_path();
  const sdk::GeneTable genes = test::tiny_genes();
  const sdk::Screen screen = test::tiny_screen(genes);
  sdk::FitContext context;
  context.genes = &genes;
  context.screen = &screen;
  context.train_conditions = {0, 1};  // P+ctrl is held out

  auto no_change = make(host, "no_change");
  no_change->fit(context);
  const at::Tensor a = no_change->predict({screen.conditions[2]});
  CHECK(at::allclose(a, at::tensor({2.f, 0.f, 1.f}).view({1, 3})));

  // Mean delta of the training perturbations: G0 only, [0,4,2] - [2,0,1] = [-2,4,1].
  auto mean = make(host, "mean");
  mean->fit(context);
  const at::Tensor b = mean->predict({screen.conditions[2], screen.conditions[1]});
  CHECK(at::allclose(b, at::tensor({0.f, 4.f, 2.f, 0.f, 4.f, 2.f}).view({2, 3})));

  context.train_conditions = {0, 1, 2};  // now also P: deltas [-2,4,1] and [1,1,1]
  mean->fit(context);
  CHECK(at::allclose(mean->predict({screen.conditions[0]}), at::tensor({1.5f, 2.5f, 2.f}).view({1, 3})));

  context.train_conditions = {0};
  REQUIRE_THROWS_WITH(mean->fit(context), Contains("needs at least one perturbed training condition"));
}

// The fitting view: encoders, graph constructors and fit() see the control,
// training and validation conditions only, never a test condition.
#include <ATen/ATen.h>
#include "catch.hpp"

#include <algorithm>
#include <set>

#include "fixtures.hpp"
#include "support.hpp"
#include "trellis/config/config.hpp"
#include "trellis/experiment/config_schema.hpp"
#include "trellis/experiment/fitting_view.hpp"
#include "trellis/experiment/prepare.hpp"
#include "trellis/io/readers.hpp"
#include "trellis/split/splitters.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/plugin.hpp"

namespace ex = trellis::core::experiment;
namespace sdk = trellis::sdk;

TEST_CASE("fitting view: keeps control, train and validation cells in order, nothing else", "[fitting-view]") {
  const auto genes = trellis::test::tiny_genes();
  const auto screen = trellis::test::tiny_screen(genes);
  const at::Tensor means = at::tensor({2.f, 0.f, 1.f, 0.f, 4.f, 2.f, 3.f, 1.f, 2.f}).view({3, 3});
  // Train on P (condition 2); G0 (condition 1) is the test condition.
  const ex::FittingView view = ex::fitting_view(screen, {2}, {}, means);
  REQUIRE(view.screen.conditions.size() == 2);
  CHECK(view.screen.conditions[0].name == "ctrl");
  CHECK(view.screen.conditions[1].name == "P+ctrl");
  CHECK(view.train == std::vector<std::int64_t>{1});
  CHECK(view.val.empty());
  // Cells: the two controls and P's two, by hand from the fixture.
  CHECK(view.screen.num_cells() == 4);
  CHECK(at::equal(view.screen.cell_condition, at::tensor({0, 0, 1, 1}, at::kLong)));
  const at::Tensor dense = view.screen.dense_rows(at::arange(4, at::kLong));
  CHECK(at::equal(dense, at::tensor({1.f, 0.f, 2.f, 3.f, 0.f, 0.f, 2.f, 2.f, 2.f, 4.f, 0.f, 2.f}).view({4, 3})));
  CHECK(at::equal(view.condition_means, at::tensor({2.f, 0.f, 1.f, 3.f, 1.f, 2.f}).view({2, 3})));
  CHECK(at::equal(view.screen.mean_of(1), at::tensor({3.f, 1.f, 2.f})));
}

namespace {

// What the spy encoder saw while the model was built.
std::set<std::string> seen_by_encoder;
std::size_t cells_seen_by_encoder = 0;

class SpyEncoder : public sdk::FeatureEncoder {
 public:
  at::Tensor encode(const sdk::BuildContext& context) override {
    for (const auto& c : context.require_screen("spy").conditions) seen_by_encoder.insert(c.name);
    cells_seen_by_encoder = static_cast<std::size_t>(context.screen->num_cells());
    return at::zeros({context.gene_table().size(), 1});
  }
  bool cacheable() const override { return false; }
};

void register_spy(sdk::Registrar& r) {
  r.add<sdk::FeatureEncoder>("spy", "Records the conditions it is shown", sdk::OptionSchema{},
                             [](const sdk::Options&) { return std::make_shared<SpyEncoder>(); });
}

void register_builtins(sdk::Registrar& r) {
  trellis::core::io::register_readers(r);
  trellis::core::split::register_splitters(r);
}

}  // namespace

TEST_CASE("fitting view: a plugin searching its context for a test condition finds nothing", "[fitting-view]") {
  TRELLIS_REQUIRE_DATA(data);
  trellis::test::TempDir dir;
  const auto config_file = dir.write(
      "spy.toml", "extends = [\"" + std::string(TRELLIS_SOURCE_DIR) + "/configs/data/norman19.toml\"]\nseed = 1\n"
                  "[model.predictor]\ntype = \"predictor/mean\"\n[model.encoders.spy]\ntype = \"encoder/spy\"\n");
  trellis::core::plugin::PluginHost host;
  host.add_search_path(TRELLIS_PLUGIN_BUILD_DIR, "build tree");
  host.load_search_path();
  host.add_builtin("builtin", "built-in readers and splitters", &register_builtins);
  host.add_builtin("spy", "test spy", &register_spy);
  seen_by_encoder.clear();
  const auto prepared = ex::prepare(trellis::core::config::load(config_file, ex::path_rule(&host)), host);
  const auto& full = prepared->screen();
  REQUIRE_FALSE(prepared->test.empty());

  std::set<std::string> allowed = {full.conditions[static_cast<std::size_t>(full.control_index())].name};
  std::int64_t allowed_cells = full.cells_of(full.control_index()).numel();
  for (const auto* set : {&prepared->train, &prepared->val})
    for (std::int64_t c : *set) {
      allowed.insert(full.conditions[static_cast<std::size_t>(c)].name);
      allowed_cells += full.cells_of(c).numel();
    }
  const sdk::Screen& fitting = *prepared->context.screen;
  std::set<std::string> in_context;
  for (const auto& c : fitting.conditions) in_context.insert(c.name);
  for (std::int64_t c : prepared->test) {
    const std::string& name = full.conditions[static_cast<std::size_t>(c)].name;
    CHECK(in_context.count(name) == 0);
    CHECK(seen_by_encoder.count(name) == 0);
  }
  CHECK(in_context == allowed);
  CHECK(seen_by_encoder == allowed);
  CHECK(fitting.num_cells() == allowed_cells);
  CHECK(cells_seen_by_encoder == static_cast<std::size_t>(allowed_cells));
  CHECK(prepared->context.condition_means.size(0) == static_cast<std::int64_t>(fitting.conditions.size()));
  // The training indices point at the same conditions in the view.
  for (std::size_t i = 0; i < prepared->train.size(); ++i)
    CHECK(fitting.conditions[static_cast<std::size_t>(prepared->context.train_conditions[i])].name ==
          full.conditions[static_cast<std::size_t>(prepared->train[i])].name);
}

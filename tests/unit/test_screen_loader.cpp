// The data layer end to end: [data] config -> reader -> conditions -> screen.
// Expected values were computed independently with Python's anndata.
#include <ATen/ATen.h>

#include "catch.hpp"
#include "support.hpp"
#include "trellis/data/conditions.hpp"
#include "trellis/data/screen_loader.hpp"
#include "trellis/io/readers.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/error.hpp"

using namespace trellis::core;
using Catch::Contains;
using nlohmann::json;

namespace {

std::unique_ptr<plugin::PluginHost> host_with_readers() {
  auto host = std::make_unique<plugin::PluginHost>();
  host->add_builtin("builtin", "built-in readers", &io::register_readers);
  return host;
}

json norman_config(const std::filesystem::path& data) {
  return json{{"name", "norman19"},
              {"path", (data / "perturbseq/norman19_mcfaline23_subset.h5ad").string()},
              {"condition_column", "perturbation"},
              {"control_label", "control"},
              {"perturbation_type_column", "perturbation_type"},
              {"covariates", {"cell_type"}},
              {"select", {{"dataset", "norman19"}}}};
}

}  // namespace

TEST_CASE("condition labels: GEARS and bare styles", "[loader]") {
  const data::ConditionFormat gears;
  CHECK(data::parse_condition("ctrl", gears).is_control());
  CHECK(data::parse_condition("KLF1+ctrl", gears).genes == std::vector<std::string>{"KLF1"});
  CHECK(data::parse_condition("ctrl+KLF1", gears).genes == std::vector<std::string>{"KLF1"});
  CHECK(data::parse_condition("MAP2K6+KLF1", gears).genes == std::vector<std::string>{"KLF1", "MAP2K6"});
  const data::ConditionFormat bare{"control", "_"};
  CHECK(data::parse_condition("control", bare).is_control());
  CHECK(data::parse_condition("A_B", bare).genes == std::vector<std::string>{"A", "B"});
  CHECK(data::condition_key({"B", "A"}) == "A+B");
  REQUIRE_THROWS_WITH(data::parse_condition("A++B", gears), Contains("condition 'A++B' has an empty gene name"));
  REQUIRE_THROWS_WITH(data::parse_condition("", gears), Contains("empty condition label"));
}

TEST_CASE("data config options are checked like component options", "[loader]") {
  REQUIRE_THROWS_WITH(data::parse_data_config(json{{"path", "x"}, {"contol_label", "c"}}),
                      Contains("unknown option 'contol_label' in [data]. Did you mean 'control_label'?"));
  REQUIRE_THROWS_WITH(data::parse_data_config(json::object()), Contains("option 'path' in [data] is required"));
  REQUIRE_THROWS_WITH(data::parse_data_config(json{{"path", "x"}, {"perturbation_type", "overexpression"}}),
                      Contains("option 'perturbation_type' in [data] must be knockout, knockdown, activation or unknown"));
  CHECK(data::parse_data_config(json{{"path", "/a/b.h5ad"}}).name == "b.h5ad");
}

TEST_CASE("Norman19 loads from the shared h5ad", "[loader]") {
  TRELLIS_REQUIRE_DATA(data);
  const auto host = host_with_readers();
  const auto loaded = data::load_screen(data::parse_data_config(norman_config(data)), *host);
  const auto& screen = loaded.data->screen;
  CHECK(loaded.report.reader == "reader/h5ad");
  CHECK(loaded.report.cells_read == 5961);
  CHECK(screen.num_cells() == 3375);
  CHECK(screen.num_genes() == 500);
  CHECK(screen.values.size(0) == 50462);
  CHECK(screen.genes->size() == 530);  // 500 measured + 30 perturbed genes that are not measured
  std::int64_t singles = 0, combos = 0;
  for (const auto& c : screen.conditions) (c.genes.size() == 1 ? singles : combos) += c.genes.size() > 0;
  CHECK(singles == 18);
  CHECK(combos == 15);
  CHECK(screen.conditions[static_cast<std::size_t>(screen.control_index())].name == "control");
  CHECK(screen.cells_of(screen.control_index()).size(0) == 100);
  const auto tmsb4x = screen.genes->index_of("TMSB4X");
  CHECK(screen.mean_of(screen.control_index())[tmsb4x].item<double>() == Approx(3.0498033973197543).epsilon(1e-6));
  const auto combo = *screen.find_condition("KLF1+MAP2K6");
  CHECK(screen.mean_of(combo)[tmsb4x].item<double>() == Approx(3.028821352376905).epsilon(1e-6));
  CHECK(screen.conditions[static_cast<std::size_t>(combo)].type == trellis::sdk::PerturbationType::activation);
  CHECK(screen.covariates.at("cell_type").front() == "k562");
  CHECK(loaded.report.values == "log-normalised (used as is)");
  const std::string summary = data::describe(loaded);
  CHECK_THAT(summary, Contains("18 single, 15 combination, control 100 cells") && Contains("2586 excluded"));
}

TEST_CASE("screen loading failures name the problem", "[loader]") {
  TRELLIS_REQUIRE_DATA(data);
  const auto host = host_with_readers();
  json c = norman_config(data);
  c["condition_column"] = "conditon";
  REQUIRE_THROWS_WITH(data::load_screen(data::parse_data_config(c), *host),
                      Contains("has no column 'conditon'. Did you mean 'condition'?"));
  c = norman_config(data);
  c["control_label"] = "ctrl";
  REQUIRE_THROWS_WITH(data::load_screen(data::parse_data_config(c), *host),
                      Contains("no control cells (no condition equals the control label 'ctrl' in column "
                               "'perturbation')") && Contains("Set [data] control_label"));
  c = norman_config(data);
  c["select"] = json{{"dataset", "norman2019"}};
  REQUIRE_THROWS_WITH(data::load_screen(data::parse_data_config(c), *host),
                      Contains("no cells left after selection (check the values in [data.select])"));
  c = norman_config(data);
  c["path"] = (data / "missing.h5ad").string();
  REQUIRE_THROWS_WITH(data::load_screen(data::parse_data_config(c), *host),
                      Contains("missing.h5ad' does not exist; check [data] path"));
  trellis::test::TempDir dir;
  c["path"] = dir.write("screen.unknown", "x").string();
  REQUIRE_THROWS_WITH(data::load_screen(data::parse_data_config(c), *host),
                      Contains("cannot tell the format of") && Contains("available: reader/10x, reader/h5ad, reader/mtx"));
}

// The data layer end to end: [data] config -> reader -> conditions -> screen.
// Expected values were computed independently with Python's anndata.
#include <cmath>

#include <ATen/ATen.h>

#include "catch.hpp"
#include "support.hpp"
#include "trellis/data/conditions.hpp"
#include "trellis/data/screen_loader.hpp"
#include "trellis/io/h5ad.hpp"
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
                      Contains("[data]: unknown option 'contol_label'. Did you mean 'control_label'?"));
  REQUIRE_THROWS_WITH(data::parse_data_config(json::object()), Contains("[data]: option 'path' is required"));
  REQUIRE_THROWS_WITH(data::parse_data_config(json{{"path", "x"}, {"perturbation_type", "overexpression"}}),
                      Contains("[data]: option 'perturbation_type' must be knockout, knockdown, activation or unknown"));
  REQUIRE_THROWS_WITH(data::parse_data_config(json{{"path", "x"}, {"values", "log"}}),
                      Contains("[data]: option 'values' must be one of \"auto\", \"counts\", \"log_normalised\", "
                               "got \"log\""));
  REQUIRE_THROWS_WITH(data::parse_data_config(json{{"path", "x"}, {"hvg", -5}}),
                      Contains("[data]: option 'hvg' must be at least 0, got -5"));
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
                      Contains("cannot tell the format of") && Contains("available: reader/10x, reader/csv, reader/h5ad, reader/mtx"));
}

namespace {

// A small counts screen written as .h5ad: 6 cells x 3 genes (G0, G1, G2).
trellis::sdk::AnnData tiny_counts(const std::vector<std::string>& conditions) {
  trellis::sdk::AnnData ad;
  ad.X.rows = static_cast<std::int64_t>(conditions.size());
  ad.X.cols = 3;
  ad.X.indptr = {0};
  for (std::int64_t r = 0; r < ad.X.rows; ++r) {
    for (std::int32_t g = 0; g < 3; ++g) {
      ad.X.indices.push_back(g);
      ad.X.values.push_back(static_cast<float>(1 + (r + g) % 3));
    }
    ad.X.indptr.push_back(static_cast<std::int64_t>(ad.X.values.size()));
  }
  for (std::size_t r = 0; r < conditions.size(); ++r) ad.obs.index.push_back("cell" + std::to_string(r));
  ad.obs.set("condition", trellis::sdk::Column::categorical_from(conditions));
  ad.var.index = {"G0", "G1", "G2"};
  return ad;
}

data::LoadedScreen load_fixture(const trellis::sdk::AnnData& ad, const trellis::test::TempDir& dir, json extra = {}) {
  const auto file = dir.path() / "screen.h5ad";
  io::write_h5ad(ad, file);
  json config{{"path", file.string()}, {"annotation", {{"source", "none"}}}};
  for (const auto& [k, v] : extra.items()) config[k] = v;
  return data::load_screen(data::parse_data_config(config), *host_with_readers());
}

}  // namespace

TEST_CASE("screen loading on written fixtures: counts, small groups, bad input", "[loader]") {
  trellis::test::TempDir dir;
  // Counts are normalised to 1e4 per cell and log1p'd: cell 0 holds 1, 2, 3.
  auto loaded = load_fixture(tiny_counts({"ctrl", "ctrl", "G1+ctrl", "G1+ctrl", "G2+ctrl", "P+G1"}), dir);
  const auto& s = loaded.data->screen;
  CHECK(loaded.report.values == "counts (normalised to 10,000 per cell + log1p)");
  const at::Tensor row0 = s.dense_rows(at::tensor({0}, at::kLong));
  CHECK(row0[0][0].item<double>() == Approx(std::log1p(1e4 * 1 / 6.0)).epsilon(1e-5));
  CHECK(row0[0][2].item<double>() == Approx(std::log1p(1e4 * 3 / 6.0)).epsilon(1e-5));
  CHECK(s.genes->size() == 4);  // P is perturbed but not measured
  CHECK_FALSE(s.genes->at(3).measured);
  REQUIRE(loaded.report.problems.size() == 1);  // G2 and P+G1 have one cell each
  CHECK_THAT(loaded.report.problems[0], Contains("fewer than 2 cells (excluded from DE): G2+ctrl, P+G1"));

  // Duplicate gene names.
  auto dup = tiny_counts({"ctrl", "G1+ctrl"});
  dup.var.index = {"G0", "G1", "G0"};
  REQUIRE_THROWS_WITH(load_fixture(dup, dir), Contains("duplicate gene names in var: G0"));

  // Negative values where counts are declared.
  auto negative = tiny_counts({"ctrl", "G1+ctrl"});
  negative.X.values[4] = -2.f;
  REQUIRE_THROWS_WITH(load_fixture(negative, dir, {{"values", "counts"}}),
                      Contains("negative counts where counts are expected") && Contains("G1"));
  // ... and where values are detected (or declared) as log-normalised: loads,
  // with a problem naming the cell and gene.
  auto scaled = tiny_counts({"ctrl", "ctrl", "G1+ctrl", "G1+ctrl"});
  scaled.X.values[4] = -2.f;  // cell1, G1
  for (const char* values : {"auto", "log_normalised"}) {
    loaded = load_fixture(scaled, dir, {{"values", values}});
    REQUIRE(loaded.report.problems.size() == 1);
    CHECK_THAT(loaded.report.problems[0],
               Contains("X has 1 negative values, which log-normalised expression (log1p of normalised counts) never "
                        "has; the first at cell 'cell1' (row 1), gene 'G1' (column 1), value -2"));
  }

  // Cells whose condition is missing are excluded and reported.
  auto missing = tiny_counts({"ctrl", "ctrl", "G1+ctrl", "G1+ctrl"});
  missing.obs.columns["condition"].codes[3] = -1;
  loaded = load_fixture(missing, dir);
  CHECK(loaded.data->screen.num_cells() == 3);
  CHECK(loaded.report.excluded == std::vector<std::pair<std::string, std::int64_t>>{{"no condition label", 1}});
}

TEST_CASE("a perturbed gene unknown to the annotation: error, keep or drop", "[loader]") {
  TRELLIS_REQUIRE_DATA(data);
  trellis::test::TempDir dir;
  auto ad = tiny_counts({"ctrl", "ctrl", "TP53+ctrl", "TP53+ctrl", "NOTAGENE1+ctrl", "NOTAGENE1+ctrl"});
  const json tsv{{"source", "tsv"}, {"dir", data.string()}};
  REQUIRE_THROWS_WITH(load_fixture(ad, dir, {{"annotation", tsv}}),
                      Contains("perturbed genes neither measured nor known to the gene annotation") &&
                          Contains(": NOTAGENE1.") && Contains("unknown_genes = \"keep\""));
  auto kept = load_fixture(ad, dir, {{"annotation", tsv}, {"unknown_genes", "keep"}});
  CHECK(kept.data->screen.num_cells() == 6);
  CHECK(kept.data->genes.at(kept.data->genes.index_of("TP53")).entrez_id == 7157);
  CHECK(kept.data->genes.at(kept.data->genes.index_of("NOTAGENE1")).entrez_id == -1);
  auto dropped = load_fixture(ad, dir, {{"annotation", tsv}, {"unknown_genes", "drop"}});
  CHECK(dropped.data->screen.num_cells() == 4);
  CHECK_FALSE(dropped.data->genes.find("NOTAGENE1").has_value());
  CHECK(dropped.report.excluded.back().second == 2);
}

TEST_CASE("Papalexi 2021: guide assignment turns raw counts into a knockout screen", "[loader]") {
  TRELLIS_REQUIRE_DATA(data);
  json c{{"path", (data / "perturbseq/papalexi2021_thp1").string()},
         {"reader", "mtx"},
         {"reader_options",
          {{"guide_counts", "grna_counts.mtx.gz"}, {"guides", "grnas.txt"}, {"guide_targets", "grna_targets.tsv"}}},
         {"perturbation_type", "knockout"},
         {"values", "counts"},
         {"annotation", {{"source", "none"}}}};
  const auto host = host_with_readers();
  const auto loaded = data::load_screen(data::parse_data_config(c), *host);
  const auto& s = loaded.data->screen;
  // Counts checked independently with scipy: 17,459 single-guide + 2,304
  // control cells; 966 without a guide above 5 UMIs and half the cell's UMIs.
  CHECK(s.num_cells() == 17459 + 2304);
  CHECK(loaded.report.excluded ==
        std::vector<std::pair<std::string, std::int64_t>>{{"no guide above the thresholds", 966}});
  CHECK(s.conditions.size() == 26);  // 25 knockouts (no cell is assigned to CD274) + control
  CHECK(s.cells_of(s.control_index()).size(0) == 2304);
  CHECK(loaded.report.values == "counts (normalised to 10,000 per cell + log1p)");
  c["guides"] = json{{"min_cont", 3}};
  REQUIRE_THROWS_WITH(data::load_screen(data::parse_data_config(c), *host),
                      Contains("[data.guides]: unknown option 'min_cont'. Did you mean 'min_count'?"));
}

TEST_CASE("[data] context: conditions are (perturbation, context) pairs with their own controls", "[loader][contexts]") {
  TRELLIS_REQUIRE_DATA(data);
  json config = norman_config(data);
  config["name"] = "mcfaline23";
  config["select"] = {{"dataset", "mcfaline23"}};
  config["perturbation_type"] = "knockdown";
  config.erase("perturbation_type_column");
  config["context"] = {"cell_type"};
  const auto loaded = data::load_screen(data::parse_data_config(config), *host_with_readers());
  const auto& s = loaded.data->screen;
  // 3 glioma lines x (control + 9 knockdowns), counted with anndata.
  CHECK(s.conditions.size() == 30);
  CHECK(s.contexts().size() == 3);
  const auto sgk1 = s.find_condition("SGK1@T98G");
  REQUIRE(sgk1);
  CHECK(s.conditions[static_cast<std::size_t>(*sgk1)].context == "T98G");
  CHECK(s.conditions[static_cast<std::size_t>(*sgk1)].genes == std::vector<std::string>{"SGK1"});
  CHECK(s.cells_of(*sgk1).size(0) == 100);
  const std::int64_t control = s.control_of(*sgk1);
  CHECK(s.conditions[static_cast<std::size_t>(control)].name == "control@T98G");
  CHECK(s.cells_of(control).size(0) == 100);
  const auto& pre = loaded.preprocessed;
  CHECK(pre.control_for(*sgk1) == control);
  CHECK(pre.de.tested(*sgk1));
  CHECK_FALSE(pre.de.tested(control));
}

TEST_CASE("[data] context failures name the context or the cells", "[loader][contexts]") {
  trellis::test::TempDir dir;
  auto ad = tiny_counts({"ctrl", "ctrl", "G1+ctrl", "G1+ctrl", "G1+ctrl", "G1+ctrl"});
  ad.obs.set("line", trellis::sdk::Column::categorical_from({"A", "A", "A", "A", "B", "B"}));
  REQUIRE_THROWS_WITH(load_fixture(ad, dir, {{"context", {"line"}}}),
                      Contains("contexts without control cells (label 'ctrl'): B. Each context's changes are taken "
                               "against its own controls"));
  REQUIRE_THROWS_WITH(load_fixture(ad, dir, {{"context", {"cell_line"}}}), Contains("cell_line") && Contains("[data] context"));
  // Two columns make one context; cells without a value are excluded.
  ad.obs.set("line", trellis::sdk::Column::categorical_from({"A", "A", "A", "A", "A", ""}));
  ad.obs.set("dose", trellis::sdk::Column::categorical_from({"1", "1", "1", "1", "1", "1"}));
  const auto loaded = load_fixture(ad, dir, {{"context", {"line", "dose"}}});
  CHECK(loaded.data->screen.contexts() == std::vector<std::string>{"A/1"});
  CHECK(loaded.data->screen.find_condition("G1+ctrl@A/1"));
  CHECK(loaded.report.excluded ==
        std::vector<std::pair<std::string, std::int64_t>>{{"no value in a [data] context column", 1}});
}

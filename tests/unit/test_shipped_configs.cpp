// Every config shipped in configs/ resolves, builds its model from the build
// tree's plugins and has a valid [train] table, so a misspelt option or a
// broken `extends` in a shipped file fails here instead of minutes into a
// user's run or bench.
#include "catch.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugin_support.hpp"
#include "support.hpp"
#include "trellis/bench/bench_config.hpp"
#include "trellis/bench/cells.hpp"
#include "trellis/config/config.hpp"
#include "trellis/experiment/config_schema.hpp"
#include "trellis/model/assembly.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/train/residual_target.hpp"
#include "trellis/train/trainer.hpp"

namespace fs = std::filesystem;
using namespace trellis;
using Catch::Contains;

namespace {

const fs::path configs = fs::path(TRELLIS_SOURCE_DIR) / "configs";

std::vector<fs::path> toml_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().extension() == ".toml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Data paths in configs only need to expand here, not exist: without the
// shared data any folder will do.
void ensure_data_dir_set() {
  if (!std::getenv("TRELLIS_DATA_DIR")) setenv("TRELLIS_DATA_DIR", "/nonexistent/shared/data", 0);
}

// What `trellis run` checks of a config before it touches data: its paths
// resolve, its top level, device, [eval] and [split] pass their schemas, the
// model assembles (each component rejects options it does not know) and
// [train] resolves against the predictor's defaults.
toml::table check_experiment(const fs::path& file) {
  ensure_data_dir_set();
  const auto& host = test::build_tree_plugins();
  const toml::table config = core::config::load(file, core::experiment::path_rule(&host));
  core::experiment::check_config(config, host);
  const auto model = core::model::assemble(config, test::build_tree_plugins());
  if (const auto* neural = dynamic_cast<const sdk::NeuralPredictor*>(model.predictor.get())) {
    const auto* train = config.get_as<toml::table>("train");
    nlohmann::json table = train ? core::config::to_json(*train) : nlohmann::json::object();
    core::train::take_target(table);
    core::train::resolve_settings(neural->training_defaults(), table, "[train]");
  }
  return config;
}

}  // namespace

TEST_CASE("shipped configs: every model and experiment config builds its model", "[config][plugins]") {
  std::vector<fs::path> files = toml_files(configs / "models");
  for (const auto& f : toml_files(configs / "experiments")) files.push_back(f);
  CHECK(files.size() >= 30);  // the walk found the shipped files, not an empty folder
  for (const auto& file : files) {
    INFO(file.string());
    CHECK_NOTHROW(check_experiment(file));
  }
}

TEST_CASE("shipped configs: every cell of every shipped bench builds its model", "[config][plugins][bench]") {
  test::TempDir dir;
  const auto benches = toml_files(configs / "bench");
  CHECK(benches.size() >= 7);
  ensure_data_dir_set();
  for (const auto& file : benches) {
    const auto bench = core::bench::parse_bench_config(file);
    for (const auto& cell : core::bench::plan_cells(bench)) {
      INFO(file.string() + ": " + core::bench::describe(cell.id));
      CHECK_NOTHROW(check_experiment(dir.write("cell.toml", core::bench::cell_toml(bench, cell))));
    }
  }
}

TEST_CASE("shipped configs: the check catches a misspelt option and a bad [train] key", "[config][plugins]") {
  test::TempDir dir;
  const std::string grape = (configs / "models" / "grape.toml").string();
  const auto option = dir.write("option.toml", "extends = '" + grape + "'\n[model.gsl]\nk_hop = 3\n");
  CHECK_THROWS_WITH(check_experiment(option), Contains("k_hop"));
  const auto train = dir.write("train.toml", "extends = '" + grape + "'\n[train]\nepochz = 3\n");
  CHECK_THROWS_WITH(check_experiment(train), Contains("epochz") && Contains("epochs"));
  const auto top = dir.write("top.toml", "extends = '" + grape + "'\nseeed = 3\n");
  CHECK_THROWS_WITH(check_experiment(top),
                    Contains("the config's top level: unknown option 'seeed'. Did you mean 'seed'?"));
}

TEST_CASE("shipped configs: path options are resolved from the component's declaration", "[config][plugins]") {
  // models/grape.toml sets encoder/text_lsa's go_terms_file, a declared path,
  // to "${TRELLIS_DATA_DIR}/genes/go_terms.tsv.gz"; the experiment extends it
  // from another folder.
  ensure_data_dir_set();
  const std::string data_dir = std::getenv("TRELLIS_DATA_DIR");
  const toml::table config = check_experiment(configs / "experiments" / "grape_norman19.toml");
  const auto* encoders = config["model"]["encoders"].as_table();
  REQUIRE(encoders);
  std::vector<std::string> resolved;
  for (auto&& [name, table] : *encoders)
    if (const auto* file = table.as_table()->get_as<std::string>("go_terms_file")) resolved.push_back(file->get());
  REQUIRE_FALSE(resolved.empty());
  for (const auto& path : resolved) CHECK(path == data_dir + "/genes/go_terms.tsv.gz");
  CHECK(config["data"]["path"].value_or(std::string()) ==
        data_dir + "/perturbseq/norman19_mcfaline23_subset.h5ad");
}

// `trellis data inspect` end to end on the shared data.
#include <map>
#include <set>

#include <toml++/toml.h>

#include "catch.hpp"
#include "support.hpp"

using trellis::test::run_trellis;
using trellis::test::TempDir;
using Catch::Contains;

TEST_CASE("cli: data inspect summarises an h5ad file and a data config", "[cli][loader]") {
  TRELLIS_REQUIRE_DATA(data);
  const auto h5ad = (data / "perturbseq/norman19_mcfaline23_subset.h5ad").string();
  // Read with GEARS conventions: the file's `condition` column has no 'ctrl' label.
  auto r = run_trellis("data inspect " + h5ad);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("no control cells") && Contains("Set [data] control_label"));

  TempDir dir;
  const auto config = dir.write("norman.toml", "[data]\npath = '" + h5ad +
                                                   "'\ncondition_column = 'perturbation'\ncontrol_label = 'control'\n"
                                                   "[data.select]\ndataset = 'norman19'\n");
  r = run_trellis("data inspect " + config.string());
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("3375 kept") && Contains("18 single, 15 combination, control 100 cells") &&
                           Contains("reader/h5ad"));
  r = run_trellis("data inspect " + config.string() + " --set data.select.dataset=mcfaline23");
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("9 single, 0 combination"));
  r = run_trellis("data inspect " + (dir.path() / "nope.h5ad").string());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("nope.h5ad' does not exist"));
}

TEST_CASE("cli: run with [data] writes a seeded, reloadable split", "[cli][loader]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const std::string source = TRELLIS_SOURCE_DIR;
  const auto config = dir.write("exp.toml", "extends = ['" + source + "/configs/data/norman19.toml', '" + source +
                                                "/configs/models/no_change.toml']\nseed = 1\n[split]\n"
                                                "type = 'simulation'\n");
  const std::string env = "TRELLIS_DATA_DIR=" + data.string();
  auto read_sets = [](const std::filesystem::path& file) {
    const toml::table t = toml::parse_file(file.string());
    std::map<std::string, std::vector<std::string>> sets;
    for (const char* key : {"train", "val", "test"})
      for (const auto& item : *t[key].as_array()) sets[key].push_back(*item.value<std::string>());
    return sets;
  };
  auto r = run_trellis("run " + config.string() + " --out " + (dir.path() / "a").string(), env);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("split (simulation, seed 1)"));
  const auto a = read_sets(dir.path() / "a" / "split.toml");
  std::set<std::string> all;
  std::size_t total = 0;
  for (const auto& [key, names] : a) {
    all.insert(names.begin(), names.end());
    total += names.size();
  }
  CHECK(all.size() == 33);  // 18 singles + 15 doubles, each in exactly one set
  CHECK(total == 33);
  CHECK_FALSE(a.at("test").empty());
  CHECK(std::filesystem::exists(dir.path() / "a" / "preprocessed.bin"));

  r = run_trellis("run " + config.string() + " --out " + (dir.path() / "b").string(), env);
  REQUIRE(r.exit_code == 0);
  CHECK(read_sets(dir.path() / "b" / "split.toml") == a);  // same seed, same split
  r = run_trellis("run " + config.string() + " --set seed=2 --out " + (dir.path() / "c").string(), env);
  REQUIRE(r.exit_code == 0);
  CHECK(read_sets(dir.path() / "c" / "split.toml") != a);

  r = run_trellis("run " + config.string() + " --set split.type=simulaton --out " + (dir.path() / "d").string(), env);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("unknown splitter component 'splitter/simulaton'. Did you mean 'splitter/simulation'?"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "d"));
}

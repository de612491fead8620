// Cell contexts end to end on McFaline-Figueroa 2023 (three glioma lines):
// the transfer split, per-context metrics, and the context-aware mean
// baseline checked against anndata computing the same thing from the file.
#include "catch.hpp"

#include <cstdlib>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "support.hpp"
#include "trellis/io/h5ad.hpp"

namespace fs = std::filesystem;
using trellis::test::run_trellis;
using trellis::test::TempDir;
using trellis::test::read_text;
using Catch::Contains;

TEST_CASE("contexts: the mean baseline on McFaline23 with a transfer split matches anndata", "[run][contexts]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const std::string configs = std::string(TRELLIS_SOURCE_DIR) + "/configs";
  const fs::path config = dir.write("mean.toml", "extends = [\"" + configs + "/data/mcfaline23.toml\", \"" + configs +
                                                     "/models/mean.toml\"]\nseed = 2\n");
  const fs::path out = dir.path() / "run";
  auto r = run_trellis("--threads 1 run " + config.string() + " --out " + out.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);

  // Every test condition's perturbation trains in another cell line.
  const toml::table split = toml::parse_file((out / "split.toml").string());
  std::vector<std::string> train, test;
  for (const auto& v : *split["train"].as_array()) train.push_back(*v.value<std::string>());
  for (const auto& v : *split["test"].as_array()) test.push_back(*v.value<std::string>());
  REQUIRE(test.size() == 8);  // floor(0.3 * 27)
  for (const std::string& name : test) {
    const std::string gene = name.substr(0, name.find('@'));
    int elsewhere = 0;
    for (const std::string& t : train) elsewhere += t.rfind(gene + "@", 0) == 0;
    CHECK(elsewhere >= 1);
  }
  // Metrics per cell line.
  const auto metrics = nlohmann::json::parse(read_text(out / "metrics.json"));
  for (const char* line : {"T98G", "U87MG"}) CHECK(metrics["subgroups"].contains(std::string("context=") + line));

  // The same predictions from anndata: each test condition's own cell-line
  // control plus the mean change of that line's training knockdowns.
  const auto script = dir.write("mean.py", R"(
import sys, json, anndata, numpy as np
a = anndata.read_h5ad(sys.argv[1])
a = a[a.obs["dataset"] == "mcfaline23"]
X = a.X.toarray() if hasattr(a.X, "toarray") else np.asarray(a.X)
p, line = a.obs["perturbation"].astype(str).values, a.obs["cell_type"].astype(str).values
mean = lambda g, l: X[(p == g) & (line == l)].mean(axis=0)
train = json.loads(sys.argv[2])
out = {}
for name in json.loads(sys.argv[3]):
    g, l = name.split("@")
    ctrl = mean("control", l)
    deltas = [mean(t.split("@")[0], l) - ctrl for t in train if t.split("@")[1] == l]
    out[name] = (ctrl + np.mean(deltas, axis=0)).tolist()
print(json.dumps(out))
)");
  if (std::system("/usr/bin/python3 -c 'import anndata' >/dev/null 2>&1") != 0) {
    WARN("anndata is not installed: skipping the independent check");
    return;
  }
  const fs::path expected_file = dir.path() / "expected.json";
  const std::string cmd = "/usr/bin/python3 " + script.string() + " " +
                          (data / "perturbseq/norman19_mcfaline23_subset.h5ad").string() + " '" +
                          nlohmann::json(train).dump() + "' '" + nlohmann::json(test).dump() + "' > " +
                          expected_file.string();
  REQUIRE(std::system(cmd.c_str()) == 0);
  const auto expected = nlohmann::json::parse(read_text(expected_file));
  const auto predicted = trellis::core::io::read_h5ad(out / "predictions.h5ad");
  REQUIRE(predicted.X.cols == 500);
  for (std::int64_t row = 0; row < predicted.X.rows; ++row) {
    const std::string& name = predicted.obs.index[static_cast<std::size_t>(row)];
    const auto& want = expected.at(name);
    for (std::int64_t k = predicted.X.indptr[row]; k < predicted.X.indptr[row + 1]; ++k)
      CHECK(predicted.X.values[static_cast<std::size_t>(k)] ==
            Approx(want[static_cast<std::size_t>(predicted.X.indices[static_cast<std::size_t>(k)])].get<double>())
                .margin(1e-5));
  }

  // Predicting names the cell line.
  r = run_trellis("predict --run " + out.string() + " --perturb SGK1 --out " + (dir.path() / "p.csv").string());
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("name the context as PERTURBATION@CONTEXT"));
  r = run_trellis("predict --run " + out.string() + " --perturb SGK1@A172 --out " + (dir.path() / "p.csv").string());
  CHECK(r.exit_code == 0);
}

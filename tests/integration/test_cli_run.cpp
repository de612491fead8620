// `trellis run` and `trellis predict` end to end on the real Norman19 data:
// the run directory contract, values checked against Python/anndata, and
// every failure path with its message.
#include "catch.hpp"

#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "support.hpp"
#include "trellis/io/h5ad.hpp"

namespace fs = std::filesystem;
using trellis::test::run_trellis;
using trellis::test::TempDir;
using trellis::test::read_text;
using Catch::Contains;

namespace {

const std::string configs = std::string(TRELLIS_SOURCE_DIR) + "/configs";


// An experiment on Norman19 with `model` (a configs/models file stem) and
// extra TOML appended.
fs::path experiment(const TempDir& dir, const std::string& model, const std::string& extra = "") {
  return dir.write(model + ".toml", "extends = [\"" + configs + "/data/norman19.toml\", \"" + configs +
                                        "/models/" + model + ".toml\"]\nseed = 3\n" + extra);
}

bool have_anndata() { return std::system("/usr/bin/python3 -c 'import anndata' >/dev/null 2>&1") == 0; }

// Control mean and the mean of `condition` over Norman19's cells, computed
// by anndata directly from the shared file (independent of Trellis's loader).
nlohmann::json python_means(const TempDir& dir, const fs::path& data, const std::string& condition) {
  const auto script = dir.write("means.py", R"(
import sys, json, anndata, numpy as np
a = anndata.read_h5ad(sys.argv[1])
a = a[a.obs["dataset"] == "norman19"]
X = a.X.toarray() if hasattr(a.X, "toarray") else np.asarray(a.X)
ctrl = X[(a.obs["perturbation"] == "control").values].mean(axis=0)
obs = X[(a.obs["perturbation"] == sys.argv[2]).values].mean(axis=0)
print(json.dumps({"control": ctrl.tolist(), "observed": obs.tolist(), "genes": list(a.var_names),
                  "mse": float(np.mean((ctrl - obs) ** 2))}))
)");
  const auto out = dir.path() / "means.json";
  const std::string cmd = "/usr/bin/python3 " + script.string() + " " +
                          (data / "perturbseq/norman19_mcfaline23_subset.h5ad").string() + " '" + condition +
                          "' > " + out.string();
  REQUIRE(std::system(cmd.c_str()) == 0);
  return nlohmann::json::parse(read_text(out));
}

}  // namespace

TEST_CASE("run: no_change on Norman19 writes the run directory, values match anndata", "[run]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const fs::path out = dir.path() / "run";
  const auto r = run_trellis("--threads 1 run " + experiment(dir, "no_change").string() + " --out " + out.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  // The headline table, overall and per subgroup.
  CHECK_THAT(r.output, Contains("pearson_delta") && Contains("mse_de") && Contains("unseen_single") &&
                           Contains("Run directory"));
  for (const char* f : {"config.toml", "split.toml", "plugins.toml", "metrics.json", "metrics.csv",
                        "predictions.h5ad", "top_de.csv", "run.json", "run.log", "model.pt", "preprocessed.bin"})
    CHECK(fs::exists(out / f));

  const toml::table split = toml::parse_file((out / "split.toml").string());
  const auto* test = split["test"].as_array();
  REQUIRE(test);
  REQUIRE(!test->empty());
  CHECK(split["subgroups"].as_table());
  const std::string first = *(*test)[0].value<std::string>();

  const auto metrics = nlohmann::json::parse(read_text(out / "metrics.json"));
  for (const char* key : {"overall", "subgroups", "conditions", "directions"}) CHECK(metrics.contains(key));
  CHECK(metrics["conditions"].size() == test->size());
  CHECK(metrics["directions"]["mse"] == "lower_is_better");
  CHECK(metrics["directions"]["pearson"] == "higher_is_better");

  const auto info = nlohmann::json::parse(read_text(out / "run.json"));
  CHECK(info["peak_rss_bytes"].get<std::int64_t>() > 0);
  CHECK(info["wall_seconds"].get<double>() > 0.0);
  CHECK(info["git_commit"].get<std::string>().size() >= 7);

  // predictions.h5ad: obs = test conditions, var = measured genes, X = the
  // control mean (no_change), which anndata computes on its own.
  const auto predictions = trellis::core::io::read_h5ad(out / "predictions.h5ad");
  CHECK(predictions.obs.index.size() == test->size());
  CHECK(predictions.obs.index[0] == first);
  CHECK(predictions.var.index.size() == 500);
  if (!have_anndata()) {
    WARN("/usr/bin/python3 cannot import anndata: skipping the value checks");
    return;
  }
  const auto expected = python_means(dir, data, first);
  CHECK(predictions.var.index[7] == expected["genes"][7].get<std::string>());
  for (std::int64_t g : {0, 7, 123, 499}) {
    const auto k = static_cast<std::size_t>(g);  // row 0, dense CSR: value k is gene k
    CHECK(predictions.X.values[k] == Approx(expected["control"][k].get<double>()).margin(1e-5));
  }
  // mse of no_change for this condition = mean((control - observed)^2).
  CHECK(metrics["conditions"][first]["mse"].get<double>() == Approx(expected["mse"].get<double>()).epsilon(1e-4));
}

TEST_CASE("run: predict from a saved run, including unseen combinations", "[run]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const fs::path out = dir.path() / "run";
  REQUIRE(run_trellis("--threads 1 run " + experiment(dir, "mean").string() + " --out " + out.string()).exit_code == 0);

  // KLF1+CEBPE is not a condition of the screen; both genes are perturbed in it.
  const fs::path h5ad = dir.path() / "pred.h5ad";
  auto r = run_trellis("predict --run " + out.string() + " --perturb KLF1+CEBPE --perturb CEBPE --out " + h5ad.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto p = trellis::core::io::read_h5ad(h5ad);
  REQUIRE(p.obs.index == std::vector<std::string>{"KLF1+CEBPE", "CEBPE"});
  CHECK(p.obs.column("split_set", "obs").text(0) == "unseen");
  // The mean baseline predicts one profile: the same for both rows, and
  // equal to what the run itself predicted.
  const auto run_pred = trellis::core::io::read_h5ad(out / "predictions.h5ad");
  for (std::size_t g : {0u, 250u, 499u}) {
    CHECK(p.X.values[g] == Approx(p.X.values[500 + g]));
    CHECK(p.X.values[g] == Approx(run_pred.X.values[g]));
  }

  const fs::path csv = dir.path() / "pred.csv";
  r = run_trellis("predict --run " + out.string() + " --perturb KLF1+CEBPE --out " + csv.string());
  REQUIRE(r.exit_code == 0);
  const std::string text = read_text(csv);
  CHECK(text.rfind("condition," + p.var.index[0] + ",", 0) == 0);
  CHECK_THAT(text, Contains("\nKLF1+CEBPE,"));

  // A file of conditions gives the same rows as --perturb.
  const fs::path list = dir.write("conditions.txt", "# wanted\nKLF1+CEBPE\n\n  CEBPE \n");
  const fs::path from_file = dir.path() / "from_file.csv";
  r = run_trellis("predict --run " + out.string() + " --perturb-file " + list.string() + " --out " + from_file.string());
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("Predicted 2 conditions x 500 genes in ") && Contains("conditions/s"));
  const std::string listed = read_text(from_file);
  CHECK(listed.substr(0, listed.find("\nCEBPE,")) == text.substr(0, text.size() - 1));
  r = run_trellis("predict --run " + out.string() + " --out " + csv.string());
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("--perturb A+B (repeatable) or --perturb-file FILE"));

  r = run_trellis("predict --run " + out.string() + " --perturb KLF1+CEBPEE --out " + csv.string());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("gene 'CEBPEE' is not in this run's gene universe") && Contains("did you mean 'CEBPE'"));
  r = run_trellis("predict --run " + out.string() + " --perturb control --out " + csv.string());
  CHECK_THAT(r.output, Contains("is the control"));
  r = run_trellis("predict --run " + out.string() + " --perturb CEBPE --out " + (dir.path() / "x.tsv").string());
  CHECK_THAT(r.output, Contains("use a .h5ad or .csv file name"));
  r = run_trellis("predict --run " + dir.path().string() + " --perturb CEBPE --out " + csv.string());
  CHECK_THAT(r.output, Contains("config.toml' does not exist"));
}

TEST_CASE("run: bad input fails with a clear error and leaves no run directory", "[run]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const std::string plugins = "--plugin-path " + trellis::test::test_plugin_dir("test_bad_predictor").string() + " ";
  struct Case {
    std::string name, model, extra, message;
  };
  const Case cases[] = {
      {"missing metric", "mean", "[eval]\nmetrics = [\"msee\"]\n", "Did you mean 'metric/mse'"},
      {"missing predictor", "mean", "[model.predictor]\ntype = \"predictor/meen\"\n", "predictor/mean"},
      {"empty test set", "mean", "[split]\ntype = \"custom\"\nfile = \"empty_split.toml\"\n", "empty test set"},
      {"wrong shape", "mean", "[model.predictor]\ntype = \"predictor/wrong_shape\"\n", "shape"},
      {"NaN prediction", "mean", "[model.predictor]\ntype = \"predictor/nan_output\"\n", "NaN"},
      {"unknown eval key", "mean", "[eval]\nmetric = [\"mse\"]\n", "[eval]: unknown option 'metric'. Did you mean 'metrics'?"},
      // The plugin's own message does not name it: the host adds who, where and with which options.
      {"plugin error in fit", "mean",
       "[model.predictor]\ntype = \"predictor/throws_in_fit\"\nmessage = \"no luck\"\n",
       "plugin 'test_bad_predictor' 0.1.0, predictor/throws_in_fit in [model.predictor] {message = \"no luck\"}: "
       "fit failed: no luck"},
      // A shipped plugin's message carries no prefix of its own either.
      {"plugin error in a graph", "mean", "[model.graphs.net]\ntype = \"graph/prior_network\"\nfile = \"absent.tsv\"\n",
       "graph/prior_network in [model.graphs.net] {file = "},
      {"adapter slot the predictor lacks", "mean", "[model.adapters.encoder]\ntype = \"adapter/none\"\n",
       "[model.adapters.encoder]: predictor/mean has no adapter slot 'encoder'; its slots: none"},
      {"training stage the predictor lacks", "gears", "[train.pretrain]\nepochs = 1\n",
       "[train.pretrain]: predictor/gears has no training stage 'pretrain'; its stages: fit"},
  };
  dir.write("empty_split.toml", "train = [\"KLF1\"]\ntest = []\n");
  for (const auto& c : cases) {
    SECTION(c.name) {
      const fs::path out = dir.path() / "run";
      const auto r = run_trellis(plugins + "run " + experiment(dir, c.model, c.extra).string() + " --out " + out.string());
      INFO(r.output);
      CHECK(r.exit_code == 1);
      CHECK_THAT(r.output, Contains(c.message));
      if (c.name == "plugin error in a graph")
        CHECK_THAT(r.output, Contains("plugin 'graphs' ") && Contains(": build failed: option 'file': file '") &&
                                 Contains("absent.tsv' does not exist"));
      CHECK_FALSE(fs::exists(out));
    }
  }
}

TEST_CASE("run: a neural predictor trains with checkpoints; --resume checks the config", "[run]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const std::string plugins = "--plugin-path " + trellis::test::test_plugin_dir("test_neural").string() + " ";
  const fs::path config = dir.write("neural.toml", "extends = [\"" + configs + "/data/norman19.toml\"]\nseed = 2\n"
                                    "[model.predictor]\ntype = \"predictor/test_neural\"\n"
                                    "[train]\nepochs = 3\nmax_cells_per_condition = 20\nearly_stopping_metric = \"mse\"\n");
  const fs::path out = dir.path() / "run";
  auto r = run_trellis(plugins + "--threads 1 run " + config.string() + " --out " + out.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  for (const char* f : {"checkpoints/last.pt", "checkpoints/best.pt", "model.pt", "metrics.json"})
    CHECK(fs::exists(out / f));
  const auto info = nlohmann::json::parse(read_text(out / "run.json"));
  CHECK(info["training"]["epochs_run"] == 3);
  CHECK(info["training"]["train_loss"].size() == 3);
  CHECK(info["training"]["val_score"].size() == 3);
  CHECK(info["training"]["settings"]["early_stopping_metric"] == "mse");

  // The saved model reloads (prepare + parameters) and predicts what the
  // run predicted for its first test condition.
  const auto run_pred = trellis::core::io::read_h5ad(out / "predictions.h5ad");
  const std::string first = run_pred.obs.index.at(0);
  const fs::path h5ad = dir.path() / "neural_pred.h5ad";
  r = run_trellis(plugins + "predict --run " + out.string() + " --perturb '" + first + "' --out " + h5ad.string());
  REQUIRE(r.exit_code == 0);
  const auto p = trellis::core::io::read_h5ad(h5ad);
  for (std::size_t g : {0u, 100u, 499u}) CHECK(p.X.values[g] == Approx(run_pred.X.values[g]).margin(1e-6));

  // A different config: refused, naming the keys that differ.
  r = run_trellis(plugins + "--threads 1 run " + config.string() + " --out " + out.string() +
                  " --resume --set train.learning_rate=0.5 --set seed=4");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("was made with a different config; these keys differ: seed, train.learning_rate"));
  // The same config resumes (training is already complete: nothing to redo).
  r = run_trellis(plugins + "--threads 1 run " + config.string() + " --out " + out.string() + " --resume");
  CHECK(r.exit_code == 0);
  // No run to resume.
  r = run_trellis(plugins + "run " + config.string() + " --out " + (dir.path() / "none").string() + " --resume");
  CHECK_THAT(r.output, Contains("there is no run to resume"));
  // A [train] key the loop does not know.
  r = run_trellis(plugins + "run " + config.string() + " --out " + (dir.path() / "bad").string() +
                  " --set train.epoch=3");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("epoch") && Contains("epochs"));
  CHECK_FALSE(fs::exists(dir.path() / "bad"));
}

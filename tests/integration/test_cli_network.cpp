// `trellis run` with task = "network" and `trellis bench` over network
// experiments, end to end on Norman19 with DoRothEA as the truth: the run
// directory, the metrics recomputed in Python from network.tsv (a second
// method), and the failure paths with their messages.
#include "catch.hpp"

#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support.hpp"

namespace fs = std::filesystem;
using trellis::test::run_trellis;
using trellis::test::TempDir;
using trellis::test::read_text;
using Catch::Contains;
using Catch::Matchers::WithinAbs;

namespace {

const std::string configs = std::string(TRELLIS_SOURCE_DIR) + "/configs";


// A network experiment on Norman19 + DoRothEA with `model` (a configs/models
// file stem) and extra TOML appended.
fs::path experiment(const TempDir& dir, const std::string& model, const std::string& extra = "") {
  return dir.write(model + ".toml", "extends = [\"" + configs + "/data/norman19_dorothea.toml\", \"" + configs +
                                        "/models/" + model + ".toml\"]\nseed = 3\n" + extra);
}

bool have_pandas() { return std::system("/usr/bin/python3 -c 'import pandas' >/dev/null 2>&1") == 0; }

// AUPRC and early precision of network.tsv (every ordered pair listed, best
// first) against DoRothEA restricted to the network's genes, in pandas.
nlohmann::json python_scores(const TempDir& dir, const fs::path& network, const fs::path& truth) {
  const auto script = dir.write("scores.py", R"(
import sys, json, pandas as pd
net = pd.read_csv(sys.argv[1], sep="\t", keep_default_na=False)
genes = set(net.regulator) | set(net.target)
d = pd.read_csv(sys.argv[2], sep="\t", keep_default_na=False)
truth = {(a, b) for a, b in zip(d.tf, d.target) if a in genes and b in genes and a != b}
hit = [(a, b) in truth for a, b in zip(net.regulator, net.target)]
ap, found = 0.0, 0
for i, h in enumerate(hit):
    if h:
        found += 1
        ap += found / (i + 1)
n = len(genes)
print(json.dumps({"complete": len(net) == n * (n - 1), "true_edges": len(truth), "auprc": ap / len(truth),
                  "early_precision": sum(hit[:len(truth)]) / len(truth), "density": len(truth) / (n * (n - 1)),
                  "sorted": bool((net.score.diff().dropna() <= 0).all())}))
)");
  const auto out = dir.path() / "scores.json";
  const std::string cmd = "/usr/bin/python3 " + script.string() + " " + network.string() + " " + truth.string() +
                          " > " + out.string();
  REQUIRE(std::system(cmd.c_str()) == 0);
  return nlohmann::json::parse(read_text(out));
}

}  // namespace

TEST_CASE("trellis run task = network: co-expression on Norman19 scored against DoRothEA", "[cli][network]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const std::string env = "TRELLIS_DATA_DIR=" + data.string();
  const fs::path out = dir.path() / "run";
  const auto r = run_trellis("run " + experiment(dir, "coexpression_network").string() + " --out " + out.string(), env);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("auprc_ratio") && Contains("early_precision_ratio"));
  for (const char* f : {"network.tsv", "metrics.json", "metrics.csv", "run.json", "config.toml", "split.toml"})
    CHECK(fs::exists(out / f));
  CHECK_FALSE(fs::exists(out / "predictions.h5ad"));  // nothing was predicted
  CHECK_FALSE(fs::exists(out / "model.pt"));          // the predictor was not fitted
  CHECK(read_text(out / "network.tsv").rfind("regulator\ttarget\tscore\n", 0) == 0);
  const auto run_json = nlohmann::json::parse(read_text(out / "run.json"));
  CHECK(run_json["task"] == "network");

  const auto metrics = nlohmann::json::parse(read_text(out / "metrics.json"));
  const auto& overall = metrics["overall"];
  CHECK(metrics["directions"]["auprc"] == "higher_is_better");
  const std::string csv = read_text(out / "metrics.csv");
  CHECK_THAT(csv, Contains("scope,name,metric,value\n") && Contains("overall,,auprc_ratio,"));

  if (!have_pandas()) {
    WARN("pandas is not available to /usr/bin/python3: skipping the recomputed scores");
    return;
  }
  const auto py = python_scores(dir, out / "network.tsv", data / "networks/dorothea_hs.tsv.gz");
  INFO(py.dump());
  REQUIRE(py["complete"] == true);
  CHECK(py["sorted"] == true);
  CHECK(py["true_edges"] == 558);
  const double density = py["density"];
  CHECK_THAT(overall["auprc"].get<double>(), WithinAbs(py["auprc"].get<double>(), 1e-9));
  CHECK_THAT(overall["early_precision"].get<double>(), WithinAbs(py["early_precision"].get<double>(), 1e-9));
  CHECK_THAT(overall["auprc_ratio"].get<double>(), WithinAbs(py["auprc"].get<double>() / density, 1e-6));
  CHECK_THAT(overall["early_precision_ratio"].get<double>(),
             WithinAbs(py["early_precision"].get<double>() / density, 1e-6));
}

TEST_CASE("trellis run task = network: failures name the cause and write nothing", "[cli][network]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const std::string env = "TRELLIS_DATA_DIR=" + data.string();
  const fs::path out = dir.path() / "run";
  const auto nowhere = dir.write("nowhere.tsv", "regulator\ttarget\nFAKE1\tFAKE2\nFAKE2\tFAKE3\n");
  struct Case {
    const char* name;
    std::string model;
    std::string extra;
    std::vector<std::string> message;
  };
  const std::vector<Case> cases = {
      {"a model that cannot infer a network", "no_change", "task = \"network\"\n",
       {"task = \"network\" needs a model that infers a network: add [model.network] (see `trellis plugins list "
        "--kind network`",
        "NetworkInferrer (e.g. predictor/grape); predictor/no_change does not"}},
      {"a truth network naming no measured gene", "coexpression_network",
       "[data]\ntruth_network = \"" + nowhere.string() + "\"\n",
       {"nowhere.tsv': none of its 3 genes (FAKE1, FAKE2, FAKE3) is measured in the screen",
        "by the screen's symbols"}},
      {"an unknown task", "coexpression_network", "task = \"netwrok\"\n",
       {"option 'task' must be one of \"response\", \"network\", got \"netwrok\" (did you mean \"network\"?)"}},
      {"no truth network", "no_change", "task = \"network\"\n[data]\ntruth_network = \"\"\n",
       {"task = \"network\" needs a truth network to score against: add [data] truth_network"}},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      const auto r = run_trellis("run " + experiment(dir, c.model, c.extra).string() + " --out " + out.string(), env);
      INFO(r.output);
      CHECK(r.exit_code == 1);
      for (const auto& m : c.message) CHECK_THAT(r.output, Contains(m));
      CHECK_FALSE(fs::exists(out));
    }
  }
}

TEST_CASE("trellis bench over network experiments writes a long results table", "[cli][network][bench]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const fs::path out = dir.path() / "bench";
  const auto r = run_trellis("bench " + configs + "/bench/network.toml --set 'seeds=[1]' --out " + out.string() +
                                 " --jobs 2",
                             "TRELLIS_DATA_DIR=" + data.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string csv = read_text(out / "results.csv");
  CHECK(csv.rfind("experiment,dataset,split,seed,subgroup,metric,value\n", 0) == 0);
  for (const char* e : {"coexpression_network", "random_network"})
    for (const char* m : {"auprc", "auprc_ratio", "early_precision", "early_precision_ratio"})
      CHECK_THAT(csv, Contains(std::string(e) + ",norman19,simulation,1,all," + m + ","));
  CHECK_THAT(read_text(out / "summary.md"), Contains("auprc_ratio"));
}

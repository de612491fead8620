// `trellis run` with task = "network" and `trellis bench` over network
// experiments, end to end on Norman19 with DoRothEA as the truth: the run
// directory, the metrics recomputed in Python from network.tsv (a second
// method: BEELINE's code in pandas and sklearn), and the failure paths with their messages.
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

bool have_sklearn() { return std::system("/usr/bin/python3 -c 'import pandas, sklearn' >/dev/null 2>&1") == 0; }

// BEELINE's scores of network.tsv against DoRothEA restricted to the
// network's genes, written the way BEELINE's BLEval computes them (pandas
// and sklearn): a second method for the C++ metrics.
nlohmann::json python_scores(const TempDir& dir, const fs::path& network, const fs::path& truth) {
  const auto script = dir.write("scores.py", R"(
import sys, json, itertools, numpy as np, pandas as pd
from sklearn.metrics import precision_recall_curve, roc_curve, auc
net = pd.read_csv(sys.argv[1], sep="\t", keep_default_na=False, float_precision="round_trip")
genes = set(net.regulator) | set(net.target)
d = pd.read_csv(sys.argv[2], sep="\t", keep_default_na=False)
truth = d[d.tf.isin(genes) & d.target.isin(genes) & (d.tf != d.target)][["tf", "target"]].drop_duplicates()
nodes = np.unique(truth.values)
true_pairs = set(zip(truth.tf, truth.target))
weight = {}
for a, b, w in zip(net.regulator, net.target, net.score):
    weight[(a, b)] = max(weight.get((a, b), 0.0), abs(w))
pairs = list(itertools.permutations(nodes, 2))
y = np.array([p in true_pairs for p in pairs], dtype=int)
s = np.array([weight.get(p, 0.0) for p in pairs])
prec, rec, _ = precision_recall_curve(y, s)
fpr, tpr, _ = roc_curve(y, s)
# EarlyPrecision.py with tf_edges: TF -> truth gene candidates, top-k with ties.
tfs = set(truth.tf)
cand = {(a, b) for a in tfs for b in nodes if a != b}
pred = sorted(((w, p) for p, w in weight.items() if p in cand), key=lambda x: -x[0])
k = len(true_pairs)
cut = max(min([w for w, _ in pred if w > 0], default=0), pred[min(len(pred), k) - 1][0])
chosen = [p for w, p in pred if w >= cut]
ep = sum(p in true_pairs for p in chosen) / len(chosen)
n = len(nodes)
print(json.dumps({"true_edges": int(y.sum()), "auprc": auc(rec, prec), "auroc": auc(fpr, tpr),
                  "density": y.sum() / (n * (n - 1)), "early_precision": ep,
                  "epr": ep / (k / (len(tfs) * (n - 1))),
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
  const auto r = run_trellis("run " + experiment(dir, "correlation_network").string() + " --out " + out.string(), env);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("auprc_ratio") && Contains("epr"));
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

  if (!have_sklearn()) {
    WARN("pandas or sklearn is not available to /usr/bin/python3: skipping the recomputed scores");
    return;
  }
  const auto py = python_scores(dir, out / "network.tsv", data / "networks/dorothea_hs.tsv.gz");
  INFO(py.dump());
  CHECK(py["sorted"] == true);
  CHECK(py["true_edges"] == 558);
  for (const char* m : {"auprc", "auroc", "early_precision", "epr"})
    CHECK_THAT(overall[m].get<double>(), WithinAbs(py[m].get<double>(), 1e-9));
  CHECK_THAT(overall["auprc_ratio"].get<double>(),
             WithinAbs(py["auprc"].get<double>() / py["density"].get<double>(), 1e-9));
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
      {"a truth network naming no measured gene", "correlation_network",
       "[data]\ntruth_network = \"" + nowhere.string() + "\"\n",
       {"nowhere.tsv': none of its 3 genes (FAKE1, FAKE2, FAKE3) is measured in the screen",
        "by the screen's symbols"}},
      {"an unknown task", "correlation_network", "task = \"netwrok\"\n",
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
  for (const char* e : {"correlation_network", "random_network"})
    for (const char* m : {"auprc", "auprc_ratio", "auroc", "early_precision", "epr"})
      CHECK_THAT(csv, Contains(std::string(e) + ",norman19,simulation,1,all," + m + ","));
  CHECK_THAT(read_text(out / "summary.md"), Contains("auprc_ratio"));
}

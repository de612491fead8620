// network/cell_transformer_gnn on BEELINE's mDC end to end, under both
// protocols: the candidate pairs it scores, the supervised protocol's
// areas recomputed by sklearn from the test pairs it wrote (a second
// method), a planted check that the GNN and decoder learn the edges they
// are taught, and the failure paths with their messages.
#include "catch.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "support.hpp"
#include "trellis/sdk/text_input.hpp"

namespace fs = std::filesystem;
using trellis::test::read_text;
using trellis::test::run_trellis;
using trellis::test::TempDir;
using Catch::Contains;
using Catch::Matchers::WithinAbs;

namespace {

const std::string configs = std::string(TRELLIS_SOURCE_DIR) + "/configs";

// mDC with the chip-specific truth and `model`, made quick to fit.
fs::path mdc_experiment(const TempDir& dir, const std::string& model, const std::string& extra) {
  return dir.write(model + "_mdc.toml", "extends = [\"" + configs + "/models/" + model + ".toml\", \"" + configs +
                                            "/data/beeline_mdc_chip_specific.toml\"]\nseed = 4\n" + extra);
}

const std::string quick = "[model.network]\npretrain_steps = 20\nepochs = 40\nreadout_cells = 200\n";

nlohmann::json read_json(const fs::path& file) { return nlohmann::json::parse(read_text(file)); }

std::set<std::string> first_column(const fs::path& file, char delimiter, const std::string& wanted) {
  trellis::sdk::TextInput in(file);
  std::string line;
  in.next(line);
  const auto header = trellis::sdk::split_fields(line, delimiter);
  std::size_t column = 0;
  while (column < header.size() && header[column] != wanted) ++column;
  std::set<std::string> values;
  while (in.next(line)) values.insert(trellis::sdk::split_fields(line, delimiter).at(column));
  return values;
}

// network.tsv as (regulator, target) -> score.
std::map<std::pair<std::string, std::string>, double> read_network(const fs::path& file) {
  std::map<std::pair<std::string, std::string>, double> edges;
  std::ifstream in(file);
  std::string a, b, w;
  std::getline(in, a);
  while (in >> a >> b >> w) edges[{a, b}] = std::stod(w);
  return edges;
}

struct PairRow {
  std::string set, regulator, target;
  int label = 0;
  double score = 0;  // test pairs only
};

std::vector<PairRow> read_pairs(const fs::path& file) {
  std::vector<PairRow> rows;
  trellis::sdk::TextInput in(file);
  std::string line;
  in.next(line);
  while (in.next(line)) {
    const auto f = trellis::sdk::split_fields(line, '\t');
    rows.push_back({f.at(0), f.at(1), f.at(2), std::stoi(f.at(3)), f.at(4).empty() ? 0.0 : std::stod(f.at(4))});
  }
  return rows;
}

bool have_sklearn() { return std::system("/usr/bin/python3 -c 'import sklearn' >/dev/null 2>&1") == 0; }

// sklearn's roc_auc_score and average_precision_score of the test pairs of
// supervised_pairs.tsv.
std::pair<double, double> sklearn_areas(const TempDir& dir, const fs::path& tests) {
  const auto script = dir.write("areas.py", R"(
import sys, csv
from sklearn.metrics import roc_auc_score, average_precision_score
rows = [r for r in csv.DictReader(open(sys.argv[1]), delimiter="\t") if r["set"] == "test"]
y = [int(r["label"]) for r in rows]; s = [float(r["score"]) for r in rows]
print(repr(roc_auc_score(y, s)), repr(average_precision_score(y, s)))
)");
  const fs::path out = dir.path() / "areas.txt";
  REQUIRE(std::system(("/usr/bin/python3 " + script.string() + " " + tests.string() + " > " + out.string()).c_str()) == 0);
  std::ifstream in(out);
  double auroc = 0, ap = 0;
  in >> auroc >> ap;
  return {auroc, ap};
}

}  // namespace

TEST_CASE("network/cell_transformer_gnn on mDC: every TF -> gene pair, both protocols scored",
          "[cli][network][cell_transformer_gnn]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const fs::path out = dir.path() / "run";
  const auto r = run_trellis("run " + mdc_experiment(dir, "cell_transformer_gnn_network", quick).string() +
                                 " --out " + out.string(),
                             "TRELLIS_DATA_DIR=" + data.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("pre-training step 20/20") && Contains("supervised protocol (trained on"));

  // network.tsv: each measured TF of the list to each of the other 820 genes.
  const auto genes = first_column(data / "grn/beeline_mdc/expression.csv.gz", ',', "");
  const auto listed = first_column(data / "grn/beeline_mdc/tfs_chip_specific.csv", ',', "TF");
  std::set<std::string> tfs;
  for (const auto& tf : listed)
    if (genes.count(tf)) tfs.insert(tf);
  const auto regulators = first_column(out / "network.tsv", '\t', "regulator");
  CHECK(regulators == tfs);
  std::size_t lines = 0;
  {
    std::ifstream in(out / "network.tsv");
    for (std::string line; std::getline(in, line);) ++lines;
  }
  CHECK(lines == 1 + tfs.size() * (genes.size() - 1));

  const auto metrics = read_json(out / "metrics.json")["overall"];
  for (const char* m : {"auprc_ratio", "epr", "auroc", "genelink_auroc", "genelink_auprc", "genelink_auprc_ratio"})
    CHECK(metrics.contains(m));
  const auto summary = read_json(out / "supervised.json");
  CHECK(summary["trained_on_truth"] == true);
  CHECK(summary["test"]["positives"].get<int>() > 0);
  if (!have_sklearn()) {
    WARN("sklearn is not available to /usr/bin/python3: skipping the recomputed areas");
    return;
  }
  const auto [auroc, ap] = sklearn_areas(dir, out / "supervised_pairs.tsv");
  CHECK_THAT(metrics["genelink_auroc"].get<double>(), WithinAbs(auroc, 1e-12));
  CHECK_THAT(metrics["genelink_auprc"].get<double>(), WithinAbs(ap, 1e-12));
}

TEST_CASE("network/cell_transformer_gnn learns the edges of its prior: taught the truth, it recovers it",
          "[cli][network][cell_transformer_gnn]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  // The truth as the prior (allowed and labelled): the decoder learns those
  // edges, so BEELINE's AUROC against them must be far above chance. A
  // broken GNN, decoder or candidate mapping scores near 0.5. Both decoders,
  // GraphSAGE and GAT layers, with and without an encoder's features.
  std::string truth = read_text(data / "grn/beeline_mdc/network_chip_specific.csv");
  std::replace(truth.begin(), truth.end(), ',', '\t');
  const fs::path prior = dir.write("truth.tsv", truth);
  const std::string gat_mlp_go =
      "gnn = \"gat\"\ndecoder = \"mlp\"\nfeatures = [\"go\"]\n[model.encoders.go]\ntype = \"encoder/go_terms\"\n";
  for (const std::string variant : {std::string(), gat_mlp_go}) {
    INFO(variant);
    const fs::path out = dir.path() / (variant.empty() ? "sage_bilinear" : "gat_mlp");
    const std::string extra = quick + variant + "[model.graphs.dorothea]\nfile = \"" + prior.string() +
                              "\"\nsource_column = \"Gene1\"\ntarget_column = \"Gene2\"\nsign_column = \"\"\n"
                              "confidence_column = \"\"\n[data]\nallow_truth_as_prior = true\n";
    const auto r = run_trellis("run " + mdc_experiment(dir, "cell_transformer_gnn_network", extra).string() +
                                   " --out " + out.string(),
                               "TRELLIS_DATA_DIR=" + data.string());
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.output, Contains(variant.empty() ? "columns, 32 contextual\n" : "32 contextual and the rest from go"));
    const auto metrics = read_json(out / "metrics.json")["overall"];
    CHECK(metrics["auroc"].get<double>() > 0.9);
    CHECK(read_json(out / "run.json")["truth_as_prior"] == nlohmann::json::array({"dorothea"}));
  }
}

TEST_CASE("the supervised protocol scores an unsupervised network's own edges", "[cli][network][cell_transformer_gnn]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const fs::path out = dir.path() / "run";
  const auto r = run_trellis("run " + mdc_experiment(dir, "correlation_network", "[eval.supervised]\n").string() +
                                 " --out " + out.string(),
                             "TRELLIS_DATA_DIR=" + data.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(read_json(out / "supervised.json")["trained_on_truth"] == false);
  // Each test pair's score is the network's |score| of that pair.
  const auto network = read_network(out / "network.tsv");
  std::size_t pairs = 0;
  for (const auto& row : read_pairs(out / "supervised_pairs.tsv")) {
    if (row.set != "test") continue;
    const auto it = network.find({row.regulator, row.target});
    CHECK_THAT(row.score, WithinAbs(it == network.end() ? 0.0 : std::abs(it->second), 1e-12));
    ++pairs;
  }
  CHECK(pairs > 1000);
}

TEST_CASE("network/cell_transformer_gnn and [eval.supervised]: bad settings name the key; nothing is written",
          "[cli][network][cell_transformer_gnn]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const fs::path out = dir.path() / "run";
  auto r = run_trellis("run " + mdc_experiment(dir, "cell_transformer_gnn_network", "[model.network]\ndim = 30\n").string() +
                           " --out " + out.string(),
                       "TRELLIS_DATA_DIR=" + data.string());
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("dim = 30 is not a multiple of heads = 4"));
  CHECK_FALSE(fs::exists(out));

  r = run_trellis("run " + mdc_experiment(dir, "correlation_network", "[eval.supervised]\ntrain = 0.8\nvalidation = 0.2\n")
                               .string() + " --out " + out.string(),
                  "TRELLIS_DATA_DIR=" + data.string());
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("[eval.supervised] train + validation = 1") && Contains("leaves no test pairs"));
  CHECK_FALSE(fs::exists(out));

  const auto response = dir.write("response.toml", "extends = [\"" + configs + "/experiments/additive_norman19.toml\"]\n"
                                                   "[eval.supervised]\n");
  r = run_trellis("run " + response.string() + " --out " + out.string(), "TRELLIS_DATA_DIR=" + data.string());
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("[eval.supervised] scores an inferred network: it needs task = \"network\""));
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("network/degree scores a regulator's edge rate times a target's in-degree, from the prior or the "
          "training pairs", "[cli][network][cell_transformer_gnn]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const fs::path out = dir.path() / "run";
  // A prior of three edges among mDC genes: Atf3 -> Egr1, Atf3 -> Fos,
  // Irf1 -> Egr1 (upper-case in BEELINE's table).
  const fs::path prior = dir.write("prior.tsv", "tf\ttarget\nATF3\tEGR1\nATF3\tFOS\nIRF1\tEGR1\n");
  const std::string extra = "[model.graphs.dorothea]\nfile = \"" + prior.string() +
                            "\"\nsign_column = \"\"\nconfidence_column = \"\"\n";
  const auto r = run_trellis("run " + mdc_experiment(dir, "degree_network", extra).string() + " --out " + out.string(),
                             "TRELLIS_DATA_DIR=" + data.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  // 821 genes: a rate is (edges + 1) / 822; a score rate * (in-degree + 1).
  const auto network = read_network(out / "network.tsv");
  CHECK_THAT(network.at({"ATF3", "EGR1"}), WithinAbs(3.0 / 822 * 3, 1e-15));
  CHECK_THAT(network.at({"ATF3", "FOS"}), WithinAbs(3.0 / 822 * 2, 1e-15));
  CHECK_THAT(network.at({"IRF1", "FOS"}), WithinAbs(2.0 / 822 * 2, 1e-15));
  CHECK_THAT(network.at({"IRF1", "ATF3"}), WithinAbs(2.0 / 822 * 1, 1e-15));

  // Supervised: the same rule counted on the training pairs written beside
  // the scores.
  const auto rows = read_pairs(out / "supervised_pairs.tsv");
  std::map<std::string, double> positives, pairs, in_degree;
  for (const auto& row : rows) {
    if (row.set != "train") continue;
    pairs[row.regulator] += 1;
    positives[row.regulator] += row.label;
    in_degree[row.target] += row.label;
  }
  std::size_t checked = 0;
  for (const auto& row : rows) {
    if (row.set != "test") continue;
    const double expected =
        (positives[row.regulator] + 1) / (pairs[row.regulator] + 2) * (in_degree[row.target] + 1);
    CHECK_THAT(row.score, WithinAbs(expected, 1e-12));
    ++checked;
  }
  CHECK(checked > 1000);
  CHECK(read_json(out / "supervised.json")["trained_on_truth"] == true);
}

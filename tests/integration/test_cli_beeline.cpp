// Network inference on BEELINE's layout end to end: the dense CSV reader,
// TF lists, the baselines on real mDC genes (PIDC against a numpy/scipy
// reimplementation, a second method; GRNBoost2 seeded, thread-independent
// and finding a planted regulator), and the failure paths with their
// messages (nothing written).
#include "catch.hpp"

#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

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

// The first `genes` rows of BEELINE's mDC expression (all 383 cells).
std::string mdc_rows(const fs::path& data, int genes) {
  trellis::sdk::TextInput in(data / "grn/beeline_mdc/expression.csv.gz");
  std::string line, out;
  for (int i = 0; i <= genes && in.next(line); ++i) out += line + "\n";
  return out;
}

std::vector<std::string> row_names(const std::string& csv) {
  std::vector<std::string> names;
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) names.push_back(line.substr(0, line.find(',')));
  return names;
}

// An experiment over `expression` with `model` (a configs/models stem).
fs::path experiment(const TempDir& dir, const fs::path& expression, const fs::path& truth, const std::string& model,
                    const std::string& extra = "") {
  return dir.write(model + "_exp.toml", "extends = [\"" + configs + "/models/" + model + ".toml\"]\nseed = 2\n" +
                                            "[data]\npath = \"" + expression.string() + "\"\nreader = \"reader/csv\"\n" +
                                            "values = \"log_normalised\"\nunknown_genes = \"keep\"\n" +
                                            "truth_network = \"" + truth.string() + "\"\n" + extra);
}

std::map<std::pair<std::string, std::string>, double> read_network(const fs::path& file) {
  std::map<std::pair<std::string, std::string>, double> edges;
  std::ifstream in(file);
  std::string a, b, w;
  std::getline(in, a);
  while (in >> a >> b >> w) edges[{a, b}] = std::stod(w);
  return edges;
}

}  // namespace

TEST_CASE("network/pidc on 12 mDC genes matches a numpy reimplementation of PIDC", "[cli][network][beeline]") {
  TRELLIS_REQUIRE_DATA(data);
  if (std::system("/usr/bin/python3 -c 'import numpy, scipy' >/dev/null 2>&1") != 0) {
    WARN("numpy/scipy not available to /usr/bin/python3: skipping");
    return;
  }
  TempDir dir;
  const std::string csv = mdc_rows(data, 12);
  const auto genes = row_names(csv);
  const auto expression = dir.write("expr.csv", csv);
  const auto truth = dir.write("truth.csv", "Gene1,Gene2\n" + genes[0] + "," + genes[1] + "\n" + genes[2] + "," +
                                                genes[3] + "\n");
  const fs::path out = dir.path() / "run";
  const auto r = run_trellis("run " + experiment(dir, expression, truth, "pidc_network").string() + " --out " +
                             out.string(), "TRELLIS_DATA_DIR=" + data.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto ours = read_network(out / "network.tsv");
  CHECK(ours.size() == 12 * 11);

  // PIDC written from the method's description: Bayesian blocks with
  // Discretizers.jl's prior, bits, minimum specific information, gamma MLE
  // by scipy, its CDF by scipy.special.gammainc.
  const auto script = dir.write("pidc.py", R"(
import sys, itertools, numpy as np, pandas as pd
from scipy import stats, special
x = pd.read_csv(sys.argv[1], index_col=0)
def blocks(v):
    u, nn = np.unique(v, return_counts=True)
    n = len(u)
    if n < 2: return np.zeros(len(v), int), 1
    e = np.concatenate([[u[0]], (u[:-1] + u[1:]) / 2, [u[-1]]])
    best, last = np.zeros(n), np.zeros(n, int)
    for k in range(1, n + 1):
        cnt = np.cumsum(nn[:k][::-1])[::-1]
        fit = cnt * np.log(cnt / (e[k] - e[:k])) - (4 - np.log(73.53 * 0.05 * k ** -0.478))
        fit[1:] += best[:k - 1]
        last[k - 1] = np.argmax(fit); best[k - 1] = fit[last[k - 1]]
    cps, j = [], n
    while True:
        cps.insert(0, e[j])
        if j == 0: break
        j = last[j - 1]
    cps = np.array(cps)
    return np.clip(np.searchsorted(cps, v, side="right") - 1, 0, len(cps) - 2), len(cps) - 1
bins = [blocks(row) for row in x.values]
G, N = len(bins), x.shape[1]
mi, si = np.zeros((G, G)), {}
for a in range(G):
    for b in range(G):
        if a == b: continue
        P = np.zeros((bins[a][1], bins[b][1]))
        np.add.at(P, (bins[a][0], bins[b][0]), 1 / N)
        pa, pb = P.sum(1, keepdims=True), P.sum(0, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(P > 0, P * np.log2(P / (pa * pb)), 0)
            mi[a, b] = t.sum()
            si[a, b] = np.nansum(np.where(P > 0, P / pb * np.log2(P / (pa * pb)), 0), axis=0)  # source a, target b
puc = np.zeros((G, G))
for t in range(G):
    pt = np.bincount(bins[t][0], minlength=bins[t][1]) / N
    for a, b in itertools.combinations([g for g in range(G) if g != t], 2):
        red = (pt * np.minimum(si[a, t], si[b, t])).sum()
        for s in (a, b):
            u = (mi[s, t] - red) / mi[s, t] if mi[s, t] != 0 else 0
            u = u if np.isfinite(u) and u > 0 else 0
            puc[s, t] += u; puc[t, s] += u
fits = []
for i in range(G):
    s = np.delete(puc[i], i)
    fits.append(stats.gamma.fit(s, floc=0) if (s > 0).all() and s.std() > 0 else None)
for i, j in itertools.permutations(range(G), 2):
    if fits[i] and fits[j]:
        w = special.gammainc(fits[i][0], puc[i, j] / fits[i][2]) + special.gammainc(fits[j][0], puc[i, j] / fits[j][2])
    else:
        def clr(k):
            rest = np.delete(puc[k], k)
            d, v = puc[i, j] - rest.mean(), rest.var(ddof=1)
            return 0 if v == 0 or d < 0 else d * d / v
        w = np.sqrt(clr(i) + clr(j))
    print(x.index[i], x.index[j], repr(float(w)))
)");
  const auto reference = dir.path() / "reference.txt";
  REQUIRE(std::system(("/usr/bin/python3 " + script.string() + " " + expression.string() + " > " +
                       reference.string()).c_str()) == 0);
  std::ifstream in(reference);
  std::string a, b;
  double w = 0;
  int compared = 0;
  while (in >> a >> b >> w) {
    REQUIRE(ours.count({a, b}));
    INFO(a << " -> " << b);
    CHECK_THAT(ours.at({a, b}), WithinAbs(w, 1e-5));
    ++compared;
  }
  CHECK(compared == 12 * 11);
}

namespace {

// Genes R1..R5 (regulators) and T1 = 2 R1 + noise, T2 = 3 - R3 + noise over
// 150 cells, genes x cells.
std::string planted_csv() {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(0, 3), noise(-0.05, 0.05);
  std::vector<std::vector<double>> rows(7, std::vector<double>(150));
  for (int c = 0; c < 150; ++c) {
    for (int r = 0; r < 5; ++r) rows[r][c] = u(rng);
    rows[5][c] = 2 * rows[0][c] + noise(rng);
    rows[6][c] = 3 - rows[2][c] + noise(rng);
  }
  std::ostringstream out;
  out << "gene";
  for (int c = 0; c < 150; ++c) out << ",cell" << c;
  out << "\n";
  const char* names[] = {"R1", "R2", "R3", "R4", "R5", "T1", "T2"};
  for (int g = 0; g < 7; ++g) {
    out << names[g];
    for (const double v : rows[g]) out << ',' << v;
    out << "\n";
  }
  return out.str();
}

}  // namespace

TEST_CASE("network/grnboost: the planted regulator wins, TF-restricted, same for 1 and 2 threads",
          "[cli][network][beeline]") {
  TempDir dir;
  const auto expression = dir.write("expr.csv", planted_csv());
  const auto truth = dir.write("truth.csv", "Gene1,Gene2,Score\nR1,T1,1\nR3,T2,1\n");
  // BEELINE's TF list layout: index, TF, index.
  const auto tfs = dir.write("tfs.csv", ",TF,index\n0,R1,0\n1,R2,1\n2,R3,2\n3,R4,3\n4,R5,4\n");
  const auto config =
      experiment(dir, expression, truth, "grnboost_network", "regulators = \"" + tfs.string() + "\"\n");
  std::string networks[2];
  for (int threads = 1; threads <= 2; ++threads) {
    const fs::path out = dir.path() / ("run" + std::to_string(threads));
    const auto r = run_trellis("--threads " + std::to_string(threads) + " run " + config.string() + " --out " +
                               out.string());
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    networks[threads - 1] = read_text(out / "network.tsv");
    const auto edges = read_network(out / "network.tsv");
    for (const auto& [pair, w] : edges) CHECK(pair.first.rfind('R', 0) == 0);  // only regulators regulate
    for (const char* other : {"R2", "R3", "R4", "R5"})
      if (edges.count({other, "T1"})) CHECK(edges.at({"R1", "T1"}) > 10 * edges.at({other, "T1"}));
    for (const char* other : {"R1", "R2", "R4", "R5"})
      if (edges.count({other, "T2"})) CHECK(edges.at({"R3", "T2"}) > 10 * edges.at({other, "T2"}));
    const auto metrics = nlohmann::json::parse(read_text(out / "metrics.json"))["overall"];
    CHECK_THAT(metrics["early_precision"].get<double>(), WithinAbs(1.0, 1e-12));
  }
  CHECK(networks[0] == networks[1]);
}

TEST_CASE("network runs on BEELINE's layout: bad input names the file, line and genes; nothing is written",
          "[cli][network][beeline]") {
  TempDir dir;
  const std::string header = "gene,c1,c2,c3,c4\n";
  const auto good =
      dir.write("good.csv", header + "A,1,2,3,4\nB,2,1,0,3\nC,0,0,1,2\nD,3,1,2,0\nE,1,1,0,2\nF,0,2,1,1\n");
  const auto truth = dir.write("truth.csv", "Gene1,Gene2\nA,B\nC,D\n");
  const auto nowhere = dir.write("nowhere_tfs.csv", ",TF,index\n0,FAKE1,0\n1,FAKE2,1\n");
  const auto elsewhere = dir.write("elsewhere.tsv", "tf\ttarget\nE\tF\n");
  const auto prior = dir.write("prior.tsv", "tf\ttarget\nA\tB\nC\tD\n");
  struct Case {
    const char* name;
    fs::path expression;
    std::string model, extra;
    std::vector<std::string> message;
  };
  const std::vector<Case> cases = {
      {"a gene listed twice", dir.write("twice.csv", header + "A,1,2,3,4\nB,2,1,0,3\nA,0,0,1,2\n"),
       "correlation_network", "",
       {"twice.csv: gene 'A' is listed twice (lines 2 and 4)", "each must be unique"}},
      {"a value that is not a number", dir.write("text.csv", header + "A,1,2,3,4\nB,2,1,abc,3\n"),
       "correlation_network", "", {"text.csv:3, column 4 ('c3'): 'abc' is not a finite number"}},
      {"a TF list naming no expressed gene", good, "correlation_network",
       "regulators = \"" + nowhere.string() + "\"\n",
       {"[data] regulators '", "none of its 2 genes (FAKE1, FAKE2) is measured in the screen (whose 6 genes are"}},
      {"an empty candidate set", good, "prior_network",
       "[model.graphs.dorothea]\nfile = \"" + elsewhere.string() + "\"\nconfidence_column = \"\"\nsign_column = \"\"\n",
       {"network/prior inferred 1 edges, none of them between two of the truth network's 4 genes (A, B, C, D)",
        "none names a truth gene: the candidate set is empty"}},
      {"a prior that is the truth", good, "prior_network",
       "[model.graphs.dorothea]\nfile = \"" + prior.string() + "\"\nconfidence_column = \"\"\nsign_column = \"\"\n",
       {"[model.graphs] dorothea holds exactly the edges of [data] truth_network", "allow_truth_as_prior = true"}},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      const fs::path out = dir.path() / "run";
      const auto r = run_trellis("run " + experiment(dir, c.expression, truth, c.model, c.extra).string() + " --out " +
                                 out.string());
      INFO(r.output);
      CHECK(r.exit_code == 1);
      for (const auto& m : c.message) CHECK_THAT(r.output, Contains(m));
      CHECK_FALSE(fs::exists(out));
    }
  }
  SECTION("a prior that is the truth runs when allowed, and says so") {
    const fs::path out = dir.path() / "allowed";
    const auto config = experiment(dir, good, truth, "prior_network",
                                   "allow_truth_as_prior = true\n[model.graphs.dorothea]\nfile = \"" + prior.string() +
                                       "\"\nconfidence_column = \"\"\nsign_column = \"\"\n");
    const auto r = run_trellis("run " + config.string() + " --out " + out.string());
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.output, Contains("is the truth network itself"));
    const auto run = nlohmann::json::parse(read_text(out / "run.json"));
    CHECK(run["truth_as_prior"] == nlohmann::json::array({"dorothea"}));
    CHECK_THAT(nlohmann::json::parse(read_text(out / "metrics.json"))["overall"]["auprc"].get<double>(),
               WithinAbs(1.0, 1e-12));
  }
}

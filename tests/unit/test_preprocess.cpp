#include "catch.hpp"

#include "trellis/sdk/stats.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "support.hpp"
#include "trellis/preprocess/differential.hpp"
#include "trellis/preprocess/hvg.hpp"
#include "trellis/preprocess/normalise.hpp"
#include "trellis/preprocess/pipeline.hpp"
#include "trellis/preprocess/pseudobulk.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/util/atomic_file.hpp"

using namespace trellis::core::preprocess;
using trellis::sdk::CsrMatrix;
using Catch::Contains;

namespace {

CsrMatrix csr(const std::vector<std::vector<float>>& dense) {
  CsrMatrix m;
  m.rows = static_cast<std::int64_t>(dense.size());
  m.cols = dense.empty() ? 0 : static_cast<std::int64_t>(dense[0].size());
  for (const auto& row : dense) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (row[c] != 0.0f) {
        m.indices.push_back(static_cast<std::int32_t>(c));
        m.values.push_back(row[c]);
      }
    }
    m.indptr.push_back(static_cast<std::int64_t>(m.values.size()));
  }
  return m;
}

std::int64_t draw_below(std::mt19937_64& rng, std::int64_t n) {
  return static_cast<std::int64_t>(std::uniform_real_distribution<double>(0.0, 1.0)(rng) * static_cast<double>(n)) % n;
}

struct Screen {
  CsrMatrix X;
  std::vector<std::int64_t> cell_condition;
  std::int64_t n_conditions = 0;
};

// Counts with per-gene rates spread over orders of magnitude (so the HVG mean
// bins are populated), one never-expressed gene and one much higher gene that
// sits alone in the top bin; each non-control condition shifts 5 genes.
Screen random_counts(std::int64_t cells, std::int64_t genes, std::int64_t n_conditions, std::uint64_t seed,
                     double density_scale = 1.0) {
  std::mt19937_64 rng(seed);
  std::vector<double> rate(static_cast<std::size_t>(genes));
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (auto& r : rate) r = density_scale * std::exp(-4.0 + 5.0 * u(rng));
  rate[0] = 0.0;
  if (genes > 2) rate[1] = 400.0;
  Screen s;
  s.n_conditions = n_conditions;
  s.X.rows = cells;
  s.X.cols = genes;
  std::vector<double> lambda(rate.size());
  for (std::int64_t i = 0; i < cells; ++i) {
    const std::int64_t c = i % 3 == 0 ? 0 : 1 + draw_below(rng, n_conditions - 1);
    s.cell_condition.push_back(c);
    lambda = rate;
    if (c > 0) {
      for (std::int64_t k = 0; k < 5; ++k) {
        lambda[static_cast<std::size_t>(2 + (c * 7 + k * 3) % (genes - 2))] *= k % 2 ? 4.0 : 0.2;
      }
    }
    for (std::int64_t g = 0; g < genes; ++g) {
      const double l = lambda[static_cast<std::size_t>(g)];
      if (l <= 0) continue;
      // Bernoulli pre-filter keeps the generator fast for sparse genes.
      if (l < 0.05 && u(rng) > 1.0 - std::exp(-l)) continue;
      int v = l < 0.05 ? 1 : std::poisson_distribution<int>(l)(rng);
      if (v) {
        s.X.indices.push_back(static_cast<std::int32_t>(g));
        s.X.values.push_back(static_cast<float>(v));
      }
    }
    s.X.indptr.push_back(static_cast<std::int64_t>(s.X.values.size()));
  }
  return s;
}

bool have_scipy() {
  return std::system("/usr/bin/python3 -c 'import numpy, scipy, pandas' >/dev/null 2>&1") == 0;
}

void write_dense(const std::filesystem::path& file, const CsrMatrix& X) {
  std::ofstream out(file);
  char buf[32];
  for (std::int64_t r = 0; r < X.rows; ++r) {
    std::vector<float> row(static_cast<std::size_t>(X.cols), 0.0f);
    for (auto k = X.indptr[r]; k < X.indptr[r + 1]; ++k) row[static_cast<std::size_t>(X.indices[k])] = X.values[k];
    for (std::size_t c = 0; c < row.size(); ++c) {
      std::snprintf(buf, sizeof buf, "%.9g", row[c]);
      out << (c ? " " : "") << buf;
    }
    out << "\n";
  }
}

std::vector<std::string> run_python(const trellis::test::TempDir& dir, const std::string& script,
                                    const std::string& args) {
  const auto file = dir.write("check.py", script);
  const auto output = dir.path() / "python_out.txt";
  const std::string command = "/usr/bin/python3 " + file.string() + " " + args + " > " + output.string() + " 2>&1";
  const int rc = std::system(command.c_str());
  std::ifstream in(output);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  if (rc != 0) {
    std::string all;
    for (const auto& l : lines) all += l + "\n";
    FAIL("python check failed:\n" << all);
  }
  return lines;
}

template <class T>
std::vector<T> parse(const std::string& line) {
  std::istringstream in(line);
  std::vector<T> out;
  std::string token;
  while (in >> token) {
    if (token == "nan") out.push_back(std::numeric_limits<T>::quiet_NaN());
    else if (token == "inf") out.push_back(std::numeric_limits<T>::infinity());
    else if (token == "-inf") out.push_back(-std::numeric_limits<T>::infinity());
    else {
      std::istringstream t(token);
      T v{};
      t >> v;
      out.push_back(v);
    }
  }
  return out;
}

// An independent transcription of scanpy's highly_variable_genes
// (flavor="seurat", n_bins=20) on a dense array, using pandas.cut and groupby
// as scanpy does.
const char* kScanpyHvg = R"PY(
import sys
import numpy as np
import pandas as pd
X = np.loadtxt(sys.argv[1], ndmin=2).astype(np.float32).astype(np.float64)
n_top = int(sys.argv[2])
E = np.expm1(X)
mean = E.mean(axis=0)
var = E.var(axis=0, ddof=1)
mean[mean == 0] = 1e-12
disp = var / mean
disp[disp == 0] = np.nan
disp = np.log(disp)
mean = np.log1p(mean)
df = pd.DataFrame({"means": mean, "dispersions": disp})
df["mean_bin"] = pd.cut(df["means"], bins=20)
grouped = df.groupby("mean_bin")["dispersions"]
bin_mean = grouped.mean()
bin_std = grouped.std(ddof=1)
one = bin_std.isnull()
bin_std[one.values] = bin_mean[one.values].values
bin_mean[one.values] = 0
norm = (df["dispersions"].values - bin_mean[df["mean_bin"].values].values) / bin_std[df["mean_bin"].values].values
valid = np.sort(norm[~np.isnan(norm)])[::-1]
n = min(n_top, valid.size)
cutoff = valid[n - 1]
selected = np.where(np.nan_to_num(norm, nan=-np.inf) >= cutoff)[0]
print(" ".join(str(i) for i in selected))
print(" ".join(repr(float(x)) for x in norm))
print(int(one.sum()))
)PY";

// scipy's Welch test per gene, each condition against control; NaN -> 0 and
// ranking by |t| (stable, so ties keep gene order).
const char* kScipyWelch = R"PY(
import sys
import numpy as np
from scipy import stats
X = np.loadtxt(sys.argv[1], ndmin=2).astype(np.float32).astype(np.float64)
labels = np.loadtxt(sys.argv[2], dtype=int, ndmin=1)
control = int(sys.argv[3])
for c in sorted(set(labels.tolist())):
    if c == control or (labels == c).sum() < 2:
        continue
    with np.errstate(all="ignore"):
        test = stats.ttest_ind(X[labels == c], X[labels == control], axis=0, equal_var=False)
    t = test.statistic
    t[np.isnan(t)] = 0
    p = np.sort(np.where(np.isnan(test.pvalue), 1.0, test.pvalue))
    passing = np.nonzero(p <= np.arange(1, len(p) + 1) * 0.05 / len(p))[0]
    order = np.argsort(-np.abs(t), kind="stable")
    print(c)
    print(" ".join(repr(float(x)) for x in t))
    print(" ".join(str(i) for i in order[:20]))
    print(passing[-1] + 1 if len(passing) else 0)
)PY";

}  // namespace

TEST_CASE("looks_like_counts tells counts from log-normalised values", "[preprocess]") {
  CHECK(looks_like_counts(csr({{0, 1, 3}, {2, 0, 7}})));
  CHECK_FALSE(looks_like_counts(csr({{0, 1.5f, 3}})));
  CHECK_FALSE(looks_like_counts(csr({{0, -1, 3}})));
  CHECK(looks_like_counts(CsrMatrix{}));
}

TEST_CASE("check_counts names the cell, gene and value of a negative count", "[preprocess]") {
  const auto X = csr({{0, 1, 3}, {2, 0, -4}});
  REQUIRE_THROWS_WITH(check_counts(X), Contains("negative counts where counts are expected: cell 1 gene 2 value -4"));
  REQUIRE_THROWS_WITH(check_counts(X, {"AAAC", "TTTG"}, {"A", "B", "C"}),
                      Contains("cell 'TTTG' gene 'C' value -4") && Contains("log-normalised"));
  CHECK_NOTHROW(check_counts(csr({{0, 1.5f, 3}})));
}

TEST_CASE("normalise_log1p scales each cell to the target then takes log1p", "[preprocess]") {
  auto X = csr({{1, 0, 3}, {0, 0, 0}, {0, 5, 0}});
  normalise_log1p(X, 1e4);
  REQUIRE(X.values.size() == 3);
  CHECK(X.values[0] == Approx(std::log1p(2500.0)));
  CHECK(X.values[1] == Approx(std::log1p(7500.0)));
  CHECK(X.values[2] == Approx(std::log1p(1e4)));
  CHECK(X.indptr == std::vector<std::int64_t>{0, 2, 2, 3});
  auto Y = csr({{2, 2}});
  normalise_log1p(Y, 10);
  CHECK(Y.values[0] == Approx(std::log1p(5.0)));
  REQUIRE_THROWS_WITH(normalise_log1p(Y, 0), Contains("target sum must be a positive number"));
}

TEST_CASE("pseudobulk averages each condition's cells", "[preprocess]") {
  const auto X = csr({{1, 0, 2}, {3, 0, 0}, {0, 4, 0}, {5, 5, 5}, {9, 9, 9}});
  const Pseudobulk p = pseudobulk(X, {0, 0, 1, 1, -1}, 3);
  CHECK(p.cell_counts == std::vector<std::int64_t>{2, 2, 0});
  CHECK(p.means.row(0) == std::vector<float>{2, 0, 1});
  CHECK(p.means.row(1) == std::vector<float>{2.5f, 4.5f, 2.5f});
  CHECK(p.means.row(2) == std::vector<float>{0, 0, 0});
  REQUIRE_THROWS_WITH(pseudobulk(X, {0, 0, 1}, 3), Contains("has 3 entries but the expression matrix has 5 cells"));
  REQUIRE_THROWS_WITH(pseudobulk(X, {0, 0, 1, 7, 0}, 3), Contains("cell 3 has condition index 7, outside [0, 3)"));
}

TEST_CASE("Welch t matches a hand computation and scanpy's NaN rule", "[preprocess]") {
  // gene 0: control 1,2,3 (mean 2, var 1); condition 4,6 (mean 5, var 2):
  // t = 3 / sqrt(2/2 + 1/3) = 2.598076...
  // gene 1: all zero in both -> 0; gene 2: constant 1 vs constant 2 -> +inf.
  const auto X = csr({{1, 0, 1}, {2, 0, 1}, {3, 0, 1}, {4, 0, 2}, {6, 0, 2}, {7, 0, 7}});
  const auto de = differential_expression(X, {0, 0, 0, 1, 1, 2}, 3, 0);
  REQUIRE(de.tested(1));
  CHECK_FALSE(de.tested(0));
  CHECK_FALSE(de.tested(2));
  CHECK(de.skipped == std::vector<std::int64_t>{2});
  CHECK(de.scores[1][0] == Approx(3.0 / std::sqrt(4.0 / 3.0)).epsilon(1e-6));
  CHECK(de.scores[1][1] == 0.0f);
  CHECK(std::isinf(de.scores[1][2]));
  CHECK(de.ranking[1] == std::vector<std::int32_t>{2, 0, 1});
  CHECK(trellis::sdk::welch_t(1, 0, 3, 1, 0, 3) == 0.0);
  REQUIRE_THROWS_WITH(differential_expression(X, {0, 1, 1, 1, 1, 2}, 3, 0),
                      Contains("needs at least 2 control cells, found 1"));
  REQUIRE_THROWS_WITH(differential_expression(X, {0, 0, 0, 1, 1, 2}, 3, 5), Contains("index 5 is not one of the 3"));
}

TEST_CASE("Welch p-values match scipy and Benjamini-Hochberg counts match a hand computation", "[preprocess]") {
  // scipy.stats.ttest_ind_from_stats(m1, sqrt(v1), n1, m2, sqrt(v2), n2, equal_var=False).pvalue
  CHECK(trellis::sdk::welch_p(1.0, 0.5, 10, 0.2, 0.3, 40) == Approx(0.006031459565189714).epsilon(1e-9));
  CHECK(trellis::sdk::welch_p(2.0, 1.0, 2, 1.0, 4.0, 3) == Approx(0.5145217350299627).epsilon(1e-9));
  CHECK(trellis::sdk::welch_p(0.0, 0.0, 5, 0.0, 0.2, 3) == 1.0);
  CHECK(trellis::sdk::welch_p(1.0, 0.0, 5, 1.0, 0.0, 3) == 1.0);  // no variance, equal means
  CHECK(trellis::sdk::welch_p(2.0, 0.0, 5, 1.0, 0.0, 3) == 0.0);  // no variance, different means
  // m = 10, thresholds k * 0.005: p(1) = 0.001 and p(2) = 0.008 pass, p(3) = 0.039 > 0.015 and none after.
  CHECK(trellis::sdk::benjamini_hochberg_count({0.06, 0.001, 0.039, 0.041, 0.008, 0.042, 0.074, 0.205, 0.212, 0.216}) == 2);
  // Step-up, m = 4: p(1) = 0.02 > 0.0125 fails but p(3) = 0.03 <= 0.0375 passes, so the first three count.
  CHECK(trellis::sdk::benjamini_hochberg_count({0.02, 0.2, 0.02, 0.03}) == 3);
  CHECK(trellis::sdk::benjamini_hochberg_count({0.01, 0.02, 0.03, 0.04}) == 4);
  CHECK(trellis::sdk::benjamini_hochberg_count({}) == 0);
}

TEST_CASE("ranking ties keep gene order and top lists follow the ranking", "[preprocess]") {
  // Genes 0 and 1 have identical columns, so identical scores.
  const auto X = csr({{1, 1, 0}, {2, 2, 0}, {3, 3, 0}, {5, 5, 1}, {7, 7, 3}});
  const auto de = differential_expression(X, {0, 0, 0, 1, 1}, 2, 0);
  REQUIRE(de.scores[1][0] == de.scores[1][1]);
  CHECK(de.ranking[1][0] == 0);
  CHECK(de.ranking[1][1] == 1);
  CHECK(top_de(de.ranking[1], 2) == std::vector<std::int32_t>{0, 1});
  CHECK(top_de(de.ranking[1], 10).size() == 3);
}

TEST_CASE("non-dropout top DE genes skip genes that vanish only in the condition", "[preprocess]") {
  // ranking 3,0,1,2,4: gene 3 is zero in the condition but not in control
  // (a dropout), gene 1 is zero in both (a true zero, kept).
  const std::vector<std::int32_t> ranking{3, 0, 1, 2, 4};
  const std::vector<float> condition{1, 0, 0.5f, 0, 2};
  const std::vector<float> control{1, 0, 1, 0.3f, 2};
  CHECK(non_dropout_top_de(ranking, condition, control, 20) == std::vector<std::int32_t>{0, 1, 2, 4});
  CHECK(non_dropout_top_de(ranking, condition, control, 2) == std::vector<std::int32_t>{0, 1});
}

TEST_CASE("highly variable genes match scanpy's seurat flavour", "[preprocess][python]") {
  if (!have_scipy()) {
    WARN("/usr/bin/python3 with numpy, scipy and pandas not found: skipping the scanpy comparison");
    return;
  }
  Screen s = random_counts(400, 150, 4, 11);
  normalise_log1p(s.X);
  trellis::test::TempDir dir;
  write_dense(dir.path() / "x.txt", s.X);
  const auto lines = run_python(dir, kScanpyHvg, (dir.path() / "x.txt").string() + " 30");
  REQUIRE(lines.size() == 3);
  const auto expected = parse<std::int64_t>(lines[0]);
  const auto expected_norm = parse<double>(lines[1]);
  CHECK(parse<int>(lines[2]).at(0) >= 1);  // the fixture exercises the one-gene-bin rule
  const HvgStatistics stats = hvg_statistics(s.X);
  REQUIRE(expected_norm.size() == stats.dispersions_norm.size());
  for (std::size_t g = 0; g < expected_norm.size(); ++g) {
    INFO("gene " << g);
    if (std::isnan(expected_norm[g])) CHECK(std::isnan(stats.dispersions_norm[g]));
    else CHECK(stats.dispersions_norm[g] == Approx(expected_norm[g]).epsilon(1e-6).margin(1e-9));
  }
  CHECK(std::isnan(stats.dispersions_norm[0]));  // never expressed
  CHECK(stats.dispersions_norm[1] == Approx(1.0));  // alone in its bin
  CHECK(highly_variable_genes(s.X, 30) == expected);
  CHECK(expected.size() == 30);
  // Forced genes are added, the rest unchanged.
  auto with_forced = highly_variable_genes(s.X, 30, {0, expected[0]});
  CHECK(with_forced.size() == 31);
  CHECK(with_forced.front() == 0);
  REQUIRE_THROWS_WITH(highly_variable_genes(s.X, 30, {150}), Contains("gene index 150"));
  REQUIRE_THROWS_WITH(highly_variable_genes(s.X, -1), Contains("must not be negative"));
  // More genes asked than have a defined dispersion: all defined ones.
  CHECK(highly_variable_genes(s.X, 1000).size() == 149);
}

TEST_CASE("differential expression matches scipy's Welch t-test", "[preprocess][python]") {
  if (!have_scipy()) {
    WARN("/usr/bin/python3 with numpy, scipy and pandas not found: skipping the scipy comparison");
    return;
  }
  Screen s = random_counts(300, 60, 5, 5);
  s.cell_condition[1] = 4;  // make condition 4 tiny: a single cell
  for (std::size_t i = 2; i < s.cell_condition.size(); ++i) {
    if (s.cell_condition[i] == 4) s.cell_condition[i] = 3;
  }
  normalise_log1p(s.X);
  const auto de = differential_expression(s.X, s.cell_condition, 5, 0);
  CHECK(de.skipped == std::vector<std::int64_t>{4});
  trellis::test::TempDir dir;
  write_dense(dir.path() / "x.txt", s.X);
  std::ofstream(dir.path() / "labels.txt") << [&] {
    std::ostringstream o;
    for (auto c : s.cell_condition) o << c << "\n";
    return o.str();
  }();
  const auto lines = run_python(dir, kScipyWelch,
                                (dir.path() / "x.txt").string() + " " + (dir.path() / "labels.txt").string() + " 0");
  REQUIRE(lines.size() == 12);  // conditions 1, 2, 3
  std::int64_t any_significant = 0;
  for (std::size_t i = 0; i < lines.size(); i += 4) {
    const auto c = std::stoll(lines[i]);
    INFO("condition " << c);
    REQUIRE(de.tested(c));
    const auto t = parse<double>(lines[i + 1]);
    REQUIRE(t.size() == 60);
    for (std::size_t g = 0; g < t.size(); ++g) {
      INFO("gene " << g);
      CHECK(de.scores[static_cast<std::size_t>(c)][g] == Approx(t[g]).epsilon(1e-4).margin(1e-5));
    }
    const auto top = parse<std::int32_t>(lines[i + 2]);
    CHECK(top_de(de.ranking[static_cast<std::size_t>(c)], 20) == top);
    CHECK(de.significant[static_cast<std::size_t>(c)] == std::stoll(lines[i + 3]));
    any_significant += de.significant[static_cast<std::size_t>(c)];
  }
  CHECK(any_significant > 0);  // the planted effects are found, so the counts are compared on real cases
}

TEST_CASE("results do not depend on the number of threads", "[preprocess]") {
#ifdef _OPENMP
  Screen s = random_counts(3000, 200, 12, 3);
  normalise_log1p(s.X);
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto hvg1 = hvg_statistics(s.X);
  const auto pb1 = pseudobulk(s.X, s.cell_condition, 12);
  const auto de1 = differential_expression(s.X, s.cell_condition, 12, 0);
  omp_set_num_threads(3);
  const auto hvg3 = hvg_statistics(s.X);
  const auto pb3 = pseudobulk(s.X, s.cell_condition, 12);
  const auto de3 = differential_expression(s.X, s.cell_condition, 12, 0);
  omp_set_num_threads(before);
  for (std::size_t g = 0; g < hvg1.dispersions.size(); ++g) {
    CHECK((hvg1.dispersions[g] == hvg3.dispersions[g] || (std::isnan(hvg1.dispersions[g]) && std::isnan(hvg3.dispersions[g]))));
  }
  CHECK(pb1.means.values == pb3.means.values);
  CHECK(de1.scores == de3.scores);
  CHECK(de1.ranking == de3.ranking);
#else
  WARN("built without OpenMP");
#endif
}

TEST_CASE("preprocess normalises counts, selects genes and caches by key", "[preprocess]") {
  Screen s = random_counts(600, 80, 6, 21);
  const std::vector<std::string> names{"ctrl", "A+ctrl", "B+ctrl", "C+ctrl", "A+B", "D+ctrl"};
  PreprocessOptions options;
  options.n_top_genes = 20;
  options.forced_genes = {0};
  CsrMatrix raw = s.X;
  CsrMatrix X = s.X;
  const Preprocessed p = preprocess(X, s.cell_condition, names, 0, options);
  CHECK(p.normalised);
  CHECK(p.genes.size() >= 21);
  CHECK(p.genes.front() == 0);
  CHECK(X.cols == static_cast<std::int64_t>(p.genes.size()));
  // The same steps by hand.
  CsrMatrix Y = raw;
  normalise_log1p(Y);
  CHECK(highly_variable_genes(Y, 20, {0}) == p.genes);
  Y = Y.select_cols(p.genes);
  const auto pb = pseudobulk(Y, s.cell_condition, 6);
  CHECK(p.pseudobulk.means.values == pb.means.values);
  CHECK(p.control_mean == pb.means.row(0));
  CHECK(p.de.ranking == differential_expression(Y, s.cell_condition, 6, 0).ranking);

  trellis::test::TempDir dir;
  save_preprocessed(dir.path() / "run", p);
  const auto loaded = load_preprocessed(dir.path() / "run", p.key);
  REQUIRE(loaded.has_value());
  CHECK(loaded->key == p.key);
  CHECK(loaded->condition_names == names);
  CHECK(loaded->genes == p.genes);
  CHECK(loaded->hvg == p.hvg);
  CHECK(loaded->pseudobulk.means.values == p.pseudobulk.means.values);
  CHECK(loaded->pseudobulk.cell_counts == p.pseudobulk.cell_counts);
  CHECK(loaded->control_mean == p.control_mean);
  CHECK(loaded->de.ranking == p.de.ranking);
  CHECK(loaded->de.scores == p.de.scores);
  CHECK(loaded->de.skipped == p.de.skipped);

  // Another option or another input: another key, so the cache is stale.
  CHECK(preprocess_key(raw, s.cell_condition, names, std::vector<std::int64_t>(names.size(), 0), options) == p.key);
  PreprocessOptions other = options;
  other.n_top_genes = 21;
  const auto other_key = preprocess_key(raw, s.cell_condition, names, std::vector<std::int64_t>(names.size(), 0), other);
  CHECK(other_key != p.key);
  CHECK_FALSE(load_preprocessed(dir.path() / "run", other_key).has_value());
  CsrMatrix changed = raw;
  changed.values[0] += 1;
  CHECK(preprocess_key(changed, s.cell_condition, names, std::vector<std::int64_t>(names.size(), 0), options) != p.key);
  CHECK_FALSE(load_preprocessed(dir.path() / "missing", p.key).has_value());

  const auto not_a_dir = dir.write("plain_file", "x");
  REQUIRE_THROWS_WITH(save_preprocessed(not_a_dir / "run", p),
                      Contains("cannot write the preprocessing cache in") && Contains("writable"));
  dir.write("bad/preprocessed.bin", "garbage");
  REQUIRE_THROWS_WITH(load_preprocessed(dir.path() / "bad", p.key),
                      Contains("preprocessing cache") && Contains("is damaged") && Contains("delete it to recompute"));

  // Declared counts are checked.
  CsrMatrix negative = raw;
  negative.values[3] = -2;
  PreprocessOptions counts = options;
  counts.input = InputScale::counts;
  REQUIRE_THROWS_WITH(preprocess(negative, s.cell_condition, names, 0, counts),
                      Contains("negative counts where counts are expected"));
  // Log-normalised input is left as is.
  CsrMatrix logged = raw;
  normalise_log1p(logged);
  CsrMatrix logged_copy = logged;
  PreprocessOptions keep_all;
  const auto q = preprocess(logged, s.cell_condition, names, 0, keep_all);
  CHECK_FALSE(q.normalised);
  CHECK(logged.values == logged_copy.values);
  CHECK(q.genes.size() == 80);
  CHECK(q.hvg.empty());
  CsrMatrix again = raw;
  REQUIRE_THROWS_WITH(preprocess(again, s.cell_condition, names, 9, options),
                      Contains("index 9 is not one of the 6 conditions"));
  CHECK(again.values == raw.values);  // nothing touched before the check
}

TEST_CASE("preprocessing timing at 100k cells x 5k genes", "[.perf]") {
  // Wall time, and process CPU time (all threads) to tell work from waiting
  // on a loaded machine.
  struct Stamp {
    std::chrono::steady_clock::time_point wall;
    std::clock_t cpu;
  };
  struct clock {
    static Stamp now() { return {std::chrono::steady_clock::now(), std::clock()}; }
  };
  auto seconds = [](const Stamp& a, const Stamp& b) {
    std::ostringstream o;
    o << std::chrono::duration<double>(b.wall - a.wall).count() << " s (cpu "
      << static_cast<double>(b.cpu - a.cpu) / CLOCKS_PER_SEC << " s)";
    return o.str();
  };
  auto t0 = clock::now();
  Screen s = random_counts(100000, 5000, 301, 1, 0.25);
  auto t1 = clock::now();
  std::vector<std::string> names(301);
  for (std::size_t i = 0; i < names.size(); ++i) names[i] = "c" + std::to_string(i);
  WARN("generated " << s.X.nnz() << " non-zeros (" << 100.0 * s.X.nnz() / (1e5 * 5000) << "% dense) in "
                    << seconds(t0, t1) << " s");
  const auto tk0 = clock::now();
  PreprocessOptions options;
  options.n_top_genes = 2000;
  const auto key = preprocess_key(s.X, s.cell_condition, names, std::vector<std::int64_t>(names.size(), 0), options);
  const auto tk1 = clock::now();
  CHECK(looks_like_counts(s.X));
  const auto tc = clock::now();
  normalise_log1p(s.X);
  const auto tn = clock::now();
  const auto hvg = highly_variable_genes(s.X, 2000);
  const auto th = clock::now();
  const auto pb = pseudobulk(s.X, s.cell_condition, 301);
  const auto tp = clock::now();
  const auto de = differential_expression(s.X, s.cell_condition, 301, 0);
  const auto td = clock::now();
  CsrMatrix sub = s.X.select_cols(hvg);
  const auto de_sub = differential_expression(sub, s.cell_condition, 301, 0);
  const auto td2 = clock::now();
  WARN("key " << seconds(tk0, tk1) << "; looks_like_counts " << seconds(tk1, tc) << "; normalise_log1p "
              << seconds(tc, tn) << "; hvg " << seconds(tn, th) << "; pseudobulk (5000 genes) " << seconds(th, tp)
              << "; DE (5000 genes) " << seconds(tp, td) << "; select 2000 + DE " << seconds(td, td2));
  CHECK(hvg.size() >= 2000);
  CHECK(pb.means.rows == 301);
  CHECK(de.tested(1));
  CHECK(de_sub.tested(1));
  (void)key;
}

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <zlib.h>

#include "catch.hpp"
#include "support.hpp"
#include "trellis/io/tables.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/simulate/baseline.hpp"
#include "trellis/simulate/random.hpp"
#include "trellis/simulate/simulate.hpp"

using namespace trellis;
using namespace trellis::core::simulate;
using Catch::Contains;

namespace {

SimulationOptions small_options() {
  SimulationOptions o;
  o.cells = 600;
  o.genes = 300;
  o.perturbations = 10;
  o.combos = 5;
  o.seed = 7;
  return o;
}

// Count of gene `g` in every cell of X (dense column).
std::vector<double> column(const sdk::CsrMatrix& X, std::int32_t g) {
  std::vector<double> out(static_cast<std::size_t>(X.rows), 0.0);
  for (std::int64_t r = 0; r < X.rows; ++r)
    for (std::int64_t k = X.indptr[r]; k < X.indptr[r + 1]; ++k)
      if (X.indices[k] == g) out[r] = X.values[k];
  return out;
}

// Cells of each condition label.
std::map<std::string, std::vector<std::size_t>> cells_by_condition(const sdk::AnnData& data) {
  const sdk::Column& c = data.obs.column("condition", "test");
  std::map<std::string, std::vector<std::size_t>> out;
  for (std::size_t i = 0; i < c.size(); ++i) out[c.text(i)].push_back(i);
  return out;
}

double mean_of(const std::vector<double>& x, const std::vector<std::size_t>& rows) {
  double s = 0.0;
  for (std::size_t r : rows) s += x[r];
  return s / static_cast<double>(rows.size());
}

// The steady state by fixed-point iteration y <- u + W y, a second method
// beside the library's single topological pass.
std::vector<double> iterate_steady_state(const Network& net, const std::vector<double>& u) {
  std::vector<double> y = u;
  for (int it = 0; it < 500; ++it) {
    std::vector<double> next = u;
    for (const Edge& e : net.edges) next[e.target] += e.weight * y[e.regulator];
    double change = 0.0;
    for (std::size_t g = 0; g < y.size(); ++g) change = std::max(change, std::fabs(next[g] - y[g]));
    y = std::move(next);
    if (change < 1e-13) break;
  }
  return y;
}

// Standard error of log(mean count) over n cells of a gene with baseline
// share r and NB size s, from the NB variance under log-normal library sizes:
// Var X = r E[L] + r^2 E[L^2] (1 + 1/s) - r^2 E[L]^2.
double log_mean_se(double r, double s, const SimulationOptions& o, std::size_t n) {
  const double el = o.library_median * std::exp(0.5 * o.library_log_sd * o.library_log_sd);
  const double el2 = o.library_median * o.library_median * std::exp(2.0 * o.library_log_sd * o.library_log_sd);
  const double mean = r * el;
  const double var = r * el + r * r * el2 * (1.0 + 1.0 / s) - mean * mean;
  return std::sqrt(var / static_cast<double>(n)) / mean;
}

void write_gz(const std::filesystem::path& file, const std::string& text) {
  gzFile out = gzopen(file.c_str(), "wb");
  REQUIRE(out != nullptr);
  REQUIRE(gzwrite(out, text.data(), static_cast<unsigned>(text.size())) == static_cast<int>(text.size()));
  gzclose(out);
}

// Whether the binary under test has the subcommand (its help lists it).
bool simulate_registered() {
  const auto help = test::run_trellis("--help");
  return help.output.find("\n  simulate ") != std::string::npos;
}

}  // namespace

TEST_CASE("simulate: negative-binomial sampler has the right mean and variance", "[simulate]") {
  // Means below 1 (shortcut), 1-10 (inversion) and above (gamma-Poisson).
  for (const auto& [mean, size] : std::vector<std::pair<double, double>>{
           {0.05, 2.0}, {0.6, 0.3}, {3.0, 5.0}, {7.0, 100.0}, {25.0, 2.0}, {300.0, 10.0}, {40.0, 0.5}}) {
    Rng rng(11, static_cast<std::uint64_t>(mean * 1000));
    const int n = 200000;
    double s = 0.0, s2 = 0.0;
    for (int i = 0; i < n; ++i) {
      const auto x = static_cast<double>(rng.negative_binomial(mean, size));
      REQUIRE(x >= 0.0);
      s += x;
      s2 += x * x;
    }
    const double m = s / n;
    const double v = s2 / n - m * m;
    const double var = mean + mean * mean / size;
    INFO("mean " << mean << " size " << size << ": sample mean " << m << " variance " << v);
    CHECK(std::fabs(m - mean) < 5.0 * std::sqrt(var / n));
    // The variance of a sample variance needs the 4th moment; 5% is > 5 SE for these cases.
    CHECK(std::fabs(v - var) < 0.05 * var + 5.0 * std::sqrt(var / n));
  }
  // P(0) of NB(mean 2, size 1) = (1 / 3)^1.
  Rng rng(3);
  int zeros = 0;
  const int n = 300000;
  for (int i = 0; i < n; ++i) zeros += rng.negative_binomial(2.0, 1.0) == 0;
  CHECK(std::fabs(zeros / double(n) - 1.0 / 3.0) < 5.0 * std::sqrt((1.0 / 3) * (2.0 / 3) / n));
  // Same (seed, stream), same numbers; another stream, others.
  Rng a(5, 9), b(5, 9), c(5, 10);
  CHECK(a.next() == b.next());
  CHECK(a.next() != c.next());
}

TEST_CASE("simulate: same seed gives the same screen whatever the threads; another seed another", "[simulate]") {
  SimulationOptions o = small_options();
  o.threads = 1;
  const sdk::AnnData a = simulate(o);
  o.threads = 2;
  const sdk::AnnData b = simulate(o);
  CHECK(a.X.indptr == b.X.indptr);
  CHECK(a.X.indices == b.X.indices);
  CHECK(a.X.values == b.X.values);
  CHECK(a.obs.column("condition", "a").codes == b.obs.column("condition", "b").codes);
  CHECK(a.obs.column("condition", "a").categories == b.obs.column("condition", "b").categories);
  CHECK(a.var.index == b.var.index);
  o.seed = 8;
  const sdk::AnnData c = simulate(o);
  CHECK_FALSE((a.X.indices == c.X.indices && a.X.values == c.X.values));
}

TEST_CASE("simulate: shapes, conditions and cell counts follow the options", "[simulate]") {
  SimulationOptions o;
  o.cells = 1000;
  o.genes = 200;
  o.perturbations = 20;
  o.combos = 6;
  o.control_fraction = 0.2;
  o.unmeasured_fraction = 0.1;  // 2 of 20 targets outside the measured genes
  o.seed = 3;
  Network net;
  const sdk::AnnData data = simulate(o, &net);
  REQUIRE_NOTHROW(data.X.validate("simulated X"));
  CHECK(data.X.rows == 1000);
  CHECK(data.X.cols == 200);
  CHECK(data.obs.size() == 1000);
  CHECK(data.var.size() == 200);
  CHECK(data.var.has("biotype"));

  const auto groups = cells_by_condition(data);
  CHECK(groups.size() == 1 + 20 + 6);
  REQUIRE(groups.count("ctrl"));
  CHECK(groups.at("ctrl").size() == 200);  // round(1000 * 0.2)
  // The other 800 cells split over 26 conditions: 30 or 31 each (800 = 26 * 30 + 20).
  std::size_t singles = 0, doubles = 0;
  std::set<std::string> single_genes;
  for (const auto& [label, rows] : groups) {
    if (label == "ctrl") continue;
    CHECK((rows.size() == 30 || rows.size() == 31));
    if (label.size() > 5 && label.substr(label.size() - 5) == "+ctrl") {
      ++singles;
      single_genes.insert(label.substr(0, label.size() - 5));
    } else {
      ++doubles;
    }
  }
  CHECK(singles == 20);
  CHECK(doubles == 6);
  std::set<std::string> measured(data.var.index.begin(), data.var.index.end());
  std::size_t unmeasured = 0;
  for (const auto& g : single_genes) unmeasured += measured.count(g) == 0;
  CHECK(unmeasured == 2);
  CHECK(data.uns["simulation"]["unmeasured_perturbed_genes"].size() == 2);

  const sdk::Column& condition = data.obs.column("condition", "test");
  const sdk::Column& perturbation = data.obs.column("perturbation", "test");
  const sdk::Column& type = data.obs.column("perturbation_type", "test");
  const sdk::Column& n_counts = data.obs.column("n_counts", "test");
  for (std::size_t i = 0; i < data.obs.size(); ++i) {
    const std::string c = condition.text(i), p = perturbation.text(i);
    if (c == "ctrl") {
      CHECK(p == "control");
    } else if (c.size() > 5 && c.substr(c.size() - 5) == "+ctrl") {
      CHECK(p == c.substr(0, c.size() - 5));
    } else {
      CHECK(p == c);
      // Both genes of a double are single targets too, in alphabetical order.
      const auto plus = c.find('+');
      CHECK(single_genes.count(c.substr(0, plus)) == 1);
      CHECK(single_genes.count(c.substr(plus + 1)) == 1);
      CHECK(c.substr(0, plus) < c.substr(plus + 1));
    }
    CHECK(type.text(i) == "knockdown");
    double total = 0.0;
    for (std::int64_t k = data.X.indptr[i]; k < data.X.indptr[i + 1]; ++k) {
      CHECK(data.X.values[k] == std::floor(data.X.values[k]));
      CHECK(data.X.values[k] > 0.0f);
      total += data.X.values[k];
    }
    CHECK(n_counts.reals[i] == total);
  }
  // Library size: median around 8,000 UMIs (log-normal, sd 0.4: the sample
  // median of 1,000 cells is within 10% with overwhelming probability).
  std::vector<double> totals = n_counts.reals;
  std::nth_element(totals.begin(), totals.begin() + 500, totals.end());
  CHECK(totals[500] > 7200.0);
  CHECK(totals[500] < 8800.0);

  const auto& sim = data.uns["simulation"];
  CHECK(sim["seed"] == 3);
  CHECK(sim["cells"] == 1000);
  CHECK(sim["combos"] == 6);
  CHECK(sim["perturbation_type"] == "knockdown");
  // 30% of 6 combos are non-additive, and the truth says which.
  std::size_t flagged = 0;
  for (const auto& combo : net.combos) {
    if (!combo.non_additive) continue;
    ++flagged;
    CHECK(!combo.genes.empty());
    CHECK(combo.genes.size() <= 20);
    CHECK(std::fabs(combo.strength) >= 0.5);
    CHECK(std::fabs(combo.strength) <= 1.0);
    CHECK((combo.interaction == "synergy") == (combo.strength > 0));
    for (std::int32_t g : combo.genes) CHECK(static_cast<std::size_t>(g) < net.measured);
  }
  CHECK(flagged == 2);
  CHECK(sim["non_additive_combos"].size() == 2);
}

TEST_CASE("simulate: the true network is acyclic, contractive and signed as configured", "[simulate]") {
  SimulationOptions o;
  o.cells = 50;
  o.genes = 4000;
  o.perturbations = 5;
  o.combos = 0;
  o.noncoding_fraction = 0.3;
  o.network.regulator_fraction = 0.15;  // 600 regulators, ~180 of them non-coding
  o.seed = 21;
  Network net;
  simulate(o, &net);
  const std::size_t n = net.genes.size();
  REQUIRE(net.edges.size() > 1000);

  // Acyclic: Kahn's algorithm removes every gene.
  std::vector<int> indegree(n, 0);
  std::vector<std::vector<std::int32_t>> out(n);
  for (const Edge& e : net.edges) {
    ++indegree[e.target];
    out[e.regulator].push_back(e.target);
  }
  std::vector<std::int32_t> ready;
  for (std::size_t g = 0; g < n; ++g)
    if (indegree[g] == 0) ready.push_back(static_cast<std::int32_t>(g));
  std::size_t removed = 0;
  while (!ready.empty()) {
    const std::int32_t g = ready.back();
    ready.pop_back();
    ++removed;
    for (std::int32_t t : out[g])
      if (--indegree[t] == 0) ready.push_back(t);
  }
  CHECK(removed == n);

  // Contractive: incoming |weights| of every gene sum to at most 0.8.
  std::vector<double> incoming(n, 0.0);
  for (const Edge& e : net.edges) {
    CHECK(std::fabs(e.weight) <= o.network.weight_max);
    CHECK(e.weight != 0.0);
    incoming[e.target] += std::fabs(e.weight);
  }
  CHECK(*std::max_element(incoming.begin(), incoming.end()) <= 0.8 + 1e-12);

  // Signs: 70% activating, within 5 binomial standard errors.
  double positive = 0.0;
  for (const Edge& e : net.edges) positive += e.weight > 0;
  const double e_count = static_cast<double>(net.edges.size());
  CHECK(std::fabs(positive / e_count - 0.7) < 5.0 * std::sqrt(0.21 / e_count));

  // Out-degrees: coding regulators ~10 targets, non-coding ~3 (0.3 x 10).
  std::map<std::string, std::pair<double, double>> degree;  // coding?, (edges, regulators)
  for (std::size_t g = 0; g < n; ++g) {
    if (!net.is_regulator[g]) continue;
    auto& d = degree[net.biotypes[g] == "protein_coding" ? "coding" : "noncoding"];
    d.first += static_cast<double>(out[g].size());
    d.second += 1.0;
  }
  REQUIRE(degree["noncoding"].second > 50);
  const double coding_mean = degree["coding"].first / degree["coding"].second;
  const double noncoding_mean = degree["noncoding"].first / degree["noncoding"].second;
  CHECK(noncoding_mean < coding_mean);
  CHECK(coding_mean == Approx(10.0).margin(1.5));
  CHECK(noncoding_mean == Approx(3.0).margin(1.0));
  std::size_t regulators = 0;
  for (auto r : net.is_regulator) regulators += r;
  CHECK(regulators == 600);

  // The library's one-pass steady state equals fixed-point iteration.
  std::vector<double> u(n, 0.0);
  u[net.targets[0]] = std::log(0.2);
  u[net.targets[1]] = std::log(0.3);
  const std::vector<double> y = steady_state(net, u);
  const std::vector<double> z = iterate_steady_state(net, u);
  for (std::size_t g = 0; g < n; ++g) REQUIRE(y[g] == Approx(z[g]).margin(1e-9));
}

TEST_CASE("simulate: a perturbation changes its target by the configured fold", "[simulate]") {
  for (const char* type : {"knockdown", "activation"}) {
    SimulationOptions o;
    o.cells = 5000;
    o.genes = 200;
    o.perturbations = 4;
    o.combos = 0;
    o.control_fraction = 0.2;
    o.unmeasured_fraction = 0.0;
    o.type = type;
    o.fold_min = o.fold_max = std::string(type) == "knockdown" ? 0.2 : 5.0;
    o.seed = 5;
    Network net;
    const sdk::AnnData data = simulate(o, &net);
    const auto groups = cells_by_condition(data);
    const auto& control = groups.at("ctrl");
    CHECK(control.size() == 1000);
    std::size_t checked = 0;
    for (std::size_t p = 0; p < net.targets.size(); ++p) {
      const std::int32_t t = net.targets[p];
      const std::string label = net.genes[t] + "+ctrl";
      const auto& cells = groups.at(label);
      const std::vector<double> x = column(data.X, t);
      const double r = net.relative_expression[t];
      const double s = net.size[t];
      // In the DAG nothing perturbed lies upstream of a single's own target,
      // so its expected fold is exactly the configured one.
      const double expected = std::log(o.fold_min);
      const double se = std::sqrt(std::pow(log_mean_se(r, s, o, control.size()), 2) +
                                  std::pow(log_mean_se(r * o.fold_min, s, o, cells.size()), 2));
      const double control_mean = mean_of(x, control);
      const double perturbed_mean = mean_of(x, cells);
      INFO(type << " " << label << ": control mean " << control_mean << ", perturbed mean " << perturbed_mean
                << ", standard error of the log ratio " << se);
      if (se > 0.2) continue;  // too few counts to pin the fold down
      ++checked;
      if (std::string(type) == "knockdown") CHECK(perturbed_mean < control_mean);
      else CHECK(perturbed_mean > control_mean);
      CHECK(std::fabs(std::log(perturbed_mean / control_mean) - expected) < 5.0 * se);
    }
    CHECK(checked >= 2);
  }
}

TEST_CASE("simulate: a perturbed regulator moves its direct targets in the expected direction", "[simulate]") {
  SimulationOptions o;
  o.cells = 6000;
  o.genes = 300;
  o.perturbations = 10;
  o.combos = 0;
  o.control_fraction = 0.25;
  o.unmeasured_fraction = 0.0;
  o.regulator_target_fraction = 1.0;
  o.network.regulator_fraction = 0.1;
  o.network.weight_min = 0.6;
  o.network.weight_max = 0.8;
  o.fold_min = o.fold_max = 0.1;
  o.seed = 13;
  Network net;
  const sdk::AnnData data = simulate(o, &net);
  const auto groups = cells_by_condition(data);
  const auto& control = groups.at("ctrl");
  std::size_t checked = 0;
  for (std::size_t p = 0; p < net.targets.size(); ++p) {
    const std::int32_t regulator = net.targets[p];
    std::vector<double> u(net.genes.size(), 0.0);
    u[regulator] = std::log(0.1);
    const std::vector<double> y = iterate_steady_state(net, u);
    const auto& cells = groups.at(net.genes[regulator] + "+ctrl");
    for (const Edge& e : net.edges) {
      if (e.regulator != regulator || static_cast<std::size_t>(e.target) >= net.measured) continue;
      const double r = net.relative_expression[e.target];
      const double se = std::sqrt(std::pow(log_mean_se(r, net.size[e.target], o, control.size()), 2) +
                                  std::pow(log_mean_se(r * std::exp(y[e.target]), net.size[e.target], o, cells.size()), 2));
      // Only edges strong enough, and genes expressed enough, to be seen.
      if (std::fabs(y[e.target]) < 6.0 * se) continue;
      const std::vector<double> x = column(data.X, e.target);
      const double observed = std::log(mean_of(x, cells) / mean_of(x, control));
      INFO(net.genes[regulator] << " -> " << net.genes[e.target] << " weight " << e.weight << ": expected log fold "
                                << y[e.target] << ", observed " << observed << ", se " << se);
      CHECK((observed > 0) == (y[e.target] > 0));
      CHECK(std::fabs(observed - y[e.target]) < 5.0 * se);
      // A knockdown moves a direct target against the edge's sign unless
      // another path from the regulator outweighs it.
      if (std::fabs(y[e.target] - e.weight * std::log(0.1)) < 1e-12) CHECK((observed < 0) == (e.weight > 0));
      ++checked;
    }
  }
  CHECK(checked >= 5);
}

TEST_CASE("simulate: real gene symbols and baseline parameters from the shared data", "[simulate]") {
  TRELLIS_REQUIRE_DATA(data);
  SimulationOptions o;
  o.cells = 300;
  o.genes = 1000;
  o.perturbations = 20;
  o.combos = 10;
  o.seed = 17;
  o.genes_file = data / "genes" / "orghs_genes.tsv.gz";
  o.baseline_file = data / "simulation" / "perturbplan_K562_10x_baseline.tsv.gz";
  Network net;
  const sdk::AnnData screen = simulate(o, &net);
  CHECK(screen.X.cols == 1000);

  // Every symbol is a protein-coding gene, or a LINC*/MIR* ncRNA, of the table.
  const auto genes = core::io::read_tsv_columns(o.genes_file, {"symbol", "gene_type"});
  std::map<std::string, std::string> type_of;
  for (std::size_t i = 0; i < genes[0].size(); ++i) type_of.emplace(genes[0][i], genes[1][i]);
  std::size_t noncoding = 0;
  for (std::size_t g = 0; g < net.genes.size(); ++g) {
    const std::string& symbol = net.genes[g];
    REQUIRE(type_of.count(symbol));
    if (net.biotypes[g] == "protein_coding") {
      CHECK(type_of[symbol] == "protein-coding");
    } else {
      ++noncoding;
      CHECK(type_of[symbol] == "ncRNA");
      CHECK((symbol.rfind("LINC", 0) == 0 || symbol.rfind("MIR", 0) == 0));
      if (symbol.rfind("LINC", 0) == 0) CHECK(net.biotypes[g] == "lncRNA");
    }
  }
  CHECK(noncoding == static_cast<std::size_t>(std::llround(0.1 * net.genes.size())));
  CHECK(std::set<std::string>(net.genes.begin(), net.genes.end()).size() == net.genes.size());

  // Each gene's (relative expression, size) is a row of the baseline table,
  // relative expression scaled by one common factor.
  const auto baseline = core::io::read_tsv_columns(o.baseline_file, {"relative_expression", "expression_size"});
  std::map<double, std::vector<double>> rows;  // size -> relative expressions
  for (std::size_t i = 0; i < baseline[0].size(); ++i)
    rows[std::stod(baseline[1][i])].push_back(std::stod(baseline[0][i]));
  double factor = 0.0;
  std::size_t matched = 0;
  for (std::size_t g = 0; g < net.genes.size(); ++g) {
    auto it = rows.find(net.size[g]);
    REQUIRE(it != rows.end());
    if (it->second.size() != 1) continue;  // a size shared by rows: ambiguous
    const double f = net.relative_expression[g] / it->second[0];
    if (factor == 0.0) factor = f;
    CHECK(f == Approx(factor).epsilon(1e-9));
    ++matched;
  }
  CHECK(matched > 900);
  double total = 0.0;
  for (std::size_t g = 0; g < net.measured; ++g) total += net.relative_expression[g];
  CHECK(total == Approx(1.0));
}

TEST_CASE("simulate: the baseline reader names the file and line of a bad value", "[simulate]") {
  test::TempDir dir;
  const auto bad = dir.path() / "baseline.tsv.gz";
  write_gz(bad, "response_id\trelative_expression\texpression_size\nENSG1\t0.5\t2\nENSG2\tabc\t3\n");
  Rng rng(1);
  REQUIRE_THROWS_WITH(sample_baseline(4, bad, 2.2, 2.0, rng), Contains("baseline.tsv.gz:3: relative_expression 'abc'"));
  const auto negative = dir.write("negative.tsv", "relative_expression\texpression_size\n0.5\t-1\n");
  REQUIRE_THROWS_WITH(sample_baseline(1, negative, 2.2, 2.0, rng), Contains("expression_size '-1' is not a positive"));
  const auto no_column = dir.write("cols.tsv", "relative_expression\tsize\n0.5\t1\n");
  REQUIRE_THROWS_WITH(sample_baseline(1, no_column, 2.2, 2.0, rng),
                      Contains("no column 'expression_size' in the header (columns: relative_expression, size)"));
  // Plain text reads too, and more genes than rows reuse the rows.
  const auto good = dir.write("good.tsv", "relative_expression\texpression_size\n0.25\t1\n0.75\t3\n");
  const Baseline b = sample_baseline(5, good, 2.2, 2.0, rng);
  REQUIRE(b.size.size() == 5);
  for (std::size_t i = 0; i < 5; ++i)
    CHECK(((b.relative_expression[i] == 0.25 && b.size[i] == 1.0) || (b.relative_expression[i] == 0.75 && b.size[i] == 3.0)));
  CHECK(b.size[0] != b.size[1]);  // the first pass uses each row once
}

TEST_CASE("simulate: the TSV column reader skips blank lines and names the file and line of a short row",
          "[simulate]") {
  test::TempDir dir;
  const auto good = dir.write("good.tsv", "a\tb\tc\r\n1\t2\t3\n\n4\t5\t6\t7\n");
  const auto columns = core::io::read_tsv_columns(good, {"c", "a"});
  CHECK(columns == std::vector<std::vector<std::string>>{{"3", "6"}, {"1", "4"}});
  const auto short_row = dir.write("short.tsv", "a\tb\n1\t2\n\n3\n");
  REQUIRE_THROWS_WITH(core::io::read_tsv_columns(short_row, {"a"}), Contains("short.tsv:4: 1 fields, the header has 2"));
  const auto empty = dir.write("empty.tsv", "");
  REQUIRE_THROWS_WITH(core::io::read_tsv_columns(empty, {"a"}), Contains("empty.tsv: the file is empty"));
}

TEST_CASE("simulate: impossible options give clear errors", "[simulate]") {
  SimulationOptions o = small_options();
  o.cells = 0;
  REQUIRE_THROWS_WITH(simulate(o), Contains("cells = 0; give at least 1"));
  o = small_options();
  o.genes = 5;
  REQUIRE_THROWS_WITH(simulate(o), Contains("perturbations = 10 exceeds genes = 5"));
  o = small_options();
  o.perturbations = 5;
  o.combos = 11;
  REQUIRE_THROWS_WITH(simulate(o), Contains("combos = 11 is impossible: 5 perturbation targets make only 10 distinct pairs"));
  o.perturbations = 1;
  o.combos = 1;
  REQUIRE_THROWS_WITH(simulate(o), Contains("combos = 1 is impossible"));
  o = small_options();
  o.cells = 16;  // 2 control cells (15%), 14 left for 15 conditions
  REQUIRE_THROWS_WITH(simulate(o), Contains("cells = 16 is too few: 15 perturbation conditions need at least one cell"));
  o = small_options();
  o.type = "knockout";
  REQUIRE_THROWS_WITH(simulate(o), Contains("type 'knockout' is not known; use knockdown or activation"));
  o = small_options();
  o.fold_min = 0.5;
  o.fold_max = 2.0;
  REQUIRE_THROWS_WITH(simulate(o), Contains("a knockdown's fold change must be in (0, 1)"));
  o.type = "activation";
  REQUIRE_THROWS_WITH(simulate(o), Contains("an activation's fold change must be above 1"));
  o = small_options();
  o.control_fraction = 1.0;
  REQUIRE_THROWS_WITH(simulate(o), Contains("control_fraction = 1.000000 must be in (0, 1)"));
  o = small_options();
  o.network.max_in_weight = 1.0;
  REQUIRE_THROWS_WITH(simulate(o), Contains("must be in (0, 1) for the network to have a steady state"));
  o = small_options();
  o.genes_file = "/nonexistent/genes.tsv.gz";
  REQUIRE_THROWS_WITH(simulate(o), Contains("cannot open '/nonexistent/genes.tsv.gz': No such file or directory"));
  test::TempDir dir;
  o.genes_file = dir.write("genes.tsv", "symbol\tgene_name\tgene_type\nA\ta\tprotein-coding\nB\tb\tncRNA\n");
  REQUIRE_THROWS_WITH(simulate(o), Contains("genes.tsv: has 1 protein-coding and 0 LINC*/MIR* ncRNA genes; the simulation needs"));
}

TEST_CASE("simulate: the network TSV lists every edge with sign and weight", "[simulate]") {
  Network net;
  simulate(small_options(), &net);
  REQUIRE(!net.edges.empty());
  test::TempDir dir;
  const auto file = dir.path() / "screen.network.tsv";
  write_network_tsv(net, file);
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  CHECK(line == "regulator\ttarget\tsign\tweight");
  std::size_t i = 0;
  while (std::getline(in, line)) {
    REQUIRE(i < net.edges.size());
    const Edge& e = net.edges[i++];
    std::istringstream fields(line);
    std::string regulator, target;
    int sign = 0;
    double weight = 0.0;
    fields >> regulator >> target >> sign >> weight;
    CHECK(regulator == net.genes[e.regulator]);
    CHECK(target == net.genes[e.target]);
    CHECK(sign == (e.weight > 0 ? 1 : -1));
    CHECK(weight == Approx(std::fabs(e.weight)).epsilon(1e-5));
  }
  CHECK(i == net.edges.size());
  // Nothing but the file itself is left in the folder.
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) files += entry.is_regular_file();
  CHECK(files == 1);
  REQUIRE_THROWS_WITH(write_network_tsv(net, dir.path() / "missing" / "x.tsv"), Contains("missing"));
}

TEST_CASE("simulate: the command writes an .h5ad that anndata reads, and the network beside it", "[simulate]") {
  if (!simulate_registered()) {
    WARN("`trellis simulate` is not registered in this binary: skipping the command-line test");
    return;
  }
  test::TempDir dir;
  const auto out = dir.path() / "screen.h5ad";
  // An empty TRELLIS_DATA_DIR: synthetic names and the log-normal baseline.
  const auto result = test::run_trellis("simulate --cells 400 --genes 100 --perturbations 6 --combos 3 --seed 4 --out " +
                                            out.string(),
                                        "TRELLIS_DATA_DIR=");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  REQUIRE(std::filesystem::exists(out));
  const auto network = dir.path() / "screen.network.tsv";
  REQUIRE(std::filesystem::exists(network));
  std::ifstream in(network);
  std::string header;
  std::getline(in, header);
  CHECK(header == "regulator\ttarget\tsign\tweight");

  // The same options through the library give the same counts.
  SimulationOptions o;
  o.cells = 400;
  o.genes = 100;
  o.perturbations = 6;
  o.combos = 3;
  o.seed = 4;
  const sdk::AnnData expected = simulate(o);
  double total = 0.0;
  for (float v : expected.X.values) total += v;

  if (std::system("/usr/bin/python3 -c 'import anndata' >/dev/null 2>&1") != 0) {
    WARN("/usr/bin/python3 cannot import anndata: skipping the interoperability check");
    return;
  }
  const auto script = dir.write("check.py", R"(import sys, anndata
a = anndata.read_h5ad(sys.argv[1])
c = a.obs["condition"].astype(str)
print(a.n_obs, a.n_vars, int(round(float(a.X.sum()))), (c == "ctrl").sum(), c.nunique(),
      int((a.X.sum(axis=1).A1 == a.obs["n_counts"].values).all()), a.var["biotype"].iloc[0],
      a.obs["perturbation_type"].iloc[0], a.uns["simulation"]["seed"])
)");
  const auto printed = dir.path() / "printed.txt";
  REQUIRE(std::system(("/usr/bin/python3 " + script.string() + " " + out.string() + " > " + printed.string() +
                       " 2>&1").c_str()) == 0);
  std::ifstream text(printed);
  long long cells = 0, genes = 0, sum = 0, control = 0, conditions = 0, totals_match = 0, seed = -1;
  std::string biotype, type;
  text >> cells >> genes >> sum >> control >> conditions >> totals_match >> biotype >> type >> seed;
  CHECK(cells == 400);
  CHECK(genes == 100);
  CHECK(sum == std::llround(total));
  CHECK(control == 60);  // round(400 * 0.15)
  CHECK(conditions == 1 + 6 + 3);
  CHECK(totals_match == 1);
  CHECK(biotype == expected.var.column("biotype", "var").text(0));
  CHECK(type == "knockdown");
  CHECK(seed == 4);
}

TEST_CASE("simulate: the command refuses bad options with a clear message", "[simulate]") {
  if (!simulate_registered()) {
    WARN("`trellis simulate` is not registered in this binary: skipping the command-line test");
    return;
  }
  test::TempDir dir;
  auto result = test::run_trellis("simulate --cells 100 --genes 50 --perturbations 4 --combos 7 --out " +
                                  (dir.path() / "x.h5ad").string());
  CHECK(result.exit_code != 0);
  CHECK_THAT(result.output, Contains("combos = 7 is impossible: 4 perturbation targets make only 6 distinct pairs"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "x.h5ad"));
  result = test::run_trellis("simulate --cells 100 --genes 50 --perturbations 4 --combos 1 --out " +
                             (dir.path() / "x.txt").string());
  CHECK(result.exit_code != 0);
  CHECK_THAT(result.output, Contains("must end in .h5ad"));
  result = test::run_trellis("simulate --cells 0 --genes 50 --out " + (dir.path() / "x.h5ad").string());
  CHECK(result.exit_code != 0);
  CHECK_THAT(result.output, Contains("cells = 0; give at least 1 (--cells)"));
}

TEST_CASE("simulate: doubles are additive in log scale unless flagged non-additive", "[simulate]") {
  SimulationOptions o;
  o.cells = 12000;
  o.genes = 300;
  o.perturbations = 10;
  o.combos = 20;
  o.control_fraction = 0.1;
  o.unmeasured_fraction = 0.0;
  o.regulator_target_fraction = 1.0;
  o.network.regulator_fraction = 0.1;
  o.network.weight_min = 0.6;
  o.network.weight_max = 0.8;
  o.fold_min = o.fold_max = 0.1;
  o.interaction_fraction = 0.5;
  o.interaction_strength_min = o.interaction_strength_max = 1.0;  // synergy doubles, buffering cancels
  o.seed = 19;
  Network net;
  const sdk::AnnData data = simulate(o, &net);
  const auto groups = cells_by_condition(data);
  const auto& control = groups.at("ctrl");
  std::size_t additive_checked = 0, interaction_checked = 0, flagged = 0;
  for (const ComboTruth& combo : net.combos) {
    flagged += combo.non_additive;
    std::vector<double> u(net.genes.size(), 0.0);
    u[combo.first] = u[combo.second] = std::log(0.1);
    const std::vector<double> y_add = iterate_steady_state(net, u);
    std::string a = net.genes[combo.first], b = net.genes[combo.second];
    if (b < a) std::swap(a, b);
    const auto& cells = groups.at(a + "+" + b);
    for (std::size_t g = 0; g < net.measured; ++g) {
      if (static_cast<std::int32_t>(g) == combo.first || static_cast<std::int32_t>(g) == combo.second) continue;
      const bool interacts = std::find(combo.genes.begin(), combo.genes.end(), static_cast<std::int32_t>(g)) != combo.genes.end();
      const double expected = interacts ? (1.0 + combo.strength) * y_add[g] : y_add[g];
      const double r = net.relative_expression[g];
      const double se = std::sqrt(std::pow(log_mean_se(r, net.size[g], o, control.size()), 2) +
                                  std::pow(log_mean_se(r * std::exp(expected), net.size[g], o, cells.size()), 2));
      // Only where the additive and the interaction predictions are far apart.
      if (std::fabs(y_add[g]) < 8.0 * se) continue;
      const std::vector<double> x = column(data.X, static_cast<std::int32_t>(g));
      const double observed = std::log(mean_of(x, cells) / mean_of(x, control));
      INFO(a << "+" << b << " gene " << net.genes[g] << (interacts ? " (interaction " + combo.interaction + ")" : "")
             << ": additive " << y_add[g] << ", expected " << expected << ", observed " << observed << ", se " << se);
      CHECK(std::fabs(observed - expected) < 5.0 * se);
      (interacts ? interaction_checked : additive_checked) += 1;
    }
  }
  CHECK(flagged == 10);
  CHECK(additive_checked >= 5);
  CHECK(interaction_checked >= 3);
}

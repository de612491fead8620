// The network/* components (plugins/network) on the real Norman19 screen:
// co-expression scores against correlations computed here directly from
// the cells (a second method), test conditions left out, the random
// baseline's shape.
#include "catch.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include <ATen/ATen.h>

#include "plugin_support.hpp"
#include "support.hpp"
#include "trellis/sdk/network.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/sdk/stats.hpp"

using namespace trellis;
using Catch::Contains;
using Catch::Matchers::WithinAbs;

namespace {

// Control, training (every other perturbed condition) and validation
// (one) conditions; the rest play the test set and must never be read.
sdk::FitContext norman_context(const std::filesystem::path& data, std::vector<std::int64_t>& held_out) {
  const auto& screen = test::norman19_annotated(data).data->screen;
  sdk::FitContext context;
  context.genes = screen.genes;
  context.screen = &screen;
  context.seed = 5;
  std::int64_t perturbed = 0;
  for (std::size_t c = 0; c < screen.conditions.size(); ++c) {
    if (screen.conditions[c].is_control()) continue;
    const auto i = static_cast<std::int64_t>(c);
    if (perturbed == 1) context.val_conditions.push_back(i);
    else if (perturbed % 2 == 0) context.train_conditions.push_back(i);
    else held_out.push_back(i);
    ++perturbed;
  }
  return context;
}

// Expression of `gene` over the cells of the control, training and
// validation conditions, read cell by cell.
std::vector<double> column(const sdk::FitContext& context, const std::string& gene) {
  const sdk::Screen& screen = *context.screen;
  std::int64_t column = -1;
  const auto& measured = context.genes->measured();
  for (std::size_t j = 0; j < measured.size(); ++j)
    if (context.genes->at(measured[j]).symbol == gene) column = static_cast<std::int64_t>(j);
  REQUIRE(column >= 0);
  std::vector<double> out;
  for (std::int64_t cell = 0; cell < screen.num_cells(); ++cell) {
    const std::int64_t c = screen.cell_condition[cell].item<std::int64_t>();
    const bool used = screen.conditions[static_cast<std::size_t>(c)].is_control() ||
                      std::count(context.train_conditions.begin(), context.train_conditions.end(), c) ||
                      std::count(context.val_conditions.begin(), context.val_conditions.end(), c);
    if (used) out.push_back(screen.dense_rows(at::tensor(std::vector<std::int64_t>{cell}, at::kLong))[0][column].item<double>());
  }
  return out;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n, my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);
}

// Mean ranks (1-based) by counting: rank = #smaller + (#equal + 1) / 2.
std::vector<double> ranks(const std::vector<double>& x) {
  std::vector<double> sorted = x;
  std::sort(sorted.begin(), sorted.end());
  std::vector<double> out;
  for (const double v : x) {
    const auto lo = std::lower_bound(sorted.begin(), sorted.end(), v) - sorted.begin();
    const auto hi = std::upper_bound(sorted.begin(), sorted.end(), v) - sorted.begin();
    out.push_back(static_cast<double>(lo) + static_cast<double>(hi - lo + 1) / 2.0);
  }
  return out;
}

double score_of(const sdk::ScoredEdges& edges, const std::string& from, const std::string& to) {
  for (std::size_t e = 0; e < edges.size(); ++e)
    if (edges.regulator[e] == from && edges.target[e] == to) return edges.score[e];
  return -1;
}

std::shared_ptr<sdk::NetworkInferrer> inferrer(const std::string& name, nlohmann::json options = nlohmann::json::object()) {
  return test::build_tree_plugins().create<sdk::NetworkInferrer>(name, options, "model.network");
}

}  // namespace

TEST_CASE("network/correlation: |Pearson| and |Spearman| over control, training and validation cells",
          "[network]") {
  TRELLIS_REQUIRE_DATA(data);
  std::vector<std::int64_t> held_out;
  sdk::FitContext context = norman_context(data, held_out);
  REQUIRE(!held_out.empty());
  const auto fosl1 = column(context, "FOSL1"), hbg2 = column(context, "HBG2"), creb5 = column(context, "CREB5");

  const sdk::ScoredEdges edges = inferrer("correlation")->infer(context);
  const auto g = static_cast<std::int64_t>(context.genes->measured().size());
  CHECK(static_cast<std::int64_t>(edges.size()) == g * (g - 1));  // every ordered pair, constant genes at 0
  CHECK_THAT(score_of(edges, "FOSL1", "HBG2"), WithinAbs(std::abs(pearson(fosl1, hbg2)), 1e-9));
  CHECK_THAT(score_of(edges, "HBG2", "FOSL1"), WithinAbs(std::abs(pearson(fosl1, hbg2)), 1e-9));
  CHECK_THAT(score_of(edges, "FOSL1", "CREB5"), WithinAbs(std::abs(pearson(fosl1, creb5)), 1e-9));
  CHECK(score_of(edges, "FOSL1", "FOSL1") == -1);  // no self-loops

  const sdk::ScoredEdges ranked = inferrer("correlation", {{"method", "spearman"}})->infer(context);
  CHECK_THAT(score_of(ranked, "FOSL1", "HBG2"), WithinAbs(std::abs(pearson(ranks(fosl1), ranks(hbg2))), 1e-9));
  // Ranks differ from values: the two methods must disagree somewhere.
  CHECK(std::abs(score_of(ranked, "FOSL1", "CREB5") - score_of(edges, "FOSL1", "CREB5")) > 1e-6);

  CHECK_THROWS_WITH(inferrer("correlation", {{"method", "kendall"}}), Contains("method") && Contains("spearman"));
}

TEST_CASE("network/random: every ordered pair once, seeded", "[network]") {
  TRELLIS_REQUIRE_DATA(data);
  std::vector<std::int64_t> held_out;
  sdk::FitContext context = norman_context(data, held_out);
  const auto g = static_cast<std::int64_t>(context.genes->measured().size());
  const sdk::ScoredEdges a = inferrer("random")->infer(context), b = inferrer("random")->infer(context);
  CHECK(static_cast<std::int64_t>(a.size()) == g * (g - 1));
  CHECK(a.score == b.score);
  CHECK(a.score != inferrer("random", {{"seed", 1}})->infer(context).score);
  const sdk::ScoredEdges few = inferrer("random", {{"max_edges", 100}})->infer(context);
  CHECK(few.size() == 100);
  few.validate();
}

TEST_CASE("network/perturbation_effects: a perturbed regulator's BH-significant Welch genes, weighted by |t|",
          "[network]") {
  TRELLIS_REQUIRE_DATA(data);
  std::vector<std::int64_t> held_out;
  sdk::FitContext context = norman_context(data, held_out);
  const sdk::Screen& screen = *context.screen;
  const auto& measured = context.genes->measured();
  std::vector<std::string> genes;
  for (const auto g : measured) genes.push_back(context.genes->at(g).symbol);
  // Welch's t by hand, and BH by step-up adjusted p-values (q < 0.05).
  const auto stats = [&](std::int64_t condition) {
    const at::Tensor x = screen.dense_rows(screen.cells_of(condition)).to(at::kDouble);
    return std::make_tuple(x.mean(0), x.var(0, true), static_cast<double>(x.size(0)));
  };
  const auto g = static_cast<std::int64_t>(genes.size());
  const auto expected_targets = [&](std::int64_t condition, std::int64_t regulator) {
    const auto [mg, vg, ng] = stats(condition);
    const auto [mc, vc, nc] = stats(screen.control_of(condition));
    std::vector<double> t(static_cast<std::size_t>(g)), p(static_cast<std::size_t>(g));
    for (std::int64_t j = 0; j < g; ++j) {
      const double a = vg[j].item<double>() / ng, b = vc[j].item<double>() / nc;
      t[static_cast<std::size_t>(j)] = (mg[j].item<double>() - mc[j].item<double>()) / std::sqrt(a + b);
      p[static_cast<std::size_t>(j)] = sdk::welch_p(mg[j].item<double>(), vg[j].item<double>(), ng,
                                                    mc[j].item<double>(), vc[j].item<double>(), nc);
    }
    std::vector<std::int64_t> order(static_cast<std::size_t>(g));
    std::iota(order.begin(), order.end(), std::int64_t{0});
    std::sort(order.begin(), order.end(),
              [&](auto x, auto y) { return p[static_cast<std::size_t>(x)] < p[static_cast<std::size_t>(y)]; });
    std::vector<double> q(static_cast<std::size_t>(g));
    double running = 1.0;
    for (std::int64_t r = g - 1; r >= 0; --r) {
      const auto j = static_cast<std::size_t>(order[static_cast<std::size_t>(r)]);
      running = std::min(running, p[j] * static_cast<double>(g) / static_cast<double>(r + 1));
      q[j] = running;
    }
    std::map<std::string, double> out;
    for (std::int64_t j = 0; j < g; ++j)
      if (q[static_cast<std::size_t>(j)] < 0.05 && j != regulator && std::isfinite(t[static_cast<std::size_t>(j)]))
        out[genes[static_cast<std::size_t>(j)]] = std::abs(t[static_cast<std::size_t>(j)]);
    return out;
  };
  // The first single with DE genes (its gene measured or not), made a training condition.
  std::int64_t chosen = -1, regulator = -1;
  std::map<std::string, double> expected;
  for (std::int64_t c = 0; c < static_cast<std::int64_t>(screen.conditions.size()) && expected.empty(); ++c) {
    const auto& condition = screen.conditions[static_cast<std::size_t>(c)];
    if (condition.genes.size() != 1) continue;
    const auto it = std::find(genes.begin(), genes.end(), condition.genes.front());
    chosen = c;
    regulator = it == genes.end() ? -1 : it - genes.begin();
    expected = expected_targets(chosen, regulator);
  }
  REQUIRE(!expected.empty());
  if (std::count(context.train_conditions.begin(), context.train_conditions.end(), chosen) == 0)
    context.train_conditions.push_back(chosen);
  const std::string name = screen.conditions[static_cast<std::size_t>(chosen)].genes.front();
  context.regulators = {name};
  const sdk::ScoredEdges edges = inferrer("perturbation_effects")->infer(context);
  std::map<std::string, double> got;
  for (std::size_t e = 0; e < edges.size(); ++e) {
    CHECK(edges.regulator[e] == name);
    got[edges.target[e]] = edges.score[e];
  }
  REQUIRE(got.size() == expected.size());
  for (const auto& [gene, w] : expected) CHECK_THAT(got.at(gene), WithinAbs(w, 1e-6 * (1 + w)));

  context.regulators = {"NOT_A_GENE"};
  CHECK_THROWS_WITH(inferrer("perturbation_effects")->infer(context),
                    Contains("no fitting condition perturbs a single gene of [data] regulators"));
}

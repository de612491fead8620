// network/correlation: every ordered pair of measured genes scored by the
// absolute correlation of their expression across the cells of the control
// and of the training and validation conditions (never a test condition).
// Pearson correlates the values, Spearman their ranks (ties share the mean
// rank). Correlation is symmetric, so A -> B and B -> A score the same.
// With [data] regulators only edges leaving a regulator are listed.
// A gene constant over these cells has no correlation: its pairs score 0
// (listed, so the network always has every ordered pair).
//
// Memory: Pearson reads the cells in row blocks (a G x G double Gram matrix
// plus one block); Spearman ranks whole columns, so it densifies all the
// cells x genes at once (float).
#include <algorithm>
#include <cmath>
#include <numeric>

#include <ATen/ATen.h>

#include "network.hpp"
#include "trellis/sdk/data.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"

namespace trellis::network {

namespace {

const std::string kName = "network/correlation";
constexpr std::int64_t kRowsPerBlock = 2048;

// Ranks of each column of `x` ([n, G] double), ties at their mean rank (1-based).
at::Tensor column_ranks(const at::Tensor& x) {
  const std::int64_t n = x.size(0), g = x.size(1);
  at::Tensor ranks = at::empty({n, g}, at::kDouble);
  const at::Tensor columns = x.t().contiguous();
  const at::Tensor out = at::empty({g, n}, at::kDouble);
  const double* in = columns.data_ptr<double>();
  double* r = out.data_ptr<double>();
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t j = 0; j < g; ++j) {
    const double* col = in + j * n;
    double* rank = r + j * n;
    std::iota(order.begin(), order.end(), std::int64_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) { return col[a] < col[b]; });
    for (std::int64_t i = 0; i < n;) {
      std::int64_t k = i;
      while (k + 1 < n && col[order[static_cast<std::size_t>(k + 1)]] == col[order[static_cast<std::size_t>(i)]]) ++k;
      const double mean_rank = 0.5 * static_cast<double>(i + k) + 1.0;
      for (std::int64_t t = i; t <= k; ++t) rank[order[static_cast<std::size_t>(t)]] = mean_rank;
      i = k + 1;
    }
  }
  ranks.copy_(out.t());
  return ranks;
}

class Correlation : public sdk::NetworkInferrer {
 public:
  explicit Correlation(const sdk::Options& options) : method_(options.get_string("method")) {
    if (method_ != "pearson" && method_ != "spearman") throw options.invalid("method", "must be pearson or spearman");
  }

  sdk::ScoredEdges infer(sdk::FitContext& context) override {
    const std::vector<std::string> genes = measured_symbols(context, kName);
    const sdk::Screen& screen = *context.screen;
    const std::int64_t g = screen.num_genes();
    if (static_cast<std::int64_t>(genes.size()) != g)
      throw sdk::Error(kName + ": the gene table lists " + std::to_string(genes.size()) +
                       " measured genes but the screen has " + std::to_string(g) + " columns");
    const at::Tensor cells = fitting_cells(context, 3, kName);
    const std::int64_t n = cells.size(0);

    // Centred Gram matrix C = Xc^T Xc in double: column means first, then
    // the centred blocks (two passes, no cancellation).
    at::Tensor gram;
    if (method_ == "spearman") {
      at::Tensor x = column_ranks(screen.dense_rows(cells).to(at::kDouble));
      x.sub_(x.mean(0));
      gram = x.t().mm(x);
    } else {
      at::Tensor sum = at::zeros({g}, at::kDouble);
      for (std::int64_t r0 = 0; r0 < n; r0 += kRowsPerBlock)
        sum += screen.dense_rows(cells.slice(0, r0, std::min(n, r0 + kRowsPerBlock))).to(at::kDouble).sum(0);
      const at::Tensor mean = sum / static_cast<double>(n);
      gram = at::zeros({g, g}, at::kDouble);
      for (std::int64_t r0 = 0; r0 < n; r0 += kRowsPerBlock) {
        at::Tensor block = screen.dense_rows(cells.slice(0, r0, std::min(n, r0 + kRowsPerBlock))).to(at::kDouble);
        block.sub_(mean);
        gram.addmm_(block.t(), block);
      }
    }
    gram = gram.contiguous();
    const double* c = gram.data_ptr<double>();
    std::vector<double> norm(static_cast<std::size_t>(g));
    std::int64_t varying = 0;
    for (std::int64_t j = 0; j < g; ++j) {
      norm[static_cast<std::size_t>(j)] = std::sqrt(std::max(0.0, c[j * g + j]));
      // Relative to the gene's scale: a constant column centres to exact zeros.
      if (norm[static_cast<std::size_t>(j)] > 0) ++varying;
    }
    if (varying < 2)
      throw sdk::Error(kName + ": fewer than 2 genes vary over the " + std::to_string(n) + " fitting cells");

    sdk::ScoredEdges edges;
    const std::vector<std::int64_t> regulators = regulator_columns(context, genes);
    const auto pairs = regulators.size() * static_cast<std::size_t>(g - 1);
    edges.regulator.reserve(pairs);
    edges.target.reserve(pairs);
    edges.score.reserve(pairs);
    for (const std::int64_t i : regulators) {
      const double ni = norm[static_cast<std::size_t>(i)];
      for (std::int64_t j = 0; j < g; ++j) {
        const double nj = norm[static_cast<std::size_t>(j)];
        if (j == i) continue;
        edges.regulator.push_back(genes[static_cast<std::size_t>(i)]);
        edges.target.push_back(genes[static_cast<std::size_t>(j)]);
        edges.score.push_back(ni > 0 && nj > 0 ? std::min(1.0, std::abs(c[i * g + j]) / (ni * nj)) : 0.0);
      }
    }
    sdk::log_info(kName + ": |" + method_ + " r| over " + std::to_string(n) + " control, training and validation cells: " +
                  std::to_string(edges.size()) + " edges; " + std::to_string(varying) + " of " + std::to_string(g) +
                  " genes vary");
    return edges;
  }

 private:
  std::string method_;
};

}  // namespace

sdk::OptionSchema correlation_options() {
  sdk::OptionSchema s;
  s.add("method", "pearson", "pearson (values) or spearman (ranks; densifies all fitting cells at once)");
  return s;
}

std::shared_ptr<sdk::NetworkInferrer> make_correlation(const sdk::Options& options) {
  return std::make_shared<Correlation>(options);
}

}  // namespace trellis::network

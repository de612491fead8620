// graph/coexpression: the GEARS co-expression graph (METHODS.md): |Pearson r|
// between measured genes over the cells of the training conditions that
// perturb exactly one gene, plus the control cells. Combinations and
// validation/test conditions never contribute (GEARS takes the training
// conditions whose name contains "ctrl": singles and control). Per gene, its
// top-k partners with |r| > threshold become edges partner -> gene, weight
// |r| (GEARS keeps the k + 1 largest per target, the gene itself included;
// self-loops are left to the graph layers here). Genes with zero variance
// over these cells have no edges.
//
// Sparse screens (a few dozen detected genes per cell) can leave no pair
// above the threshold: GEARS then has an empty graph and fails. With
// `fallback` (the default) each gene keeps its k most correlated partners
// (any |r| > 0) instead, with a warning that names the largest |r|.
//
// Memory. The screen is sparse CSR; only blocks of rows are densified
// (at most kBlockFloats floats at a time), centred in place by the column
// means and multiplied into a Gram accumulator C = Xc^T Xc (addmm, no
// temporaries). C is float32: the data are centred first, so there is no
// cancellation, and the few block sums add with ~1e-7 relative error (the
// tests agree with numpy to 1e-5); the diagonal (sums of squares) and r are
// computed in double. For G measured genes C is G x W with W = G while
// G x G floats fit in kAccumulatorBytes (128 MB: G up to ~5,800); beyond
// that C is built in column blocks of W genes, one pass over the cells per
// block, so memory stays bounded (20,000 genes: 12 passes of 20,000 x
// 1,677). The multiplications are the same in total; extra passes only
// re-densify the rows. Peak: C plus one dense row block (128 MB each).
#include <algorithm>
#include <cmath>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "graphs.hpp"
#include "top_k.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"

namespace trellis::graphs {

namespace {

constexpr std::int64_t kBlockFloats = std::int64_t{1} << 25;       // 128 MB dense row block
constexpr std::int64_t kAccumulatorBytes = std::int64_t{1} << 27;  // 128 MB Gram accumulator
constexpr std::int64_t kMaxRowsPerBlock = 4096;

class Coexpression : public sdk::GraphConstructor {
 public:
  explicit Coexpression(const sdk::Options& options)
      : threshold_(options.get_double("threshold")),
        k_(options.get_int("k")),
        block_genes_(options.get_int("block_genes")),
        fallback_(options.get_bool("fallback")) {}

  sdk::Graph build(const sdk::BuildContext& context) override {
    const sdk::Screen& screen = context.require_screen("graph/coexpression");
    const sdk::GeneTable& genes = context.gene_table();
    const std::int64_t g = screen.num_genes();
    if (k_ > g - 1)
      throw sdk::Error("k = " + std::to_string(k_) + " but the screen measures only " +
                       std::to_string(g) + " genes (at most " + std::to_string(std::max<std::int64_t>(g - 1, 0)) +
                       " partners each); lower k");
    if (static_cast<std::int64_t>(genes.measured().size()) != g)
      throw sdk::Error("the gene table lists " + std::to_string(genes.measured().size()) +
                       " measured genes but the screen has " + std::to_string(g) + " columns");

    const at::Tensor cells = allowed_cells(screen, context.train_conditions);
    const std::int64_t n = cells.size(0);
    if (n < 2)
      throw sdk::Error("the co-expression graph needs at least 2 training single-perturbation or control "
                       "cells, found " + std::to_string(n));

    // Column means and which genes vary, from the CSR directly.
    std::vector<double> sum(static_cast<std::size_t>(g), 0.0);
    std::vector<std::int64_t> stored(static_cast<std::size_t>(g), 0);
    std::vector<float> low(static_cast<std::size_t>(g), 0.f), high(static_cast<std::size_t>(g), 0.f);
    {
      const auto* ptr = screen.indptr.data_ptr<std::int64_t>();
      const auto* idx = screen.indices.data_ptr<std::int32_t>();
      const auto* val = screen.values.data_ptr<float>();
      const auto* cell = cells.data_ptr<std::int64_t>();
      for (std::int64_t r = 0; r < n; ++r)
        for (std::int64_t e = ptr[cell[r]]; e < ptr[cell[r] + 1]; ++e) {
          const auto j = static_cast<std::size_t>(idx[e]);
          sum[j] += val[e];
          if (stored[j]++ == 0) {
            low[j] = high[j] = val[e];
          } else {
            low[j] = std::min(low[j], val[e]);
            high[j] = std::max(high[j], val[e]);
          }
        }
    }
    std::vector<bool> varies(static_cast<std::size_t>(g));
    at::Tensor mean = at::empty({g}, at::kFloat);
    for (std::int64_t j = 0; j < g; ++j) {
      const auto u = static_cast<std::size_t>(j);
      mean.data_ptr<float>()[j] = static_cast<float>(sum[u] / static_cast<double>(n));
      const float lo = stored[u] < n ? std::min(low[u], 0.f) : low[u];
      const float hi = stored[u] < n ? std::max(high[u], 0.f) : high[u];
      varies[u] = stored[u] > 0 && lo != hi;
    }
    // Sum of squares of each centred column (the Gram diagonal), in double
    // from the CSR: stored values plus the implicit zeros.
    std::vector<double> diagonal(static_cast<std::size_t>(g), 0.0);
    {
      const auto* ptr = screen.indptr.data_ptr<std::int64_t>();
      const auto* idx = screen.indices.data_ptr<std::int32_t>();
      const auto* val = screen.values.data_ptr<float>();
      const auto* cell = cells.data_ptr<std::int64_t>();
      const float* mu = mean.data_ptr<float>();
      for (std::int64_t r = 0; r < n; ++r)
        for (std::int64_t e = ptr[cell[r]]; e < ptr[cell[r] + 1]; ++e) {
          const double x = static_cast<double>(val[e]) - mu[idx[e]];
          diagonal[static_cast<std::size_t>(idx[e])] += x * x;
        }
      for (std::int64_t j = 0; j < g; ++j) {
        const auto u = static_cast<std::size_t>(j);
        diagonal[u] += static_cast<double>(n - stored[u]) * static_cast<double>(mu[j]) * mu[j];
      }
    }

    const std::int64_t width =
        std::clamp<std::int64_t>(block_genes_ > 0 ? block_genes_ : kAccumulatorBytes / (4 * g), 1, g);
    const std::int64_t rows = std::clamp<std::int64_t>(kBlockFloats / g, 1, kMaxRowsPerBlock);
    std::vector<std::vector<Scored>> neighbours(static_cast<std::size_t>(g));
    std::vector<std::vector<Scored>> fallback(fallback_ ? neighbours.size() : 0);
    // Largest |r| between two different genes per gene, for the error message.
    std::vector<double> largest(static_cast<std::size_t>(g), 0.0);
    for (std::int64_t c0 = 0; c0 < g; c0 += width) {
      const std::int64_t c1 = std::min(g, c0 + width);
      // Rows of C for the genes of this block (C is symmetric), so each
      // gene's correlations are contiguous.
      at::Tensor gram = at::zeros({c1 - c0, g}, at::kFloat);
      for (std::int64_t r0 = 0; r0 < n; r0 += rows) {
        at::Tensor block = screen.dense_rows(cells.slice(0, r0, std::min(n, r0 + rows)));
        block.sub_(mean);
        gram.addmm_(block.slice(1, c0, c1).t(), block);
      }
      const double* d = diagonal.data();
      const float* m = gram.data_ptr<float>();
      // Each gene j of this block takes its top k partners from its row.
      at::parallel_for(c0, c1, 16, [&](std::int64_t begin, std::int64_t end) {
        std::vector<Scored> candidates;
        for (std::int64_t j = begin; j < end; ++j) {
          const auto u = static_cast<std::size_t>(j);
          if (!varies[u]) continue;
          const float* row = m + (j - c0) * g;
          candidates.clear();
          for (std::int64_t i = 0; i < g; ++i) {
            if (i == j || !varies[static_cast<std::size_t>(i)]) continue;
            const double r = std::min(1.0, std::abs(static_cast<double>(row[i])) / std::sqrt(d[i] * d[j]));
            largest[u] = std::max(largest[u], r);
            if (r > 0) candidates.push_back({i, r});
          }
          // The k strongest at any |r| > 0 wait in case nothing passes the threshold.
          if (fallback_) {
            fallback[u] = candidates;
            keep_top_k(fallback[u], k_, 0.0);
          }
          keep_top_k(candidates, k_, threshold_);
          neighbours[u].assign(candidates.begin(), candidates.end());
        }
      });
    }

    sdk::Graph graph = graph_from_neighbours("coexpression", genes.size(), neighbours, genes.measured());
    const std::string none_above = "no pair of genes has |Pearson r| above the threshold " + format_number(threshold_) +
                                   " (the largest |r| is " +
                                   format_number(*std::max_element(largest.begin(), largest.end())) + " over " +
                                   std::to_string(n) + " cells)";
    if (graph.num_edges() == 0 && fallback_) {
      graph = graph_from_neighbours("coexpression", genes.size(), fallback, genes.measured());
      sdk::log_warning("graph/coexpression: " + none_above + ", as in sparse screens; each gene keeps its " +
                       std::to_string(k_) + " most correlated partners instead (set a lower threshold to choose, or "
                       "fallback = false to make this an error)");
    }
    if (graph.num_edges() == 0)
      throw sdk::Error(none_above + "; lower threshold" + (fallback_ ? "" : " or set fallback = true"));
    sdk::log_info("graph/coexpression: " + std::to_string(graph.num_edges()) + " edges over " + std::to_string(g) +
                  " measured genes from " + std::to_string(n) + " training single and control cells");
    return graph;
  }

 private:
  /// Cells of the control and of the training conditions with exactly one
  /// perturbed gene, in increasing order.
  static at::Tensor allowed_cells(const sdk::Screen& screen, const std::vector<std::int64_t>& train) {
    std::vector<bool> allowed(screen.conditions.size(), false);
    for (std::size_t c = 0; c < screen.conditions.size(); ++c)
      if (screen.conditions[c].is_control()) allowed[c] = true;
    for (const auto c : train) {
      if (c < 0 || c >= static_cast<std::int64_t>(screen.conditions.size()))
        throw sdk::Error("training condition index " + std::to_string(c) + " is out of range");
      if (screen.conditions[static_cast<std::size_t>(c)].genes.size() == 1) allowed[static_cast<std::size_t>(c)] = true;
    }
    const at::Tensor condition = screen.cell_condition.contiguous();
    const auto* cc = condition.data_ptr<std::int64_t>();
    std::vector<std::int64_t> out;
    for (std::int64_t i = 0; i < condition.size(0); ++i)
      if (allowed[static_cast<std::size_t>(cc[i])]) out.push_back(i);
    return at::tensor(out, at::kLong);
  }

  double threshold_;
  std::int64_t k_;
  std::int64_t block_genes_;
  bool fallback_;
};

}  // namespace

sdk::OptionSchema coexpression_options() {
  sdk::OptionSchema s;
  s.add("threshold", 0.4, "keep pairs with |Pearson r| > threshold").min(0).less_than(1);
  s.add("k", std::int64_t{20}, "partners kept per gene (the most correlated)").min(1);
  s.add("block_genes", std::int64_t{0},
        "genes per column block of the correlation matrix (one pass over the cells each); 0 chooses it "
        "from a 128 MB budget")
      .min(0);
  s.add("fallback", true,
        "when no pair passes the threshold (sparse screens), keep each gene's k most correlated partners with a "
        "warning instead of failing");
  return s;
}

std::shared_ptr<sdk::GraphConstructor> make_coexpression(const sdk::Options& options) {
  return std::make_shared<Coexpression>(options);
}

}  // namespace trellis::graphs

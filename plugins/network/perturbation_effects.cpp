// network/perturbation_effects: a network read off a CRISPR screen. Every
// single-gene perturbation among the fitting conditions (of a gene in [data]
// regulators, when given; the gene need not be measured) is tested against its
// context's control, gene by gene (Welch's t, as the host's DE); the genes
// significant at Benjamini-Hochberg FDR < `fdr` are the regulator's
// predicted targets, weighted by |t|. The perturbed gene itself is not its
// own target. A regulator perturbed in several contexts keeps each target
// at its largest |t|. Direct and indirect effects are not told apart: a
// target may sit several steps downstream.
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include <ATen/ATen.h>

#include "network.hpp"
#include "trellis/sdk/data.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/stats.hpp"

namespace trellis::network {

namespace {

const std::string kName = "network/perturbation_effects";

struct Moments {
  at::Tensor mean, var;  // [genes] float64, variance with ddof = 1
  double n = 0;
};

Moments moments(const sdk::Screen& screen, std::int64_t condition) {
  const at::Tensor x = screen.dense_rows(screen.cells_of(condition)).to(at::kDouble);
  return {x.mean(0).contiguous(), x.size(0) > 1 ? x.var(0, /*unbiased=*/true).contiguous() : at::zeros({x.size(1)}, at::kDouble),
          static_cast<double>(x.size(0))};
}

class PerturbationEffects : public sdk::NetworkInferrer {
 public:
  explicit PerturbationEffects(const sdk::Options& o) : fdr_(o.get_double("fdr")), min_cells_(o.get_int("min_cells")) {}

  sdk::ScoredEdges infer(sdk::FitContext& context) override {
    if (!context.screen) throw sdk::Error(kName + ": the fit context has no screen");
    const sdk::Screen& screen = *context.screen;
    const std::vector<std::string> genes = measured_symbols(context, kName);
    std::map<std::string, std::int64_t> column;  // measured gene -> column
    for (std::size_t j = 0; j < genes.size(); ++j) column.emplace(genes[j], static_cast<std::int64_t>(j));
    const std::set<std::string> allowed(context.regulators.begin(), context.regulators.end());
    const auto g = static_cast<std::int64_t>(genes.size());
    std::map<std::pair<std::string, std::int64_t>, double> best;  // (regulator, target column) -> |t|
    std::map<std::int64_t, Moments> controls;
    std::int64_t tested = 0;
    for (const auto* list : {&context.train_conditions, &context.val_conditions})
      for (const std::int64_t c : *list) {
        const sdk::Condition& condition = screen.conditions[static_cast<std::size_t>(c)];
        if (condition.genes.size() != 1) continue;
        const std::string& regulator = condition.genes.front();
        if (!allowed.empty() && !allowed.count(regulator)) continue;
        const auto measured = column.find(regulator);
        const std::int64_t self = measured == column.end() ? -1 : measured->second;
        const Moments perturbed = moments(screen, c);
        if (perturbed.n < static_cast<double>(min_cells_)) continue;
        const std::int64_t control = screen.control_of(c);
        if (!controls.count(control)) controls.emplace(control, moments(screen, control));
        const Moments& base = controls.at(control);
        const double* mg = perturbed.mean.data_ptr<double>();
        const double* vg = perturbed.var.data_ptr<double>();
        const double* mc = base.mean.data_ptr<double>();
        const double* vc = base.var.data_ptr<double>();
        std::vector<double> t(static_cast<std::size_t>(g)), p(static_cast<std::size_t>(g));
        for (std::int64_t j = 0; j < g; ++j) {
          t[static_cast<std::size_t>(j)] = sdk::welch_t(mg[j], vg[j], perturbed.n, mc[j], vc[j], base.n);
          p[static_cast<std::size_t>(j)] = sdk::welch_p(mg[j], vg[j], perturbed.n, mc[j], vc[j], base.n);
        }
        // The significant genes are the k smallest p-values.
        const std::int64_t k = sdk::benjamini_hochberg_count(p, fdr_);
        std::vector<std::int64_t> order(static_cast<std::size_t>(g));
        std::iota(order.begin(), order.end(), std::int64_t{0});
        std::stable_sort(order.begin(), order.end(),
                         [&](std::int64_t a, std::int64_t b) { return p[static_cast<std::size_t>(a)] < p[static_cast<std::size_t>(b)]; });
        for (std::int64_t r = 0; r < k; ++r) {
          const std::int64_t target = order[static_cast<std::size_t>(r)];
          if (target == self) continue;
          double& w = best[{regulator, target}];
          w = std::max(w, std::abs(t[static_cast<std::size_t>(target)]));
        }
        ++tested;
      }
    if (tested == 0)
      throw sdk::Error(kName + ": no fitting condition perturbs a single gene" +
                       (context.regulators.empty() ? std::string() : " of [data] regulators") +
                       " with at least " + std::to_string(min_cells_) +
                       " cells; the network needs perturbed regulators (use [split] type = \"none\" to fit on all)");
    sdk::ScoredEdges edges;
    for (const auto& [pair, w] : best) {
      edges.regulator.push_back(pair.first);
      edges.target.push_back(genes[static_cast<std::size_t>(pair.second)]);
      edges.score.push_back(std::isfinite(w) ? w : 1e300);  // no variance, different means: the strongest
    }
    sdk::log_info(kName + ": " + std::to_string(tested) + " perturbed regulators tested, " +
                  std::to_string(edges.size()) + " significant regulator -> target edges (BH FDR < " +
                  std::to_string(fdr_) + ")");
    return edges;
  }

 private:
  double fdr_;
  std::int64_t min_cells_;
};

}  // namespace

sdk::OptionSchema perturbation_effects_options() {
  sdk::OptionSchema s;
  s.add("fdr", 0.05, "Benjamini-Hochberg false discovery rate of a target").min(0.0).max(1.0);
  s.add("min_cells", std::int64_t{2}, "perturbations with fewer cells are not tested").min(2);
  return s;
}

std::shared_ptr<sdk::NetworkInferrer> make_perturbation_effects(const sdk::Options& options) {
  return std::make_shared<PerturbationEffects>(options);
}

}  // namespace trellis::network

// network/pidc: partial information decomposition and context (Chan,
// Stumpf & Babtie 2017), as NetworkInference.jl computes it and BEELINE
// runs it. Each gene is discretised (Bayesian blocks by default); for each
// pair, mutual information I(x;z) and the specific information of x about
// each state of z; for each triple, the redundancy of two genes about the
// third (minimum specific information) turns into the proportional unique
// contribution (I(x;z) - R) / I(x;z), summed over third genes in both
// directions (PUC). The context step scores a pair by the sum of the two
// genes' gamma CDFs of its PUC (each gene's gamma fitted to its PUCs with
// all others); when either fit fails (a PUC of 0, e.g. next to a constant
// gene), by CLR's sqrt(z_x^2 + z_y^2) of the positive z-scores, as the
// reference does. Logarithms base 2; 0 log 0 = 0. Unique information
// below 0 (rounding) counts as 0. The network is undirected: both
// directions get the pair's score. Cost: O(G^3 bins) time, O(G^2 bins)
// memory, so it suits the few hundred to thousand genes BEELINE selects.
#include <algorithm>
#include <cmath>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "discretise.hpp"
#include "gamma_fit.hpp"
#include "network.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"

namespace trellis::network {

namespace {

const std::string kName = "network/pidc";

// Per ordered pair (source x, target z): I(x;z) and, per state b of z, the
// specific information SI_x(b) = sum_a p(a|b) log2(p(a,b) / (p(a) p(b))).
struct Information {
  std::int64_t genes = 0;
  std::vector<double> mi;               // [z * G + x]
  std::vector<std::int64_t> offset;     // start of target z's block in `si`
  std::vector<double> si;               // block z: [x * bins_z + b]
  std::vector<std::vector<double>> p;   // each gene's state probabilities
};

Information information(const std::vector<Binned>& binned, std::int64_t cells) {
  Information info;
  const auto g = static_cast<std::int64_t>(binned.size());
  info.genes = g;
  info.mi.assign(static_cast<std::size_t>(g * g), 0.0);
  info.offset.resize(static_cast<std::size_t>(g) + 1, 0);
  for (std::int64_t z = 0; z < g; ++z)
    info.offset[static_cast<std::size_t>(z) + 1] =
        info.offset[static_cast<std::size_t>(z)] + g * binned[static_cast<std::size_t>(z)].bins;
  info.si.assign(static_cast<std::size_t>(info.offset.back()), 0.0);
  const double n = static_cast<double>(cells);
  for (const Binned& b : binned) {
    std::vector<double> p(static_cast<std::size_t>(b.bins), 0.0);
    for (const std::int32_t v : b.bin) p[static_cast<std::size_t>(v)] += 1 / n;
    info.p.push_back(std::move(p));
  }
  at::parallel_for(0, g, 1, [&](std::int64_t begin, std::int64_t end) {
    std::vector<double> joint;
    for (std::int64_t x = begin; x < end; ++x) {
      const Binned& bx = binned[static_cast<std::size_t>(x)];
      const auto& px = info.p[static_cast<std::size_t>(x)];
      for (std::int64_t z = 0; z < g; ++z) {
        if (z == x) continue;
        const Binned& bz = binned[static_cast<std::size_t>(z)];
        const auto& pz = info.p[static_cast<std::size_t>(z)];
        joint.assign(static_cast<std::size_t>(bx.bins * bz.bins), 0.0);
        for (std::int64_t c = 0; c < cells; ++c)
          joint[static_cast<std::size_t>(bx.bin[static_cast<std::size_t>(c)] * bz.bins +
                                         bz.bin[static_cast<std::size_t>(c)])] += 1 / n;
        double mi = 0;
        double* si = info.si.data() + info.offset[static_cast<std::size_t>(z)] + x * bz.bins;
        for (std::int32_t a = 0; a < bx.bins; ++a)
          for (std::int32_t b = 0; b < bz.bins; ++b) {
            const double pab = joint[static_cast<std::size_t>(a * bz.bins + b)];
            if (pab <= 0) continue;
            const double term = std::log2(pab / (px[static_cast<std::size_t>(a)] * pz[static_cast<std::size_t>(b)]));
            mi += pab * term;
            si[b] += pab / pz[static_cast<std::size_t>(b)] * term;
          }
        info.mi[static_cast<std::size_t>(z * g + x)] = mi;
      }
    }
  });
  return info;
}

// PUC(x, z) = sum over third genes y of u_z(x; y) + u_x(z; y), with
// u_t(s; y) = (I(s;t) - R_t(s, y)) / I(s;t), from each target's redundancies.
std::vector<double> puc_scores(const Information& info) {
  const std::int64_t g = info.genes;
  std::vector<double> unique(static_cast<std::size_t>(g * g), 0.0);  // [t * G + s]: sum of u_t(s; .)
  at::parallel_for(0, g, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t t = begin; t < end; ++t) {
      const auto& pt = info.p[static_cast<std::size_t>(t)];
      const auto bins = static_cast<std::int64_t>(pt.size());
      const double* si = info.si.data() + info.offset[static_cast<std::size_t>(t)];
      const double* mi = info.mi.data() + t * g;
      double* u = unique.data() + t * g;
      const auto share = [](double mutual, double redundancy) {
        const double v = (mutual - redundancy) / mutual;
        return std::isfinite(v) && v > 0 ? v : 0.0;
      };
      for (std::int64_t a = 0; a < g; ++a) {
        if (a == t) continue;
        for (std::int64_t b = a + 1; b < g; ++b) {
          if (b == t) continue;
          double redundancy = 0;
          for (std::int64_t s = 0; s < bins; ++s)
            redundancy += pt[static_cast<std::size_t>(s)] * std::min(si[a * bins + s], si[b * bins + s]);
          u[a] += share(mi[a], redundancy);
          u[b] += share(mi[b], redundancy);
        }
      }
    }
  });
  std::vector<double> puc(static_cast<std::size_t>(g * g), 0.0);
  for (std::int64_t x = 0; x < g; ++x)
    for (std::int64_t z = 0; z < g; ++z)
      if (x != z) puc[static_cast<std::size_t>(x * g + z)] = unique[static_cast<std::size_t>(z * g + x)] +
                                                               unique[static_cast<std::size_t>(x * g + z)];
  return puc;
}

class Pidc : public sdk::NetworkInferrer {
 public:
  explicit Pidc(const sdk::Options& options)
      : discretiser_(options.get_string("discretiser")), bins_(static_cast<std::int32_t>(options.get_int("bins"))) {}

  sdk::ScoredEdges infer(sdk::FitContext& context) override {
    const std::vector<std::string> genes = measured_symbols(context, kName);
    const at::Tensor x = fitting_expression(context, 3, kName);
    const std::int64_t n = x.size(0), g = x.size(1);
    sdk::log_info(kName + ": discretising " + std::to_string(g) + " genes over " + std::to_string(n) + " cells (" +
                  discretiser_ + ")");
    const at::Tensor columns = x.t().to(at::kDouble).contiguous();
    std::vector<Binned> binned(static_cast<std::size_t>(g));
    at::parallel_for(0, g, 1, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t j = begin; j < end; ++j) {
        const double* col = columns.data_ptr<double>() + j * n;
        const std::vector<double> values(col, col + n);
        binned[static_cast<std::size_t>(j)] =
            discretiser_ == "bayesian_blocks" ? bayesian_blocks(values) : equal_frequency(values, bins_);
      }
    });
    sdk::log_info(kName + ": mutual and specific information of " + std::to_string(g * (g - 1)) + " gene pairs");
    const Information info = information(binned, n);
    sdk::log_info(kName + ": redundancies of " + std::to_string(g * (g - 1) * (g - 2) / 2) + " triples");
    const std::vector<double> puc = puc_scores(info);

    // Context: each gene's gamma over its PUCs with the others.
    std::vector<std::optional<Gamma>> fits(static_cast<std::size_t>(g));
    std::vector<double> mean(static_cast<std::size_t>(g)), variance(static_cast<std::size_t>(g));
    std::int64_t failed = 0;
    for (std::int64_t i = 0; i < g; ++i) {
      std::vector<double> scores;
      for (std::int64_t j = 0; j < g; ++j)
        if (j != i) scores.push_back(puc[static_cast<std::size_t>(i * g + j)]);
      fits[static_cast<std::size_t>(i)] = fit_gamma(scores);
      failed += !fits[static_cast<std::size_t>(i)];
      double m = 0, v = 0;
      for (const double s : scores) m += s / static_cast<double>(scores.size());
      for (const double s : scores) v += (s - m) * (s - m) / static_cast<double>(scores.size() - 1);
      mean[static_cast<std::size_t>(i)] = m;
      variance[static_cast<std::size_t>(i)] = v;
    }
    const auto clr = [&](std::int64_t i, double s) {
      const double d = s - mean[static_cast<std::size_t>(i)], v = variance[static_cast<std::size_t>(i)];
      return v == 0 || d < 0 ? 0.0 : d * d / v;
    };
    std::vector<bool> regulator(static_cast<std::size_t>(g), false);
    for (const std::int64_t j : regulator_columns(context, genes)) regulator[static_cast<std::size_t>(j)] = true;
    sdk::ScoredEdges edges;
    for (std::int64_t i = 0; i < g; ++i)
      for (std::int64_t j = i + 1; j < g; ++j) {
        const double s = puc[static_cast<std::size_t>(i * g + j)];
        const auto &fi = fits[static_cast<std::size_t>(i)], &fj = fits[static_cast<std::size_t>(j)];
        const double w = fi && fj ? fi->cdf(s) + fj->cdf(s) : std::sqrt(clr(i, s) + clr(j, s));
        for (const auto& [a, b] : {std::pair{i, j}, std::pair{j, i}}) {
          if (!regulator[static_cast<std::size_t>(a)]) continue;
          edges.regulator.push_back(genes[static_cast<std::size_t>(a)]);
          edges.target.push_back(genes[static_cast<std::size_t>(b)]);
          edges.score.push_back(w);
        }
      }
    if (failed > 0)
      sdk::log_info(kName + ": no gamma fit for " + std::to_string(failed) + " of " + std::to_string(g) +
                    " genes (a PUC of 0); their pairs are scored by CLR, as the reference does");
    return edges;
  }

 private:
  std::string discretiser_;
  std::int32_t bins_;
};

}  // namespace

sdk::OptionSchema pidc_options() {
  sdk::OptionSchema s;
  s.add("discretiser", "bayesian_blocks",
        "bayesian_blocks (BEELINE's PIDC; O(cells^2) per gene) or equal_frequency (`bins` bins by rank)")
      .choices({"bayesian_blocks", "equal_frequency"});
  s.add("bins", std::int64_t{10}, "bins per gene with equal_frequency").min(2);
  return s;
}

std::shared_ptr<sdk::NetworkInferrer> make_pidc(const sdk::Options& options) {
  return std::make_shared<Pidc>(options);
}

}  // namespace trellis::network

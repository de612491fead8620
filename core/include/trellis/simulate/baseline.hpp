#pragma once
// Per-gene negative-binomial baseline parameters of unperturbed cells.

#include <filesystem>
#include <vector>

namespace trellis::core::simulate {

class Rng;

struct Baseline {
  std::vector<double> relative_expression;  ///< share of a cell's library, > 0
  std::vector<double> size;                 ///< NB size (dispersion), > 0
};

/// `count` (relative expression, size) pairs. With a `baseline_file`
/// (columns relative_expression, expression_size, as
/// simulation/perturbplan_K562_10x_baseline.tsv.gz) pairs are drawn from its
/// rows, without replacement while rows last; without one, relative
/// expression is log-normal (log-scale sd `log_sd`, which is what the K562
/// table shows) and every size is `size`. The values are not normalised.
/// Throws trellis::sdk::Error naming the file, line and column on a value
/// that is not a positive finite number.
Baseline sample_baseline(std::size_t count, const std::filesystem::path& baseline_file, double log_sd, double size,
                         Rng& rng);

}  // namespace trellis::core::simulate

#pragma once
// Discretisation of one gene's expression into bins, for the information
// measures of network/pidc: Bayesian blocks (Scargle et al. 2013, as
// Discretizers.jl computes them for PIDC) or equal-frequency bins.

#include <cstdint>
#include <vector>

namespace trellis::network {

struct Binned {
  std::vector<std::int32_t> bin;  ///< per value, in [0, bins)
  std::int32_t bins = 1;
};

/// Bayesian blocks: the optimal partition of the sorted distinct values
/// under the blocks' log-likelihood with Discretizers.jl's prior, then each
/// value in the block whose edges hold it (the last edge closed). A constant
/// input is one bin.
Binned bayesian_blocks(const std::vector<double>& x);

/// `bins` bins of (about) equal counts by rank; equal values share a bin.
Binned equal_frequency(const std::vector<double>& x, std::int32_t bins);

}  // namespace trellis::network

#pragma once
// scBIG's auxiliary losses on decoded cells: module-level correlation and a
// gene-set Sinkhorn distance.
#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

namespace trellis::sdk {
class GeneTable;
}

namespace trellis::scbig {

/// ||R_pred - R_obs||_F / K, where R is the K x K Pearson correlation across
/// the rows (cells) of the module means of `predicted` and `observed` [B, G]
/// (`modules` [G] int64 in [0, K)); standard deviations floored at 1e-6,
/// z-scores clipped to +-10 (as the reference).
at::Tensor module_correlation_loss(const at::Tensor& predicted, const at::Tensor& observed, const at::Tensor& modules,
                                   std::int64_t k);

/// Entropic OT cost between the predicted and observed cells [B, G] in
/// gene-set space (`membership` [P, G], rows = mean over the set's genes):
/// <plan, C> / P with C the squared Euclidean distances, uniform marginals,
/// `iterations` log-domain Sinkhorn iterations at `epsilon`.
at::Tensor gene_set_sinkhorn_loss(const at::Tensor& predicted, const at::Tensor& observed, const at::Tensor& membership,
                                  double epsilon, std::int64_t iterations);

/// GO gene sets over the measured genes `measured` (universe indices, in the
/// model's column order): each GO term annotated to between `min_size` and
/// `max_size` of them, the `max_sets` largest kept (ties by id). [P, G]
/// float rows averaging over each set's genes; P may be 0.
at::Tensor go_gene_sets(const sdk::GeneTable& genes, const std::vector<std::int64_t>& measured, std::int64_t min_size,
                        std::int64_t max_size, std::int64_t max_sets);

}  // namespace trellis::scbig

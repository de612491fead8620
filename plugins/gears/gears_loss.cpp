// GEARS' loss. The reference loops over the perturbation groups of a batch:
//   for p in set(perts):
//     keep = dict_filter[p] (non-zero-mean genes; all genes for ctrl)
//     loss += sum((pred_p - y_p)^(2+gamma)) / n_p / |keep|
//     loss += sum(lambda * (sign(y_p - ctrl) - sign(pred_p - ctrl))^2) / n_p / |keep|
//   return loss / |groups|
// with ctrl the mean control expression. Here the group structure is folded
// into one weight per element (group_weights), so the loss is a single
// weighted sum over [B, G] with no per-group slicing or copies.
//
// Choices:
// - |pred - y|^(2+gamma): identical to the reference for its even exponent
//   (gamma = 2) and still a loss for other gammas.
// - direction "reference" keeps sign(): its derivative is zero everywhere,
//   so the term changes the reported loss but never the parameters.
//   "smooth" replaces sign by tanh(k x) on both sides; k = 10 (default)
//   makes the surrogate within 4% of sign for changes beyond 0.2 on the
//   log1p scale (typical DE changes are 0.1-1) while genes within noise
//   (|delta| < 0.05) stay in its near-linear range and get a useful gradient.
// - Uncertainty: the reference's uncertainty_loss_fct adds
//   reg * exp(-logvar) * err with no log-variance penalty, so the head
//   is pushed to large variances; kept as published (`uncertainty_reg`).
#include <ATen/ATen.h>

#include <map>

#include "gears_loss.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::gears {

at::Tensor group_weights(const std::vector<std::int64_t>& condition, const std::vector<at::Tensor>& retained) {
  if (condition.size() != retained.size())
    throw sdk::Error(std::to_string(condition.size()) + " batch rows but " +
                     std::to_string(retained.size()) + " gene masks");
  std::map<std::int64_t, std::pair<std::int64_t, double>> groups;  // condition -> (cells, retained genes)
  for (std::size_t b = 0; b < condition.size(); ++b) {
    auto& g = groups[condition[b]];
    if (g.first++ == 0) g.second = retained[b].sum().item<double>();
  }
  std::int64_t used = 0;
  for (const auto& [c, g] : groups) used += g.second > 0;
  std::vector<at::Tensor> rows;
  rows.reserve(condition.size());
  for (std::size_t b = 0; b < condition.size(); ++b) {
    const auto& g = groups[condition[b]];
    const double scale = g.second > 0 ? 1.0 / (static_cast<double>(g.first) * g.second * static_cast<double>(used)) : 0.0;
    rows.push_back(retained[b] * scale);
  }
  return at::stack(rows, 0);
}

at::Tensor gears_loss(const at::Tensor& pred, const at::Tensor& target, const at::Tensor& control_mean,
                      const at::Tensor& weight, const at::Tensor& logvar, const GearsConfig& config) {
  if (pred.sizes() != target.sizes() || pred.sizes() != weight.sizes() || pred.dim() != 2 ||
      !(control_mean.dim() == 1 || (control_mean.dim() == 2 && control_mean.size(0) == pred.size(0))) ||
      control_mean.size(-1) != pred.size(1))
    throw sdk::Error("loss inputs disagree in shape (prediction " + std::to_string(pred.dim()) +
                     "-d, target, weights and control mean must all cover the same [B, G])");
  const at::Tensor diff = pred - target;
  at::Tensor error = config.autofocus_gamma == 2.0 ? diff.square().square()
                                                   : diff.abs().pow(2.0 + config.autofocus_gamma);
  if (logvar.defined()) error = error * (1.0 + config.uncertainty_reg * at::exp(-logvar));
  at::Tensor total = (weight * error).sum();
  if (config.direction_lambda > 0) {
    const at::Tensor c = control_mean.dim() == 1 ? control_mean.unsqueeze(0) : control_mean;
    at::Tensor observed, predicted;
    if (config.direction == DirectionMode::reference) {
      observed = at::sign(target - c);
      predicted = at::sign(pred - c);
    } else {
      observed = at::tanh((target - c) * config.direction_k);
      predicted = at::tanh((pred - c) * config.direction_k);
    }
    total = total + config.direction_lambda * (weight * (observed - predicted).square()).sum();
  }
  return total;
}

}  // namespace trellis::gears

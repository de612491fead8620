// GRAPE's losses (see grape_loss.hpp). The reference sums MSE and a Huber
// term on the residual; both are means over cells x genes so the loss scale
// does not depend on the batch size or the number of measured genes.
#include "grape_loss.hpp"

#include <ATen/ATen.h>

#include "trellis/sdk/error.hpp"

namespace trellis::grape {

at::Tensor grape_loss(const at::Tensor& predicted, const at::Tensor& target, double huber_delta, double huber_weight,
                      double autofocus_gamma) {
  if (!target.defined() || predicted.sizes() != target.sizes())
    throw sdk::Error("loss needs a target of the prediction's shape");
  const at::Tensor diff = predicted - target;
  at::Tensor loss = diff.square().mean();
  if (huber_weight > 0) loss = loss + huber_weight * at::huber_loss(predicted, target, at::Reduction::Mean, huber_delta);
  if (autofocus_gamma > 0) loss = loss + diff.abs().pow(2.0 + autofocus_gamma).mean();
  return loss;
}

at::Tensor info_nce(const at::Tensor& a, const at::Tensor& b, double temperature) {
  const auto unit = [](const at::Tensor& x) { return x / x.norm(2, {1}, true).clamp_min(1e-8); };
  const at::Tensor logits = at::mm(unit(a), unit(b).t()) / temperature;
  const at::Tensor labels = at::arange(a.size(0), at::kLong);
  return 0.5 * (at::cross_entropy_loss(logits, labels) + at::cross_entropy_loss(logits.t(), labels));
}

}  // namespace trellis::grape

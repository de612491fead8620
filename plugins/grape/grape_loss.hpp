#pragma once
// GRAPE's training losses: the prediction loss and the InfoNCE of the
// contrastive pre-alignment.

#include <ATen/core/Tensor.h>

namespace trellis::grape {

/// mean((p - y)^2) + huber_weight * mean(Huber_delta(y - p))
///   [+ mean(|p - y|^(2 + gamma)) when gamma > 0]
/// over all elements of `[B, G]`. Huber_d(r) = r^2 / 2 for |r| <= d, else
/// d (|r| - d / 2) (torch's huber_loss).
at::Tensor grape_loss(const at::Tensor& predicted, const at::Tensor& target, double huber_delta, double huber_weight,
                      double autofocus_gamma);

/// Symmetric InfoNCE of paired rows: logits = cos(a_i, b_j) / temperature,
/// loss = (CE(logits, i) + CE(logits^T, i)) / 2, row i of `a` pairing row i
/// of `b` (the other rows are the negatives).
at::Tensor info_nce(const at::Tensor& a, const at::Tensor& b, double temperature);

}  // namespace trellis::grape

// Conditional flow matching on the constant-noise straight path (see flow_matching.hpp).
#include "trellis/sdk/flow_matching.hpp"

#include <ATen/ATen.h>

#include "trellis/sdk/error.hpp"

namespace trellis::sdk {

FlowPathPoint constant_noise_path(const at::Tensor& x0, const at::Tensor& x1, const at::Tensor& t, double sigma,
                                  const at::Tensor& noise) {
  if (x0.dim() != 2 || !x0.sizes().equals(x1.sizes()) || t.dim() != 1 || t.size(0) != x0.size(0))
    throw Error("constant_noise_path: x0 and x1 must be [B, d] alike and t [B]");
  const at::Tensor tt = t.to(x0.scalar_type()).unsqueeze(1);
  FlowPathPoint p;
  p.x = (1 - tt) * x0 + tt * x1;
  if (sigma != 0) {
    if (!noise.defined() || !noise.sizes().equals(x0.sizes()))
      throw Error("constant_noise_path: noise must be shaped as x0 when sigma is not 0");
    p.x = p.x + sigma * noise;
  }
  p.velocity = x1 - x0;
  return p;
}

at::Tensor flow_matching_loss(const at::Tensor& predicted, const at::Tensor& target) {
  if (!predicted.sizes().equals(target.sizes())) throw Error("flow_matching_loss: shapes differ");
  return (predicted - target).pow(2).mean();
}

}  // namespace trellis::sdk

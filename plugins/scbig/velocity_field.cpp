// The latent velocity field (see velocity_field.hpp).
#include "velocity_field.hpp"

#include <cmath>

#include <ATen/ATen.h>

namespace trellis::scbig {

VelocityFieldImpl::VelocityFieldImpl(const VelocitySizes& sizes, const at::Tensor& gene_features) : s_(sizes) {
  features_ = register_buffer("gene_features", gene_features.to(at::kFloat));
  project_ = register_module("project", torch::nn::Linear(gene_features.size(1), s_.condition));
  key_ = register_module("key", torch::nn::Linear(s_.condition, s_.condition));
  query_ = register_parameter("query", at::randn({s_.condition}) * 0.02);
  sign_ = register_parameter("sign", at::randn({s_.condition}) * 0.02);
  sdk::nn::MLPOptions o({s_.latent + s_.time_dim + s_.condition});
  for (std::int64_t i = 0; i < s_.layers; ++i) o.sizes.push_back(s_.hidden);
  o.sizes.push_back(s_.latent);
  o.batch_norm = false;
  o.activation = "gelu";
  o.dropout = s_.dropout;
  mlp_ = register_module("mlp", sdk::nn::MLP(o));
}

at::Tensor VelocityFieldImpl::embed(const Perturbations& p) {
  at::Tensor pooled = at::zeros({p.rows, s_.condition}, features_.options());
  if (!p.gene.defined() || p.gene.numel() == 0) return pooled;
  const at::Tensor projected = adapter_ ? adapter_->adapt(project_->forward(features_)).index_select(0, p.gene)
                                        : project_->forward(features_.index_select(0, p.gene));
  const at::Tensor values = projected + p.sign.unsqueeze(1) * sign_;
  const at::Tensor scores = at::tanh(key_->forward(values)).matmul(query_) / std::sqrt(double(s_.condition));
  // Softmax within each row (a combination's genes), stabilised by the global max.
  const at::Tensor e = (scores - scores.max().detach()).exp();
  const at::Tensor denominator = at::zeros({p.rows}, e.options()).index_add(0, p.row, e);
  const at::Tensor weights = e / denominator.index_select(0, p.row);
  return pooled.index_add(0, p.row, weights.unsqueeze(1) * values);
}

void VelocityFieldImpl::set_adapter(std::shared_ptr<sdk::Adapter> adapter) {
  if (adapter) adapter_ = register_module("adapter", std::move(adapter));
}

at::Tensor VelocityFieldImpl::forward(const at::Tensor& x, const at::Tensor& t, const at::Tensor& condition) {
  // Sinusoidal code of t in [0, 1] over angular frequencies 1 .. 100: enough
  // to resolve t, smooth enough in t that rk45 takes few steps.
  const std::int64_t half = s_.time_dim / 2;
  const at::Tensor freqs = at::exp(at::arange(half, x.options()) * (-std::log(100.0) / std::max<std::int64_t>(half - 1, 1)));
  const at::Tensor angles = (t.to(x.scalar_type()).unsqueeze(1) * 100.0) * freqs.unsqueeze(0);
  const at::Tensor time = at::cat({angles.sin(), angles.cos()}, 1);
  return mlp_->forward(at::cat({x, time, condition}, 1));
}

}  // namespace trellis::scbig

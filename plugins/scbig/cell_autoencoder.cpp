// The cluster-aware autoencoder (see cell_autoencoder.hpp).
#include "cell_autoencoder.hpp"

#include <cmath>

#include <ATen/ATen.h>
#include <torch/nn/init.h>

namespace trellis::scbig {

namespace tnn = torch::nn;

AttentionImpl::AttentionImpl(std::int64_t width, std::int64_t heads, double dropout) : heads_(heads) {
  q_ = register_module("q", tnn::Linear(tnn::LinearOptions(width, width).bias(false)));
  k_ = register_module("k", tnn::Linear(tnn::LinearOptions(width, width).bias(false)));
  v_ = register_module("v", tnn::Linear(tnn::LinearOptions(width, width).bias(false)));
  out_ = register_module("out", tnn::Linear(width, width));
  dropout_ = register_module("dropout", tnn::Dropout(dropout));
}

at::Tensor AttentionImpl::forward(const at::Tensor& queries, const at::Tensor& keys) {
  const std::int64_t b = queries.size(0), lq = queries.size(1), lk = keys.size(1), d = queries.size(2);
  const std::int64_t dh = d / heads_;
  auto split = [&](const at::Tensor& x, std::int64_t l) { return x.view({b, l, heads_, dh}).transpose(1, 2); };
  const at::Tensor q = split(q_->forward(queries), lq), k = split(k_->forward(keys), lk), v = split(v_->forward(keys), lk);
  const at::Tensor weights = dropout_->forward(at::softmax(q.matmul(k.transpose(-1, -2)) / std::sqrt(double(dh)), -1));
  return out_->forward(weights.matmul(v).transpose(1, 2).reshape({b, lq, d}));
}

ModuleBlockImpl::ModuleBlockImpl(const AutoencoderSizes& s) {
  modules_ = register_parameter("module_tokens", at::randn({s.module_tokens, s.width}) * 0.02);
  read_ = register_module("read", Attention(s.width, s.heads, s.dropout));
  mix_ = register_module("mix", Attention(s.width, s.heads, s.dropout));
  write_ = register_module("write", Attention(s.width, s.heads, s.dropout));
  norm_read_ = register_module("norm_read", tnn::LayerNorm(tnn::LayerNormOptions({s.width})));
  norm_mix_ = register_module("norm_mix", tnn::LayerNorm(tnn::LayerNormOptions({s.width})));
  norm_write_ = register_module("norm_write", tnn::LayerNorm(tnn::LayerNormOptions({s.width})));
  norm_ffn_ = register_module("norm_ffn", tnn::LayerNorm(tnn::LayerNormOptions({s.width})));
  ffn_in_ = register_module("ffn_in", tnn::Linear(s.width, s.ffn));
  ffn_out_ = register_module("ffn_out", tnn::Linear(s.ffn, s.width));
  dropout_ = register_module("dropout", tnn::Dropout(s.dropout));
}

at::Tensor ModuleBlockImpl::forward(const at::Tensor& chunks) {
  const at::Tensor m = modules_.unsqueeze(0).expand({chunks.size(0), -1, -1});
  const at::Tensor read = norm_read_->forward(m + read_->forward(m, chunks));
  const at::Tensor mixed = norm_mix_->forward(read + mix_->forward(read, read));
  at::Tensor x = norm_write_->forward(chunks + write_->forward(chunks, mixed));
  const at::Tensor ffn = ffn_out_->forward(dropout_->forward(at::gelu(ffn_in_->forward(x))));
  return norm_ffn_->forward(x + dropout_->forward(ffn));
}

at::Tensor chunk_means(const at::Tensor& features, std::int64_t chunk) {
  const std::int64_t g = features.size(0), chunks = (g + chunk - 1) / chunk;
  const at::Tensor padded = at::constant_pad_nd(features, {0, 0, 0, chunks * chunk - g});
  return padded.view({chunks, chunk, features.size(1)}).mean(1);
}

CellAutoencoderImpl::CellAutoencoderImpl(const AutoencoderSizes& sizes, std::int64_t genes,
                                         const at::Tensor& chunk_features)
    : s_(sizes), genes_(genes), chunks_((genes + sizes.chunk - 1) / sizes.chunk) {
  chunk_features_ = register_buffer("chunk_features", chunk_features.to(at::kFloat));
  const std::int64_t f = chunk_features.size(1);
  embed_ = register_module("embed", tnn::Linear(s_.chunk, s_.width));
  to_latent_ = register_module("to_latent", tnn::Linear(s_.width, s_.latent));
  from_latent_ = register_module("from_latent", tnn::Linear(s_.latent, s_.width));
  unembed_ = register_module("unembed", tnn::Linear(s_.width, s_.chunk));
  if (f > 0) {
    enc_position_ = register_module("enc_position", tnn::Linear(tnn::LinearOptions(f, s_.width).bias(false)));
    dec_position_ = register_module("dec_position", tnn::Linear(tnn::LinearOptions(f, s_.width).bias(false)));
    enc_position_norm_ = register_module("enc_position_norm", tnn::LayerNorm(tnn::LayerNormOptions({s_.width})));
    dec_position_norm_ = register_module("dec_position_norm", tnn::LayerNorm(tnn::LayerNormOptions({s_.width})));
  }
  dropout_ = register_module("dropout", tnn::Dropout(s_.dropout));
  for (std::int64_t i = 0; i < s_.blocks; ++i) {
    encoder_.push_back(register_module("encoder" + std::to_string(i), ModuleBlock(s_)));
    decoder_.push_back(register_module("decoder" + std::to_string(i), ModuleBlock(s_)));
  }
}

at::Tensor CellAutoencoderImpl::positional(tnn::Linear& project, tnn::LayerNorm& norm) {
  return norm->forward(project->forward(chunk_features_)).unsqueeze(0);  // [1, C, d]
}

at::Tensor CellAutoencoderImpl::encode(const at::Tensor& x) {
  const std::int64_t b = x.size(0);
  const at::Tensor padded = at::constant_pad_nd(x, {0, chunks_ * s_.chunk - genes_});
  at::Tensor tokens = embed_->forward(padded.view({b, chunks_, s_.chunk}));
  if (enc_position_) tokens = tokens + positional(enc_position_, enc_position_norm_);
  tokens = dropout_->forward(tokens);
  for (auto& block : encoder_) tokens = block->forward(tokens);
  return to_latent_->forward(tokens.mean(1));
}

at::Tensor CellAutoencoderImpl::decode(const at::Tensor& z) {
  const std::int64_t b = z.size(0);
  at::Tensor tokens = from_latent_->forward(z).unsqueeze(1).expand({b, chunks_, s_.width});
  if (dec_position_) tokens = tokens + positional(dec_position_, dec_position_norm_);
  tokens = dropout_->forward(tokens);
  for (auto& block : decoder_) tokens = block->forward(tokens);
  return unembed_->forward(tokens).reshape({b, chunks_ * s_.chunk}).narrow(1, 0, genes_);
}

}  // namespace trellis::scbig

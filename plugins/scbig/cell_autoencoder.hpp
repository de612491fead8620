#pragma once
// scBIG's cluster-aware cell autoencoder: genes ordered by module and cut
// into chunks, one token per chunk; learnable module tokens read the chunks,
// attend to each other and are read back by them; the mean chunk token is
// projected to the latent. The decoder mirrors it from the latent.
#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

namespace trellis::scbig {

struct AutoencoderSizes {
  std::int64_t chunk = 64;        ///< genes per token
  std::int64_t width = 256;       ///< token width
  std::int64_t blocks = 3;        ///< module blocks in the encoder, and again in the decoder
  std::int64_t heads = 8;
  std::int64_t ffn = 512;         ///< feed-forward width
  std::int64_t module_tokens = 8;
  std::int64_t latent = 50;
  double dropout = 0.1;
};

/// Multi-head attention of queries [B, Lq, d] over keys/values [B, Lk, d]:
/// Q, K, V projections without bias (as the reference), output with bias.
class AttentionImpl : public torch::nn::Module {
 public:
  AttentionImpl(std::int64_t width, std::int64_t heads, double dropout);
  at::Tensor forward(const at::Tensor& queries, const at::Tensor& keys);

 private:
  std::int64_t heads_;
  torch::nn::Linear q_{nullptr}, k_{nullptr}, v_{nullptr}, out_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
};
TORCH_MODULE(Attention);

/// One block (post-LayerNorm residuals): modules read chunks, modules attend
/// to each other, chunks read modules, then a GELU feed-forward on chunks.
class ModuleBlockImpl : public torch::nn::Module {
 public:
  explicit ModuleBlockImpl(const AutoencoderSizes& s);
  /// `chunks` [B, C, d] -> [B, C, d]; the block's module tokens are its own.
  at::Tensor forward(const at::Tensor& chunks);

 private:
  at::Tensor modules_;
  Attention read_{nullptr}, mix_{nullptr}, write_{nullptr};
  torch::nn::LayerNorm norm_read_{nullptr}, norm_mix_{nullptr}, norm_write_{nullptr}, norm_ffn_{nullptr};
  torch::nn::Linear ffn_in_{nullptr}, ffn_out_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
};
TORCH_MODULE(ModuleBlock);

/// The autoencoder over `genes` measured genes (model order: by module).
/// `chunk_features` [C, f] is the mean gene embedding of each chunk (the
/// positional code's input); f may be 0 (no positional code).
class CellAutoencoderImpl : public torch::nn::Module {
 public:
  CellAutoencoderImpl(const AutoencoderSizes& sizes, std::int64_t genes, const at::Tensor& chunk_features);
  /// [B, genes] centred expression in model order -> [B, latent].
  at::Tensor encode(const at::Tensor& x);
  /// [B, latent] -> [B, genes] centred expression in model order.
  at::Tensor decode(const at::Tensor& z);
  std::int64_t chunks() const { return chunks_; }

 private:
  at::Tensor positional(torch::nn::Linear& project, torch::nn::LayerNorm& norm);

  AutoencoderSizes s_;
  std::int64_t genes_, chunks_;
  at::Tensor chunk_features_;  // buffer [C, f]
  torch::nn::Linear embed_{nullptr}, to_latent_{nullptr}, from_latent_{nullptr}, unembed_{nullptr};
  torch::nn::Linear enc_position_{nullptr}, dec_position_{nullptr};
  torch::nn::LayerNorm enc_position_norm_{nullptr}, dec_position_norm_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
  std::vector<ModuleBlock> encoder_, decoder_;
};
TORCH_MODULE(CellAutoencoder);

/// Mean of `features` [G, f] (model order) over each chunk of `chunk` genes,
/// the last chunk padded with zero rows as the reference pads.
at::Tensor chunk_means(const at::Tensor& features, std::int64_t chunk);

}  // namespace trellis::scbig

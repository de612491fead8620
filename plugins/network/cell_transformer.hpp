#pragma once
// Stages 1 and 2 of network/cell_transformer_gnn: a small scBERT-style
// transformer pre-trained on cells by masked-expression prediction, and the
// contextual gene embeddings read out of it.

#include <cstdint>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/modules/transformercoder.h>
#include <torch/nn/pimpl.h>

#include "cell_tokens.hpp"

namespace trellis::network {

struct CellTransformerSettings {
  std::int64_t dim = 32;          ///< token width
  std::int64_t heads = 4;
  std::int64_t layers = 2;
  std::int64_t feedforward = 64;  ///< hidden width of each layer's feed-forward block
  double dropout = 0.0;
  double bin_width = 1.0;         ///< scBERT: ln(1 + x) truncated to integers
  std::int64_t bins = 7;          ///< scBERT's 7 tokens: values 0 .. bins - 2, then the mask token
  std::int64_t expressed_tokens = 128;  ///< expressed genes per cell sequence
  std::int64_t zero_tokens = 32;        ///< unexpressed genes per cell sequence
  double mask_fraction = 0.15;
  double mask_replace = 0.9;
  std::int64_t steps = 300;       ///< pre-training steps
  std::int64_t batch_cells = 32;
  double learning_rate = 1e-3;
  std::int64_t readout_cells = 2000;  ///< cells the embeddings are averaged over (all when fewer)
};

/// Gene identity embedding + binned-expression embedding per token, a
/// transformer encoder (post-norm, as PyTorch's), a layer norm and a head
/// predicting each token's bin.
class CellTransformerImpl : public torch::nn::Module {
 public:
  CellTransformerImpl(std::int64_t genes, const CellTransformerSettings& settings);
  /// Final hidden states [B, L, dim] of `bins` (masked or not) at `genes`.
  at::Tensor forward(const at::Tensor& genes, const at::Tensor& bins, const at::Tensor& padding);
  /// Bin logits [B, L, bins - 1] from hidden states.
  at::Tensor predict_bins(const at::Tensor& hidden);

 private:
  torch::nn::Embedding gene_embedding_{nullptr}, bin_embedding_{nullptr};
  torch::nn::TransformerEncoder encoder_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
  torch::nn::Linear head_{nullptr};
};
TORCH_MODULE(CellTransformer);

/// Stage 1: masked-expression pre-training on `binned` [cells, genes] for
/// settings.steps steps of batch_cells random cells (Adam), logging the
/// masked tokens' cross-entropy and accuracy every tenth of the steps.
void pretrain(CellTransformer& model, const at::Tensor& binned, const CellTransformerSettings& settings,
                at::Generator& generator, const std::string& who);

/// Stage 2: each gene's final hidden state averaged over the readout cells
/// in whose sequence it appears, unmasked: [genes, dim]. Genes that appear
/// in no sequence keep zeros (counted in `unseen`).
at::Tensor read_out(CellTransformer& model, const at::Tensor& binned, const CellTransformerSettings& settings,
                    at::Generator& generator, std::int64_t& unseen);

}  // namespace trellis::network

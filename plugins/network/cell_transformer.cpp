#include "cell_transformer.hpp"

#include <algorithm>
#include <cstdio>

#include <ATen/ATen.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/transformerlayer.h>
#include <torch/optim/adam.h>
#include <torch/utils.h>

#include "trellis/sdk/log.hpp"

namespace trellis::network {

CellTransformerImpl::CellTransformerImpl(std::int64_t genes, const CellTransformerSettings& s) {
  gene_embedding_ = register_module("gene_embedding", torch::nn::Embedding(genes, s.dim));
  bin_embedding_ = register_module("bin_embedding", torch::nn::Embedding(s.bins, s.dim));
  const torch::nn::TransformerEncoderLayer layer(
      torch::nn::TransformerEncoderLayerOptions(s.dim, s.heads).dim_feedforward(s.feedforward).dropout(s.dropout));
  encoder_ = register_module("encoder", torch::nn::TransformerEncoder(torch::nn::TransformerEncoderOptions(layer, s.layers)));
  norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({s.dim})));
  head_ = register_module("head", torch::nn::Linear(s.dim, s.bins - 1));
}

at::Tensor CellTransformerImpl::forward(const at::Tensor& genes, const at::Tensor& bins, const at::Tensor& padding) {
  const at::Tensor tokens = gene_embedding_->forward(genes) + bin_embedding_->forward(bins);
  // PyTorch's encoder is sequence-first: [L, B, dim].
  const at::Tensor hidden = encoder_->forward(tokens.transpose(0, 1), {}, padding).transpose(0, 1);
  return norm_->forward(hidden);
}

at::Tensor CellTransformerImpl::predict_bins(const at::Tensor& hidden) { return head_->forward(hidden); }

namespace {

at::Tensor random_cells(std::int64_t cells, std::int64_t batch, at::Generator& generator) {
  return at::randperm(cells, generator, at::kLong).narrow(0, 0, std::min(batch, cells));
}

}  // namespace

void pretrain(CellTransformer& model, const at::Tensor& binned, const CellTransformerSettings& s,
                at::Generator& generator, const std::string& who) {
  model->train();
  torch::optim::Adam optimiser(model->parameters(), torch::optim::AdamOptions(s.learning_rate));
  const std::int64_t report = std::max<std::int64_t>(1, s.steps / 10);
  double loss_sum = 0, correct = 0, chosen = 0;
  for (std::int64_t step = 1; step <= s.steps; ++step) {
    const at::Tensor rows = binned.index_select(0, random_cells(binned.size(0), s.batch_cells, generator));
    const CellTokens tokens = sample_tokens(rows, s.expressed_tokens, s.zero_tokens, generator);
    const MaskedTokens masked = mask_tokens(tokens, s.mask_fraction, s.mask_replace, s.bins - 1, generator);
    if (!masked.chosen.any().item<bool>()) continue;
    const at::Tensor logits = model->predict_bins(model->forward(tokens.genes, masked.bins, tokens.padding));
    const at::Tensor picked = logits.index({masked.chosen});
    const at::Tensor truth = tokens.bins.index({masked.chosen});
    const at::Tensor loss = torch::nn::functional::cross_entropy(picked, truth);
    optimiser.zero_grad();
    loss.backward();
    optimiser.step();
    loss_sum += loss.item<double>();
    correct += (picked.argmax(1) == truth).sum().item<double>();
    chosen += static_cast<double>(truth.size(0));
    if (step % report == 0 || step == s.steps) {
      char line[160];
      std::snprintf(line, sizeof line, "%s: pre-training step %lld/%lld, masked-bin loss %.4f, accuracy %.3f", who.c_str(),
                    static_cast<long long>(step), static_cast<long long>(s.steps),
                    loss_sum / static_cast<double>(report), correct / std::max(chosen, 1.0));
      sdk::log_info(line);
      loss_sum = correct = chosen = 0;
    }
  }
}

at::Tensor read_out(CellTransformer& model, const at::Tensor& binned, const CellTransformerSettings& s,
                    at::Generator& generator, std::int64_t& unseen) {
  model->eval();
  torch::NoGradGuard no_grad;
  const std::int64_t genes = binned.size(1);
  at::Tensor sum = at::zeros({genes, s.dim}, at::kFloat), count = at::zeros({genes}, at::kFloat);
  const std::int64_t cells = std::min(s.readout_cells, binned.size(0));
  const at::Tensor chosen = at::randperm(binned.size(0), generator, at::kLong).narrow(0, 0, cells);
  for (std::int64_t start = 0; start < cells; start += s.batch_cells) {
    const at::Tensor rows = binned.index_select(0, chosen.narrow(0, start, std::min(s.batch_cells, cells - start)));
    const CellTokens tokens = sample_tokens(rows, s.expressed_tokens, s.zero_tokens, generator);
    const at::Tensor hidden = model->forward(tokens.genes, tokens.bins, tokens.padding);
    const at::Tensor real = at::logical_not(tokens.padding);
    const at::Tensor ids = tokens.genes.index({real});
    sum.index_add_(0, ids, hidden.index({real}));
    count.index_add_(0, ids, at::ones({ids.size(0)}, at::kFloat));
  }
  unseen = (count == 0).sum().item<std::int64_t>();
  return sum / count.clamp_min(1).unsqueeze(1);
}

}  // namespace trellis::network

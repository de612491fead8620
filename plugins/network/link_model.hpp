#pragma once
// Stages 3 and 4 of network/cell_transformer_gnn: a GNN over a prior
// regulatory graph turns gene features into node embeddings, and a link
// decoder scores regulator -> target pairs from them. Trained either on the
// prior's own edges against sampled non-edges (BEELINE's unsupervised
// protocol) or on labelled truth pairs (GENELink's supervised protocol).

#include <cstdint>
#include <string>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "trellis/sdk/nn/graph_encoder.hpp"
#include "trellis/sdk/nn/mlp.hpp"

namespace trellis::network {

struct LinkSettings {
  std::string encoder = "sage";   ///< sage, gcn or gin (sdk::nn::GraphEncoder)
  std::int64_t hidden = 64;
  std::int64_t layers = 2;
  std::string decoder = "bilinear";  ///< bilinear: z_i' W z_j; mlp: MLP([z_i, z_j])
  std::int64_t epochs = 200;
  double learning_rate = 0.01;
  std::int64_t negatives = 1;     ///< sampled non-edges per prior edge and epoch (unsupervised)
  std::int64_t validate_every = 10;  ///< epochs between validation checks (supervised)
};

class LinkModelImpl : public torch::nn::Module {
 public:
  LinkModelImpl(std::int64_t in, const LinkSettings& settings);
  /// Node embeddings [N, hidden] of features `x` [N, in] over `edges` [2, E].
  at::Tensor embed(const at::Tensor& x, const at::Tensor& edges);
  /// Logits of the pairs from[i] -> to[i] (node ids) given embeddings `z`.
  at::Tensor score(const at::Tensor& z, const at::Tensor& from, const at::Tensor& to);

 private:
  sdk::nn::GraphEncoder encoder_{nullptr};
  at::Tensor bilinear_weight_, bilinear_bias_;  // undefined with the MLP decoder
  sdk::nn::MLP mlp_{nullptr};
};
TORCH_MODULE(LinkModel);

/// Pairs of node ids with 0/1 labels.
struct NodePairs {
  at::Tensor from, to;  ///< [P] int64
  at::Tensor label;     ///< [P] float 0/1 (undefined for unlabelled pairs)
};

/// Protocol (a): the edges `positives` (a prior's) against, per edge and
/// epoch, `negatives` pairs drawn from `regulators` x all nodes that are
/// neither self-pairs nor positives; binary cross-entropy, Adam.
void train_on_prior(LinkModel& model, const at::Tensor& x, const at::Tensor& edges, const NodePairs& positives,
                    const at::Tensor& regulators, const LinkSettings& settings, at::Generator& generator,
                    const std::string& who);

/// Protocol (b): binary cross-entropy on the labelled `train` pairs; the
/// parameters with the best average precision on `validation` (checked
/// every validate_every epochs, when it holds both classes) are kept.
void train_on_labels(LinkModel& model, const at::Tensor& x, const at::Tensor& edges, const NodePairs& train,
                     const NodePairs& validation, const LinkSettings& settings, const std::string& who);

/// Sigmoid scores of `pairs` with the trained model, in evaluation mode.
at::Tensor predict_pairs(LinkModel& model, const at::Tensor& x, const at::Tensor& edges, const NodePairs& pairs);

}  // namespace trellis::network

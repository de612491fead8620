// gsl/grape_khop: GRAPE's k-hop structure learner (METHODS.md, Chi et al.
// 2025). Three GCN layers (widths `hidden`, ReLU between them) run over the
// prior's edges with weight >= prior_threshold (unweighted, plus self loops).
// After layer l, `heads` bias-free linear heads W_lh; the layer's similarity
// is the mean over heads of cosine(W_lh z_i, W_lh z_j). The layers'
// similarities are fused with softmax weights a = softmax(c) (c learned):
//   S = sum_l a_l mean_h cos_lh.
// Rows of S are L2-normalised, entries below `threshold` zeroed, and each
// row keeps its `k` strongest entries: the learned graph G.
//
// Sparse and exact. With unit head outputs q_lhi, S = U U^T where row i of U
// concatenates sqrt(a_l / H) q_lhi over layers and heads (D = H x the sum
// of head widths: 1,728 columns for the reference's 256, 256, 64). Hence
//   * a row norm is exact without any G x G matrix: ||S_i||^2 = U_i^T (U^T U) U_i,
//     differentiable and O(G D^2);
//   * the kept pairs are chosen without gradient in row blocks of
//     `block_rows` (a [block_rows, G] product at a time);
//   * the kept weights G_ij = <U_i, U_j> / ||S_i|| are recomputed from U for
//     those pairs only (pair_dot), so they are differentiable functions of
//     the embeddings, hence of every parameter and of node_repr.
// Self loops (S_ii) count in the row norm, as in the reference's dense
// matrix, but are left out of G unless `self_loops`.
//
// Regulariser reg_weight * mean((G - P)^2) over the dense G x G matrices
// (P = the prior's weights). Both are zero off their edge lists, so the sum
// runs over the union of G's and P's edges and is divided by G * G: exact for
// the sparse G (the dense reference's entries beyond each row's top k are
// not part of this G).
//
// `detach` = true reproduces the reference, whose learned weights reach the
// predictor detached (only the sparsity pattern matters); the regulariser
// keeps its gradient either way.
//
// `recompute_every` = N: in training, the pairs are chosen every N-th call
// and reused in between (the G x G product is the expensive part); the
// weights of the reused pairs are still recomputed from the current
// embeddings every call, without the threshold (a reused pair whose weight
// fell below it stays until the next selection). In eval mode every call
// selects afresh.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>
#include <utility>

#include <ATen/ATen.h>
#include <torch/nn/modules/linear.h>

#include "gsl_blockwise.hpp"
#include "gsl_learners.hpp"
#include "gsl_pair_dot.hpp"
#include "trellis/sdk/edge_picks.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/nn/gcn.hpp"

namespace trellis::grape {

namespace {

constexpr const char* kWho = "gsl/grape_khop";

std::string number(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", x);
  return buffer;
}

class GrapeKhop : public sdk::StructureLearner {
 public:
  explicit GrapeKhop(const sdk::Options& options)
      : hidden_(options.get_ints("hidden")),
        heads_(options.get_int("heads")),
        head_dim_(options.get_int("head_dim")),
        prior_threshold_(options.get_double("prior_threshold")),
        threshold_(options.get_double("threshold")),
        k_(options.get_int("k")),
        reg_weight_(options.get_double("reg_weight")),
        detach_(options.get_bool("detach")),
        recompute_every_(options.get_int("recompute_every")),
        self_loops_(options.get_bool("self_loops")),
        block_rows_(options.get_int("block_rows")) {
    if (hidden_.empty()) throw options.invalid("hidden", "must list at least one layer width, e.g. [256, 256, 64]");
    const std::int64_t input_dim = options.get_int("input_dim");
    if (input_dim > 0) build(input_dim);
  }

  sdk::GslOutput learn(const at::Tensor& node_repr, const sdk::Graph& prior) override {
    check_learner_inputs(kWho, node_repr, prior);
    if (learner_needs_build(kWho, node_repr, in_dim_)) {
      build(node_repr.size(1));
      to(node_repr.device(), node_repr.scalar_type());
    }
    const std::int64_t g = node_repr.size(0);

    const at::Tensor u = embed(node_repr, edges_at_least(prior.edge_index, prior.weight, prior_threshold_));
    // ||S_i||^2 = U_i^T (U^T U) U_i.
    const at::Tensor norm = (u.mm(u.t().mm(u)) * u).sum(1).clamp_min(1e-24).sqrt();

    at::Tensor target = target_, source = source_;
    if (!is_training()) {
      std::tie(target, source) = select(u, norm);
    } else {
      if (step_ % recompute_every_ == 0 || !target_.defined() || cached_nodes_ != g) {
        std::tie(target_, source_) = select(u, norm);
        cached_nodes_ = g;
        target = target_;
        source = source_;
      }
      ++step_;
    }
    if (target.size(0) == 0)
      throw sdk::Error(std::string(kWho) + ": the learned graph is empty: no node pair's fused similarity reaches "
                       "threshold = " + number(threshold_) + " after row normalisation (GCN over the prior's edges "
                       "with weight >= prior_threshold = " + number(prior_threshold_) + ", k = " + std::to_string(k_) +
                       " partners per node); lower threshold (e.g. 0.005) or prior_threshold");

    const at::Tensor weight = pair_dot(u, target, source) / norm.index_select(0, target);
    sdk::GslOutput out;
    out.graph.name = "grape_khop";
    out.graph.num_nodes = g;
    out.graph.edge_index = at::stack({source, target});
    out.graph.weight = detach_ ? weight.detach() : weight;
    if (reg_weight_ > 0) {
      const at::Tensor p = prior.weights_or_ones().detach().to(weight.scalar_type());
      const MergedEdges diff = merge_edges(g, target, source, weight, 1.0, prior.edge_index[1], prior.edge_index[0], p, -1.0);
      out.regulariser = diff.value.pow(2).sum() * (reg_weight_ / (static_cast<double>(g) * static_cast<double>(g)));
    }
    return out;
  }

 private:
  void build(std::int64_t in_dim) {
    in_dim_ = in_dim;
    std::int64_t width = in_dim;
    for (std::size_t l = 0; l < hidden_.size(); ++l) {
      const std::string layer = std::to_string(l + 1);
      gcn_.push_back(register_module("gcn" + layer, sdk::nn::GCNConv(width, hidden_[l])));
      width = hidden_[l];
      std::vector<torch::nn::Linear> heads;
      for (std::int64_t h = 0; h < heads_; ++h)
        heads.push_back(register_module("layer" + layer + "_head" + std::to_string(h + 1),
                                        torch::nn::Linear(torch::nn::LinearOptions(width, head_dim_ > 0 ? head_dim_ : width).bias(false))));
      heads_of_.push_back(std::move(heads));
    }
    channel_weights_ = register_parameter("channel_weights", at::zeros({static_cast<std::int64_t>(hidden_.size())}));
  }

  /// U: per layer and head the unit head outputs, scaled by sqrt(a_l / H).
  at::Tensor embed(const at::Tensor& node_repr, const at::Tensor& gcn_edges) {
    const at::Tensor a = at::softmax(channel_weights_, 0);
    std::vector<at::Tensor> parts;
    at::Tensor x = node_repr;
    for (std::size_t l = 0; l < gcn_.size(); ++l) {
      x = gcn_[l]->forward(x, gcn_edges);
      if (l + 1 < gcn_.size()) x = at::relu(x);
      const at::Tensor scale = (a[static_cast<std::int64_t>(l)] / static_cast<double>(heads_)).sqrt();
      for (auto& head : heads_of_[l]) {
        const at::Tensor q = head->forward(x);
        parts.push_back(q / q.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12) * scale);
      }
    }
    return at::cat(parts, 1);
  }

  /// Chooses the pairs: per row the top k of S_i / ||S_i|| >= threshold.
  std::pair<at::Tensor, at::Tensor> select(const at::Tensor& u, const at::Tensor& norm) const {
    at::NoGradGuard no_grad;
    const at::Tensor ud = u.detach();
    const at::Tensor inverse = norm.detach().reciprocal().unsqueeze(1);
    const std::int64_t g = ud.size(0), rows = std::min(block_rows_, g);
    sdk::EdgePicks picks;
    for (std::int64_t r0 = 0; r0 < g; r0 += rows) {
      const std::int64_t r1 = std::min(g, r0 + rows);
      at::Tensor block = ud.slice(0, r0, r1).mm(ud.t()).mul_(inverse.slice(0, r0, r1));
      picks.pick(block, r0, k_, threshold_, /*positive_only=*/true, self_loops_);
    }
    return {picks.targets().to(u.device()), picks.sources().to(u.device())};
  }

  std::vector<std::int64_t> hidden_;
  std::int64_t heads_;
  std::int64_t head_dim_;
  double prior_threshold_;
  double threshold_;
  std::int64_t k_;
  double reg_weight_;
  bool detach_;
  std::int64_t recompute_every_;
  bool self_loops_;
  std::int64_t block_rows_;

  std::int64_t in_dim_ = 0;
  std::vector<sdk::nn::GCNConv> gcn_;
  std::vector<std::vector<torch::nn::Linear>> heads_of_;
  at::Tensor channel_weights_;

  // The pairs chosen in training, reused for recompute_every calls.
  std::int64_t step_ = 0;
  std::int64_t cached_nodes_ = -1;
  at::Tensor target_, source_;
};

}  // namespace

sdk::OptionSchema grape_khop_options() {
  sdk::OptionSchema s;
  s.add("hidden", std::vector<std::int64_t>{256, 256, 64},
        "GCN layer widths; a multi-head similarity follows each layer")
      .min(1);
  s.add("heads", std::int64_t{3}, "bias-free linear similarity heads per layer (cosine per head, mean over heads)")
      .min(1);
  s.add("head_dim", std::int64_t{0},
        "output width of each head; 0 = the layer's width (the reference). The cost of choosing pairs grows "
        "with heads x the sum of head widths (1,728 for the reference, 288 at 32)")
      .min(0);
  s.add("prior_threshold", 0.04, "the GCNs run over the prior's edges with weight >= this (unweighted, plus self loops)");
  s.add("threshold", 0.015, "entries of the row-L2-normalised fused similarity below this are zeroed")
      .range(0, 1);
  s.add("k", std::int64_t{50}, "at most this many partners (the strongest) per node; 0 = no cap").min(0);
  s.add("reg_weight", 1.0, "weight of the regulariser mean((G - prior)^2); 0 = none").min(0);
  s.add("detach", false,
        "detach the learned weights as the reference does (the prediction loss then never trains the learner)");
  s.add("recompute_every", std::int64_t{1},
        "training: choose the node pairs every N-th call, reuse them in between (weights still recomputed)")
      .min(1);
  s.add("self_loops", false, "keep each node's edge to itself (it counts in the row norm either way)");
  s.add("input_dim", std::int64_t{0},
        "width of the node representations; 0 = create the layers on the first learn() call")
      .min(0);
  s.add("block_rows", std::int64_t{1024}, "rows per block when choosing pairs (memory: block_rows x G floats)")
      .min(1);
  return s;
}

std::shared_ptr<sdk::StructureLearner> make_grape_khop(const sdk::Options& options) {
  return std::make_shared<GrapeKhop>(options);
}

}  // namespace trellis::grape

// gsl/knn_attention: a simpler learned graph than grape_khop. A trainable
// linear map projects node_repr to `dim` columns; each node's `k` most
// cosine-similar other nodes become its neighbours (chosen without gradient
// in row blocks, so no G x G matrix exists), and the edge weights are a
// softmax over each node's neighbours of cosine / temperature, recomputed for
// the chosen pairs only, hence differentiable w.r.t. the projection and
// node_repr.
//
// mix_prior = m > 0 unions the result with the prior's edges: weight
// (1 - m) * attention + m * prior weight (an edge missing from one side
// counts 0 there); prior weights are used as given. m = 0 gives the kNN graph
// alone.
//
// Regulariser: none by default. entropy_weight > 0 adds entropy_weight times
// the mean over nodes of the entropy of their attention distribution
// (-sum_j w_ij log w_ij, at most log k), which pushes each node towards a few
// decisive neighbours rather than a uniform average.
#include <algorithm>
#include <cmath>
#include <limits>

#include <ATen/ATen.h>
#include <torch/nn/modules/linear.h>

#include "gsl_blockwise.hpp"
#include "gsl_learners.hpp"
#include "gsl_pair_dot.hpp"
#include "trellis/sdk/edge_picks.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/nn/message_passing.hpp"

namespace trellis::grape {

namespace {

constexpr const char* kWho = "gsl/knn_attention";

class KnnAttention : public sdk::StructureLearner {
 public:
  explicit KnnAttention(const sdk::Options& options)
      : dim_(options.get_int("dim")),
        k_(options.get_int("k")),
        temperature_(options.get_double("temperature")),
        mix_prior_(options.get_double("mix_prior")),
        entropy_weight_(options.get_double("entropy_weight")),
        block_rows_(options.get_int("block_rows")) {
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
    const at::Tensor p = projection_->forward(node_repr);
    const at::Tensor unit = p / p.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12);

    at::Tensor target, source;
    {
      at::NoGradGuard no_grad;
      const at::Tensor ud = unit.detach();
      const std::int64_t rows = std::min(block_rows_, g);
      sdk::EdgePicks picks;
      for (std::int64_t r0 = 0; r0 < g; r0 += rows) {
        at::Tensor block = ud.slice(0, r0, std::min(g, r0 + rows)).mm(ud.t());
        picks.pick(block, r0, k_, std::numeric_limits<double>::lowest(), /*positive_only=*/false, /*self_loops=*/false);
      }
      target = picks.targets().to(node_repr.device());
      source = picks.sources().to(node_repr.device());
    }
    const at::Tensor attention =
        sdk::nn::segment_softmax(pair_dot(unit, target, source) / temperature_, target, g);

    sdk::GslOutput out;
    out.graph.name = "knn_attention";
    out.graph.num_nodes = g;
    if (mix_prior_ > 0) {
      const at::Tensor w = prior.weights_or_ones().detach().to(attention.scalar_type());
      const MergedEdges merged =
          merge_edges(g, target, source, attention, 1.0 - mix_prior_, prior.edge_index[1], prior.edge_index[0], w, mix_prior_);
      out.graph.edge_index = at::stack({merged.source, merged.target});
      out.graph.weight = merged.value;
    } else {
      out.graph.edge_index = at::stack({source, target});
      out.graph.weight = attention;
    }
    if (out.graph.num_edges() == 0)
      throw sdk::Error(std::string(kWho) + ": the learned graph is empty (k = " + std::to_string(k_) +
                       ", mix_prior = " + std::to_string(mix_prior_) + "); raise k");
    if (entropy_weight_ > 0) {
      const at::Tensor entropy = -(attention * attention.clamp_min(1e-12).log()).sum();
      out.regulariser = entropy * (entropy_weight_ / static_cast<double>(g));
    }
    return out;
  }

 private:
  void build(std::int64_t in_dim) {
    in_dim_ = in_dim;
    projection_ = register_module("projection", torch::nn::Linear(torch::nn::LinearOptions(in_dim, dim_).bias(false)));
  }

  std::int64_t dim_;
  std::int64_t k_;
  double temperature_;
  double mix_prior_;
  double entropy_weight_;
  std::int64_t block_rows_;
  std::int64_t in_dim_ = 0;
  torch::nn::Linear projection_{nullptr};
};

}  // namespace

sdk::OptionSchema knn_attention_options() {
  sdk::OptionSchema s;
  s.add("dim", std::int64_t{64}, "width of the trainable linear projection the cosine similarity is taken in")
      .min(1);
  s.add("k", std::int64_t{20}, "neighbours per node (its most similar other nodes)").min(1);
  s.add("temperature", 0.5, "edge weights = softmax over a node's neighbours of cosine / temperature")
      .greater_than(0);
  s.add("mix_prior", 0.5,
        "union with the prior's edges: weight (1 - mix_prior) * attention + mix_prior * prior weight; 0 = kNN only")
      .range(0, 1);
  s.add("entropy_weight", 0.0,
        "regulariser: this times the mean entropy of the nodes' attention (favours few decisive neighbours); 0 = none")
      .min(0);
  s.add("input_dim", std::int64_t{0},
        "width of the node representations; 0 = create the projection on the first learn() call")
      .min(0);
  s.add("block_rows", std::int64_t{1024}, "rows per block when choosing neighbours (memory: block_rows x G floats)")
      .min(1);
  return s;
}

std::shared_ptr<sdk::StructureLearner> make_knn_attention(const sdk::Options& options) {
  return std::make_shared<KnnAttention>(options);
}

}  // namespace trellis::grape

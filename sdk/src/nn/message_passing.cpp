#include "trellis/sdk/nn/message_passing.hpp"

#include <limits>
#include <sstream>

#include <c10/util/Exception.h>
#include <torch/torch.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/tensor_text.hpp"

namespace trellis::sdk::nn {
namespace {

// index_reduce() warns once per process that it is "in beta". The call here
// has fixed arguments, so the warning is noise a user cannot act on. Warning
// handlers are thread-local in LibTorch 1.13, so this hides nothing elsewhere.
class SilentWarnings : public c10::WarningHandler {
 public:
  void process(const c10::SourceLocation&, const std::string&, const bool) override {}
};

}  // namespace

std::string format_shape(const at::Tensor& t) { return shape_of(t); }

void check_edge_index(const at::Tensor& edge_index, std::int64_t num_nodes, const std::string& who) {
  if (!edge_index.defined()) throw Error(who + ": edge_index is undefined");
  if (edge_index.dim() != 2 || edge_index.size(0) != 2)
    throw Error(who + ": edge_index must have shape [2, E], got " + format_shape(edge_index));
  if (edge_index.scalar_type() != at::kLong)
    throw Error(who + ": edge_index must be int64, got " +
                std::string(c10::toString(edge_index.scalar_type())));
  if (num_nodes < 0)
    throw Error(who + ": num_nodes must be non-negative, got " + std::to_string(num_nodes));
  if (edge_index.size(1) == 0) return;  // min/max of an empty tensor would throw
  // An out-of-range id would otherwise surface as an opaque indexing error
  // deep inside a layer, far from its cause.
  const auto [min, max] = torch::aminmax(edge_index);
  const auto lo = min.item<int64_t>();
  const auto hi = max.item<int64_t>();
  if (lo < 0 || hi >= num_nodes) {
    const auto bad = lo < 0 ? lo : hi;
    throw Error(who + ": edge_index holds node id " + std::to_string(bad) + " outside [0, " +
                std::to_string(num_nodes) + ")");
  }
}

void check_edge_weight(const at::Tensor& weight, std::int64_t num_edges, const std::string& who) {
  if (!weight.defined()) return;
  if (!at::isFloatingType(weight.scalar_type()))
    throw Error(who + ": edge weight must be floating point, got " +
                std::string(c10::toString(weight.scalar_type())));
  if (weight.dim() != 1 || weight.size(0) != num_edges)
    throw Error(who + ": edge weight must have shape [E] = [" + std::to_string(num_edges) +
                "] to match edge_index, got " + shape_of(weight));
}

void check_node_features(const at::Tensor& x, std::int64_t in_features, const std::string& who) {
  if (!x.defined()) throw Error(who + ": x is undefined");
  if (!at::isFloatingType(x.scalar_type()))
    throw Error(who + ": x must be floating point, got " + std::string(c10::toString(x.scalar_type())));
  if (x.dim() != 2 || (in_features >= 0 && x.size(1) != in_features)) {
    const std::string want =
        in_features >= 0 ? "[N, " + std::to_string(in_features) + "] (N nodes, " +
                               std::to_string(in_features) + " input features)"
                         : "[N, F]";
    throw Error(who + ": x must have shape " + want + ", got " + shape_of(x));
  }
}

void check_node_features(const at::Tensor& x, const std::string& who) {
  check_node_features(x, -1, who);
}

void check_layer_inputs(const at::Tensor& x, std::int64_t in_features, const at::Tensor& edge_index,
                        const at::Tensor& weight, const std::string& who) {
  check_node_features(x, in_features, who);
  check_edge_index(edge_index, x.size(0), who);
  check_edge_weight(weight, edge_index.size(1), who);
}

at::Tensor propagate(const at::Tensor& x, const at::Tensor& edge_index, const at::Tensor& weight,
                     std::int64_t num_nodes) {
  const std::string who = "propagate";
  if (!x.defined()) throw Error(who + ": x is undefined");
  if (x.dim() < 1 || x.size(0) != num_nodes)
    throw Error(who + ": x must have num_nodes = " + std::to_string(num_nodes) +
                " rows, got shape " + shape_of(x));
  check_edge_index(edge_index, num_nodes, who);
  check_edge_weight(weight, edge_index.size(1), who);
  const auto src = edge_index[0];
  const auto dst = edge_index[1];
  if (!weight.defined() || !weight.requires_grad()) {
    // A sparse matrix product: on CPU about ten times faster (forward and
    // backward) than one gathered message per edge, and no [E, ...]
    // temporaries. Duplicate edges add up, as with index_add_.
    const at::Tensor values = weight.defined() ? weight.to(x.scalar_type())
                                               : torch::ones({edge_index.size(1)}, x.options());
    const at::Tensor a =
        at::sparse_coo_tensor(at::stack({dst, src}), values, {num_nodes, num_nodes}).coalesce();
    return at::mm(a, x.reshape({num_nodes, -1})).reshape(x.sizes());
  }
  auto messages = x.index_select(0, src);
  if (weight.defined()) {
    std::vector<int64_t> shape(x.dim(), 1);
    shape[0] = weight.size(0);
    messages = messages * weight.to(x.scalar_type()).view(shape);
  }
  return torch::zeros_like(x).index_add_(0, dst, messages);
}

at::Tensor segment_softmax(const at::Tensor& scores, const at::Tensor& index, std::int64_t num_nodes) {
  const std::string who = "segment_softmax";
  if (!scores.defined() || !at::isFloatingType(scores.scalar_type()) || scores.dim() < 1)
    throw Error(who + ": scores must be a floating-point tensor [E, ...], got " + shape_of(scores));
  if (!index.defined() || index.scalar_type() != at::kLong || index.dim() != 1 ||
      index.size(0) != scores.size(0))
    throw Error(who + ": index must be int64 of shape [E] = [" + std::to_string(scores.size(0)) +
                "], got " + shape_of(index));
  // Reuse the id-range check by viewing the index as edges into themselves.
  check_edge_index(index.unsqueeze(0).expand({2, index.size(0)}), num_nodes, who);
  auto shape = scores.sizes().vec();
  shape[0] = num_nodes;
  at::Tensor max;
  {
    // Any per-target constant gives the same softmax, so the shift carries
    // no gradient; detaching it also avoids differentiating amax.
    torch::NoGradGuard no_grad;
    SilentWarnings silent;
    c10::Warning::WarningHandlerGuard guard(&silent);
    max = torch::full(shape, -std::numeric_limits<double>::infinity(), scores.options())
              .index_reduce_(0, index, scores.detach(), "amax", /*include_self=*/true);
  }
  const auto ex = (scores - max.index_select(0, index)).exp();
  const auto sum = torch::zeros(shape, scores.options()).index_add_(0, index, ex);
  // Every target with an edge has sum >= 1 (its max term is exp(0)); the guard
  // only matters for NaN/inf scores.
  return ex / (sum.index_select(0, index) + 1e-16);
}

std::pair<at::Tensor, at::Tensor> add_self_loops(const at::Tensor& edge_index, const at::Tensor& weight,
                                                 std::int64_t num_nodes, double fill) {
  check_edge_index(edge_index, num_nodes, "add_self_loops");
  check_edge_weight(weight, edge_index.size(1), "add_self_loops");
  const auto loop = torch::arange(num_nodes, edge_index.options());
  auto ei = torch::cat({edge_index, torch::stack({loop, loop})}, 1);
  if (!weight.defined()) return {ei, at::Tensor()};
  auto w = torch::cat({weight, torch::full({num_nodes}, fill, weight.options())});
  return {ei, w};
}

std::pair<at::Tensor, at::Tensor> remove_self_loops(const at::Tensor& edge_index, const at::Tensor& weight) {
  if (!edge_index.defined() || edge_index.dim() != 2 || edge_index.size(0) != 2)
    throw Error("remove_self_loops: edge_index must have shape [2, E], got " + format_shape(edge_index));
  check_edge_weight(weight, edge_index.size(1), "remove_self_loops");
  const auto keep = (edge_index[0] != edge_index[1]).nonzero().view(-1);
  auto ei = edge_index.index_select(1, keep);
  if (!weight.defined()) return {ei, at::Tensor()};
  return {ei, weight.index_select(0, keep)};
}

std::pair<at::Tensor, at::Tensor> gcn_norm(const at::Tensor& edge_index, const at::Tensor& weight,
                                           std::int64_t num_nodes, bool add_self_loops) {
  check_edge_index(edge_index, num_nodes, "gcn_norm");
  check_edge_weight(weight, edge_index.size(1), "gcn_norm");
  auto w = weight.defined()
               ? weight
               : torch::ones({edge_index.size(1)}, edge_index.options().dtype(at::kFloat));
  auto ei = edge_index;
  if (add_self_loops) std::tie(ei, w) = nn::add_self_loops(ei, w, num_nodes, 1.0);
  const auto src = ei[0];
  const auto dst = ei[1];
  const auto deg = torch::zeros({num_nodes}, w.options()).index_add_(0, dst, w);
  // where() rather than pow-then-mask: pow(0, -0.5) = inf would make the
  // backward pass produce NaN (0 * inf) even for masked entries.
  const auto positive = deg > 0;
  const auto inv_sqrt =
      torch::where(positive, deg.masked_fill(~positive, 1.0).pow(-0.5), torch::zeros_like(deg));
  return {ei, inv_sqrt.index_select(0, src) * w * inv_sqrt.index_select(0, dst)};
}

}  // namespace trellis::sdk::nn

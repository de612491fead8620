// adapter/graph_smoothing: mixes each gene's embedding with the mean of its
// neighbours' in a graph of the model, by a learned amount:
//   out = x + alpha * (A_rownorm @ x),   alpha learned, starts at `alpha`.
// A predictor that exposes an adapter slot passes its gene embeddings
// through whatever adapter the config puts there.
#include <memory>

#include <ATen/ATen.h>
#include <trellis/sdk/adapter.hpp>
#include <trellis/sdk/error.hpp>
#include <trellis/sdk/predictor.hpp>

#include "hello.hpp"

namespace hello {

class GraphSmoothing : public trellis::sdk::Adapter {
 public:
  GraphSmoothing(std::string graph, double alpha) : graph_(std::move(graph)), initial_alpha_(alpha) {}

  void prepare(const trellis::sdk::FitContext& context, const trellis::sdk::AdapterSlot& slot) override {
    const trellis::sdk::Graph& g = context.graph(graph_);  // names the graph and what exists when missing
    if (slot.genes.size(0) != g.num_nodes || !slot.genes.equal(at::arange(g.num_nodes, slot.genes.options())))
      throw trellis::sdk::Error("adapter/graph_smoothing needs slot '" + slot.name + "' to pass one row per gene of the "
                                "universe (" + std::to_string(g.num_nodes) + ", in universe order), got " + std::to_string(slot.genes.size(0)));
    const at::Tensor w = g.weights_or_ones().to(at::kFloat).abs();
    const at::Tensor source = g.edge_index[0], target = g.edge_index[1];
    // Row-normalise over each target's incoming edges: a mean of neighbours.
    const at::Tensor degree = at::zeros({g.num_nodes}, at::kFloat).index_add_(0, target, w).clamp_min(1e-12);
    adjacency_ = at::sparse_coo_tensor(at::stack({target, source}), w / degree.index_select(0, target),
                                       {g.num_nodes, g.num_nodes})
                     .coalesce();
    alpha_ = register_parameter("alpha", at::full({1}, initial_alpha_));
  }

  at::Tensor adapt(const at::Tensor& x) override {
    if (x.dim() != 2 || x.size(0) != adapter_nodes())
      throw trellis::sdk::Error("adapter/graph_smoothing takes [genes, d] embeddings over the graph's " +
                                std::to_string(adapter_nodes()) + " genes");
    return x + alpha_ * at::mm(adjacency_, x);
  }

 private:
  std::int64_t adapter_nodes() const { return adjacency_.size(0); }

  std::string graph_;
  double initial_alpha_;
  at::Tensor adjacency_, alpha_;
};

void register_graph_smoothing(trellis::sdk::Registrar& registrar) {
  registrar.add<trellis::sdk::Adapter>(
      "graph_smoothing", "Adds a learned share of each gene's neighbour mean (row-normalised graph) to its embedding",
      trellis::sdk::OptionSchema{}
          .add("graph", "prior", "name of the graph under [model.graphs] to smooth over")
          .add("alpha", 0.5, "initial share of the neighbour mean"),
      [](const trellis::sdk::Options& options) {
        return std::make_shared<GraphSmoothing>(options.get_string("graph"), options.get_double("alpha"));
      });
}

}  // namespace hello

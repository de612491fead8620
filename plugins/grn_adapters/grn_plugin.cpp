// GRNFormer adapters (arXiv 2503.01682): prior regulatory networks injected
// into any model that embeds genes. The plugin's entry point.
#include "grn_topological.hpp"
#include "trellis/sdk/plugin.hpp"

namespace trellis::grn {

namespace {

void register_components(sdk::Registrar& r) {
  r.add<sdk::Adapter>(
      "grn_topological",
      "GRNFormer topological adapter: GraphSAGE/GCN/GIN over regulatory graphs, fused into gene embeddings by "
      "multi-head cross-attention (h + beta * fusion, beta from 0), with co-expression edge perturbation in training",
      grn_topological_options(), &make_grn_topological);
}

}  // namespace

}  // namespace trellis::grn

TRELLIS_PLUGIN("grn_adapters", "0.1.0", "GRNFormer-style regulatory-network adapters", "MIT",
               trellis::grn::register_components)

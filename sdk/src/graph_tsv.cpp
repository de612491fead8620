#include "trellis/sdk/graph_tsv.hpp"

#include <cstdio>
#include <string>

#include <ATen/ATen.h>

#include "trellis/sdk/atomic_file.hpp"
#include "trellis/sdk/data.hpp"
#include "trellis/sdk/graph.hpp"

namespace trellis::sdk {

void write_graph_tsv(const Graph& graph, const GeneTable& genes, const std::filesystem::path& file) {
  const at::Tensor index = graph.edge_index.to(at::kLong).contiguous();
  const at::Tensor weight = graph.weights_or_ones().detach().to(at::kDouble).contiguous();
  const std::int64_t edges = graph.num_edges();
  const auto* source = index.data_ptr<std::int64_t>();
  const auto* target = source + edges;
  const auto* w = weight.data_ptr<double>();
  const at::Tensor types = graph.edge_type.defined() ? graph.edge_type.to(at::kLong).contiguous() : at::Tensor();
  const std::int64_t* type = types.defined() ? types.data_ptr<std::int64_t>() : nullptr;
  std::string out = "source\ttarget\tweight\trelation\n";
  char number[32];
  for (std::int64_t e = 0; e < edges; ++e) {
    std::string relation = "all";
    if (type) {
      const auto r = static_cast<std::size_t>(type[e]);
      // An id without a name is still written, so the edge is not lost.
      relation = r < graph.relation_names.size() ? graph.relation_names[r] : std::to_string(r);
    }
    std::snprintf(number, sizeof number, "%.6g", w[e]);
    out += genes.at(source[e]).symbol + '\t' + genes.at(target[e]).symbol + '\t' + number + '\t' + relation + '\n';
  }
  write_file_atomic(file, out);
}

}  // namespace trellis::sdk

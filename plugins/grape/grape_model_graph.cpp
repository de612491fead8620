// The learned graph written to the run folder for structure-recovery scoring.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <ATen/ATen.h>

#include "grape_model.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::grape {

void write_graph_tsv(const sdk::Graph& graph, const sdk::GeneTable& genes, const std::string& file) {
  const at::Tensor ei = graph.edge_index.to(at::kLong).contiguous();
  const at::Tensor w = graph.weights_or_ones().detach().to(at::kDouble).contiguous();
  const std::int64_t e = ei.size(1);
  const auto* s = ei.data_ptr<std::int64_t>();
  const auto* t = s + e;
  const auto* wv = w.data_ptr<double>();
  at::Tensor types = graph.edge_type.defined() ? graph.edge_type.to(at::kLong).contiguous() : at::Tensor();
  const std::string tmp = file + ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) throw sdk::Error("predictor/grape: cannot write the learned graph to '" + tmp + "'");
    out << "source\ttarget\tweight\trelation\n";
    char number[32];
    for (std::int64_t i = 0; i < e; ++i) {
      std::string relation = "all";
      if (types.defined()) {
        const auto r = static_cast<std::size_t>(types.data_ptr<std::int64_t>()[i]);
        relation = r < graph.relation_names.size() ? graph.relation_names[r] : std::to_string(r);
      }
      std::snprintf(number, sizeof number, "%.6g", wv[i]);
      out << genes.at(s[i]).symbol << '\t' << genes.at(t[i]).symbol << '\t' << number << '\t' << relation << '\n';
    }
    if (!out.flush()) throw sdk::Error("predictor/grape: writing '" + tmp + "' failed (disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) throw sdk::Error("predictor/grape: cannot move '" + tmp + "' to '" + file + "': " + ec.message());
}

}  // namespace trellis::grape

// network/prior: a prior network of [model.graphs] (e.g. DoRothEA or TRRUST
// through graph/prior_network, mapped by symbol) returned as the inferred
// network, score = |edge weight|: what knowledge alone recovers, with no
// expression read. Only edges between measured genes are kept (and, with
// [data] regulators, only those leaving a regulator).
#include <set>

#include <ATen/ATen.h>

#include "network.hpp"
#include "trellis/sdk/data.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/graph.hpp"
#include "trellis/sdk/log.hpp"

namespace trellis::network {

namespace {

const std::string kName = "network/prior";

class PriorNetwork : public sdk::NetworkInferrer {
 public:
  explicit PriorNetwork(const sdk::Options& options) : graph_(options.get_string("graph")) {}

  sdk::ScoredEdges infer(sdk::FitContext& context) override {
    const sdk::Graph& graph = context.graph(graph_);
    const std::vector<std::string> genes = measured_symbols(context, kName);
    std::set<std::string> measured(genes.begin(), genes.end());
    std::set<std::string> regulators;
    for (const std::int64_t j : regulator_columns(context, genes)) regulators.insert(genes[static_cast<std::size_t>(j)]);
    const at::Tensor index = graph.edge_index.to(at::kLong).contiguous();
    const at::Tensor weight = graph.weights_or_ones().to(at::kDouble).contiguous();
    const auto* from = index.data_ptr<std::int64_t>();
    const auto* to = from + graph.num_edges();
    const auto* w = weight.data_ptr<double>();
    sdk::ScoredEdges edges;
    for (std::int64_t e = 0; e < graph.num_edges(); ++e) {
      const std::string& a = context.genes->at(from[e]).symbol;
      const std::string& b = context.genes->at(to[e]).symbol;
      if (a == b || !measured.count(a) || !measured.count(b) || !regulators.count(a)) continue;
      edges.regulator.push_back(a);
      edges.target.push_back(b);
      edges.score.push_back(std::abs(w[e]));
    }
    if (edges.size() == 0)
      throw sdk::Error(kName + ": graph '" + graph_ + "' has none of its " + std::to_string(graph.num_edges()) +
                       " edges between two measured genes" +
                       (context.regulators.empty() ? std::string() : " leaving one of [data] regulators") +
                       "; check that it names genes by the screen's symbols");
    sdk::log_info(kName + ": " + std::to_string(edges.size()) + " of the " + std::to_string(graph.num_edges()) +
                  " edges of graph '" + graph_ + "' join measured genes");
    return edges;
  }

 private:
  std::string graph_;
};

}  // namespace

sdk::OptionSchema prior_options() {
  sdk::OptionSchema s;
  s.require("graph", sdk::OptionType::string, "the [model.graphs] entry whose edges are the prediction");
  return s;
}

std::shared_ptr<sdk::NetworkInferrer> make_prior(const sdk::Options& options) {
  return std::make_shared<PriorNetwork>(options);
}

}  // namespace trellis::network

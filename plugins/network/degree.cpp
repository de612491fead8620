// network/degree: the degree baseline of link prediction. A pair's score is
// its regulator's edge rate times its target's in-degree plus one, counted
// on the prior's edges (the network) or on the training truth pairs (the
// supervised protocol), the rate with add-one smoothing. It knows which
// genes are hubs and nothing about which pairs interact: a learned link
// predictor that does not beat it has learnt degrees.
#include <unordered_map>

#include <ATen/ATen.h>

#include "network.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::network {

namespace {

const std::string kName = "network/degree";

class DegreeNetwork : public sdk::NetworkInferrer {
 public:
  explicit DegreeNetwork(const sdk::Options& options) : graph_(options.get_string("graph")) {}

  sdk::ScoredEdges infer(sdk::FitContext& context) override {
    const std::vector<std::string> genes = measured_symbols(context, kName);
    const auto n = static_cast<std::int64_t>(genes.size());
    const at::Tensor regulators = at::tensor(regulator_columns(context, genes), at::kLong);
    const at::Tensor edges = measured_prior_edges(context, graph_, kName);
    const at::Tensor is_regulator = at::zeros({n}, at::kBool).index_fill_(0, regulators, true);
    const at::Tensor leaving = is_regulator.index_select(0, edges[0]);
    const at::Tensor from = edges[0].masked_select(leaving), to = edges[1].masked_select(leaving);
    // Each regulator's rate over its n - 1 candidate targets.
    const at::Tensor rate = (at::bincount(from, {}, n).to(at::kDouble) + 1) / static_cast<double>(n + 1);
    const at::Tensor in_degree = at::bincount(to, {}, n).to(at::kDouble);
    const auto [a, b] = candidate_pairs(regulators, n);
    return named_edges(a, b, rate.index_select(0, a) * (in_degree.index_select(0, b) + 1), genes);
  }

  std::vector<double> infer_supervised(sdk::FitContext&, const sdk::LabelledPairs& train, const sdk::LabelledPairs&,
                                       const sdk::ScoredEdges& query) override {
    std::unordered_map<std::string, double> positives, pairs, in_degree;
    for (std::size_t i = 0; i < train.size(); ++i) {
      pairs[train.regulator[i]] += 1;
      if (train.label[i] == 0) continue;
      positives[train.regulator[i]] += 1;
      in_degree[train.target[i]] += 1;
    }
    const auto count = [](const std::unordered_map<std::string, double>& m, const std::string& key) {
      const auto it = m.find(key);
      return it == m.end() ? 0.0 : it->second;
    };
    std::vector<double> scores;
    scores.reserve(query.size());
    for (std::size_t i = 0; i < query.size(); ++i) {
      const double rate = (count(positives, query.regulator[i]) + 1) / (count(pairs, query.regulator[i]) + 2);
      scores.push_back(rate * (count(in_degree, query.target[i]) + 1));
    }
    return scores;
  }

 private:
  std::string graph_;
};

}  // namespace

sdk::OptionSchema degree_options() {
  sdk::OptionSchema s;
  s.require("graph", sdk::OptionType::string,
            "the [model.graphs] prior whose degrees score the network (the supervised protocol counts the training "
            "truth pairs instead)");
  return s;
}

std::shared_ptr<sdk::NetworkInferrer> make_degree(const sdk::Options& options) {
  return std::make_shared<DegreeNetwork>(options);
}

}  // namespace trellis::network

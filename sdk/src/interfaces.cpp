// Out-of-line virtual destructors (one home for each vtable) and the small
// shared pieces of the interfaces.
#include <cmath>

#include <ATen/ATen.h>

#include "trellis/sdk/adapter.hpp"
#include "trellis/sdk/context.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/graph_constructor.hpp"
#include "trellis/sdk/graph_metric.hpp"
#include "trellis/sdk/network.hpp"
#include "trellis/sdk/metric.hpp"
#include "trellis/sdk/plugin.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/sdk/reader.hpp"
#include "trellis/sdk/split.hpp"
#include "trellis/sdk/relation.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::sdk {

Error::Error(const std::string& message) : std::runtime_error(message) {}
Error::~Error() = default;

FeatureEncoder::~FeatureEncoder() = default;
GraphConstructor::~GraphConstructor() = default;
RelationTyper::~RelationTyper() = default;
StructureLearner::~StructureLearner() = default;
TrainingLoop::~TrainingLoop() = default;
Predictor::~Predictor() = default;
NeuralPredictor::~NeuralPredictor() = default;
Metric::~Metric() = default;
Reader::~Reader() = default;
Splitter::~Splitter() = default;
Registrar::~Registrar() = default;
Adapter::~Adapter() = default;
NetworkInferrer::~NetworkInferrer() = default;
std::vector<double> NetworkInferrer::infer_supervised(FitContext&, const LabelledPairs&, const LabelledPairs&,
                                                      const ScoredEdges&) {
  return {};
}
GraphMetric::~GraphMetric() = default;

void ScoredEdges::validate() const {
  if (regulator.size() != score.size() || target.size() != score.size())
    throw Error("a scored edge list has " + std::to_string(regulator.size()) + " regulators, " +
                std::to_string(target.size()) + " targets and " + std::to_string(score.size()) +
                " scores; the three columns must have one entry per edge");
  for (std::size_t i = 0; i < score.size(); ++i)
    if (!std::isfinite(score[i]))
      throw Error("edge " + regulator[i] + " -> " + target[i] + " has a non-finite score");
}

const GeneTable& BuildContext::gene_table() const {
  if (!genes) throw Error("no gene table was provided to build the model");
  return *genes;
}

const Screen& BuildContext::require_screen(const std::string& who) const {
  if (!screen) throw Error(who + " needs training expression data; add a [data] section to the config");
  return *screen;
}

const at::Tensor& BuildContext::feature(const std::string& name) const {
  const auto it = features.find(name);
  if (it == features.end()) {
    std::vector<std::string> names;
    for (const auto& entry : features) names.push_back(entry.first);
    throw Error("feature '" + name + "' is not built; available features: " +
                (names.empty() ? std::string("none") : join(names)) + " (declare it under [model.encoders])");
  }
  return it->second;
}


std::vector<double> Metric::compute_all(const std::vector<MetricInput>& inputs) const {
  std::vector<double> out;
  out.reserve(inputs.size());
  for (const auto& input : inputs) out.push_back(compute(input));
  return out;
}

}  // namespace trellis::sdk

// Out-of-line virtual destructors (one home for each vtable) and the small
// shared pieces of the interfaces.
#include <ATen/ATen.h>

#include "trellis/sdk/context.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/graph_constructor.hpp"
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

std::string to_string(Kind kind) {
  switch (kind) {
    case Kind::encoder: return "encoder";
    case Kind::graph: return "graph";
    case Kind::relation: return "relation";
    case Kind::gsl: return "gsl";
    case Kind::predictor: return "predictor";
    case Kind::metric: return "metric";
    case Kind::reader: return "reader";
    case Kind::splitter: return "splitter";
  }
  return "unknown";
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

#pragma once
/// @file graph_constructor.hpp
/// GraphConstructor: builds a gene-gene graph.

#include "trellis/sdk/context.hpp"
#include "trellis/sdk/export.hpp"
#include "trellis/sdk/kind.hpp"
#include "trellis/sdk/graph.hpp"

namespace trellis::sdk {

/// Builds a Graph over the gene universe from features, annotations or
/// training expression (GO similarity, co-expression, a prior network file,
/// kNN, thresholded multi-modal similarity, ...).
class TRELLIS_SDK_API GraphConstructor {
 public:
  virtual ~GraphConstructor();
  virtual Graph build(const BuildContext& context) = 0;
};

TRELLIS_SDK_KIND(GraphConstructor, "graph", "Builds a gene-gene graph from features, annotations or training expression")

}  // namespace trellis::sdk

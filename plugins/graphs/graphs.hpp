#pragma once
// The graph constructors' factories and option schemas, registered by
// graphs_plugin.cpp.

#include <memory>

#include "trellis/sdk/graph_constructor.hpp"
#include "trellis/sdk/options.hpp"

namespace trellis::graphs {

/// graph/go_similarity: Jaccard similarity of GO term sets (go_similarity.cpp).
std::shared_ptr<sdk::GraphConstructor> make_go_similarity(const sdk::Options& options);
sdk::OptionSchema go_similarity_options();

/// graph/coexpression: |Pearson r| over training singles + control cells (coexpression.cpp).
std::shared_ptr<sdk::GraphConstructor> make_coexpression(const sdk::Options& options);
sdk::OptionSchema coexpression_options();

/// graph/prior_network: edges read from a TSV file (prior_network.cpp).
std::shared_ptr<sdk::GraphConstructor> make_prior_network(const sdk::Options& options);
sdk::OptionSchema prior_network_options();

/// graph/multimodal_similarity: GRAPE's prior, cosine similarity of named
/// features per modality and fused (multimodal_similarity.cpp).
std::shared_ptr<sdk::GraphConstructor> make_multimodal_similarity(const sdk::Options& options);
sdk::OptionSchema multimodal_similarity_options();

}  // namespace trellis::graphs

#pragma once
// GRAPE's structure learners (gsl_grape_khop.cpp, gsl_knn_attention.cpp).
//
// Parameters are created lazily. A StructureLearner is constructed from its
// options before any node representation exists, so the width of the input
// is unknown: the layers are created (and registered with register_module)
// on the first learn() call, from node_repr.size(1), unless the option
// `input_dim` gives it up front. The predictor that owns a learner must
// therefore either set `input_dim` or call learn() once in prepare(), before
// its optimizer collects parameters() and before NeuralPredictor::load()
// restores saved parameters; otherwise the learner's parameters are not
// trained (or not restored).
//
// Learned graphs carry no edge_type: their edges are new, and a learner has
// no gene table. The predictor re-types them with FitContext::relation_typer
// (the [model.relations] typer the prior was typed with), e.g.
//   Graph typed = context.relation_typer->assign(out.graph, *context.genes);
// relation/biotype keeps the weights' autograd history when it does so.
//
// Edges follow plugins/graphs: row i's partners j become edges j -> i
// (source j, target i), so node i aggregates from its own top-k.

#include <memory>

#include "trellis/sdk/gsl.hpp"
#include "trellis/sdk/options.hpp"

namespace trellis::grape {

/// gsl/grape_khop: GRAPE's k-hop similarity learner.
std::shared_ptr<sdk::StructureLearner> make_grape_khop(const sdk::Options& options);
sdk::OptionSchema grape_khop_options();

/// gsl/knn_attention: a learned kNN graph with softmax attention weights.
std::shared_ptr<sdk::StructureLearner> make_knn_attention(const sdk::Options& options);
sdk::OptionSchema knn_attention_options();

}  // namespace trellis::grape

#pragma once
// The network/* components' factories and option schemas, and what they may
// learn from: the fitting cells, regulators, prior edges and candidate pairs
// (method_inputs.cpp); registered by network_plugin.cpp.

#include <memory>
#include <utility>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/network.hpp"
#include "trellis/sdk/options.hpp"
#include "trellis/sdk/predictor.hpp"

namespace trellis::network {

/// Cell ids of the control and of the training and validation conditions of
/// `context`, increasing. Test conditions are never among them (the host's
/// fitting view holds none; the list is built from the context's indices
/// all the same). Throws naming `component` when fewer than `minimum`.
at::Tensor fitting_cells(const sdk::FitContext& context, std::int64_t minimum, const std::string& component);

/// Symbols of the screen's measured genes, in column order.
std::vector<std::string> measured_symbols(const sdk::FitContext& context, const std::string& component);

/// The fitting cells' expression, dense [cells, measured genes] float32.
at::Tensor fitting_expression(const sdk::FitContext& context, std::int64_t minimum, const std::string& component);

/// Columns of `genes` a network may start from: the context's regulators
/// ([data] regulators) among them, in column order, else every column.
std::vector<std::int64_t> regulator_columns(const sdk::FitContext& context, const std::vector<std::string>& genes);

/// The edges of the [model.graphs] entry `graph` between two different
/// measured genes, as measured columns [2, E] (int64). Throws naming
/// `component` when none is left.
at::Tensor measured_prior_edges(const sdk::FitContext& context, const std::string& graph, const std::string& component);

/// Every pair regulator -> gene over `genes` measured genes with a regulator
/// of `regulators` (columns), self-pairs left out: {from, to} [P] each.
std::pair<at::Tensor, at::Tensor> candidate_pairs(const at::Tensor& regulators, std::int64_t genes);

/// Pairs of columns with scores (double) as named edges.
sdk::ScoredEdges named_edges(const at::Tensor& from, const at::Tensor& to, const at::Tensor& scores,
                             const std::vector<std::string>& genes);

/// network/correlation: |correlation| of expression across the fitting cells (correlation.cpp).
std::shared_ptr<sdk::NetworkInferrer> make_correlation(const sdk::Options& options);
sdk::OptionSchema correlation_options();

/// network/prior: a [model.graphs] prior network as the prediction (prior.cpp).
std::shared_ptr<sdk::NetworkInferrer> make_prior(const sdk::Options& options);
sdk::OptionSchema prior_options();

/// network/pidc: partial information decomposition (pidc.cpp).
std::shared_ptr<sdk::NetworkInferrer> make_pidc(const sdk::Options& options);
sdk::OptionSchema pidc_options();

/// network/grnboost: GRNBoost2's per-target gradient boosting on xgboost (grnboost.cpp).
std::shared_ptr<sdk::NetworkInferrer> make_grnboost(const sdk::Options& options);
sdk::OptionSchema grnboost_options();

/// network/perturbation_effects: a perturbed regulator's DE genes as its targets (perturbation_effects.cpp).
std::shared_ptr<sdk::NetworkInferrer> make_perturbation_effects(const sdk::Options& options);
sdk::OptionSchema perturbation_effects_options();

/// network/cell_transformer_gnn: a scBERT-style cell transformer and a GNN over a prior (cell_transformer_gnn.cpp).
std::shared_ptr<sdk::NetworkInferrer> make_cell_transformer_gnn(const sdk::Options& options);
sdk::OptionSchema cell_transformer_gnn_options();

/// network/degree: a regulator's edge rate times a target's in-degree, the degree baseline (degree.cpp).
std::shared_ptr<sdk::NetworkInferrer> make_degree(const sdk::Options& options);
sdk::OptionSchema degree_options();

/// network/random: uniformly random scores, the chance baseline (random_network.cpp).
std::shared_ptr<sdk::NetworkInferrer> make_random(const sdk::Options& options);
sdk::OptionSchema random_options();

}  // namespace trellis::network

// The network plugin: regulatory-network inferrers for task = "network".
#include "network.hpp"
#include "trellis/sdk/plugin.hpp"

namespace trellis::network {
namespace {
void register_components(sdk::Registrar& r) {
  r.add<sdk::NetworkInferrer>("correlation",
                              "|Pearson or Spearman r| between measured genes over the control, training and "
                              "validation cells",
                              correlation_options(), make_correlation);
  r.add<sdk::NetworkInferrer>("prior",
                              "A [model.graphs] prior network (e.g. DoRothEA, TRRUST) as the prediction: what "
                              "knowledge alone recovers",
                              prior_options(), make_prior);
  r.add<sdk::NetworkInferrer>("pidc",
                              "Partial information decomposition and context (PIDC, as BEELINE runs it) on "
                              "discretised expression",
                              pidc_options(), make_pidc);
  r.add<sdk::NetworkInferrer>("grnboost",
                              "GRNBoost2: per-target gradient-boosted trees on the regulators (xgboost), weights = "
                              "feature importances",
                              grnboost_options(), make_grnboost);
  r.add<sdk::NetworkInferrer>("perturbation_effects",
                              "From a CRISPR screen: each perturbed regulator's significant DE genes (Welch t, BH) as "
                              "its targets, weighted by |t|",
                              perturbation_effects_options(), make_perturbation_effects);
  r.add<sdk::NetworkInferrer>("cell_transformer_gnn",
                              "scBERT-style cell transformer pre-trained by masked expression, its gene embeddings "
                              "through a GNN over a prior network, a link decoder scoring regulator -> target",
                              cell_transformer_gnn_options(), make_cell_transformer_gnn);
  r.add<sdk::NetworkInferrer>("degree",
                              "The degree baseline of link prediction: a regulator's edge rate times a target's "
                              "in-degree, from a prior or (supervised protocol) the training truth pairs",
                              degree_options(), make_degree);
  r.add<sdk::NetworkInferrer>("random", "Uniformly random edge scores: the chance baseline (ratio metrics ~ 1)",
                              random_options(), make_random);
}
}  // namespace
}  // namespace trellis::network

TRELLIS_PLUGIN("network", "0.1.0", "Regulatory-network inference: correlation, PIDC, GRNBoost2, a prior network, networks from perturbations, a cell transformer with a GNN, and a random baseline", "MIT",
               trellis::network::register_components)

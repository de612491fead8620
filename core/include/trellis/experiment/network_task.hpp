#pragma once
// `task = "network"`: instead of predicting the test conditions' expression,
// the model infers a regulatory network from the fitting data, which is
// written as network.tsv and scored against [data] truth_network with
// graph_metric/* components.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "trellis/eval/graph_scoring.hpp"
#include "trellis/experiment/supervised_protocol.hpp"
#include "trellis/plugin/plugin_host.hpp"

namespace trellis::core::experiment {

struct Prepared;

/// What `trellis run` evaluates: expression predictions or an inferred network.
enum class Task { response, network };

/// The top-level `task` key: "response" (the default) or "network"; another
/// value is an error suggesting the nearest.
Task task_of(const toml::table& config);
/// "response" or "network".
std::string task_name(Task task);

/// Checks, before any data is loaded, that a network run can happen: [data]
/// names a truth_network file that exists (and a regulators file, if any,
/// exists), and the model infers a network: [model.network] names a
/// network/* component, or the predictor implements sdk::NetworkInferrer.
void check_network_task(const toml::table& config, const plugin::PluginHost& host);

/// True when the network comes from [model.network], not the predictor (so
/// the predictor need not be fitted).
bool has_network_component(const toml::table& config);

/// The truth a network is scored against: [data] truth_network restricted
/// to the measured genes, as a GraphMetricInput without the prediction; the
/// measured genes of [data] regulators go to `p.context.regulators`. Read
/// right after the data, before fitting, so a truth or TF list that names
/// no measured gene fails early (with counts and examples).
sdk::GraphMetricInput load_network_truth(Prepared& p, const toml::table& config);

/// Names of the model's graphs ([model.graphs]) that hold exactly the
/// truth's edges (in either direction, among the measured genes): a prior
/// that is the answer. The run refuses them unless [data]
/// allow_truth_as_prior = true.
std::vector<std::string> graphs_equal_to_truth(const Prepared& p, const sdk::GraphMetricInput& truth);
/// [data] allow_truth_as_prior (false when absent).
bool allow_truth_as_prior(const toml::table& config);
/// graphs_equal_to_truth, refused (an error naming them and the way out)
/// unless [data] allow_truth_as_prior = true, then logged as a warning.
/// Returns the graphs, for run.json's truth_as_prior.
std::vector<std::string> check_truth_as_prior(const Prepared& p, const sdk::GraphMetricInput& truth,
                                              const toml::table& config);


/// Infers the network from the fitting data (the [model.network] component,
/// else the fitted predictor), writes `dir/network.tsv`, and scores it with
/// `metrics` against `truth`. With `supervised`, then runs the supervised
/// protocol too (supervised_protocol.hpp), its genelink_* metrics added to
/// the evaluation's overall ones.
eval::Evaluation infer_and_score_network(Prepared& p, sdk::GraphMetricInput truth,
                                         const std::vector<eval::NamedGraphMetric>& metrics,
                                         const std::optional<SupervisedSettings>& supervised,
                                         const std::filesystem::path& dir);

}  // namespace trellis::core::experiment

#pragma once
// The simulator's ground truth: a sparse, acyclic, contractive gene
// regulatory network and the perturbations applied to it.
//
// Model (log scale). Let y be the vector of log fold changes of steady-state
// expression relative to the unperturbed cell, u the direct effect of the
// perturbations (u_t = log(fold_t) for each perturbed gene t, 0 elsewhere)
// and W the signed edge weights (W[target][regulator]). Then
//     y = W y + u,   i.e.   y = (I - W)^-1 u,
// the linearisation of x = b + W x around the unperturbed state x = b. The
// graph is acyclic (regulators come first in a random topological order and
// only point forward), so (I - W) is unit triangular in that order and the
// steady state is one pass over the edges. It is also contractive: the
// absolute incoming weights of every gene sum to at most max_in_weight < 1
// (||W||_inf < 1), so |y| <= max|u| / (1 - max_in_weight) however deep a
// cascade runs. Expected counts are library_size * relative_expression *
// exp(y), so a double perturbation is multiplicative (additive in y) unless
// the combination carries an interaction term.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace trellis::core::simulate {

class Rng;

/// A regulatory edge. `weight` is signed: > 0 activates, < 0 represses.
struct Edge {
  std::int32_t regulator = 0;
  std::int32_t target = 0;
  double weight = 0.0;
};

struct NetworkOptions {
  double regulator_fraction = 0.05;      ///< share of measured genes that regulate others
  double mean_out_degree = 10.0;         ///< mean targets per protein-coding regulator
  double noncoding_degree_factor = 0.3;  ///< lncRNA/miRNA regulators get this share of it
  double activating_fraction = 0.7;      ///< share of edges with a positive sign
  double weight_min = 0.2;               ///< edge weight magnitudes are uniform in [min, max] ...
  double weight_max = 0.8;
  double max_in_weight = 0.8;            ///< ... then scaled so no gene's incoming |weights| sum above this
};

/// An interaction of a double perturbation beyond the sum of its singles:
/// on `genes`, y = (1 + strength) * y_additive; strength > 0 is synergy
/// (the joint effect is stronger), < 0 buffering (weaker; -1 cancels it).
struct ComboTruth {
  std::int32_t first = 0;   ///< universe index of a perturbed gene
  std::int32_t second = 0;
  bool non_additive = false;
  std::string interaction = "none";  ///< "none", "synergy" or "buffering"
  double strength = 0.0;
  std::vector<std::int32_t> genes;   ///< measured genes carrying the interaction
};

/// The known truth of a simulated screen. Genes are the universe: the
/// `measured` first genes are the screen's columns (in order), the rest are
/// perturbed genes whose expression is not measured.
struct Network {
  std::vector<std::string> genes;
  std::vector<std::string> biotypes;      ///< sdk::Biotype names
  std::size_t measured = 0;
  std::vector<std::uint8_t> is_regulator;
  std::vector<std::int32_t> order;        ///< a topological order of the universe
  std::vector<Edge> edges;                ///< grouped by regulator, regulators in topological order
  double max_in_weight = 0.0;
  std::vector<double> relative_expression;  ///< unperturbed share of the library (measured genes sum to 1)
  std::vector<double> size;                 ///< NB size
  std::vector<std::int32_t> targets;        ///< single-perturbation targets
  std::vector<double> fold;                 ///< direct fold change of each target (parallel to targets)
  std::vector<ComboTruth> combos;

  std::size_t size_of_universe() const { return genes.size(); }
};

/// Picks regulators (the `forced_regulators` plus round(regulator_fraction *
/// measured) measured genes), a topological order and the edges, into the
/// network whose genes and biotypes are set.
void build_network(Network& network, const std::vector<std::int32_t>& forced_regulators,
                   const NetworkOptions& options, Rng& rng);

/// y = (I - W)^-1 u for direct effects `u` (one entry per universe gene).
std::vector<double> steady_state(const Network& network, std::vector<double> u);

/// Writes the edges as TSV with the header `regulator\ttarget\tsign\tweight`
/// (symbols, +1/-1, weight magnitude) to a temporary file renamed over
/// `file`. Throws std::runtime_error naming the file on failure.
void write_network_tsv(const Network& network, const std::filesystem::path& file);

}  // namespace trellis::core::simulate

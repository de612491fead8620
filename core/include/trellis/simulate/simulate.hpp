#pragma once
// A synthetic Perturb-seq screen with known ground truth: real gene symbols,
// a random regulatory network, negative-binomial UMI counts.
//
// Steps (each from its own random stream of the seed, so e.g. changing the
// number of cells does not change the network):
//  1. genes: `genes` measured genes plus the perturbed genes that are not
//     measured (round(perturbations * unmeasured_fraction)), mostly protein
//     coding, some lncRNA/miRNA (genes.hpp);
//  2. baseline NB parameters per gene (baseline.hpp); relative expression is
//     scaled so the measured genes sum to 1, so a cell's library size is its
//     expected count total over measured genes;
//  3. the network (network.hpp: the model is documented there);
//  4. perturbation targets (a share drawn from the regulators, so that
//     perturbations propagate), each with a fold change drawn from
//     [fold_min, fold_max]; `combos` distinct pairs of them, a share of which
//     get an interaction term on some of their downstream genes;
//  5. cells: round(cells * control_fraction) controls, the rest split evenly
//     over the conditions, in random order; library size log-normal;
//     counts ~ NB(library * relative_expression * exp(y), size), sampled per
//     cell from a stream of (seed, cell index), so the result does not depend
//     on the number of threads.

#include <cstdint>
#include <filesystem>
#include <string>

#include "trellis/sdk/table.hpp"
#include "trellis/simulate/network.hpp"

namespace trellis::core::simulate {

struct SimulationOptions {
  std::int64_t cells = 20000;
  std::int64_t genes = 5000;          ///< measured genes (columns)
  std::int64_t perturbations = 100;   ///< single-gene perturbation targets, one condition each
  std::int64_t combos = 50;           ///< double perturbations (distinct pairs of the targets)
  std::uint64_t seed = 0;
  std::string type = "knockdown";     ///< "knockdown" or "activation"
  /// Fold change of a target's own expression, drawn uniformly per target.
  /// 0 = the type's default: knockdown 0.1-0.3, activation 3-10.
  double fold_min = 0.0;
  double fold_max = 0.0;
  double control_fraction = 0.15;
  NetworkOptions network;
  double noncoding_fraction = 0.1;         ///< share of lncRNA/miRNA genes
  double regulator_target_fraction = 0.7;  ///< share of measured targets drawn from the regulators
  double unmeasured_fraction = 0.05;       ///< share of targets outside the measured genes
  double interaction_fraction = 0.3;       ///< share of combos with a non-additive term
  std::int64_t interaction_genes = 20;     ///< at most this many downstream genes carry it
  double interaction_strength_min = 0.5;   ///< |strength| uniform in [min, max]
  double interaction_strength_max = 1.0;
  double library_median = 8000.0;          ///< UMIs per cell over the measured genes
  double library_log_sd = 0.4;
  double baseline_log_sd = 2.2;            ///< without a baseline file: log-normal relative expression ...
  double baseline_size = 2.0;              ///< ... and this NB size for every gene
  std::filesystem::path genes_file;        ///< e.g. genes/orghs_genes.tsv.gz; empty: GENE00001, ...
  std::filesystem::path baseline_file;     ///< e.g. simulation/perturbplan_K562_10x_baseline.tsv.gz
  int threads = 0;                         ///< 0: OpenMP's default
};

/// Throws trellis::sdk::Error naming the option and how to fix it when the
/// options cannot make a screen.
void validate(const SimulationOptions& options);

/// The screen: X = UMI counts (cells x measured genes, CSR, float32 integers);
/// obs `condition` (ctrl, A+ctrl, A+B), `perturbation` (control, A, A+B),
/// `perturbation_type`, `n_counts`; var index = gene symbols, column
/// `biotype`; uns["simulation"] = the parameters, the seed and the truth
/// about perturbations. When `truth` is given it receives the network.
sdk::AnnData simulate(const SimulationOptions& options, Network* truth = nullptr);

}  // namespace trellis::core::simulate

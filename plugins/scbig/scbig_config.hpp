#pragma once
// predictor/scbig's settings, read from its options (scbig_options.cpp).
#include <cstdint>
#include <string>
#include <vector>

#include "cell_autoencoder.hpp"
#include "trellis/sdk/ode.hpp"
#include "velocity_field.hpp"

namespace trellis::sdk {
class Options;
}

namespace trellis::scbig {

struct ScbigConfig {
  AutoencoderSizes autoencoder;
  VelocitySizes velocity;
  std::vector<std::string> gene_features;          ///< encoders for the chunks' positional code
  std::vector<std::string> perturbation_features;  ///< encoders for the perturbation embedding
  bool standardise_genes = true;  ///< autoencoder sees genes scaled to unit variance
  std::int64_t pretrain_epochs = 100;
  std::int64_t pretrain_batch = 256;
  double pretrain_lr = 1e-4;
  std::int64_t pretrain_cells = 0;       ///< pretraining cells per training condition (0 = all)
  std::int64_t fit_epochs = 50;
  std::int64_t fit_batch = 256;
  double fit_lr = 5e-5;
  std::int64_t cells_per_condition = 0;  ///< flow-matching items per training condition (0 = all cells)
  double sigma = 0.5;                    ///< constant path noise
  double ot_epsilon = 1.0;               ///< minibatch OT
  double correlation_weight = 0.1;
  double gene_set_weight = 0.1;
  double gene_set_epsilon = 0.1;
  std::int64_t gene_set_iterations = 50;
  std::int64_t gene_set_min = 5, gene_set_max = 500, max_gene_sets = 200;
  std::int64_t aux_every = 10;   ///< auxiliary losses every this many flow steps
  std::int64_t aux_cells = 64;   ///< rows of the batch they are computed on
  sdk::OdeSettings solver;
  std::int64_t inference_cells = 100;  ///< control cells integrated per predicted condition
};

ScbigConfig read_config(const sdk::Options& options);

}  // namespace trellis::scbig

#pragma once
// The options of predictor/grape, checked once when the component is made.

#include <cstdint>
#include <string>
#include <vector>

namespace trellis::sdk {
class Options;
class OptionSchema;
}  // namespace trellis::sdk

namespace trellis::grape {

/// How the perturbed genes enter the node representation.
enum class PerturbationInput {
  learned,    ///< + sign * a learned [hidden] embedding on the perturbed rows (the corrected default)
  reference,  ///< rows zeroed in training, negated at prediction (the published code's behaviour)
};

struct GrapeConfig {
  std::vector<std::string> modalities = {"text", "dna"};
  std::string graph = "prior";
  double kernel_sigma = 0.1;
  std::int64_t hidden = 256;
  std::int64_t out_dim = 64;
  std::int64_t gat_heads = 4;
  double gat_dropout = 0.4;
  std::vector<std::int64_t> decoder_hidden = {128};
  PerturbationInput perturbation = PerturbationInput::learned;
  bool broadcast = false;
  double clamp_below = 0.01;
  double huber_delta = 0.7;
  double huber_weight = 1.0;
  double autofocus_gamma = 0.0;
  std::int64_t pretrain_epochs = 0;
  std::int64_t pretrain_dim = 128;
  double pretrain_temperature = 0.1;
  std::int64_t pretrain_batch = 256;
  double pretrain_lr = 1e-3;
  std::int64_t eval_chunk = 64;
};

sdk::OptionSchema grape_options();
/// Reads and checks the options; throws trellis::sdk::Error naming the option.
GrapeConfig read_grape_config(const sdk::Options& options);

}  // namespace trellis::grape

#pragma once
// dnalm/gpn_conv: GPN's convolutional masked language model over DNA
// (Benegas et al. 2023, the ConvNet of gpn/legacy.py).

#include <memory>

#include "trellis/sdk/dna_model.hpp"
#include "trellis/sdk/options.hpp"

namespace trellis::dnalm {

sdk::OptionSchema gpn_conv_options();
std::shared_ptr<sdk::DnaModel> make_gpn_conv(const sdk::Options& options);

}  // namespace trellis::dnalm

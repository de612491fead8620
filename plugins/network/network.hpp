#pragma once
// The network/* components' factories and option schemas, and the cells
// they may learn from; registered by network_plugin.cpp.

#include <memory>
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

/// network/coexpression: |correlation| of expression across the fitting cells (coexpression.cpp).
std::shared_ptr<sdk::NetworkInferrer> make_coexpression(const sdk::Options& options);
sdk::OptionSchema coexpression_options();

/// network/random: uniformly random scores, the chance baseline (random_network.cpp).
std::shared_ptr<sdk::NetworkInferrer> make_random(const sdk::Options& options);
sdk::OptionSchema random_options();

}  // namespace trellis::network

#pragma once
// Conditions a user names on the command line (`trellis predict --perturb
// A+B`), including combinations the screen never measured.

#include <string>
#include <vector>

#include "trellis/data/conditions.hpp"
#include "trellis/sdk/data.hpp"

namespace trellis::core::experiment {

/// One condition per label, spelled as in the dataset (`format`; GEARS's
/// "A+ctrl" works too). Every gene must be in the screen's gene universe
/// (an error names the gene and the nearest symbol). The perturbation type
/// is that of the screen's condition with the same genes, else the type
/// most of the screen's perturbed conditions have. Control is refused.
std::vector<sdk::Condition> requested_conditions(const std::vector<std::string>& labels, const sdk::Screen& screen,
                                                 const data::ConditionFormat& format);

}  // namespace trellis::core::experiment

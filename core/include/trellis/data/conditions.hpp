#pragma once
// Perturbation condition labels: "ctrl", "A+ctrl", "ctrl+A", "A+B" (GEARS),
// or "control", "A", "A+B" (other tools), parsed with a configurable
// control label and delimiter.

#include <string>
#include <vector>

namespace trellis::core::data {

/// How a dataset spells its conditions.
struct ConditionFormat {
  std::string control = "ctrl";   ///< the control label
  std::string delimiter = "+";    ///< between genes of a combination
};

/// A parsed label: the perturbed genes (sorted, without control tokens);
/// empty for control.
struct ParsedCondition {
  std::vector<std::string> genes;
  bool is_control() const { return genes.empty(); }
};

/// Parses one label. Tokens equal to the control label (or, for GEARS-style
/// data, "ctrl") are dropped, so "A+ctrl" and "ctrl+A" are the single A.
/// Throws trellis::sdk::Error for an empty label or an empty token ("A++B").
ParsedCondition parse_condition(const std::string& label, const ConditionFormat& format);

/// Canonical key of a gene set: genes sorted, joined by "+" ("" for control),
/// so "B+A" and "A+B" name the same condition.
std::string condition_key(const std::vector<std::string>& genes);

}  // namespace trellis::core::data

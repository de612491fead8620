#pragma once
/// @file split.hpp
/// Splitter: conditions -> train / validation / test sets with subgroups.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "trellis/sdk/data.hpp"
#include "trellis/sdk/export.hpp"
#include "trellis/sdk/kind.hpp"

namespace trellis::sdk {

/// Condition names (as spelled in the dataset) per set, plus named test
/// subgroups (e.g. `unseen_single`, `combo_seen0`). Control is in no set.
struct TRELLIS_SDK_API Split {
  std::vector<std::string> train;
  std::vector<std::string> val;
  std::vector<std::string> test;
  std::map<std::string, std::vector<std::string>> subgroups;
};

/// Divides the perturbed conditions of a screen (registered as `splitter/<name>`).
class TRELLIS_SDK_API Splitter {
 public:
  virtual ~Splitter();
  /// `conditions` excludes control. Same seed, same split.
  virtual Split split(const std::vector<Condition>& conditions, std::uint64_t seed) = 0;
};

TRELLIS_SDK_KIND(Splitter, "splitter", "Divides perturbed conditions into train, validation and test sets")

}  // namespace trellis::sdk

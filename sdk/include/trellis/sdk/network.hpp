#pragma once
/// @file network.hpp
/// NetworkInferrer: infers a scored regulator -> target edge list (task = "network").

#include <string>
#include <vector>

#include "trellis/sdk/export.hpp"
#include "trellis/sdk/kind.hpp"

namespace trellis::sdk {

struct FitContext;

/// A scored, directed edge list over gene symbols: edge i goes from
/// `regulator[i]` to `target[i]` with confidence `score[i]` (higher = more
/// confident). Scores need not be calibrated; only their order is scored.
struct TRELLIS_SDK_API ScoredEdges {
  std::vector<std::string> regulator;
  std::vector<std::string> target;
  std::vector<double> score;

  std::size_t size() const { return score.size(); }
  /// Throws trellis::sdk::Error when the three columns differ in length or
  /// a score is not finite (naming the edge).
  void validate() const;
};

/// Infers a regulatory network from the training data of the context.
/// Registered as `network/<name>`; a predictor that learns a graph may
/// implement it too, so `task = "network"` can score that graph.
class TRELLIS_SDK_API NetworkInferrer {
 public:
  virtual ~NetworkInferrer();
  virtual ScoredEdges infer(FitContext& context) = 0;
};

TRELLIS_SDK_KIND(NetworkInferrer, "network", "Infers a scored regulator -> target network from the screen")

}  // namespace trellis::sdk

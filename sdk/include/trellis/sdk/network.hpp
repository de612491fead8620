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

/// Regulator -> target pairs with a label each (1 = a truth edge, 0 = not):
/// the training and validation sets of the supervised protocol.
struct TRELLIS_SDK_API LabelledPairs {
  std::vector<std::string> regulator;
  std::vector<std::string> target;
  std::vector<int> label;

  std::size_t size() const { return label.size(); }
};

/// Infers a regulatory network from the training data of the context.
/// Registered as `network/<name>`; a predictor that learns a graph may
/// implement it too, so `task = "network"` can score that graph.
class TRELLIS_SDK_API NetworkInferrer {
 public:
  virtual ~NetworkInferrer();
  virtual ScoredEdges infer(FitContext& context) = 0;

  /// The supervised protocol ([eval.supervised], GENELink's): learn from the
  /// labelled truth pairs of `train` (and `validation`, for model
  /// selection), then return one score per pair of `query` (the unlabelled
  /// test pairs), in order. The default returns an empty vector, meaning
  /// "not supervised": the host then scores the query pairs with infer()'s
  /// network, unlisted pairs at 0, so every inferrer has a row under both
  /// protocols. Called after infer() on the same inferrer, which may reuse
  /// what it learned without labels (a pre-trained cell encoder) but not the
  /// link decoder it fitted to a prior.
  virtual std::vector<double> infer_supervised(FitContext& context, const LabelledPairs& train,
                                               const LabelledPairs& validation, const ScoredEdges& query);
};

TRELLIS_SDK_KIND(NetworkInferrer, "network", "Infers a scored regulator -> target network from the screen")

}  // namespace trellis::sdk

#pragma once
// The supervised protocol most GNN network papers report (GENELink, Chen &
// Liu 2022), beside BEELINE's unsupervised one: the truth's edges are split
// per regulator into training, validation and test pairs, with every
// non-target of the regulator as a negative ("hard negatives"); a method
// may learn from the training pairs and is scored on the test pairs only.
// Enabled by [eval.supervised]; its metrics are named genelink_*.

#include <cstdint>
#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "trellis/sdk/graph_metric.hpp"
#include "trellis/sdk/network.hpp"
#include "trellis/sdk/options.hpp"

namespace trellis::core::experiment {

struct SupervisedSettings {
  double train = 0.2;          ///< share of each regulator's targets (and non-targets) to train on
  double validation = 0.1;     ///< share for validation, after the training share
  double single_target_train = 0.5;  ///< probability that a regulator's only target is a training pair
};

/// The keys of [eval.supervised], with defaults and ranges.
sdk::OptionSchema supervised_schema();
/// Reads [eval.supervised] (given as JSON), checked against the schema.
SupervisedSettings parse_supervised(const nlohmann::json& table);

struct SupervisedSplit {
  sdk::LabelledPairs train, validation, test;
};

/// GENELink's per-regulator split (Train_Test_Split.py, hard negatives):
/// for each regulator of the truth, its targets are shuffled; one target
/// goes to training with probability single_target_train, else to test;
/// two go one to training and one to test; n >= 3 give floor(n * train) to
/// training, floor(n * (train + validation)) minus that to validation and
/// the rest to test. Its negatives (every measured gene that is neither a
/// target nor itself) are shuffled and split by the same floors. Seeded.
SupervisedSplit split_per_regulator(const sdk::GraphMetricInput& truth, const SupervisedSettings& settings,
                                    std::uint64_t seed);

/// Scores for `split.test`: `supervised` when the inferrer returned them,
/// else the largest |score| `network` gives each pair (0 when unlisted).
/// Returns genelink_auroc (sklearn roc_auc_score), genelink_auprc
/// (average_precision_score) and genelink_auprc_ratio (that over the test
/// pairs' positive share), and writes `dir/supervised_pairs.tsv` (set,
/// regulator, target, label, score; scores for test pairs only) and
/// `dir/supervised.json` (split sizes, whether the method trained on the
/// truth).
std::map<std::string, double> score_supervised(const SupervisedSplit& split, const std::vector<double>& supervised,
                                               const sdk::ScoredEdges& network, const SupervisedSettings& settings,
                                               const std::filesystem::path& dir);

}  // namespace trellis::core::experiment

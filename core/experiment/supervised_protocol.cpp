#include "trellis/experiment/supervised_protocol.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <sstream>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/stats.hpp"
#include "trellis/util/atomic_file.hpp"
#include "trellis/util/csv.hpp"

namespace trellis::core::experiment {

namespace {

// Fisher-Yates with plain modulo draws: the same order on every platform
// (std::shuffle's use of the engine is implementation-defined).
void shuffle(std::vector<std::string>& items, std::mt19937_64& rng) {
  for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[rng() % i]);
}

void add(sdk::LabelledPairs& set, const std::string& regulator, const std::vector<std::string>& targets,
         std::size_t from, std::size_t to, int label) {
  for (std::size_t i = from; i < to; ++i) {
    set.regulator.push_back(regulator);
    set.target.push_back(targets[i]);
    set.label.push_back(label);
  }
}

std::int64_t count_label(const sdk::LabelledPairs& set, int label) {
  return std::count(set.label.begin(), set.label.end(), label);
}

nlohmann::json sizes(const sdk::LabelledPairs& set) {
  return {{"positives", count_label(set, 1)}, {"negatives", count_label(set, 0)}};
}

}  // namespace

sdk::OptionSchema supervised_schema() {
  const SupervisedSettings d;
  sdk::OptionSchema s;
  s.add("train", d.train, "share of each regulator's targets and non-targets to train on (GENELink 2:1:7 -> 0.2)")
      .range(0.0, 1.0);
  s.add("validation", d.validation, "share for validation, taken after the training share").range(0.0, 1.0);
  s.add("single_target_train", d.single_target_train,
        "probability that a regulator's only target is a training pair (else a test pair)")
      .range(0.0, 1.0);
  return s;
}

SupervisedSettings parse_supervised(const nlohmann::json& table) {
  const sdk::Options o(supervised_schema(), table, "[eval.supervised]");
  SupervisedSettings s;
  s.train = o.get_double("train");
  s.validation = o.get_double("validation");
  s.single_target_train = o.get_double("single_target_train");
  if (s.train + s.validation >= 1.0)
    throw sdk::Error("[eval.supervised] train + validation = " + std::to_string(s.train + s.validation) +
                     " leaves no test pairs; keep their sum below 1 (GENELink: train = 0.2, validation = 0.1)");
  return s;
}

SupervisedSplit split_per_regulator(const sdk::GraphMetricInput& truth, const SupervisedSettings& settings,
                                    std::uint64_t seed) {
  std::map<std::string, std::set<std::string>> targets;
  for (const auto& [from, to] : truth.truth)
    if (from != to) targets[from].insert(to);
  std::mt19937_64 rng(seed ^ 0x5eed5u);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  SupervisedSplit split;
  for (const auto& [regulator, positives] : targets) {
    std::vector<std::string> pos(positives.begin(), positives.end());
    shuffle(pos, rng);
    const std::size_t n = pos.size();
    if (n == 1) {
      add(uniform(rng) <= settings.single_target_train ? split.train : split.test, regulator, pos, 0, 1, 1);
    } else if (n == 2) {
      add(split.train, regulator, pos, 0, 1, 1);
      add(split.test, regulator, pos, 1, 2, 1);
    } else {
      const auto a = static_cast<std::size_t>(static_cast<double>(n) * settings.train);
      const auto b = static_cast<std::size_t>(static_cast<double>(n) * (settings.train + settings.validation));
      add(split.train, regulator, pos, 0, a, 1);
      add(split.validation, regulator, pos, a, b, 1);
      add(split.test, regulator, pos, b, n, 1);
    }
    std::vector<std::string> neg;
    for (const auto& g : truth.genes)
      if (g != regulator && !positives.count(g)) neg.push_back(g);
    shuffle(neg, rng);
    const std::size_t m = neg.size();
    const auto a = static_cast<std::size_t>(static_cast<double>(m) * settings.train);
    const auto b = static_cast<std::size_t>(static_cast<double>(m) * (settings.train + settings.validation));
    add(split.train, regulator, neg, 0, a, 0);
    add(split.validation, regulator, neg, a, b, 0);
    add(split.test, regulator, neg, b, m, 0);
  }
  if (count_label(split.test, 1) == 0 || count_label(split.test, 0) == 0)
    throw sdk::Error("[eval.supervised]: the test pairs hold " + std::to_string(count_label(split.test, 1)) +
                     " truth edges and " + std::to_string(count_label(split.test, 0)) +
                     " non-edges; both are needed. The truth network has " + std::to_string(truth.truth.size()) +
                     " edges among the measured genes: lower train and validation, or use a larger truth");
  return split;
}

std::map<std::string, double> score_supervised(const SupervisedSplit& split, const std::vector<double>& supervised,
                                               const sdk::ScoredEdges& network, const SupervisedSettings& settings,
                                               const std::filesystem::path& dir) {
  const sdk::LabelledPairs& test = split.test;
  std::vector<double> scores = supervised;
  const bool trained = !scores.empty();
  if (trained) {
    if (scores.size() != test.size())
      throw sdk::Error("the supervised protocol asked for " + std::to_string(test.size()) + " test pair scores and got " +
                       std::to_string(scores.size()));
    for (std::size_t i = 0; i < scores.size(); ++i)
      if (!std::isfinite(scores[i]))
        throw sdk::Error("the supervised protocol's score of " + test.regulator[i] + " -> " + test.target[i] +
                         " is not finite");
  } else {
    std::unordered_map<std::string, double> listed;
    for (std::size_t e = 0; e < network.size(); ++e) {
      double& s = listed[network.regulator[e] + '\t' + network.target[e]];
      s = std::max(s, std::abs(network.score[e]));
    }
    scores.reserve(test.size());
    for (std::size_t i = 0; i < test.size(); ++i) {
      const auto it = listed.find(test.regulator[i] + '\t' + test.target[i]);
      scores.push_back(it == listed.end() ? 0.0 : it->second);
    }
  }
  const double positive_share = static_cast<double>(count_label(test, 1)) / static_cast<double>(test.size());
  std::map<std::string, double> metrics;
  metrics["genelink_auroc"] = sdk::roc_auc(scores, test.label);
  metrics["genelink_auprc"] = sdk::average_precision(scores, test.label);
  metrics["genelink_auprc_ratio"] = metrics["genelink_auprc"] / positive_share;

  // Every pair with its set, so the split can be checked and reused; only
  // test pairs are scored.
  std::ostringstream out;
  out << "set\tregulator\ttarget\tlabel\tscore\n";
  const auto write = [&](const char* name, const sdk::LabelledPairs& set, const std::vector<double>* values) {
    for (std::size_t i = 0; i < set.size(); ++i)
      out << name << '\t' << set.regulator[i] << '\t' << set.target[i] << '\t' << set.label[i] << '\t'
          << (values ? util::format_double((*values)[i]) : std::string()) << '\n';
  };
  write("train", split.train, nullptr);
  write("validation", split.validation, nullptr);
  write("test", test, &scores);
  util::write_file_atomic(dir / "supervised_pairs.tsv", out.str());
  const nlohmann::json summary = {
      {"protocol", "GENELink: truth edges split per regulator, all non-targets as negatives; scored on test pairs"},
      {"trained_on_truth", trained},
      {"settings",
       {{"train", settings.train},
        {"validation", settings.validation},
        {"single_target_train", settings.single_target_train}}},
      {"train", sizes(split.train)},
      {"validation", sizes(split.validation)},
      {"test", sizes(test)},
      {"metrics", metrics}};
  util::write_file_atomic(dir / "supervised.json", summary.dump(2) + "\n");
  spdlog::info("supervised protocol ({}): test AUROC {:.4f}, AUPRC {:.4f} over {} pairs ({} truth edges)",
               trained ? "trained on the training truth pairs" : "the unsupervised network's scores",
               metrics["genelink_auroc"], metrics["genelink_auprc"], test.size(), count_label(test, 1));
  return metrics;
}

}  // namespace trellis::core::experiment

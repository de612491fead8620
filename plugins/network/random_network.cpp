// network/random: the chance baseline. Every ordered pair of measured genes
// (leaving a regulator, with [data] regulators)
// gets a score drawn uniformly from [0, 1) (seeded), so its graph metrics'
// ratios to a random predictor are 1 up to sampling noise. Beyond
// `max_edges` pairs, that many distinct pairs are drawn instead (the pairs
// left out rank last in random order, which is the same in expectation).
#include <random>
#include <set>

#include "network.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::network {

namespace {

class RandomNetwork : public sdk::NetworkInferrer {
 public:
  explicit RandomNetwork(const sdk::Options& options)
      : seed_(options.get_int("seed")), max_edges_(options.get_int("max_edges")) {}

  sdk::ScoredEdges infer(sdk::FitContext& context) override {
    const std::vector<std::string> genes = measured_symbols(context, "network/random");
    const auto g = static_cast<std::int64_t>(genes.size());
    if (g < 2) throw sdk::Error("network/random: needs at least 2 measured genes, the screen has " + std::to_string(g));
    std::mt19937_64 rng(context.seed * 1000003ULL + static_cast<std::uint64_t>(seed_));
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    sdk::ScoredEdges edges;
    const auto add = [&](std::int64_t a, std::int64_t b) {
      edges.regulator.push_back(genes[static_cast<std::size_t>(a)]);
      edges.target.push_back(genes[static_cast<std::size_t>(b)]);
      edges.score.push_back(uniform(rng));
    };
    const std::vector<std::int64_t> regulators = regulator_columns(context, genes);
    const auto r = static_cast<std::int64_t>(regulators.size());
    if (r * (g - 1) <= max_edges_) {
      for (const std::int64_t a : regulators)
        for (std::int64_t b = 0; b < g; ++b)
          if (a != b) add(a, b);
      return edges;
    }
    std::uniform_int_distribution<std::int64_t> pick_regulator(0, r - 1), pick(0, g - 1);
    std::set<std::pair<std::int64_t, std::int64_t>> chosen;
    while (static_cast<std::int64_t>(chosen.size()) < max_edges_) {
      const std::int64_t a = regulators[static_cast<std::size_t>(pick_regulator(rng))], b = pick(rng);
      if (a != b && chosen.insert({a, b}).second) add(a, b);
    }
    return edges;
  }

 private:
  std::int64_t seed_;
  std::int64_t max_edges_;
};

}  // namespace

sdk::OptionSchema random_options() {
  sdk::OptionSchema s;
  s.add("seed", std::int64_t{0}, "added to the experiment's seed");
  s.add("max_edges", std::int64_t{1000000}, "list every ordered pair up to this many, else this many random pairs")
      .min(1);
  return s;
}

std::shared_ptr<sdk::NetworkInferrer> make_random(const sdk::Options& options) {
  return std::make_shared<RandomNetwork>(options);
}

}  // namespace trellis::network

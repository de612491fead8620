#include "trellis/simulate/network.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_set>

#include "trellis/simulate/random.hpp"
#include "trellis/util/atomic_file.hpp"

namespace trellis::core::simulate {

namespace {

// `k` distinct values of [0, n) (Floyd's algorithm), in increasing order.
std::vector<std::int64_t> distinct_below(std::int64_t n, std::int64_t k, Rng& rng) {
  std::unordered_set<std::int64_t> chosen;
  chosen.reserve(static_cast<std::size_t>(k) * 2);
  for (std::int64_t j = n - k; j < n; ++j) {
    const auto t = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(j + 1)));
    if (!chosen.insert(t).second) chosen.insert(j);
  }
  std::vector<std::int64_t> out(chosen.begin(), chosen.end());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

void build_network(Network& network, const std::vector<std::int32_t>& forced_regulators,
                   const NetworkOptions& options, Rng& rng) {
  const auto universe = static_cast<std::int64_t>(network.genes.size());
  const auto measured = static_cast<std::int64_t>(network.measured);
  network.is_regulator.assign(static_cast<std::size_t>(universe), 0);
  for (std::int32_t g : forced_regulators) network.is_regulator[static_cast<std::size_t>(g)] = 1;
  const auto wanted = std::llround(options.regulator_fraction * static_cast<double>(measured));
  for (std::int64_t i : distinct_below(measured, std::min<std::int64_t>(wanted, measured), rng))
    network.is_regulator[static_cast<std::size_t>(i)] = 1;

  // Regulators first, in random order, then everything else: a regulator
  // may only point later in this order, which keeps the graph acyclic while
  // still allowing regulator cascades.
  std::vector<std::int32_t> regulators, others;
  for (std::int32_t g = 0; g < universe; ++g)
    (network.is_regulator[static_cast<std::size_t>(g)] ? regulators : others).push_back(g);
  auto shuffle = [&rng](std::vector<std::int32_t>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
  };
  shuffle(regulators);
  shuffle(others);
  network.order = regulators;
  network.order.insert(network.order.end(), others.begin(), others.end());

  network.edges.clear();
  for (std::size_t position = 0; position < regulators.size(); ++position) {
    const std::int32_t regulator = regulators[position];
    const bool coding = network.biotypes[static_cast<std::size_t>(regulator)] == "protein_coding";
    const double mean = options.mean_out_degree * (coding ? 1.0 : options.noncoding_degree_factor);
    // 1 + geometric: every regulator acts on something, with the long tail
    // of hub regulators that real networks show.
    const std::int64_t degree = mean <= 0.0 ? 0 : 1 + rng.geometric(std::max(0.0, mean - 1.0));
    const auto first_allowed = static_cast<std::int64_t>(position) + 1;
    const std::int64_t allowed = universe - first_allowed;
    for (std::int64_t k : distinct_below(allowed, std::min(degree, allowed), rng)) {
      const double magnitude = rng.uniform(options.weight_min, options.weight_max);
      const double sign = rng.bernoulli(options.activating_fraction) ? 1.0 : -1.0;
      network.edges.push_back({regulator, network.order[static_cast<std::size_t>(first_allowed + k)], sign * magnitude});
    }
  }

  std::vector<double> incoming(static_cast<std::size_t>(universe), 0.0);
  for (const Edge& e : network.edges) incoming[static_cast<std::size_t>(e.target)] += std::fabs(e.weight);
  for (Edge& e : network.edges) {
    const double total = incoming[static_cast<std::size_t>(e.target)];
    if (total > options.max_in_weight) e.weight *= options.max_in_weight / total;
  }
  network.max_in_weight = options.max_in_weight;
}

std::vector<double> steady_state(const Network& network, std::vector<double> u) {
  // Edges are grouped by regulator in topological order, so every edge into
  // a regulator has been applied before that regulator's own edges are.
  for (const Edge& e : network.edges)
    u[static_cast<std::size_t>(e.target)] += e.weight * u[static_cast<std::size_t>(e.regulator)];
  return u;
}

void write_network_tsv(const Network& network, const std::filesystem::path& file) {
  std::string text = "regulator\ttarget\tsign\tweight\n";
  text.reserve(text.size() + network.edges.size() * 32);
  char number[32];
  for (const Edge& e : network.edges) {
    text += network.genes[static_cast<std::size_t>(e.regulator)];
    text += '\t';
    text += network.genes[static_cast<std::size_t>(e.target)];
    text += e.weight >= 0.0 ? "\t1\t" : "\t-1\t";
    std::snprintf(number, sizeof number, "%.6g", std::fabs(e.weight));
    text += number;
    text += '\n';
  }
  util::write_file_atomic(file, text);
}

}  // namespace trellis::core::simulate

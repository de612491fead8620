#include "trellis/simulate/simulate.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include <spdlog/spdlog.h>

#include "trellis/sdk/error.hpp"
#include "trellis/simulate/baseline.hpp"
#include "trellis/simulate/genes.hpp"
#include "trellis/simulate/random.hpp"

namespace trellis::core::simulate {

namespace {

// Stream ids: one per step, and one per cell above cell_stream_base.
constexpr std::uint64_t genes_stream = 1;
constexpr std::uint64_t baseline_stream = 2;
constexpr std::uint64_t network_stream = 3;
constexpr std::uint64_t perturbation_stream = 4;
constexpr std::uint64_t cell_order_stream = 5;
constexpr std::uint64_t cell_stream_base = std::uint64_t{1} << 32;

// Cells sampled between two appends to the output: bounds the buffers.
constexpr std::int64_t block_cells = 1024;

struct FoldRange {
  double low, high;
};

FoldRange fold_range(const SimulationOptions& o) {
  if (o.fold_min == 0.0 && o.fold_max == 0.0)
    return o.type == "activation" ? FoldRange{3.0, 10.0} : FoldRange{0.1, 0.3};
  return {o.fold_min, o.fold_max};
}

std::int64_t unmeasured_targets(const SimulationOptions& o) {
  return std::llround(static_cast<double>(o.perturbations) * o.unmeasured_fraction);
}

void check_fraction(double value, const char* name, const char* flag) {
  if (!(value >= 0.0 && value <= 1.0))
    throw sdk::Error("simulate: " + std::string(name) + " = " + std::to_string(value) + " must be in [0, 1]" + flag);
}

std::string with_flag(const char* flag) { return *flag ? std::string(" (") + flag + ")" : std::string(); }

struct CellCounts {
  std::int64_t control = 0;
  std::vector<std::int64_t> per_condition;  // control first
};

CellCounts cells_per_condition(const SimulationOptions& o) {
  const std::int64_t conditions = o.perturbations + o.combos;
  CellCounts counts;
  counts.control = conditions == 0 ? o.cells : std::llround(static_cast<double>(o.cells) * o.control_fraction);
  if (counts.control < 1)
    throw sdk::Error("simulate: control_fraction " + std::to_string(o.control_fraction) + " of " +
                     std::to_string(o.cells) + " cells leaves no control cells; raise --control-fraction or --cells");
  const std::int64_t rest = o.cells - counts.control;
  if (rest < conditions)
    throw sdk::Error("simulate: cells = " + std::to_string(o.cells) + " is too few: " + std::to_string(conditions) +
                     " perturbation conditions need at least one cell each besides the " +
                     std::to_string(counts.control) + " control cells; raise --cells");
  counts.per_condition.push_back(counts.control);
  for (std::int64_t c = 0; c < conditions; ++c)
    counts.per_condition.push_back(rest / conditions + (c < rest % conditions ? 1 : 0));
  return counts;
}

// `k` distinct elements of `pool` (partial Fisher-Yates), removed from it.
std::vector<std::int32_t> take(std::vector<std::int32_t>& pool, std::size_t k, Rng& rng) {
  for (std::size_t i = 0; i < k; ++i) std::swap(pool[i], pool[i + rng.below(pool.size() - i)]);
  std::vector<std::int32_t> out(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(k));
  pool.erase(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(k));
  return out;
}

void choose_targets(Network& net, const SimulationOptions& o, Rng& rng) {
  const std::int64_t unmeasured = unmeasured_targets(o);
  const auto measured_targets = static_cast<std::size_t>(o.perturbations - unmeasured);
  std::vector<std::int32_t> regulators, others;
  for (std::size_t g = 0; g < net.measured; ++g) (net.is_regulator[g] ? regulators : others).push_back(static_cast<std::int32_t>(g));
  std::size_t from_regulators = std::min(
      regulators.size(),
      static_cast<std::size_t>(std::llround(static_cast<double>(measured_targets) * o.regulator_target_fraction)));
  if (measured_targets - from_regulators > others.size()) from_regulators = measured_targets - others.size();
  std::vector<std::int32_t> targets = take(regulators, from_regulators, rng);
  const auto rest = take(others, measured_targets - from_regulators, rng);
  targets.insert(targets.end(), rest.begin(), rest.end());
  for (std::size_t g = net.measured; g < net.genes.size(); ++g) targets.push_back(static_cast<std::int32_t>(g));
  std::sort(targets.begin(), targets.end(),
            [&net](std::int32_t a, std::int32_t b) { return net.genes[static_cast<std::size_t>(a)] < net.genes[static_cast<std::size_t>(b)]; });
  const FoldRange range = fold_range(o);
  net.targets = targets;
  net.fold.clear();
  for (std::size_t i = 0; i < targets.size(); ++i) net.fold.push_back(rng.uniform(range.low, range.high));
}

std::vector<double> direct_effects(const Network& net, const std::vector<std::size_t>& target_positions) {
  std::vector<double> u(net.genes.size(), 0.0);
  for (std::size_t p : target_positions) u[static_cast<std::size_t>(net.targets[p])] = std::log(net.fold[p]);
  return u;
}

// Distinct pairs of target positions; `combos` <= n (n - 1) / 2 is checked.
std::vector<std::pair<std::size_t, std::size_t>> choose_pairs(std::size_t n, std::size_t combos, Rng& rng) {
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  const std::size_t all = n * (n - 1) / 2;
  if (combos * 2 > all) {
    for (std::size_t a = 0; a < n; ++a)
      for (std::size_t b = a + 1; b < n; ++b) pairs.emplace_back(a, b);
    for (std::size_t i = 0; i < combos; ++i) std::swap(pairs[i], pairs[i + rng.below(pairs.size() - i)]);
    pairs.resize(combos);
  } else {
    std::set<std::pair<std::size_t, std::size_t>> seen;
    while (pairs.size() < combos) {
      std::size_t a = rng.below(n), b = rng.below(n);
      if (a == b) continue;
      if (a > b) std::swap(a, b);
      if (seen.insert({a, b}).second) pairs.emplace_back(a, b);
    }
  }
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

std::string cell_name(std::int64_t i, std::size_t width) {
  std::string number = std::to_string(i + 1);
  if (number.size() < width) number.insert(0, width - number.size(), '0');
  return "cell" + number;
}

sdk::Column categorical(std::vector<std::string> categories, std::vector<std::int32_t> codes) {
  sdk::Column column;
  column.kind = sdk::Column::Kind::categorical;
  column.categories = std::move(categories);
  column.codes = std::move(codes);
  return column;
}

}  // namespace

void validate(const SimulationOptions& o) {
  if (o.cells < 1) throw sdk::Error("simulate: cells = " + std::to_string(o.cells) + "; give at least 1 (--cells)");
  if (o.genes < 1) throw sdk::Error("simulate: genes = " + std::to_string(o.genes) + "; give at least 1 (--genes)");
  if (o.genes > 100000000) throw sdk::Error("simulate: genes = " + std::to_string(o.genes) + " is more than 100,000,000");
  if (o.perturbations < 0)
    throw sdk::Error("simulate: perturbations = " + std::to_string(o.perturbations) + " must not be negative");
  if (o.combos < 0) throw sdk::Error("simulate: combos = " + std::to_string(o.combos) + " must not be negative");
  if (o.perturbations > o.genes)
    throw sdk::Error("simulate: perturbations = " + std::to_string(o.perturbations) + " exceeds genes = " +
                     std::to_string(o.genes) +
                     ": each single perturbation targets a gene of its own; lower --perturbations or raise --genes");
  const std::int64_t pairs = o.perturbations * (o.perturbations - 1) / 2;
  if (o.combos > pairs)
    throw sdk::Error("simulate: combos = " + std::to_string(o.combos) + " is impossible: " +
                     std::to_string(o.perturbations) + " perturbation targets make only " + std::to_string(pairs) +
                     " distinct pairs; lower --combos or raise --perturbations");
  if (o.type != "knockdown" && o.type != "activation")
    throw sdk::Error("simulate: type '" + o.type + "' is not known; use knockdown or activation (--type)");
  const FoldRange range = fold_range(o);
  if (!(range.low <= range.high))
    throw sdk::Error("simulate: fold_min " + std::to_string(range.low) + " exceeds fold_max " + std::to_string(range.high));
  if (o.type == "knockdown" && !(range.low > 0.0 && range.high < 1.0))
    throw sdk::Error("simulate: a knockdown's fold change must be in (0, 1); got [" + std::to_string(range.low) + ", " +
                     std::to_string(range.high) + "] (--fold-min, --fold-max)");
  if (o.type == "activation" && !(range.low > 1.0 && std::isfinite(range.high)))
    throw sdk::Error("simulate: an activation's fold change must be above 1; got [" + std::to_string(range.low) + ", " +
                     std::to_string(range.high) + "] (--fold-min, --fold-max)");
  if (!(o.control_fraction > 0.0 && o.control_fraction < 1.0))
    throw sdk::Error("simulate: control_fraction = " + std::to_string(o.control_fraction) +
                     " must be in (0, 1) (--control-fraction)");
  check_fraction(o.network.regulator_fraction, "regulator_fraction", with_flag("--regulator-fraction").c_str());
  check_fraction(o.network.activating_fraction, "activating_fraction", "");
  check_fraction(o.network.noncoding_degree_factor, "noncoding_degree_factor", "");
  check_fraction(o.noncoding_fraction, "noncoding_fraction", with_flag("--noncoding-fraction").c_str());
  check_fraction(o.regulator_target_fraction, "regulator_target_fraction", "");
  check_fraction(o.unmeasured_fraction, "unmeasured_fraction", with_flag("--unmeasured-fraction").c_str());
  check_fraction(o.interaction_fraction, "interaction_fraction", with_flag("--interaction-fraction").c_str());
  if (!(o.network.mean_out_degree >= 0.0 && std::isfinite(o.network.mean_out_degree)))
    throw sdk::Error("simulate: mean_out_degree = " + std::to_string(o.network.mean_out_degree) +
                     " must be a non-negative number (--mean-out-degree)");
  if (!(o.network.weight_min > 0.0 && o.network.weight_min <= o.network.weight_max))
    throw sdk::Error("simulate: edge weights need 0 < weight_min <= weight_max");
  if (!(o.network.max_in_weight > 0.0 && o.network.max_in_weight < 1.0))
    throw sdk::Error("simulate: max_in_weight = " + std::to_string(o.network.max_in_weight) +
                     " must be in (0, 1) for the network to have a steady state");
  if (o.interaction_genes < 1) throw sdk::Error("simulate: interaction_genes must be at least 1");
  if (!(o.interaction_strength_min >= 0.0 && o.interaction_strength_min <= o.interaction_strength_max &&
        o.interaction_strength_max <= 1.0))
    throw sdk::Error("simulate: interaction strengths need 0 <= min <= max <= 1");
  if (!(o.library_median > 0.0 && std::isfinite(o.library_median)) || !(o.library_log_sd >= 0.0))
    throw sdk::Error("simulate: library_median must be positive and library_log_sd non-negative (--library-size)");
  if (!(o.baseline_log_sd >= 0.0) || !(o.baseline_size > 0.0))
    throw sdk::Error("simulate: baseline_log_sd must be non-negative and baseline_size positive");
  if (o.threads < 0) throw sdk::Error("simulate: threads must not be negative");
  if (o.genes + unmeasured_targets(o) > 2147483647LL) throw sdk::Error("simulate: too many genes");
  cells_per_condition(o);
}

sdk::AnnData simulate(const SimulationOptions& o, Network* truth) {
  validate(o);
  const auto start = std::chrono::steady_clock::now();
  const CellCounts counts = cells_per_condition(o);
  const auto G = static_cast<std::size_t>(o.genes);
  const std::size_t universe = G + static_cast<std::size_t>(unmeasured_targets(o));

  Network net;
  {
    Rng rng(o.seed, genes_stream);
    GeneChoice choice = choose_genes(universe, o.noncoding_fraction, o.genes_file, rng);
    if (o.genes_file.empty()) spdlog::info("simulate: no gene table given, using synthetic gene names GENE00001...");
    net.genes = std::move(choice.symbols);
    net.biotypes = std::move(choice.biotypes);
    net.measured = G;
  }
  {
    Rng rng(o.seed, baseline_stream);
    Baseline baseline = sample_baseline(universe, o.baseline_file, o.baseline_log_sd, o.baseline_size, rng);
    if (o.baseline_file.empty())
      spdlog::info("simulate: no baseline file given, using log-normal relative expression (log sd {}) and NB size {}",
                   o.baseline_log_sd, o.baseline_size);
    double total = 0.0;
    for (std::size_t g = 0; g < G; ++g) total += baseline.relative_expression[g];
    for (double& r : baseline.relative_expression) r /= total;
    net.relative_expression = std::move(baseline.relative_expression);
    net.size = std::move(baseline.size);
  }
  {
    Rng rng(o.seed, network_stream);
    std::vector<std::int32_t> forced;
    for (std::size_t g = G; g < universe; ++g) forced.push_back(static_cast<std::int32_t>(g));
    build_network(net, forced, o.network, rng);
  }

  // Log fold changes per condition (control first), then expected shares.
  Rng prng(o.seed, perturbation_stream);
  choose_targets(net, o, prng);
  const std::size_t P = net.targets.size();
  std::vector<std::vector<double>> effects;  // per perturbation condition, universe
  std::vector<std::string> conditions{"ctrl"}, perturbations{"control"};
  for (std::size_t p = 0; p < P; ++p) {
    effects.push_back(steady_state(net, direct_effects(net, {p})));
    const std::string& symbol = net.genes[static_cast<std::size_t>(net.targets[p])];
    conditions.push_back(symbol + "+ctrl");
    perturbations.push_back(symbol);
  }
  const auto pairs = choose_pairs(P, static_cast<std::size_t>(o.combos), prng);
  std::vector<std::size_t> eligible;  // combos with measured downstream genes
  for (const auto& [a, b] : pairs) {
    ComboTruth combo;
    combo.first = net.targets[a];
    combo.second = net.targets[b];
    effects.push_back(steady_state(net, direct_effects(net, {a, b})));
    const std::vector<double>& y = effects.back();
    for (std::size_t g = 0; g < G; ++g)
      if (static_cast<std::int32_t>(g) != combo.first && static_cast<std::int32_t>(g) != combo.second &&
          std::fabs(y[g]) > 0.01)
        combo.genes.push_back(static_cast<std::int32_t>(g));
    if (!combo.genes.empty()) eligible.push_back(net.combos.size());
    net.combos.push_back(std::move(combo));
    // Labels name the genes in alphabetical order, as condition keys do.
    std::string first = net.genes[static_cast<std::size_t>(net.targets[a])];
    std::string second = net.genes[static_cast<std::size_t>(net.targets[b])];
    if (second < first) std::swap(first, second);
    conditions.push_back(first + "+" + second);
    perturbations.push_back(first + "+" + second);
  }
  const std::size_t wanted = static_cast<std::size_t>(std::llround(static_cast<double>(pairs.size()) * o.interaction_fraction));
  const std::size_t non_additive = std::min(wanted, eligible.size());
  if (non_additive < wanted)
    spdlog::warn("simulate: only {} of {} combinations have measured downstream genes; {} are non-additive instead of {}",
                 eligible.size(), pairs.size(), non_additive, wanted);
  for (std::size_t i = 0; i < non_additive; ++i) std::swap(eligible[i], eligible[i + prng.below(eligible.size() - i)]);
  std::vector<std::uint8_t> interacts(net.combos.size(), 0);
  for (std::size_t i = 0; i < non_additive; ++i) interacts[eligible[i]] = 1;
  for (std::size_t c = 0; c < net.combos.size(); ++c) {
    ComboTruth& combo = net.combos[c];
    if (!interacts[c]) {
      combo.genes.clear();
      continue;
    }
    combo.non_additive = true;
    const bool synergy = prng.bernoulli(0.5);
    combo.interaction = synergy ? "synergy" : "buffering";
    const double magnitude = prng.uniform(o.interaction_strength_min, o.interaction_strength_max);
    combo.strength = synergy ? magnitude : -magnitude;
    const auto keep = std::min(combo.genes.size(), static_cast<std::size_t>(o.interaction_genes));
    for (std::size_t i = 0; i < keep; ++i)
      std::swap(combo.genes[i], combo.genes[i + prng.below(combo.genes.size() - i)]);
    combo.genes.resize(keep);
    std::sort(combo.genes.begin(), combo.genes.end());
    std::vector<double>& y = effects[P + c];
    for (std::int32_t g : combo.genes) y[static_cast<std::size_t>(g)] *= 1.0 + combo.strength;
  }

  const std::size_t n_conditions = 1 + effects.size();
  std::vector<double> share(n_conditions * G);  // expected share of the library, per condition and gene
  for (std::size_t g = 0; g < G; ++g) share[g] = net.relative_expression[g];
  for (std::size_t c = 1; c < n_conditions; ++c)
    for (std::size_t g = 0; g < G; ++g) share[c * G + g] = net.relative_expression[g] * std::exp(effects[c - 1][g]);
  effects.clear();
  effects.shrink_to_fit();

  // Cells in random order.
  const auto n_cells = static_cast<std::size_t>(o.cells);
  std::vector<std::int32_t> cell_condition;
  cell_condition.reserve(n_cells);
  for (std::size_t c = 0; c < n_conditions; ++c)
    cell_condition.insert(cell_condition.end(), static_cast<std::size_t>(counts.per_condition[c]), static_cast<std::int32_t>(c));
  {
    Rng rng(o.seed, cell_order_stream);
    for (std::size_t i = n_cells; i > 1; --i) std::swap(cell_condition[i - 1], cell_condition[rng.below(i)]);
  }
  std::vector<double> library(n_cells);
  for (std::size_t i = 0; i < n_cells; ++i) {
    Rng rng(o.seed, cell_stream_base + i);
    library[i] = o.library_median * std::exp(o.library_log_sd * rng.normal());
  }

  // Reserve an upper bound on the non-zeros, P(count > 0) <= min(1, mean):
  // reserved but untouched memory costs no RSS, and the output never reallocates.
  std::size_t bound = 0;
  {
    std::vector<std::vector<double>> sorted(n_conditions), prefix(n_conditions);
    for (std::size_t c = 0; c < n_conditions; ++c) {
      sorted[c].assign(share.begin() + static_cast<std::ptrdiff_t>(c * G), share.begin() + static_cast<std::ptrdiff_t>((c + 1) * G));
      std::sort(sorted[c].begin(), sorted[c].end());
      prefix[c].assign(G + 1, 0.0);
      for (std::size_t g = 0; g < G; ++g) prefix[c][g + 1] = prefix[c][g] + sorted[c][g];
    }
    double expected = 0.0;
    for (std::size_t i = 0; i < n_cells; ++i) {
      const auto c = static_cast<std::size_t>(cell_condition[i]);
      const auto low = static_cast<std::size_t>(
          std::lower_bound(sorted[c].begin(), sorted[c].end(), 1.0 / library[i]) - sorted[c].begin());
      expected += static_cast<double>(G - low) + library[i] * prefix[c][low];
    }
    bound = std::min(static_cast<std::size_t>(expected) + n_cells, n_cells * G);
  }

  const int threads = o.threads > 0 ? o.threads : omp_get_max_threads();
  spdlog::info("simulate: {} cells x {} genes, {} singles, {} doubles ({} non-additive), {} edges, {} threads",
               n_cells, G, P, pairs.size(), non_additive, net.edges.size(), threads);

  sdk::AnnData data;
  sdk::CsrMatrix& X = data.X;
  X.rows = o.cells;
  X.cols = o.genes;
  X.indptr.assign(1, 0);
  X.indptr.reserve(n_cells + 1);
  X.indices.reserve(bound);
  X.values.reserve(bound);
  std::vector<double> n_counts(n_cells, 0.0);
  std::vector<std::vector<std::int32_t>> row_indices(static_cast<std::size_t>(block_cells));
  std::vector<std::vector<float>> row_values(static_cast<std::size_t>(block_cells));
  const std::vector<double> size(net.size.begin(), net.size.begin() + static_cast<std::ptrdiff_t>(G));
  const bool chatty = n_cells * G >= 100000000;
  std::size_t next_report = n_cells / 10;
  for (std::int64_t block = 0; block < o.cells; block += block_cells) {
    const std::int64_t end = std::min<std::int64_t>(o.cells, block + block_cells);
#pragma omp parallel for schedule(dynamic, 8) num_threads(threads)
    for (std::int64_t i = block; i < end; ++i) {
      const auto cell = static_cast<std::size_t>(i);
      Rng rng(o.seed, cell_stream_base + cell);
      rng.normal();  // the library size, drawn above from the same stream
      const double L = library[cell];
      const double* mean = share.data() + static_cast<std::size_t>(cell_condition[cell]) * G;
      auto& idx = row_indices[static_cast<std::size_t>(i - block)];
      auto& val = row_values[static_cast<std::size_t>(i - block)];
      idx.clear();
      val.clear();
      double total = 0.0;
      for (std::size_t g = 0; g < G; ++g) {
        const std::int64_t x = rng.negative_binomial(L * mean[g], size[g]);
        if (x > 0) {
          idx.push_back(static_cast<std::int32_t>(g));
          val.push_back(static_cast<float>(x));
          total += static_cast<double>(x);
        }
      }
      n_counts[cell] = total;
    }
    for (std::int64_t i = block; i < end; ++i) {
      const auto& idx = row_indices[static_cast<std::size_t>(i - block)];
      const auto& val = row_values[static_cast<std::size_t>(i - block)];
      X.indices.insert(X.indices.end(), idx.begin(), idx.end());
      X.values.insert(X.values.end(), val.begin(), val.end());
      X.indptr.push_back(static_cast<std::int64_t>(X.indices.size()));
    }
    if (static_cast<std::size_t>(end) >= next_report && end < o.cells) {
      if (chatty) spdlog::info("simulate: {} of {} cells", end, n_cells);
      next_report += n_cells / 10;
    }
  }
  row_indices.clear();
  row_values.clear();

  // obs
  const std::size_t width = std::max<std::size_t>(6, std::to_string(n_cells).size());
  data.obs.index.reserve(n_cells);
  for (std::size_t i = 0; i < n_cells; ++i) data.obs.index.push_back(cell_name(static_cast<std::int64_t>(i), width));
  data.obs.set("condition", categorical(conditions, cell_condition));
  data.obs.set("perturbation", categorical(perturbations, cell_condition));
  data.obs.set("perturbation_type", categorical({o.type}, std::vector<std::int32_t>(n_cells, 0)));
  data.obs.set("n_counts", sdk::Column::from_reals(std::move(n_counts)));

  // var
  data.var.index_name = "gene_symbol";
  data.var.index.assign(net.genes.begin(), net.genes.begin() + static_cast<std::ptrdiff_t>(G));
  data.var.set("biotype", sdk::Column::categorical_from(
                              std::vector<std::string>(net.biotypes.begin(), net.biotypes.begin() + static_cast<std::ptrdiff_t>(G))));

  // uns
  nlohmann::json sim;
  sim["seed"] = o.seed;
  sim["cells"] = o.cells;
  sim["genes"] = o.genes;
  sim["perturbations"] = o.perturbations;
  sim["combos"] = o.combos;
  sim["perturbation_type"] = o.type;
  const FoldRange range = fold_range(o);
  sim["fold_min"] = range.low;
  sim["fold_max"] = range.high;
  sim["control_fraction"] = o.control_fraction;
  sim["control_cells"] = counts.control;
  sim["regulator_fraction"] = o.network.regulator_fraction;
  sim["mean_out_degree"] = o.network.mean_out_degree;
  sim["noncoding_degree_factor"] = o.network.noncoding_degree_factor;
  sim["activating_fraction"] = o.network.activating_fraction;
  sim["weight_min"] = o.network.weight_min;
  sim["weight_max"] = o.network.weight_max;
  sim["max_in_weight"] = o.network.max_in_weight;
  sim["noncoding_fraction"] = o.noncoding_fraction;
  sim["regulator_target_fraction"] = o.regulator_target_fraction;
  sim["unmeasured_fraction"] = o.unmeasured_fraction;
  sim["interaction_fraction"] = o.interaction_fraction;
  sim["interaction_genes"] = o.interaction_genes;
  sim["library_median"] = o.library_median;
  sim["library_log_sd"] = o.library_log_sd;
  sim["genes_file"] = o.genes_file.empty() ? std::string("(synthetic names)") : o.genes_file.string();
  sim["baseline_file"] = o.baseline_file.empty() ? std::string("(log-normal)") : o.baseline_file.string();
  if (o.baseline_file.empty()) {
    sim["baseline_log_sd"] = o.baseline_log_sd;
    sim["baseline_size"] = o.baseline_size;
  }
  sim["model"] = "log-linear acyclic network: y = (I - W)^-1 u; counts ~ NB(library * relative_expression * exp(y), size)";
  sim["edges"] = net.edges.size();
  std::vector<std::string> targets, unmeasured, combos_na, kinds;
  std::vector<double> folds, strengths;
  for (std::size_t p = 0; p < P; ++p) {
    targets.push_back(net.genes[static_cast<std::size_t>(net.targets[p])]);
    folds.push_back(net.fold[p]);
    if (static_cast<std::size_t>(net.targets[p]) >= G) unmeasured.push_back(targets.back());
  }
  for (std::size_t c = 0; c < net.combos.size(); ++c)
    if (net.combos[c].non_additive) {
      combos_na.push_back(conditions[1 + P + c]);
      kinds.push_back(net.combos[c].interaction);
      strengths.push_back(net.combos[c].strength);
    }
  sim["perturbation_targets"] = targets;
  sim["perturbation_folds"] = folds;
  sim["unmeasured_perturbed_genes"] = unmeasured;
  sim["non_additive_combos"] = combos_na;
  sim["interaction_types"] = kinds;
  sim["interaction_strengths"] = strengths;
  data.uns["simulation"] = std::move(sim);

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::info("simulate: {} non-zero counts ({:.1f}% of entries) in {:.1f} s", X.nnz(),
               100.0 * static_cast<double>(X.nnz()) / static_cast<double>(n_cells * G), seconds);
  if (truth) *truth = std::move(net);
  return data;
}

}  // namespace trellis::core::simulate

#include "trellis/experiment/network_task.hpp"

#include <algorithm>
#include <set>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include <ATen/ATen.h>

#include "trellis/config/config.hpp"
#include "trellis/eval/network_io.hpp"
#include "trellis/experiment/prepare.hpp"
#include "trellis/model/assembly.hpp"
#include "trellis/sdk/data.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/graph.hpp"
#include "trellis/sdk/network.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::core::experiment {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> task_names = {"response", "network"};

// A [data] string key's value, or empty when absent.
std::string data_string(const toml::table& config, const char* key) {
  const auto* data = config.get_as<toml::table>("data");
  if (!data) return {};
  const auto* value = data->get_as<std::string>(key);
  return value ? value->get() : std::string();
}

void require_file(const std::string& file, const std::string& key) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    throw sdk::Error("[data] " + key + " = \"" + file + "\": no such file");
}

// Up to `k` elements, joined, for messages.
std::string first_few(const std::vector<std::string>& items, std::size_t k) {
  std::vector<std::string> few(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(std::min(k, items.size())));
  return sdk::join(few) + (items.size() > k ? ", ..." : "");
}

// BEELINE scores pairs of the truth's genes. A network with no edge between
// two of them scores as an empty ranking (a method may find nothing the
// truth knows); one that names none of them is a mistake (other symbols, or
// a regulator list disjoint from the truth).
void check_candidates(const sdk::ScoredEdges& network, const sdk::GraphMetricInput& truth, const std::string& who) {
  std::set<std::string> truth_genes;
  for (const auto& [from, to] : truth.truth) truth_genes.insert({from, to});
  bool touches = false;
  for (std::size_t e = 0; e < network.size(); ++e) {
    const bool a = truth_genes.count(network.regulator[e]) > 0, b = truth_genes.count(network.target[e]) > 0;
    if (a && b && network.regulator[e] != network.target[e]) return;
    touches = touches || a || b;
  }
  std::vector<std::string> examples;
  for (std::size_t e = 0; e < std::min<std::size_t>(network.size(), 3); ++e)
    examples.push_back(network.regulator[e] + " -> " + network.target[e]);
  const std::string what = who + " inferred " + std::to_string(network.size()) +
                           " edges, none of them between two of the truth network's " +
                           std::to_string(truth_genes.size()) + " genes (" +
                           first_few({truth_genes.begin(), truth_genes.end()}, 5) + ")" +
                           (examples.empty() ? std::string() : "; its edges are like " + sdk::join(examples));
  if (touches) {
    spdlog::warn("{}: it scores as an empty ranking", what);
    return;
  }
  throw sdk::Error(what + ", and none names a truth gene: the candidate set is empty. Check [data] regulators and "
                          "that both networks name genes the same way");
}

// The test pairs without their labels.
sdk::ScoredEdges query_of(const sdk::LabelledPairs& test) {
  sdk::ScoredEdges query;
  query.regulator = test.regulator;
  query.target = test.target;
  query.score.assign(test.size(), 0.0);
  return query;
}

}  // namespace

Task task_of(const toml::table& config) {
  const toml::node* node = config.get("task");
  if (!node) return Task::response;
  const auto* value = node->as_string();
  if (!value) throw sdk::Error("task must be a string: \"response\" or \"network\"");
  const std::string name = value->get();
  if (name == "response") return Task::response;
  if (name == "network") return Task::network;
  std::string message = "unknown task \"" + name + "\".";
  const std::string near = sdk::closest_match(name, task_names);
  if (!near.empty()) message += " Did you mean \"" + near + "\"?";
  throw sdk::Error(message + " Known tasks: response (predict expression responses; the default), network (infer a "
                             "regulatory network and score it against [data] truth_network)");
}

std::string task_name(Task task) { return task == Task::network ? "network" : "response"; }

bool allow_truth_as_prior(const toml::table& config) {
  const auto* data = config.get_as<toml::table>("data");
  const auto* value = data ? data->get_as<bool>("allow_truth_as_prior") : nullptr;
  return value && value->get();
}

bool has_network_component(const toml::table& config) {
  const auto* model = config.get_as<toml::table>("model");
  return model && model->contains("network");
}

void check_network_task(const toml::table& config, const plugin::PluginHost& host) {
  const std::string truth = data_string(config, "truth_network");
  if (truth.empty())
    throw sdk::Error("task = \"network\" needs a truth network to score against: add [data] truth_network = "
                     "\"FILE\" (a TSV with regulator and target columns, e.g. DoRothEA or a simulated screen's "
                     ".network.tsv)");
  require_file(truth, "truth_network");
  const std::string regulators = data_string(config, "regulators");
  if (!regulators.empty()) require_file(regulators, "regulators");
  // Building the model's parts only constructs them; data comes later.
  const model::AssembledModel parts = model::assemble(config, host);
  if (parts.network) return;
  if (dynamic_cast<const sdk::NetworkInferrer*>(parts.predictor.get())) return;
  throw sdk::Error("task = \"network\" needs a model that infers a network: add [model.network] (see `trellis plugins "
                   "list --kind network`, e.g. type = \"network/correlation\") or use a predictor that implements "
                   "NetworkInferrer (e.g. predictor/grape); " +
                   parts.origin("model.predictor").key + " does not");
}

sdk::GraphMetricInput load_network_truth(Prepared& p, const toml::table& config) {
  // Both networks over the measured genes: a gene outside them has no
  // expression the model could have learned from.
  const std::vector<std::string> genes = measured_gene_names(p.screen());
  const std::unordered_set<std::string> measured(genes.begin(), genes.end());
  const std::string truth_file = data_string(config, "truth_network");
  const auto truth = eval::read_truth_network(truth_file);
  // [data] truth_regulators = "perturbed": only edges a perturbation could reveal.
  const bool perturbed_only = data_string(config, "truth_regulators") == "perturbed";
  std::set<std::string> perturbed;
  for (const auto& c : p.screen().conditions) perturbed.insert(c.genes.begin(), c.genes.end());
  sdk::GraphMetricInput input;
  std::set<std::string> truth_genes;
  for (const auto& [from, to] : truth) {
    truth_genes.insert(from);
    truth_genes.insert(to);
    // A perturbed regulator need not be measured: its targets are.
    const bool regulator_ok = perturbed_only ? perturbed.count(from) > 0 : measured.count(from) > 0;
    if (regulator_ok && measured.count(to) && from != to) input.truth.emplace_back(from, to);
  }
  if (std::none_of(truth_genes.begin(), truth_genes.end(), [&](const std::string& g) { return measured.count(g) > 0; }))
    throw sdk::Error("[data] truth_network '" + truth_file + "': none of its " + std::to_string(truth_genes.size()) +
                     " genes (" + first_few({truth_genes.begin(), truth_genes.end()}, 5) +
                     ") is measured in the screen (whose " + std::to_string(genes.size()) + " genes are " +
                     first_few(genes, 5) + "); it must name genes by the screen's symbols");
  if (input.truth.empty())
    throw sdk::Error("[data] truth_network '" + truth_file + "': none of its " + std::to_string(truth.size()) +
                     " edges joins two different measured genes" +
                     (perturbed_only ? std::string(" from a perturbed gene ([data] truth_regulators = \"perturbed\")")
                                     : std::string()) +
                     "; nothing could be recovered");
  const std::string regulator_file = data_string(config, "regulators");
  if (!regulator_file.empty()) {
    const std::vector<std::string> listed = eval::read_gene_list(regulator_file);
    std::set<std::string> kept;
    for (const auto& g : listed)
      if (measured.count(g) && kept.insert(g).second) p.context.regulators.push_back(g);
    if (p.context.regulators.empty())
      throw sdk::Error("[data] regulators '" + regulator_file + "': none of its " + std::to_string(listed.size()) +
                       " genes (" + first_few(listed, 5) + ") is measured in the screen (whose " +
                       std::to_string(genes.size()) + " genes are " + first_few(genes, 5) +
                       "); list genes by the screen's symbols, one per line or in a column named TF");
  }
  input.genes = genes;
  spdlog::info("truth network: {} edges among the {} measured genes{}", input.truth.size(), genes.size(),
               p.context.regulators.empty() ? std::string()
                                            : ", " + std::to_string(p.context.regulators.size()) + " regulators");
  return input;
}

std::vector<std::string> graphs_equal_to_truth(const Prepared& p, const sdk::GraphMetricInput& truth) {
  std::set<std::pair<std::string, std::string>> true_pairs;
  for (const auto& [from, to] : truth.truth) true_pairs.emplace(from, to);
  const std::unordered_set<std::string> measured(truth.genes.begin(), truth.genes.end());
  std::vector<std::string> equal;
  for (const auto& [name, graph] : p.context.graphs) {
    if (graph.num_edges() == 0) continue;
    const at::Tensor index = graph.edge_index.to(at::kLong).contiguous();
    const auto* from = index.data_ptr<std::int64_t>();
    const auto* to = from + index.size(1);
    std::set<std::pair<std::string, std::string>> seen;
    bool inside = true;  // every edge is a truth edge, in one direction or the other
    for (std::int64_t e = 0; e < index.size(1) && inside; ++e) {
      const std::string& a = p.context.genes->at(from[e]).symbol;
      const std::string& b = p.context.genes->at(to[e]).symbol;
      if (a == b || !measured.count(a) || !measured.count(b)) continue;
      if (true_pairs.count({a, b})) seen.emplace(a, b);
      else if (true_pairs.count({b, a})) seen.emplace(b, a);
      else inside = false;
    }
    if (inside && seen.size() == true_pairs.size()) equal.push_back(name);
  }
  return equal;
}

eval::Evaluation infer_and_score_network(Prepared& p, sdk::GraphMetricInput truth,
                                         const std::vector<eval::NamedGraphMetric>& metrics,
                                         const std::optional<SupervisedSettings>& supervised, const fs::path& dir) {
  sdk::NetworkInferrer* inferrer = p.model.network.get();
  const plugin::Origin& origin = p.model.origin(inferrer ? "model.network" : "model.predictor");
  if (!inferrer) inferrer = dynamic_cast<sdk::NetworkInferrer*>(p.model.predictor.get());
  if (!inferrer) throw sdk::Error(origin.key + " does not infer a network");
  sdk::ScoredEdges network = plugin::guarded(origin, "infer", [&] { return inferrer->infer(p.context); });
  plugin::guarded(origin, "infer", [&] { network.validate(); });
  eval::write_network_tsv(network, dir / "network.tsv");
  spdlog::info("inferred network: {} edges ({}), written to {}", network.size(), origin.key,
               (dir / "network.tsv").string());
  check_candidates(network, truth, origin.key);
  truth.seed = p.context.seed;
  truth.predicted = network;
  eval::Evaluation evaluation = eval::score_network(truth, metrics);
  if (!supervised) return evaluation;
  const SupervisedSplit split = split_per_regulator(truth, *supervised, p.context.seed);
  const std::vector<double> scores = plugin::guarded(origin, "infer_supervised", [&] {
    return inferrer->infer_supervised(p.context, split.train, split.validation, query_of(split.test));
  });
  for (const auto& [name, value] : score_supervised(split, scores, network, *supervised, dir)) {
    evaluation.metrics.push_back(name);
    evaluation.directions[name] = sdk::Direction::higher_is_better;
    evaluation.overall[name] = value;
  }
  return evaluation;
}

std::vector<std::string> check_truth_as_prior(const Prepared& p, const sdk::GraphMetricInput& truth,
                                              const toml::table& config) {
  const std::vector<std::string> equal = graphs_equal_to_truth(p, truth);
  if (equal.empty()) return equal;
  const std::string which = "[model.graphs] " + sdk::join(equal);
  if (!allow_truth_as_prior(config))
    throw sdk::Error(which + " holds exactly the edges of [data] truth_network: a network inferred from that prior "
                             "would be scored against itself. Use another prior (e.g. DoRothEA when the truth is "
                             "ChIP-seq), or set [data] allow_truth_as_prior = true to run it anyway (run.json then "
                             "records truth_as_prior)");
  spdlog::warn("{} is the truth network itself ([data] allow_truth_as_prior = true): the scores do not measure inference",
               which);
  return equal;
}

}  // namespace trellis::core::experiment

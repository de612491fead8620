#include "trellis/experiment/network_task.hpp"

#include <algorithm>
#include <set>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "trellis/config/config.hpp"
#include "trellis/eval/network_io.hpp"
#include "trellis/experiment/prepare.hpp"
#include "trellis/model/assembly.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/network.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::core::experiment {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> task_names = {"response", "network"};

// A [data] file key's value, or empty when absent.
std::string data_file(const toml::table& config, const char* key) {
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

bool has_network_component(const toml::table& config) {
  const auto* model = config.get_as<toml::table>("model");
  return model && model->contains("network");
}

void check_network_task(const toml::table& config, const plugin::PluginHost& host) {
  const std::string truth = data_file(config, "truth_network");
  if (truth.empty())
    throw sdk::Error("task = \"network\" needs a truth network to score against: add [data] truth_network = "
                     "\"FILE\" (a TSV with regulator and target columns, e.g. DoRothEA or a simulated screen's "
                     ".network.tsv)");
  require_file(truth, "truth_network");
  const std::string regulators = data_file(config, "regulators");
  if (!regulators.empty()) require_file(regulators, "regulators");
  // Building the model's parts only constructs them; data comes later.
  const model::AssembledModel parts = model::assemble(config, host);
  if (parts.network) return;
  if (dynamic_cast<const sdk::NetworkInferrer*>(parts.predictor.get())) return;
  throw sdk::Error("task = \"network\" needs a model that infers a network: add [model.network] (see `trellis plugins "
                   "list --kind network`, e.g. type = \"network/coexpression\") or use a predictor that implements "
                   "NetworkInferrer (e.g. predictor/grape); " +
                   parts.origin("model.predictor").key + " does not");
}

sdk::GraphMetricInput load_network_truth(const Prepared& p, const toml::table& config) {
  // Both networks over the measured genes: a gene outside them has no
  // expression the model could have learned from.
  const std::vector<std::string> genes = measured_gene_names(p.screen());
  const std::unordered_set<std::string> measured(genes.begin(), genes.end());
  const std::string truth_file = data_file(config, "truth_network");
  const auto truth = eval::read_truth_network(truth_file);
  sdk::GraphMetricInput input;
  std::set<std::string> truth_genes;
  for (const auto& [from, to] : truth) {
    truth_genes.insert(from);
    truth_genes.insert(to);
    if (measured.count(from) && measured.count(to) && from != to) input.truth.emplace_back(from, to);
  }
  if (std::none_of(truth_genes.begin(), truth_genes.end(), [&](const std::string& g) { return measured.count(g) > 0; }))
    throw sdk::Error("[data] truth_network '" + truth_file + "': none of its " + std::to_string(truth_genes.size()) +
                     " genes (" + first_few({truth_genes.begin(), truth_genes.end()}, 5) +
                     ") is measured in the screen (whose genes are " + first_few(genes, 5) +
                     "); it must name genes by the screen's symbols");
  if (input.truth.empty())
    throw sdk::Error("[data] truth_network '" + truth_file + "': none of its " + std::to_string(truth.size()) +
                     " edges joins two different measured genes; nothing could be recovered");
  const std::string regulator_file = data_file(config, "regulators");
  if (!regulator_file.empty()) {
    for (auto& g : eval::read_gene_list(regulator_file))
      if (measured.count(g)) input.regulators.push_back(std::move(g));
    if (input.regulators.empty())
      throw sdk::Error("[data] regulators '" + regulator_file + "': none of its genes is measured in the screen (" +
                       first_few(genes, 5) + "); list genes by the screen's symbols");
  }
  input.genes = genes;
  spdlog::info("truth network: {} edges among the {} measured genes{}", input.truth.size(), genes.size(),
               input.regulators.empty() ? std::string() : ", " + std::to_string(input.regulators.size()) + " regulators");
  return input;
}

eval::Evaluation infer_and_score_network(Prepared& p, sdk::GraphMetricInput truth,
                                         const std::vector<eval::NamedGraphMetric>& metrics, const fs::path& dir) {
  sdk::NetworkInferrer* inferrer = p.model.network.get();
  const plugin::Origin& origin = p.model.origin(inferrer ? "model.network" : "model.predictor");
  if (!inferrer) inferrer = dynamic_cast<sdk::NetworkInferrer*>(p.model.predictor.get());
  if (!inferrer) throw sdk::Error(origin.key + " does not infer a network");
  sdk::ScoredEdges network = plugin::guarded(origin, "infer", [&] { return inferrer->infer(p.context); });
  plugin::guarded(origin, "infer", [&] { network.validate(); });
  eval::write_network_tsv(network, dir / "network.tsv");
  spdlog::info("inferred network: {} edges ({}), written to {}", network.size(), origin.key,
               (dir / "network.tsv").string());
  truth.predicted = std::move(network);
  truth.seed = p.context.seed;
  return eval::score_network(truth, metrics);
}

}  // namespace trellis::core::experiment

// Data, split, model parts and FitContext: everything before fit().
#include "trellis/experiment/prepare.hpp"

#include <algorithm>
#include <map>

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include "trellis/config/config.hpp"
#include "trellis/experiment/config_schema.hpp"
#include "trellis/sdk/context.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/graph_constructor.hpp"
#include "trellis/sdk/relation.hpp"
#include "trellis/sdk/suggest.hpp"
#include "trellis/experiment/network_task.hpp"
#include "trellis/split/condition_sets.hpp"
#include "trellis/split/split_io.hpp"

namespace trellis::core::experiment {

namespace {

// Splits the perturbed conditions as [split] says (type default
// "simulation", seed default the experiment's seed).
void split_conditions(const toml::table& config, const plugin::PluginHost& host, Prepared& p) {
  const SplitSettings settings = split_settings(config, host);
  p.split_type = settings.type;
  p.split_seed = settings.seed;
  plugin::Origin origin;
  const auto splitter = host.create<sdk::Splitter>(p.split_type, settings.options, "[split]", &origin);
  std::vector<sdk::Condition> perturbed;
  for (const auto& c : p.screen().conditions)
    if (!c.is_control()) perturbed.push_back(c);
  p.split = plugin::guarded(origin, "split", [&] { return splitter->split(perturbed, p.split_seed); });
  if (p.split_type == "none") {
    if (task_of(config) != Task::network)
      throw sdk::Error("[split] type = \"none\" holds nothing out, so nothing could be evaluated: it is for task = "
                       "\"network\" only; choose another [split] type");
    return;
  }
  split::validate_split(p.split, perturbed, "[split] (" + p.split_type + ")");
}

void log_split(const Prepared& p) {
  std::map<std::string, std::int64_t> cells;
  const sdk::Screen& screen = p.screen();
  for (std::size_t i = 0; i < screen.conditions.size(); ++i)
    if (!screen.conditions[i].is_control())
      cells[screen.conditions[i].name] = screen.cells_of(static_cast<std::int64_t>(i)).size(0);
  spdlog::info("split ({}, seed {}):\n{}", p.split_type, p.split_seed, split::summarise(p.split, cells));
}

at::Tensor dense_tensor(const preprocess::DenseMatrix& m) {
  return at::from_blob(const_cast<float*>(m.values.data()), {m.rows, m.cols}, at::kFloat).clone();
}

// Features in name order (each encoder sees the features built before it),
// then graphs, relation-typed when a typer is configured.
void build_inputs(Prepared& p, std::uint64_t seed) {
  sdk::BuildContext build;
  build.genes = &p.loaded.data->genes;
  build.screen = &p.fitting.screen;
  build.train_conditions = p.fitting.train;
  build.seed = seed;
  const std::int64_t universe = build.genes->size();
  for (const auto& [name, encoder] : p.model.encoders) {
    at::Tensor feature =
        plugin::guarded(p.model.origin("model.encoders." + name), "encode", [&] { return encoder->encode(build); });
    if (feature.dim() != 2 || feature.size(0) != universe)
      throw sdk::Error("[model.encoders." + name + "] returned a tensor of " + std::to_string(feature.dim()) +
                       " dimensions with " + std::to_string(feature.dim() > 0 ? feature.size(0) : 0) +
                       " rows; expected [" + std::to_string(universe) + " genes, features]");
    spdlog::info("feature '{}': {} genes x {}", name, feature.size(0), feature.size(1));
    build.features[name] = feature;
  }
  for (const auto& [name, constructor] : p.model.graphs) {
    sdk::Graph graph =
        plugin::guarded(p.model.origin("model.graphs." + name), "build", [&] { return constructor->build(build); });
    if (p.model.relations)
      graph = plugin::guarded(p.model.origin("model.relations"), "assign",
                              [&] { return p.model.relations->assign(graph, *build.genes); });
    graph.validate();
    spdlog::info("graph '{}': {} nodes, {} edges", name, graph.num_nodes, graph.edge_index.size(1));
    p.context.graphs[name] = graph;
  }
  p.context.features = build.features;
}

}  // namespace

std::vector<std::int64_t> condition_indices(const sdk::Screen& screen, const std::vector<std::string>& names,
                                            const std::string& where) {
  std::vector<std::int64_t> out;
  out.reserve(names.size());
  for (const auto& name : names) {
    const auto index = screen.find_condition(name);
    if (!index) {
      std::vector<std::string> known;
      for (const auto& c : screen.conditions) known.push_back(c.name);
      const std::string near = sdk::closest_match(name, known);
      throw sdk::Error(where + ": condition '" + name + "' is not in the data" +
                       (near.empty() ? std::string() : " (did you mean '" + near + "'?)"));
    }
    out.push_back(*index);
  }
  return out;
}

std::vector<std::string> measured_gene_names(const sdk::Screen& screen) {
  std::vector<std::string> names;
  for (std::int64_t g : screen.genes->measured()) names.push_back(screen.genes->at(g).symbol);
  return names;
}

std::unique_ptr<Prepared> prepare_data(const toml::table& config, const plugin::PluginHost& host,
                                       const std::optional<sdk::Split>& saved_split) {
  const auto* data_table = config.get_as<toml::table>("data");
  if (!data_table) throw sdk::Error("the config has no [data] table; an experiment needs a dataset to fit on");
  auto p = std::make_unique<Prepared>();
  p->loaded = data::load_screen(data::parse_data_config(config::to_json(*data_table)), host);
  spdlog::info("data:\n{}", data::describe(p->loaded));

  const auto& conditions = p->screen().conditions;
  const bool unperturbed = std::all_of(conditions.begin(), conditions.end(), [](const auto& c) { return c.is_control(); });
  if (unperturbed) {
    // Unperturbed cells (BEELINE's data): nothing to split or predict, but a
    // network can be inferred from all of them.
    if (task_of(config) != Task::network)
      throw sdk::Error("the data has no perturbed condition (every cell is a control): there is nothing to predict. "
                       "Check [data] condition_column and control_label, or infer a network (task = \"network\")");
    p->split_type = "none";
    spdlog::info("no perturbed condition: every cell is a control, and all of them are fitting cells");
    return p;
  }
  if (saved_split) {
    p->split = *saved_split;
  } else {
    split_conditions(config, host, *p);
    log_split(*p);
  }
  const sdk::Screen& screen = p->screen();
  p->train = condition_indices(screen, p->split.train, "split train set");
  p->val = condition_indices(screen, p->split.val, "split validation set");
  p->test = condition_indices(screen, p->split.test, "split test set");
  if (p->test.empty() && p->split_type != "none")
    throw sdk::Error("the split (" + p->split_type + ") has an empty test set: nothing would be evaluated; "
                     "choose another [split] type or fraction");
  if (p->train.empty()) throw sdk::Error("the split (" + p->split_type + ") has an empty training set");
  return p;
}

std::unique_ptr<Prepared> prepare(const toml::table& config, const plugin::PluginHost& host,
                                  const std::optional<sdk::Split>& saved_split) {
  auto p = prepare_data(config, host, saved_split);
  const sdk::Screen& screen = p->screen();
  p->model = model::assemble(config, host);
  const std::uint64_t seed = static_cast<std::uint64_t>(config["seed"].value_or<std::int64_t>(0));
  p->fitting = fitting_view(screen, p->train, p->val, dense_tensor(p->loaded.preprocessed.pseudobulk.means));
  build_inputs(*p, seed);

  sdk::FitContext& ctx = p->context;
  ctx.genes = &p->loaded.data->genes;
  ctx.screen = &p->fitting.screen;
  ctx.train_conditions = p->fitting.train;
  ctx.val_conditions = p->fitting.val;
  ctx.condition_means = p->fitting.condition_means;
  // One control mean only when there is one control; with contexts each
  // context's is the pseudobulk of its control (sdk::ControlMeans).
  const std::vector<std::string> contexts = p->fitting.screen.contexts();
  if (contexts.size() == 1) ctx.control_mean = ctx.condition_means[p->fitting.screen.control_index(contexts[0])].clone();
  ctx.structure_learner = p->model.gsl;
  ctx.relation_typer = p->model.relations;
  ctx.structure_learners = p->model.learners;
  ctx.relation_typers = p->model.typers;
  ctx.adapters = p->model.adapters;
  ctx.seed = seed;
  return p;
}

}  // namespace trellis::core::experiment

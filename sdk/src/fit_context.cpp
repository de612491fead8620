// FitContext's named lookups and the check of a structure learner's output.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "trellis/sdk/adapter.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::sdk {

namespace {

// One message form for every lookup: what is missing, what exists, where to
// declare it.
template <class Value>
const Value& lookup(const std::map<std::string, Value>& entries, const std::string& name, const std::string& what,
                    const std::string& table) {
  const auto it = entries.find(name);
  if (it != entries.end()) return it->second;
  std::vector<std::string> names;
  for (const auto& entry : entries) names.push_back(entry.first);
  std::string message = what + " '" + name + "' is not built; available: " + (names.empty() ? "none" : join(names));
  const std::string near = closest_match(name, names);
  if (!near.empty()) message += " (did you mean '" + near + "'?)";
  throw Error(message + "; declare it under [" + table + "] and list it in the predictor's requirements");
}

}  // namespace

const at::Tensor& FitContext::feature(const std::string& name) const {
  return lookup(features, name, "feature", "model.encoders." + name);
}

const Graph& FitContext::graph(const std::string& name) const {
  return lookup(graphs, name, "graph", "model.graphs." + name);
}

std::shared_ptr<StructureLearner> FitContext::learner(const std::string& name) const {
  return lookup(structure_learners, name, "structure learner", name == "gsl" ? "model.gsl" : "model.gsl." + name);
}

std::shared_ptr<RelationTyper> FitContext::typer(const std::string& name) const {
  return lookup(relation_typers, name, "relation typer",
                name == "relations" ? "model.relations" : "model.relations." + name);
}

std::shared_ptr<Adapter> FitContext::adapter(const std::string& slot) const {
  const auto it = adapters.find(slot);
  return it == adapters.end() ? nullptr : it->second;
}

std::shared_ptr<Adapter> prepare_adapter(const FitContext& context, const AdapterSlot& slot) {
  std::shared_ptr<Adapter> adapter = context.adapter(slot.name);
  if (!adapter) return nullptr;
  if (slot.dim < 1 || !slot.genes.defined() || slot.genes.dim() != 1)
    throw Error(slot.predictor + " passes adapter slot '" + slot.name + "' without a width or gene rows");
  // An adapter's initial parameters must not shift the model's random
  // stream: the model then starts from the same weights with or without it.
  struct Restore {
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    at::Tensor state = generator.get_state();
    ~Restore() { generator.set_state(state); }
  } restore;
  adapter->prepare(context, slot);
  return adapter;
}

void GslOutput::validate(std::int64_t num_genes, double tolerance) const {
  if (!has_graph() && !has_assignment())
    throw Error("the structure learner returned neither a graph nor a gene x module assignment");
  if (has_graph()) graph.validate();
  if (!has_assignment()) return;
  const auto& a = assignment;
  if (a.dim() != 2 || a.size(0) != num_genes || a.size(1) < 1 || !a.is_floating_point())
    throw Error("the gene x module assignment must be a float [" + std::to_string(num_genes) +
                ", modules] tensor, got " + std::to_string(a.dim()) + "-d" +
                (a.dim() == 2 ? " [" + std::to_string(a.size(0)) + ", " + std::to_string(a.size(1)) + "]" : ""));
  const at::Tensor values = a.detach().to(at::kDouble);
  const at::Tensor bad_rows =
      (values.lt(0).any(1) | (values.sum(1) - 1.0).abs().gt(tolerance) | values.isnan().any(1)).nonzero();
  if (bad_rows.numel() > 0) {
    const std::int64_t row = bad_rows[0][0].item<std::int64_t>();
    throw Error("the gene x module assignment's row " + std::to_string(row) + " sums to " +
                std::to_string(values[row].sum().item<double>()) +
                "; each gene's row must be non-negative and sum to 1 (apply a softmax over modules)");
  }
}

}  // namespace trellis::sdk

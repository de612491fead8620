#include "trellis/experiment/requested.hpp"

#include <algorithm>
#include <map>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::core::experiment {

namespace {

sdk::PerturbationType usual_type(const sdk::Screen& screen) {
  std::map<sdk::PerturbationType, int> counts;
  for (const auto& c : screen.conditions)
    if (!c.is_control()) ++counts[c.type];
  sdk::PerturbationType best = sdk::PerturbationType::unknown;
  int most = 0;
  for (const auto& [type, n] : counts)
    if (n > most) best = type, most = n;
  return best;
}

}  // namespace

std::vector<sdk::Condition> requested_conditions(const std::vector<std::string>& labels, const sdk::Screen& screen,
                                                 const data::ConditionFormat& format) {
  const sdk::GeneTable& genes = *screen.genes;
  std::map<std::string, const sdk::Condition*> by_key;
  for (const auto& c : screen.conditions) by_key[data::condition_key(c.genes)] = &c;
  const sdk::PerturbationType fallback = usual_type(screen);

  std::vector<sdk::Condition> out;
  const std::vector<std::string> contexts = screen.contexts();
  const bool has_contexts = !(contexts.size() == 1 && contexts.front().empty());
  for (const auto& label : labels) {
    // PERTURBATION@CONTEXT with contexts; the context must be a fitted one.
    const auto at = label.rfind('@');
    std::string context;
    if (has_contexts) {
      if (at == std::string::npos)
        throw sdk::Error("--perturb '" + label + "': this run's conditions are (perturbation, context) pairs; name "
                         "the context as PERTURBATION@CONTEXT, e.g. '" + label + "@" + contexts.front() +
                         "' (contexts: " + sdk::join_first(contexts, 8) + ")");
      context = label.substr(at + 1);
      if (std::find(contexts.begin(), contexts.end(), context) == contexts.end()) {
        const std::string near = sdk::closest_match(context, contexts);
        throw sdk::Error("--perturb '" + label + "': context '" + context + "' is not one of this run's (" +
                         sdk::join_first(contexts, 8) + ")" + (near.empty() ? "" : "; did you mean '" + near + "'?"));
      }
    } else if (at != std::string::npos) {
      throw sdk::Error("--perturb '" + label + "': this run has no cell contexts ([data] context), so a condition "
                       "names only perturbed genes, e.g. '" + label.substr(0, at) + "'");
    }
    const data::ParsedCondition parsed = data::parse_condition(has_contexts ? label.substr(0, at) : label, format);
    if (parsed.is_control())
      throw sdk::Error("--perturb '" + label + "' is the control; name one or more perturbed genes, e.g. A+B");
    sdk::Condition c;
    c.name = label;
    c.context = context;
    c.genes = parsed.genes;
    for (const auto& gene : parsed.genes) {
      const auto index = genes.find(gene);
      if (!index) {
        std::vector<std::string> symbols;
        for (const auto& g : genes.genes()) symbols.push_back(g.symbol);
        const std::string near = sdk::closest_match(gene, symbols);
        throw sdk::Error("--perturb '" + label + "': gene '" + gene + "' is not in this run's gene universe (" +
                         std::to_string(genes.size()) + " genes)" +
                         (near.empty() ? std::string() : "; did you mean '" + near + "'?"));
      }
      c.gene_indices.push_back(*index);
    }
    const auto same = by_key.find(data::condition_key(c.genes));
    c.type = same != by_key.end() ? same->second->type : fallback;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace trellis::core::experiment

// What the network/* methods may learn from and how their output is named:
// the fitting cells, the candidate regulators, a prior's edges among
// measured genes, the candidate pairs.
#include <set>

#include <ATen/ATen.h>

#include "network.hpp"
#include "trellis/sdk/data.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/graph.hpp"
#include "trellis/sdk/log.hpp"

namespace trellis::network {

at::Tensor fitting_cells(const sdk::FitContext& context, std::int64_t minimum, const std::string& component) {
  if (!context.screen) throw sdk::Error(component + ": the fit context has no screen");
  const sdk::Screen& screen = *context.screen;
  const auto conditions = static_cast<std::int64_t>(screen.conditions.size());
  std::vector<bool> allowed(screen.conditions.size(), false);
  for (std::size_t c = 0; c < screen.conditions.size(); ++c) allowed[c] = screen.conditions[c].is_control();
  for (const auto* list : {&context.train_conditions, &context.val_conditions})
    for (const std::int64_t c : *list) {
      if (c < 0 || c >= conditions)
        throw sdk::Error(component + ": condition index " + std::to_string(c) + " is out of range");
      allowed[static_cast<std::size_t>(c)] = true;
    }
  const at::Tensor condition = screen.cell_condition.to(at::kLong).contiguous();
  const auto* cc = condition.data_ptr<std::int64_t>();
  std::vector<std::int64_t> cells;
  for (std::int64_t i = 0; i < condition.size(0); ++i)
    if (allowed[static_cast<std::size_t>(cc[i])]) cells.push_back(i);
  if (static_cast<std::int64_t>(cells.size()) < minimum)
    throw sdk::Error(component + ": needs at least " + std::to_string(minimum) +
                     " control, training or validation cells, found " + std::to_string(cells.size()));
  return at::tensor(cells, at::kLong);
}

std::vector<std::string> measured_symbols(const sdk::FitContext& context, const std::string& component) {
  if (!context.genes) throw sdk::Error(component + ": the fit context has no gene table");
  std::vector<std::string> out;
  for (const std::int64_t g : context.genes->measured()) out.push_back(context.genes->at(g).symbol);
  return out;
}

at::Tensor fitting_expression(const sdk::FitContext& context, std::int64_t minimum, const std::string& component) {
  return context.screen->dense_rows(fitting_cells(context, minimum, component)).contiguous();
}

std::vector<std::int64_t> regulator_columns(const sdk::FitContext& context, const std::vector<std::string>& genes) {
  std::vector<std::int64_t> columns;
  if (context.regulators.empty()) {
    for (std::size_t j = 0; j < genes.size(); ++j) columns.push_back(static_cast<std::int64_t>(j));
    return columns;
  }
  const std::set<std::string> wanted(context.regulators.begin(), context.regulators.end());
  for (std::size_t j = 0; j < genes.size(); ++j)
    if (wanted.count(genes[j])) columns.push_back(static_cast<std::int64_t>(j));
  return columns;
}

at::Tensor measured_prior_edges(const sdk::FitContext& context, const std::string& graph_name,
                                const std::string& component) {
  const sdk::Graph& graph = context.graph(graph_name);
  const std::vector<std::int64_t>& measured = context.genes->measured();
  at::Tensor column = at::full({static_cast<std::int64_t>(context.genes->size())}, -1, at::kLong);
  column.index_put_({at::tensor(measured, at::kLong)}, at::arange(static_cast<std::int64_t>(measured.size()), at::kLong));
  const at::Tensor index = graph.edge_index.to(at::kLong);
  const at::Tensor from = column.index_select(0, index[0]), to = column.index_select(0, index[1]);
  const at::Tensor keep = at::logical_and(at::logical_and(from >= 0, to >= 0), from != to);
  const at::Tensor edges = at::stack({from.masked_select(keep), to.masked_select(keep)});
  if (edges.size(1) == 0)
    throw sdk::Error(component + ": graph '" + graph_name + "' has none of its " + std::to_string(graph.num_edges()) +
                     " edges between two measured genes; check that it names genes by the screen's symbols");
  sdk::log_info(component + ": prior graph '" + graph_name + "', " + std::to_string(edges.size(1)) +
                " edges between measured genes");
  return edges;
}

std::pair<at::Tensor, at::Tensor> candidate_pairs(const at::Tensor& regulators, std::int64_t genes) {
  const at::Tensor from = regulators.repeat_interleave(genes);
  const at::Tensor to = at::arange(genes, at::kLong).repeat({regulators.size(0)});
  const at::Tensor keep = from != to;
  return {from.masked_select(keep), to.masked_select(keep)};
}

sdk::ScoredEdges named_edges(const at::Tensor& from, const at::Tensor& to, const at::Tensor& scores,
                             const std::vector<std::string>& genes) {
  const at::Tensor f = from.contiguous(), t = to.contiguous(), s = scores.to(at::kDouble).contiguous();
  const auto* a = f.data_ptr<std::int64_t>();
  const auto* b = t.data_ptr<std::int64_t>();
  sdk::ScoredEdges edges;
  edges.score.assign(s.data_ptr<double>(), s.data_ptr<double>() + s.numel());
  edges.regulator.reserve(edges.score.size());
  edges.target.reserve(edges.score.size());
  for (std::int64_t i = 0; i < f.numel(); ++i) {
    edges.regulator.push_back(genes[static_cast<std::size_t>(a[i])]);
    edges.target.push_back(genes[static_cast<std::size_t>(b[i])]);
  }
  return edges;
}

}  // namespace trellis::network

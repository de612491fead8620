// Scoring predictions: checks what the predictor returned, builds one
// MetricInput per test condition and runs every metric over all of them.
#include "trellis/eval/evaluator.hpp"

#include <cmath>
#include <limits>
#include <set>
#include <sstream>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "trellis/plugin/plugin_host.hpp"
#include "trellis/preprocess/differential.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/tensor_text.hpp"

namespace trellis::core::eval {

namespace {

std::string shape_of(const at::Tensor& t) {
  return t.defined() ? sdk::shape_of(t) : "nothing (an undefined tensor)";
}

std::string gene_label(const EvaluationInput& input, std::int64_t column) {
  std::string label = "gene index " + std::to_string(column);
  const sdk::GeneTable* genes = input.screen ? input.screen->genes : nullptr;
  if (genes && column < static_cast<std::int64_t>(genes->measured().size()))
    label += " (" + genes->at(genes->measured()[static_cast<std::size_t>(column)]).symbol + ")";
  return label;
}

/// Throws naming the first non-finite value of `values` ([rows, G]); `row_name`
/// names the condition of a row.
template <class RowName>
void check_finite(const at::Tensor& values, const std::string& what, const EvaluationInput& input,
                  RowName row_name) {
  const at::Tensor bad = at::isfinite(values).logical_not().nonzero();
  if (bad.size(0) == 0) return;
  const std::int64_t row = bad[0][0].item<std::int64_t>(), col = bad[0][1].item<std::int64_t>();
  const double v = values[row][col].item<double>();
  throw sdk::Error("the predictor returned " + std::string(std::isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf")) +
                   " in its " + what + " for condition '" + row_name(row) + "' at " + gene_label(input, col) +
                   " (" + std::to_string(bad.size(0)) + " non-finite values in all); check the model's " +
                   "training (a diverged loss or a too large learning rate)");
}

at::Tensor row_tensor(const std::vector<float>& values) {
  return at::tensor(at::ArrayRef<float>(values), at::kFloat);
}

std::string condition_name(const EvaluationInput& input, std::int64_t c) {
  const auto& names = input.preprocessed->condition_names;
  if (c >= 0 && c < static_cast<std::int64_t>(names.size())) return names[static_cast<std::size_t>(c)];
  return input.screen->conditions.at(static_cast<std::size_t>(c)).name;
}

/// The mean pseudobulk of the reference (training) perturbations of one
/// context, each condition weighted equally; undefined without any.
at::Tensor mean_of_perturbations(const EvaluationInput& input, const std::string& context) {
  const auto& means = input.preprocessed->pseudobulk.means;
  at::Tensor sum;
  std::int64_t n = 0;
  for (const std::int64_t c : input.reference_conditions) {
    if (c < 0 || c >= means.rows || input.preprocessed->control_for(c) == c) continue;
    if (input.screen->conditions.at(static_cast<std::size_t>(c)).context != context) continue;
    const at::Tensor row = row_tensor(means.row(c)).to(at::kDouble);
    sum = sum.defined() ? sum + row : row;
    ++n;
  }
  return n == 0 ? at::Tensor() : (sum / static_cast<double>(n)).to(at::kFloat);
}

/// For each universe gene, its measured column, or -1.
std::vector<std::int64_t> measured_column_of(const sdk::Screen& screen) {
  if (!screen.genes) return {};
  std::vector<std::int64_t> column_of(static_cast<std::size_t>(screen.genes->size()), -1);
  const auto& measured = screen.genes->measured();
  for (std::size_t i = 0; i < measured.size(); ++i)
    column_of[static_cast<std::size_t>(measured[i])] = static_cast<std::int64_t>(i);
  return column_of;
}

/// Checks the input and returns G.
std::int64_t check_input(const EvaluationInput& input) {
  if (!input.screen || !input.preprocessed)
    throw sdk::Error("evaluation needs the screen and its preprocessed pseudobulk");
  const auto& means = input.preprocessed->pseudobulk.means;
  const std::int64_t g = means.cols;
  const auto n = static_cast<std::int64_t>(input.conditions.size());
  if (n == 0) throw sdk::Error("nothing to evaluate: the list of test conditions is empty");
  if (static_cast<std::int64_t>(input.preprocessed->control_mean.size()) != g)
    throw sdk::Error("the control mean has " + std::to_string(input.preprocessed->control_mean.size()) +
                     " genes but the pseudobulk has " + std::to_string(g));
  std::set<std::int64_t> seen;
  for (std::int64_t c : input.conditions) {
    if (c < 0 || c >= means.rows)
      throw sdk::Error("test condition index " + std::to_string(c) + " is out of range (the screen has " +
                       std::to_string(means.rows) + " conditions)");
    if (!seen.insert(c).second)
      throw sdk::Error("test condition '" + condition_name(input, c) + "' is listed twice");
  }
  const at::Tensor& p = input.predicted;
  if (!p.defined() || p.dim() != 2 || p.size(0) != n || p.size(1) != g)
    throw sdk::Error("the predictor returned predictions of shape " + shape_of(p) + "; expected [" +
                     std::to_string(n) + ", " + std::to_string(g) + "] (" + std::to_string(n) +
                     " test conditions x " + std::to_string(g) + " measured genes)");
  auto name_of_row = [&](std::int64_t row) {
    return condition_name(input, input.conditions[static_cast<std::size_t>(row)]);
  };
  check_finite(p, "predictions", input, name_of_row);
  if (!input.predicted_cells.empty()) {
    if (static_cast<std::int64_t>(input.predicted_cells.size()) != n)
      throw sdk::Error("the predictor returned sampled cells for " + std::to_string(input.predicted_cells.size()) +
                       " conditions; expected one [cells, " + std::to_string(g) + "] tensor for each of the " +
                       std::to_string(n) + " test conditions");
    for (std::size_t i = 0; i < input.predicted_cells.size(); ++i) {
      const at::Tensor& cells = input.predicted_cells[i];
      if (!cells.defined() || cells.numel() == 0) continue;  // no cells for this one
      const std::string name = condition_name(input, input.conditions[i]);
      if (cells.dim() != 2 || cells.size(1) != g)
        throw sdk::Error("the predictor returned sampled cells of shape " + shape_of(cells) + " for condition '" +
                         name + "'; expected [cells, " + std::to_string(g) + "]");
      check_finite(cells.reshape({-1, g}), "sampled cells", input, [&](std::int64_t) { return name; });
    }
  }
  return g;
}

}  // namespace

std::vector<NamedMetric> create_metrics(const plugin::PluginHost& host, const std::vector<std::string>& names) {
  std::vector<std::string> wanted = names;
  if (wanted.empty())
    for (const plugin::Component* c : host.components(sdk::kind_name<sdk::Metric>())) wanted.push_back(c->spec.name);
  std::vector<NamedMetric> metrics;
  std::set<std::string> seen;
  const std::string prefix = "metric/";
  for (const std::string& requested : wanted) {
    const std::string name = requested.rfind(prefix, 0) == 0 ? requested.substr(prefix.size()) : requested;
    if (!seen.insert(name).second) throw sdk::Error("metric '" + name + "' is listed twice in the metrics to compute");
    plugin::Origin origin;
    auto metric = host.create<sdk::Metric>(name, nlohmann::json::object(), "eval", &origin);
    metrics.push_back({name, std::move(metric), std::move(origin)});
  }
  return metrics;
}

Evaluation evaluate(const EvaluationInput& input, const std::vector<NamedMetric>& metrics) {
  const std::int64_t g = check_input(input);
  const auto& pre = *input.preprocessed;
  const at::Tensor predicted = input.predicted.detach().to(at::kCPU).to(at::kFloat).contiguous();
  // Observed cells are only read when some prediction has cells (they cost memory).
  bool sampled = false;
  for (const auto& t : input.predicted_cells) sampled = sampled || (t.defined() && t.numel() > 0);

  const std::vector<std::int64_t> column_of = measured_column_of(*input.screen);
  // Per context: its control mean, its training perturbations' mean, and the
  // test conditions in it (systematic metrics compare conditions within one
  // context only).
  std::map<std::string, at::Tensor> perturbed_means;
  std::map<std::int64_t, at::Tensor> controls;
  std::map<std::string, std::vector<std::size_t>> rows_of_context;

  Evaluation result;
  std::vector<sdk::MetricInput> inputs;
  inputs.reserve(input.conditions.size());
  for (std::size_t i = 0; i < input.conditions.size(); ++i) {
    const std::int64_t c = input.conditions[i];
    result.conditions.push_back(condition_name(input, c));
    sdk::MetricInput in;
    in.predicted = predicted[static_cast<std::int64_t>(i)];
    const std::vector<float> observed = pre.pseudobulk.means.row(c);
    in.observed = row_tensor(observed);
    const std::string& context = input.screen->conditions.at(static_cast<std::size_t>(c)).context;
    rows_of_context[context].push_back(i);
    const std::int64_t control = pre.control_for(c);
    if (!controls.count(control)) controls[control] = row_tensor(pre.pseudobulk.means.row(control));
    in.control = controls[control];
    if (!perturbed_means.count(context)) perturbed_means[context] = mean_of_perturbations(input, context);
    in.perturbed_mean = perturbed_means[context];
    for (const std::int64_t gene : input.screen->conditions.at(static_cast<std::size_t>(c)).gene_indices) {
      const std::int64_t column = gene >= 0 && gene < static_cast<std::int64_t>(column_of.size())
                                      ? column_of[static_cast<std::size_t>(gene)]
                                      : -1;
      if (column >= 0) in.target_columns.push_back(column);
    }
    // Conditions whose DE was not tested (control, fewer than 2 cells) get
    // no ranking: the DE-based metrics are NaN for them.
    if (pre.de.tested(c)) {
      const auto& ranking = pre.de.ranking[static_cast<std::size_t>(c)];
      in.de_ranking.assign(ranking.begin(), ranking.end());
      const auto top = preprocess::non_dropout_top_de(ranking, observed, pre.pseudobulk.means.row(control), 20);
      in.top20_non_dropout.assign(top.begin(), top.end());
      if (static_cast<std::size_t>(c) < pre.de.significant.size())
        in.de_significant = pre.de.significant[static_cast<std::size_t>(c)];
    }
    if (sampled && i < input.predicted_cells.size() && input.predicted_cells[i].defined() &&
        input.predicted_cells[i].numel() > 0) {
      in.predicted_cells = input.predicted_cells[i].detach().to(at::kCPU).to(at::kFloat).reshape({-1, g});
      in.observed_cells = input.screen->dense_rows(input.screen->cells_of(c));
    }
    inputs.push_back(std::move(in));
  }

  for (const NamedMetric& m : metrics) {
    result.metrics.push_back(m.name);
    result.directions[m.name] = m.metric->direction();
    for (const auto& [context, rows] : rows_of_context) {
      // One context holds every input in order: no copy.
      std::vector<sdk::MetricInput> copied;
      if (rows_of_context.size() > 1)
        for (const std::size_t i : rows) copied.push_back(inputs[i]);
      const std::vector<sdk::MetricInput>& group = rows_of_context.size() > 1 ? copied : inputs;
      const std::vector<double> values =
          plugin::guarded(m.origin, "compute", [&] { return m.metric->compute_all(group); });
      if (values.size() != group.size())
        throw sdk::Error("metric/" + m.name + " returned " + std::to_string(values.size()) + " values for " +
                         std::to_string(group.size()) + " conditions");
      for (std::size_t k = 0; k < values.size(); ++k)
        if (!std::isnan(values[k])) result.per_condition[result.conditions[rows[k]]][m.name] = values[k];
    }
  }

  // Means over the conditions that have a value.
  auto mean_over = [&](const std::vector<std::string>& conditions) {
    std::map<std::string, double> means;
    for (const std::string& metric : result.metrics) {
      double sum = 0;
      std::int64_t n = 0;
      for (const std::string& c : conditions) {
        const auto row = result.per_condition.find(c);
        if (row == result.per_condition.end()) continue;
        const auto v = row->second.find(metric);
        if (v == row->second.end()) continue;
        sum += v->second;
        ++n;
      }
      if (n > 0) means[metric] = sum / static_cast<double>(n);
    }
    return means;
  };
  result.overall = mean_over(result.conditions);
  const std::set<std::string> scored(result.conditions.begin(), result.conditions.end());
  for (const auto& [subgroup, members] : input.subgroups) {
    std::vector<std::string> present;
    for (const std::string& c : members)
      if (scored.count(c)) present.push_back(c);
    // A subgroup none of whose conditions were scored is left out.
    if (!present.empty()) result.subgroups[subgroup] = mean_over(present);
  }
  // With contexts, each context is a subgroup too.
  if (rows_of_context.size() > 1 || !rows_of_context.begin()->first.empty())
    for (const auto& [context, rows] : rows_of_context) {
      std::vector<std::string> members;
      for (const std::size_t i : rows) members.push_back(result.conditions[i]);
      result.subgroups["context=" + context] = mean_over(members);
    }
  return result;
}

double score(const EvaluationInput& input, const NamedMetric& metric) {
  const Evaluation e = evaluate(input, {metric});
  const auto it = e.overall.find(metric.name);
  return it == e.overall.end() ? std::numeric_limits<double>::quiet_NaN() : it->second;
}

}  // namespace trellis::core::eval

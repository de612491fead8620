// predictor/additive: control mean + the sum of the observed single-gene deltas.
//
// For a condition perturbing genes {A, B, ...} the prediction is
//   control mean + delta(A) + delta(B) + ...,
// delta(X) = pseudobulk of the TRAINING single X minus the control mean. A
// single is a condition with exactly one perturbed gene; conditions are
// matched by gene (universe index), so "A+ctrl" and "ctrl+A" are the same
// single. Only training conditions count: validation and test conditions
// never inform a prediction. When a gene has no training single, its part
// is missing and contributes zero (the prediction falls back to the
// available parts; with no part at all it is the control mean).
// A single whose own single is in training gets its observed mean back.
// When several training conditions are the same single (e.g. two labels for
// one gene), their deltas are averaged.
//
// With cell contexts everything is within the condition's context: its
// control mean, and the deltas of singles measured in that context, each
// against its own context's control. A gene whose single was not measured
// in the context borrows the mean of its deltas in the other contexts (the
// covariate-transfer case); only a gene with no training single anywhere
// adds zero.
#include <algorithm>
#include <map>
#include <utility>

#include <ATen/ATen.h>

#include "baseline.hpp"
#include "baselines.hpp"
#include "trellis/sdk/data.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/fit_support.hpp"
#include "trellis/sdk/log.hpp"

namespace trellis::baselines {

namespace {

using sdk::Error;

class Additive : public Baseline {
 public:
  Additive() : Baseline("predictor/additive") {}

  void fit(sdk::FitContext& context) override {
    const sdk::ControlMeans controls = begin_fit(context);
    const sdk::Screen& screen = *context.screen;
    const std::vector<std::string> contexts = context_names(controls);
    std::map<std::pair<std::int64_t, std::int64_t>, std::pair<at::Tensor, std::int64_t>> sums;  // (gene, context)
    for (std::int64_t c : context.train_conditions) {
      if (c < 0 || c >= static_cast<std::int64_t>(screen.conditions.size()))
        throw Error("training condition index " + std::to_string(c) + " is not a screen condition");
      const sdk::Condition& condition = screen.conditions[static_cast<std::size_t>(c)];
      if (condition.gene_indices.size() != 1) continue;  // control or a combination
      const auto k = std::find(contexts.begin(), contexts.end(), condition.context) - contexts.begin();
      auto& [sum, count] = sums[{condition.gene_indices[0], static_cast<std::int64_t>(k)}];
      const at::Tensor delta = sdk::condition_delta(context, c);
      sum = sum.defined() ? sum + delta : delta;
      ++count;
    }
    std::vector<std::int64_t> genes, in_context;
    std::vector<at::Tensor> deltas;
    for (const auto& [key, entry] : sums) {
      genes.push_back(key.first);
      in_context.push_back(key.second);
      deltas.push_back(entry.first / static_cast<double>(entry.second));
    }
    const auto n = static_cast<std::int64_t>(genes.size());
    single_genes_ = at::tensor(genes, at::kLong).reshape({n});
    single_contexts_ = at::tensor(in_context, at::kLong).reshape({n});
    single_deltas_ = deltas.empty() ? at::zeros({0, controls.genes()}) : at::stack(deltas).to(at::kFloat);
    index_rows(contexts);
    controls_ = controls;
  }

  at::Tensor predict(const std::vector<sdk::Condition>& conditions) override {
    require_fitted();
    at::Tensor out = controls_.rows(conditions).clone();
    std::size_t incomplete = 0, borrowed = 0;
    for (std::size_t r = 0; r < conditions.size(); ++r) {
      const sdk::Condition& c = conditions[r];
      if (c.gene_indices.size() != c.genes.size())
        throw Error("condition '" + c.name + "' has genes without universe indices");
      at::Tensor row = out[static_cast<std::int64_t>(r)];
      bool complete = true, borrowing = false;
      for (std::int64_t gene : c.gene_indices) {
        const auto own = rows_.find({gene, c.context});
        if (own != rows_.end()) {
          row += single_deltas_[own->second];
          continue;
        }
        const auto elsewhere = rows_of_gene_.find(gene);
        if (elsewhere == rows_of_gene_.end()) {
          complete = false;  // no training single anywhere: adds 0
          continue;
        }
        at::Tensor sum = at::zeros_like(row);
        for (const std::int64_t k : elsewhere->second) sum += single_deltas_[k];
        row += sum / static_cast<double>(elsewhere->second.size());
        borrowing = true;
      }
      incomplete += !complete;
      borrowed += borrowing;
    }
    if (incomplete > 0)
      sdk::log_info(name_ + ": " + std::to_string(incomplete) + " of " + std::to_string(conditions.size()) +
                    " conditions have genes without a training single; those genes add no change");
    if (borrowed > 0)
      sdk::log_info(name_ + ": " + std::to_string(borrowed) + " of " + std::to_string(conditions.size()) +
                    " conditions have genes whose single was measured only in other contexts; their mean "
                    "change there is used");
    return out;
  }

 protected:
  State state() const override {
    return {{"single_genes", single_genes_}, {"single_contexts", single_contexts_}, {"single_deltas", single_deltas_}};
  }
  std::vector<std::string> state_names() const override { return {"single_genes", "single_contexts", "single_deltas"}; }
  void restore(const State& state) override {
    single_genes_ = state.at("single_genes").to(at::kLong).contiguous();
    single_contexts_ = state.at("single_contexts").to(at::kLong).contiguous();
    single_deltas_ = state.at("single_deltas").to(at::kFloat);
    if (single_deltas_.dim() != 2 || single_deltas_.size(0) != single_genes_.size(0) ||
        single_contexts_.size(0) != single_genes_.size(0) || single_deltas_.size(1) != controls_.genes())
      throw Error("the saved single deltas do not match the saved genes; fit the model again");
    index_rows(context_names(controls_));
  }

 private:
  static std::vector<std::string> context_names(const sdk::ControlMeans& controls) {
    std::vector<std::string> names;
    for (const auto& [name, mean] : controls.by_context()) names.push_back(name);
    return names;
  }

  void index_rows(const std::vector<std::string>& contexts) {
    rows_.clear();
    rows_of_gene_.clear();
    const auto* g = single_genes_.data_ptr<std::int64_t>();
    const auto* k = single_contexts_.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < single_genes_.size(0); ++i) {
      if (k[i] < 0 || k[i] >= static_cast<std::int64_t>(contexts.size()))
        throw Error("a saved single names context " + std::to_string(k[i]) + " of " +
                    std::to_string(contexts.size()) + "; fit the model again");
      rows_[{g[i], contexts[static_cast<std::size_t>(k[i])]}] = i;
      rows_of_gene_[g[i]].push_back(i);
    }
  }

  at::Tensor single_genes_;     ///< [S] universe index of each training single's gene
  at::Tensor single_contexts_;  ///< [S] its context: index into the sorted fitted contexts
  at::Tensor single_deltas_;    ///< [S, G] its pseudobulk minus its context's control mean
  std::map<std::pair<std::int64_t, std::string>, std::int64_t> rows_;  ///< (gene, context) -> row
  std::map<std::int64_t, std::vector<std::int64_t>> rows_of_gene_;     ///< gene -> its rows, in any context
};

}  // namespace

std::shared_ptr<sdk::Predictor> make_additive(const sdk::Options&) { return std::make_shared<Additive>(); }

}  // namespace trellis::baselines

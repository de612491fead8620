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
// available parts; with no part at all it is the control mean). Such
// conditions are not logged: plugins have no logger through the SDK.
// A single whose own single is in training gets its observed mean back.
// When several training conditions are the same single (e.g. two labels for
// one gene), their deltas are averaged.
#include <unordered_map>

#include <ATen/ATen.h>

#include "baseline.hpp"
#include "baselines.hpp"
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
    const at::Tensor control = begin_fit(context);
    const sdk::Screen& screen = *context.screen;
    std::map<std::int64_t, std::pair<at::Tensor, std::int64_t>> sums;  // gene -> (sum of deltas, count)
    for (std::int64_t c : context.train_conditions) {
      if (c < 0 || c >= static_cast<std::int64_t>(screen.conditions.size()))
        throw Error("training condition index " + std::to_string(c) + " is not a screen condition");
      const sdk::Condition& condition = screen.conditions[static_cast<std::size_t>(c)];
      if (condition.gene_indices.size() != 1) continue;  // control or a combination
      auto& [sum, count] = sums[condition.gene_indices[0]];
      const at::Tensor delta = sdk::condition_mean(context, c) - control;
      sum = sum.defined() ? sum + delta : delta;
      ++count;
    }
    std::vector<std::int64_t> genes;
    std::vector<at::Tensor> deltas;
    for (const auto& [gene, entry] : sums) {
      genes.push_back(gene);
      deltas.push_back(entry.first / static_cast<double>(entry.second));
    }
    single_genes_ = at::tensor(genes, at::kLong).reshape({static_cast<std::int64_t>(genes.size())});
    single_deltas_ = deltas.empty() ? at::zeros({0, control.size(0)}) : at::stack(deltas);
    index_rows();
    control_mean_ = control;
  }

  at::Tensor predict(const std::vector<sdk::Condition>& conditions) override {
    require_fitted();
    at::Tensor out = control_mean_.unsqueeze(0).repeat({static_cast<std::int64_t>(conditions.size()), 1});
    std::size_t incomplete = 0;
    for (std::size_t r = 0; r < conditions.size(); ++r) {
      const sdk::Condition& c = conditions[r];
      if (c.gene_indices.size() != c.genes.size())
        throw Error("condition '" + c.name + "' has genes without universe indices");
      at::Tensor row = out[static_cast<std::int64_t>(r)];
      bool complete = true;
      for (std::int64_t gene : c.gene_indices) {
        const auto found = row_of_.find(gene);
        if (found != row_of_.end()) row += single_deltas_[found->second];  // else: missing part, adds 0
        else complete = false;
      }
      incomplete += !complete;
    }
    if (incomplete > 0)
      sdk::log_info(name_ + ": " + std::to_string(incomplete) + " of " + std::to_string(conditions.size()) +
                    " conditions have genes without a training single; those genes add no change");
    return out;
  }

 protected:
  State state() const override { return {{"single_genes", single_genes_}, {"single_deltas", single_deltas_}}; }
  std::vector<std::string> state_names() const override { return {"single_genes", "single_deltas"}; }
  void restore(const State& state) override {
    single_genes_ = state.at("single_genes").to(at::kLong).contiguous();
    single_deltas_ = state.at("single_deltas").to(at::kFloat);
    if (single_deltas_.dim() != 2 || single_deltas_.size(0) != single_genes_.size(0) ||
        single_deltas_.size(1) != control_mean_.size(0))
      throw Error("the saved single deltas do not match the saved genes; fit the model again");
    index_rows();
  }

 private:
  void index_rows() {
    row_of_.clear();
    const auto* g = single_genes_.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < single_genes_.size(0); ++i) row_of_[g[i]] = i;
  }

  at::Tensor single_genes_;   ///< [S] universe index of each training single's gene
  at::Tensor single_deltas_;  ///< [S, G] its pseudobulk minus the control mean
  std::unordered_map<std::int64_t, std::int64_t> row_of_;  ///< gene -> row of single_deltas_
};

}  // namespace

std::shared_ptr<sdk::Predictor> make_additive(const sdk::Options&) { return std::make_shared<Additive>(); }

}  // namespace trellis::baselines

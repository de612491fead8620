// predictor/linear: the bilinear ridge model of Ahlmann-Eltze et al. (2025),
// following their reference script benchmark/src/run_linear_pretrained_model.R
// (const-ae/linear_perturbation_prediction-Paper), function solve_y_axb.
//
// Data. X [G, n]: the pseudobulk of the n training conditions, always
// including the control (the reference adds "ctrl" to the training set).
// Y = X - control mean: the change of each training condition (the
// control's column is 0). With cell contexts each context's control is a
// column, each change is taken against its own context's control, and a
// prediction adds the change to the condition's context's control: K is
// shared by all contexts.
//
// Embeddings. A [G, d]: gene embedding, one row per measured gene.
// P [n, d]: perturbation embedding, one row per training condition.
//  - features = "" (default): A = prcomp(X)$x with d = `dimension`, the PCA
//    scores of the genes (rows of X) after centring each condition's column
//    over genes, exactly as the reference's prcomp_irlba(X, n = pca_dim) on
//    the training pseudobulk including the control. A perturbed gene's
//    embedding is its own row of A, so only measured genes have one.
//  - features = "<name>": the encoder output context.features[name]
//    [universe, d] gives both A (rows of the measured genes) and the
//    perturbation embeddings (rows of the perturbed genes), so perturbed
//    genes that are not measured work too; `dimension` is not used.
// A condition's row of P is the sum of its perturbed genes' embeddings
// (METHODS.md; the reference embeds singles only and so leaves combinations
// out of training). Genes without an embedding contribute zero: a
// prediction for a condition with none is control + b. Training conditions
// with no embedded gene at all are left out of Y, as the reference leaves out
// conditions without a match; the control stays in with P = 0 (the
// reference appends a zero "ctrl" column); their number is logged. When no
// perturbed training condition has an embedded gene, K cannot be fitted: the
// model then predicts control + the mean training delta (the `mean`
// baseline) and warns.
//
// Closed form (solve_y_axb with A_ridge = B_ridge = lambda = `ridge`):
//   b  = rowMeans(Y)                                   [G]
//   Yc = Y - b
//   K  = (A^T A + lambda I)^-1 A^T Yc P (P^T P + lambda I)^-1   [d, d]
//   prediction(c) = control mean + b + A K p_c
// Everything is computed in float64 and is deterministic (pca.hpp).
#include <ATen/ATen.h>
#include <torch/optim/adam.h>

#include "baseline.hpp"
#include "baselines.hpp"
#include "pca.hpp"
#include "trellis/sdk/adapter.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/fit_support.hpp"
#include "trellis/sdk/log.hpp"

namespace trellis::baselines {

namespace {

using sdk::Error;

class Linear : public Baseline {
 public:
  explicit Linear(const sdk::Options& options)
      : Baseline("predictor/linear"),
        dimension_(options.get_int("dimension")),
        ridge_(options.get_double("ridge")),
        features_(options.get_string("features")),
        adapter_epochs_(options.get_int("adapter_epochs")),
        adapter_learning_rate_(options.get_double("adapter_learning_rate")) {}

  sdk::Requirements requirements() const override {
    sdk::Requirements r;
    if (!features_.empty()) r.features.push_back(features_);
    r.adapter_slots = {"genes"};  // the gene embedding table, before K is solved
    return r;
  }

  void fit(sdk::FitContext& context) override {
    const sdk::ControlMeans controls = begin_fit(context);
    const sdk::Screen& screen = *context.screen;
    const sdk::GeneTable* universe = context.genes ? context.genes : screen.genes;
    if (!universe) throw Error("fitting needs the gene universe");
    const std::vector<std::int64_t>& measured = universe->measured();
    const auto genes = controls.genes();
    if (static_cast<std::int64_t>(measured.size()) != genes)
      throw Error("the gene universe has " + std::to_string(measured.size()) +
                  " measured genes but the control mean has " + std::to_string(genes));

    // Training columns: each context's control first (appended when the
    // split left it out), then the perturbed training conditions.
    std::vector<std::int64_t> columns;
    std::vector<at::Tensor> means, deltas;
    for (const auto& [name, mean] : controls.by_context()) {
      columns.push_back(screen.control_index(name));
      means.push_back(mean.to(at::kDouble));
      deltas.push_back(at::zeros_like(means.back()));
    }
    const auto n_controls = static_cast<std::int64_t>(columns.size());
    for (std::int64_t c : context.train_conditions) {
      if (c < 0 || c >= static_cast<std::int64_t>(screen.conditions.size()))
        throw Error("training condition index " + std::to_string(c) + " is not a screen condition");
      if (screen.conditions[static_cast<std::size_t>(c)].is_control()) continue;
      columns.push_back(c);
      means.push_back(sdk::condition_mean(context, c).to(at::kDouble));
      deltas.push_back(sdk::condition_delta(context, c).to(at::kDouble));  // against its own context's control
    }
    const at::Tensor x = at::stack(means, 1);  // [G, n]

    at::Tensor gene_embedding, table, embedded;
    if (features_.empty()) {
      const auto most = std::min<std::int64_t>(genes, x.size(1));
      if (dimension_ > most)
        throw Error("option 'dimension' = " + std::to_string(dimension_) +
                    " is larger than possible: the PCA of the training pseudobulk (" + std::to_string(genes) +
                    " genes x " + std::to_string(x.size(1)) + " training conditions with the control) has at most " +
                    std::to_string(most) + " components; lower 'dimension' or train on more conditions");
      gene_embedding = pca_scores(x, dimension_);
      table = at::zeros({universe->size(), dimension_}, at::kDouble);
      embedded = at::zeros({universe->size()}, at::kBool);
      const at::Tensor rows = at::tensor(measured, at::kLong).reshape({genes});
      table.index_copy_(0, rows, gene_embedding);
      embedded.index_fill_(0, rows, true);
    } else {
      table = context.feature(features_).to(at::kDouble).contiguous();
      if (table.dim() != 2 || table.size(0) != universe->size())
        throw Error("feature '" + features_ + "' must be [universe genes = " +
                    std::to_string(universe->size()) + ", d], got " + std::to_string(table.dim()) + " dimensions" +
                    (table.dim() >= 1 ? " with " + std::to_string(table.size(0)) + " rows" : std::string()));
      embedded = at::ones({universe->size()}, at::kBool);
      gene_embedding = table.index_select(0, at::tensor(measured, at::kLong).reshape({genes}));
    }
    table_ = table;
    embedded_ = embedded;

    // Y and P over the training columns that have an embedding.
    std::vector<at::Tensor> y_columns, p_rows;
    std::vector<const sdk::Condition*> fitted;  // the condition of each column of Y
    std::int64_t perturbed = 0;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const sdk::Condition& condition = screen.conditions[static_cast<std::size_t>(columns[i])];
      std::int64_t parts = 0;
      const at::Tensor p = embed(condition, parts);
      if (!condition.is_control() && parts == 0) continue;  // no embedded gene: left out, as in the reference
      perturbed += !condition.is_control();
      y_columns.push_back(deltas[i]);
      p_rows.push_back(p);
      fitted.push_back(&condition);
    }
    const std::int64_t d = gene_embedding.size(1);
    gene_embedding_ = gene_embedding.contiguous();
    if (perturbed == 0) {
      // Nothing to learn K from: predict every condition as the control
      // plus the mean training delta (the `mean` baseline), and say so.
      sdk::log_warning(name_ + ": none of the " + std::to_string(columns.size() - n_controls) +
                       " perturbed training conditions has a perturbed gene with an embedding" +
                       (features_.empty() ? " (with the PCA embedding only measured genes have one; set option "
                                            "'features' to an encoder output that covers the perturbed genes)"
                                          : std::string()) +
                       "; predicting control + the mean training delta for every condition");
      center_ = at::stack(std::vector<at::Tensor>(deltas.begin() + n_controls, deltas.end())).mean(0);
      k_ = at::zeros({d, d}, at::kDouble);
      controls_ = controls;  // marks the fit done
      return;
    }
    const std::int64_t unembedded = static_cast<std::int64_t>(columns.size()) - n_controls - perturbed;
    if (unembedded > 0)
      sdk::log_info(name_ + ": " + std::to_string(unembedded) + " of " + std::to_string(columns.size() - n_controls) +
                    " perturbed training conditions have no embedded gene and are left out of the fit");
    const at::Tensor y = at::stack(y_columns, 1);  // [G, m]
    at::Tensor p = at::stack(p_rows, 0);           // [m, d]
    if (auto adapter = sdk::prepare_adapter(context, {"genes", name_, d, embedded_.nonzero().flatten()})) {
      fit_adapter(*adapter, context, y, fitted, measured);
      // The closed form below then uses the adapted embeddings.
      gene_embedding = gene_embedding_;
      for (std::size_t i = 0; i < fitted.size(); ++i) {
        std::int64_t parts = 0;
        p_rows[i] = embed(*fitted[i], parts);
      }
      p = at::stack(p_rows, 0);
    }
    const at::Tensor& a = gene_embedding;          // [G, d]
    const at::Tensor center = y.mean(1);
    const at::Tensor yc = y - center.unsqueeze(1);
    const at::Tensor eye = at::eye(d, at::kDouble);
    try {
      // K = (A^T A + lambda I)^-1 (A^T Yc P) (P^T P + lambda I)^-1; the right
      // factor is symmetric, so K^T = (P^T P + lambda I)^-1 [(A^T A + lambda I)^-1 A^T Yc P]^T.
      const at::Tensor left = at::linalg_solve(a.t().mm(a) + ridge_ * eye, a.t().mm(yc).mm(p));
      k_ = at::linalg_solve(p.t().mm(p) + ridge_ * eye, left.t()).t().contiguous();
    } catch (const c10::Error& e) {
      throw Error(std::string("the ridge system is singular; set option 'ridge' above 0 (") +
                  e.what_without_backtrace() + ")");
    }
    center_ = center;
    controls_ = controls;  // marks the fit done
  }

  at::Tensor predict(const std::vector<sdk::Condition>& conditions) override {
    require_fitted();
    const auto d = k_.size(0);
    at::Tensor p = at::zeros({static_cast<std::int64_t>(conditions.size()), d}, at::kDouble);
    for (std::size_t r = 0; r < conditions.size(); ++r) {
      std::int64_t parts = 0;
      p[static_cast<std::int64_t>(r)].copy_(embed(conditions[r], parts));
    }
    const at::Tensor base = controls_.rows(conditions).to(at::kDouble) + center_.unsqueeze(0);  // [n, G]
    return (base + p.mm(gene_embedding_.mm(k_).t())).to(at::kFloat);
  }

 protected:
  State state() const override {
    return {{"gene_embedding", gene_embedding_}, {"K", k_}, {"center", center_},
            {"perturbation_table", table_}, {"embedded", embedded_}};
  }
  std::vector<std::string> state_names() const override {
    return {"gene_embedding", "K", "center", "perturbation_table", "embedded"};
  }
  void restore(const State& state) override {
    gene_embedding_ = state.at("gene_embedding").to(at::kDouble);
    k_ = state.at("K").to(at::kDouble);
    center_ = state.at("center").to(at::kDouble);
    table_ = state.at("perturbation_table").to(at::kDouble);
    embedded_ = state.at("embedded").to(at::kBool).contiguous();
    const auto genes = controls_.genes();
    if (gene_embedding_.dim() != 2 || gene_embedding_.size(0) != genes || k_.dim() != 2 ||
        k_.size(0) != gene_embedding_.size(1) || k_.size(1) != k_.size(0) || center_.size(0) != genes ||
        table_.dim() != 2 || table_.size(1) != k_.size(0) || embedded_.size(0) != table_.size(0))
      throw Error("the saved state's tensors do not fit together; fit the model again");
  }

 private:
  /// The ridge fit's mean squared training residual, as a function of the
  /// embedding table: differentiable, so an adapter in slot "genes" trains
  /// through the closed form (full batch, Adam). Afterwards table_ and
  /// gene_embedding_ hold the adapted embeddings the closed form then uses.
  void fit_adapter(sdk::Adapter& adapter, const sdk::FitContext& context, const at::Tensor& y,
                   const std::vector<const sdk::Condition*>& fitted, const std::vector<std::int64_t>& measured) {
    const at::Tensor rows = embedded_.nonzero().flatten();
    const std::int64_t d = table_.size(1);
    // Incidence [m, universe]: P = incidence @ table, as embed() sums rows.
    at::Tensor incidence = at::zeros({static_cast<std::int64_t>(fitted.size()), table_.size(0)}, at::kDouble);
    for (std::size_t i = 0; i < fitted.size(); ++i)
      for (const std::int64_t g : fitted[i]->gene_indices)
        if (embedded_[g].item<bool>()) incidence[static_cast<std::int64_t>(i)][g] += 1.0;
    const at::Tensor measured_index = at::tensor(measured, at::kLong).reshape({static_cast<std::int64_t>(measured.size())});
    const at::Tensor yc = y - y.mean(1, true);
    const at::Tensor eye = at::eye(d, at::kDouble);
    const at::Tensor base = table_.index_select(0, rows).to(at::kFloat);
    // The adapter works in float; only its change is added to the double
    // table, so an adapter at the identity leaves the table exact.
    const auto adapted_table = [&] {
      return table_.index_add(0, rows, (adapter.adapt(base) - base).to(at::kDouble));
    };
    std::vector<at::Tensor> params = adapter.parameters();
    if (!params.empty() && adapter_epochs_ > 0) {
      torch::optim::Adam optimizer(params, torch::optim::AdamOptions(adapter_learning_rate_));
      double first = 0.0, last = 0.0;
      for (std::int64_t epoch = 1; epoch <= adapter_epochs_; ++epoch) {
        adapter.train();
        adapter.start_epoch(epoch);
        optimizer.zero_grad();
        const at::Tensor table = adapted_table();
        const at::Tensor a = table.index_select(0, measured_index), pm = incidence.mm(table);
        at::Tensor loss;
        try {
          const at::Tensor left = at::linalg_solve(a.t().mm(a) + ridge_ * eye, a.t().mm(yc).mm(pm));
          const at::Tensor k = at::linalg_solve(pm.t().mm(pm) + ridge_ * eye, left.t()).t();
          loss = (yc - a.mm(k).mm(pm.t())).pow(2).mean();
        } catch (const c10::Error& e) {
          throw Error(std::string("training the adapter in slot 'genes': the ridge system is singular at step ") +
                      std::to_string(epoch) + "; set option 'ridge' above 0 (" + e.what_without_backtrace() + ")");
        }
        loss.backward();
        optimizer.step();
        last = loss.item<double>();
        if (epoch == 1) first = last;
      }
      sdk::log_info(name_ + ": adapter trained for " + std::to_string(adapter_epochs_) +
                    " epochs through the closed form; training residual " + std::to_string(first) + " -> " +
                    std::to_string(last));
    }
    adapter.eval();
    adapter.finish(context);
    torch::NoGradGuard no_grad;
    const at::Tensor adapted = adapted_table().contiguous();
    sdk::log_info(name_ + ": the adapter changed the embedding table by " +
                  std::to_string((adapted - table_).norm().item<double>() / table_.norm().item<double>()) +
                  " of its norm");
    table_ = adapted;
    gene_embedding_ = table_.index_select(0, measured_index).contiguous();
  }

  /// A condition's perturbation embedding [d]: the sum of its perturbed
  /// genes' rows; genes without an embedding add zero. `parts` counts the
  /// genes that have one.
  at::Tensor embed(const sdk::Condition& condition, std::int64_t& parts) const {
    if (condition.gene_indices.size() != condition.genes.size())
      throw Error("condition '" + condition.name + "' has genes without universe indices");
    at::Tensor sum = at::zeros({table_.size(1)}, at::kDouble);
    const auto* has = embedded_.data_ptr<bool>();
    for (std::size_t i = 0; i < condition.gene_indices.size(); ++i) {
      const std::int64_t g = condition.gene_indices[i];
      if (g < 0 || g >= table_.size(0))
        throw Error("gene '" + condition.genes[i] + "' of condition '" + condition.name +
                    "' is outside the gene universe the model was fitted on (" + std::to_string(table_.size(0)) +
                    " genes)");
      if (!has[g]) continue;
      sum += table_[g];
      ++parts;
    }
    return sum;
  }

  std::int64_t dimension_;
  double ridge_;
  std::string features_;
  std::int64_t adapter_epochs_;
  double adapter_learning_rate_;
  at::Tensor gene_embedding_;  ///< A [G, d]
  at::Tensor k_;               ///< K [d, d]
  at::Tensor center_;          ///< b [G]
  at::Tensor table_;           ///< [universe, d] embedding of each gene as a perturbation
  at::Tensor embedded_;        ///< [universe] bool: the gene has an embedding
};

}  // namespace

sdk::OptionSchema linear_options() {
  sdk::OptionSchema schema;
  schema.add("dimension", std::int64_t{10},
             "Number of principal components of the training pseudobulk used as the gene and perturbation "
             "embedding (ignored when 'features' is set)")
      .min(1);
  schema.add("ridge", 0.1, "Ridge penalty lambda of the closed-form solution for K").min(0);
  schema.add("features", "",
             "Name of an encoder output [universe genes, d] to use as the gene and perturbation embedding "
             "instead of PCA (covers perturbed genes that are not measured); empty = PCA");
  schema.add("adapter_epochs", std::int64_t{200},
             "With an adapter in slot 'genes': full-batch Adam steps that train it through the closed-form fit")
      .min(0);
  schema.add("adapter_learning_rate", 1e-2, "Adam learning rate of those steps").greater_than(0);
  return schema;
}

std::shared_ptr<sdk::Predictor> make_linear(const sdk::Options& options) {
  return std::make_shared<Linear>(options);
}

}  // namespace trellis::baselines

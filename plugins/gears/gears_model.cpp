// predictor/gears: the GEARS model (gears/model.py: GEARS_Model), computed
// so that nothing is built per cell that does not depend on the cell.
//
// Reference forward, per batch of B cells over G genes:
//   emb  = ReLU(BN(gene_emb))                       repeated B times -> [B*G, h]
//   pos  = SGConv(pos_emb) over the co-expression graph (B*G nodes)
//   base = MLP[h,h,h](emb + 0.2 pos)
//   pert = SGConv(pert_emb) over the GO graph
//   per perturbed cell: base[cell] += MLP[h,h,h](sum of its genes' pert rows)
//   x    = MLP[h,2h,h](ReLU(BN(base)))              [B, G, h]
//   out  = sum_k x[b,g,k] w1[g,k] + b1[g]           [B, G]
//   cross= MLP[G,h,h](out)                          [B, h]
//   out  = [out, cross] . w2[g] + b2[g] + control cell
//
// Here:
// - Nodes are the genes of the universe, so perturbed genes that are not
//   measured have embeddings and GO-graph nodes; outputs are the measured
//   genes. The gene part (emb, pos, base; pert over the GO graph) does not
//   depend on the cell: it is computed once per batch on the nodes, and the
//   per-cell state is base[g] + effect[b] by broadcasting. Graph
//   normalisation (gcn_norm with self loops) is computed once in prepare().
//   (This also avoids the reference's quirk of propagating co-expression for
//   the first cell of a batch only.)
// - BN over the B*G rows of base[g] + effect[b] is exact without building
//   them: mean = mean(base) + mean(effect) and, as the cross term averages
//   to zero, var = var(base) + var(effect). So BN(x) = A[g] + C[b] with
//   A, C computed on [G, h] and [B, h]; the first [B, G, h] tensor is
//   ReLU(A + C).
// - The last Linear(2h -> h) of MLP[h,2h,h] is folded into the per-gene
//   read-out: sum_k (W z + c)_k w1[g,k] = z . (w1 W)[g] + w1[g] . c, so
//   [B, G, h] is never formed; the parameters are the same.
// - [out, cross] . w2[g] is out * w2[g,0] + cross @ w2[:,1:]^T: one small
//   matmul instead of repeating cross G times.
// - MLPs follow the SDK's nn::MLP (no BatchNorm after the output layer;
//   GEARS keeps one there). Embedding tables have max_norm 1 as GEARS'
//   nn.Embedding(max_norm=True): rows longer than 1 are rescaled in place
//   before use.
// - The perturbation fuse MLP runs on the perturbed rows only (control rows
//   get no effect), as in the reference; with a single perturbed row in
//   training mode the row is duplicated for BatchNorm, as GEARS does.
//   The perturbation type (sign) is not used, as in GEARS.
// - Uncertainty (optional): MLP[h,2h,h,1] on ReLU(BN(state)) gives a
//   per-gene log-variance; forward() keeps it for loss().
// - Cost: per step the only [B, G, *] work is ReLU(A + C), Linear(h -> 2h),
//   its BatchNorm + ReLU and the folded read-out; at 5,000 genes, hidden 64
//   and batch 32 that is about 0.24 s per step on one core, and memory stays
//   near 1 GB (tests/perf/gears_epoch.sh). Eval mode runs large batches in
//   chunks of 32 rows; fit() keeps freed memory in the heap (see fit()).
#include <algorithm>

#include <ATen/ATen.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>
#include <torch/utils.h>

#include <malloc.h>

#include <cmath>
#include <memory>

#include "gears.hpp"
#include "gears_config.hpp"
#include "gears_loss.hpp"
#include "trellis/sdk/adapter.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/fit_support.hpp"
#include "trellis/sdk/nn/message_passing.hpp"
#include "trellis/sdk/nn/mlp.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/sdk/tensor_text.hpp"
#include "trellis/sdk/trace.hpp"

namespace trellis::gears {

namespace {

using sdk::Error;
const std::string kName = "predictor/gears";
constexpr double kBnMomentum = 0.1;
constexpr double kBnEps = 1e-5;
constexpr std::int64_t kEvalRows = 32;

/// A graph's GCN-normalised adjacency (self loops added) as a sparse
/// matrix [universe, universe], fixed for the run: row t holds t's
/// incoming edges.
struct Propagation {
  at::Tensor matrix;
};

Propagation normalised(const sdk::Graph& graph, const std::string& option, std::int64_t universe) {
  if (graph.num_nodes != universe)
    throw Error("graph '" + graph.name + "' (option " + option + ") has " +
                std::to_string(graph.num_nodes) + " nodes but the gene universe has " + std::to_string(universe) +
                "; build it over the same genes");
  graph.validate();
  const at::Tensor w = graph.weight.defined() ? graph.weight.to(at::kFloat) : at::Tensor();
  auto [edges, norm] = sdk::nn::gcn_norm(graph.edge_index, w, universe, true);
  Propagation p;
  p.matrix = at::sparse_coo_tensor(at::stack({edges[1], edges[0]}), norm.to(at::kFloat), {universe, universe})
                 .coalesce();
  return p;
}

/// Â x with the precomputed normalisation: out[t] += w * x[s], as
/// sdk::nn::propagate does it (one sparse product).
at::Tensor propagate(const Propagation& p, const at::Tensor& x) { return at::mm(p.matrix, x); }

/// nn.Embedding(max_norm=1): rescale rows whose L2 norm exceeds 1, in place.
void renorm_rows(const at::Tensor& table) {
  torch::NoGradGuard no_grad;
  const at::Tensor norms = table.norm(2, {1}, true);
  const at::Tensor scale = at::where(norms > 1.0, 1.0 / (norms + 1e-7), at::ones_like(norms));
  table.mul_(scale);
}

/// Xavier-normal draw for a tensor of `shape` with torch's fan rule
/// (fan_in = size(1) * receptive field, fan_out = size(0) * receptive field).
at::Tensor xavier_normal(std::vector<std::int64_t> shape) {
  std::int64_t receptive = 1;
  for (std::size_t i = 2; i < shape.size(); ++i) receptive *= shape[i];
  const double fan_in = static_cast<double>(shape.size() > 1 ? shape[1] : 1) * static_cast<double>(receptive);
  const double fan_out = static_cast<double>(shape[0]) * static_cast<double>(receptive);
  return at::randn(shape) * std::sqrt(2.0 / (fan_in + fan_out));
}

class Gears : public sdk::NeuralPredictor, public sdk::Traceable {
 public:
  explicit Gears(GearsConfig config) : c_(std::move(config)) {}

  sdk::Requirements requirements() const override {
    sdk::Requirements r;
    r.graphs = {c_.go_graph, c_.coexpression_graph};
    if (!c_.perturbation_features.empty()) r.features = {c_.perturbation_features};
    r.adapter_slots = {"genes"};  // the measured genes' embeddings, before the perturbation graph
    return r;
  }

  sdk::TrainingSettings training_defaults() const override {
    sdk::TrainingSettings s;
    s.epochs = 20;
    s.batch_size = 32;
    s.optimizer = "adam";
    s.learning_rate = 1e-3;
    s.weight_decay = 5e-4;
    s.schedule = "step";
    s.step_size = 1;
    s.gamma = 0.5;
    s.clip_norm = 1.0;  // GEARS clips each gradient value at 1; the host clips the norm
    s.early_stopping_metric = "mse_de";
    return s;
  }

  /// Training allocates and frees tensors of tens of MB every step (the
  /// [B, G, h] states and their gradients). glibc serves blocks above 32 MB
  /// with fresh mmap()s, so every step page-faults and zeroes them again
  /// (a third of the step time at 5,000 genes). During fit() freed memory
  /// is kept in the heap instead; the defaults are restored afterwards.
  void fit(sdk::FitContext& context) override {
    struct HeapReuse {
      HeapReuse() {
        mallopt(M_MMAP_MAX, 0);
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
      }
      ~HeapReuse() {
        mallopt(M_MMAP_MAX, 65536);
        mallopt(M_TRIM_THRESHOLD, 128 * 1024);
        malloc_trim(0);
      }
    } reuse;
    sdk::NeuralPredictor::fit(context);
  }

  void prepare(sdk::FitContext& context) override {
    if (prepared_) throw Error("prepare() was called twice on the same model; make a new one");
    if (!context.genes) throw Error("the model needs the gene universe (FitContext::genes)");
    const sdk::GeneTable& genes = *context.genes;
    universe_ = genes.size();
    measured_ = at::tensor(genes.measured(), at::kLong).reshape({static_cast<std::int64_t>(genes.measured().size())});
    genes_ = measured_.size(0);
    if (genes_ < 1) throw Error("the gene universe has no measured genes");
    go_ = normalised(context.graph(c_.go_graph), "go_graph", universe_);
    coexpression_ = normalised(context.graph(c_.coexpression_graph), "coexpression_graph",
                               universe_);
    // Each context's control mean and each condition's context, for the
    // direction term of the loss (GEARS' reference has one context).
    const sdk::ControlMeans controls(context);
    if (controls.genes() != genes_)
      throw Error("the control mean must cover the " + std::to_string(genes_) + " measured genes");
    std::vector<at::Tensor> means;
    std::vector<std::string> names;
    for (const auto& [name, mean] : controls.by_context()) {
      names.push_back(name);
      means.push_back(mean);
    }
    context_controls_ = at::stack(means).to(at::kFloat).contiguous();
    context_of_condition_.clear();
    if (context.screen)
      for (const sdk::Condition& c : context.screen->conditions)
        context_of_condition_.push_back(std::find(names.begin(), names.end(), c.context) - names.begin());
    build_masks(context);
    if (!c_.perturbation_features.empty()) {
      const at::Tensor& f = context.feature(c_.perturbation_features);
      if (f.dim() != 2 || f.size(0) != universe_)
        throw Error("feature '" + c_.perturbation_features + "' (option 'perturbation_features') must be [" +
                    std::to_string(universe_) + " genes, d], got " + sdk::shape_of(f));
      perturbation_features_ = f.detach().to(at::kFloat).contiguous();
    }
    build_parameters();
    adapter_ = sdk::prepare_adapter(context, {"genes", "predictor/gears", c_.hidden, measured_});
    prepared_ = true;
  }

  at::Tensor forward(const sdk::Batch& batch) override {
    if (!prepared_) throw Error("forward() before prepare()");
    // In eval mode rows are independent (BatchNorm uses running statistics),
    // so predicting many conditions runs in chunks of kEvalRows rows: the
    // [rows, G, 2h] intermediates stay as small as in training.
    if (!is_training() && batch.size() > kEvalRows) return forward_in_chunks(batch);
    return forward_rows(batch);
  }

  // Training: the uncertainty head's log-variance goes straight into the
  // loss of the same step.
  sdk::StepOutput training_step(const sdk::Batch& batch) override {
    if (!prepared_) throw Error("training_step() before prepare()");
    at::Tensor logvar;
    const at::Tensor predicted = forward_rows(batch, &logvar);
    return {loss_of(predicted, batch, logvar), {}};
  }

  at::Tensor forward_in_chunks(const sdk::Batch& batch) {
    std::vector<at::Tensor> outs;
    const std::int64_t B = batch.size();
    for (std::int64_t start = 0; start < B; start += kEvalRows) {
      const std::int64_t n = std::min(kEvalRows, B - start);
      sdk::Batch part;
      part.control = batch.control.narrow(0, start, n);
      if (batch.target.defined()) part.target = batch.target.narrow(0, start, n);
      if (batch.perturbed_gene.defined() && batch.perturbed_gene.numel() > 0) {
        const at::Tensor keep = (batch.perturbed_row >= start) & (batch.perturbed_row < start + n);
        part.perturbed_gene = batch.perturbed_gene.masked_select(keep);
        part.perturbed_row = batch.perturbed_row.masked_select(keep) - start;
        if (batch.perturbation_sign.defined()) part.perturbation_sign = batch.perturbation_sign.masked_select(keep);
      }
      if (!batch.condition.empty())
        part.condition.assign(batch.condition.begin() + start, batch.condition.begin() + start + n);
      outs.push_back(forward_rows(part));
    }
    return at::cat(outs, 0);
  }

  // "perturbation_effect" [B, h], "state" [B, G, h] (gene state plus effect,
  // after the batch norm), "first_readout" [B, G], "cross_gene" [B, h] and
  // "output" [B, G]: forward_rows's intermediates, in eval mode the
  // prediction's.
  std::vector<sdk::TracedTensor> trace(const sdk::Batch& batch) override {
    if (!prepared_) throw Error("trace() before prepare()");
    std::vector<sdk::TracedTensor> out;
    forward_rows(batch, nullptr, &out);
    return out;
  }

  // `logvar`, when given, receives the uncertainty head's [B, G] output;
  // `trace`, when given, the intermediates trace() documents.
  at::Tensor forward_rows(const sdk::Batch& batch, at::Tensor* logvar = nullptr,
                          std::vector<sdk::TracedTensor>* trace = nullptr) {
    const std::int64_t B = batch.size();
    if (!batch.control.defined() || batch.control.dim() != 2 || batch.control.size(1) != genes_)
      throw Error("batch control must be [B, " + std::to_string(genes_) + "]");
    const std::int64_t h = c_.hidden;
    const bool training = is_training();

    // Gene level, once per batch.
    renorm_rows(gene_emb_);
    renorm_rows(pos_emb_);
    renorm_rows(pert_emb_);
    at::Tensor emb = at::relu(bn_emb_->forward(gene_emb_));  // [G, h]
    at::Tensor pos = pos_emb_;                                // [U, h]
    for (std::size_t i = 0; i < pos_layers_.size(); ++i) {
      pos = pos_layers_[i]->forward(propagate(coexpression_, pos));
      if (i + 1 < pos_layers_.size()) pos = at::relu(pos);
    }
    at::Tensor base = emb_trans_->forward(emb + c_.positional_weight * pos.index_select(0, measured_));
    if (adapter_) base = adapter_->adapt(base);

    // Perturbation effect per cell [B, h].
    at::Tensor effect = at::zeros({B, h}, base.options());
    const std::int64_t K = batch.perturbed_gene.defined() ? batch.perturbed_gene.numel() : 0;
    if (K > 0) {
      check_perturbations(batch, B);
      at::Tensor pert = pert_emb_;
      if (perturbation_projection_) pert = pert + perturbation_projection_->forward(perturbation_features_);
      for (std::size_t i = 0; i < go_layers_.size(); ++i) {
        pert = go_layers_[i]->forward(propagate(go_, pert));
        if (i + 1 < go_layers_.size()) pert = at::relu(pert);
      }
      const at::Tensor sums =
          at::zeros({B, h}, base.options()).index_add(0, batch.perturbed_row, pert.index_select(0, batch.perturbed_gene));
      const at::Tensor rows = std::get<0>(at::_unique(batch.perturbed_row, true, false));
      at::Tensor fused;
      if (training && rows.numel() == 1) {
        fused = pert_fuse_->forward(sums.index_select(0, rows).repeat({2, 1})).narrow(0, 0, 1);
      } else {
        fused = pert_fuse_->forward(sums.index_select(0, rows));
      }
      effect = effect.index_copy(0, rows, fused);
    }

    // BN over the B*G rows of base[g] + effect[b], as A[g] + C[b].
    at::Tensor mean, var;
    if (training) {
      mean = base.mean(0) + effect.mean(0);
      var = base.var(0, false) + effect.var(0, false);
      torch::NoGradGuard no_grad;
      const double n = static_cast<double>(B * genes_);
      bn_state_mean_.mul_(1 - kBnMomentum).add_(mean.detach() * kBnMomentum);
      bn_state_var_.mul_(1 - kBnMomentum).add_(var.detach() * (kBnMomentum * n / std::max(n - 1, 1.0)));
    } else {
      mean = bn_state_mean_;
      var = bn_state_var_;
    }
    const at::Tensor scale = bn_state_weight_ * at::rsqrt(var + kBnEps);             // [h]
    const at::Tensor A = (base - mean) * scale + bn_state_bias_;                        // [G, h]
    const at::Tensor C = effect * scale;                                                // [B, h]
    at::Tensor state = A.unsqueeze(0) + C.unsqueeze(1);
    state = state.relu_().view({B * genes_, h});
    if (trace) {
      trace->push_back({"perturbation_effect", effect});
      trace->push_back({"state", state.view({B, genes_, h})});
    }

    // MLP[h, 2h, h] with its last Linear folded into the per-gene read-out.
    at::Tensor z = at::linear(state, rec1_->weight, rec1_->bias);
    z = at::batch_norm(z, rec_bn_->weight, rec_bn_->bias, rec_bn_->running_mean, rec_bn_->running_var, training,
                       kBnMomentum, kBnEps, false);
    z.relu_();
    const at::Tensor folded = at::mm(indv_w1_, rec2_->weight);                          // [G, 2h]
    const at::Tensor offset = at::mv(indv_w1_, rec2_->bias) + indv_b1_;                 // [G]
    const at::Tensor out = (z.view({B, genes_, 2 * h}) * folded).sum(-1) + offset;      // [B, G]

    // Cross-gene state and the second per-gene read-out.
    at::Tensor cross;
    if (training && B == 1) {
      cross = cross_gene_->forward(out.repeat({2, 1})).narrow(0, 0, 1);
    } else {
      cross = cross_gene_->forward(out);                                                // [B, h]
    }
    const at::Tensor y = out * indv_w2_self_ + at::linear(cross, indv_w2_cross_, indv_b2_);
    if (trace) {
      trace->push_back({"first_readout", out});
      trace->push_back({"cross_gene", cross});
      trace->push_back({"output", y + batch.control});
    }

    if (c_.uncertainty && logvar) *logvar = uncertainty_->forward(state).view({B, genes_});
    return y + batch.control;
  }

  /// Without the uncertainty term: that needs the log-variance of the same
  /// forward pass (training_step).
  at::Tensor loss(const at::Tensor& predicted, const sdk::Batch& batch) override {
    return loss_of(predicted, batch, at::Tensor());
  }

  at::Tensor loss_of(const at::Tensor& predicted, const sdk::Batch& batch, const at::Tensor& logvar) {
    if (!batch.target.defined()) throw Error("loss() needs the batch target");
    const std::int64_t B = predicted.size(0);
    if (static_cast<std::int64_t>(batch.condition.size()) != B)
      throw Error("the batch names " + std::to_string(batch.condition.size()) + " conditions for " +
                  std::to_string(B) + " rows");
    std::vector<at::Tensor> retained;
    retained.reserve(static_cast<std::size_t>(B));
    for (std::int64_t c : batch.condition) {
      const auto found = masks_.find(c);
      retained.push_back(found == masks_.end() ? all_genes_ : found->second);
    }
    const at::Tensor weight = group_weights(batch.condition, retained);
    at::Tensor control = context_controls_[0];
    if (context_controls_.size(0) > 1) {
      std::vector<std::int64_t> rows;
      for (const std::int64_t c : batch.condition) rows.push_back(context_of_condition_.at(static_cast<std::size_t>(c)));
      control = context_controls_.index_select(0, at::tensor(rows, at::kLong));
    }
    return gears_loss(predicted, batch.target, control, weight, logvar, c_);
  }

 private:
  void check_perturbations(const sdk::Batch& batch, std::int64_t B) const {
    if (batch.perturbed_row.numel() != batch.perturbed_gene.numel())
      throw Error("perturbed_gene and perturbed_row differ in length");
    const auto lo = batch.perturbed_gene.min().item<std::int64_t>();
    const auto hi = batch.perturbed_gene.max().item<std::int64_t>();
    if (lo < 0 || hi >= universe_)
      throw Error("perturbed gene index " + std::to_string(lo < 0 ? lo : hi) + " is outside the universe of " +
                  std::to_string(universe_) + " genes");
    const auto rlo = batch.perturbed_row.min().item<std::int64_t>();
    const auto rhi = batch.perturbed_row.max().item<std::int64_t>();
    if (rlo < 0 || rhi >= B) throw Error("perturbed_row outside the batch of " + std::to_string(B));
  }

  /// GEARS' dict_filter: per training condition, the measured genes whose
  /// mean expression in it is non-zero; the control keeps every gene.
  void build_masks(const sdk::FitContext& context) {
    all_genes_ = at::ones({genes_}, at::kFloat);
    masks_.clear();
    if (!context.screen) return;
    for (std::int64_t c : context.train_conditions) {
      if (context.screen->conditions.at(static_cast<std::size_t>(c)).is_control()) continue;
      const at::Tensor mean = sdk::condition_mean(context, c);
      masks_[c] = (mean != 0).to(at::kFloat).contiguous();
    }
  }

  void build_parameters() {
    const std::int64_t h = c_.hidden;
    using sdk::nn::MLP;
    using sdk::nn::MLPOptions;
    gene_emb_ = register_parameter("gene_emb", at::randn({genes_, h}));
    pos_emb_ = register_parameter("pos_emb", at::randn({universe_, h}));
    pert_emb_ = register_parameter("pert_emb", at::randn({universe_, h}));
    bn_emb_ = register_module("bn_emb", torch::nn::BatchNorm1d(h));
    emb_trans_ = register_module("emb_trans", MLP(MLPOptions({h, h, h})));
    for (std::int64_t i = 0; i < c_.coexpression_layers; ++i)
      pos_layers_.push_back(register_module("coexpression_sgconv" + std::to_string(i), torch::nn::Linear(h, h)));
    for (std::int64_t i = 0; i < c_.go_layers; ++i)
      go_layers_.push_back(register_module("go_sgconv" + std::to_string(i), torch::nn::Linear(h, h)));
    pert_fuse_ = register_module("pert_fuse", MLP(MLPOptions({h, h, h})));
    if (perturbation_features_.defined())
      perturbation_projection_ =
          register_module("perturbation_projection", torch::nn::Linear(perturbation_features_.size(1), h));
    bn_state_weight_ = register_parameter("bn_state_weight", at::ones({h}));
    bn_state_bias_ = register_parameter("bn_state_bias", at::zeros({h}));
    bn_state_mean_ = register_buffer("bn_state_running_mean", at::zeros({h}));
    bn_state_var_ = register_buffer("bn_state_running_var", at::ones({h}));
    rec1_ = register_module("recovery1", torch::nn::Linear(h, 2 * h));
    rec_bn_ = register_module("recovery_bn", torch::nn::BatchNorm1d(2 * h));
    rec2_ = register_module("recovery2", torch::nn::Linear(2 * h, h));
    // GEARS: indv_w1 [G, h, 1], indv_b1 [G, 1] xavier-normal; indv_w2
    // [1, G, h + 1], indv_b2 [1, G] likewise (fans from those shapes).
    indv_w1_ = register_parameter("indv_w1", xavier_normal({genes_, h, 1}).view({genes_, h}));
    indv_b1_ = register_parameter("indv_b1", xavier_normal({genes_, 1}).view({genes_}));
    cross_gene_ = register_module("cross_gene", MLP(MLPOptions({genes_, h, h})));
    const at::Tensor w2 = xavier_normal({1, genes_, h + 1}).view({genes_, h + 1});
    indv_w2_self_ = register_parameter("indv_w2_self", w2.select(1, 0).contiguous());
    indv_w2_cross_ = register_parameter("indv_w2_cross", w2.narrow(1, 1, h).contiguous());
    indv_b2_ = register_parameter("indv_b2", xavier_normal({1, genes_}).view({genes_}));
    if (c_.uncertainty) uncertainty_ = register_module("uncertainty", MLP(MLPOptions({h, 2 * h, h, 1})));
  }

  GearsConfig c_;
  bool prepared_ = false;
  std::int64_t universe_ = 0, genes_ = 0;
  at::Tensor measured_;
  Propagation go_, coexpression_;
  at::Tensor context_controls_;                    ///< [contexts, G] each context's control mean
  std::vector<std::int64_t> context_of_condition_;  ///< per screen condition: its row of context_controls_
  std::map<std::int64_t, at::Tensor> masks_;
  at::Tensor all_genes_;

  at::Tensor gene_emb_, pos_emb_, pert_emb_;
  std::shared_ptr<sdk::Adapter> adapter_;  ///< [model.adapters.genes], or null
  at::Tensor perturbation_features_;  // [U, d] from the encoder named by perturbation_features
  torch::nn::Linear perturbation_projection_{nullptr};
  torch::nn::BatchNorm1d bn_emb_{nullptr};
  sdk::nn::MLP emb_trans_{nullptr}, pert_fuse_{nullptr}, cross_gene_{nullptr}, uncertainty_{nullptr};
  std::vector<torch::nn::Linear> pos_layers_, go_layers_;
  at::Tensor bn_state_weight_, bn_state_bias_, bn_state_mean_, bn_state_var_;
  torch::nn::Linear rec1_{nullptr}, rec2_{nullptr};
  torch::nn::BatchNorm1d rec_bn_{nullptr};
  at::Tensor indv_w1_, indv_b1_, indv_w2_self_, indv_w2_cross_, indv_b2_;
};

}  // namespace

std::shared_ptr<sdk::Predictor> make_gears(const sdk::Options& options) {
  return std::make_shared<Gears>(read_config(options));
}

}  // namespace trellis::gears

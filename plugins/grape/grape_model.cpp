// predictor/grape: GRAPE (Chi et al., IJCAI 2025; METHODS.md, GRAPE).
//
//   per modality m: e_m = LN(Linear(GELU(p)) + p), p = Linear(kernel(x_m))
//   node_repr      = Fusion(concat_m e_m)                         [N, hidden]
//   graph, reg     = structure_learner(node_repr, prior), relation-typed
//   per condition: node_repr with the perturbed genes' rows changed
//   h              = sum over relations r of GAT2_r(ELU(GAT1_r(., edges of r)))
//   out[g]         = GeneLinear_g(MLP(ReLU(BN(h[g])))) + control   (measured g)
//
// Choices and corrections, each an option where it matters:
// - The prediction depends on the set of perturbed genes, not on the cell
//   (the cell enters only through "+ control"), so the HGNN runs once per
//   distinct condition of a batch, and for each condition only the rows
//   that differ from the unperturbed pass are recomputed
//   (grape_modules_gat.hpp): exact, at a cost close to one pass.
// - Node representation and learned graph: recomputed every training step
//   (the learner may reuse its pairs, see its recompute option); in eval
//   mode computed once and cached until the next training step, fit() or
//   load().
// - Relations: GAT pairs are created in prepare() for the relation names of
//   the prior and of the first learned graph (a structure learner's graph
//   is re-typed with the [model.relations] typer; without a typer every
//   edge is one relation). A relation with no edges is skipped; a relation
//   name first seen later has no trained layers and its edges are skipped
//   (warned once).
// - Perturbation: "learned" (default) adds sign * e to the perturbed rows,
//   e a learned [hidden] vector, sign +1 activation / -1 knockdown or
//   knockout (unknown: +1, warned once); "reference" zeroes the rows in
//   training and negates them at prediction, as the published code does.
// - ELU between the two GAT layers (as in the GAT paper).
// - Decoder BatchNorms take their statistics over the distinct conditions x
//   measured genes of a batch (cells of one condition share the output).
// - Contrastive pre-alignment (pretrain_epochs > 0) is the training stage
//   "pretrain_alignment" before "fit": the host's loop runs it (checkpoints,
//   resume, progress) over the genes whose first two modality rows are both
//   non-zero, training the two modality encoders and the projection heads
//   with Adam (pretrain_lr, no weight decay, no clipping); settings can be
//   changed under [train.pretrain_alignment].
// - Clamp of outputs below clamp_below to 0 at prediction only.
#include <algorithm>
#include <map>
#include <set>

#include <ATen/ATen.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>
#include <torch/utils.h>

#include "grape_loss.hpp"
#include "grape_model.hpp"
#include "grape_modules.hpp"
#include "grape_modules_gat.hpp"
#include "grape_network.hpp"
#include "grape_options.hpp"
#include "trellis/sdk/adapter.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/graph_tsv.hpp"
#include "trellis/sdk/gsl.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/nn/gat.hpp"
#include "trellis/sdk/nn/gene_linear.hpp"
#include "trellis/sdk/nn/mlp.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/sdk/relation.hpp"
#include "trellis/sdk/suggest.hpp"
#include "trellis/sdk/trace.hpp"

namespace trellis::grape {

namespace {

using sdk::Error;
const std::string kName = "predictor/grape";
const std::string kPretrainStage = "pretrain_alignment";

std::string list(const std::vector<std::string>& names) { return names.empty() ? "none" : sdk::join(names); }

/// One distinct condition of a batch: its (gene, sign) pairs, sorted.
using Key = std::vector<std::pair<std::int64_t, float>>;

class Grape : public sdk::NeuralPredictor, public sdk::NetworkInferrer, public sdk::Traceable {
 public:
  explicit Grape(GrapeConfig config) : c_(std::move(config)) {}

  // task = "network": the learned graph. The host calls this after fit().
  sdk::ScoredEdges infer(sdk::FitContext&) override {
    if (!genes_) throw sdk::Error(kName + ": infer() needs a fitted model; fit it first");
    return scored_edges(learned_graph(), *genes_);
  }

  sdk::Requirements requirements() const override {
    sdk::Requirements r;
    r.features = c_.modalities;
    r.graphs = {c_.graph};
    r.structure_learner = true;
    r.adapter_slots = {"genes"};  // the fused gene features, before the heterogeneous GAT
    return r;
  }

  sdk::TrainingSettings training_defaults() const override {
    sdk::TrainingSettings s;
    s.epochs = 20;
    s.batch_size = 32;
    s.optimizer = "adam";
    s.learning_rate = 1e-3;
    s.weight_decay = 1e-4;
    s.schedule = "none";  // METHODS names no schedule for GRAPE
    s.clip_norm = 1.0;
    s.early_stopping_metric = "mse_de";
    return s;
  }

  void fit(sdk::FitContext& context) override {
    sdk::NeuralPredictor::fit(context);
    // The host restores the best epoch's parameters after training: the
    // cached structure belongs to the last epoch.
    cache_valid_ = false;
    if (!context.run_dir.empty()) {
      const sdk::Graph g = learned_graph();
      const std::string file = context.run_dir + "/learned_graph.tsv";
      sdk::write_graph_tsv(g, *genes_, file);
      sdk::log_info(kName + ": learned graph (" + std::to_string(g.num_edges()) + " edges) written to " + file);
    }
  }

  void load(const std::string& file, sdk::FitContext& context) override {
    sdk::NeuralPredictor::load(file, context);
    cache_valid_ = false;
  }

  std::vector<sdk::TrainingStage> stages() const override {
    std::vector<sdk::TrainingStage> out;
    if (c_.pretrain_epochs > 0) {
      sdk::TrainingStage pretrain;
      pretrain.name = kPretrainStage;
      pretrain.batch_mode = sdk::BatchMode::items;
      pretrain.items = aligned_genes_.numel();  // known after prepare(); the host asks again then
      pretrain.validate = false;
      pretrain.defaults.epochs = c_.pretrain_epochs;
      pretrain.defaults.batch_size = c_.pretrain_batch;
      pretrain.defaults.learning_rate = c_.pretrain_lr;
      pretrain.defaults.weight_decay = 0.0;
      pretrain.defaults.schedule = "none";
      pretrain.defaults.clip_norm = 0.0;
      out.push_back(pretrain);
    }
    sdk::TrainingStage fit;
    fit.defaults = training_defaults();
    out.push_back(fit);
    return out;
  }

  std::vector<at::Tensor> stage_parameters(const std::string& stage) override {
    if (stage != kPretrainStage) return parameters();
    std::vector<at::Tensor> params;
    for (auto* m : {static_cast<torch::nn::Module*>(encoders_[0].get()), static_cast<torch::nn::Module*>(encoders_[1].get()),
                    static_cast<torch::nn::Module*>(head_a_.get()), static_cast<torch::nn::Module*>(head_b_.get())})
      for (const auto& p : m->parameters()) params.push_back(p);
    return params;
  }

  sdk::StepOutput training_step(const sdk::Batch& batch) override {
    if (stage() == kPretrainStage) return {alignment_loss(batch.items), {}};
    sdk::StepOutput out;
    out.loss = loss(forward(batch), batch);
    // forward() leaves the structure learner's regulariser of this step.
    if (regulariser_.defined()) {
      out.scalars["regulariser"] = regulariser_.item<double>();
      out.loss = out.loss + regulariser_;
    }
    return out;
  }

  void prepare(sdk::FitContext& context) override {
    if (prepared_) throw Error("prepare() was called twice on the same model; make a new one");
    if (!context.genes) throw Error("the model needs the gene universe (FitContext::genes)");
    genes_ = context.genes;
    universe_ = genes_->size();
    const auto& measured = genes_->measured();
    genes_measured_ = static_cast<std::int64_t>(measured.size());
    if (genes_measured_ < 1) throw Error("the gene universe has no measured genes");
    measured_ = at::tensor(measured, at::kLong).reshape({genes_measured_});
    read_features(context);
    read_prior(context);
    gsl_ = context.structure_learner;
    if (!gsl_)
      throw Error("the model needs a structure learner: add [model.gsl] with type = \"gsl/none\" (the prior as is) or "
                          "\"gsl/grape_khop\"");
    typer_ = context.relation_typer;
    build_modules();
    adapter_ = sdk::prepare_adapter(context, {"genes", "predictor/grape", c_.hidden, at::arange(universe_, at::kLong)});
    if (c_.pretrain_epochs > 0) find_aligned_genes();
    // A learner may create its parameters on its first call: call it now so
    // they exist (and are ours) before the optimizer collects parameters().
    register_module("gsl", gsl_);
    std::vector<std::string> names = relation_names_of(prior_);
    {
      const sdk::Graph first = typed(gsl_->learn(node_repr(), prior_).graph);
      for (const auto& n : relation_names_of(first))
        if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    }
    build_relations(names);
    prepared_ = true;
    cache_valid_ = false;
  }

  at::Tensor forward(const sdk::Batch& batch) override {
    if (!prepared_) throw Error("forward() before prepare()");
    const std::int64_t B = batch.size();
    if (!batch.control.defined() || batch.control.dim() != 2 || batch.control.size(1) != genes_measured_)
      throw Error("batch control must be [B, " + std::to_string(genes_measured_) + "]");
    std::vector<Key> keys;
    const std::vector<std::int64_t> row_of = distinct_conditions(batch, keys);
    const Structure& s = structure();
    const std::int64_t chunk = is_training() ? static_cast<std::int64_t>(keys.size()) : c_.eval_chunk;
    std::vector<at::Tensor> parts;
    for (std::size_t start = 0; start < keys.size(); start += static_cast<std::size_t>(chunk)) {
      const std::size_t end = std::min(keys.size(), start + static_cast<std::size_t>(chunk));
      parts.push_back(decode(s, std::vector<Key>(keys.begin() + start, keys.begin() + end)));
    }
    const at::Tensor per_condition = parts.size() == 1 ? parts[0] : at::cat(parts, 0);  // [U, G]
    at::Tensor out = per_condition.index_select(0, at::tensor(row_of, at::kLong).reshape({B})) + batch.control;
    if (!is_training() && c_.clamp_below > 0) out = at::where(out < c_.clamp_below, at::zeros_like(out), out);
    return out;
  }

  at::Tensor loss(const at::Tensor& predicted, const sdk::Batch& batch) override {
    return grape_loss(predicted, batch.target, c_.huber_delta, c_.huber_weight, c_.autofocus_gamma);
  }

  // "kernel/<modality>" (shared): the features after the Gaussian kernel
  // map; per batch row: "node_input" [B, N, hidden], the node representation
  // the HGNN receives, perturbation applied; "gat" [B, G, out], the GAT's
  // output at the measured genes; "decoder_input" [B, G, out], plus the
  // broadcast signal; "output" [B, G]: forward(batch).
  std::vector<sdk::TracedTensor> trace(const sdk::Batch& batch) override {
    if (!prepared_) throw Error("trace() before prepare()");
    std::vector<sdk::TracedTensor> out;
    for (std::size_t i = 0; i < features_.size(); ++i)
      out.push_back({"kernel/" + c_.modalities[i], gaussian_kernel(features_[i], c_.kernel_sigma)});
    out.push_back({"node_input", node_input(batch)});
    std::vector<Key> keys;
    const at::Tensor rows = at::tensor(distinct_conditions(batch, keys), at::kLong);
    DecodeTrace layers;
    decode(structure(), keys, &layers);
    out.push_back({"gat", layers.gat.index_select(0, rows)});
    out.push_back({"decoder_input", layers.decoder_input.index_select(0, rows)});
    out.push_back({"output", forward(batch)});
    return out;
  }

 private:
  at::Tensor node_input(const sdk::Batch& batch) {
    std::vector<Key> keys;
    const std::vector<std::int64_t> row_of = distinct_conditions(batch, keys);
    const Structure& s = structure();
    const LayerTable t = perturbed_input(s.node_repr, keys);
    const std::int64_t U = static_cast<std::int64_t>(keys.size());
    at::Tensor dense = t.table.narrow(0, 0, universe_).repeat({U, 1});
    for (std::int64_t u = 0; u < U; ++u)
      for (const auto& [node, row] : t.overrides[static_cast<std::size_t>(u)]) dense[u * universe_ + node] = t.table[row];
    return dense.view({U, universe_, -1}).index_select(0, at::tensor(row_of, at::kLong));
  }

  sdk::Graph learned_graph() {
    const bool was_training = is_training();
    eval();
    sdk::Graph g;
    {
      torch::NoGradGuard no_grad;
      g = structure().graph;
    }
    train(was_training);
    g.weight = g.weights_or_ones().detach();
    return g;
  }

  struct Structure {
    at::Tensor node_repr;
    sdk::Graph graph;
    std::vector<std::pair<std::size_t, Adjacency>> relations;  // (GAT pair, edges)
  };

  void read_features(const sdk::FitContext& context) {
    features_.clear();
    for (const auto& m : c_.modalities) {
      const at::Tensor& f = context.feature(m);
      if (f.dim() != 2 || f.size(0) != universe_)
        throw Error("feature '" + m + "' must be [" + std::to_string(universe_) + " genes, d]");
      features_.push_back(f.detach().to(at::kFloat).contiguous());
    }
  }

  void read_prior(const sdk::FitContext& context) {
    prior_ = context.graph(c_.graph);
    if (prior_.num_nodes != universe_)
      throw Error("graph '" + c_.graph + "' has " + std::to_string(prior_.num_nodes) +
                  " nodes but the gene universe has " + std::to_string(universe_) + "; build it over the same genes");
    prior_.validate();
    if (prior_.num_edges() == 0)
      throw Error("the prior graph '" + c_.graph + "' has no edges, so the GNN would pass no messages; "
                  "lower its threshold (or raise k) under [model.graphs." + c_.graph + "]");
  }

  void build_modules() {
    const std::int64_t h = c_.hidden;
    for (std::size_t i = 0; i < features_.size(); ++i)
      encoders_.push_back(register_module("encoder_" + c_.modalities[i],
                                          ModalityEncoder(features_[i].size(1), h, c_.kernel_sigma)));
    fusion_ = register_module("fusion", Fusion(h * static_cast<std::int64_t>(features_.size()), h));
    if (c_.perturbation == PerturbationInput::learned)
      pert_emb_ = register_parameter("perturbation_embedding", at::randn({h}) * 0.1);
    const std::int64_t o = c_.out_dim;
    // (Initialised as any Linear: starting it at zero was measured worse on
    // Norman19's test conditions.)
    if (c_.broadcast) broadcast_ = register_module("broadcast", torch::nn::Linear(h, o));
    decoder_bn_ = register_module("decoder_bn", torch::nn::BatchNorm1d(o));
    std::vector<std::int64_t> sizes = {o};
    sizes.insert(sizes.end(), c_.decoder_hidden.begin(), c_.decoder_hidden.end());
    sizes.push_back(o);
    decoder_mlp_ = register_module("decoder_mlp", sdk::nn::MLP(sdk::nn::MLPOptions(sizes)));
    readout_ = register_module("readout", sdk::nn::GeneSpecificLinear(genes_measured_, o));
    if (c_.pretrain_epochs > 0) {
      head_a_ = register_module("pretrain_head_a", torch::nn::Linear(h, c_.pretrain_dim));
      head_b_ = register_module("pretrain_head_b", torch::nn::Linear(h, c_.pretrain_dim));
    }
  }

  void build_relations(const std::vector<std::string>& names) {
    relations_ = names;
    for (std::size_t r = 0; r < names.size(); ++r) {
      sdk::nn::GATConvOptions first(c_.hidden, c_.hidden);
      first.heads = c_.gat_heads;
      first.concat = true;
      first.dropout = c_.gat_dropout;
      sdk::nn::GATConvOptions second(c_.hidden * c_.gat_heads, c_.out_dim);
      second.heads = c_.gat_heads;
      second.concat = false;
      second.dropout = c_.gat_dropout;
      gat1_.push_back(register_module("relation" + std::to_string(r) + "_gat1", sdk::nn::GATConv(first)));
      gat2_.push_back(register_module("relation" + std::to_string(r) + "_gat2", sdk::nn::GATConv(second)));
    }
    sdk::log_info(kName + ": " + std::to_string(names.size()) + " relation(s), a 2-layer GAT each: " + list(names));
  }

  static std::vector<std::string> relation_names_of(const sdk::Graph& g) {
    if (!g.edge_type.defined()) return {"all"};
    return g.relation_names;
  }

  sdk::Graph typed(const sdk::Graph& g) const {
    if (g.edge_type.defined() && g.edge_type.numel() == g.num_edges()) return g;
    if (typer_) return typer_->assign(g, *genes_);
    return g;
  }

  at::Tensor node_repr() {
    std::vector<at::Tensor> parts;
    for (std::size_t i = 0; i < encoders_.size(); ++i) parts.push_back(encoders_[i]->forward(features_[i]));
    const at::Tensor fused = fusion_->forward(parts.size() == 1 ? parts[0] : at::cat(parts, 1));
    return adapter_ ? adapter_->adapt(fused) : fused;
  }

  // The GAT scales each message by its edge weight, and a learned graph's
  // rows are L2-normalised (k partners of about 1/sqrt(k) each) while every
  // gene's self loop weighs 1: neighbours' messages, and with them the
  // perturbation, would be drowned by each gene's own row. Rescale every
  // gene's incoming weights to mean 1 (differentiably, so the structure
  // learner still trains); the written learned graph keeps the raw weights.
  sdk::Graph with_mean_one_weights(const sdk::Graph& g) const {
    sdk::Graph out = g;
    const at::Tensor w = g.weights_or_ones();
    if (g.num_edges() == 0) return out;
    const at::Tensor target = g.edge_index[1];
    const at::Tensor sum = at::zeros({universe_}, w.options()).index_add(0, target, w);
    const at::Tensor count = at::zeros({universe_}, w.options()).index_add(0, target, at::ones_like(w));
    const at::Tensor mean = (sum / count.clamp_min(1)).clamp_min(1e-12);
    out.weight = w / mean.index_select(0, target);
    return out;
  }

  const Structure& structure() {
    if (!is_training() && cache_valid_) return cache_;
    cache_valid_ = false;
    Structure s;
    s.node_repr = node_repr();
    sdk::GslOutput learned = gsl_->learn(s.node_repr, prior_);
    regulariser_ = is_training() ? learned.regulariser : at::Tensor();
    s.graph = typed(learned.graph);
    if (s.graph.num_nodes != universe_)
      throw Error("the structure learner returned a graph over " + std::to_string(s.graph.num_nodes) +
                  " nodes, expected " + std::to_string(universe_));
    const sdk::Graph scaled = with_mean_one_weights(s.graph);
    if (!scaled.edge_type.defined()) {
      s.relations.emplace_back(0, make_adjacency(scaled.edge_index, scaled.weight, universe_));
    } else {
      for (std::size_t r = 0; r < s.graph.relation_names.size(); ++r) {
        const auto name = s.graph.relation_names[r];
        const auto at = std::find(relations_.begin(), relations_.end(), name);
        const sdk::Graph sub = scaled.relation_subgraph(static_cast<std::int64_t>(r));
        if (sub.num_edges() == 0) continue;
        if (at == relations_.end()) {
          if (warned_relations_.insert(name).second)
            sdk::log_warning(kName + ": relation '" + name + "' of the learned graph was not present when the model "
                             "was built (" + list(relations_) + "); its edges are skipped");
          continue;
        }
        s.relations.emplace_back(static_cast<std::size_t>(at - relations_.begin()),
                                 make_adjacency(sub.edge_index, sub.weight, universe_));
      }
    }
    if (is_training()) {
      scratch_ = std::move(s);
      return scratch_;
    }
    cache_ = std::move(s);
    cache_valid_ = true;
    return cache_;
  }

  std::vector<std::int64_t> distinct_conditions(const sdk::Batch& batch, std::vector<Key>& keys) {
    const std::int64_t B = batch.size();
    std::vector<Key> rows(static_cast<std::size_t>(B));
    const std::int64_t K = batch.perturbed_gene.defined() ? batch.perturbed_gene.numel() : 0;
    if (K > 0) {
      const at::Tensor gene = batch.perturbed_gene.to(at::kLong).contiguous();
      const at::Tensor row = batch.perturbed_row.to(at::kLong).contiguous();
      const at::Tensor sign = batch.perturbation_sign.defined() ? batch.perturbation_sign.to(at::kFloat).contiguous()
                                                                : at::ones({K}, at::kFloat);
      if (row.numel() != K || sign.numel() != K)
        throw Error("perturbed_gene, perturbed_row and perturbation_sign differ in length");
      for (std::int64_t k = 0; k < K; ++k) {
        const std::int64_t g = gene.data_ptr<std::int64_t>()[k], r = row.data_ptr<std::int64_t>()[k];
        float s = sign.data_ptr<float>()[k];
        if (g < 0 || g >= universe_)
          throw Error("perturbed gene index " + std::to_string(g) + " is outside the universe of " +
                      std::to_string(universe_) + " genes");
        if (r < 0 || r >= B) throw Error("perturbed_row " + std::to_string(r) + " outside the batch of " +
                                         std::to_string(B));
        if (s == 0.0f) {
          if (!warned_sign_)
            sdk::log_warning(kName + ": a perturbation of unknown type (neither activation nor knockdown/knockout) "
                             "is treated as an activation (sign +1); set the dataset's perturbation_type_column");
          warned_sign_ = true;
          s = 1.0f;
        }
        auto& key = rows[static_cast<std::size_t>(r)];
        if (std::none_of(key.begin(), key.end(), [&](const auto& p) { return p.first == g; })) key.emplace_back(g, s);
      }
    }
    std::map<Key, std::int64_t> index;
    std::vector<std::int64_t> row_of(static_cast<std::size_t>(B));
    for (std::int64_t b = 0; b < B; ++b) {
      Key& key = rows[static_cast<std::size_t>(b)];
      std::sort(key.begin(), key.end());
      const auto [it, added] = index.emplace(key, static_cast<std::int64_t>(keys.size()));
      if (added) keys.push_back(key);
      row_of[static_cast<std::size_t>(b)] = it->second;
    }
    return row_of;
  }

  /// Layer-0 table: the node representation, plus per condition its
  /// perturbed genes' changed rows.
  LayerTable perturbed_input(const at::Tensor& repr, const std::vector<Key>& keys) const {
    LayerTable t;
    t.overrides.resize(keys.size());
    std::vector<std::int64_t> genes;
    std::vector<float> signs;
    for (std::size_t u = 0; u < keys.size(); ++u)
      for (const auto& [g, s] : keys[u]) {
        t.overrides[u].emplace_back(g, universe_ + static_cast<std::int64_t>(genes.size()));
        genes.push_back(g);
        signs.push_back(s);
      }
    if (genes.empty()) {
      t.table = repr;
      return t;
    }
    const auto x = static_cast<std::int64_t>(genes.size());
    const at::Tensor rows = repr.index_select(0, at::tensor(genes, at::kLong).reshape({x}));
    at::Tensor extra;
    if (c_.perturbation == PerturbationInput::learned) {
      extra = rows + at::tensor(signs, at::kFloat).reshape({x, 1}) * pert_emb_;
    } else {
      extra = is_training() ? at::zeros_like(rows) : -rows;
    }
    t.table = at::cat({repr, extra}, 0);
    return t;
  }

  /// [U, out]: per condition, the sum over its perturbed genes of sign x
  /// Linear(node representation): what `broadcast` adds to every gene.
  at::Tensor broadcast_signal(const Structure& s, const std::vector<Key>& keys) {
    const auto U = static_cast<std::int64_t>(keys.size());
    std::vector<std::int64_t> genes, owner;
    std::vector<float> signs;
    for (std::int64_t u = 0; u < U; ++u)
      for (const auto& [g, sign] : keys[static_cast<std::size_t>(u)]) {
        genes.push_back(g);
        owner.push_back(u);
        signs.push_back(sign);
      }
    at::Tensor out = at::zeros({U, c_.out_dim}, s.node_repr.options());
    if (genes.empty()) return out;
    const auto x = static_cast<std::int64_t>(genes.size());
    const at::Tensor projected =
        broadcast_->forward(s.node_repr.index_select(0, at::tensor(genes, at::kLong).reshape({x}))) *
        at::tensor(signs, at::kFloat).reshape({x, 1}).to(s.node_repr.options());
    return out.index_add(0, at::tensor(owner, at::kLong).reshape({x}), projected);
  }

  /// Intermediates of decode(), per distinct condition.
  struct DecodeTrace {
    at::Tensor gat;            ///< [U, G_measured, out]: the GAT's output
    at::Tensor decoder_input;  ///< [U, G_measured, out]: plus the broadcast signal
  };

  /// [U, G_measured] outputs (without the control) of distinct conditions.
  at::Tensor decode(const Structure& s, const std::vector<Key>& keys, DecodeTrace* trace = nullptr) {
    const auto U = static_cast<std::int64_t>(keys.size());
    const bool training = is_training();
    const LayerTable input = perturbed_input(s.node_repr, keys);
    at::Tensor base;
    std::vector<std::int64_t> flat;
    std::vector<at::Tensor> corrections;
    for (const auto& [r, adj] : s.relations) {
      LayerTable h1 = gat_layer(*gat1_[r], adj, input, training);
      h1.table = at::elu(h1.table);
      const LayerTable h2 = gat_layer(*gat2_[r], adj, h1, training);
      const at::Tensor base_r = h2.table.narrow(0, 0, universe_);
      base = base.defined() ? base + base_r : base_r;
      std::vector<std::int64_t> nodes, table_rows;
      for (std::int64_t u = 0; u < U; ++u)
        for (const auto& [node, row] : h2.overrides[static_cast<std::size_t>(u)]) {
          flat.push_back(u * universe_ + node);
          nodes.push_back(node);
          table_rows.push_back(row);
        }
      if (!nodes.empty()) {
        const auto n = static_cast<std::int64_t>(nodes.size());
        corrections.push_back(h2.table.index_select(0, at::tensor(table_rows, at::kLong).reshape({n})) -
                              base_r.index_select(0, at::tensor(nodes, at::kLong).reshape({n})));
      }
    }
    if (!base.defined()) base = at::zeros({universe_, c_.out_dim}, s.node_repr.options());
    at::Tensor h = base.repeat({U, 1});  // [U * N, out]
    if (!flat.empty())
      h = h.index_add(0, at::tensor(flat, at::kLong).reshape({static_cast<std::int64_t>(flat.size())}),
                      at::cat(corrections, 0));
    h = h.view({U, universe_, c_.out_dim}).index_select(1, measured_);  // [U, G_measured, out]
    if (trace) trace->gat = h;
    if (c_.broadcast) h = h + broadcast_signal(s, keys).unsqueeze(1);
    if (trace) trace->decoder_input = h;
    h = decoder_mlp_->forward(at::relu(decoder_bn_->forward(h.reshape({U * genes_measured_, c_.out_dim}))));
    return readout_->forward(h.view({U, genes_measured_, c_.out_dim}));
  }

  // The genes whose first two modalities are both present: the pairs the
  // contrastive pre-alignment pulls together.
  void find_aligned_genes() {
    const at::Tensor a = features_[0], b = features_[1];
    aligned_genes_ = ((a.abs().sum(1) > 0) & (b.abs().sum(1) > 0)).nonzero().squeeze(1);
    if (aligned_genes_.numel() < 2)
      throw Error("contrastive pre-alignment needs at least two genes with both '" + c_.modalities[0] + "' and '" +
                  c_.modalities[1] + "', found " + std::to_string(aligned_genes_.numel()) +
                  "; set pretrain_epochs = 0 or give the encoders more genes");
  }

  // InfoNCE between the two modalities' projections of a batch of aligned
  // genes (the batch's other genes are the negatives).
  at::Tensor alignment_loss(const at::Tensor& items) {
    const at::Tensor idx = aligned_genes_.index_select(0, items);
    return info_nce(head_a_->forward(encoders_[0]->forward(features_[0].index_select(0, idx))),
                    head_b_->forward(encoders_[1]->forward(features_[1].index_select(0, idx))), c_.pretrain_temperature);
  }

  GrapeConfig c_;
  bool prepared_ = false, cache_valid_ = false, warned_sign_ = false;
  std::set<std::string> warned_relations_;
  const sdk::GeneTable* genes_ = nullptr;
  std::int64_t universe_ = 0, genes_measured_ = 0;
  at::Tensor measured_;
  std::vector<at::Tensor> features_;
  sdk::Graph prior_;
  std::shared_ptr<sdk::StructureLearner> gsl_;
  std::shared_ptr<sdk::RelationTyper> typer_;
  std::vector<std::string> relations_;

  std::vector<ModalityEncoder> encoders_;
  Fusion fusion_{nullptr};
  std::shared_ptr<sdk::Adapter> adapter_;  ///< [model.adapters.genes], or null
  at::Tensor pert_emb_;
  std::vector<sdk::nn::GATConv> gat1_, gat2_;
  torch::nn::BatchNorm1d decoder_bn_{nullptr};
  sdk::nn::MLP decoder_mlp_{nullptr};
  sdk::nn::GeneSpecificLinear readout_{nullptr};
  torch::nn::Linear broadcast_{nullptr};
  torch::nn::Linear head_a_{nullptr}, head_b_{nullptr};

  at::Tensor regulariser_;
  at::Tensor aligned_genes_ = at::empty({0}, at::kLong);
  Structure cache_, scratch_;
};

}  // namespace

std::shared_ptr<sdk::Predictor> make_grape(const sdk::Options& options) {
  return std::make_shared<Grape>(read_grape_config(options));
}

}  // namespace trellis::grape

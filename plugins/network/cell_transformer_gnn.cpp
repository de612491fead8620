// network/cell_transformer_gnn: a scBERT-style cell transformer joined with
// a GNN over prior regulatory knowledge.
//   1. A small transformer is pre-trained on the fitting cells by masked
//      binned-expression prediction (cell_transformer.cpp).
//   2. Each gene's contextual embedding is its final hidden state averaged
//      over cells, concatenated with any [model.features] encoders' rows.
//   3. A GNN (GraphSAGE by default) over a [model.graphs] prior network
//      embeds the genes; messages flow both ways along the prior's edges, so
//      a regulator also hears from its targets (link_model.cpp).
//   4. A bilinear or MLP decoder scores regulator -> target pairs. For
//      infer() it learns the prior's edges against sampled non-edges and
//      scores every candidate pair; for the supervised protocol it learns
//      labelled truth pairs instead and scores the test pairs.
#include <map>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "cell_transformer.hpp"
#include "link_model.hpp"
#include "network.hpp"
#include "trellis/sdk/data.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::network {

namespace {

const std::string kName = "network/cell_transformer_gnn";

// Zero mean, unit variance per column (constant columns stay zero), so the
// transformer's embeddings and an encoder's features enter on one scale.
at::Tensor standardise(const at::Tensor& x) {
  const at::Tensor centred = x - x.mean(0, true);
  return centred / centred.std(0, false, true).clamp_min(1e-8);
}

class CellTransformerGnn : public sdk::NetworkInferrer {
 public:
  explicit CellTransformerGnn(const sdk::Options& o) : graph_(o.get_string("graph")), features_(o.get_strings("features")) {
    cell_.dim = o.get_int("dim");
    cell_.heads = o.get_int("heads");
    cell_.layers = o.get_int("layers");
    cell_.feedforward = o.get_int("feedforward");
    cell_.dropout = o.get_double("dropout");
    cell_.bin_width = o.get_double("bin_width");
    cell_.expressed_tokens = o.get_int("expressed_tokens");
    cell_.zero_tokens = o.get_int("zero_tokens");
    cell_.mask_fraction = o.get_double("mask_fraction");
    cell_.mask_replace = o.get_double("mask_replace");
    cell_.steps = o.get_int("pretrain_steps");
    cell_.batch_cells = o.get_int("batch_cells");
    cell_.learning_rate = o.get_double("pretrain_learning_rate");
    cell_.readout_cells = o.get_int("readout_cells");
    link_.encoder = o.get_string("gnn");
    link_.hidden = o.get_int("gnn_hidden");
    link_.layers = o.get_int("gnn_layers");
    link_.decoder = o.get_string("decoder");
    link_.epochs = o.get_int("epochs");
    link_.learning_rate = o.get_double("learning_rate");
    link_.negatives = o.get_int("negatives");
    if (cell_.dim % cell_.heads != 0)
      throw sdk::Error(kName + ": dim = " + std::to_string(cell_.dim) + " is not a multiple of heads = " +
                       std::to_string(cell_.heads) + "; choose heads dividing dim");
  }

  sdk::ScoredEdges infer(sdk::FitContext& context) override {
    prepare(context);
    const std::int64_t n = static_cast<std::int64_t>(genes_.size());
    // The prior's edges leaving a candidate regulator are the positives.
    const at::Tensor is_regulator = at::zeros({n}, at::kBool).index_fill_(0, regulators_, true);
    const at::Tensor leaving = is_regulator.index_select(0, prior_edges_[0]);
    NodePairs positives{prior_edges_[0].masked_select(leaving), prior_edges_[1].masked_select(leaving), {}};
    if (positives.from.size(0) == 0)
      throw sdk::Error(kName + ": none of graph '" + graph_ + "''s " + std::to_string(prior_edges_.size(1)) +
                       " edges between measured genes leaves one of the " + std::to_string(regulators_.size(0)) +
                       " regulators, so the link decoder has nothing to learn; use a prior that covers [data] "
                       "regulators");
    at::manual_seed(seed_ + 1);
    LinkModel model(x_.size(1), link_);
    at::Generator generator = at::detail::createCPUGenerator(seed_ + 2);
    train_on_prior(model, x_, message_edges_, positives, regulators_, link_, generator, kName);
    const auto [from, to] = candidate_pairs(regulators_, n);
    return named_edges(from, to, predict_pairs(model, x_, message_edges_, {from, to, {}}), genes_);
  }

  std::vector<double> infer_supervised(sdk::FitContext& context, const sdk::LabelledPairs& train,
                                       const sdk::LabelledPairs& validation, const sdk::ScoredEdges& query) override {
    prepare(context);
    at::manual_seed(seed_ + 3);
    LinkModel model(x_.size(1), link_);
    train_on_labels(model, x_, message_edges_, pairs_of(train.regulator, train.target, &train.label),
                    pairs_of(validation.regulator, validation.target, &validation.label), link_, kName);
    const at::Tensor scores =
        predict_pairs(model, x_, message_edges_, pairs_of(query.regulator, query.target, nullptr)).contiguous();
    return {scores.data_ptr<double>(), scores.data_ptr<double>() + scores.numel()};
  }

 private:
  // Stages 1-2 and the prior graph, once: both protocols share them (none
  // has seen a label).
  void prepare(const sdk::FitContext& context) {
    if (x_.defined()) return;
    seed_ = context.seed;
    genes_ = measured_symbols(context, kName);
    for (std::size_t j = 0; j < genes_.size(); ++j) column_of_[genes_[j]] = static_cast<std::int64_t>(j);
    regulators_ = at::tensor(regulator_columns(context, genes_), at::kLong);
    const at::Tensor binned = bin_expression(fitting_expression(context, 10, kName), cell_.bin_width, cell_.bins - 2);
    sdk::log_info(kName + ": " + std::to_string(binned.size(0)) + " cells x " + std::to_string(binned.size(1)) +
                  " genes, " + std::to_string(regulators_.size(0)) + " candidate regulators");
    at::manual_seed(seed_);
    CellTransformer transformer(binned.size(1), cell_);
    at::Generator generator = at::detail::createCPUGenerator(seed_);
    pretrain(transformer, binned, cell_, generator, kName);
    std::int64_t unseen = 0;
    at::Tensor x = read_out(transformer, binned, cell_, generator, unseen);
    if (unseen > 0)
      sdk::log_warning(kName + ": " + std::to_string(unseen) +
                       " genes never appeared in a read-out cell's sequence; their contextual embedding is zero "
                       "(raise readout_cells, expressed_tokens or zero_tokens)");
    std::vector<at::Tensor> parts = {standardise(x)};
    const at::Tensor rows = at::tensor(context.genes->measured(), at::kLong);
    for (const auto& name : features_)
      parts.push_back(standardise(context.feature(name).index_select(0, rows).to(at::kFloat)));
    x_ = at::cat(parts, 1).contiguous();
    sdk::log_info(kName + ": gene inputs of " + std::to_string(x_.size(1)) + " columns, " +
                  std::to_string(cell_.dim) + " contextual" +
                  (features_.empty() ? std::string() : " and the rest from " + sdk::join(features_)));
    prior_edges_ = measured_prior_edges(context, graph_, kName);
    message_edges_ = std::get<0>(at::unique_dim(at::cat({prior_edges_, prior_edges_.flip(0)}, 1), 1));
  }

  NodePairs pairs_of(const std::vector<std::string>& from, const std::vector<std::string>& to,
                     const std::vector<int>* labels) const {
    std::vector<std::int64_t> a, b;
    for (std::size_t i = 0; i < from.size(); ++i) {
      a.push_back(column(from[i]));
      b.push_back(column(to[i]));
    }
    NodePairs p{at::tensor(a, at::kLong), at::tensor(b, at::kLong), {}};
    if (labels) p.label = at::tensor(*labels, at::kInt).to(at::kFloat);
    return p;
  }

  std::int64_t column(const std::string& gene) const {
    const auto it = column_of_.find(gene);
    if (it == column_of_.end()) throw sdk::Error(kName + ": gene '" + gene + "' of a labelled pair is not measured");
    return it->second;
  }

  std::string graph_;
  std::vector<std::string> features_;
  CellTransformerSettings cell_;
  LinkSettings link_;
  std::uint64_t seed_ = 0;
  std::vector<std::string> genes_;
  std::map<std::string, std::int64_t> column_of_;
  at::Tensor regulators_, x_, prior_edges_, message_edges_;
};

}  // namespace

sdk::OptionSchema cell_transformer_gnn_options() {
  const CellTransformerSettings c;
  const LinkSettings l;
  sdk::OptionSchema s;
  s.require("graph", sdk::OptionType::string,
            "the [model.graphs] prior network the GNN runs over and the decoder learns from (never the truth)");
  s.add("features", std::vector<std::string>{}, "[model.features] encoders whose rows join the contextual embeddings");
  s.add("dim", c.dim, "transformer token width").min(1);
  s.add("heads", c.heads, "attention heads (dividing dim)").min(1);
  s.add("layers", c.layers, "transformer layers").min(1);
  s.add("feedforward", c.feedforward, "hidden width of each layer's feed-forward block").min(1);
  s.add("dropout", c.dropout, "transformer dropout").range(0.0, 0.9);
  s.add("bin_width", c.bin_width, "expression per bin; scBERT truncates ln(1 + x) to integers (1)").greater_than(0.0);
  s.add("expressed_tokens", c.expressed_tokens, "expressed genes per cell sequence (drawn when more)").min(1);
  s.add("zero_tokens", c.zero_tokens, "unexpressed genes drawn into each cell sequence").min(0);
  s.add("mask_fraction", c.mask_fraction, "share of expressed tokens masked (scBERT: 0.15)").range(0.0, 1.0);
  s.add("mask_replace", c.mask_replace, "chance a masked token's bin becomes the mask token (scBERT: 0.9)").range(0.0, 1.0);
  s.add("pretrain_steps", c.steps, "masked-expression pre-training steps (0: read out the untrained transformer, an ablation)").min(0);
  s.add("batch_cells", c.batch_cells, "cells per pre-training step and read-out batch").min(1);
  s.add("pretrain_learning_rate", c.learning_rate, "Adam learning rate of pre-training").greater_than(0.0);
  s.add("readout_cells", c.readout_cells, "cells the contextual embeddings are averaged over").min(1);
  s.add("gnn", l.encoder, "GNN layers over the prior: sage, gcn, gin, gat or sgconv (sdk::nn::GraphEncoder)")
      .choices({"sage", "gcn", "gin", "gat", "sgconv"});
  s.add("gnn_hidden", l.hidden, "GNN width").min(1);
  s.add("gnn_layers", l.layers, "GNN layers").min(1);
  s.add("decoder", l.decoder, "link decoder").choices({"bilinear", "mlp"});
  s.add("epochs", l.epochs, "full-batch epochs of the GNN and decoder").min(1);
  s.add("learning_rate", l.learning_rate, "Adam learning rate of the GNN and decoder").greater_than(0.0);
  s.add("negatives", l.negatives, "sampled non-edges per prior edge and epoch").min(1);
  return s;
}

std::shared_ptr<sdk::NetworkInferrer> make_cell_transformer_gnn(const sdk::Options& options) {
  return std::make_shared<CellTransformerGnn>(options);
}

}  // namespace trellis::network

// adapter/grn_topological. For a slot's embeddings h [N, d]:
//   g      = sum over graphs k of Encoder_k(h, graph_k)        [N, hidden]
//   fusion = MultiheadCrossAttention(queries h, keys/values g)  [N, d]
//   out    = h + beta * fusion
// beta is learned and starts at 0 (our choice; the paper gives none), so the
// adapter starts as the identity and cannot make a model worse at step 0.
//
// Training differs from inference in two seeded ways: each layer of the
// encoder aggregates over at most `neighbours[l]` sampled in-neighbours per
// gene (inference uses every neighbour), and each epoch one graph has a
// fraction alpha of its edges swapped for co-expression (or random) links
// (edge_perturbation.hpp). Graphs are unweighted here: DoRothEA's weights
// are signs, and a swapped-in link has no comparable weight.
#include "grn_topological.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <sstream>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/normalization.h>

#include "edge_perturbation.hpp"
#include "trellis/sdk/nn/graph_encoder.hpp"
#include "trellis/sdk/atomic_file.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/nn/attention.hpp"
#include "trellis/sdk/nn/message_passing.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::grn {

namespace {

using sdk::Error;

constexpr const char* kKey = "adapter/grn_topological";

class GrnTopological : public sdk::Adapter {
 public:
  explicit GrnTopological(const sdk::Options& o)
      : graphs_(o.get_strings("graphs")),
        encoder_kind_(o.get_string("encoder")),
        layers_(o.get_int("layers")),
        neighbours_(o.get_ints("neighbours")),
        hidden_(o.get_int("hidden")),
        heads_(o.get_int("heads")),
        beta_initial_(o.get_double("beta")),
        learn_beta_(o.get_bool("learn_beta")),
        mode_(parse_mode(o.get_string("perturbation"))),
        alpha_(o.get_double("alpha")),
        pool_(o.get_string("pool")),
        pool_factor_(o.get_double("pool_factor")),
        perturbed_graph_(o.get_string("perturbed_graph")),
        report_top_(o.get_int("report_top")),
        all_keys_(o.get_string("keys") == "all") {
    if (graphs_.empty()) throw Error("option 'graphs' is empty: name at least one graph of [model.graphs]");
    if (perturbed_graph_.empty()) perturbed_graph_ = graphs_.front();
    if (std::find(graphs_.begin(), graphs_.end(), perturbed_graph_) == graphs_.end())
      throw Error("perturbed_graph = '" + perturbed_graph_ + "' is not one of the encoded graphs (" +
                  sdk::join(graphs_) + ")");
    if (mode_ == PerturbationMode::coexpression && pool_.empty())
      throw Error("perturbation = \"coexpression\" needs option 'pool': a co-expression graph of [model.graphs]");
  }

  sdk::Requirements requirements() const override {
    sdk::Requirements r;
    r.graphs = graphs_;
    if (mode_ == PerturbationMode::coexpression && std::find(graphs_.begin(), graphs_.end(), pool_) == graphs_.end())
      r.graphs.push_back(pool_);
    return r;
  }

  void prepare(const sdk::FitContext& context, const sdk::AdapterSlot& slot) override {
    where_ = std::string(kKey) + " in slot '" + slot.name + "' of " + slot.predictor;
    slot_name_ = slot.name;
    dim_ = slot.dim;
    rows_ = slot.genes.to(at::kLong).contiguous();
    seed_ = context.seed;
    const std::int64_t n = rows_.size(0), hidden = hidden_ > 0 ? hidden_ : dim_;
    if (dim_ % heads_ != 0)
      throw Error(where_ + ": the slot's embedding width " + std::to_string(dim_) + " is not a multiple of heads = " +
                  std::to_string(heads_) + "; set heads to a divisor of " + std::to_string(dim_));
    edges_.clear();
    encoders_.clear();
    for (const auto& name : graphs_) {
      const sdk::Graph& graph = context.graph(name);
      check_nodes(graph, name);
      at::Tensor edges = edges_among_rows(graph, rows_);
      if (edges.size(1) == 0)
        throw Error(where_ + ": graph '" + name + "' has no edges among the slot's " + std::to_string(n) +
                    " genes (it has " + std::to_string(graph.num_edges()) +
                    " edges in all); check that its gene symbols match the screen's, or choose another graph");
      sdk::log_info(where_ + ": graph '" + name + "', " + std::to_string(edges.size(1)) + " edges among " +
                    std::to_string(n) + " genes");
      edges_.push_back(edges);
      encoders_.push_back(register_module("encoder_" + name, sdk::nn::GraphEncoder(encoder_kind_, dim_, hidden, layers_)));
    }
    // Keys: the regulators of the first graph (genes with an outgoing edge),
    // or every gene.
    key_rows_ = all_keys_ ? at::arange(n, at::kLong) : std::get<0>(at::_unique(edges_.front()[0], true, false));
    perturbed_index_ = static_cast<std::size_t>(
        std::find(graphs_.begin(), graphs_.end(), perturbed_graph_) - graphs_.begin());
    attention_ = register_module("attention", sdk::nn::MultiheadCrossAttention(dim_, hidden, heads_));
    // Layer-normalised inputs: the attention's logits then have a useful
    // scale whatever the slot's embeddings' scale (GEARS' are small, which
    // left the attention uniform, the fusion the same for every gene and
    // beta without a gradient once the model's batch norm removed it).
    query_norm_ = register_module("query_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim_})));
    key_norm_ = register_module("key_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden})));
    const at::Tensor beta = at::full({1}, beta_initial_);
    beta_ = learn_beta_ ? register_parameter("beta", beta) : register_buffer("beta", beta);
    prepare_perturbation(context);
    epoch_edges_ = edges_[perturbed_index_];
  }

  void start_epoch(std::int64_t epoch) override {
    if (!attention_) return;  // a slot the predictor left unprepared on this path
    // Seeds are functions of (run seed, epoch): a resumed run redraws the same.
    const std::uint64_t epoch_seed = seed_ * 1000003u + static_cast<std::uint64_t>(epoch);
    sampler_ = at::make_generator<at::CPUGeneratorImpl>(epoch_seed ^ 0x9e3779b97f4a7c15ull);
    if (mode_ == PerturbationMode::none) return;
    const Perturbed p = perturb_edges(edges_[perturbed_index_], candidates_, mode_, alpha_, pool_factor_,
                                      rows_.size(0), epoch_seed);
    epoch_edges_ = p.edges;
    sdk::log_info(where_ + ": epoch " + std::to_string(epoch) + ", swapped " + std::to_string(p.swapped) + " of " +
                  std::to_string(edges_[perturbed_index_].size(1)) + " edges of '" + perturbed_graph_ + "' for " +
                  (mode_ == PerturbationMode::coexpression ? "co-expression" : "random") + " links");
  }

  at::Tensor adapt(const at::Tensor& h) override {
    if (!attention_) throw Error(where_ + ": adapt() before prepare()");
    if (h.dim() != 2 || h.size(0) != rows_.size(0) || h.size(1) != dim_)
      throw Error(where_ + ": embeddings are " + sdk::nn::format_shape(h) + " but the slot declared [" +
                  std::to_string(rows_.size(0)) + ", " + std::to_string(dim_) + "]: " +
                  (h.dim() == 2 && h.size(1) != dim_
                       ? "width " + std::to_string(h.size(1)) + " vs " + std::to_string(dim_)
                       : "one row per gene of the slot (" + std::to_string(rows_.size(0)) + ") is needed"));
    if (!is_training() && !report_dir_.empty()) write_report(h);
    return h + beta_ * attention_->forward(query_norm_(h), keys(h));
  }

  void finish(const sdk::FitContext& context) override {
    if (attention_) request_report(context);
  }

 private:

  // The keys' source: the normalised graph embeddings of the key genes.
  at::Tensor keys(const at::Tensor& h) { return key_norm_(graph_embedding(h).index_select(0, key_rows_)); }

  at::Tensor graph_embedding(const at::Tensor& h) {
    const bool training = is_training();
    at::Tensor sum;
    for (std::size_t k = 0; k < encoders_.size(); ++k) {
      const at::Tensor& edges = training && k == perturbed_index_ ? epoch_edges_ : edges_[k];
      const at::Tensor g = encoders_[k]->forward(h, edges, neighbours_, training && sampler_ ? &*sampler_ : nullptr);
      sum = sum.defined() ? sum + g : g;
    }
    return sum;
  }

  // Slot rows are universe genes: a graph over fewer nodes cannot hold them.
  void check_nodes(const sdk::Graph& graph, const std::string& name) const {
    if (rows_.numel() > 0 && rows_.max().item<std::int64_t>() >= graph.num_nodes)
      throw Error(where_ + ": graph '" + name + "' has " + std::to_string(graph.num_nodes) +
                  " nodes, but the slot's genes are universe genes up to index " +
                  std::to_string(rows_.max().item<std::int64_t>()) + "; build the graph over the gene universe");
  }

  void prepare_perturbation(const sdk::FitContext& context) {
    if (mode_ != PerturbationMode::coexpression) return;
    const sdk::Graph& pool = context.graph(pool_);
    check_nodes(pool, pool_);
    at::Tensor kept;
    const at::Tensor pool_edges = edges_among_rows(pool, rows_, &kept);
    const at::Tensor pool_weight = pool.weights_or_ones().index_select(0, kept);
    candidates_ = coexpression_candidates(edges_[perturbed_index_], pool_edges, pool_weight);
    const std::int64_t e = edges_[perturbed_index_].size(1);
    const std::int64_t wanted = requested_swaps(e, alpha_);
    if (candidates_.size(1) < wanted)
      sdk::log_warning(where_ + ": the co-expression pool '" + pool_ + "' has " + std::to_string(candidates_.size(1)) +
                       " pairs that are not edges of '" + perturbed_graph_ + "', fewer than the " +
                       std::to_string(wanted) + " swaps alpha = " + format(alpha_) + " asks for; swapping " +
                       std::to_string(candidates_.size(1)) +
                       " edges per epoch (raise the pool graph's k or lower its threshold for more)");
  }

  // The report needs the slot's final embeddings, which only adapt() sees:
  // finish() asks for it, and the next adapt() at inference (the
  // predictions that follow every fit) writes it.
  void request_report(const sdk::FitContext& context) {
    if (!context.genes || context.run_dir.empty()) return;
    report_dir_ = context.run_dir;
    report_genes_.clear();
    const auto* rows = rows_.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < rows_.size(0); ++i) report_genes_.push_back(context.genes->at(rows[i]).symbol);
  }

  void write_report(const at::Tensor& h) {
    const std::int64_t n = rows_.size(0);
    const at::Tensor received = at::zeros({n}, at::kDouble).index_copy(
        0, key_rows_, attention_->received(query_norm_(h), keys(h)).to(at::kDouble));
    // Regulators: genes with an outgoing edge in the first graph (e.g. the TFs of DoRothEA).
    at::Tensor regulator = at::zeros({n}, at::kBool);
    regulator.index_fill_(0, edges_.front()[0], true);
    const at::Tensor order = std::get<1>(received.sort(0, true));
    const auto* idx = order.data_ptr<std::int64_t>();
    const auto* is_regulator = regulator.data_ptr<bool>();
    const auto* value = received.data_ptr<double>();
    const std::int64_t top = std::min(report_top_, n);
    std::int64_t top_regulators = 0;
    std::ostringstream tsv;
    tsv << "gene\tattention\trank\tregulator\n";
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t row = idx[i];
      if (i < top) top_regulators += is_regulator[row];
      tsv << report_genes_[static_cast<std::size_t>(row)] << '\t' << format(value[row]) << '\t' << i + 1 << '\t'
          << (is_regulator[row] ? "yes" : "no") << '\n';
    }
    const std::int64_t regulators = regulator.sum().item<std::int64_t>();
    const double beta = beta_.item<double>();
    const std::string stem = report_dir_ + "/adapter_" + slot_name_;
    sdk::write_file_atomic(stem + "_attention.tsv", tsv.str());
    std::ostringstream json;
    json << "{\"slot\": \"" << slot_name_ << "\", \"beta\": " << format(beta) << ", \"top\": " << top
         << ", \"top_regulators\": " << top_regulators << ", \"regulators\": " << regulators
         << ", \"genes\": " << n << ", \"regulator_graph\": \"" << graphs_.front() << "\", \"keys\": \""
         << (all_keys_ ? "all" : "regulators") << "\"}\n";
    sdk::write_file_atomic(stem + ".json", json.str());
    sdk::log_info(where_ + ": learned beta = " + format(beta) + "; " + std::to_string(top_regulators) + " of the " +
                  std::to_string(top) + " most attended genes are regulators in '" + graphs_.front() + "' (" +
                  std::to_string(regulators) + " of " + std::to_string(n) + " genes are); per gene in " + stem +
                  "_attention.tsv");
    report_dir_.clear();
  }

  static std::string format(double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.4g", x);
    return buffer;
  }

  std::vector<std::string> graphs_;
  std::string encoder_kind_;
  std::int64_t layers_;
  std::vector<std::int64_t> neighbours_;
  std::int64_t hidden_, heads_;
  double beta_initial_;
  bool learn_beta_;
  PerturbationMode mode_;
  double alpha_;
  std::string pool_;
  double pool_factor_;
  std::string perturbed_graph_;
  std::int64_t report_top_;

  std::string where_, slot_name_, report_dir_;
  std::vector<std::string> report_genes_;
  std::int64_t dim_ = 0;
  std::uint64_t seed_ = 0;
  bool all_keys_;
  at::Tensor rows_, key_rows_, candidates_, epoch_edges_, beta_;
  std::vector<at::Tensor> edges_;
  std::size_t perturbed_index_ = 0;
  std::vector<sdk::nn::GraphEncoder> encoders_;
  sdk::nn::MultiheadCrossAttention attention_{nullptr};
  torch::nn::LayerNorm query_norm_{nullptr}, key_norm_{nullptr};
  std::optional<at::Generator> sampler_;
};

}  // namespace

sdk::OptionSchema grn_topological_options() {
  sdk::OptionSchema s;
  s.add("graphs", std::vector<std::string>{"dorothea"},
        "Graphs of [model.graphs] to encode, each by its own encoder; their embeddings are summed "
        "(e.g. a prior network and the screen's co-expression graph)");
  s.add("encoder", "sage", "Graph layers: sage (GraphSAGE, mean aggregation), gcn, gin, gat or sgconv")
      .choices({"sage", "gcn", "gin", "gat", "sgconv"});
  s.add("layers", std::int64_t{2}, "Graph layers per encoder").min(1);
  s.add("neighbours", std::vector<std::int64_t>{25, 10},
        "Training only: in-neighbours sampled per gene at each layer (0 = all); inference uses all")
      .min(0);
  s.add("hidden", std::int64_t{0}, "Width of the graph embeddings; 0 = the slot's width").min(0);
  s.add("heads", std::int64_t{8}, "Cross-attention heads; must divide the slot's width").min(1);
  s.add("beta", 0.0, "Initial weight of the fusion in h + beta * fusion; 0 starts as the identity");
  s.add("learn_beta", true, "Train beta (false keeps it at its initial value)");
  s.add("perturbation", "coexpression",
        "Edge perturbation each training epoch: coexpression, random or none")
      .choices({"coexpression", "random", "none"});
  s.add("alpha", 0.2, "Fraction of the perturbed graph's edges swapped each epoch").range(0, 1);
  s.add("pool", "coexpression",
        "perturbation = coexpression: the co-expression graph of [model.graphs] (built on training cells) whose "
        "strongest pairs that are not edges are swapped in");
  s.add("pool_factor", 2.0, "Swapped-in links are drawn from the strongest pool_factor x swaps candidates").min(1);
  s.add("perturbed_graph", "", "Which of 'graphs' is perturbed; empty = the first");
  s.add("keys", "regulators",
        "Keys and values of the cross-attention: the graph embeddings of the first graph's regulators (genes with "
        "an outgoing edge, e.g. DoRothEA's TFs), or of all genes (cost grows with genes squared)")
      .choices({"regulators", "all"});
  s.add("report_top", std::int64_t{50}, "The report counts regulators among this many most attended genes").min(1);
  return s;
}

std::shared_ptr<sdk::Adapter> make_grn_topological(const sdk::Options& options) {
  return std::make_shared<GrnTopological>(options);
}

}  // namespace trellis::grn

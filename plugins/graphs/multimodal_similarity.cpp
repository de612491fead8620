// graph/multimodal_similarity: GRAPE's prior graph (METHODS.md, Chi et al.
// 2025). For each named feature (modality) the cosine similarity of genes,
// entries below `modality_threshold` zeroed; optionally a "fused" modality
// standing in for GRAPE's fused representation; the matrices averaged, each
// row L2-normalised, entries below `threshold` zeroed. Row i's surviving
// partners j become edges j -> i with weight A[i, j], at most `k` per gene.
//
// Missing modalities. The knowledge encoders give a gene that lacks a
// modality a zero row plus a 1 in a last "missing" column
// (modality.hpp); that column is dropped (`ignore_last_column`) so such a
// gene has cosine 0 with everyone in that modality, i.e. no similarity from
// it. The average divides by the number of modalities whichever a gene
// has: a constant factor that the row normalisation cancels, so it is not
// applied at all.
//
// Fused modality. The cosine of the concatenated L2-normalised features is
// computed without forming the concatenation: with unit rows x_m (zero when
// missing) and p_i = number of modalities gene i has,
//   cos([x_1i, x_2i, ...], [x_1j, x_2j, ...]) = sum_m <x_mi, x_mj> / sqrt(p_i p_j),
// so it reuses the per-modality products before their thresholds.
//
// Memory. Rows are processed in blocks of `block_rows` genes: a block's rows
// are complete (all G columns), so each row's L2 norm is exact, and only its
// top k partners survive the block. 20,000 genes in blocks of 1,024 need a
// few [1,024, 20,000] float matrices (80 MB each), never a dense G x G.
//
// Self loops. Each gene's own entry (1 in every modality it has) counts in
// its row norm, as in the reference's dense matrix; with `self_loops` false
// (the default) it is then left out of the edges.
#include "graphs.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <ATen/ATen.h>

#include "trellis/sdk/edge_picks.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/tensor_text.hpp"
#include "top_k.hpp"

namespace trellis::graphs {

namespace {

constexpr const char* kWho = "graph/multimodal_similarity";

class MultimodalSimilarity : public sdk::GraphConstructor {
 public:
  explicit MultimodalSimilarity(const sdk::Options& options)
      : features_(options.get_strings("features")),
        fused_(options.get_bool("fused")),
        modality_threshold_(options.get_double("modality_threshold")),
        threshold_(options.get_double("threshold")),
        k_(options.get_int("k")),
        self_loops_(options.get_bool("self_loops")),
        ignore_last_column_(options.get_bool("ignore_last_column")),
        block_rows_(options.get_int("block_rows")) {
    if (features_.empty()) throw options.invalid("features", "must name at least one feature, e.g. [\"text\", \"dna\"]");
    for (std::size_t i = 0; i < features_.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (features_[i] == features_[j]) throw options.invalid("features", "lists '" + features_[i] + "' twice");
  }

  sdk::Graph build(const sdk::BuildContext& context) override {
    const sdk::GeneTable& genes = context.gene_table();
    const std::int64_t g = genes.size();
    if (g < 1) throw sdk::Error("the gene universe is empty");

    // Unit rows per modality (zero rows stay zero) and how many modalities
    // each gene has.
    std::vector<at::Tensor> unit;
    at::Tensor present = at::zeros({g}, at::kFloat);
    for (const auto& name : features_) {
      at::Tensor x = context.feature(name);
      if (x.dim() != 2 || x.size(0) != g)
        throw sdk::Error("feature '" + name + "' has shape " + sdk::shape_of(x) + " but the gene universe has " +
                         std::to_string(g) + " genes; it must be [" + std::to_string(g) + ", d]");
      if (ignore_last_column_) {
        if (x.size(1) < 2)
          throw sdk::Error("feature '" + name + "' has " + std::to_string(x.size(1)) +
                           " column(s); with ignore_last_column = true (the missing-modality flag) it needs at least 2, "
                           "or set ignore_last_column = false");
        x = x.slice(1, 0, x.size(1) - 1);
      }
      x = x.detach().to(at::kFloat).contiguous();
      if (!at::isfinite(x).all().item<bool>())
        throw sdk::Error("feature '" + name + "' has non-finite values");
      const at::Tensor norm = x.norm(2, {1}, /*keepdim=*/true);
      const at::Tensor has = (norm.squeeze(1) > 0).to(at::kFloat);
      const auto covered = static_cast<std::int64_t>(has.sum().item<float>());
      if (covered == 0)
        sdk::log_warning(std::string(kWho) + ": feature '" + name + "' is zero for every gene; it adds no similarity");
      else
        sdk::log_info(std::string(kWho) + ": feature '" + name + "' covers " + std::to_string(covered) + " of " +
                      std::to_string(g) + " genes");
      present += has;
      unit.push_back(x / norm.clamp_min(std::numeric_limits<float>::min()));
    }
    // 1 / sqrt(p_i): the norm of gene i's concatenated unit rows.
    const at::Tensor fused_scale = at::where(present > 0, present.rsqrt(), at::zeros_like(present));

    sdk::EdgePicks picks;
    const std::int64_t rows = std::min(block_rows_, g);
    for (std::int64_t r0 = 0; r0 < g; r0 += rows) {
      const std::int64_t r1 = std::min(g, r0 + rows);
      at::Tensor total, raw_sum;
      for (const auto& u : unit) {
        at::Tensor s = at::mm(u.slice(0, r0, r1), u.t());
        if (fused_) raw_sum = raw_sum.defined() ? raw_sum.add_(s) : s.clone();
        sdk::zero_below(s, modality_threshold_);
        total = total.defined() ? total.add_(s) : s;
      }
      if (fused_) {
        raw_sum.mul_(fused_scale.slice(0, r0, r1).unsqueeze(1)).mul_(fused_scale.unsqueeze(0));
        sdk::zero_below(raw_sum, modality_threshold_);
        total.add_(raw_sum);
      }
      total.div_(total.norm(2, {1}, /*keepdim=*/true).clamp_min(std::numeric_limits<float>::min()));
      picks.pick(total, r0, k_, threshold_, /*positive_only=*/true, self_loops_);
    }

    sdk::Graph graph;
    graph.name = "multimodal_similarity";
    graph.num_nodes = g;
    graph.edge_index = at::stack({picks.sources(), picks.targets()});
    graph.weight = picks.values();
    if (graph.num_edges() == 0) {
      const double largest_cosine = largest_off_diagonal_cosine(unit, fused_scale);
      throw sdk::Error("no pair of genes is similar enough: each modality's cosine must reach "
                       "modality_threshold = " + format_number(modality_threshold_) + " and the row-normalised average threshold = " +
                       format_number(threshold_) + " (the largest cosine between two different genes is " +
                       format_number(largest_cosine) + "); lower modality_threshold (e.g. to " +
                       format_number(std::max(-1.0, std::min(modality_threshold_, largest_cosine) - 0.1)) + ") or threshold");
    }
    graph.validate();
    const std::int64_t connected = (at::bincount(graph.edge_index[1], {}, g) > 0).sum().item<std::int64_t>();
    sdk::log_info(std::string(kWho) + ": " + std::to_string(graph.num_edges()) + " edges, " + std::to_string(connected) +
                  " of " + std::to_string(g) + " genes with partners, from " + std::to_string(unit.size()) +
                  " modalities" + (fused_ ? " + fused" : ""));
    return graph;
  }

 private:
  /// The largest cosine between two different genes in any modality (the
  /// fused one included), for the empty-graph message only: a second pass.
  double largest_off_diagonal_cosine(const std::vector<at::Tensor>& unit, const at::Tensor& fused_scale) const {
    const std::int64_t g = fused_scale.size(0), rows = std::min(block_rows_, g);
    double largest = -1;
    for (std::int64_t r0 = 0; r0 < g; r0 += rows) {
      const std::int64_t r1 = std::min(g, r0 + rows);
      at::Tensor raw_sum = at::zeros({r1 - r0, g}, at::kFloat);
      std::vector<at::Tensor> sims;
      for (const auto& u : unit) {
        sims.push_back(at::mm(u.slice(0, r0, r1), u.t()));
        raw_sum.add_(sims.back());
      }
      if (fused_) sims.push_back(raw_sum.mul_(fused_scale.slice(0, r0, r1).unsqueeze(1)).mul_(fused_scale.unsqueeze(0)));
      for (auto& s : sims) {
        s.diagonal(r0).fill_(-2);
        largest = std::max(largest, s.max().item<double>());
      }
    }
    return largest;
  }

  std::vector<std::string> features_;
  bool fused_;
  double modality_threshold_;
  double threshold_;
  std::int64_t k_;
  bool self_loops_;
  bool ignore_last_column_;
  std::int64_t block_rows_;
};

}  // namespace

sdk::OptionSchema multimodal_similarity_options() {
  sdk::OptionSchema s;
  s.add("features", std::vector<std::string>{"text", "dna"},
        "named features ([model.encoders]) whose cosine similarities are averaged, one modality each");
  s.add("fused", true,
        "add a third similarity from the concatenation of the L2-normalised features (GRAPE's fused "
        "representation)");
  s.add("modality_threshold", 0.6, "each modality's cosine entries below this are zeroed before averaging")
      .range(-1, 1);
  s.add("threshold", 0.015, "entries of the row-L2-normalised average below this are zeroed").range(0, 1);
  s.add("k", std::int64_t{50}, "at most this many partners (the strongest) per gene; 0 = no cap").min(0);
  s.add("self_loops", false, "keep each gene's edge to itself (it counts in the row norm either way)");
  s.add("ignore_last_column", true,
        "drop each feature's last column before the cosine (the encoders' missing-modality flag)");
  s.add("block_rows", std::int64_t{1024}, "genes per row block (memory: a few block_rows x G float matrices)")
      .min(1);
  return s;
}

std::shared_ptr<sdk::GraphConstructor> make_multimodal_similarity(const sdk::Options& options) {
  return std::make_shared<MultimodalSimilarity>(options);
}

}  // namespace trellis::graphs

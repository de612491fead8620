// encoder/perturbation_atlas: a genome-wide screen's ranked DE genes (TSV
// with columns knockdown, rank, gene; e.g. Replogle 2022, 585 knockdowns x
// their top 1,000 DE genes) as gene embeddings. Entry (knockdown k, gene g)
// weighs 1 - (rank - 1) / top ("rank") or 1 ("binary") for the `top`
// best-ranked genes of k, 0 otherwise. Two sides:
//   side = "target":        gene g's row = which knockdowns it responds to
//                            (the atlas column of g, over the knockdowns);
//   side = "perturbation":  gene g's row = its own knockdown's response
//                            (the atlas row of g, over the DE gene vocabulary),
//                            for genes the atlas knocked down.
// Rows are reduced by a seeded truncated SVD; genes the atlas does not cover
// on that side get a zero row and the missing flag (modality.hpp).
#include "encoders.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <ATen/ATen.h>

#include "trellis/sdk/missing_rows.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/options.hpp"
#include "trellis/sdk/suggest.hpp"
#include "trellis/sdk/text_input.hpp"
#include "truncated_svd.hpp"

namespace trellis::encoders {

namespace {

const std::string kWho = "encoder/perturbation_atlas";

struct Entry {
  std::string knockdown, gene;
  std::int64_t rank = 0;
};

/// The entries of ranks 1..top; throws naming the file and line of a bad row.
std::vector<Entry> read_atlas(const std::string& file, std::int64_t top) {
  sdk::TextInput in(file, "option 'file'");
  std::vector<std::string> fields;
  if (!in.next_fields(fields) || fields.size() < 3 || fields[0] != "knockdown" || fields[1] != "rank" ||
      fields[2] != "gene")
    throw sdk::Error(kWho + ": '" + file + "' must start with the header knockdown<TAB>rank<TAB>gene");
  std::vector<Entry> entries;
  while (in.next_fields(fields)) {
    if (fields.size() < 3)
      throw sdk::Error(kWho + ": '" + file + "' line " + std::to_string(in.line_number()) +
                       " has fewer than 3 columns (knockdown, rank, gene)");
    std::int64_t rank = 0;
    try {
      rank = std::stoll(fields[1]);
    } catch (const std::exception&) {
      rank = 0;
    }
    if (rank < 1)
      throw sdk::Error(kWho + ": '" + file + "' line " + std::to_string(in.line_number()) + ": rank '" + fields[1] +
                       "' is not a positive integer");
    if (rank <= top) entries.push_back({fields[0], fields[2], rank});
  }
  return entries;
}

class PerturbationAtlas : public sdk::FeatureEncoder {
 public:
  explicit PerturbationAtlas(const sdk::Options& options)
      : file_(options.get_path("file")),
        side_(options.get_string("side")),
        dim_(options.get_int("dim")),
        top_(options.get_int("top")),
        weighting_(options.get_string("weighting")),
        seed_(options.get_int("seed")),
        missing_flag_(options.get_bool("missing_flag")) {
    if (file_.empty())
      throw options.invalid("file", "must name the atlas, e.g. "
                                    "\"${TRELLIS_DATA_DIR}/perturbseq/replogle2022_k562_deg_ranks.tsv.gz\"");
  }

  at::Tensor encode(const sdk::BuildContext& context) override {
    const sdk::GeneTable& genes = context.gene_table();
    const std::int64_t n = genes.size();
    const std::vector<Entry> entries = read_atlas(file_, top_);
    // Knockdowns and DE genes get columns in name order, so the matrix does
    // not depend on the file's row order.
    std::set<std::string> knockdowns, responders;
    for (const auto& e : entries) {
      knockdowns.insert(e.knockdown);
      responders.insert(e.gene);
    }
    const bool target = side_ == "target";
    const std::set<std::string>& columns_of = target ? knockdowns : responders;
    std::map<std::string, std::int64_t> column;
    for (const auto& name : columns_of) column.emplace(name, static_cast<std::int64_t>(column.size()));

    // (row, column) -> weight, in matrix order; a pair listed twice keeps its best rank.
    std::map<std::pair<std::int64_t, std::int64_t>, double> weight;
    std::vector<bool> present(static_cast<std::size_t>(n), false);
    for (const auto& e : entries) {
      const auto g = genes.find(target ? e.gene : e.knockdown);
      if (!g) continue;
      present[static_cast<std::size_t>(*g)] = true;
      const double w =
          weighting_ == "rank" ? 1.0 - static_cast<double>(e.rank - 1) / static_cast<double>(top_) : 1.0;
      double& slot = weight[{*g, column.at(target ? e.knockdown : e.gene)}];
      slot = std::max(slot, w);
    }
    const auto covered = static_cast<std::int64_t>(std::count(present.begin(), present.end(), true));
    if (covered == 0) {
      std::vector<std::string> atlas_names(target ? responders.begin() : knockdowns.begin(),
                                           target ? responders.end() : knockdowns.end());
      std::vector<std::string> universe;
      for (std::int64_t g = 0; g < std::min<std::int64_t>(n, 5); ++g) universe.push_back(genes.at(g).symbol);
      throw sdk::Error(kWho + ": the atlas '" + file_ + "' names none of the " + std::to_string(n) +
                       " universe genes as a " + (target ? "responding gene" : "knockdown") + " (it has " +
                       sdk::join_first(atlas_names, 5) + "; the universe has " + sdk::join(universe) +
                       ", ...); check that both use HGNC symbols, or try side = \"" +
                       (target ? "perturbation" : "target") + "\"");
    }
    std::vector<std::int64_t> rows_index, cols_index;
    std::vector<double> values;
    for (const auto& [entry, w] : weight) {
      rows_index.push_back(entry.first);
      cols_index.push_back(entry.second);
      values.push_back(w);
    }
    const at::Tensor matrix =
        sorted_sparse_matrix(n, static_cast<std::int64_t>(column.size()), rows_index, cols_index, values);
    const std::uint64_t seed = seed_ >= 0 ? static_cast<std::uint64_t>(seed_) : context.seed;
    const at::Tensor features = truncated_svd(matrix, dim_, seed);
    sdk::log_info(kWho + ": " + std::to_string(knockdowns.size()) + " knockdowns x their top " +
                  std::to_string(top_) + " DE genes; side '" + side_ + "'");
    const at::Tensor out =
        sdk::with_missing_flag(features, present, kWho, target ? "atlas responses" : "an atlas knockdown");
    return missing_flag_ ? out : out.narrow(1, 0, out.size(1) - 1).contiguous();
  }

 private:
  std::string file_;
  std::string side_;
  std::int64_t dim_;
  std::int64_t top_;
  std::string weighting_;
  std::int64_t seed_;
  bool missing_flag_;
};

}  // namespace

sdk::OptionSchema perturbation_atlas_options() {
  sdk::OptionSchema s;
  s.add_path("file", "",
             "TSV (plain or gzip) with columns knockdown, rank, gene, e.g. "
             "\"${TRELLIS_DATA_DIR}/perturbseq/replogle2022_k562_deg_ranks.tsv.gz\"");
  s.add("side", "target",
        "\"target\": a gene's row = which knockdowns it responds to; \"perturbation\": its own knockdown's "
        "response (genes the atlas knocked down)")
      .choices({"target", "perturbation"});
  s.add("dim", std::int64_t{64}, "output dimension (SVD components; zero columns beyond the matrix rank)").min(1);
  s.add("top", std::int64_t{1000}, "DE genes per knockdown that count (the best ranked)").min(1);
  s.add("weighting", "rank", "\"rank\": 1 - (rank - 1) / top; \"binary\": 1").choices({"rank", "binary"});
  s.add("seed", std::int64_t{-1}, "seed of the randomized SVD; -1: the run's seed").min(-1);
  s.add("missing_flag", true, "append a column that is 1 for genes the atlas does not cover (their row is zero)");
  return s;
}

std::shared_ptr<sdk::FeatureEncoder> make_perturbation_atlas(const sdk::Options& options) {
  return std::make_shared<PerturbationAtlas>(options);
}

}  // namespace trellis::encoders

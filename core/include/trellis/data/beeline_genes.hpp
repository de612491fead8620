#pragma once
// BEELINE's gene selection for network inference on raw inputs
// (generateExpInputs.py): the significantly varying TFs plus the N most
// variable significantly varying other genes, from a gene ordering table
// (BEELINE's GeneOrdering.csv: gene, p-value of variation along
// pseudotime, variance).

#include <cstdint>
#include <string>
#include <vector>

namespace trellis::core::data {

struct BeelineGeneSelection {
  std::string ordering;     ///< GeneOrdering.csv: a header, then gene, p-value, variance (first three columns)
  std::string tfs;          ///< TF list (one gene per line or a TF column); empty: no TF rule
  std::int64_t top = 500;   ///< other genes kept, by variance
  double p_value = 0.01;    ///< significance threshold
  bool bonferroni = true;   ///< divide the threshold by the ordered genes that are expressed
  bool enabled() const { return !ordering.empty(); }
};

/// The genes of `expressed` to keep, in `expressed`'s order: among the
/// ordering's genes that are expressed, those with p < threshold; of them
/// every TF, plus the `top` non-TFs of largest variance. TFs do not count
/// toward `top`. Throws trellis::sdk::Error naming the file and line for a
/// malformed row, and when no ordered gene is expressed.
std::vector<std::string> select_beeline_genes(const BeelineGeneSelection& selection,
                                              const std::vector<std::string>& expressed);

}  // namespace trellis::core::data

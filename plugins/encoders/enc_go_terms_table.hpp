#pragma once
// The GO term table (go_terms.tsv.gz: go_id, ontology, term, ...), read by
// the GO-term and text encoders.

#include <string>
#include <unordered_map>

namespace trellis::encoders {

struct GoTerm {
  std::string ontology;  ///< "BP", "CC" or "MF"
  std::string name;      ///< e.g. "mitochondrion inheritance"
};

/// go_id -> term, from a TSV (plain or gzip) whose header names the columns
/// go_id, ontology and term. `what` names the option for messages.
std::unordered_map<std::string, GoTerm> read_go_term_table(const std::string& path, const std::string& what);

}  // namespace trellis::encoders

#pragma once
// How much the annotation knows about a gene universe: what `trellis data
// inspect --genes` reports.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "trellis/annotation/gene_table_builder.hpp"
#include "trellis/sdk/data.hpp"

namespace trellis::core::annotation {

/// Genes lacking each kind of knowledge, by table key (the dataset's
/// spelling), in table order. Each count is the list's size.
struct Coverage {
  std::int64_t genes = 0;
  std::int64_t measured = 0;
  std::map<sdk::Biotype, std::int64_t> biotypes;

  std::vector<std::string> missing_entrez;       ///< not resolved: no knowledge at all
  std::vector<std::string> biotype_other;        ///< biotype other (including unresolved genes)
  std::vector<std::string> missing_short_name;
  std::vector<std::string> missing_description;  ///< no RefSeq summary
  std::vector<std::string> missing_sequence;     ///< no promoter
  std::vector<std::string> missing_go;           ///< no GO term (after the build options' filters)
  /// Rows that resolved to the same gene, e.g. "KLF1 = EKLF (Entrez 10661)":
  /// the dataset spells one gene two ways, so it has two rows.
  std::vector<std::string> same_gene;

  /// Filled only from an AnnotatedGenes: how names were matched.
  std::vector<std::string> by_alias;             ///< "name -> SYMBOL"
  std::vector<std::string> by_ensembl;           ///< "ENSG... -> SYMBOL"
  std::vector<std::string> by_case;              ///< "name -> SYMBOL"
  std::vector<std::string> ambiguous;            ///< "name (SYMBOL1, SYMBOL2)"
  bool has_resolutions = false;
};

Coverage compute_coverage(const sdk::GeneTable& table);
/// As above, plus how each name was matched; `source` names the candidates
/// of ambiguous aliases.
Coverage compute_coverage(const AnnotatedGenes& genes, const AnnotationSource& source);

/// A readable report: counts and percentages; with `list_genes`, the genes
/// behind each count.
std::string describe(const Coverage& coverage, bool list_genes);

}  // namespace trellis::core::annotation

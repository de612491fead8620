#pragma once
// Gene knowledge from the TSV export of org.Hs.eg.db / GO.db, RefSeq
// summaries and EPD promoters (the shared data folder's layout).

#include <filesystem>

#include "trellis/annotation/memory_source.hpp"

namespace trellis::core::annotation {

/// Relative paths under a data folder.
inline constexpr const char* kGenesTsv = "genes/orghs_genes.tsv.gz";
inline constexpr const char* kGoTsv = "genes/orghs_go.tsv.gz";
inline constexpr const char* kGoTermsTsv = "genes/go_terms.tsv.gz";
inline constexpr const char* kSummariesTsv = "genes/refseq_gene_summaries_human.tsv.gz";
inline constexpr const char* kPromotersTsv = "sequences/epd_promoters_60bp.tsv.gz";
inline constexpr const char* kPromoterEnsemblTsv = "sequences/epd_promoter_ensembl.tsv.gz";

/// Loads `data_dir`/genes/{orghs_genes, orghs_go, go_terms}.tsv.gz (required)
/// and, when present, the RefSeq summaries and EPD promoters (optional: a
/// missing one is logged and leaves descriptions or sequences empty).
///
/// The export has no alias table, so has_aliases() is false: names resolve
/// by official symbol (exactly or ignoring case) and by Ensembl id only. Use
/// SqliteAnnotationSource to resolve previous symbols and aliases.
class TsvAnnotationSource : public MemoryAnnotationSource {
 public:
  explicit TsvAnnotationSource(const std::filesystem::path& data_dir);
};

/// Loads the summaries and promoters under `data_dir` that exist; logs a
/// warning for each that does not and returns their relative paths.
std::vector<std::string> load_optional_extras(const std::filesystem::path& data_dir, AnnotationTables& tables);

}  // namespace trellis::core::annotation

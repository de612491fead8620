#pragma once
// Builds the gene universe (sdk::GeneTable) of a screen and fills in what a
// source knows about each gene.

#include <cstdint>
#include <string>
#include <vector>

#include "trellis/annotation/annotation_source.hpp"
#include "trellis/sdk/data.hpp"

namespace trellis::core::annotation {

struct BuildOptions {
  /// GO ontologies whose terms go into Gene::go_terms.
  std::vector<Ontology> ontologies{Ontology::BP, Ontology::CC, Ontology::MF};
  /// GO evidence codes to leave out, e.g. {"IEA"} (electronic only) or {"ND"}
  /// ("no data": the gene is annotated to an ontology's root term).
  std::vector<std::string> exclude_evidence;
  /// Resolve previous symbols and aliases (when the source knows them).
  bool use_aliases = true;
};

/// How one name of the universe was resolved; parallel to the table's rows.
struct GeneResolution {
  std::string name;                      ///< the dataset's spelling (the table key)
  std::string official_symbol;           ///< the source's symbol; empty when unresolved
  std::int64_t entrez_id = -1;
  MatchKind match = MatchKind::none;
  std::vector<std::int64_t> candidates;  ///< the genes an ambiguous alias could mean
};

struct AnnotatedGenes {
  sdk::GeneTable table;
  std::vector<GeneResolution> resolutions;
};

/// Universe = the measured genes (in order, measured = true) followed by the
/// perturbed genes that are not measured (order of first appearance,
/// measured = false).
///
/// Each name may be an official symbol, an alias, or an Ensembl gene id
/// (datasets such as Gasperini 2019 key features by Ensembl id). Gene::symbol
/// keeps the dataset's own spelling, because it is the key that the screen's
/// conditions and columns use; the official symbol the name resolved to is
/// in GeneResolution. A name the source does not know stays in the universe
/// with empty knowledge (entrez_id -1, biotype other); Coverage counts it.
class GeneTableBuilder {
 public:
  explicit GeneTableBuilder(const AnnotationSource& source, BuildOptions options = {});

  /// Throws trellis::sdk::Error naming duplicated or empty measured gene names.
  AnnotatedGenes build(const std::vector<std::string>& measured_genes,
                       const std::vector<std::string>& perturbed_genes) const;

  /// Everything known about one name (measured = false).
  sdk::Gene annotate(const std::string& name, GeneResolution* resolution = nullptr) const;

 private:
  const AnnotationSource& source_;
  BuildOptions options_;
};

/// GeneTableBuilder(source, options).build(measured, perturbed).table
sdk::GeneTable build_gene_table(const std::vector<std::string>& measured_genes,
                                const std::vector<std::string>& perturbed_genes, const AnnotationSource& source,
                                const BuildOptions& options = {});

}  // namespace trellis::core::annotation

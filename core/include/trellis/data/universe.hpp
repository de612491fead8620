#pragma once
// The gene universe of a screen: measured genes plus perturbed genes that
// are not measured, each with what the annotation source knows of it.

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trellis/sdk/data.hpp"

#include "trellis/annotation/annotation_source.hpp"

namespace trellis::core::data {

struct Universe {
  sdk::GeneTable genes;
  /// One line: source and coverage.
  std::string summary;
  /// The genes lacking each kind of knowledge, listed.
  std::string missing_listing;
};

/// Gene knowledge as [data.annotation] selects it: `source` = "tsv" (the TSV
/// exports under `dir`, default ${TRELLIS_DATA_DIR}), "sqlite" (org.Hs.eg.db
/// and GO.db from the annotation cache), "none", or "auto" (the default: tsv
/// when a data directory is known). Options are checked like component options.
class GeneKnowledge {
 public:
  explicit GeneKnowledge(const nlohmann::json& annotation);
  ~GeneKnowledge();
  /// Whether the source knows a gene by this name (symbol, alias or Ensembl id).
  bool knows(const std::string& name) const;
  /// The source, for messages.
  std::string describe() const;
  /// Universe = `measured` (in order) + the `perturbed` genes not measured.
  Universe build(const std::vector<std::string>& measured, const std::vector<std::string>& perturbed) const;

 private:
  std::unique_ptr<annotation::AnnotationSource> source_;
  std::vector<annotation::Ontology> ontologies_;
  std::vector<std::string> exclude_evidence_;
  bool use_aliases_ = true;
};

}  // namespace trellis::core::data

#pragma once
// An AnnotationSource held entirely in memory: the loaders (TSV, SQLite)
// fill its tables once, and all queries are hash look-ups. Keeping one query
// implementation is what makes the sources interchangeable: they differ only
// in how the tables are read.

#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "trellis/annotation/annotation_source.hpp"

namespace trellis::core::annotation {

/// The tables a loader fills.
struct AnnotationTables {
  std::unordered_map<std::int64_t, GeneRecord> genes;
  std::unordered_map<std::int64_t, std::vector<std::string>> aliases;  ///< Entrez -> alias symbols
  std::unordered_map<std::int64_t, std::vector<GoAnnotation>> go;
  std::unordered_map<std::string, GoTerm> go_terms;
  std::unordered_map<std::int64_t, std::string> summaries;
  /// Ensembl gene id -> promoter sequence (already the gene's first promoter).
  std::unordered_map<std::string, std::string> promoters;
  bool has_aliases = false;
};

class MemoryAnnotationSource : public AnnotationSource {
 public:
  /// Takes the tables and builds the name indexes.
  MemoryAnnotationSource(AnnotationTables tables, std::string description);

  std::string describe() const override { return description_; }
  bool has_aliases() const override { return tables_.has_aliases; }
  std::optional<GeneRecord> gene(std::int64_t entrez_id) const override;
  std::vector<std::int64_t> find_symbol(const std::string& symbol, bool ignore_case) const override;
  std::vector<std::int64_t> find_alias(const std::string& alias, bool ignore_case) const override;
  std::vector<std::int64_t> find_ensembl(const std::string& ensembl_id) const override;
  std::vector<GoAnnotation> go_annotations(std::int64_t entrez_id) const override;
  std::optional<GoTerm> go_term(const std::string& go_id) const override;
  std::string summary(std::int64_t entrez_id) const override;
  std::string promoter(const std::string& ensembl_id) const override;

  /// Sizes, for logs and tests.
  const AnnotationTables& tables() const { return tables_; }

 protected:
  MemoryAnnotationSource() = default;
  /// For loaders that fill the tables in their own constructor.
  void set_tables(AnnotationTables tables, std::string description);

 private:
  using Index = std::unordered_map<std::string, std::vector<std::int64_t>>;
  AnnotationTables tables_;
  std::string description_;
  Index symbol_, symbol_upper_, alias_, alias_upper_, ensembl_;
};

/// Reads the RefSeq summaries TSV (`Gene_ID`, ..., `Gene_summary`, with header).
void load_summaries(const std::filesystem::path& path, AnnotationTables& tables);
/// Reads the EPD promoter sequences (`promoter_id`, `sequence`) and the
/// promoter -> Ensembl gene map, keeping for each gene the promoter with the
/// smallest number (`NOC2L_1` before `NOC2L_2`), so that every gene has one
/// well-defined sequence.
void load_promoters(const std::filesystem::path& sequences_path, const std::filesystem::path& ensembl_map_path,
                    AnnotationTables& tables);

/// ASCII upper case.
std::string to_upper(std::string text);

}  // namespace trellis::core::annotation

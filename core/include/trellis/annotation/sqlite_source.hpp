#pragma once
// Gene knowledge read directly from Bioconductor's annotation databases,
// org.Hs.eg.sqlite (org.Hs.eg.db) and GO.sqlite (GO.db), as fetched by
// scripts/fetch-annotation. Unlike the TSV export these know aliases.

#include <filesystem>
#include <optional>
#include <string>

#include "trellis/annotation/memory_source.hpp"

namespace trellis::core::annotation {

/// Reads genes, gene types, Ensembl ids, aliases and GO annotations from
/// `org_db` and GO term names from `go_db` (both opened read-only). RefSeq
/// summaries and EPD promoters are not in these databases: they are read
/// from `extras_dir` (a data folder with genes/ and sequences/, see
/// TsvAnnotationSource) when given and present.
class SqliteAnnotationSource : public MemoryAnnotationSource {
 public:
  SqliteAnnotationSource(const std::filesystem::path& org_db, const std::filesystem::path& go_db,
                         const std::optional<std::filesystem::path>& extras_dir = std::nullopt);
};

/// `$TRELLIS_CACHE_DIR/bioconductor`, else `$HOME/.cache/trellis/bioconductor`.
std::filesystem::path bioconductor_cache_dir();

/// The first file named `file_name` (e.g. "org.Hs.eg.sqlite") anywhere under
/// bioconductor_cache_dir(), or nullopt.
std::optional<std::filesystem::path> find_cached_database(const std::string& file_name);

}  // namespace trellis::core::annotation

#include "trellis/annotation/open_source.hpp"

#include "trellis/annotation/sqlite_source.hpp"
#include "trellis/annotation/tsv_source.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::core::annotation {

std::unique_ptr<AnnotationSource> open_annotation_source(const std::string& kind,
                                                         const std::filesystem::path& data_dir) {
  if (kind == "tsv") return std::make_unique<TsvAnnotationSource>(data_dir);
  if (kind == "sqlite") {
    const auto org = find_cached_database("org.Hs.eg.sqlite");
    const auto go = find_cached_database("GO.sqlite");
    if (!org || !go)
      throw sdk::Error(std::string(org ? "GO.sqlite" : "org.Hs.eg.sqlite") + " not found under " +
                       bioconductor_cache_dir().string() +
                       "; run scripts/fetch-annotation (it honours TRELLIS_CACHE_DIR) or use annotation source "
                       "\"tsv\"");
    return std::make_unique<SqliteAnnotationSource>(*org, *go, data_dir);
  }
  throw sdk::Error("unknown annotation source '" + kind + "'; use \"tsv\" or \"sqlite\"");
}

}  // namespace trellis::core::annotation

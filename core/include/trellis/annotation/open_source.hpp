#pragma once
// Opening an annotation source by the name a config uses.

#include <filesystem>
#include <memory>
#include <string>

#include "trellis/annotation/annotation_source.hpp"

namespace trellis::core::annotation {

/// `kind` "tsv": TsvAnnotationSource(data_dir). `kind` "sqlite":
/// SqliteAnnotationSource on the databases found in the cache
/// (find_cached_database), with summaries and promoters from `data_dir`.
/// Throws trellis::sdk::Error for another kind (naming the valid ones) and
/// when the SQLite databases have not been fetched.
std::unique_ptr<AnnotationSource> open_annotation_source(const std::string& kind,
                                                         const std::filesystem::path& data_dir);

}  // namespace trellis::core::annotation

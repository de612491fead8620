#pragma once
/// @file graph_tsv.hpp
/// A graph as a table of gene-symbol edges, the form `trellis` scores for
/// structure recovery and users read (predictors' learned graphs, built graphs).

#include <filesystem>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

struct Graph;
class GeneTable;

/// Writes `graph` as a TSV with the header `source target weight relation`,
/// one edge per line: gene symbols from `genes`, the weight with 6
/// significant digits, the relation name ("all" for an untyped graph).
/// Written atomically (temporary file, then rename); throws
/// trellis::sdk::Error naming the file when it cannot be written.
TRELLIS_SDK_API void write_graph_tsv(const Graph& graph, const GeneTable& genes, const std::filesystem::path& file);

}  // namespace trellis::sdk

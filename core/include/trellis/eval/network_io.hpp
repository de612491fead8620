#pragma once
// Reading and writing regulatory networks for `task = "network"`: the truth
// network and regulator list of [data], and the inferred network.tsv.

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace trellis::sdk {
struct ScoredEdges;
}

namespace trellis::core::eval {

/// The regulator -> target pairs of a truth network: a TSV (or CSV when the
/// header has commas and no tab), plain or gzip, with a header. The
/// regulator column is the first named regulator, source, tf, gene1 or from
/// (any case), the target column the first named target, gene2 or to; when
/// the header names neither, the first two columns. Errors name the file
/// and line.
std::vector<std::pair<std::string, std::string>> read_truth_network(const std::filesystem::path& file);

/// Gene symbols, one per line: the first tab- or comma-separated field, or,
/// when the first line is a header naming a column tf, gene, symbol or
/// regulator (BEELINE's `,TF,index` TF lists), that column. Blank lines and
/// lines starting with '#' are skipped.
std::vector<std::string> read_gene_list(const std::filesystem::path& file);

/// Writes `edges` as `regulator target score`, highest score first (ties
/// keep their order), through a temporary file renamed into place.
void write_network_tsv(const sdk::ScoredEdges& edges, const std::filesystem::path& file);

}  // namespace trellis::core::eval

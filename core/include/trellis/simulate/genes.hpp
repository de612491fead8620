#pragma once
// The simulated screen's gene symbols: real human genes (mostly protein
// coding, some lncRNA and miRNA) from an NCBI gene table, or synthetic names.

#include <filesystem>
#include <string>
#include <vector>

namespace trellis::core::simulate {

class Rng;

struct GeneChoice {
  std::vector<std::string> symbols;
  std::vector<std::string> biotypes;  ///< "protein_coding", "lncRNA" or "miRNA" (sdk::Biotype names)
};

/// Draws `count` distinct genes of which round(count * noncoding_fraction)
/// are non-coding. With a `genes_file` (columns symbol, gene_name, gene_type,
/// as genes/orghs_genes.tsv.gz) the coding genes are NCBI "protein-coding"
/// genes and the non-coding ones "ncRNA" genes named LINC* (lncRNA) or MIR*
/// (miRNA when the name says microRNA, else a host-gene lncRNA). Without a
/// file the names are GENE00001, GENE00002, ... Throws trellis::sdk::Error
/// naming the file when it has too few genes of a kind.
GeneChoice choose_genes(std::size_t count, double noncoding_fraction, const std::filesystem::path& genes_file,
                        Rng& rng);

}  // namespace trellis::core::simulate

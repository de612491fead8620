#pragma once
// DNA sequences for the sequence encoders: validation of the alphabet and
// per-gene sequences read from a FASTA or TSV file.

#include <cstdint>
#include <string>
#include <vector>

namespace trellis::sdk {
class GeneTable;
}

namespace trellis::encoders {

/// Throws sdk::Error when `sequence` holds a character other than A, C, G, T
/// or N (any case), naming the gene, `where` it came from (e.g.
/// "file 'x.fa', line 12") and how to fix it.
void check_dna(const std::string& sequence, const std::string& gene, const std::string& where);

/// Sequences of the universe's genes from `path`: FASTA (">id ..." header
/// lines, the sequence on the following lines) or TSV (id<TAB>sequence; a
/// first line whose second field is "sequence" is a header). An id matches a
/// gene by symbol, by Ensembl id (version suffix ignored) or as an EPD
/// promoter id "SYMBOL_N". A gene's several sequences are joined with "N",
/// which no k-mer spans. Every record is checked with check_dna.
struct GeneSequences {
  std::vector<std::string> sequence;  ///< per universe gene; empty when none
  std::int64_t records = 0;           ///< records in the file
  std::int64_t matched = 0;           ///< records that matched a universe gene
};
GeneSequences read_gene_sequences(const std::string& path, const sdk::GeneTable& genes, const std::string& who);

}  // namespace trellis::encoders

#pragma once
/// @file dna_sequence.hpp
/// DNA as text and as tokens: the alphabet check every sequence reader
/// applies, sequence files (FASTA or TSV) read per record or per gene, the
/// reverse complement, and the token codes DNA language models read.

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

class GeneTable;

/// Token codes: A C G T, then one code for N and for a masked position
/// (a masked base and an unknown base carry the same information).
enum DnaToken : std::int64_t { kBaseA = 0, kBaseC = 1, kBaseG = 2, kBaseT = 3, kBaseN = 4 };
constexpr std::int64_t kDnaTokens = 5;

/// Throws sdk::Error when `sequence` holds a character other than A, C, G, T
/// or N (any case), naming the gene, `where` it came from (e.g.
/// "file 'x.fa', line 12") and how to fix it.
TRELLIS_SDK_API void check_dna(const std::string& sequence, const std::string& gene, const std::string& where);

/// One record of a sequence file, as written (case kept: lower case marks
/// soft-masked repeats).
struct TRELLIS_SDK_API SequenceRecord {
  std::string id;
  std::string sequence;
  long line = 0;  ///< where the record starts, for messages
};

/// Every record of `path`: FASTA (">id ..." header lines, the sequence on the
/// following lines) or TSV (id<TAB>sequence; a first line whose second field
/// is "sequence" is a header). Every record is checked with check_dna.
/// `option` names the setting that gave the path, for messages.
TRELLIS_SDK_API std::vector<SequenceRecord> read_sequence_records(const std::string& path, const std::string& option);

/// Sequences of the universe's genes from `path` (read_sequence_records). An
/// id matches a gene by symbol, by Ensembl id (version suffix ignored) or as
/// an EPD promoter id "SYMBOL_N".
struct TRELLIS_SDK_API GeneSequences {
  /// Per universe gene, its records joined with "N" (which no k-mer spans);
  /// empty when none.
  std::vector<std::string> sequence;
  /// Per universe gene, its records one by one (e.g. alternative promoters).
  std::vector<std::vector<std::string>> records;
  std::int64_t total = 0;    ///< records in the file
  std::int64_t matched = 0;  ///< records that matched a universe gene
};
TRELLIS_SDK_API GeneSequences read_gene_sequences(const std::string& path, const GeneTable& genes);

/// The token of a base (any case); N and anything else give kBaseN.
TRELLIS_SDK_API std::int64_t dna_token(char base);
/// The tokens of a sequence, [L] int64.
TRELLIS_SDK_API at::Tensor dna_tokens(const std::string& sequence);
/// The reverse complement of a sequence (case kept, N stays N).
TRELLIS_SDK_API std::string reverse_complement(const std::string& sequence);
/// The reverse complement of tokens [..., L]: reversed along the last
/// dimension, A<->T and C<->G swapped, N (mask) kept.
TRELLIS_SDK_API at::Tensor reverse_complement_tokens(const at::Tensor& tokens);

}  // namespace trellis::sdk

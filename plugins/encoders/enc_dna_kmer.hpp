#pragma once
// Canonical k-mers, shared by encoder/dna_kmer and its tests.

#include <cstdint>
#include <string>
#include <vector>

namespace trellis::encoders {

/// The canonical k-mers (each the smaller, in A<C<G<T order, of itself and its
/// reverse complement), sorted: column j of the spectrum counts kmers[j].
std::vector<std::string> canonical_kmers(int k);

/// Counts of the canonical k-mers of `sequence` (any case; k-mers holding an
/// N are skipped), indexed like canonical_kmers(k). Non-zero entries only, as
/// (column, count), sorted by column.
std::vector<std::pair<std::int64_t, std::int64_t>> canonical_kmer_counts(const std::string& sequence, int k);

}  // namespace trellis::encoders

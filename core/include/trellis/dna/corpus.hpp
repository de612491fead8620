#pragma once
// The training corpus of a DNA language model: sequence files cut into
// fixed-length windows, split into training and validation by gene.

#include <cstdint>
#include <string>
#include <vector>

namespace trellis::core::dna {

struct CorpusSettings {
  std::vector<std::string> files;   ///< FASTA or TSV (id<TAB>sequence), plain or gzip
  std::int64_t window = 300;        ///< bases per window
  std::int64_t stride = 300;        ///< bases between window starts
  std::int64_t min_length = 50;     ///< shorter records are left out
  double validation_fraction = 0.05;
  std::uint64_t seed = 1;
};

/// Windows of equal length (a record shorter than the window is padded with
/// N at its end), upper case for ordinary bases and lower case for
/// soft-masked ones, as in the file.
struct Windows {
  std::vector<std::string> sequence;
  std::vector<std::string> record;  ///< the id of the record each came from
  std::int64_t size() const { return static_cast<std::int64_t>(sequence.size()); }
};

struct Corpus {
  Windows train, validation;
  std::int64_t records = 0;           ///< records read
  std::int64_t short_records = 0;     ///< left out: shorter than min_length
  std::int64_t train_groups = 0, validation_groups = 0;
};

/// The group a record belongs to for the split: the gene of an EPD promoter
/// id "SYMBOL_N" (a gene's alternative promoters overlap, so they must fall
/// on the same side), else the id itself.
std::string split_group(const std::string& record_id);

/// The start of every window of a record of `length` bases: 0, stride,
/// 2 stride, ... while the window fits, plus one ending at the record's
/// end when the stride does not reach it; {0} for a record shorter than
/// the window.
std::vector<std::int64_t> window_starts(std::int64_t length, std::int64_t window, std::int64_t stride);

/// Reads the files and cuts them. A group goes to validation when a seeded
/// hash of its name falls below validation_fraction, so the split does not
/// depend on the order of the files. Throws sdk::Error naming the files
/// when nothing is left to train on or to validate with.
Corpus build_corpus(const CorpusSettings& settings);

}  // namespace trellis::core::dna

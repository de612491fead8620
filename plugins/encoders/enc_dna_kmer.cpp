// encoder/dna_kmer: the alignment-free sequence stand-in for GRAPE's
// HyenaDNA embedding (METHODS.md): each gene's canonical k-mer spectrum
// (a k-mer and its reverse complement are one feature, since a promoter may
// be read from either strand), as frequencies, then a seeded truncated SVD.
//
// Frequencies (counts / the gene's k-mer total) make genes with longer or
// more sequences comparable. transform = "log" maps a frequency f to
// ln(1 + f * C) (C = number of canonical k-mers), so a k-mer at the uniform
// frequency 1/C gives ln 2 and frequent repeats (CpG islands, poly-A) weigh
// less. The spectrum is sparse (a 60 bp promoter has at most 57 k-mers), so
// the SVD works on a sparse matrix at any k.
#include "enc_dna_kmer.hpp"
#include "encoders.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "column_counts.hpp"
#include "trellis/sdk/dna_sequence.hpp"
#include "trellis/sdk/missing_rows.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/options.hpp"
#include "truncated_svd.hpp"

namespace trellis::encoders {

namespace {

const std::string kWho = "encoder/dna_kmer";
constexpr int kMaxK = 12;

int code_of(char c) {
  switch (c) {
    case 'A': case 'a': return 0;
    case 'C': case 'c': return 1;
    case 'G': case 'g': return 2;
    case 'T': case 't': return 3;
    default: return -1;  // N (or a separator)
  }
}

std::uint32_t reverse_complement(std::uint32_t code, int k) {
  std::uint32_t out = 0;
  for (int i = 0; i < k; ++i) {
    out = (out << 2) | (3U - (code & 3U));  // complement: A<->T (0<->3), C<->G (1<->2)
    code >>= 2;
  }
  return out;
}

std::uint32_t canonical(std::uint32_t code, int k) { return std::min(code, reverse_complement(code, k)); }

/// The sorted canonical codes of length k.
const std::vector<std::uint32_t>& canonical_codes(int k) {
  static std::vector<std::uint32_t> by_k[kMaxK + 1];
  static std::once_flag once[kMaxK + 1];
  std::call_once(once[k], [k] {
    auto& codes = by_k[k];
    const std::uint32_t total = 1U << (2 * k);
    for (std::uint32_t c = 0; c < total; ++c)
      if (canonical(c, k) == c) codes.push_back(c);
  });
  return by_k[k];
}

class DnaKmer : public sdk::FeatureEncoder {
 public:
  explicit DnaKmer(const sdk::Options& options)
      : k_(options.get_int("k")),
        dim_(options.get_int("dim")),
        transform_(options.get_string("transform")),
        sequences_file_(options.get_path("sequences_file")),
        seed_(options.get_int("seed")),
        power_iterations_(options.get_int("power_iterations")),
        missing_flag_(options.get_bool("missing_flag")) {}

  at::Tensor encode(const sdk::BuildContext& context) override {
    const sdk::GeneTable& genes = context.gene_table();
    const std::int64_t n = genes.size();
    const int k = static_cast<int>(k_);
    std::vector<std::string> from_file;
    if (!sequences_file_.empty()) {
      auto read = sdk::read_gene_sequences(sequences_file_, genes);
      sdk::log_info(kWho + ": " + std::to_string(read.matched) + " of " + std::to_string(read.total) +
                    " sequences in '" + sequences_file_ + "' belong to universe genes");
      from_file = std::move(read.sequence);
    } else {
      for (std::int64_t g = 0; g < n; ++g)
        sdk::check_dna(genes.at(g).sequence, genes.at(g).symbol, "Gene::sequence from the annotation");
    }
    const auto sequence_of = [&](std::int64_t g) -> const std::string& {
      return from_file.empty() ? genes.at(g).sequence : from_file[static_cast<std::size_t>(g)];
    };

    const auto columns = static_cast<std::int64_t>(canonical_codes(k).size());
    std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> counts(static_cast<std::size_t>(n));
    at::parallel_for(0, n, 256, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t g = begin; g < end; ++g)
        counts[static_cast<std::size_t>(g)] = canonical_kmer_counts(sequence_of(g), k);
    });

    std::int64_t nnz = 0;
    for (const auto& c : counts) nnz += static_cast<std::int64_t>(c.size());
    at::Tensor indices = at::empty({2, nnz}, at::kLong);
    at::Tensor values = at::empty({nnz}, at::kDouble);
    auto index = indices.accessor<std::int64_t, 2>();
    auto value = values.accessor<double, 1>();
    std::vector<bool> present(static_cast<std::size_t>(n), false);
    std::int64_t e = 0;
    const bool log = transform_ == "log";
    for (std::int64_t g = 0; g < n; ++g) {
      const auto& row = counts[static_cast<std::size_t>(g)];
      double total = 0;
      for (const auto& entry : row) total += static_cast<double>(entry.second);
      present[static_cast<std::size_t>(g)] = total > 0;
      for (const auto& [column, count] : row) {
        const double f = static_cast<double>(count) / total;
        index[0][e] = g;
        index[1][e] = column;
        value[e] = log ? std::log1p(f * static_cast<double>(columns)) : f;
        ++e;
      }
    }
    const at::Tensor spectra =
        at::_sparse_coo_tensor_unsafe(indices, values, {n, columns}, at::kDouble)._coalesced_(true);
    const std::uint64_t seed = seed_ >= 0 ? static_cast<std::uint64_t>(seed_) : context.seed;
    const at::Tensor features = truncated_svd(spectra, dim_, seed, /*oversample=*/10, power_iterations_);
    sdk::log_info(kWho + ": " + std::to_string(columns) + " canonical " + std::to_string(k) + "-mers" +
                  (columns < dim_ ? " (fewer than dim = " + std::to_string(dim_) + ": the last columns are zero)"
                                  : std::string()));
    const at::Tensor out = sdk::with_missing_flag(features, present, kWho, "sequence");
    return missing_flag_ ? out : out.narrow(1, 0, out.size(1) - 1).contiguous();
  }

 private:
  std::int64_t k_;
  std::int64_t dim_;
  std::string transform_;
  std::string sequences_file_;
  std::int64_t seed_;
  std::int64_t power_iterations_;
  bool missing_flag_;
};

}  // namespace

std::vector<std::string> canonical_kmers(int k) {
  if (k < 1 || k > kMaxK) throw sdk::Error("k must be between 1 and " + std::to_string(kMaxK));
  std::vector<std::string> out;
  for (const auto code : canonical_codes(k)) {
    std::string s(static_cast<std::size_t>(k), 'A');
    for (int i = k - 1, c = static_cast<int>(code); i >= 0; --i, c >>= 2) s[static_cast<std::size_t>(i)] = "ACGT"[c & 3];
    out.push_back(s);
  }
  return out;
}

std::vector<std::pair<std::int64_t, std::int64_t>> canonical_kmer_counts(const std::string& sequence, int k) {
  if (k < 1 || k > kMaxK) throw sdk::Error("k must be between 1 and " + std::to_string(kMaxK));
  const auto& codes = canonical_codes(k);
  const std::uint32_t mask = (1U << (2 * k)) - 1U;
  std::vector<std::int64_t> columns;
  std::uint32_t code = 0;
  int valid = 0;  // bases since the last N
  for (const char c : sequence) {
    const int b = code_of(c);
    if (b < 0) {
      valid = 0;
      continue;
    }
    code = ((code << 2) | static_cast<std::uint32_t>(b)) & mask;
    if (++valid < k) continue;
    const std::uint32_t key = canonical(code, k);
    columns.push_back(std::lower_bound(codes.begin(), codes.end(), key) - codes.begin());
  }
  return count_columns(std::move(columns));
}

sdk::OptionSchema dna_kmer_options() {
  sdk::OptionSchema s;
  s.add("k", std::int64_t{4}, "k-mer length (1-12); a k-mer and its reverse complement count as one")
      .range(1, kMaxK);
  s.add("dim", std::int64_t{64}, "output dimension (SVD components; zero columns beyond the number of k-mers)").min(1);
  s.add("transform", "frequency",
        "per-gene k-mer values: \"frequency\" (count / the gene's k-mer total) or \"log\" (ln(1 + frequency * "
        "number of canonical k-mers))")
      .choices({"frequency", "log"});
  s.add_path("sequences_file", "",
        "FASTA or TSV (id<TAB>sequence) keyed by gene symbol, Ensembl id or EPD promoter id (SYMBOL_N); a "
        "gene's sequences are joined. Empty: each gene's annotated sequence (its EPD promoter)");
  s.add("seed", std::int64_t{-1}, "seed of the randomized SVD; -1: the run's seed").min(-1);
  s.add("power_iterations", std::int64_t{4},
        "power iterations of the randomized SVD: more = more accurate trailing components, each costs two "
        "passes over the matrix")
      .min(0);
  s.add("missing_flag", true, "append a column that is 1 for genes without sequence (their row is zero)");
  return s;
}

std::shared_ptr<sdk::FeatureEncoder> make_dna_kmer(const sdk::Options& options) {
  return std::make_shared<DnaKmer>(options);
}

}  // namespace trellis::encoders

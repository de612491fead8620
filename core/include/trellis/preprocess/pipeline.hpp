#pragma once
// The whole preprocessing step (normalise, HVG, pseudobulk, DE) and its
// on-disk cache in a run directory.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trellis/preprocess/differential.hpp"
#include "trellis/preprocess/pseudobulk.hpp"
#include "trellis/sdk/table.hpp"

namespace trellis::core::preprocess {

/// What the input matrix holds.
enum class InputScale { automatic, counts, log_normalised };

struct PreprocessOptions {
  InputScale input = InputScale::automatic;  ///< automatic: looks_like_counts decides
  double target_sum = 1e4;
  std::int64_t n_top_genes = 0;              ///< 0 keeps every gene
  std::vector<std::int64_t> forced_genes;    ///< columns always kept (measured perturbed genes)

  nlohmann::json to_json() const;
};

/// Everything the models need from the expression data, over the kept genes.
struct Preprocessed {
  std::string key;                           ///< hash of inputs and options (cache key)
  std::vector<std::string> condition_names;  ///< rows of `pseudobulk.means`
  std::int64_t control = -1;                 ///< the first condition's control (the only one without contexts)
  std::vector<std::int64_t> control_of;      ///< per condition: the control of its context
  std::vector<std::int64_t> genes;           ///< kept columns of the input, ascending
  std::vector<std::int64_t> hvg;             ///< = genes when HVG selection ran, else empty
  bool normalised = false;                   ///< the input was counts and was normalised here
  Pseudobulk pseudobulk;
  std::vector<float> control_mean;           ///< pseudobulk of `control`
  DifferentialExpression de;

  /// The control of condition `c`'s context (`control` when `c` is out of range).
  std::int64_t control_for(std::int64_t c) const {
    return c >= 0 && c < static_cast<std::int64_t>(control_of.size()) ? control_of[static_cast<std::size_t>(c)]
                                                                       : control;
  }
};

/// Order-sensitive 64-bit hash for cache keys (not cryptographic; stable
/// across platforms of the same endianness).
class Hasher {
 public:
  Hasher& bytes(const void* data, std::size_t size);
  Hasher& text(const std::string& s);
  template <class T, class Allocator>
  Hasher& vec(const std::vector<T, Allocator>& v) {
    const std::uint64_t n = v.size();
    bytes(&n, sizeof n);
    return bytes(v.data(), v.size() * sizeof(T));
  }
  std::string hex() const;

 private:
  std::uint64_t h1_ = 0x9E3779B97F4A7C15ull;
  std::uint64_t h2_ = 0xC2B2AE3D27D4EB4Full;
};

/// Cache key of a preprocessing run: the raw matrix, the cell conditions,
/// the condition names, each condition's control and the options.
std::string preprocess_key(const sdk::CsrMatrix& X, const std::vector<std::int64_t>& cell_condition,
                           const std::vector<std::string>& condition_names,
                           const std::vector<std::int64_t>& control_of, const PreprocessOptions& options);

/// Runs the step: `X` is normalised in place when it holds counts
/// (check_counts first when declared as counts), reduced to the kept genes,
/// then pseudobulk and DE are computed on it. Conditions with fewer than 2
/// cells end up in `de.skipped` (the caller warns).
/// `cell_names` and `gene_names` (optional) name the culprit in the counts
/// check's message.
Preprocessed preprocess(sdk::CsrMatrix& X, const std::vector<std::int64_t>& cell_condition,
                        const std::vector<std::string>& condition_names, std::int64_t control,
                        const PreprocessOptions& options, const std::vector<std::string>& cell_names = {},
                        const std::vector<std::string>& gene_names = {});
/// The same with one control per condition (`control_of[c]`: the control
/// of condition c's context); DE tests each condition against it.
Preprocessed preprocess(sdk::CsrMatrix& X, const std::vector<std::int64_t>& cell_condition,
                        const std::vector<std::string>& condition_names, const std::vector<std::int64_t>& control_of,
                        const PreprocessOptions& options, const std::vector<std::string>& cell_names = {},
                        const std::vector<std::string>& gene_names = {});

/// Writes `p` to `dir/preprocessed.bin` atomically (the folder is created).
void save_preprocessed(const std::filesystem::path& dir, const Preprocessed& p);

/// The cached result in `dir` when its key equals `key`; nullopt when there
/// is none or it is stale. Throws trellis::sdk::Error naming the file when it
/// is damaged (delete it to recompute).
std::optional<Preprocessed> load_preprocessed(const std::filesystem::path& dir, const std::string& key);

}  // namespace trellis::core::preprocess

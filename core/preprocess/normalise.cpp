#include "trellis/preprocess/normalise.hpp"

#include <cmath>
#include <cstdint>
#include <sstream>

#include "trellis/sdk/error.hpp"

namespace trellis::core::preprocess {

bool looks_like_counts(const sdk::CsrMatrix& X) {
  const auto n = static_cast<std::int64_t>(X.values.size());
  const float* v = X.values.data();
  bool ok = true;
#pragma omp parallel for schedule(static) reduction(&& : ok)
  for (std::int64_t i = 0; i < n; ++i) {
    ok = ok && v[i] >= 0.0f && std::floor(v[i]) == v[i];
  }
  return ok;
}

void check_counts(const sdk::CsrMatrix& X, const std::vector<std::string>& cell_names,
                  const std::vector<std::string>& gene_names) {
  for (std::int64_t r = 0; r < X.rows; ++r) {
    for (std::int64_t k = X.indptr[r]; k < X.indptr[r + 1]; ++k) {
      const float value = X.values[static_cast<std::size_t>(k)];
      if (!(value < 0.0f)) continue;
      const std::int32_t c = X.indices[static_cast<std::size_t>(k)];
      std::ostringstream msg;
      msg << "negative counts where counts are expected: cell ";
      if (static_cast<std::int64_t>(cell_names.size()) == X.rows) msg << "'" << cell_names[r] << "'";
      else msg << r;
      msg << " gene ";
      if (static_cast<std::int64_t>(gene_names.size()) == X.cols) msg << "'" << gene_names[c] << "'";
      else msg << c;
      msg << " value " << value
          << ". Counts cannot be negative: if this matrix is already normalised, declare it as "
             "log-normalised in the data configuration; otherwise fix the input file.";
      throw sdk::Error(msg.str());
    }
  }
}

void normalise_log1p(sdk::CsrMatrix& X, double target_sum) {
  if (!(target_sum > 0.0) || !std::isfinite(target_sum)) {
    std::ostringstream msg;
    msg << "normalisation target sum must be a positive number, got " << target_sum;
    throw sdk::Error(msg.str());
  }
  const std::int64_t rows = X.rows;
#pragma omp parallel for schedule(static)
  for (std::int64_t r = 0; r < rows; ++r) {
    const auto begin = static_cast<std::size_t>(X.indptr[r]);
    const auto end = static_cast<std::size_t>(X.indptr[r + 1]);
    double total = 0.0;
    for (std::size_t k = begin; k < end; ++k) total += X.values[k];
    // scanpy leaves empty cells at zero instead of dividing by zero.
    const double scale = total > 0.0 ? target_sum / total : 1.0;
    for (std::size_t k = begin; k < end; ++k) {
      // Float log1p: the result is stored as float anyway and this is the hot loop.
      X.values[k] = std::log1p(static_cast<float>(static_cast<double>(X.values[k]) * scale));
    }
  }
}

}  // namespace trellis::core::preprocess

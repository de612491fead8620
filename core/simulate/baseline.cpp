#include "trellis/simulate/baseline.hpp"

#include <cmath>
#include <string>

#include "trellis/sdk/error.hpp"
#include "trellis/io/tables.hpp"
#include "trellis/simulate/random.hpp"

namespace trellis::core::simulate {

namespace {

double positive_number(const std::string& text, const std::filesystem::path& file, std::size_t row,
                       const char* column) {
  std::size_t used = 0;
  double value = 0.0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(value) || value <= 0.0)
    throw sdk::Error(file.string() + ":" + std::to_string(row + 2) + ": " + column + " '" + text +
                     "' is not a positive number");
  return value;
}

}  // namespace

Baseline sample_baseline(std::size_t count, const std::filesystem::path& baseline_file, double log_sd, double size,
                         Rng& rng) {
  Baseline baseline;
  baseline.relative_expression.reserve(count);
  baseline.size.reserve(count);
  if (baseline_file.empty()) {
    for (std::size_t i = 0; i < count; ++i) {
      baseline.relative_expression.push_back(std::exp(log_sd * rng.normal()));
      baseline.size.push_back(size);
    }
    return baseline;
  }
  const auto table = io::read_tsv_columns(baseline_file, {"relative_expression", "expression_size"});
  const std::size_t rows = table[0].size();
  if (rows == 0) throw sdk::Error(baseline_file.string() + ": has no rows below its header");
  std::vector<std::size_t> order(rows);
  for (std::size_t i = 0; i < rows; ++i) order[i] = i;
  for (std::size_t i = 0; i < count; ++i) {
    // Fresh permutation passes once the rows are used up (more genes than rows).
    const std::size_t pos = i % rows;
    std::swap(order[pos], order[pos + rng.below(rows - pos)]);
    const std::size_t row = order[pos];
    baseline.relative_expression.push_back(
        positive_number(table[0][row], baseline_file, row, "relative_expression"));
    baseline.size.push_back(positive_number(table[1][row], baseline_file, row, "expression_size"));
  }
  return baseline;
}

}  // namespace trellis::core::simulate

// Predictions as .h5ad or CSV.
#include "trellis/experiment/predictions.hpp"

#include <cstdio>
#include <sstream>

#include <ATen/ATen.h>

#include "trellis/io/h5ad.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/util/atomic_file.hpp"
#include "trellis/util/csv.hpp"

namespace trellis::core::experiment {

namespace {

using util::csv_field;

// Predictions are dense: every value is stored (zeros included) so readers
// see exactly the predicted matrix.
sdk::CsrMatrix dense_csr(const at::Tensor& values) {
  const at::Tensor v = values.to(at::kFloat).contiguous();
  sdk::CsrMatrix m;
  m.rows = v.size(0);
  m.cols = v.size(1);
  const std::int64_t nnz = m.rows * m.cols;
  m.indices.resize(static_cast<std::size_t>(nnz));
  m.values.resize(static_cast<std::size_t>(nnz));
  m.indptr.resize(static_cast<std::size_t>(m.rows + 1));
  const float* src = v.data_ptr<float>();
  for (std::int64_t r = 0; r < m.rows; ++r) {
    m.indptr[static_cast<std::size_t>(r)] = r * m.cols;
    for (std::int64_t c = 0; c < m.cols; ++c) {
      const auto k = static_cast<std::size_t>(r * m.cols + c);
      m.indices[k] = static_cast<std::int32_t>(c);
      m.values[k] = src[k];
    }
  }
  m.indptr[static_cast<std::size_t>(m.rows)] = nnz;
  return m;
}

std::string to_csv(const PredictionTable& table, const at::Tensor& v) {
  std::ostringstream out;
  out << "condition";
  for (const auto& g : table.genes) out << ',' << csv_field(g);
  out << '\n';
  const float* p = v.data_ptr<float>();
  char buffer[32];
  for (std::size_t r = 0; r < table.conditions.size(); ++r) {
    out << csv_field(table.conditions[r]);
    for (std::size_t c = 0; c < table.genes.size(); ++c) {
      std::snprintf(buffer, sizeof buffer, ",%.7g", p[r * table.genes.size() + c]);
      out << buffer;
    }
    out << '\n';
  }
  return out.str();
}

}  // namespace

void write_predictions(const PredictionTable& table, const std::filesystem::path& file) {
  const at::Tensor v = table.values.to(at::kFloat).contiguous();
  if (v.dim() != 2 || v.size(0) != static_cast<std::int64_t>(table.conditions.size()) ||
      v.size(1) != static_cast<std::int64_t>(table.genes.size()))
    throw sdk::Error("predictions for '" + file.string() + "' do not match " +
                     std::to_string(table.conditions.size()) + " conditions x " +
                     std::to_string(table.genes.size()) + " genes");
  const std::string ext = file.extension().string();
  if (ext == ".csv") {
    util::write_file_atomic(file, to_csv(table, v));
    return;
  }
  if (ext != ".h5ad")
    throw sdk::Error("cannot write predictions to '" + file.string() + "': use a .h5ad or .csv file name");
  sdk::AnnData data;
  data.X = dense_csr(v);
  data.obs.index = table.conditions;
  // The names again as a column: `trellis eval` (and tools that reset the
  // index) read conditions from obs['condition'].
  data.obs.set("condition", sdk::Column::categorical_from(table.conditions));
  for (const auto& [name, values] : table.obs) data.obs.set(name, sdk::Column::categorical_from(values));
  data.var.index = table.genes;
  data.uns["trellis"] = {{"content", "predicted mean expression per condition (log1p normalised)"}};
  io::write_h5ad(data, file);
}

}  // namespace trellis::core::experiment

#include "truncated_svd.hpp"

#include <algorithm>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Functions.h>
#include <ATen/Parallel.h>
#include <ATen/core/Generator.h>

namespace trellis::encoders {

namespace {

// A sparse matrix in compressed rows, multiplied by dense blocks with one
// parallel pass over its rows (ATen's COO product is serial and several
// times slower at text-corpus sizes).
struct CsrMatrix {
  std::int64_t rows = 0, cols = 0;
  std::vector<std::int64_t> start;  // rows + 1
  std::vector<std::int64_t> column;
  std::vector<double> value;
};

// `coo` coalesced (sorted by row, then column); `transpose` builds A^T.
CsrMatrix to_csr(const at::Tensor& coo, bool transpose) {
  const at::Tensor index = coo.indices().contiguous();
  const at::Tensor values = coo.values().to(at::kDouble).contiguous();
  const std::int64_t nnz = values.numel();
  const auto* row = index[transpose ? 1 : 0].contiguous().data_ptr<std::int64_t>();
  const auto* col = index[transpose ? 0 : 1].contiguous().data_ptr<std::int64_t>();
  const auto* v = values.data_ptr<double>();
  CsrMatrix m;
  m.rows = coo.size(transpose ? 1 : 0);
  m.cols = coo.size(transpose ? 0 : 1);
  m.start.assign(static_cast<std::size_t>(m.rows + 1), 0);
  for (std::int64_t k = 0; k < nnz; ++k) ++m.start[static_cast<std::size_t>(row[k] + 1)];
  for (std::int64_t r = 0; r < m.rows; ++r) m.start[static_cast<std::size_t>(r + 1)] += m.start[static_cast<std::size_t>(r)];
  std::vector<std::int64_t> fill(m.start.begin(), m.start.end() - 1);
  m.column.resize(static_cast<std::size_t>(nnz));
  m.value.resize(static_cast<std::size_t>(nnz));
  for (std::int64_t k = 0; k < nnz; ++k) {  // stable: columns stay sorted within a row
    const auto at = static_cast<std::size_t>(fill[static_cast<std::size_t>(row[k])]++);
    m.column[at] = col[k];
    m.value[at] = v[k];
  }
  return m;
}

at::Tensor times(const CsrMatrix& a, const at::Tensor& dense) {
  const at::Tensor b = dense.contiguous();
  const std::int64_t width = b.size(1);
  at::Tensor out = at::zeros({a.rows, width}, b.options());
  const double* in = b.data_ptr<double>();
  double* o = out.data_ptr<double>();
  at::parallel_for(0, a.rows, 64, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      double* target = o + r * width;
      for (std::int64_t k = a.start[static_cast<std::size_t>(r)]; k < a.start[static_cast<std::size_t>(r + 1)]; ++k) {
        const double w = a.value[static_cast<std::size_t>(k)];
        const double* source = in + a.column[static_cast<std::size_t>(k)] * width;
        for (std::int64_t j = 0; j < width; ++j) target[j] += w * source[j];
      }
    }
  });
  return out;
}

// A and A^T as operators on dense blocks, whichever A's layout.
struct Operator {
  at::Tensor dense;  // defined for a dense A
  CsrMatrix a, at;   // otherwise
  at::Tensor apply(const at::Tensor& x) const { return dense.defined() ? dense.matmul(x) : times(a, x); }
  at::Tensor apply_transposed(const at::Tensor& x) const { return dense.defined() ? dense.t().matmul(x) : times(at, x); }
};

at::Tensor householder_orthonormal(const at::Tensor& y) { return std::get<0>(at::linalg_qr(y, "reduced")); }

// A well-conditioned basis of y's columns for the power iterations: Cholesky
// QR (two BLAS-3 products, several times faster than Householder QR on tall
// blocks), falling back to Householder when y^T y is not positive definite.
// Exact orthonormality is only needed for the final basis.
at::Tensor cheap_orthonormal(const at::Tensor& y) {
  auto [factor, info] = at::linalg_cholesky_ex(y.t().matmul(y));
  if (info.item<std::int64_t>() != 0) return householder_orthonormal(y);
  return at::linalg_solve_triangular(factor, y.t(), /*upper=*/false).t();
}

}  // namespace

at::Tensor truncated_svd(const at::Tensor& matrix, std::int64_t dim, std::uint64_t seed, std::int64_t oversample,
                         std::int64_t power_iterations) {
  const std::int64_t rows = matrix.size(0), cols = matrix.size(1);
  const std::int64_t rank = std::min({dim, rows, cols});
  at::Tensor out = at::zeros({rows, std::max<std::int64_t>(dim, 0)}, at::kFloat);
  if (rank <= 0) return out;
  Operator a;
  if (matrix.is_sparse()) {
    const at::Tensor coo = matrix.coalesce();
    a.a = to_csr(coo, false);
    a.at = to_csr(coo, true);
  } else {
    a.dense = matrix.to(at::kDouble).contiguous();
  }
  const std::int64_t width = std::min(rank + oversample, std::min(rows, cols));

  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  const at::Tensor omega = at::randn({cols, width}, generator, at::TensorOptions().dtype(at::kDouble));
  at::Tensor q = cheap_orthonormal(a.apply(omega));
  for (std::int64_t i = 0; i < power_iterations; ++i) {
    q = cheap_orthonormal(a.apply_transposed(q));
    q = cheap_orthonormal(a.apply(q));
  }
  q = householder_orthonormal(q);
  // A ~ Q B with B = Q^T A = W^T, W = A^T Q [cols, width]. B's left singular
  // vectors and values come from the small Gram matrix B B^T = W^T W.
  const at::Tensor w = a.apply_transposed(q);
  auto [eigenvalues, eigenvectors] = at::linalg_eigh(w.t().matmul(w));
  // eigh sorts ascending: take the last `rank`, largest first.
  const at::Tensor order = at::arange(width - 1, width - 1 - rank, -1, at::kLong);
  const at::Tensor s = eigenvalues.index_select(0, order).clamp_min(0).sqrt();
  at::Tensor us = q.matmul(eigenvectors.index_select(1, order)) * s;
  // Sign convention: the largest-magnitude entry of each component is positive.
  const at::Tensor pivot = us.abs().argmax(0);
  const at::Tensor signs = at::sign(us.gather(0, pivot.unsqueeze(0))).squeeze(0);
  us = us * at::where(signs == 0, at::ones_like(signs), signs);
  out.narrow(1, 0, rank).copy_(us.to(at::kFloat));
  return out;
}

at::Tensor sorted_sparse_matrix(std::int64_t rows, std::int64_t cols, const std::vector<std::int64_t>& row_index,
                                const std::vector<std::int64_t>& col_index, const std::vector<double>& values) {
  const auto nnz = static_cast<std::int64_t>(values.size());
  at::Tensor indices = at::empty({2, nnz}, at::kLong);
  std::copy(row_index.begin(), row_index.end(), indices.data_ptr<std::int64_t>());
  std::copy(col_index.begin(), col_index.end(), indices.data_ptr<std::int64_t>() + nnz);
  at::Tensor value = at::empty({nnz}, at::kDouble);
  std::copy(values.begin(), values.end(), value.data_ptr<double>());
  return at::_sparse_coo_tensor_unsafe(indices, value, {rows, cols}, at::kDouble)._coalesced_(true);
}

}  // namespace trellis::encoders

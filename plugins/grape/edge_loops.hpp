#pragma once
// Plain loops over edges, shared by the structure learners' pair products
// and the GAT's aggregation: ATen's gathers (index_select) and element-wise
// products materialise one row per edge and ran far below memory speed
// here, and this library is built without OpenMP (at::parallel_for would
// run serially), so the loops split their work over at::get_num_threads()
// std::threads.

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

#include <ATen/Parallel.h>

namespace trellis::grape {

/// Runs f(part_begin, part_end) over `bounds` (parts[i] .. parts[i + 1]), one thread per part.
template <class F>
void run_parts(const std::vector<std::int64_t>& bounds, const F& f) {
  std::vector<std::thread> threads;
  for (std::size_t p = 1; p + 1 < bounds.size(); ++p) threads.emplace_back(f, bounds[p], bounds[p + 1]);
  if (bounds.size() > 1) f(bounds[0], bounds[1]);
  for (auto& t : threads) t.join();
}

/// [0, n) in about equal parts, one per thread (one part when n is small).
inline std::vector<std::int64_t> even_parts(std::int64_t n) {
  const std::int64_t parts = n < 4096 ? 1 : std::max<std::int64_t>(1, at::get_num_threads());
  std::vector<std::int64_t> bounds;
  for (std::int64_t p = 0; p <= parts; ++p) bounds.push_back(n * p / parts);
  return bounds;
}

/// Parts of about equal work over groups [0, groups), where group i holds
/// the items start[i] .. start[i + 1].
inline std::vector<std::int64_t> balanced_parts(const std::vector<std::int64_t>& start) {
  const auto groups = static_cast<std::int64_t>(start.size()) - 1;
  const std::int64_t items = start.back();
  const std::int64_t parts = items < 4096 ? 1 : std::max<std::int64_t>(1, at::get_num_threads());
  std::vector<std::int64_t> bounds{0};
  for (std::int64_t p = 1; p < parts; ++p) {
    const auto at = std::lower_bound(start.begin(), start.end(), items * p / parts) - start.begin();
    bounds.push_back(std::max(bounds.back(), std::min<std::int64_t>(at, groups)));
  }
  bounds.push_back(groups);
  return bounds;
}

template <class T>
T dot(const T* a, const T* b, std::int64_t n) {
  // Eight partial sums: the compiler vectorises this without -ffast-math.
  T acc[8] = {};
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += a[i + j] * b[i + j];
  T sum = 0;
  for (; i < n; ++i) sum += a[i] * b[i];
  for (int j = 0; j < 8; ++j) sum += acc[j];
  return sum;
}

/// y += a * x over n values.
template <class T>
void axpy(T a, const T* x, T* y, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

}  // namespace trellis::grape

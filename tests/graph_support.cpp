#include "graph_support.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include "catch.hpp"

namespace trellis::test {

EdgeMap edges(const sdk::Graph& g) {
  EdgeMap out;
  const at::Tensor ei = g.edge_index.to(at::kCPU);
  const at::Tensor w = g.weights_or_ones().detach().to(at::kCPU).to(at::kDouble);
  for (std::int64_t e = 0; e < g.num_edges(); ++e) {
    const auto key = std::make_pair(ei[0][e].item<std::int64_t>(), ei[1][e].item<std::int64_t>());
    CHECK(out.count(key) == 0);
    out[key] = w[e].item<double>();
  }
  return out;
}

EdgeMap dense_edges(const at::Tensor& a, std::int64_t k) {
  const at::Tensor m = a.to(at::kDouble).contiguous();
  EdgeMap out;
  for (std::int64_t i = 0; i < m.size(0); ++i) {
    std::vector<std::pair<double, std::int64_t>> row;
    for (std::int64_t j = 0; j < m.size(1); ++j)
      if (m[i][j].item<double>() > 0) row.push_back({-m[i][j].item<double>(), j});
    std::sort(row.begin(), row.end());
    if (k > 0 && static_cast<std::int64_t>(row.size()) > k) row.resize(static_cast<std::size_t>(k));
    for (const auto& [v, j] : row) out[{j, i}] = -v;
  }
  return out;
}

void check_same_edges(const EdgeMap& got, const EdgeMap& expected, double tolerance) {
  REQUIRE(got.size() == expected.size());
  for (const auto& [key, w] : expected) {
    INFO(key.first << " -> " << key.second);
    REQUIRE(got.count(key));
    CHECK(got.at(key) == Approx(w).margin(tolerance));
  }
}

sdk::GeneTable numbered_genes(std::int64_t n) {
  sdk::GeneTable t;
  for (std::int64_t i = 0; i < n; ++i) {
    sdk::Gene g;
    g.symbol = "G" + std::to_string(i);
    t.add(g);
  }
  return t;
}

namespace {
at::Tensor unit_rows(const at::Tensor& x) {
  const at::Tensor n = x.norm(2, {1}, true);
  return at::where(n > 0, x / at::where(n > 0, n, at::ones_like(n)), at::zeros_like(x));
}
}  // namespace

at::Tensor dense_multimodal(const std::vector<at::Tensor>& features, bool fused, double modality_threshold,
                            double threshold) {
  std::vector<at::Tensor> units, sims;
  for (const auto& f : features) {
    const at::Tensor u = unit_rows(f.slice(1, 0, f.size(1) - 1).to(at::kDouble));
    units.push_back(u);
    sims.push_back(u.mm(u.t()));
  }
  if (fused) {
    const at::Tensor c = unit_rows(at::cat(units, 1));
    sims.push_back(c.mm(c.t()));
  }
  at::Tensor a = at::zeros_like(sims[0]);
  for (auto& s : sims) a += at::where(s >= modality_threshold, s, at::zeros_like(s));
  a /= static_cast<double>(sims.size());
  a = a / a.norm(2, {1}, true);
  a = at::where(a >= threshold, a, at::zeros_like(a));
  a.fill_diagonal_(0);
  return a;
}

double peak_rss_mb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return -1;
}

void set_timing_threads() {
  const char* env = std::getenv("TRELLIS_THREADS");
  at::set_num_threads(env ? std::atoi(env) : 2);
  std::cout << "threads: " << at::get_num_threads() << "\n";
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace trellis::test

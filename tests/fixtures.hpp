#pragma once
// Small screens built by hand, with values simple enough to check by hand.

#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "trellis/sdk/data.hpp"
#include "trellis/sdk/graph.hpp"

namespace trellis::test {

/// Genes G0, G1, G2 (measured) and P (perturbed, not measured).
/// Cells (rows = G0, G1, G2):
///   control: [1, 0, 2], [3, 0, 0]      -> mean [2, 0, 1]
///   G0:      [0, 4, 2]                 -> mean [0, 4, 2]
///   P:       [2, 2, 2], [4, 0, 2]      -> mean [3, 1, 2]
inline sdk::GeneTable tiny_genes() {
  sdk::GeneTable genes;
  for (const char* s : {"G0", "G1", "G2"}) {
    sdk::Gene g;
    g.symbol = s;
    g.measured = true;
    genes.add(g);
  }
  sdk::Gene p;
  p.symbol = "P";
  genes.add(p);
  return genes;
}

inline sdk::Screen tiny_screen(const sdk::GeneTable& genes) {
  sdk::Screen s;
  s.genes = &genes;
  // CSR of the five cells above (zeros not stored).
  s.indptr = at::tensor({0, 2, 3, 5, 8, 10}, at::kLong);
  s.indices = at::tensor({0, 2, 0, 1, 2, 0, 1, 2, 0, 2}, at::kInt);
  s.values = at::tensor({1.f, 2.f, 3.f, 4.f, 2.f, 2.f, 2.f, 2.f, 4.f, 2.f});
  s.conditions = {sdk::Condition{"ctrl", {}, {}, sdk::PerturbationType::activation},
                  sdk::Condition{"G0+ctrl", {"G0"}, {0}, sdk::PerturbationType::activation},
                  sdk::Condition{"P+ctrl", {"P"}, {3}, sdk::PerturbationType::activation}};
  s.cell_condition = at::tensor({0, 0, 1, 2, 2}, at::kLong);
  return s;
}

/// The tiny genes in two cell contexts, A and B, each with its own controls.
/// Cells (rows = G0, G1, G2) and condition indices:
///   0 ctrl@A:  [1, 0, 2], [3, 0, 0]   -> mean [2, 0, 1]
///   1 P@A:     [2, 2, 2], [4, 0, 2]   -> mean [3, 1, 2]   (change [1, 1, 1])
///   2 ctrl@B:  [0, 2, 2], [2, 2, 0]   -> mean [1, 2, 1]
///   3 P@B:     [1, 3, 1], [3, 3, 3]   -> mean [2, 3, 2]   (change [1, 1, 1])
///   4 G0@B:    [0, 6, 2], [0, 4, 2]   -> mean [0, 5, 2]   (change [-1, 3, 1])
inline sdk::Screen two_context_screen(const sdk::GeneTable& genes) {
  const float cells[10][3] = {{1, 0, 2}, {3, 0, 0}, {2, 2, 2}, {4, 0, 2}, {0, 2, 2},
                              {2, 2, 0}, {1, 3, 1}, {3, 3, 3}, {0, 6, 2}, {0, 4, 2}};
  std::vector<std::int64_t> indptr{0};
  std::vector<std::int32_t> indices;
  std::vector<float> values;
  for (const auto& cell : cells) {
    for (std::int32_t g = 0; g < 3; ++g)
      if (cell[g] != 0) indices.push_back(g), values.push_back(cell[g]);
    indptr.push_back(static_cast<std::int64_t>(values.size()));
  }
  sdk::Screen s;
  s.genes = &genes;
  s.indptr = at::tensor(indptr, at::kLong);
  s.indices = at::tensor(indices, at::kInt);
  s.values = at::tensor(values, at::kFloat);
  const auto knockdown = sdk::PerturbationType::knockdown;
  s.conditions = {sdk::Condition{"ctrl@A", {}, {}, knockdown, "A"}, sdk::Condition{"P@A", {"P"}, {3}, knockdown, "A"},
                  sdk::Condition{"ctrl@B", {}, {}, knockdown, "B"}, sdk::Condition{"P@B", {"P"}, {3}, knockdown, "B"},
                  sdk::Condition{"G0@B", {"G0"}, {0}, knockdown, "B"}};
  s.cell_condition = at::tensor({0, 0, 1, 1, 2, 2, 3, 3, 4, 4}, at::kLong);
  return s;
}

/// A weighted graph `name` over the tiny universe (4 nodes) with edges
/// src[i] -> dst[i] of weight w[i].
inline sdk::Graph tiny_graph(const std::string& name, const std::vector<std::int64_t>& src,
                             const std::vector<std::int64_t>& dst, const std::vector<float>& w) {
  sdk::Graph g;
  g.name = name;
  g.num_nodes = 4;
  const auto e = static_cast<std::int64_t>(src.size());
  g.edge_index = at::stack({at::tensor(src, at::kLong).reshape({e}), at::tensor(dst, at::kLong).reshape({e})});
  g.weight = at::tensor(w, at::kFloat).reshape({e});
  return g;
}

}  // namespace trellis::test

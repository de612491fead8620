// Unit tests of the SDK's reusable layers (trellis/sdk/nn). Expected values
// are worked out by hand in the comments next to them; gradients are checked
// against central finite differences in double precision.
#include <cmath>
#include <functional>
#include <vector>

#include <torch/torch.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/nn/layers.hpp"

#include "catch.hpp"

namespace tnn = trellis::sdk::nn;
using Catch::Contains;

namespace {

at::Tensor edges(std::vector<int64_t> src, std::vector<int64_t> dst) {
  return torch::stack({torch::tensor(src, torch::kLong), torch::tensor(dst, torch::kLong)});
}

at::Tensor values(std::vector<double> v, std::vector<int64_t> shape) {
  return torch::tensor(v, torch::kDouble).view(shape).to(torch::kFloat);
}

void check_values(const at::Tensor& actual, const std::vector<double>& expected, double tol = 1e-5) {
  REQUIRE(actual.numel() == static_cast<int64_t>(expected.size()));
  const auto a = actual.detach().to(torch::kDouble).contiguous();
  const double* p = a.data_ptr<double>();
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("element " << i);
    CHECK(p[i] == Approx(expected[i]).margin(tol));
  }
}

// Compares d loss / d t from autograd with central finite differences.
// `t` must be a double tensor that requires grad (a parameter or an input).
void check_gradient(const std::function<at::Tensor()>& loss, const at::Tensor& t, const char* what) {
  INFO("gradient w.r.t. " << what);
  REQUIRE(t.scalar_type() == torch::kDouble);
  const auto autograd = torch::autograd::grad({loss()}, {t})[0].contiguous();
  torch::NoGradGuard no_grad;
  REQUIRE(t.is_contiguous());
  double* p = t.data_ptr<double>();
  const double* g = autograd.data_ptr<double>();
  const double eps = 1e-6;
  for (int64_t i = 0; i < t.numel(); ++i) {
    const double saved = p[i];
    p[i] = saved + eps;
    const double up = loss().item<double>();
    p[i] = saved - eps;
    const double down = loss().item<double>();
    p[i] = saved;
    const double numeric = (up - down) / (2 * eps);
    INFO("element " << i << ": autograd " << g[i] << ", finite difference " << numeric);
    CHECK(std::abs(g[i] - numeric) <= 1e-6 * std::max(1.0, std::abs(numeric)));
  }
}

// A 4-node graph used by the gradient checks; node 3 has no in-neighbours.
struct GradGraph {
  at::Tensor edge_index = edges({0, 1, 2, 3, 0, 1}, {1, 2, 0, 2, 2, 0});
  at::Tensor weight = (torch::rand({6}, torch::kDouble) + 0.5).requires_grad_();
  at::Tensor x = torch::randn({4, 3}, torch::kDouble).requires_grad_();
};

}  // namespace

// --------------------------------------------------------------- helpers ---

TEST_CASE("propagate sums weighted messages from source to target", "[nn][message_passing]") {
  // Edges 0->1 (w 2), 2->1 (w 0.5), 1->0 (w 1); node 2 has no in-edges.
  const auto x = values({1, 2, 3, 4, 5, 6}, {3, 2});
  const auto out = tnn::propagate(x, edges({0, 2, 1}, {1, 1, 0}), values({2, 0.5, 1}, {3}), 3);
  // out0 = x1 = [3, 4]; out1 = 2*x0 + 0.5*x2 = [2 + 2.5, 4 + 3]; out2 = 0.
  check_values(out, {3, 4, 4.5, 7, 0, 0});
  // Without weights every message counts once: out1 = x0 + x2 = [6, 8].
  check_values(tnn::propagate(x, edges({0, 2, 1}, {1, 1, 0}), {}, 3), {3, 4, 6, 8, 0, 0});
}

TEST_CASE("propagate is differentiable w.r.t. x and weight", "[nn][message_passing]") {
  torch::manual_seed(1);
  GradGraph g;
  const auto proj = torch::randn({4, 3}, torch::kDouble);
  auto loss = [&] { return (tnn::propagate(g.x, g.edge_index, g.weight, 4) * proj).sum(); };
  check_gradient(loss, g.x, "x");
  check_gradient(loss, g.weight, "weight");
}

TEST_CASE("add_self_loops and remove_self_loops", "[nn][message_passing]") {
  const auto ei = edges({0, 1, 1}, {1, 1, 2});
  auto [with_loops, w] = tnn::add_self_loops(ei, values({5, 6, 7}, {3}), 3, 2.0);
  check_values(with_loops, {0, 1, 1, 0, 1, 2, /*targets*/ 1, 1, 2, 0, 1, 2});
  check_values(w, {5, 6, 7, 2, 2, 2});
  auto [no_w_ei, no_w] = tnn::add_self_loops(ei, {}, 3);
  CHECK(no_w_ei.size(1) == 6);
  CHECK_FALSE(no_w.defined());

  auto [removed, rw] = tnn::remove_self_loops(ei, values({5, 6, 7}, {3}));
  check_values(removed, {0, 1, 1, 2});
  check_values(rw, {5, 7});
}

TEST_CASE("gcn_norm gives D^-1/2 (A+I) D^-1/2 with in-degrees at the target", "[nn][message_passing]") {
  // Edges 0->1, 1->2, 0->2. With self loops the in-degrees are
  // deg0 = 1, deg1 = 2, deg2 = 3.
  const auto ei = edges({0, 1, 0}, {1, 2, 2});
  SECTION("unweighted, with self loops") {
    auto [out_ei, norm] = tnn::gcn_norm(ei, {}, 3, true);
    check_values(out_ei, {0, 1, 0, 0, 1, 2, /*targets*/ 1, 2, 2, 0, 1, 2});
    // 0->1: 1/sqrt(1*2); 1->2: 1/sqrt(2*3); 0->2: 1/sqrt(1*3); loops 1/deg.
    check_values(norm, {0.70710678, 0.40824829, 0.57735027, 1.0, 0.5, 1.0 / 3});
  }
  SECTION("weighted, with self loops") {
    // w = [2, 1, 3]: deg0 = 1, deg1 = 1 + 2 = 3, deg2 = 1 + 1 + 3 = 5.
    auto [out_ei, norm] = tnn::gcn_norm(ei, values({2, 1, 3}, {3}), 3, true);
    // 2/sqrt(1*3), 1/sqrt(3*5), 3/sqrt(1*5), then 1/1, 1/3, 1/5.
    check_values(norm, {1.15470054, 0.25819889, 1.34164079, 1.0, 1.0 / 3, 0.2});
  }
  SECTION("weighted, without self loops: a zero-degree node contributes 0") {
    // deg0 = 0, deg1 = 2, deg2 = 1 + 3 = 4. Edges out of node 0 get 0, not inf.
    auto [out_ei, norm] = tnn::gcn_norm(ei, values({2, 1, 3}, {3}), 3, false);
    CHECK(out_ei.size(1) == 3);
    check_values(norm, {0.0, 0.35355339, 0.0});  // 1->2: 1/sqrt(2*4)
  }
}

TEST_CASE("segment_softmax normalises per target and is stable", "[nn][message_passing]") {
  // Targets: edges 0,1 -> node 1; edge 2 -> node 0. Scores 1000, 1001 would
  // overflow exp() without the max shift.
  const auto s = values({1000, 1001, -5}, {3});
  const auto a = tnn::segment_softmax(s, torch::tensor({1, 1, 0}, torch::kLong), 2);
  const double e = std::exp(1.0);
  check_values(a, {1 / (1 + e), e / (1 + e), 1.0}, 1e-6);
}

TEST_CASE("helper checks reject bad input with clear messages", "[nn][message_passing][errors]") {
  const auto x = values({1, 2, 3, 4, 5, 6}, {3, 2});
  const auto ei = edges({0, 1}, {1, 2});
  REQUIRE_THROWS_AS(tnn::check_edge_index(torch::zeros({3, 5}, torch::kLong), 4, "GCNConv"),
                    trellis::sdk::Error);
  REQUIRE_THROWS_WITH(tnn::check_edge_index(torch::zeros({3, 5}, torch::kLong), 4, "GCNConv"),
                      Contains("GCNConv: edge_index must have shape [2, E], got [3, 5]"));
  REQUIRE_THROWS_WITH(tnn::check_edge_index(torch::zeros({5}, torch::kLong), 4, "X"),
                      Contains("X: edge_index must have shape [2, E], got [5]"));
  REQUIRE_THROWS_WITH(tnn::check_edge_index(at::Tensor(), 4, "X"), Contains("X: edge_index is undefined"));
  REQUIRE_THROWS_WITH(tnn::check_edge_index(torch::zeros({2, 5}, torch::kInt), 4, "X"),
                      Contains("X: edge_index must be int64, got Int"));
  REQUIRE_THROWS_WITH(tnn::check_edge_index(edges({0, 7}, {1, 2}), 4, "X"),
                      Contains("X: edge_index holds node id 7 outside [0, 4)"));
  REQUIRE_THROWS_WITH(tnn::check_edge_index(edges({0, 1}, {-1, 2}), 4, "X"),
                      Contains("X: edge_index holds node id -1 outside [0, 4)"));
  REQUIRE_THROWS_WITH(tnn::check_edge_index(ei, -1, "X"), Contains("X: num_nodes must be non-negative, got -1"));
  REQUIRE_NOTHROW(tnn::check_edge_index(torch::zeros({2, 0}, torch::kLong), 0, "X"));

  REQUIRE_THROWS_WITH(tnn::check_edge_weight(torch::ones({2}, torch::kLong), 2, "X"),
                      Contains("X: edge weight must be floating point, got Long"));
  REQUIRE_THROWS_WITH(tnn::check_edge_weight(torch::ones({4}), 5, "X"),
                      Contains("X: edge weight must have shape [E] = [5] to match edge_index, got [4]"));
  REQUIRE_THROWS_WITH(tnn::check_edge_weight(torch::ones({5, 1}), 5, "X"),
                      Contains("X: edge weight must have shape [E] = [5] to match edge_index, got [5, 1]"));
  REQUIRE_NOTHROW(tnn::check_edge_weight(at::Tensor(), 5, "X"));

  REQUIRE_THROWS_WITH(tnn::check_node_features(at::Tensor(), 2, "X"), Contains("X: x is undefined"));
  REQUIRE_THROWS_WITH(tnn::check_node_features(torch::ones({3, 2}, torch::kLong), 2, "X"),
                      Contains("X: x must be floating point, got Long"));
  REQUIRE_THROWS_WITH(tnn::check_node_features(torch::ones({4, 3}), 8, "X"),
                      Contains("X: x must have shape [N, 8] (N nodes, 8 input features), got [4, 3]"));
  REQUIRE_THROWS_WITH(tnn::check_node_features(torch::ones({4}), "X"),
                      Contains("X: x must have shape [N, F], got [4]"));

  REQUIRE_THROWS_WITH(tnn::propagate(x, ei, {}, 4), Contains("propagate: x must have num_nodes = 4 rows, got shape [3, 2]"));
  REQUIRE_THROWS_WITH(tnn::propagate(at::Tensor(), ei, {}, 3), Contains("propagate: x is undefined"));
  REQUIRE_THROWS_WITH(tnn::propagate(x, edges({0, 3}, {1, 2}), {}, 3),
                      Contains("propagate: edge_index holds node id 3 outside [0, 3)"));
  REQUIRE_THROWS_WITH(tnn::propagate(x, ei, torch::ones({3}), 3),
                      Contains("propagate: edge weight must have shape [E] = [2] to match edge_index, got [3]"));
  REQUIRE_THROWS_WITH(tnn::add_self_loops(ei, {}, 2, 1.0),
                      Contains("add_self_loops: edge_index holds node id 2 outside [0, 2)"));
  REQUIRE_THROWS_WITH(tnn::remove_self_loops(torch::zeros({3, 1}, torch::kLong), {}),
                      Contains("remove_self_loops: edge_index must have shape [2, E], got [3, 1]"));
  REQUIRE_THROWS_WITH(tnn::remove_self_loops(ei, torch::ones({1})),
                      Contains("remove_self_loops: edge weight must have shape [E] = [2] to match edge_index, got [1]"));
  REQUIRE_THROWS_WITH(tnn::gcn_norm(ei, torch::ones({2}, torch::kInt), 3),
                      Contains("gcn_norm: edge weight must be floating point, got Int"));
  REQUIRE_THROWS_WITH(tnn::segment_softmax(torch::ones({3}, torch::kLong), torch::zeros({3}, torch::kLong), 1),
                      Contains("segment_softmax: scores must be a floating-point tensor [E, ...], got [3]"));
  REQUIRE_THROWS_WITH(tnn::segment_softmax(torch::ones({3}), torch::zeros({2}, torch::kLong), 1),
                      Contains("segment_softmax: index must be int64 of shape [E] = [3], got [2]"));
  REQUIRE_THROWS_WITH(tnn::segment_softmax(torch::ones({2}), torch::tensor({0, 5}, torch::kLong), 2),
                      Contains("segment_softmax: edge_index holds node id 5 outside [0, 2)"));
}

// ------------------------------------------------------------------ GCN ---

TEST_CASE("GCNConv hand-computed output", "[nn][gcn]") {
  tnn::GCNConv conv(2, 1);
  {
    torch::NoGradGuard no_grad;
    conv->lin->weight.copy_(values({1, -1}, {1, 2}));
    conv->bias.fill_(0.5);
  }
  const auto x = values({1, 2, 3, 1, 0, 4}, {3, 2});  // x W = [-1, 2, -4]
  const auto ei = edges({0, 1, 0}, {1, 2, 2});
  const auto out = conv(x, ei);
  REQUIRE(out.sizes() == torch::IntArrayRef({3, 1}));
  // Norms from the gcn_norm test: loops 1, 1/2, 1/3; 0->1 1/sqrt2;
  // 1->2 1/sqrt6; 0->2 1/sqrt3.
  // out0 = -1 + 0.5
  // out1 = 0.5*2 - 1/sqrt2 + 0.5 = 0.79289322
  // out2 = -4/3 + 2/sqrt6 - 1/sqrt3 + 0.5 = -0.59418702
  check_values(out, {-0.5, 0.79289322, -0.59418702});

  // normalize = false: a plain sum over in-edges, no self loops:
  // out0 = 0 + 0.5, out1 = -1 + 0.5, out2 = 2 - 1 + 0.5.
  tnn::GCNConv plain(2, 1, /*add_self_loops=*/true, /*normalize=*/false, /*bias=*/true);
  {
    torch::NoGradGuard no_grad;
    plain->lin->weight.copy_(values({1, -1}, {1, 2}));
    plain->bias.fill_(0.5);
  }
  check_values(plain(x, ei), {0.5, -0.5, 1.5});

  tnn::GCNConv no_bias(2, 3, true, true, false);
  CHECK_FALSE(no_bias->bias.defined());
  CHECK(no_bias->parameters().size() == 1);
}

TEST_CASE("GCNConv gradients match finite differences", "[nn][gcn][grad]") {
  torch::manual_seed(2);
  GradGraph g;
  tnn::GCNConv conv(3, 2);
  conv->to(torch::kDouble);
  {
    torch::NoGradGuard no_grad;
    conv->bias.normal_();  // a zero bias would hide a wrong bias gradient less well
  }
  const auto proj = torch::randn({4, 2}, torch::kDouble);
  auto loss = [&] { return (conv(g.x, g.edge_index, g.weight) * proj).sum(); };
  check_gradient(loss, g.x, "x");
  check_gradient(loss, g.weight, "edge weight");
  check_gradient(loss, conv->lin->weight, "lin.weight");
  check_gradient(loss, conv->bias, "bias");
}

TEST_CASE("GCNConv rejects bad input", "[nn][gcn][errors]") {
  tnn::GCNConv conv(2, 4);
  const auto ei = edges({0, 1}, {1, 2});
  REQUIRE_THROWS_WITH(tnn::GCNConv(0, 4), Contains("GCNConv: in_channels and out_channels must be positive, got 0 and 4"));
  REQUIRE_THROWS_WITH(conv(torch::ones({3, 5}), ei),
                      Contains("GCNConv: x must have shape [N, 2] (N nodes, 2 input features), got [3, 5]"));
  REQUIRE_THROWS_WITH(conv(torch::ones({3, 2}), torch::zeros({3, 5}, torch::kLong)),
                      Contains("GCNConv: edge_index must have shape [2, E], got [3, 5]"));
  REQUIRE_THROWS_WITH(conv(torch::ones({2, 2}), ei), Contains("GCNConv: edge_index holds node id 2 outside [0, 2)"));
  REQUIRE_THROWS_WITH(conv(torch::ones({3, 2}), ei, torch::ones({3})),
                      Contains("GCNConv: edge weight must have shape [E] = [2] to match edge_index, got [3]"));
}

// --------------------------------------------------------------- SGConv ---

TEST_CASE("SGConv with K = 2 applies the normalised adjacency twice", "[nn][sgconv]") {
  tnn::SGConv conv(1, 1, /*K=*/2);
  {
    torch::NoGradGuard no_grad;
    conv->lin->weight.fill_(2.0);
    conv->lin->bias.fill_(-1.0);
  }
  // Â (row = target) on edges 0->1, 1->2, 0->2 with self loops:
  //   row0 = [1, 0, 0]; row1 = [1/sqrt2, 1/2, 0]; row2 = [1/sqrt3, 1/sqrt6, 1/3].
  // x = [1, 2, 3]: Âx = [1, 1.70710678, 2.39384685];
  // Â²x = [1, 0.70710678 + 0.85355339, 0.57735027 + 0.69692343 + 0.79794895]
  //     = [1, 1.56066017, 2.07222264]; then 2 * . - 1.
  const auto out = conv(values({1, 2, 3}, {3, 1}), edges({0, 1, 0}, {1, 2, 2}));
  check_values(out, {1.0, 2.12132034, 3.14444529});

  tnn::SGConv k0(1, 1, 0);  // K = 0 is the plain linear layer
  {
    torch::NoGradGuard no_grad;
    k0->lin->weight.fill_(2.0);
    k0->lin->bias.fill_(-1.0);
  }
  check_values(k0(values({1, 2, 3}, {3, 1}), edges({0, 1, 0}, {1, 2, 2})), {1, 3, 5});
}

TEST_CASE("SGConv gradients match finite differences", "[nn][sgconv][grad]") {
  torch::manual_seed(3);
  GradGraph g;
  tnn::SGConv conv(3, 2, 2);
  conv->to(torch::kDouble);
  const auto proj = torch::randn({4, 2}, torch::kDouble);
  auto loss = [&] { return (conv(g.x, g.edge_index, g.weight) * proj).sum(); };
  check_gradient(loss, g.x, "x");
  check_gradient(loss, g.weight, "edge weight");
  check_gradient(loss, conv->lin->weight, "lin.weight");
  check_gradient(loss, conv->lin->bias, "lin.bias");
}

TEST_CASE("SGConv rejects bad input", "[nn][sgconv][errors]") {
  REQUIRE_THROWS_WITH(tnn::SGConv(2, 0), Contains("SGConv: in_channels and out_channels must be positive, got 2 and 0"));
  REQUIRE_THROWS_WITH(tnn::SGConv(2, 2, -1), Contains("SGConv: K (hops) must be >= 0, got -1"));
  tnn::SGConv conv(2, 2);
  REQUIRE_THROWS_WITH(conv(torch::ones({3, 1}), edges({0}, {1})),
                      Contains("SGConv: x must have shape [N, 2] (N nodes, 2 input features), got [3, 1]"));
  REQUIRE_THROWS_WITH(conv(torch::ones({3, 2}), edges({0}, {1}).to(torch::kInt)),
                      Contains("SGConv: edge_index must be int64, got Int"));
  REQUIRE_THROWS_WITH(conv(torch::ones({3, 2}), edges({0}, {1}), torch::ones({1}, torch::kLong)),
                      Contains("SGConv: edge weight must be floating point, got Long"));
}

// ----------------------------------------------------------------- SAGE ---

TEST_CASE("SAGEConv mean aggregation, with a node without in-neighbours", "[nn][sage]") {
  tnn::SAGEConv conv(2, 1);
  {
    torch::NoGradGuard no_grad;
    conv->lin_l->weight.copy_(values({1, 0}, {1, 2}));  // first feature of the mean
    conv->lin_l->bias.fill_(0.25);
    conv->lin_r->weight.copy_(values({0, 1}, {1, 2}));  // second feature of the root
  }
  const auto x = values({1, 2, 3, 4, 5, 6}, {3, 2});
  const auto ei = edges({0, 1, 2}, {2, 2, 0});  // node 1 has no in-neighbours
  // mean0 = x2 = [5, 6]; mean1 = 0; mean2 = (x0 + x1)/2 = [2, 3].
  // out = mean[:, 0] + x[:, 1] + 0.25 = [5 + 2, 0 + 4, 2 + 6] + 0.25.
  check_values(conv(x, ei), {7.25, 4.25, 8.25});
  // Weights 1, 3, 2: mean2 = (1*x0 + 3*x1)/4 = [2.5, 3.5]; mean0 = 2*x2/2.
  check_values(conv(x, ei, values({1, 3, 2}, {3})), {7.25, 4.25, 8.75});

  tnn::SAGEConv no_root(2, 1, /*root_weight=*/false);
  CHECK_FALSE(no_root->lin_r);
  {
    torch::NoGradGuard no_grad;
    no_root->lin_l->weight.copy_(values({1, 0}, {1, 2}));
    no_root->lin_l->bias.fill_(0.25);
  }
  check_values(no_root(x, ei), {5.25, 0.25, 2.25});
}

TEST_CASE("SAGEConv gradients match finite differences", "[nn][sage][grad]") {
  torch::manual_seed(4);
  GradGraph g;
  tnn::SAGEConv conv(3, 2);
  conv->to(torch::kDouble);
  const auto proj = torch::randn({4, 2}, torch::kDouble);
  auto loss = [&] { return (conv(g.x, g.edge_index, g.weight) * proj).sum(); };
  check_gradient(loss, g.x, "x");
  check_gradient(loss, g.weight, "edge weight");
  check_gradient(loss, conv->lin_l->weight, "lin_l.weight");
  check_gradient(loss, conv->lin_l->bias, "lin_l.bias");
  check_gradient(loss, conv->lin_r->weight, "lin_r.weight");
}

TEST_CASE("SAGEConv rejects bad input", "[nn][sage][errors]") {
  REQUIRE_THROWS_WITH(tnn::SAGEConv(-1, 2), Contains("SAGEConv: in_channels and out_channels must be positive, got -1 and 2"));
  tnn::SAGEConv conv(2, 2);
  REQUIRE_THROWS_WITH(conv(torch::ones({3, 3}), edges({0}, {1})),
                      Contains("SAGEConv: x must have shape [N, 2] (N nodes, 2 input features), got [3, 3]"));
  REQUIRE_THROWS_WITH(conv(torch::ones({3, 2}), edges({0}, {9})),
                      Contains("SAGEConv: edge_index holds node id 9 outside [0, 3)"));
  REQUIRE_THROWS_WITH(conv(torch::ones({3, 2}), edges({0}, {1}), torch::ones({2})),
                      Contains("SAGEConv: edge weight must have shape [E] = [1] to match edge_index, got [2]"));
}

// ------------------------------------------------------------------ GIN ---

TEST_CASE("GINConv sums in-neighbours onto (1 + eps) x_i, then its MLP", "[nn][gin]") {
  tnn::GINConv conv(2, 1, /*eps=*/0.5);
  {
    torch::NoGradGuard no_grad;
    conv->lin1->weight.copy_(values({1, -1}, {1, 2}));  // h0 - h1
    conv->lin1->bias.fill_(0.0);
    conv->lin2->weight.fill_(2.0);
    conv->lin2->bias.fill_(1.0);
  }
  const auto x = values({1, 2, 3, 4, 5, 6}, {3, 2});
  const auto ei = edges({0, 1, 2}, {2, 2, 0});  // node 1 has no in-neighbours
  // h = 1.5 x + sum: h0 = [1.5, 3] + x2 = [6.5, 9]; h1 = [4.5, 6]; h2 = [7.5, 9] + x0 + x1 = [11.5, 15].
  // lin1: h0 - h1 = -2.5, -1.5, -3.5 -> relu 0 -> out = 2 * 0 + 1 = 1 for every node.
  check_values(conv(x, ei), {1, 1, 1});
  {
    torch::NoGradGuard no_grad;
    conv->lin1->weight.copy_(values({-1, 1}, {1, 2}));  // h1 - h0: 2.5, 1.5, 3.5
  }
  check_values(conv(x, ei), {6, 4, 8});
  // Weights 2, 1, 0.5: h0 = [1.5, 3] + 0.5 x2 = [4, 6]; h2 = [7.5, 9] + 2 x0 + x1 = [12.5, 17].
  check_values(conv(x, ei, values({2, 1, 0.5}, {3})), {5, 4, 10});
  CHECK(conv->named_parameters().find("eps") == nullptr);  // fixed unless train_eps
  CHECK(tnn::GINConv(2, 1, 0.0, /*train_eps=*/true)->named_parameters().find("eps") != nullptr);
}

TEST_CASE("GINConv gradients match finite differences", "[nn][gin][grad]") {
  torch::manual_seed(5);
  GradGraph g;
  tnn::GINConv conv(3, 2, 0.1, /*train_eps=*/true);
  conv->to(torch::kDouble);
  const auto proj = torch::randn({4, 2}, torch::kDouble);
  auto loss = [&] { return (conv(g.x, g.edge_index, g.weight) * proj).sum(); };
  check_gradient(loss, g.x, "x");
  check_gradient(loss, g.weight, "edge weight");
  check_gradient(loss, conv->eps, "eps");
  check_gradient(loss, conv->lin1->weight, "lin1.weight");
  check_gradient(loss, conv->lin2->weight, "lin2.weight");
}

TEST_CASE("GINConv rejects bad input", "[nn][gin][errors]") {
  REQUIRE_THROWS_WITH(tnn::GINConv(0, 2), Contains("GINConv: in_channels and out_channels must be positive, got 0 and 2"));
  tnn::GINConv conv(2, 2);
  REQUIRE_THROWS_WITH(conv(torch::ones({3, 3}), edges({0}, {1})),
                      Contains("GINConv: x must have shape [N, 2] (N nodes, 2 input features), got [3, 3]"));
  REQUIRE_THROWS_WITH(conv(torch::ones({3, 2}), edges({0}, {9})),
                      Contains("GINConv: edge_index holds node id 9 outside [0, 3)"));
}

// ------------------------------------------------------------------ GAT ---

namespace {
// x = [[1,0],[0,1],[1,1]]; edges 0->2, 1->2, 2->0 (self loops added).
const std::vector<double> kGatX = {1, 0, 0, 1, 1, 1};
at::Tensor gat_edges() { return edges({0, 1, 2}, {2, 2, 0}); }
}  // namespace

TEST_CASE("GATConv single head, hand-computed", "[nn][gat]") {
  tnn::GATConv conv(tnn::GATConvOptions(2, 2));
  {
    torch::NoGradGuard no_grad;
    conv->lin->weight.copy_(torch::eye(2));  // h = x
    conv->att_src.copy_(values({1, 0}, {1, 1, 2}));
    conv->att_dst.copy_(values({0, -3}, {1, 1, 2}));
    conv->bias.copy_(values({0.1, -0.1}, {2}));
  }
  // s_src = h[:, 0] = [1, 0, 1]; s_dst = -3 * h[:, 1] = [0, -3, -3].
  // Target 2 (in: 0, 1, self 2): scores LReLU([1-3, 0-3, 1-3]) = [-0.4, -0.6, -0.4]
  //   -> softmax [0.35476961, 0.29046079, 0.35476961];
  //   out2 = 0.3548*[1,0] + 0.2905*[0,1] + 0.3548*[1,1] = [0.70953921, 0.64523039].
  // Target 0 (in: 2, self 0): scores [1+0, 1+0] -> [0.5, 0.5]; out0 = [1, 0.5].
  // Target 1 (self only): alpha 1; out1 = x1 = [0, 1].
  const auto x = values(kGatX, {3, 2});
  auto res = conv->forward_with_attention(x, gat_edges());
  check_values(res.out, {1 + 0.1, 0.5 - 0.1, 0 + 0.1, 1 - 0.1, 0.70953921 + 0.1, 0.64523039 - 0.1});
  // Edges attended over: the 3 given, then self loops 0, 1, 2.
  check_values(res.edge_index, {0, 1, 2, 0, 1, 2, /*targets*/ 2, 2, 0, 0, 1, 2});
  check_values(res.attention, {0.35476961, 0.29046079, 0.5, 0.5, 1.0, 0.35476961});

  // Edge weight 2 on the given edges scales their messages; loops keep 1:
  // out0 = 0.5*2*[1,1] + 0.5*[1,0] = [1.5, 1]; out1 unchanged;
  // out2 = 2*(0.3548*[1,0] + 0.2905*[0,1]) + 0.3548*[1,1] = [1.06430882, 0.93569118].
  check_values(conv(x, gat_edges(), values({2, 2, 2}, {3})),
               {1.5 + 0.1, 1 - 0.1, 0 + 0.1, 1 - 0.1, 1.06430882 + 0.1, 0.93569118 - 0.1});
}

TEST_CASE("GATConv two heads, concatenated and averaged", "[nn][gat]") {
  tnn::GATConvOptions opts(2, 1);
  opts.heads = 2;
  tnn::GATConv concat(opts);
  opts.concat = false;
  tnn::GATConv mean(opts);
  for (auto* conv : {&concat, &mean}) {
    torch::NoGradGuard no_grad;
    (*conv)->lin->weight.copy_(torch::eye(2));  // head 0 sees x[:, 0], head 1 x[:, 1]
    (*conv)->att_src.copy_(values({1, 1}, {1, 2, 1}));
    (*conv)->att_dst.copy_(values({0, -1}, {1, 2, 1}));
    (*conv)->bias.zero_();
  }
  // Head 0: h = [1, 0, 1], score = LReLU(h_j).
  //   Target 2: [1, 0, 1] -> [e, 1, e]/(2e+1) -> out = 2e/(2e+1) = 0.84463760.
  //   Target 0: [1, 1] -> 0.5 each -> out = 1. Target 1: out = h1 = 0.
  // Head 1: h = [0, 1, 1], score = LReLU(h_j - h_i).
  //   Target 2: [-1 -> -0.2, 0, 0] -> out = 2/(exp(-0.2)+2) = 0.70953921.
  //   Target 0: [1, 0] -> out = e/(e+1) = 0.73105858. Target 1: out = 1.
  const auto x = values(kGatX, {3, 2});
  const auto out_concat = concat(x, gat_edges());
  REQUIRE(out_concat.sizes() == torch::IntArrayRef({3, 2}));
  check_values(out_concat, {1, 0.73105858, 0, 1, 0.84463760, 0.70953921});
  const auto out_mean = mean(x, gat_edges());
  REQUIRE(out_mean.sizes() == torch::IntArrayRef({3, 1}));
  check_values(out_mean, {0.86552929, 0.5, 0.77708840});
}

TEST_CASE("GATConv attention sums to one over the incoming edges of each target", "[nn][gat]") {
  torch::manual_seed(5);
  tnn::GATConvOptions opts(3, 4);
  opts.heads = 3;
  tnn::GATConv conv(opts);
  // Includes an existing self loop (1->1), which must not be counted twice.
  const auto ei = edges({0, 1, 2, 3, 0, 1, 1}, {1, 2, 0, 2, 2, 0, 1});
  auto res = conv->forward_with_attention(torch::randn({5, 3}), ei);
  CHECK(res.out.sizes() == torch::IntArrayRef({5, 12}));
  CHECK(res.edge_index.size(1) == 6 + 5);
  CHECK(res.attention.sizes() == torch::IntArrayRef({11, 3}));
  const auto sums = torch::zeros({5, 3}).index_add_(0, res.edge_index[1], res.attention);
  check_values(sums, std::vector<double>(15, 1.0), 1e-6);
}

TEST_CASE("GATConv attention dropout only acts in training mode", "[nn][gat]") {
  torch::manual_seed(6);
  tnn::GATConvOptions opts(3, 2);
  opts.dropout = 0.5;
  tnn::GATConv dropping(opts);
  opts.dropout = 0.0;
  tnn::GATConv plain(opts);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : plain->named_parameters()) p.value().copy_(dropping->named_parameters()[p.key()]);
  }
  const auto x = torch::randn({4, 3});
  const auto ei = edges({0, 1, 2, 3, 0}, {1, 2, 0, 2, 2});
  dropping->eval();
  CHECK(torch::allclose(dropping(x, ei), plain(x, ei)));
  dropping->train();
  torch::manual_seed(7);
  CHECK_FALSE(torch::allclose(dropping(x, ei), plain(x, ei)));
}

TEST_CASE("GATConv gradients match finite differences", "[nn][gat][grad]") {
  torch::manual_seed(8);
  GradGraph g;
  tnn::GATConvOptions opts(3, 2);
  opts.heads = 2;
  for (bool concat : {true, false}) {
    opts.concat = concat;
    INFO("concat = " << concat);
    tnn::GATConv conv(opts);
    conv->to(torch::kDouble);
    {
      torch::NoGradGuard no_grad;
      conv->bias.normal_();
    }
    const auto proj = torch::randn({4, concat ? 4 : 2}, torch::kDouble);
    auto loss = [&] { return (conv(g.x, g.edge_index, g.weight) * proj).sum(); };
    check_gradient(loss, g.x, "x");
    check_gradient(loss, g.weight, "edge weight");
    check_gradient(loss, conv->lin->weight, "lin.weight");
    check_gradient(loss, conv->att_src, "att_src");
    check_gradient(loss, conv->att_dst, "att_dst");
    check_gradient(loss, conv->bias, "bias");
  }
}

TEST_CASE("GATConv rejects bad options and input", "[nn][gat][errors]") {
  tnn::GATConvOptions opts(2, 2);
  REQUIRE_THROWS_WITH(tnn::GATConv(tnn::GATConvOptions(2, 0)),
                      Contains("GATConv: in_channels and out_channels must be positive, got 2 and 0"));
  opts.heads = 0;
  REQUIRE_THROWS_WITH(tnn::GATConv(opts), Contains("GATConv: heads must be positive, got 0"));
  opts.heads = 1;
  opts.dropout = 1.0;
  REQUIRE_THROWS_WITH(tnn::GATConv(opts), Contains("GATConv: dropout must be in [0, 1), got 1"));
  opts.dropout = 0.0;
  opts.negative_slope = -0.1;
  REQUIRE_THROWS_WITH(tnn::GATConv(opts), Contains("GATConv: negative_slope must be >= 0, got -0.1"));
  opts.negative_slope = 0.2;
  tnn::GATConv conv(opts);
  REQUIRE_THROWS_WITH(conv(torch::ones({3, 4}), edges({0}, {1})),
                      Contains("GATConv: x must have shape [N, 2] (N nodes, 2 input features), got [3, 4]"));
  REQUIRE_THROWS_WITH(conv(torch::ones({3, 2}), torch::zeros({2, 2, 1}, torch::kLong)),
                      Contains("GATConv: edge_index must have shape [2, E], got [2, 2, 1]"));
  REQUIRE_THROWS_WITH(conv(torch::ones({3, 2}), edges({0}, {1}), torch::ones({1}, torch::kInt)),
                      Contains("GATConv: edge weight must be floating point, got Int"));
}

// ------------------------------------------------------------------ MLP ---

TEST_CASE("MLP layer structure and shapes", "[nn][mlp]") {
  tnn::MLP mlp(tnn::MLPOptions({5, 8, 8, 3}));
  CHECK(mlp->linears.size() == 3);
  CHECK(mlp->norms.size() == 2);  // hidden layers only
  CHECK(mlp(torch::randn({4, 5})).sizes() == torch::IntArrayRef({4, 3}));
  CHECK(mlp(torch::randn({2, 6, 5})).sizes() == torch::IntArrayRef({2, 6, 3}));

  tnn::MLPOptions opts({5, 8, 3});
  opts.activate_last = true;
  CHECK(tnn::MLP(opts)->norms.size() == 2);
  opts.batch_norm = false;
  tnn::MLP bare(opts);
  CHECK(bare->norms.empty());
  CHECK(bare->named_parameters().size() == 4);  // two Linear layers
}

TEST_CASE("MLP hand-computed outputs", "[nn][mlp]") {
  const auto x = values({1, 2, 3, 1}, {2, 2});
  auto set_weights = [](tnn::MLP& mlp) {
    torch::NoGradGuard no_grad;
    mlp->linears[0]->weight.copy_(values({1, -1, 2, 0}, {2, 2}));
    mlp->linears[0]->bias.copy_(values({0, -1}, {2}));
    mlp->linears[1]->weight.copy_(values({1, 1}, {1, 2}));
    mlp->linears[1]->bias.fill_(0.5);
  };
  // Hidden pre-activation: row0 = [1-2, 2-1] = [-1, 1]; row1 = [3-1, 6-1] = [2, 5].
  SECTION("without batch norm") {
    tnn::MLPOptions opts({2, 2, 1});
    opts.batch_norm = false;
    tnn::MLP mlp(opts);
    set_weights(mlp);
    // relu -> [0, 1] and [2, 5]; sum + 0.5.
    check_values(mlp(x), {1.5, 7.5});
  }
  SECTION("batch norm in eval mode uses running statistics (mean 0, var 1)") {
    tnn::MLP mlp(tnn::MLPOptions({2, 2, 1}));
    set_weights(mlp);
    mlp->eval();
    // BN scales by 1/sqrt(1 + 1e-5) = 0.999995.
    check_values(mlp(x), {0.999995 + 0.5, 7 * 0.999995 + 0.5}, 2e-6);
  }
  SECTION("batch norm in training mode, activate_last") {
    tnn::MLPOptions opts({2, 2});
    opts.activate_last = true;
    tnn::MLP mlp(opts);
    {
      torch::NoGradGuard no_grad;
      mlp->linears[0]->weight.copy_(values({1, -1, 2, 0}, {2, 2}));
      mlp->linears[0]->bias.copy_(values({0, -1}, {2}));
    }
    // Batch stats: feature 0 = [-1, 2], mean 0.5, biased var 2.25;
    // feature 1 = [1, 5], mean 3, var 4. Normalised: [-1, 1] each (up to eps);
    // relu keeps the second row: 1.5/sqrt(2.25 + 1e-5), 2/sqrt(4 + 1e-5).
    check_values(mlp(x), {0, 0, 0.99999778, 0.99999875}, 1e-6);
  }
  SECTION("gelu") {
    tnn::MLPOptions opts({1, 1});
    opts.activate_last = true;
    opts.batch_norm = false;
    opts.activation = "gelu";
    tnn::MLP mlp(opts);
    {
      torch::NoGradGuard no_grad;
      mlp->linears[0]->weight.fill_(1.0);
      mlp->linears[0]->bias.fill_(0.0);
    }
    // gelu(1) = 0.5 * (1 + erf(1/sqrt2)) = 0.84134475; gelu(-1) = -0.15865525.
    check_values(mlp(values({1, -1}, {2, 1})), {0.84134475, -0.15865525});
  }
}

TEST_CASE("MLP rejects bad options and input", "[nn][mlp][errors]") {
  REQUIRE_THROWS_WITH(tnn::MLP(tnn::MLPOptions({4})),
                      Contains("MLP: sizes must list at least the input and output widths, got 1 value(s)"));
  REQUIRE_THROWS_WITH(tnn::MLP(tnn::MLPOptions({4, 0, 2})), Contains("MLP: sizes[1] must be positive, got 0"));
  tnn::MLPOptions opts({4, 2});
  opts.activation = "tanh";
  REQUIRE_THROWS_WITH(tnn::MLP(opts), Contains("MLP: activation must be \"relu\" or \"gelu\", got \"tanh\""));
  opts.activation = "relu";
  opts.dropout = -0.5;
  REQUIRE_THROWS_WITH(tnn::MLP(opts), Contains("MLP: dropout must be in [0, 1), got -0.5"));
  tnn::MLP mlp(tnn::MLPOptions({5, 3}));
  REQUIRE_THROWS_WITH(mlp(torch::ones({4, 3})), Contains("MLP: input must have last dimension 5 (sizes[0]), got shape [4, 3]"));
  REQUIRE_THROWS_WITH(mlp(at::Tensor()), Contains("MLP: input must have last dimension 5 (sizes[0]), got shape undefined"));
}

// --------------------------------------------------- GeneSpecificLinear ---

TEST_CASE("GeneSpecificLinear hand-computed output", "[nn][gene_linear]") {
  tnn::GeneSpecificLinear layer(2, 3);
  {
    torch::NoGradGuard no_grad;
    layer->weight.copy_(values({1, 0, -1, 0.5, 0.5, 0.5}, {2, 3}));
    layer->bias.copy_(values({0.1, -0.2}, {2}));
  }
  const auto x = values({1, 2, 3, /**/ 2, 2, 2, /**/ 0, 1, 0, /**/ 1, -1, 4}, {2, 2, 3});
  // [b0,g0] = 1 - 3 + 0.1; [b0,g1] = 0.5*6 - 0.2; [b1,g0] = 0 + 0.1; [b1,g1] = 0.5*4 - 0.2.
  const auto out = layer(x);
  REQUIRE(out.sizes() == torch::IntArrayRef({2, 2}));
  check_values(out, {-1.9, 2.8, 0.1, 1.8});
  // A single [G, in] sample maps to [G].
  check_values(layer(x[0]), {-1.9, 2.8});
  CHECK_FALSE(tnn::GeneSpecificLinear(2, 3, false)->bias.defined());
}

TEST_CASE("GeneSpecificLinear gradients match finite differences", "[nn][gene_linear][grad]") {
  torch::manual_seed(9);
  tnn::GeneSpecificLinear layer(4, 3);
  layer->to(torch::kDouble);
  const auto x = torch::randn({2, 4, 3}, torch::kDouble).requires_grad_();
  const auto proj = torch::randn({2, 4}, torch::kDouble);
  auto loss = [&] { return (layer(x) * proj).sum(); };
  check_gradient(loss, x, "x");
  check_gradient(loss, layer->weight, "weight");
  check_gradient(loss, layer->bias, "bias");
}

TEST_CASE("GeneSpecificLinear rejects bad options and input", "[nn][gene_linear][errors]") {
  REQUIRE_THROWS_WITH(tnn::GeneSpecificLinear(0, 3),
                      Contains("GeneSpecificLinear: num_genes and in_features must be positive, got 0 and 3"));
  tnn::GeneSpecificLinear layer(3, 4);
  REQUIRE_THROWS_WITH(layer(torch::ones({2, 5, 4})),
                      Contains("GeneSpecificLinear: input must have shape [B, 3, 4] (batch, num_genes, in_features), got [2, 5, 4]"));
  REQUIRE_THROWS_WITH(layer(torch::ones({4})),
                      Contains("GeneSpecificLinear: input must have shape [B, 3, 4] (batch, num_genes, in_features), got [4]"));
  REQUIRE_THROWS_WITH(layer(torch::ones({2, 3, 4}, torch::kLong)),
                      Contains("GeneSpecificLinear: input must be floating point, got Long"));
  REQUIRE_THROWS_WITH(layer(at::Tensor()), Contains("GeneSpecificLinear: input is undefined"));
}

TEST_CASE("GraphEncoder stacks its layers with a ReLU between them, for every kind", "[nn][graph_encoder]") {
  torch::manual_seed(3);
  const auto x = torch::randn({5, 3});
  const auto ring = edges({0, 1, 2, 3, 4}, {1, 2, 3, 4, 0});
  tnn::GraphEncoder sage("sage", 3, 4, 2);
  const auto children = sage->named_children();
  auto* first = children["layer0"]->as<tnn::SAGEConvImpl>();
  auto* second = children["layer1"]->as<tnn::SAGEConvImpl>();
  REQUIRE(first);
  REQUIRE(second);
  const auto by_hand = second->forward(torch::relu(first->forward(x, ring)), ring);
  CHECK(torch::allclose(sage->forward(x, ring, {}, nullptr), by_hand));
  for (const char* kind : {"gcn", "gin", "gat", "sgconv"}) {
    tnn::GraphEncoder encoder(kind, 3, 4, 3);
    CHECK(encoder->forward(x, ring, {}, nullptr).sizes() == torch::IntArrayRef({5, 4}));
  }
  CHECK_THROWS_WITH(tnn::GraphEncoder("gcnn", 3, 4, 2), Contains("'gcnn' is not one of sage, gcn, gin, gat, sgconv"));
}

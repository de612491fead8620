// The kernels are plain loops over edges (edge_loops.hpp).
#include "gsl_pair_dot.hpp"

#include <vector>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/custom_function.h>

#include "edge_loops.hpp"

namespace trellis::grape {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

template <class T>
void pair_dot_kernel(const at::Tensor& u, const at::Tensor& target, const at::Tensor& source, at::Tensor& out) {
  const T* base = u.data_ptr<T>();
  const std::int64_t d = u.size(1);
  const auto* t = target.data_ptr<std::int64_t>();
  const auto* s = source.data_ptr<std::int64_t>();
  T* o = out.data_ptr<T>();
  run_parts(even_parts(target.size(0)), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t e = begin; e < end; ++e) o[e] = dot(base + t[e] * d, base + s[e] * d, d);
  });
}

/// grad[key[e]] += g[e] * u[other[e]] for every edge. Edges are visited in
/// the order of `key`, and each thread owns a range of keys, so no two
/// threads write the same row.
template <class T>
void scatter_kernel(const at::Tensor& u, const at::Tensor& key, const at::Tensor& other, const at::Tensor& g,
                    at::Tensor& grad) {
  const at::Tensor order = std::get<1>(key.sort());
  const auto* o = order.data_ptr<std::int64_t>();
  const auto* k = key.data_ptr<std::int64_t>();
  const auto* x = other.data_ptr<std::int64_t>();
  const T* gv = g.data_ptr<T>();
  const T* base = u.data_ptr<T>();
  T* out = grad.data_ptr<T>();
  const std::int64_t d = u.size(1), e = key.size(0);
  std::vector<std::int64_t> bounds = even_parts(e);
  for (std::size_t p = 1; p + 1 < bounds.size(); ++p)
    while (bounds[p] > bounds[p - 1] && bounds[p] < e && k[o[bounds[p]]] == k[o[bounds[p] - 1]]) ++bounds[p];
  run_parts(bounds, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      const std::int64_t edge = o[i];
      const T w = gv[edge];
      const T* src = base + x[edge] * d;
      T* dst = out + k[edge] * d;
      axpy(w, src, dst, d);
    }
  });
}

class PairDot : public torch::autograd::Function<PairDot> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& u, const at::Tensor& target,
                            const at::Tensor& source) {
    ctx->save_for_backward({u, target, source});
    at::Tensor out = at::empty({target.size(0)}, u.options());
    AT_DISPATCH_FLOATING_TYPES(u.scalar_type(), "pair_dot", [&] { pair_dot_kernel<scalar_t>(u, target, source, out); });
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& u = saved[0];
    const at::Tensor& target = saved[1];
    const at::Tensor& source = saved[2];
    const at::Tensor g = grads[0].to(u.scalar_type()).contiguous();
    at::Tensor grad_u = at::zeros_like(u);
    AT_DISPATCH_FLOATING_TYPES(u.scalar_type(), "pair_dot_backward", [&] {
      scatter_kernel<scalar_t>(u, target, source, g, grad_u);
      scatter_kernel<scalar_t>(u, source, target, g, grad_u);
    });
    return {grad_u, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor pair_dot(const at::Tensor& u, const at::Tensor& target, const at::Tensor& source) {
  const at::Device device = u.device();
  // The kernels run on the CPU; other devices round-trip (rare: structure
  // learning on a GPU would want a fused kernel of its own).
  const at::Tensor out = PairDot::apply(u.to(at::kCPU).contiguous(), target.to(at::kCPU).contiguous(),
                                        source.to(at::kCPU).contiguous());
  return out.to(device);
}

}  // namespace trellis::grape

#include "trellis/sdk/trace.hpp"

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::sdk {

const at::Tensor& traced(const std::vector<TracedTensor>& trace, const std::string& name) {
  std::vector<std::string> names;
  for (const auto& t : trace) {
    if (t.name == name) return t.value;
    names.push_back(t.name);
  }
  throw Error("the trace has no tensor '" + name + "'; it has: " + (names.empty() ? "none" : join(names)));
}

}  // namespace trellis::sdk

// Registers a component name that test_alpha also registers.
#include "trellis/sdk/plugin.hpp"
#include "trellis/sdk/relation.hpp"

namespace {
using namespace trellis::sdk;
class Shared : public RelationTyper {
 public:
  Graph assign(const Graph& graph, const GeneTable&) override { return graph; }
};
void register_beta(Registrar& r) {
  r.add<trellis::sdk::RelationTyper>("shared_name", "Also registered by test_alpha", OptionSchema{},
                 [](const Options&) { return std::make_shared<Shared>(); });
}
}  // namespace

TRELLIS_PLUGIN("test_beta", "0.0.1", "Test plugin beta", "MIT", register_beta)

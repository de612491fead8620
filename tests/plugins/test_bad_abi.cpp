// A plugin whose PluginInfo does not match the host (abi): loading must fail.
#include "trellis/sdk/plugin.hpp"

namespace {
void register_nothing(trellis::sdk::Registrar&) {}
const trellis::sdk::PluginInfo* info() {
  static const trellis::sdk::PluginInfo i{999u, "test_bad_abi", "0.1", "mismatched", "MIT",
                                          TORCH_VERSION, _GLIBCXX_USE_CXX11_ABI, &register_nothing};
  return &i;
}
}  // namespace

BOOST_DLL_ALIAS(info, trellis_plugin_entry)

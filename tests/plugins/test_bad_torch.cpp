// A plugin whose PluginInfo does not match the host (torch): loading must fail.
#include "trellis/sdk/plugin.hpp"

namespace {
void register_nothing(trellis::sdk::Registrar&) {}
const trellis::sdk::PluginInfo* info() {
  static const trellis::sdk::PluginInfo i{TRELLIS_SDK_ABI_VERSION, "test_bad_torch", "0.1", "mismatched", "MIT",
                                          "0.0.1", _GLIBCXX_USE_CXX11_ABI, &register_nothing};
  return &i;
}
}  // namespace

BOOST_DLL_ALIAS(info, trellis_plugin_entry)

#include "plugin_support.hpp"

#include <memory>

namespace trellis::test {

const core::plugin::PluginHost& build_tree_plugins() {
  static const auto host = [] {
    auto p = std::make_unique<core::plugin::PluginHost>();
    p->add_search_path(TRELLIS_PLUGIN_BUILD_DIR, "build tree");
    p->load_search_path();
    return p;
  }();
  return *host;
}

}  // namespace trellis::test

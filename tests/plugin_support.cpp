#include "plugin_support.hpp"

#include <memory>

#include <nlohmann/json.hpp>

#include "trellis/io/readers.hpp"
#include "trellis/split/splitters.hpp"

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

const core::plugin::PluginHost& run_host() {
  static const auto host = [] {
    auto p = std::make_unique<core::plugin::PluginHost>();
    p->add_builtin("builtin", "built-in readers and splitters", [](sdk::Registrar& r) {
      core::io::register_readers(r);
      core::split::register_splitters(r);
    });
    p->add_search_path(TRELLIS_PLUGIN_BUILD_DIR, "build tree");
    p->load_search_path();
    return p;
  }();
  return *host;
}

const core::data::LoadedScreen& norman19_annotated(const std::filesystem::path& data) {
  static const auto loaded = [&] {
    core::plugin::PluginHost readers;
    readers.add_builtin("builtin", "built-in readers", &core::io::register_readers);
    const nlohmann::json config{{"name", "norman19"},
                                {"path", (data / "perturbseq/norman19_mcfaline23_subset.h5ad").string()},
                                {"condition_column", "perturbation"},
                                {"control_label", "control"},
                                {"perturbation_type_column", "perturbation_type"},
                                {"select", {{"dataset", "norman19"}}},
                                {"annotation", {{"source", "tsv"}, {"dir", data.string()}}}};
    return std::make_unique<core::data::LoadedScreen>(
        core::data::load_screen(core::data::parse_data_config(config), readers));
  }();
  return *loaded;
}

}  // namespace trellis::test

#pragma once
// Which reader component reads a dataset.

#include <memory>
#include <string>

#include "trellis/data/data_config.hpp"

namespace trellis::core::plugin {
class PluginHost;
struct Origin;
}
namespace trellis::sdk {
class Reader;
}

namespace trellis::core::data {

/// The reader component for `config`: [data] reader, or the first loaded
/// reader that recognises the path. `chosen` gets its lookup name
/// ("reader/h5ad") and `origin` where it came from, for plugin::guarded
/// calls into it. Throws trellis::sdk::Error listing the readers when none
/// recognises the path.
std::shared_ptr<sdk::Reader> choose_reader(const DataConfig& config, const plugin::PluginHost& host,
                                           std::string& chosen, plugin::Origin& origin);

}  // namespace trellis::core::data

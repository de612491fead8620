#pragma once
// Which reader component reads a dataset.

#include <memory>
#include <string>

#include "trellis/data/data_config.hpp"

namespace trellis::core::plugin {
class PluginHost;
}
namespace trellis::sdk {
class Reader;
}

namespace trellis::core::data {

/// The reader component for `config`: [data] reader, or the first loaded
/// reader that recognises the path. `chosen` gets its lookup name
/// ("reader/h5ad"). Throws trellis::sdk::Error listing the readers when none
/// recognises the path.
std::shared_ptr<sdk::Reader> choose_reader(const DataConfig& config, const plugin::PluginHost& host,
                                           std::string& chosen);

}  // namespace trellis::core::data

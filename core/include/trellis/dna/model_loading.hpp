#pragma once
// DNA models from the plugins: built from a `dnalm/<name>` type and its
// options, or rebuilt from a model file's header and loaded.

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "trellis/sdk/dna_model.hpp"

namespace trellis::core::plugin {
class PluginHost;
}

namespace trellis::core::dna {

/// `type` is "dnalm/<name>" (or "<name>"); `where` names the config table.
std::shared_ptr<sdk::DnaModel> create_dna_model(const plugin::PluginHost& host, const std::string& type,
                                                const nlohmann::json& options, const std::string& where);

/// The model a file written by `trellis dna train` holds, with its header.
std::shared_ptr<sdk::DnaModel> load_dna_model(const plugin::PluginHost& host, const std::string& file,
                                              sdk::DnaModelHeader& header);

}  // namespace trellis::core::dna

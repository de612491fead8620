#include "trellis/dna/model_loading.hpp"

#include "trellis/plugin/plugin_host.hpp"

namespace trellis::core::dna {

std::shared_ptr<sdk::DnaModel> create_dna_model(const plugin::PluginHost& host, const std::string& type,
                                                const nlohmann::json& options, const std::string& where) {
  const std::string prefix = sdk::kind_name<sdk::DnaModel>() + "/";
  const std::string name = type.rfind(prefix, 0) == 0 ? type.substr(prefix.size()) : type;
  return host.create<sdk::DnaModel>(name, options, where);
}

std::shared_ptr<sdk::DnaModel> load_dna_model(const plugin::PluginHost& host, const std::string& file,
                                              sdk::DnaModelHeader& header) {
  header = sdk::read_dna_model_header(file);
  auto model = create_dna_model(host, header.component, header.options, "the model file '" + file + "'");
  sdk::load_dna_parameters(file, *model);
  return model;
}

}  // namespace trellis::core::dna

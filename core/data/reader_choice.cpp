#include "trellis/data/reader_choice.hpp"

#include <vector>

#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/reader.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::core::data {

std::shared_ptr<sdk::Reader> choose_reader(const DataConfig& config, const plugin::PluginHost& host,
                                           std::string& chosen) {
  if (!config.reader.empty()) {
    const auto& component = host.find(sdk::Kind::reader, config.reader);
    chosen = component.spec.key();
    return host.create<sdk::Reader>(sdk::Kind::reader, config.reader, config.reader_options, "[data.reader_options]");
  }
  std::vector<std::string> names;
  for (const auto* component : host.components(sdk::Kind::reader)) {
    names.push_back(component->spec.key());
    auto reader = host.create<sdk::Reader>(sdk::Kind::reader, component->spec.name, config.reader_options,
                                           "[data.reader_options]");
    if (reader->recognises(config.path)) {
      chosen = component->spec.key();
      return reader;
    }
  }
  throw sdk::Error("cannot tell the format of '" + config.path + "'; name a reader with [data] reader = \"...\" (" +
                   (names.empty() ? std::string("no readers are loaded") : "available: " + sdk::join(names)) + ")");
}

}  // namespace trellis::core::data

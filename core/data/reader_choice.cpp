#include "trellis/data/reader_choice.hpp"

#include <vector>

#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/reader.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::core::data {

std::shared_ptr<sdk::Reader> choose_reader(const DataConfig& config, const plugin::PluginHost& host,
                                           std::string& chosen, plugin::Origin& origin) {
  if (!config.reader.empty()) {
    const auto& component = host.find(sdk::kind_name<sdk::Reader>(), config.reader);
    chosen = component.spec.key();
    return host.create<sdk::Reader>(config.reader, config.reader_options, "[data.reader_options]", &origin);
  }
  std::vector<std::string> names;
  for (const auto* component : host.components(sdk::kind_name<sdk::Reader>())) {
    names.push_back(component->spec.key());
    auto reader =
        host.create<sdk::Reader>(component->spec.name, config.reader_options, "[data.reader_options]", &origin);
    if (plugin::guarded(origin, "recognise", [&] { return reader->recognises(config.path); })) {
      chosen = component->spec.key();
      return reader;
    }
  }
  throw sdk::Error("cannot tell the format of '" + config.path + "'; name a reader with [data] reader = \"...\" (" +
                   (names.empty() ? std::string("no readers are loaded") : "available: " + sdk::join(names)) + ")");
}

}  // namespace trellis::core::data

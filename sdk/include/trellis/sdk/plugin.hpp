#pragma once
/// @file plugin.hpp
/// The plugin contract: the entry point, PluginInfo and the Registrar.
///
/// A plugin library exports exactly one symbol, `trellis_plugin_entry`,
/// through TRELLIS_PLUGIN. The host calls it, checks every field of the
/// returned PluginInfo against its own, then calls `register_components`
/// with its registrar. Registration is explicit: no static constructors, no
/// global registries.
///
/// @code
/// void register_components(trellis::sdk::Registrar& r) {
///   r.add_relation("by_sign", "Relation type from the sign of the weight",
///                  trellis::sdk::OptionSchema{},
///                  [](const trellis::sdk::Options&) { return std::make_shared<BySign>(); });
/// }
/// TRELLIS_PLUGIN("hello", "1.0.0", "Example plugin", "MIT", register_components)
/// @endcode

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>

#include <boost/dll/alias.hpp>
#include <torch/version.h>

#include "trellis/sdk/export.hpp"
#include "trellis/sdk/options.hpp"
#include "trellis/sdk/version.hpp"

namespace trellis::sdk {

// The interfaces are only named here; a plugin includes the headers of the
// ones it implements (encoder.hpp, gsl.hpp, ...). This keeps the host's
// plugin code free of the heavy LibTorch module headers.
class FeatureEncoder;
class GraphConstructor;
class RelationTyper;
class StructureLearner;
class Predictor;
class Metric;
class Reader;
class Splitter;

/// Component kinds; a component's lookup name is `<kind>/<name>`.
enum class Kind { encoder, graph, relation, gsl, predictor, metric, reader, splitter };

/// "encoder", "graph", ...
TRELLIS_SDK_API std::string to_string(Kind kind);

template <class Interface>
using Factory = std::function<std::shared_ptr<Interface>(const Options&)>;

/// A registered component: its name, what it does, its options, and how to make one.
struct TRELLIS_SDK_API ComponentSpec {
  Kind kind = Kind::encoder;
  std::string name;         ///< without the kind prefix
  std::string description;  ///< one line, shown by `trellis plugins list`
  OptionSchema options;
  std::variant<Factory<FeatureEncoder>, Factory<GraphConstructor>, Factory<RelationTyper>,
               Factory<StructureLearner>, Factory<Predictor>, Factory<Metric>, Factory<Reader>,
               Factory<Splitter>>
      factory;

  /// `<kind>/<name>`
  std::string key() const { return to_string(kind) + "/" + name; }
};

/// Implemented by the host; a plugin adds its components to it.
class TRELLIS_SDK_API Registrar {
 public:
  virtual ~Registrar();
  virtual void add(ComponentSpec spec) = 0;

  void add_encoder(const std::string& name, const std::string& description, OptionSchema options,
                   Factory<FeatureEncoder> factory) {
    add({Kind::encoder, name, description, std::move(options), std::move(factory)});
  }
  void add_graph(const std::string& name, const std::string& description, OptionSchema options,
                 Factory<GraphConstructor> factory) {
    add({Kind::graph, name, description, std::move(options), std::move(factory)});
  }
  void add_relation(const std::string& name, const std::string& description, OptionSchema options,
                    Factory<RelationTyper> factory) {
    add({Kind::relation, name, description, std::move(options), std::move(factory)});
  }
  void add_gsl(const std::string& name, const std::string& description, OptionSchema options,
               Factory<StructureLearner> factory) {
    add({Kind::gsl, name, description, std::move(options), std::move(factory)});
  }
  void add_predictor(const std::string& name, const std::string& description, OptionSchema options,
                     Factory<Predictor> factory) {
    add({Kind::predictor, name, description, std::move(options), std::move(factory)});
  }
  void add_metric(const std::string& name, const std::string& description, OptionSchema options,
                  Factory<Metric> factory) {
    add({Kind::metric, name, description, std::move(options), std::move(factory)});
  }
  void add_reader(const std::string& name, const std::string& description, OptionSchema options,
                  Factory<Reader> factory) {
    add({Kind::reader, name, description, std::move(options), std::move(factory)});
  }
  void add_splitter(const std::string& name, const std::string& description, OptionSchema options,
                    Factory<Splitter> factory) {
    add({Kind::splitter, name, description, std::move(options), std::move(factory)});
  }
};

/// What a plugin's entry point returns. The first two fields keep their
/// layout in every ABI version, so a mismatch can always be reported by name.
struct PluginInfo {
  std::uint32_t sdk_abi_version;  ///< TRELLIS_SDK_ABI_VERSION the plugin was built with
  const char* name;               ///< plugin (family) name, e.g. "gears"
  const char* version;            ///< the plugin's own version
  const char* description;
  const char* licence;            ///< SPDX identifier, e.g. "MIT"
  const char* torch_version;      ///< TORCH_VERSION the plugin was built with
  int cxx11_abi;                  ///< _GLIBCXX_USE_CXX11_ABI the plugin was built with
  void (*register_components)(Registrar&);
};

/// Signature of the exported entry point.
using PluginEntry = const PluginInfo*();

}  // namespace trellis::sdk

/// Name of the one symbol a plugin exports.
#define TRELLIS_PLUGIN_ENTRY_SYMBOL "trellis_plugin_entry"

/// Declares the plugin's entry point. Use once per plugin library, at namespace scope.
#define TRELLIS_PLUGIN(NAME, VERSION, DESCRIPTION, LICENCE, REGISTER_FUNCTION)                    \
  namespace {                                                                                     \
  const ::trellis::sdk::PluginInfo* trellis_plugin_info_() {                                      \
    static const ::trellis::sdk::PluginInfo info{                                                 \
        TRELLIS_SDK_ABI_VERSION, NAME,          VERSION,                 DESCRIPTION, LICENCE,   \
        TORCH_VERSION,           _GLIBCXX_USE_CXX11_ABI, &REGISTER_FUNCTION};                    \
    return &info;                                                                                 \
  }                                                                                               \
  }                                                                                               \
  BOOST_DLL_ALIAS(trellis_plugin_info_, trellis_plugin_entry)

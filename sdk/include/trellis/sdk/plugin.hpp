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
///   r.add<trellis::sdk::RelationTyper>("by_sign", "Relation type from the sign of the weight",
///                                      trellis::sdk::OptionSchema{},
///                                      [](const trellis::sdk::Options&) { return std::make_shared<BySign>(); });
/// }
/// TRELLIS_PLUGIN("hello", "1.0.0", "Example plugin", "MIT", register_components)
/// @endcode

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/dll/alias.hpp>
#include <torch/version.h>

#include "trellis/sdk/export.hpp"
#include "trellis/sdk/kind.hpp"
#include "trellis/sdk/options.hpp"
#include "trellis/sdk/version.hpp"

namespace trellis::sdk {

/// Makes one component from its checked options.
template <class Interface>
using Factory = std::function<std::shared_ptr<Interface>(const Options&)>;

/// A registered component: its kind, name, what it does, its options, and how
/// to make one. The factory is type-erased so that any kind, including one a
/// plugin declares itself, registers the same way; `interface_type` says
/// which interface the objects it makes implement.
struct TRELLIS_SDK_API ComponentSpec {
  std::string kind;            ///< a declared kind (see kind.hpp), e.g. "encoder"
  std::string interface_type;  ///< KindInfo::type_id of the interface the factory makes
  std::string name;            ///< without the kind prefix
  std::string description;     ///< one line, shown by `trellis plugins list`
  OptionSchema options;
  /// Returns a `std::shared_ptr<Interface>` converted to `shared_ptr<void>`.
  std::function<std::shared_ptr<void>(const Options&)> factory;

  /// `<kind>/<name>`
  std::string key() const { return kind + "/" + name; }
};

/// Implemented by the host; a plugin adds its components to it. The host
/// refuses a component whose kind is not declared, or whose factory makes
/// another interface than its kind's.
class TRELLIS_SDK_API Registrar {
 public:
  virtual ~Registrar();
  virtual void add(ComponentSpec spec) = 0;

  /// Registers a component of the kind `Interface` declares, e.g.
  /// `r.add<sdk::FeatureEncoder>("name", "what it does", schema, factory)`.
  template <class Interface>
  void add(const std::string& name, const std::string& description, OptionSchema options,
           Factory<Interface> factory) {
    const KindInfo kind = KindOf<Interface>::info();
    auto erased = [factory = std::move(factory)](const Options& o) -> std::shared_ptr<void> {
      // Through shared_ptr<Interface> first, so the host's cast back to
      // Interface* is exact even when the object has several bases.
      std::shared_ptr<Interface> object = factory(o);
      return object;
    };
    add(ComponentSpec{kind.name, kind.type_id, name, description, std::move(options), std::move(erased)});
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

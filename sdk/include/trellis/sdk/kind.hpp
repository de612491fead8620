#pragma once
/// @file kind.hpp
/// Component kinds. A kind is the `<kind>` of a lookup name `<kind>/<name>`
/// and the interface its components implement. Each interface declares its
/// kind once, in its own header, with TRELLIS_SDK_KIND; the host has no list
/// of kinds: it asks declared_kinds().
///
/// @code
/// namespace trellis::sdk {
/// class TRELLIS_SDK_API Scorer { public: virtual ~Scorer(); virtual double score() = 0; };
/// TRELLIS_SDK_KIND(Scorer, "scorer", "Scores something")
/// }
/// @endcode

#include <optional>
#include <string>
#include <typeinfo>
#include <vector>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

/// One kind of component.
struct TRELLIS_SDK_API KindInfo {
  std::string name;         ///< e.g. "encoder"
  std::string interface;    ///< the interface's name, for messages, e.g. "FeatureEncoder"
  std::string type_id;      ///< typeid(Interface).name(): the interface's identity across libraries
  std::string description;  ///< one line, shown by `trellis plugins list`
};

/// Declares a kind. Declaring the same kind again is a no-op; declaring a
/// second interface under a declared name throws trellis::sdk::Error.
/// Returns true (so it can initialise a variable at load time).
TRELLIS_SDK_API bool declare_kind(const KindInfo& kind);
/// Every kind declared so far (by the SDK and by loaded plugins), by name.
TRELLIS_SDK_API std::vector<KindInfo> declared_kinds();
/// The kind named `name`, if declared.
TRELLIS_SDK_API std::optional<KindInfo> find_kind(const std::string& name);

/// Specialised for each interface by TRELLIS_SDK_KIND.
template <class Interface>
struct KindOf;

/// The kind name `Interface` declares, e.g. kind_name<FeatureEncoder>() == "encoder".
template <class Interface>
std::string kind_name() {
  return KindOf<Interface>::info().name;
}

}  // namespace trellis::sdk

/// Declares `INTERFACE` (a class in namespace trellis::sdk) as the interface
/// of kind `NAME`. Use once, in the interface's header, after the class,
/// inside namespace trellis::sdk.
#define TRELLIS_SDK_KIND(INTERFACE, NAME, DESCRIPTION)                                  \
  template <>                                                                          \
  struct KindOf<INTERFACE> {                                                           \
    static KindInfo info() { return {NAME, #INTERFACE, typeid(INTERFACE).name(), DESCRIPTION}; } \
  };                                                                                   \
  namespace kind_declarations {                                                        \
  inline const bool INTERFACE##_declared = declare_kind(KindOf<INTERFACE>::info());    \
  }

// A plugin that needs a symbol nobody defines: rtld_now loading must fail.
#include "trellis/sdk/plugin.hpp"

extern "C" int trellis_symbol_that_does_not_exist();

namespace {
void register_unresolved(trellis::sdk::Registrar&) { trellis_symbol_that_does_not_exist(); }
}  // namespace

TRELLIS_PLUGIN("test_unresolved", "0.1", "Has an unresolved symbol", "MIT", register_unresolved)

// A plugin whose registration function throws.
#include <stdexcept>

#include "trellis/sdk/plugin.hpp"

namespace {
void register_throws(trellis::sdk::Registrar&) { throw std::runtime_error("registration exploded"); }
}  // namespace

TRELLIS_PLUGIN("test_register_throws", "0.1", "Throws while registering", "MIT", register_throws)

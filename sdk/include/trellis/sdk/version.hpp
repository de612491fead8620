#pragma once
/// @file version.hpp
/// Versions a plugin is checked against when the host loads it.

#include <cstdint>

/// ABI version of the SDK: bumped whenever a change to an SDK type would
/// break a plugin compiled against the previous headers. The host refuses a
/// plugin whose value differs from its own.
#define TRELLIS_SDK_ABI_VERSION 8u

/// Human-readable SDK version (also the CMake package version).
#define TRELLIS_SDK_VERSION "0.1.0"

namespace trellis::sdk {

/// The ABI version this SDK was built with (see TRELLIS_SDK_ABI_VERSION).
inline constexpr std::uint32_t sdk_abi_version = TRELLIS_SDK_ABI_VERSION;

}  // namespace trellis::sdk

#pragma once
/// @file export.hpp
/// Symbol visibility for the SDK library. Plugins are compiled with hidden
/// visibility; SDK types they share with the host keep default visibility so
/// that type identity (RTTI, exceptions) is the same on both sides.

#define TRELLIS_SDK_API __attribute__((visibility("default")))

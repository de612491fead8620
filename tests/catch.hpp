#pragma once
// Include this instead of <catch2/catch.hpp>. LibTorch's c10 logging header
// (glog) defines its own CHECK macros; if it came after Catch it would
// silently replace Catch's CHECK. Including it first lets Catch's win.
#include <c10/util/Logging.h>

#include <catch2/catch.hpp>

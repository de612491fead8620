#pragma once
/// @file layers.hpp
/// All reusable neural-network layers of the SDK in one include.

#include "trellis/sdk/nn/gat.hpp"
#include "trellis/sdk/nn/gcn.hpp"
#include "trellis/sdk/nn/attention.hpp"
#include "trellis/sdk/nn/gin.hpp"
#include "trellis/sdk/nn/graph_encoder.hpp"
#include "trellis/sdk/nn/gene_linear.hpp"
#include "trellis/sdk/nn/message_passing.hpp"
#include "trellis/sdk/nn/mlp.hpp"
#include "trellis/sdk/nn/sage.hpp"
#include "trellis/sdk/nn/sgconv.hpp"

#pragma once
// relation/biotype: GRAPE's relation types by endpoint biotypes (relation_biotype.cpp).

#include <memory>

#include "trellis/sdk/options.hpp"
#include "trellis/sdk/relation.hpp"

namespace trellis::grape {

std::shared_ptr<sdk::RelationTyper> make_biotype_relations(const sdk::Options& options);
sdk::OptionSchema biotype_relations_options();

}  // namespace trellis::grape

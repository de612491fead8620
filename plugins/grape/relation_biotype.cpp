// relation/biotype: each edge's relation type is the pair of its endpoints'
// biotype classes, source class first (METHODS.md, GRAPE).
//
//   classes = "binary": C = protein_coding, N = everything else. METHODS
//     names three relations, C-C, N-N and C-N "both directions": undirected
//     (the default) merges N-C into C-N; `directed = true` keeps them apart.
//   classes = "fine": protein_coding, lncRNA, miRNA, sno/snRNA (snoRNA and
//     snRNA merged: both are small nuclear guide RNAs and each is rare),
//     pseudogene, other; pair names like "protein_coding-lncRNA" (classes in
//     that order when undirected). Pairs with fewer than
//     max(min_edges, ceil(min_fraction * E)) edges merge into one "other"
//     relation so the heterogeneous GNN gets no relation with a handful of
//     edges to fit a whole GAT on.
//
// `types` selects relations: only edges of the listed types are kept (fine:
// pairs not listed go to "other" when "other" is listed, else are dropped).
// A selected type without edges is dropped with a warning naming it (binary:
// every type is selected by default; fine: the 21 or 36 possible pairs are
// not all expected, so absent ones are only logged). Relation ids are dense,
// in the order of the names above, "other" last, so they can change when a
// type has no edges: consumers should key relations by name. Dropping edges
// keeps the weights' autograd history, so a predictor can type a structure
// learner's graph every step (each message is logged once per graph).
#include "relation_biotype.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <ATen/ATen.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::grape {

namespace {

constexpr const char* kWho = "relation/biotype";
constexpr const char* kOther = "other";

using sdk::join;

class BiotypeRelations : public sdk::RelationTyper {
 public:
  explicit BiotypeRelations(const sdk::Options& options)
      : directed_(options.get_bool("directed")),
        min_fraction_(options.get_double("min_fraction")),
        min_edges_(options.get_int("min_edges")) {
    const std::string classes = options.get_string("classes");  // "binary" or "fine" (declared choices)
    fine_ = classes == "fine";
    if (fine_)
      classes_ = {"protein_coding", "lncRNA", "miRNA", "sno/snRNA", "pseudogene", "other"};
    else
      classes_ = {"C", "N"};

    const auto c = static_cast<std::int64_t>(classes_.size());
    for (std::int64_t a = 0; a < c; ++a)
      for (std::int64_t b = directed_ ? 0 : a; b < c; ++b) {
        pair_index_[a * c + b] = static_cast<std::int64_t>(names_.size());
        names_.push_back(classes_[static_cast<std::size_t>(a)] + "-" + classes_[static_cast<std::size_t>(b)]);
      }
    if (fine_) names_.push_back(kOther);  // relation of the rare pairs

    for (const auto& t : options.get_strings("types")) {
      if (std::find(names_.begin(), names_.end(), t) == names_.end())
        throw options.invalid("types", "asks for relation type '" + t + "', which does not exist for classes = \"" +
                                           classes + "\" with directed = " + (directed_ ? "true" : "false") +
                                           "; available: " + join(names_));
      if (std::find(types_.begin(), types_.end(), t) == types_.end()) types_.push_back(t);
    }
  }

  sdk::Graph assign(const sdk::Graph& graph, const sdk::GeneTable& genes) override {
    if (graph.num_nodes != genes.size())
      throw sdk::Error(std::string(kWho) + ": graph '" + graph.name + "' has " + std::to_string(graph.num_nodes) +
                       " nodes but the gene table has " + std::to_string(genes.size()) +
                       " genes; the graph must be built over the same gene universe");
    graph.validate();
    const auto c = static_cast<std::int64_t>(classes_.size());
    std::vector<std::int64_t> node_class(static_cast<std::size_t>(genes.size()));
    for (std::int64_t i = 0; i < genes.size(); ++i) node_class[static_cast<std::size_t>(i)] = class_of(genes.at(i).biotype);

    // Candidate relation (index into names_) of every edge.
    const std::int64_t e = graph.num_edges();
    const at::Tensor edges = graph.edge_index.to(at::kCPU).contiguous();
    const auto* src = edges.data_ptr<std::int64_t>();
    const auto* dst = src + e;
    std::vector<std::int64_t> candidate(static_cast<std::size_t>(e));
    std::vector<std::int64_t> count(names_.size(), 0);
    for (std::int64_t i = 0; i < e; ++i) {
      std::int64_t a = node_class[static_cast<std::size_t>(src[i])], b = node_class[static_cast<std::size_t>(dst[i])];
      if (!directed_ && b < a) std::swap(a, b);
      const std::int64_t r = pair_index_.at(a * c + b);
      candidate[static_cast<std::size_t>(i)] = r;
      ++count[static_cast<std::size_t>(r)];
    }

    // Where each candidate goes: itself, "other" (fine), or nowhere (-1).
    const std::int64_t other = fine_ ? static_cast<std::int64_t>(names_.size()) - 1 : -1;
    std::vector<std::int64_t> target(names_.size(), -1);
    std::vector<std::string> merged;
    if (types_.empty()) {
      const auto least = std::max<std::int64_t>(min_edges_, static_cast<std::int64_t>(std::ceil(min_fraction_ * static_cast<double>(e))));
      for (std::size_t r = 0; r + (fine_ ? 1 : 0) < names_.size(); ++r) {
        target[r] = static_cast<std::int64_t>(r);
        if (fine_ && count[r] > 0 && count[r] < least) {
          target[r] = other;
          merged.push_back(names_[r] + " (" + std::to_string(count[r]) + ")");
        }
      }
      if (!merged.empty())
        once(graph.name, "merged", sdk::LogLevel::info,
             std::string(kWho) + ": graph '" + graph.name + "': pair types with fewer than " + std::to_string(least) +
                 " edges merged into 'other': " + join(merged));
    } else {
      const bool want_other = fine_ && std::find(types_.begin(), types_.end(), kOther) != types_.end();
      for (std::size_t r = 0; r < names_.size(); ++r) {
        if (std::find(types_.begin(), types_.end(), names_[r]) != types_.end())
          target[r] = static_cast<std::int64_t>(r);
        else if (want_other)
          target[r] = other;
      }
    }
    std::vector<std::int64_t> final_count(names_.size(), 0);
    for (std::size_t r = 0; r < names_.size(); ++r)
      if (target[r] >= 0) final_count[static_cast<std::size_t>(target[r])] += count[r];

    // Selected types without edges: warned about, dropped; the rest renumbered densely.
    std::vector<std::int64_t> dense(names_.size(), -1);
    sdk::Graph typed = graph;
    typed.relation_names.clear();
    std::vector<std::string> absent;
    for (std::size_t r = 0; r < names_.size(); ++r) {
      const bool selected =
          types_.empty() ? !fine_ : std::find(types_.begin(), types_.end(), names_[r]) != types_.end();
      if (final_count[r] > 0) {
        dense[r] = static_cast<std::int64_t>(typed.relation_names.size());
        typed.relation_names.push_back(names_[r]);
      } else if (selected) {
        once(graph.name, "empty " + names_[r], sdk::LogLevel::warning,
             std::string(kWho) + ": no edge of graph '" + graph.name + "' is of relation type '" + names_[r] +
                 "'; the type is dropped");
      } else if (fine_ && names_[r] != kOther && count[r] == 0) {
        absent.push_back(names_[r]);
      }
    }
    if (!absent.empty())
      once(graph.name, "absent", sdk::LogLevel::info,
           std::string(kWho) + ": graph '" + graph.name + "' has no edges of pair types " + join(absent));

    std::vector<std::int64_t> kept, type;
    kept.reserve(static_cast<std::size_t>(e));
    type.reserve(static_cast<std::size_t>(e));
    for (std::int64_t i = 0; i < e; ++i) {
      const std::int64_t t = target[static_cast<std::size_t>(candidate[static_cast<std::size_t>(i)])];
      if (t < 0) continue;
      kept.push_back(i);
      type.push_back(dense[static_cast<std::size_t>(t)]);
    }
    if (e > 0 && kept.empty()) {
      std::vector<std::string> present;
      for (std::size_t r = 0; r < names_.size(); ++r)
        if (count[r] > 0) present.push_back(names_[r] + " (" + std::to_string(count[r]) + " edges)");
      throw sdk::Error(std::string(kWho) + ": none of the " + std::to_string(e) + " edges of graph '" + graph.name +
                       "' is of the requested types [" + join(types_) + "]; its edges are " + join(present) +
                       "; change types or leave it empty for all");
    }
    const auto n = static_cast<std::int64_t>(kept.size());
    if (n < e) {
      once(graph.name, "dropped", sdk::LogLevel::info,
           std::string(kWho) + ": graph '" + graph.name + "': " + std::to_string(e - n) + " of " + std::to_string(e) +
               " edges are of unselected types and are dropped");
      const at::Tensor index = at::tensor(kept, at::kLong).to(graph.edge_index.device());
      typed.edge_index = graph.edge_index.index_select(1, index);
      if (graph.weight.defined()) typed.weight = graph.weight.index_select(0, index.to(graph.weight.device()));
    }
    typed.edge_type = (n == 0 ? at::empty({0}, at::kLong) : at::tensor(type, at::kLong)).to(graph.edge_index.device());
    typed.validate();
    return typed;
  }

 private:
  /// Logs `message` the first time `what` happens to graph `graph`: a
  /// predictor re-types its learned graph every step, and one line per
  /// graph is enough.
  void once(const std::string& graph, const std::string& what, sdk::LogLevel level, const std::string& message) {
    if (logged_.insert(graph + '\n' + what).second) sdk::log(level, message);
  }

  std::int64_t class_of(sdk::Biotype b) const {
    if (!fine_) return b == sdk::Biotype::protein_coding ? 0 : 1;
    switch (b) {
      case sdk::Biotype::protein_coding: return 0;
      case sdk::Biotype::lncRNA: return 1;
      case sdk::Biotype::miRNA: return 2;
      case sdk::Biotype::snoRNA:
      case sdk::Biotype::snRNA: return 3;
      case sdk::Biotype::pseudogene: return 4;
      case sdk::Biotype::other: return 5;
    }
    return 5;
  }

  bool directed_;
  bool fine_ = false;
  double min_fraction_;
  std::int64_t min_edges_;
  std::vector<std::string> classes_;
  std::vector<std::string> names_;          // every relation this scheme can produce
  std::map<std::int64_t, std::int64_t> pair_index_;  // class a * C + class b -> index into names_
  std::vector<std::string> types_;          // the user's selection; empty = all
  std::set<std::string> logged_;            // (graph, event) pairs already logged
};

}  // namespace

sdk::OptionSchema biotype_relations_options() {
  sdk::OptionSchema s;
  s.add("classes", "binary",
        "\"binary\": C = protein_coding, N = any other biotype (relations C-C, C-N, N-N); \"fine\": "
        "protein_coding, lncRNA, miRNA, sno/snRNA, pseudogene, other (relations named like "
        "\"protein_coding-lncRNA\", rare pairs merged into \"other\")")
      .choices({"binary", "fine"});
  s.add("directed", false,
        "keep source -> target order: C-N and N-C are different relations (default: C-N covers both)");
  s.add("types", std::vector<std::string>{},
        "relation types to keep (edges of other types are dropped; fine: they go to \"other\" when it is listed); "
        "empty = every type present");
  s.add("min_fraction", 0.01, "fine: a pair type with fewer than this fraction of the edges merges into \"other\"")
      .range(0, 1);
  s.add("min_edges", std::int64_t{0},
        "fine: a pair type with fewer edges than this merges into \"other\" (the larger of this and min_fraction "
        "applies)")
      .min(0);
  return s;
}

std::shared_ptr<sdk::RelationTyper> make_biotype_relations(const sdk::Options& options) {
  return std::make_shared<BiotypeRelations>(options);
}

}  // namespace trellis::grape

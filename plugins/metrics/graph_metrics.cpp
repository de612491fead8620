// graph_metric/*: AUPRC and early precision of an inferred network, each
// also as the ratio to a random ranking (BEELINE, Pratapa et al. 2020: a
// ratio of 1 is chance). Directed (regulator -> target) by default; the
// `directed = false` form compares unordered pairs, as `trellis graph score`
// does for undirected gene-gene graphs.
#include <memory>

#include "metrics.hpp"
#include "network_recovery.hpp"

namespace trellis::metrics {

namespace {

enum class Value { auprc, auprc_ratio, early_precision, early_precision_ratio };

class RecoveryMetric : public sdk::GraphMetric {
 public:
  RecoveryMetric(Value value, bool directed) : value_(value), directed_(directed) {}
  sdk::Direction direction() const override { return sdk::Direction::higher_is_better; }
  double compute(const sdk::GraphMetricInput& input) const override {
    const Recovery s = score_recovery(input, directed_);
    switch (value_) {
      case Value::auprc: return s.auprc;
      case Value::auprc_ratio: return s.auprc / s.density;
      case Value::early_precision: return s.early_precision;
      case Value::early_precision_ratio: return s.early_precision / s.density;
    }
    return s.auprc;
  }

 private:
  Value value_;
  bool directed_;
};

void add(sdk::Registrar& r, const char* name, const char* description, Value value) {
  sdk::OptionSchema schema;
  schema.add("directed", true,
             "compare regulator -> target pairs (true) or unordered gene pairs (false, for undirected graphs)");
  r.add<sdk::GraphMetric>(name, description, std::move(schema), [value](const sdk::Options& o) {
    return std::make_shared<RecoveryMetric>(value, o.get_bool("directed"));
  });
}

}  // namespace

void register_graph(sdk::Registrar& r) {
  add(r, "auprc", "Area under the precision-recall curve of the ranked network (average precision; higher is better)",
      Value::auprc);
  add(r, "auprc_ratio", "AUPRC divided by a random ranking's (the truth's density); 1 = chance (BEELINE)",
      Value::auprc_ratio);
  add(r, "early_precision",
      "Precision of the top-k edges, k = number of true edges (higher is better)", Value::early_precision);
  add(r, "early_precision_ratio", "Early precision divided by a random ranking's; 1 = chance (BEELINE's EPR)",
      Value::early_precision_ratio);
}

}  // namespace trellis::metrics

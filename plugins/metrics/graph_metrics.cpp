// graph_metric/*: BEELINE's scores of an inferred network against a truth
// network (Pratapa et al. 2020), computed as BEELINE's code computes them
// (beeline_scores.hpp). Ratios are to a random ranking: 1 is chance.
// Directed (regulator -> target) by default; `directed = false` compares
// unordered pairs, as `trellis graph score` does for undirected graphs.
#include <memory>

#include "beeline_scores.hpp"
#include "metrics.hpp"

namespace trellis::metrics {

namespace {

enum class Value { auprc, auprc_ratio, auroc, early_precision, epr };

class BeelineMetric : public sdk::GraphMetric {
 public:
  BeelineMetric(Value value, const sdk::Options& o)
      : value_(value),
        directed_(o.get_bool("directed")),
        tf_edges_(o.get_bool("tf_edges")),
        curve_(o.get_string("curve") == "davis_goadrich" ? PrCurve::davis_goadrich : PrCurve::trapezoid) {}
  sdk::Direction direction() const override { return sdk::Direction::higher_is_better; }
  double compute(const sdk::GraphMetricInput& input) const override {
    switch (value_) {
      case Value::auprc: return area_scores(input, directed_, curve_).auprc;
      case Value::auprc_ratio: {
        const AreaScores s = area_scores(input, directed_, curve_);
        return s.auprc / s.density();
      }
      case Value::auroc: return area_scores(input, directed_, curve_).auroc;
      case Value::early_precision: return early_scores(input, directed_, tf_edges_).early_precision;
      case Value::epr: return early_scores(input, directed_, tf_edges_).ratio();
    }
    return 0;
  }

 private:
  Value value_;
  bool directed_, tf_edges_;
  PrCurve curve_;
};

// Every graph metric takes the same options, so one [eval.network] table
// configures them all.
sdk::OptionSchema options() {
  sdk::OptionSchema schema;
  schema.add("directed", true,
             "compare regulator -> target pairs (true) or unordered gene pairs (false, for undirected graphs)");
  schema.add("tf_edges", true,
             "early precision: only edges leaving a regulator of the truth network compete (BEELINE's setting for "
             "real data); false: every listed edge does. Ignored by AUPRC/AUROC and when directed = false");
  schema.add("curve", "trapezoid",
             "AUPRC: trapezoid (BEELINE's BLEval/AUPRC.py, sklearn) or davis_goadrich (PRROC, the 2020 paper)")
      .choices({"trapezoid", "davis_goadrich"});
  return schema;
}

void add(sdk::Registrar& r, const char* name, const char* description, Value value) {
  r.add<sdk::GraphMetric>(name, description, options(),
                          [value](const sdk::Options& o) { return std::make_shared<BeelineMetric>(value, o); });
}

}  // namespace

void register_graph(sdk::Registrar& r) {
  add(r, "auprc", "Area under the precision-recall curve over all pairs of truth genes (BEELINE; higher is better)",
      Value::auprc);
  add(r, "auprc_ratio", "AUPRC divided by the truth's edge density (a random ranking's); 1 = chance (BEELINE)",
      Value::auprc_ratio);
  add(r, "auroc", "Area under the ROC curve over all pairs of truth genes; 0.5 = chance (BEELINE)", Value::auroc);
  add(r, "early_precision",
      "Precision of the top-k edges by |weight|, k = number of true edges, ties included (BEELINE)",
      Value::early_precision);
  add(r, "epr", "Early precision divided by a random ranking's; 1 = chance (BEELINE's EPR)", Value::epr);
}

}  // namespace trellis::metrics

// Writing evaluation results: metrics.json, metrics.csv, top_de.csv, and the
// terminal table.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "trellis/eval/evaluator.hpp"
#include "trellis/preprocess/differential.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/suggest.hpp"
#include "trellis/util/atomic_file.hpp"
#include "trellis/util/csv.hpp"

namespace trellis::core::eval {

namespace {

using util::csv_field;

std::string direction_name(sdk::Direction d) {
  return d == sdk::Direction::higher_is_better ? "higher_is_better" : "lower_is_better";
}

/// Shortest text that reads back as the same double.
std::string number(double v) {
  char buf[32];
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

/// The metrics of `row` in evaluation order, as an ordered JSON object.
nlohmann::ordered_json values_json(const Evaluation& e, const std::map<std::string, double>& row) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const std::string& m : e.metrics) {
    const auto it = row.find(m);
    if (it != row.end()) out[m] = it->second;
  }
  return out;
}

void write(const std::filesystem::path& path, const std::string& content) {
  try {
    util::write_file_atomic(path, content);
  } catch (const std::exception& e) {
    throw sdk::Error(e.what());
  }
}

void make_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw sdk::Error("cannot create the folder '" + dir.string() + "': " + ec.message());
}

}  // namespace

void write_metrics(const Evaluation& evaluation, const std::filesystem::path& dir) {
  make_dir(dir);
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["overall"] = values_json(evaluation, evaluation.overall);
  j["subgroups"] = nlohmann::ordered_json::object();
  for (const auto& [name, row] : evaluation.subgroups) j["subgroups"][name] = values_json(evaluation, row);
  j["conditions"] = nlohmann::ordered_json::object();
  static const std::map<std::string, double> none;
  for (const std::string& c : evaluation.conditions) {
    const auto it = evaluation.per_condition.find(c);
    j["conditions"][c] = values_json(evaluation, it == evaluation.per_condition.end() ? none : it->second);
  }
  j["directions"] = nlohmann::ordered_json::object();
  for (const std::string& m : evaluation.metrics) j["directions"][m] = direction_name(evaluation.directions.at(m));
  write(dir / "metrics.json", j.dump(2) + "\n");

  std::ostringstream csv;
  csv << "scope,name,metric,value\n";
  auto rows = [&](const std::string& scope, const std::string& name, const std::map<std::string, double>& row) {
    for (const std::string& m : evaluation.metrics) {
      const auto it = row.find(m);
      if (it != row.end()) csv << scope << ',' << csv_field(name) << ',' << csv_field(m) << ',' << number(it->second) << '\n';
    }
  };
  rows("overall", "", evaluation.overall);
  for (const auto& [name, row] : evaluation.subgroups) rows("subgroup", name, row);
  for (const std::string& c : evaluation.conditions) {
    const auto it = evaluation.per_condition.find(c);
    if (it != evaluation.per_condition.end()) rows("condition", c, it->second);
  }
  write(dir / "metrics.csv", csv.str());
}

void write_top_de(const EvaluationInput& input, const std::vector<std::string>& gene_names,
                  const std::filesystem::path& dir, std::size_t k) {
  if (!input.preprocessed) throw sdk::Error("write_top_de needs the preprocessed pseudobulk");
  const auto& pre = *input.preprocessed;
  const std::int64_t g = pre.pseudobulk.means.cols;
  if (static_cast<std::int64_t>(gene_names.size()) != g)
    throw sdk::Error("write_top_de: " + std::to_string(gene_names.size()) + " gene names for " + std::to_string(g) +
                     " genes");
  const auto n = static_cast<std::int64_t>(input.conditions.size());
  if (!input.predicted.defined() || input.predicted.dim() != 2 || input.predicted.size(0) != n ||
      input.predicted.size(1) != g)
    throw sdk::Error("write_top_de: predictions must be [" + std::to_string(n) + ", " + std::to_string(g) + "]");
  const at::Tensor predicted = input.predicted.detach().to(at::kCPU).to(at::kDouble).contiguous();
  const double* p = predicted.data_ptr<double>();
  make_dir(dir);
  std::ostringstream csv;
  csv << "condition,rank,gene,control,observed,predicted,observed_delta,predicted_delta\n";
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t c = input.conditions[static_cast<std::size_t>(i)];
    if (!pre.de.tested(c)) continue;  // control, or too few cells to test
    const std::string name = pre.condition_names.at(static_cast<std::size_t>(c));
    const auto top = preprocess::top_de(pre.de.ranking[static_cast<std::size_t>(c)], k);
    for (std::size_t r = 0; r < top.size(); ++r) {
      const std::int32_t gene = top[r];
      const double ctrl = pre.pseudobulk.means.at(pre.control_for(c), gene);
      const double obs = pre.pseudobulk.means.at(c, gene);
      const double pred = p[i * g + gene];
      csv << csv_field(name) << ',' << r + 1 << ',' << csv_field(gene_names[static_cast<std::size_t>(gene)]) << ','
          << number(ctrl) << ',' << number(obs) << ',' << number(pred) << ',' << number(obs - ctrl) << ','
          << number(pred - ctrl) << '\n';
    }
  }
  write(dir / "top_de.csv", csv.str());
}

std::string format_table(const Evaluation& evaluation, const std::vector<std::string>& metrics) {
  std::vector<std::string> shown = metrics.empty() ? evaluation.metrics : metrics;
  for (const std::string& m : shown)
    if (!evaluation.directions.count(m)) {
      const std::string near = sdk::closest_match(m, evaluation.metrics);
      throw sdk::Error("metric '" + m + "' was not computed" + (near.empty() ? "" : "; did you mean '" + near + "'?") +
                       " Computed: " + sdk::join(evaluation.metrics));
    }
  // Columns: metric, better, overall, one per subgroup.
  std::vector<std::string> header{"metric", "better", "overall"};
  for (const auto& [name, row] : evaluation.subgroups) header.push_back(name);
  std::vector<std::vector<std::string>> table{header};
  auto cell = [](const std::map<std::string, double>& row, const std::string& m) {
    const auto it = row.find(m);
    if (it == row.end()) return std::string("-");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f", it->second);
    return std::string(buf);
  };
  for (const std::string& m : shown) {
    std::vector<std::string> line{
        m, evaluation.directions.at(m) == sdk::Direction::higher_is_better ? "higher" : "lower",
        cell(evaluation.overall, m)};
    for (const auto& [name, row] : evaluation.subgroups) line.push_back(cell(row, m));
    table.push_back(std::move(line));
  }
  std::vector<std::size_t> width(header.size(), 0);
  for (const auto& line : table)
    for (std::size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], line[c].size());
  std::ostringstream out;
  for (const auto& line : table) {
    std::string text;
    for (std::size_t c = 0; c < line.size(); ++c) {
      // Names left-aligned, numbers right-aligned.
      const std::string pad(width[c] - line[c].size(), ' ');
      text += (c ? "  " : "") + (c < 2 ? line[c] + pad : pad + line[c]);
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << '\n';
  }
  return out.str();
}

}  // namespace trellis::core::eval

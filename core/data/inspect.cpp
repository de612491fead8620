#include "trellis/data/inspect.hpp"

#include <algorithm>
#include <exception>
#include <sstream>

#include "trellis/data/reader_choice.hpp"
#include "trellis/io/h5ad.hpp"
#include "trellis/io/h5ad_layout.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/preprocess/normalise.hpp"
#include "trellis/sdk/reader.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::core::data {

namespace {

constexpr std::size_t examples = 3;
constexpr std::int64_t max_covariate_values = 50;

std::vector<std::string> first_names(const std::vector<std::string>& names) {
  return {names.begin(), names.begin() + static_cast<std::ptrdiff_t>(std::min(examples, names.size()))};
}

std::string join_some(const std::vector<std::string>& names, std::size_t limit = 10) {
  std::vector<std::string> shown(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(std::min(limit, names.size())));
  std::string text = sdk::join(shown);
  if (names.size() > limit) text += ", ... (" + std::to_string(names.size()) + " in all)";
  return text;
}

std::string storage_text(const io::H5adMatrixLayout& layout) {
  std::ostringstream out;
  out << layout.encoding << ", " << layout.dtype << " values";
  if (!layout.index_dtype.empty()) out << ", " << layout.index_dtype << " indices";
  const double entries = static_cast<double>(layout.rows) * static_cast<double>(layout.cols);
  out << " (" << layout.stored << " stored";
  if (layout.encoding != "dense" && entries > 0) {
    out.precision(3);
    out << ", " << 100.0 * static_cast<double>(layout.stored) / entries << "% of cells x genes";
  }
  out << ")";
  return out.str();
}

std::string controls_text(const ConditionColumn& c, std::size_t limit = 4) {
  std::ostringstream out;
  for (std::size_t i = 0; i < std::min(limit, c.controls.size()); ++i)
    out << (i ? ", " : "") << c.controls[i].label << " (" << c.controls[i].cells << " cells"
        << (c.controls[i].exact ? "" : ", partial match") << ")";
  if (c.controls.size() > limit) out << ", ... (" << c.controls.size() << " control-like labels)";
  return out.str();
}

std::string candidates_text(const FileInspection& inspection) {
  if (inspection.conditions.empty()) return "none found";
  std::vector<std::string> parts;
  for (const auto& c : inspection.conditions) parts.push_back("'" + c.column + "' (" + controls_text(c, 2) + ")");
  return join_some(parts, 4);
}

void inspect_values(const sdk::AnnData& ad, const DataConfig& config, FileInspection& out) {
  out.values = io::summarise_values(ad.X);
  out.counts = preprocess::looks_like_counts(ad.X);
  const auto& v = out.values;
  if (v.nan + v.infinite > 0) {
    const bool nan_first = v.first_nan.found() && (!v.first_infinite.found() || v.first_nan.row <= v.first_infinite.row);
    out.problems.push_back("X has " + std::to_string(v.nan) + " NaN and " + std::to_string(v.infinite) +
                           " infinite values; the first at " +
                           io::describe_position(nan_first ? v.first_nan : v.first_infinite, ad.obs.index,
                                                 ad.var.index) +
                           ". Expression must be finite: fix or drop these cells or genes (e.g. numpy.nan_to_num "
                           "on X, or subset the AnnData)");
  }
  if (v.negative > 0) {
    const io::NegativeValues negative{v.negative, v.first_negative};
    if (config.values == "counts")
      out.problems.push_back("X has " + std::to_string(v.negative) + " negative values but [data] values = \"counts\"; the first at " +
                             io::describe_position(v.first_negative, ad.obs.index, ad.var.index) +
                             ". Counts cannot be negative: set values = \"log_normalised\" or fix the file");
    else
      out.problems.push_back(io::negative_values_problem(negative, ad.obs.index, ad.var.index));
  }
}

void find_candidates(FileInspection& out) {
  out.conditions = find_condition_columns(out.obs);
  out.perturbation_type_column = find_perturbation_type_column(out.obs);
  for (const auto& column : out.obs) {
    const bool condition = std::any_of(out.conditions.begin(), out.conditions.end(),
                                       [&](const ConditionColumn& c) { return c.column == column.name; });
    const auto values = static_cast<std::int64_t>(column.counts.size());
    if (column.is_text() && !condition && column.name != out.perturbation_type_column && values >= 2 &&
        values <= max_covariate_values)
      out.covariate_columns.push_back(column.name);
  }
}

}  // namespace

FileInspection inspect_file(const DataConfig& config, const plugin::PluginHost& host) {
  FileInspection out;
  out.path = config.path;
  sdk::AnnData ad;
  try {
    plugin::Origin origin;
    auto reader = choose_reader(config, host, out.reader, origin);
    if (out.reader == "reader/h5ad") {
      try {
        out.storage = storage_text(io::read_h5ad_matrix_layout(config.path));
      } catch (const std::exception& e) {
        out.problems.push_back(e.what());
      }
      io::H5adReadOptions options;
      options.check_values = false;  // counted and located below instead
      ad = io::read_h5ad(config.path, options);
    } else {
      ad = plugin::guarded(origin, "read", [&] { return reader->read(config.path); });
    }
  } catch (const std::exception& e) {
    out.problems.push_back(std::string("cannot read the data: ") + e.what());
    return out;
  }
  out.read = true;
  out.cells = ad.X.rows;
  out.genes = ad.X.cols;
  out.obs_index = ad.obs.index_name;
  out.var_index = ad.var.index_name;
  out.cell_examples = first_names(ad.obs.index);
  out.gene_examples = first_names(ad.var.index);
  out.obs = summarise_columns(ad.obs);
  out.var = summarise_columns(ad.var);
  out.guides = ad.guide_counts.rows > 0 ? ad.guide_counts.cols : 0;
  inspect_values(ad, config, out);
  if (const auto dups = io::duplicate_names(ad.var); !dups.empty())
    out.problems.push_back("duplicate gene names in var: " + join_some(dups) +
                           "; make gene names unique (e.g. anndata's var_names_make_unique)");
  find_candidates(out);
  if (out.conditions.empty() && out.guides == 0)
    out.problems.push_back("no obs column has a control-like label (looked for " + sdk::join(known_control_labels()) +
                           ", ignoring case, and labels containing them); set [data] condition_column and "
                           "control_label by hand");
  return out;
}

std::vector<std::string> condition_problems(const FileInspection& inspection, const DataConfig& config) {
  std::vector<std::string> problems;
  if (!inspection.read) return problems;
  const auto column = std::find_if(inspection.obs.begin(), inspection.obs.end(),
                                   [&](const ColumnSummary& c) { return c.name == config.condition_column; });
  if (column == inspection.obs.end()) {
    if (inspection.guides == 0)
      problems.push_back("obs has no column '" + config.condition_column +
                         "' ([data] condition_column) and the data has no guide counts to assign conditions from; "
                         "candidate columns: " + candidates_text(inspection));
    return problems;
  }
  if (column->count_of(config.format.control) == 0) {
    std::string text = "no cell has the control label '" + config.format.control + "' in column '" +
                       config.condition_column + "' ([data] control_label)";
    const auto candidate = std::find_if(inspection.conditions.begin(), inspection.conditions.end(),
                                        [&](const ConditionColumn& c) { return c.column == config.condition_column; });
    if (candidate != inspection.conditions.end())
      text += "; control-like labels there: " + controls_text(*candidate);
    else
      text += "; candidate columns: " + candidates_text(inspection);
    problems.push_back(text);
  }
  return problems;
}

std::string describe(const FileInspection& in) {
  std::ostringstream out;
  out << "file         " << in.path << (in.reader.empty() ? "" : " (" + in.reader + ")") << "\n";
  if (!in.read) return out.str();
  out << "shape        " << in.cells << " cells x " << in.genes << " genes\n";
  if (!in.storage.empty()) out << "X            " << in.storage << "\n";
  const auto& v = in.values;
  out << "values       ";
  if (in.counts)
    out << "raw counts (every value a non-negative integer; normalised + log1p on load)";
  else if (v.nan + v.infinite > 0)
    out << "not usable as is (NaN or Inf present)";
  else if (v.negative > 0)
    out << "not counts, and negative values: scaled rather than log-normalised?";
  else
    out << "log-normalised (" << v.non_integer << " non-integer values; used as is)";
  out << "; range " << v.min << " .. " << v.max << "; negatives " << v.negative << ", NaN " << v.nan << ", Inf "
      << v.infinite << "\n";
  if (in.guides > 0) out << "guides       " << in.guides << " guide count columns (conditions can come from guides)\n";

  auto table = [&](const char* what, const std::string& index, const std::vector<std::string>& names,
                   const std::vector<ColumnSummary>& columns) {
    out << "\n" << what << " (index '" << index << "', e.g. " << sdk::join(names) << "; " << columns.size()
        << " columns)\n";
    std::size_t width = 0;
    for (const auto& c : columns) width = std::max(width, c.name.size());
    for (const auto& c : columns)
      out << "  " << c.name << std::string(width - c.name.size() + 2, ' ') << describe(c) << "\n";
  };
  table("obs", in.obs_index, in.cell_examples, in.obs);
  table("var", in.var_index, in.gene_examples, in.var);

  out << "\ncondition columns (candidates, best first; control-like labels with their cells)\n";
  if (in.conditions.empty()) out << "  none found\n";
  for (const auto& c : in.conditions)
    out << "  " << c.column << " (" << c.values << " labels): " << controls_text(c) << "\n";
  if (!in.perturbation_type_column.empty())
    out << "perturbation type column: " << in.perturbation_type_column << "\n";
  return out.str();
}

}  // namespace trellis::core::data

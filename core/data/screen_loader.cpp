#include "trellis/data/screen_loader.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <spdlog/spdlog.h>

#include "trellis/data/guides.hpp"
#include "trellis/data/reader_choice.hpp"
#include "trellis/data/universe.hpp"
#include "trellis/io/h5ad.hpp"
#include "trellis/io/matrix_values.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/options.hpp"
#include "trellis/sdk/reader.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::core::data {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> column_texts(const sdk::DataFrame& frame, const std::string& name, const std::string& where) {
  const sdk::Column& column = frame.column(name, where);
  std::vector<std::string> out(frame.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = column.text(i);
  return out;
}

// [data.guides], checked like component options.
GuideAssignmentOptions guide_options(const nlohmann::json& table) {
  const GuideAssignmentOptions defaults;
  const sdk::Options o(sdk::OptionSchema{}
                           .add("min_count", defaults.min_count, "UMIs a guide needs in a cell to count")
                           .min(0)
                           .add("min_fraction", defaults.min_fraction, "share of the cell's guide UMIs it needs")
                           .range(0, 1)
                           .add("non_targeting", defaults.non_targeting, "target label (or name prefix) of control guides")
                           .add("keep_multi", defaults.keep_multi, "keep cells with guides for several genes as combinations"),
                       table, "[data.guides]");
  GuideAssignmentOptions options;
  options.min_count = o.get_double("min_count");
  options.min_fraction = o.get_double("min_fraction");
  options.non_targeting = o.get_string("non_targeting");
  options.keep_multi = o.get_bool("keep_multi");
  return options;
}

void add_excluded(LoadReport& report, const std::string& reason, std::int64_t n) {
  if (n > 0) report.excluded.emplace_back(reason, n);
}

std::string join_some(const std::vector<std::string>& names) { return sdk::join_first(names, 10); }

}  // namespace

LoadedScreen load_screen(const DataConfig& config, const plugin::PluginHost& host) {
  LoadedScreen loaded;
  LoadReport& report = loaded.report;
  report.dataset = config.name;
  report.path = config.path;
  std::error_code ec;
  if (!fs::exists(config.path, ec))
    throw sdk::Error("data path '" + config.path + "' does not exist; check [data] path (or TRELLIS_DATA_DIR)");

  plugin::Origin origin;
  auto reader = choose_reader(config, host, report.reader, origin);
  sdk::AnnData ad = plugin::guarded(origin, "read", [&] { return reader->read(config.path); });
  const std::string where = "'" + config.path + "'";
  report.cells_read = ad.X.rows;
  report.genes_read = ad.X.cols;
  if (static_cast<std::int64_t>(ad.obs.size()) != ad.X.rows || static_cast<std::int64_t>(ad.var.size()) != ad.X.cols)
    throw sdk::Error(where + ": X is " + std::to_string(ad.X.rows) + " x " + std::to_string(ad.X.cols) + " but obs has " +
                     std::to_string(ad.obs.size()) + " rows and var " + std::to_string(ad.var.size()));
  if (const auto dups = io::duplicate_names(ad.var); !dups.empty())
    throw sdk::Error(where + ": duplicate gene names in var: " + join_some(dups) +
                     "; make gene names unique (e.g. anndata's var_names_make_unique) before loading");

  // Per-cell condition labels: from the obs column, or from guide counts.
  // A cell without a label is excluded, for the reason recorded here.
  std::vector<std::string> labels;
  std::vector<std::string> unlabelled_reason;
  if (ad.obs.has(config.condition_column) || ad.guide_counts.rows == 0) {
    labels = column_texts(ad.obs, config.condition_column, where + " obs (set [data] condition_column)");
    unlabelled_reason.assign(labels.size(), "no condition label");
  } else {
    const GuideAssignmentOptions options = guide_options(config.guides);
    GuideAssignment assignment = assign_guides(ad, options, config.format.control);
    report.guide_summary = describe(assignment);
    labels = std::move(assignment.condition);
    for (const auto& reason : assignment.excluded_reason)
      unlabelled_reason.push_back(reason == no_guide_reason ? "no guide above the thresholds"
                                                            : "guides for conflicting targets");
  }

  // Cell selection by obs values, then cells without a condition.
  std::vector<std::int64_t> keep;
  std::vector<std::vector<std::string>> select_columns;
  for (const auto& [column, values] : config.select)
    select_columns.push_back(column_texts(ad.obs, column, where + " obs (used by [data.select])"));
  std::vector<std::vector<std::string>> context_columns;
  for (const auto& column : config.context)
    context_columns.push_back(column_texts(ad.obs, column, where + " obs (used by [data] context)"));
  std::map<std::string, std::int64_t> excluded;
  for (std::int64_t c = 0; c < ad.X.rows; ++c) {
    const auto i = static_cast<std::size_t>(c);
    bool selected = true;
    std::size_t k = 0;
    for (const auto& [column, values] : config.select) {
      const std::string& v = select_columns[k++][i];
      if (std::find(values.begin(), values.end(), v) == values.end()) selected = false;
    }
    if (!selected) {
      ++excluded["not selected by [data.select]"];
    } else if (labels[i].empty()) {
      ++excluded[unlabelled_reason[i]];
    } else if (std::any_of(context_columns.begin(), context_columns.end(),
                           [&](const std::vector<std::string>& column) { return column[i].empty(); })) {
      ++excluded["no value in a [data] context column"];
    } else {
      keep.push_back(c);
    }
  }
  for (const auto& [reason, n] : excluded) add_excluded(report, reason, n);
  if (keep.empty())
    throw sdk::Error(where + ": no cells left after selection" +
                     (config.select.empty() ? std::string() : " (check the values in [data.select])"));

  // Conditions.
  std::vector<std::string> type_column;
  if (!config.perturbation_type_column.empty())
    type_column = column_texts(ad.obs, config.perturbation_type_column, where + " obs (perturbation_type_column)");
  const auto default_type = *sdk::perturbation_type_from_string(config.perturbation_type);
  std::vector<CellCondition> cells;
  cells.reserve(keep.size());
  std::vector<std::string> perturbed;  // in order of first appearance
  std::set<std::string> seen_perturbed;
  bool has_control = false;
  for (auto c : keep) {
    CellCondition cell;
    cell.label = labels[static_cast<std::size_t>(c)];
    cell.genes = parse_condition(cell.label, config.format).genes;
    cell.type = default_type;
    for (const auto& column : context_columns)
      cell.context += (cell.context.empty() ? "" : "/") + column[static_cast<std::size_t>(c)];
    if (!type_column.empty()) {
      const auto t = sdk::perturbation_type_from_string(type_column[static_cast<std::size_t>(c)]);
      cell.type = t ? *t : sdk::PerturbationType::unknown;
    }
    has_control = has_control || cell.genes.empty();
    for (const auto& gene : cell.genes)
      if (seen_perturbed.insert(gene).second) perturbed.push_back(gene);
    cells.push_back(std::move(cell));
  }
  if (has_control && !config.context.empty()) {
    // Every context needs its own controls: its changes are taken against them.
    std::set<std::string> contexts, with_control;
    for (const auto& cell : cells) {
      contexts.insert(cell.context);
      if (cell.genes.empty()) with_control.insert(cell.context);
    }
    std::vector<std::string> missing;
    for (const auto& c : contexts)
      if (!with_control.count(c)) missing.push_back(c);
    if (!missing.empty())
      throw sdk::Error(where + ": contexts without control cells (label '" + config.format.control + "'): " +
                       join_some(missing) + ". Each context's changes are taken against its own controls; drop "
                       "these contexts with [data.select] or choose other [data] context columns");
  }
  if (!has_control) {
    std::set<std::string> distinct;
    for (const auto& cell : cells) distinct.insert(cell.label);
    throw sdk::Error(where + ": no control cells (no condition equals the control label '" + config.format.control +
                     "' in column '" + config.condition_column + "'); labels seen: " +
                     join_some(std::vector<std::string>(distinct.begin(), distinct.end())) +
                     ". Set [data] control_label");
  }

  sdk::CsrMatrix X = keep.size() == static_cast<std::size_t>(ad.X.rows) ? std::move(ad.X) : ad.X.select_rows(keep);
  std::vector<std::string> gene_names = ad.var.index;
  if (config.beeline_genes.enabled()) {
    const std::vector<std::string> kept = select_beeline_genes(config.beeline_genes, gene_names);
    std::vector<std::int64_t> columns;
    const std::set<std::string> keep_set(kept.begin(), kept.end());
    for (std::size_t j = 0; j < gene_names.size(); ++j)
      if (keep_set.count(gene_names[j])) columns.push_back(static_cast<std::int64_t>(j));
    spdlog::info("BEELINE gene selection ([data.beeline_genes]): {} of {} genes kept", kept.size(), gene_names.size());
    X = X.select_cols(columns);
    gene_names = kept;
  }
  std::map<std::string, std::vector<std::string>> covariates;
  for (const auto& name : config.covariates) {
    const auto all = column_texts(ad.obs, name, where + " obs (used by [data] covariates)");
    auto& values = covariates[name];
    for (auto c : keep) values.push_back(all[static_cast<std::size_t>(c)]);
  }
  std::vector<std::string> cell_names;
  cell_names.reserve(keep.size());
  for (auto c : keep) cell_names.push_back(ad.obs.index[static_cast<std::size_t>(c)]);
  ad = sdk::AnnData();  // free the raw copy early

  // Perturbed genes that are neither measured nor known to the annotation:
  // an error, or their cells dropped, or kept as genes without knowledge.
  const GeneKnowledge knowledge(config.annotation);
  std::vector<std::string> unknown_perturbed;
  {
    const std::set<std::string> measured(gene_names.begin(), gene_names.end());
    for (const auto& gene : perturbed)
      if (!measured.count(gene) && !knowledge.knows(gene)) unknown_perturbed.push_back(gene);
  }
  if (!unknown_perturbed.empty()) {
    const std::string names = join_some(unknown_perturbed);
    if (config.unknown_genes == "error")
      throw sdk::Error(where + ": perturbed genes neither measured nor known to the gene annotation (" +
                       knowledge.describe() + "): " + names +
                       ". Fix the condition labels, or set [data] unknown_genes = \"keep\" (keep them as genes "
                       "without knowledge) or \"drop\" (drop their cells)");
    if (config.unknown_genes == "drop") {
      const std::set<std::string> unknown(unknown_perturbed.begin(), unknown_perturbed.end());
      std::vector<std::int64_t> rows;
      std::vector<CellCondition> kept;
      for (std::size_t c = 0; c < cells.size(); ++c) {
        const bool drop = std::any_of(cells[c].genes.begin(), cells[c].genes.end(),
                                      [&](const std::string& g) { return unknown.count(g) > 0; });
        if (!drop) {
          rows.push_back(static_cast<std::int64_t>(c));
          kept.push_back(std::move(cells[c]));
        }
      }
      add_excluded(report, "perturbed gene unknown (" + names + ")", static_cast<std::int64_t>(cells.size() - kept.size()));
      X = X.select_rows(rows);
      std::vector<std::string> names;
      for (auto r : rows) names.push_back(cell_names[static_cast<std::size_t>(r)]);
      cell_names = std::move(names);
      for (auto& [name, values] : covariates) {
        std::vector<std::string> v;
        for (auto r : rows) v.push_back(values[static_cast<std::size_t>(r)]);
        values = std::move(v);
      }
      cells = std::move(kept);
      perturbed.erase(std::remove_if(perturbed.begin(), perturbed.end(),
                                     [&](const std::string& g) { return unknown.count(g) > 0; }),
                      perturbed.end());
      for (const auto& g : unknown) seen_perturbed.erase(g);
    } else {
      report.problems.push_back("perturbed genes without any gene knowledge (kept): " + names);
    }
  }

  // Normalisation (when counts), HVG selection with the measured perturbed
  // genes forced in, pseudobulk and DE, on conditions numbered in order of
  // first appearance (as build_screen numbers them).
  std::vector<std::string> condition_names;
  std::vector<std::int64_t> cell_condition;
  std::vector<std::int64_t> control_of;  // per condition: its context's control
  {
    std::map<std::string, std::int64_t> ids, control_in;
    std::vector<std::string> context_of;
    for (const auto& cell : cells) {
      auto [it, added] = ids.emplace(condition_name(cell), static_cast<std::int64_t>(condition_names.size()));
      if (added) {
        condition_names.push_back(it->first);
        context_of.push_back(cell.context);
        if (cell.genes.empty()) control_in.emplace(cell.context, it->second);
      }
      cell_condition.push_back(it->second);
    }
    for (const auto& context : context_of) control_of.push_back(control_in.at(context));
  }
  preprocess::PreprocessOptions options;
  options.input = config.values == "counts"           ? preprocess::InputScale::counts
                  : config.values == "log_normalised" ? preprocess::InputScale::log_normalised
                                                      : preprocess::InputScale::automatic;
  options.n_top_genes = config.hvg < X.cols ? config.hvg : 0;
  for (std::size_t j = 0; j < gene_names.size(); ++j)
    if (seen_perturbed.count(gene_names[j])) options.forced_genes.push_back(static_cast<std::int64_t>(j));
  // NaN/Inf and index ranges, before any arithmetic.
  X.validate_structure(where + " X");
  io::check_finite(X, cell_names, gene_names, where + " X");
  if (config.values != "counts") {
    // log1p of normalised counts is never negative; scaled data is not
    // expression, but a model can still be fitted to it, so warn only.
    if (const auto negative = io::find_negative(X); negative.count > 0)
      report.problems.push_back(io::negative_values_problem(negative, cell_names, gene_names));
  }
  loaded.preprocessed =
      preprocess::preprocess(X, cell_condition, condition_names, control_of, options, cell_names, gene_names);
  const auto& pre = loaded.preprocessed;
  report.values = pre.normalised ? "counts (normalised to 10,000 per cell + log1p)" : "log-normalised (used as is)";
  if (pre.genes.size() != gene_names.size()) {
    std::vector<std::string> kept;
    for (auto j : pre.genes) kept.push_back(gene_names[static_cast<std::size_t>(j)]);
    gene_names = std::move(kept);
  }
  if (!pre.de.skipped.empty()) {
    std::vector<std::string> tiny;
    for (auto c : pre.de.skipped) tiny.push_back(condition_names[static_cast<std::size_t>(c)]);
    report.problems.push_back("conditions with fewer than 2 cells (excluded from DE): " + join_some(tiny));
  }

  // The gene universe, with what the annotation source knows of each gene.
  Universe universe = knowledge.build(gene_names, perturbed);
  report.annotation = universe.summary;
  report.annotation_genes = universe.missing_listing;

  loaded.data = build_screen(std::move(X), cells, std::move(universe.genes), std::move(covariates));

  for (const auto& p : report.problems) spdlog::warn("{}", p);
  return loaded;
}

std::string describe(const LoadedScreen& loaded, bool with_problems) {
  const LoadReport& r = loaded.report;
  const sdk::Screen& s = loaded.data->screen;
  std::ostringstream out;
  std::int64_t singles = 0, combos = 0;
  std::vector<std::pair<std::int64_t, std::string>> sizes;
  std::vector<std::int64_t> count(s.conditions.size(), 0);
  const auto* cc = s.cell_condition.data_ptr<std::int64_t>();
  for (std::int64_t c = 0; c < s.num_cells(); ++c) ++count[static_cast<std::size_t>(cc[c])];
  std::int64_t control_cells = 0;
  for (std::size_t i = 0; i < s.conditions.size(); ++i) {
    const auto& cond = s.conditions[i];
    if (cond.is_control()) {
      control_cells += count[i];
      continue;
    }
    (cond.genes.size() == 1 ? singles : combos) += 1;
    sizes.emplace_back(count[i], cond.name);
  }
  std::sort(sizes.begin(), sizes.end());
  const auto& genes = *s.genes;
  out << "dataset      " << r.dataset << "\n"
      << "path         " << r.path << "\n"
      << "reader       " << r.reader << "\n"
      << "read         " << r.cells_read << " cells x " << r.genes_read << " genes\n"
      << "cells        " << s.num_cells() << " kept";
  for (const auto& [reason, n] : r.excluded) out << "; " << n << " excluded: " << reason;
  out << "\n"
      << "genes        " << s.num_genes() << " measured; universe " << genes.size() << " (+"
      << genes.size() - s.num_genes() << " perturbed, not measured)\n"
      << "values       " << r.values << "\n"
      << "conditions   " << singles << " single, " << combos << " combination, control " << control_cells
      << " cells\n";
  if (!sizes.empty()) {
    std::int64_t total = 0;
    for (const auto& [n, name] : sizes) total += n;
    out << "cells/cond.  min " << sizes.front().first << ", median " << sizes[sizes.size() / 2].first << ", max "
        << sizes.back().first << ", mean " << (total / static_cast<std::int64_t>(sizes.size())) << "\n"
        << "smallest     ";
    for (std::size_t i = 0; i < std::min<std::size_t>(5, sizes.size()); ++i)
      out << (i ? ", " : "") << sizes[i].second << " (" << sizes[i].first << ")";
    out << "\n";
  }
  if (!r.guide_summary.empty()) out << "guides       " << r.guide_summary << "\n";
  if (!r.annotation.empty()) out << "annotation   " << r.annotation << "\n";
  if (!with_problems) return out.str();
  if (r.problems.empty()) {
    out << "problems     none\n";
  } else {
    for (const auto& p : r.problems) out << "problem      " << p << "\n";
  }
  return out.str();
}

}  // namespace trellis::core::data

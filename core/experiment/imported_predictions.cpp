// Reading predictions made elsewhere and lining them up with the test
// conditions and measured genes, with errors that say which row or gene is
// wrong and how to fix it.
#include "trellis/experiment/imported_predictions.hpp"

#include <cmath>
#include <optional>
#include <unordered_map>

#include <ATen/ATen.h>

#include "trellis/io/h5ad.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::core::experiment {

namespace {

constexpr std::size_t kExamples = 5;

std::string in_quotes(const std::string& s) { return "'" + s + "'"; }

/// "'a', 'b' and 7 more": the first kExamples items (already formatted).
std::string examples(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < kExamples; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > kExamples) out += " and " + std::to_string(items.size() - kExamples) + " more";
  return out;
}

std::vector<std::string> all_in_quotes(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const auto& n : names) out.push_back(in_quotes(n));
  return out;
}

std::string plural(std::size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

/// Finds the screen condition a row label names: the same name, else the
/// same set of genes spelled otherwise ("B+A", GEARS's "A+ctrl").
class ConditionMatcher {
 public:
  ConditionMatcher(const sdk::Screen& screen, const data::ConditionFormat& format) : format_(format) {
    for (std::size_t i = 0; i < screen.conditions.size(); ++i) {
      const auto& c = screen.conditions[i];
      by_name_.emplace(c.name, static_cast<std::int64_t>(i));
      by_genes_.emplace(data::condition_key(c.genes), static_cast<std::int64_t>(i));
    }
  }

  std::optional<std::int64_t> find(const std::string& label) const {
    if (const auto it = by_name_.find(label); it != by_name_.end()) return it->second;
    data::ParsedCondition parsed;
    try {
      parsed = data::parse_condition(label, format_);
    } catch (const sdk::Error&) {
      return std::nullopt;  // not a condition label at all ("", "A++B")
    }
    if (const auto it = by_genes_.find(data::condition_key(parsed.genes)); it != by_genes_.end()) return it->second;
    return std::nullopt;
  }

 private:
  data::ConditionFormat format_;
  std::unordered_map<std::string, std::int64_t> by_name_;
  std::unordered_map<std::string, std::int64_t> by_genes_;
};

/// Row of `data` for each test condition, in `test` order.
std::vector<std::int64_t> match_rows(const sdk::AnnData& data, const std::string& file,
                                     const std::vector<std::string>& test, const sdk::Screen& screen,
                                     const data::ConditionFormat& format, ImportedPredictions& result) {
  if (!data.obs.has("condition")) {
    std::string columns = data.obs.column_order.empty() ? "none" : sdk::join(data.obs.column_order);
    throw sdk::Error(file + ": obs has no column 'condition' (obs columns: " + columns +
                     "); add one holding each row's condition as the dataset spells it, e.g. "
                     "adata.obs['condition'] = adata.obs_names");
  }
  const sdk::Column& column = data.obs.columns.at("condition");
  std::unordered_map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < test.size(); ++i) position.emplace(test[i], i);
  const ConditionMatcher matcher(screen, format);

  std::vector<std::int64_t> row_of(test.size(), -1);
  std::vector<std::string> unknown;  // labels that name no condition of the data
  for (std::size_t r = 0; r < column.size(); ++r) {
    if (column.is_missing(r))
      throw sdk::Error(file + ": row " + std::to_string(r) + " (obs name '" + data.obs.index.at(r) +
                       "') has no value in obs['condition']; name the condition of every row");
    const std::string label = column.text(r);
    const auto index = matcher.find(label);
    if (!index) {
      unknown.push_back(label);
      result.ignored.push_back(label);
      continue;
    }
    const std::string& name = screen.conditions.at(static_cast<std::size_t>(*index)).name;
    const auto it = position.find(name);
    if (it == position.end()) {
      result.ignored.push_back(label);
      continue;
    }
    std::int64_t& row = row_of[it->second];
    if (row >= 0)
      throw sdk::Error(file + ": test condition '" + name + "' has two rows (row " + std::to_string(row) + " '" +
                       column.text(static_cast<std::size_t>(row)) + "' and row " + std::to_string(r) + " '" + label +
                       "' in obs['condition']); keep one row per condition");
    row = static_cast<std::int64_t>(r);
    if (label != name) result.respelled.emplace_back(label, name);
  }

  std::vector<std::string> missing;
  for (std::size_t i = 0; i < test.size(); ++i)
    if (row_of[i] < 0) missing.push_back(test[i]);
  if (!missing.empty()) {
    std::string message = file + ": " + std::to_string(missing.size()) + " of the split's " +
                          plural(test.size(), "test condition has", "test conditions have") +
                          " no row in obs['condition']: " + examples(all_in_quotes(missing));
    // A label naming nothing in the data is likely a misspelt test condition.
    if (!unknown.empty()) {
      std::vector<std::string> hints;
      for (const auto& label : unknown) {
        const std::string near = sdk::closest_match(label, missing);
        hints.push_back(in_quotes(label) + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
      }
      message += "; " + plural(unknown.size(), "row names", "rows name") + " no condition of the data: " +
                 examples(hints);
    }
    throw sdk::Error(message +
                     ". Predict every test condition of the experiment's split (same [split] type and seed; the "
                     "split.toml of a `trellis run` with this config lists them)");
  }
  return row_of;
}

/// Measured-gene position of each column of `data`.
std::vector<std::int64_t> match_genes(const sdk::AnnData& data, const std::string& file,
                                      const std::vector<std::string>& genes, const sdk::Screen& screen) {
  const auto duplicates = io::duplicate_names(data.var);
  if (!duplicates.empty())
    throw sdk::Error(file + ": " + plural(duplicates.size(), "gene name occurs", "gene names occur") +
                     " more than once in var: " + examples(all_in_quotes(duplicates)) +
                     "; give each measured gene one column");
  std::unordered_map<std::string, std::int64_t> position;
  for (std::size_t g = 0; g < genes.size(); ++g) position.emplace(genes[g], static_cast<std::int64_t>(g));
  std::vector<std::int64_t> column_of(data.var.size(), -1);
  std::vector<bool> present(genes.size(), false);
  std::vector<std::string> extra;
  for (std::size_t c = 0; c < data.var.size(); ++c) {
    const auto it = position.find(data.var.index[c]);
    if (it == position.end()) {
      extra.push_back(data.var.index[c]);
      continue;
    }
    column_of[c] = it->second;
    present[static_cast<std::size_t>(it->second)] = true;
  }
  std::vector<std::string> missing;
  for (std::size_t g = 0; g < genes.size(); ++g)
    if (!present[g]) missing.push_back(genes[g]);
  if (extra.empty() && missing.empty()) return column_of;

  std::string message = file + ": the genes (var names) do not match the experiment's " +
                        plural(genes.size(), "measured gene", "measured genes");
  if (!extra.empty()) {
    // A misnamed gene's right name is among the missing ones (a symbol with a
    // typo, or an Ensembl id where Trellis uses symbols).
    std::unordered_map<std::string, std::string> ensembl;
    if (screen.genes)
      for (std::int64_t g : screen.genes->measured()) {
        const sdk::Gene& gene = screen.genes->at(g);
        if (!gene.ensembl_id.empty()) ensembl.emplace(gene.ensembl_id, gene.symbol);
      }
    std::vector<std::string> named;
    for (std::size_t i = 0; i < extra.size() && i < kExamples; ++i) {
      const auto id = ensembl.find(extra[i]);
      const std::string near = id != ensembl.end() ? id->second : sdk::closest_match(extra[i], missing);
      named.push_back(in_quotes(extra[i]) + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
    }
    named.resize(extra.size());  // examples() counts the rest
    message += "; " + plural(extra.size(), "is not a measured gene", "are not measured genes") + ": " + examples(named);
  }
  if (!missing.empty())
    message += "; " + plural(missing.size(), "measured gene has", "measured genes have") + " no column: " +
               examples(all_in_quotes(missing));
  throw sdk::Error(message + ". Give one column per measured gene, named by its symbol (any order), as in the "
                             "predictions.h5ad of `trellis run`");
}

}  // namespace

ImportedPredictions align_predictions(const sdk::AnnData& data, const std::string& file,
                                      const std::vector<std::string>& test, const std::vector<std::string>& genes,
                                      const sdk::Screen& screen, const data::ConditionFormat& format) {
  ImportedPredictions result;
  const std::vector<std::int64_t> row_of = match_rows(data, file, test, screen, format, result);
  const std::vector<std::int64_t> column_of = match_genes(data, file, genes, screen);

  const auto n = static_cast<std::int64_t>(test.size());
  const auto g = static_cast<std::int64_t>(genes.size());
  result.values = at::zeros({n, g}, at::kFloat);
  float* out = result.values.data_ptr<float>();
  const sdk::CsrMatrix& X = data.X;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto r = static_cast<std::size_t>(row_of[static_cast<std::size_t>(i)]);
    for (std::int64_t k = X.indptr[r]; k < X.indptr[r + 1]; ++k) {
      const auto column = static_cast<std::size_t>(X.indices[static_cast<std::size_t>(k)]);
      out[i * g + column_of[column]] = X.values[static_cast<std::size_t>(k)];
    }
  }

  // Only the rows that are scored must be finite.
  std::int64_t bad = 0, first = -1;
  for (std::int64_t k = 0; k < n * g; ++k)
    if (!std::isfinite(out[k]) && bad++ == 0) first = k;
  if (bad > 0) {
    const float v = out[first];
    const std::string& condition = test[static_cast<std::size_t>(first / g)];
    throw sdk::Error(file + ": the prediction for condition '" + condition + "' at gene '" +
                     genes[static_cast<std::size_t>(first % g)] + "' is " +
                     (std::isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf") + " (" +
                     plural(static_cast<std::size_t>(bad), "non-finite value", "non-finite values") +
                     " in the test conditions' rows); every predicted value must be a finite number");
  }
  return result;
}

ImportedPredictions read_predictions(const std::filesystem::path& file, const std::vector<std::string>& test,
                                     const std::vector<std::string>& genes, const sdk::Screen& screen,
                                     const data::ConditionFormat& format) {
  io::H5adReadOptions options;
  options.check_values = false;  // align_predictions names the condition and gene
  const sdk::AnnData data = io::read_h5ad(file, options);
  return align_predictions(data, file.string(), test, genes, screen, format);
}

}  // namespace trellis::core::experiment

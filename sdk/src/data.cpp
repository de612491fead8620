#include "trellis/sdk/data.hpp"

#include <algorithm>
#include <cctype>

#include <ATen/ATen.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::sdk {

namespace {
const char* const biotype_names[] = {"protein_coding", "lncRNA", "miRNA", "snoRNA", "snRNA", "pseudogene", "other"};
const char* const perturbation_names[] = {"knockout", "knockdown", "activation", "unknown"};
}  // namespace

std::string to_string(Biotype biotype) { return biotype_names[static_cast<int>(biotype)]; }

std::optional<Biotype> biotype_from_string(const std::string& name) {
  for (int i = 0; i < 7; ++i)
    if (name == biotype_names[i]) return static_cast<Biotype>(i);
  return std::nullopt;
}

std::string to_string(PerturbationType type) { return perturbation_names[static_cast<int>(type)]; }

std::optional<PerturbationType> perturbation_type_from_string(const std::string& name) {
  for (int i = 0; i < 4; ++i)
    if (name == perturbation_names[i]) return static_cast<PerturbationType>(i);
  // The technology names screens record in their metadata.
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "crispra") return PerturbationType::activation;
  if (lower == "crispri") return PerturbationType::knockdown;
  if (lower == "crisprko" || lower == "crispr-ko" || lower == "crispr") return PerturbationType::knockout;
  return std::nullopt;
}

std::int64_t GeneTable::add(Gene gene) {
  if (index_.count(gene.symbol)) throw Error("duplicate gene symbol '" + gene.symbol + "' in the gene table");
  const auto i = static_cast<std::int64_t>(genes_.size());
  index_.emplace(gene.symbol, i);
  if (gene.measured) measured_.push_back(i);
  genes_.push_back(std::move(gene));
  return i;
}

const Gene& GeneTable::at(std::int64_t index) const {
  if (index < 0 || index >= size())
    throw Error("gene index " + std::to_string(index) + " out of range [0, " + std::to_string(size()) + ")");
  return genes_[static_cast<std::size_t>(index)];
}

std::optional<std::int64_t> GeneTable::find(const std::string& symbol) const {
  const auto it = index_.find(symbol);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

std::int64_t GeneTable::index_of(const std::string& symbol) const {
  const auto found = find(symbol);
  if (!found) throw Error("gene '" + symbol + "' is not in the gene universe");
  return *found;
}

std::int64_t Screen::num_cells() const { return indptr.defined() ? indptr.size(0) - 1 : 0; }

std::int64_t Screen::num_genes() const { return genes ? static_cast<std::int64_t>(genes->measured().size()) : 0; }

at::Tensor Screen::dense_rows(const at::Tensor& cells) const {
  const auto n = cells.size(0);
  at::Tensor out = at::zeros({n, num_genes()}, at::kFloat);
  const auto* ptr = indptr.data_ptr<std::int64_t>();
  const auto* idx = indices.data_ptr<std::int32_t>();
  const auto* val = values.data_ptr<float>();
  const auto* cell = cells.data_ptr<std::int64_t>();
  auto* dst = out.data_ptr<float>();
  const std::int64_t g = num_genes();
  for (std::int64_t r = 0; r < n; ++r)
    for (std::int64_t k = ptr[cell[r]]; k < ptr[cell[r] + 1]; ++k) dst[r * g + idx[k]] = val[k];
  return out;
}

at::Tensor Screen::cells_of(std::int64_t condition) const {
  return (cell_condition == condition).nonzero().squeeze(1);
}

at::Tensor Screen::mean_of(std::int64_t condition) const {
  const at::Tensor cells = cells_of(condition);
  if (cells.size(0) == 0)
    throw Error("condition '" + conditions.at(static_cast<std::size_t>(condition)).name + "' has no cells");
  return dense_rows(cells).mean(0);
}

std::int64_t Screen::control_index() const {
  const std::vector<std::string> all = contexts();
  if (all.size() > 1)
    throw Error("the screen has " + std::to_string(all.size()) + " contexts (" + join_first(all, 5) +
                "), each with its own control; this part does not handle contexts yet, so remove [data] context "
                "or choose a context-aware component");
  for (std::size_t i = 0; i < conditions.size(); ++i)
    if (conditions[i].is_control()) return static_cast<std::int64_t>(i);
  throw Error("the screen has no control cells");
}

std::int64_t Screen::control_index(const std::string& context) const {
  for (std::size_t i = 0; i < conditions.size(); ++i)
    if (conditions[i].is_control() && conditions[i].context == context) return static_cast<std::int64_t>(i);
  if (context.empty()) throw Error("the screen has no control cells");
  throw Error("context '" + context + "' has no control cells; every context needs its own controls (contexts with "
              "controls: " + join_first(contexts(), 5) + ")");
}

std::int64_t Screen::control_of(std::int64_t condition) const {
  return control_index(conditions.at(static_cast<std::size_t>(condition)).context);
}

std::vector<std::string> Screen::contexts() const {
  std::vector<std::string> out;
  for (const Condition& c : conditions)
    if (std::find(out.begin(), out.end(), c.context) == out.end()) out.push_back(c.context);
  if (out.empty()) out.emplace_back();
  return out;
}

std::optional<std::int64_t> Screen::find_condition(const std::string& name) const {
  for (std::size_t i = 0; i < conditions.size(); ++i)
    if (conditions[i].name == name) return static_cast<std::int64_t>(i);
  return std::nullopt;
}

std::int64_t Batch::size() const {
  if (control.defined()) return control.size(0);
  if (items.defined()) return items.numel();
  return static_cast<std::int64_t>(condition.size());
}

}  // namespace trellis::sdk

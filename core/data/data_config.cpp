#include "trellis/data/data_config.hpp"

#include "trellis/sdk/data.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/options.hpp"

namespace trellis::core::data {

namespace {

sdk::OptionSchema data_schema() {
  return sdk::OptionSchema{}
      .add("name", "", "dataset name used in reports")
      .require("path", sdk::OptionType::path, "the .h5ad file, 10x directory, or MatrixMarket directory")
      .add("reader", "", "reader component (reader/h5ad, reader/10x, reader/mtx, reader/csv); default: by file type")
      .add_table("reader_options", "options of the reader component")
      .add("condition_column", "condition", "obs column holding each cell's condition")
      .add("control_label", "ctrl", "label of control cells")
      .add("delimiter", "+", "separator between the genes of a combination")
      .add("perturbation_type", "unknown",
           "knockout, knockdown, activation or unknown (or a technology name: CRISPRa, CRISPRi, CRISPRko)")
      .add("perturbation_type_column", "", "obs column with a per-cell perturbation type")
      .add_table("select", "keep only cells whose obs column has one of the given values, e.g. dataset = 'norman19'")
      .add("covariates", std::vector<std::string>{}, "obs columns kept per cell, e.g. ['cell_type']")
      .add("context", std::vector<std::string>{},
           "obs columns whose values make a cell context, e.g. ['cell_type']: a condition becomes the pair "
           "(perturbation, context), named PERTURBATION@CONTEXT, with its own context's control")
      .add("values", "auto", "counts, log_normalised, or auto (detected)")
      .choices({"auto", "counts", "log_normalised"})
      .add("unknown_genes", "error",
           "a perturbed gene that is neither measured nor known to the annotation: error, drop its cells, or keep")
      .choices({"error", "drop", "keep"})
      .add("hvg", 0, "keep this many highly variable genes (perturbed genes forced in); 0 keeps all")
      .min(0)
      .add_table("beeline_genes", "BEELINE's gene selection for network inference on raw inputs: ordering = "
                                  "GeneOrdering.csv (gene, p-value, variance), tfs, top = 500, p_value = 0.01, "
                                  "bonferroni = true")
      .add_table("guides", "guide assignment options, for data with guide counts")
      .add_table("annotation", "gene annotation source")
      // Read by the network task (experiment/network_task.cpp), not by the loader.
      .add_path("truth_network", "", "task = \"network\": the true regulator -> target network (TSV with a header)")
      .add_path("regulators", "", "task = \"network\": candidate regulators, one gene per line or a column named TF "
                                  "(default: every gene)")
      .add("truth_regulators", "all",
           "task = \"network\": score truth edges from every regulator (all) or only from the screen's perturbed "
           "genes (perturbed: what a network read off the perturbations can recover)")
      .choices({"all", "perturbed"})
      .add("allow_truth_as_prior", false,
           "task = \"network\": run even when a [model.graphs] prior holds exactly the truth's edges (labelled in "
           "run.json)");
}

std::vector<std::string> strings_of(const nlohmann::json& value, const std::string& key) {
  if (value.is_string()) return {value.get<std::string>()};
  std::vector<std::string> out;
  if (value.is_array()) {
    for (const auto& v : value) {
      if (v.is_string()) out.push_back(v.get<std::string>());
      else if (v.is_number_integer()) out.push_back(std::to_string(v.get<std::int64_t>()));
      else throw sdk::Error("[data.select] " + key + " must be a string or a list of strings");
    }
    return out;
  }
  if (value.is_number_integer()) return {std::to_string(value.get<std::int64_t>())};
  throw sdk::Error("[data.select] " + key + " must be a string or a list of strings");
}

BeelineGeneSelection parse_beeline_genes(const nlohmann::json& table) {
  BeelineGeneSelection d;
  if (table.empty()) return d;
  const sdk::OptionSchema schema =
      sdk::OptionSchema{}
          .require("ordering", sdk::OptionType::path,
                   "BEELINE's GeneOrdering.csv: a header, then gene, p-value (variation along pseudotime), variance")
          .add_path("tfs", "", "TF list: significant TFs are all kept and do not count toward `top`")
          .add("top", d.top, "non-TF genes kept, by variance (BEELINE uses 500 or 1,000)")
          .min(1)
          .add("p_value", d.p_value, "significance threshold")
          .min(0.0)
          .add("bonferroni", d.bonferroni, "divide the threshold by the number of ordered, expressed genes");
  const sdk::Options o(schema, table, "[data.beeline_genes]");
  d.ordering = o.get_path("ordering");
  d.tfs = o.get_path("tfs");
  d.top = o.get_int("top");
  d.p_value = o.get_double("p_value");
  d.bonferroni = o.get_bool("bonferroni");
  return d;
}

}  // namespace

DataConfig parse_data_config(const nlohmann::json& table) {
  const sdk::Options o(data_schema(), table, "[data]");
  DataConfig c;
  c.name = o.get_string("name");
  c.path = o.get_path("path");
  c.reader = o.get_string("reader");
  c.reader_options = o.get_table("reader_options");
  c.condition_column = o.get_string("condition_column");
  c.format.control = o.get_string("control_label");
  c.format.delimiter = o.get_string("delimiter");
  c.perturbation_type = o.get_string("perturbation_type");
  c.perturbation_type_column = o.get_string("perturbation_type_column");
  for (const auto& [key, value] : o.get_table("select").items()) c.select[key] = strings_of(value, key);
  c.covariates = o.get_strings("covariates");
  c.context = o.get_strings("context");
  c.values = o.get_string("values");
  c.unknown_genes = o.get_string("unknown_genes");
  c.hvg = o.get_int("hvg");
  c.guides = o.get_table("guides");
  c.beeline_genes = parse_beeline_genes(o.get_table("beeline_genes"));
  c.annotation = o.get_table("annotation");
  if (c.format.delimiter.empty()) throw o.invalid("delimiter", "must not be empty");
  // Not declared choices(): technology names (CRISPRa, ...) are accepted too.
  if (!sdk::perturbation_type_from_string(c.perturbation_type))
    throw o.invalid("perturbation_type", "must be knockout, knockdown, activation or unknown (or CRISPRa, CRISPRi, "
                                         "CRISPRko)");
  if (c.name.empty()) c.name = c.path.substr(c.path.find_last_of('/') + 1);
  return c;
}

nlohmann::json data_config_defaults() {
  nlohmann::json out = nlohmann::json::object();
  const sdk::OptionSchema schema = data_schema();  // specs() refers into it
  for (const auto& spec : schema.specs())
    if (!spec.required) out[spec.name] = spec.default_value;
  return out;
}

DataConfig data_config_for_path(const std::string& path) {
  return parse_data_config(nlohmann::json{{"path", path}});
}

}  // namespace trellis::core::data

#pragma once
// The [data] section of a config: where a screen comes from and how to read
// its conditions, checked like component options.

#include <cstdint>
#include <map>
#include <string>

#include "trellis/data/beeline_genes.hpp"
#include <vector>

#include <nlohmann/json.hpp>

#include "trellis/data/conditions.hpp"

namespace trellis::core::data {

/// What [data] says, defaults filled in.
struct DataConfig {
  std::string name;                       ///< dataset name for reports
  std::string path;                       ///< file or directory
  std::string reader;                     ///< "reader/h5ad", ...; empty = chosen by file type
  nlohmann::json reader_options = nlohmann::json::object();  ///< [data.reader_options]
  std::string condition_column = "condition";
  ConditionFormat format;
  std::string perturbation_type = "unknown";      ///< knockout, knockdown, activation or unknown
  std::string perturbation_type_column;           ///< per-cell type from this obs column instead
  std::map<std::string, std::vector<std::string>> select;  ///< obs column -> accepted values
  std::vector<std::string> covariates;            ///< obs columns kept per cell
  std::vector<std::string> context;               ///< obs columns whose values make a cell's context
  std::string values = "auto";                    ///< counts, log_normalised or auto (detected)
  std::string unknown_genes = "error";            ///< error, drop or keep
  std::int64_t hvg = 0;                           ///< 0 = keep all measured genes
  BeelineGeneSelection beeline_genes;             ///< [data.beeline_genes]; off when no ordering is given
  nlohmann::json guides = nlohmann::json::object();      ///< [data.guides] guide assignment options
  nlohmann::json annotation = nlohmann::json::object();  ///< [data.annotation]
};

/// Parses and checks a [data] table given as JSON (see config::to_json).
/// Unknown keys and wrong types are errors naming the key.
DataConfig parse_data_config(const nlohmann::json& table);

/// Every [data] key but `path` with its default value (tables as empty
/// objects): the keys `--set data.KEY=...` can change.
nlohmann::json data_config_defaults();

/// The config for reading a file or directory directly (`trellis data
/// inspect FILE`): GEARS conventions, reader chosen by file type.
DataConfig data_config_for_path(const std::string& path);

}  // namespace trellis::core::data

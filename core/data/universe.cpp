#include "trellis/data/universe.hpp"

#include <cstdlib>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "trellis/annotation/coverage.hpp"
#include "trellis/annotation/gene_table_builder.hpp"
#include "trellis/annotation/open_source.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/options.hpp"

namespace trellis::core::data {

namespace {

sdk::OptionSchema annotation_schema() {
  return sdk::OptionSchema{}
      .add("source", "auto",
           "tsv (TSV exports in `dir`), sqlite (org.Hs.eg.db / GO.db from the annotation cache), none, or auto "
           "(tsv when `dir` holds genes/, else none)")
      .choices({"auto", "tsv", "sqlite", "none"})
      .add_path("dir", "", "directory holding genes/ and sequences/ (default: $TRELLIS_DATA_DIR)")
      .add("ontologies", std::vector<std::string>{"BP", "CC", "MF"}, "GO ontologies whose terms genes get")
      .choices({"BP", "CC", "MF"})
      .add("exclude_evidence", std::vector<std::string>{}, "GO evidence codes to leave out, e.g. ['IEA']")
      .add("aliases", true, "resolve previous symbols and aliases (sqlite source)");
}

}  // namespace

GeneKnowledge::GeneKnowledge(const nlohmann::json& annotation) {
  const sdk::Options o(annotation_schema(), annotation, "[data.annotation]");
  std::string dir = o.get_path("dir");
  if (dir.empty())
    if (const char* env = std::getenv("TRELLIS_DATA_DIR")) dir = env;
  std::string kind = o.get_string("source");
  if (kind == "auto") {
    std::error_code ec;
    kind = !dir.empty() && std::filesystem::is_directory(std::filesystem::path(dir) / "genes", ec) ? "tsv" : "none";
    if (kind == "none")
      spdlog::warn("no gene annotation found (set TRELLIS_DATA_DIR or [data.annotation]): genes get no knowledge");
  }
  if (kind == "none") return;
  if (kind == "tsv" && dir.empty())
    throw o.invalid("dir", "is needed for the tsv source (or set TRELLIS_DATA_DIR)");
  source_ = annotation::open_annotation_source(kind, dir);
  for (const auto& name : o.get_strings("ontologies")) {
    // The schema's choices() admit only names ontology_from_string knows.
    ontologies_.push_back(*annotation::ontology_from_string(name));
  }
  exclude_evidence_ = o.get_strings("exclude_evidence");
  use_aliases_ = o.get_bool("aliases");
}

GeneKnowledge::~GeneKnowledge() = default;

bool GeneKnowledge::knows(const std::string& name) const {
  return !source_ || source_->resolve(name, use_aliases_).entrez_id >= 0;
}

std::string GeneKnowledge::describe() const { return source_ ? source_->describe() : "no annotation source"; }

Universe GeneKnowledge::build(const std::vector<std::string>& measured, const std::vector<std::string>& perturbed) const {
  Universe u;
  if (!source_) {
    for (const auto& name : measured) {
      sdk::Gene g;
      g.symbol = name;
      g.measured = true;
      u.genes.add(std::move(g));
    }
    for (const auto& name : perturbed) {
      if (u.genes.find(name)) continue;
      sdk::Gene g;
      g.symbol = name;
      u.genes.add(std::move(g));
    }
    u.summary = "none (no gene knowledge joined)";
    return u;
  }
  annotation::BuildOptions options;
  options.ontologies = ontologies_;
  options.exclude_evidence = exclude_evidence_;
  options.use_aliases = use_aliases_;
  annotation::AnnotatedGenes annotated = annotation::GeneTableBuilder(*source_, options).build(measured, perturbed);
  const annotation::Coverage coverage = annotation::compute_coverage(annotated, *source_);
  u.summary = source_->describe() + "\n" + annotation::describe(coverage, false);
  u.missing_listing = annotation::describe(coverage, true);
  u.genes = std::move(annotated.table);
  return u;
}

}  // namespace trellis::core::data

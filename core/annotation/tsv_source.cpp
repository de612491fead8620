#include "trellis/annotation/tsv_source.hpp"

#include <spdlog/spdlog.h>

#include "trellis/annotation/tsv_fields.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::core::annotation {

namespace {

// The export joins a gene's Ensembl ids with '|' (older exports: ',').
std::vector<std::string> split_ids(std::string_view text) {
  std::vector<std::string> ids;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find_first_of("|,", start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) ids.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return ids;
}

Ontology parse_ontology(std::string_view text, const sdk::TextInput& lines) {
  const auto ontology = ontology_from_string(std::string(text));
  if (!ontology)
    throw sdk::Error(where(lines) + ": unknown GO ontology '" + std::string(text) + "' (expected BP, CC or MF)");
  return *ontology;
}

void load_genes(const std::filesystem::path& path, AnnotationTables& tables) {
  sdk::TextInput lines(path);
  const auto c = header_columns(lines, {"entrez_id", "symbol", "gene_name", "gene_type", "ensembl_ids"});
  std::string_view line;
  std::vector<std::string_view> fields;
  while (lines.next(line)) {
    if (line.empty()) continue;
    split_tabs(line, fields);
    GeneRecord record;
    record.entrez_id = parse_entrez_id(field(fields, c[0], lines), lines);
    record.symbol = field(fields, c[1], lines);
    record.gene_name = field(fields, c[2], lines);
    record.gene_type = field(fields, c[3], lines);
    record.ensembl_ids = split_ids(field(fields, c[4], lines));
    const std::int64_t id = record.entrez_id;
    if (!tables.genes.emplace(id, std::move(record)).second)
      throw sdk::Error(where(lines) + ": Entrez id " + std::to_string(id) + " appears twice");
  }
}

void load_go(const std::filesystem::path& path, AnnotationTables& tables) {
  sdk::TextInput lines(path);
  const auto c = header_columns(lines, {"entrez_id", "go_id", "evidence", "ontology"});
  std::string_view line;
  std::vector<std::string_view> fields;
  while (lines.next(line)) {
    if (line.empty()) continue;
    split_tabs(line, fields);
    const std::int64_t id = parse_entrez_id(field(fields, c[0], lines), lines);
    tables.go[id].push_back(GoAnnotation{std::string(field(fields, c[1], lines)),
                                         parse_ontology(field(fields, c[3], lines), lines),
                                         std::string(field(fields, c[2], lines))});
  }
}

void load_go_terms(const std::filesystem::path& path, AnnotationTables& tables) {
  sdk::TextInput lines(path);
  const auto c = header_columns(lines, {"go_id", "ontology", "term", "definition"});
  std::string_view line;
  std::vector<std::string_view> fields;
  while (lines.next(line)) {
    if (line.empty()) continue;
    split_tabs(line, fields);
    const std::string_view ontology = field(fields, c[1], lines);
    if (ontology == "universal") continue;  // the root "all" term, not a namespace
    GoTerm term{std::string(field(fields, c[0], lines)), parse_ontology(ontology, lines),
                std::string(field(fields, c[2], lines)), std::string(field(fields, c[3], lines))};
    std::string id = term.go_id;
    tables.go_terms.emplace(std::move(id), std::move(term));
  }
}

}  // namespace

std::vector<std::string> load_optional_extras(const std::filesystem::path& data_dir, AnnotationTables& tables) {
  std::vector<std::string> missing;
  if (std::filesystem::exists(data_dir / kSummariesTsv)) load_summaries(data_dir / kSummariesTsv, tables);
  else missing.push_back(kSummariesTsv);
  const bool have_sequences = std::filesystem::exists(data_dir / kPromotersTsv);
  const bool have_map = std::filesystem::exists(data_dir / kPromoterEnsemblTsv);
  if (have_sequences && have_map) load_promoters(data_dir / kPromotersTsv, data_dir / kPromoterEnsemblTsv, tables);
  if (!have_sequences) missing.push_back(kPromotersTsv);
  if (!have_map) missing.push_back(kPromoterEnsemblTsv);
  for (const auto& file : missing)
    spdlog::warn("annotation: '{}' not found: genes get no {}", (data_dir / file).string(),
                 file == kSummariesTsv ? "description" : "promoter sequence");
  return missing;
}

TsvAnnotationSource::TsvAnnotationSource(const std::filesystem::path& data_dir) {
  for (const char* required : {kGenesTsv, kGoTsv, kGoTermsTsv})
    if (!std::filesystem::exists(data_dir / required))
      throw sdk::Error("gene annotation file '" + (data_dir / required).string() +
                       "' not found; point the data directory (TRELLIS_DATA_DIR) at the folder holding genes/ "
                       "and sequences/, or use the SQLite source (scripts/fetch-annotation)");
  AnnotationTables tables;
  load_genes(data_dir / kGenesTsv, tables);
  load_go(data_dir / kGoTsv, tables);
  load_go_terms(data_dir / kGoTermsTsv, tables);
  load_optional_extras(data_dir, tables);
  set_tables(std::move(tables), "TSV files in " + data_dir.string());
}

}  // namespace trellis::core::annotation

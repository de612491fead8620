#include "trellis/annotation/gene_table_builder.hpp"

#include <algorithm>
#include <unordered_map>
#include <cctype>

#include "trellis/annotation/biotype.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::core::annotation {

namespace {

void check_measured(const std::vector<std::string>& measured) {
  std::unordered_map<std::string, int> seen;
  std::vector<std::string> duplicates;
  std::vector<std::string> empty_positions;
  for (std::size_t i = 0; i < measured.size(); ++i) {
    if (measured[i].empty()) empty_positions.push_back(std::to_string(i));
    else if (++seen[measured[i]] == 2) duplicates.push_back("'" + measured[i] + "'");
  }
  if (!empty_positions.empty())
    throw sdk::Error("measured genes have an empty name at position(s) " + sdk::join_first(empty_positions, 10) +
                     "; every column of the screen needs a gene name");
  if (!duplicates.empty())
    throw sdk::Error("measured gene names must be unique, but " + std::to_string(duplicates.size()) +
                     " appear more than once: " + sdk::join_first(duplicates, 20) +
                     "; make the names unique (e.g. anndata's var_names_make_unique) before annotation");
}

}  // namespace

GeneTableBuilder::GeneTableBuilder(const AnnotationSource& source, BuildOptions options)
    : source_(source), options_(std::move(options)) {}

sdk::Gene GeneTableBuilder::annotate(const std::string& name, GeneResolution* resolution) const {
  sdk::Gene gene;
  gene.symbol = name;
  const SymbolMatch match = source_.resolve(name, options_.use_aliases);
  if (resolution != nullptr) {
    *resolution = GeneResolution{};
    resolution->name = name;
    resolution->match = match.kind;
    resolution->candidates = match.candidates;
    resolution->entrez_id = match.entrez_id;
  }
  if (match.entrez_id < 0) return gene;
  const auto record = source_.gene(match.entrez_id);
  if (!record) return gene;
  if (resolution != nullptr) resolution->official_symbol = record->symbol;

  gene.entrez_id = record->entrez_id;
  gene.short_name = record->gene_name;
  gene.biotype = classify_biotype(record->gene_type, record->symbol, record->gene_name);
  gene.description = source_.summary(record->entrez_id);

  // An Ensembl name keeps the id the dataset used; otherwise the gene's first
  // (primary assembly) id.
  std::vector<std::string> ensembl_ids = record->ensembl_ids;
  if (match.kind == MatchKind::ensembl) {
    std::string id = name.substr(0, name.find('.'));
    for (char& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    ensembl_ids.erase(std::remove(ensembl_ids.begin(), ensembl_ids.end(), id), ensembl_ids.end());
    ensembl_ids.insert(ensembl_ids.begin(), id);
  }
  if (!ensembl_ids.empty()) gene.ensembl_id = ensembl_ids.front();
  for (const auto& id : ensembl_ids) {
    gene.sequence = source_.promoter(id);
    if (!gene.sequence.empty()) break;
  }

  for (const auto& annotation : source_.go_annotations(record->entrez_id)) {
    if (std::find(options_.ontologies.begin(), options_.ontologies.end(), annotation.ontology) ==
        options_.ontologies.end())
      continue;
    if (std::find(options_.exclude_evidence.begin(), options_.exclude_evidence.end(), annotation.evidence) !=
        options_.exclude_evidence.end())
      continue;
    gene.go_terms.push_back(annotation.go_id);
  }
  std::sort(gene.go_terms.begin(), gene.go_terms.end());
  gene.go_terms.erase(std::unique(gene.go_terms.begin(), gene.go_terms.end()), gene.go_terms.end());
  return gene;
}

AnnotatedGenes GeneTableBuilder::build(const std::vector<std::string>& measured_genes,
                                       const std::vector<std::string>& perturbed_genes) const {
  check_measured(measured_genes);
  AnnotatedGenes out;
  out.resolutions.reserve(measured_genes.size());
  const auto add = [&](const std::string& name, bool measured) {
    GeneResolution resolution;
    sdk::Gene gene = annotate(name, &resolution);
    gene.measured = measured;
    out.table.add(std::move(gene));
    out.resolutions.push_back(std::move(resolution));
  };
  for (const auto& name : measured_genes) add(name, true);
  for (const auto& name : perturbed_genes) {
    if (name.empty())
      throw sdk::Error("a perturbed gene has an empty name; check the condition strings' delimiter and control label");
    if (!out.table.find(name)) add(name, false);
  }
  return out;
}

sdk::GeneTable build_gene_table(const std::vector<std::string>& measured_genes,
                                const std::vector<std::string>& perturbed_genes, const AnnotationSource& source,
                                const BuildOptions& options) {
  return GeneTableBuilder(source, options).build(measured_genes, perturbed_genes).table;
}

}  // namespace trellis::core::annotation

#include "trellis/annotation/coverage.hpp"

#include <cstdio>

namespace trellis::core::annotation {

Coverage compute_coverage(const sdk::GeneTable& table) {
  Coverage coverage;
  coverage.genes = table.size();
  coverage.measured = static_cast<std::int64_t>(table.measured().size());
  for (const sdk::Gene& gene : table.genes()) {
    ++coverage.biotypes[gene.biotype];
    if (gene.entrez_id < 0) coverage.missing_entrez.push_back(gene.symbol);
    if (gene.biotype == sdk::Biotype::other) coverage.biotype_other.push_back(gene.symbol);
    if (gene.short_name.empty()) coverage.missing_short_name.push_back(gene.symbol);
    if (gene.description.empty()) coverage.missing_description.push_back(gene.symbol);
    if (gene.sequence.empty()) coverage.missing_sequence.push_back(gene.symbol);
    if (gene.go_terms.empty()) coverage.missing_go.push_back(gene.symbol);
  }
  std::map<std::int64_t, std::vector<std::string>> rows_of;
  std::vector<std::int64_t> order;
  for (const sdk::Gene& gene : table.genes()) {
    if (gene.entrez_id < 0) continue;
    auto& rows = rows_of[gene.entrez_id];
    if (rows.empty()) order.push_back(gene.entrez_id);
    rows.push_back(gene.symbol);
  }
  for (const std::int64_t id : order) {
    const auto& rows = rows_of[id];
    if (rows.size() < 2) continue;
    std::string entry;
    for (const auto& name : rows) entry += (entry.empty() ? "" : " = ") + name;
    coverage.same_gene.push_back(entry + " (Entrez " + std::to_string(id) + ")");
  }
  return coverage;
}

Coverage compute_coverage(const AnnotatedGenes& genes, const AnnotationSource& source) {
  Coverage coverage = compute_coverage(genes.table);
  coverage.has_resolutions = true;
  for (const GeneResolution& r : genes.resolutions) {
    const std::string arrow = r.name + " -> " + r.official_symbol;
    switch (r.match) {
      case MatchKind::alias:
      case MatchKind::alias_case_insensitive: coverage.by_alias.push_back(arrow); break;
      case MatchKind::ensembl: coverage.by_ensembl.push_back(arrow); break;
      case MatchKind::symbol_case_insensitive: coverage.by_case.push_back(arrow); break;
      case MatchKind::ambiguous: {
        std::string candidates;
        for (const std::int64_t id : r.candidates) {
          const auto record = source.gene(id);
          candidates += (candidates.empty() ? "" : ", ") + (record ? record->symbol : std::to_string(id));
        }
        coverage.ambiguous.push_back(r.name + " (" + candidates + ")");
        break;
      }
      case MatchKind::symbol:
      case MatchKind::none: break;
    }
  }
  return coverage;
}

namespace {

void line(std::string& out, const char* label, const std::vector<std::string>& genes, std::int64_t total,
          bool list_genes) {
  char head[160];
  const double percent = total > 0 ? 100.0 * static_cast<double>(genes.size()) / static_cast<double>(total) : 0.0;
  std::snprintf(head, sizeof head, "  %-24s %7zu  (%5.1f%%)", label, genes.size(), percent);
  out += head;
  if (list_genes && !genes.empty()) {
    out += ":";
    for (std::size_t i = 0; i < genes.size(); ++i) out += (i ? ", " : " ") + genes[i];
  }
  out += "\n";
}

}  // namespace

std::string describe(const Coverage& c, bool list_genes) {
  std::string out = "genes: " + std::to_string(c.genes) + " (" + std::to_string(c.measured) + " measured, " +
                    std::to_string(c.genes - c.measured) + " perturbed only)\n";
  out += "biotypes:";
  for (const auto& [biotype, count] : c.biotypes)
    out += " " + sdk::to_string(biotype) + " " + std::to_string(count) + ",";
  if (out.back() == ',') out.pop_back();
  out += "\nlacking:\n";
  line(out, "Entrez id (unknown gene)", c.missing_entrez, c.genes, list_genes);
  line(out, "biotype (other)", c.biotype_other, c.genes, list_genes);
  line(out, "short name", c.missing_short_name, c.genes, list_genes);
  line(out, "description", c.missing_description, c.genes, list_genes);
  line(out, "sequence", c.missing_sequence, c.genes, list_genes);
  line(out, "GO terms", c.missing_go, c.genes, list_genes);
  if (!c.same_gene.empty()) line(out, "one gene, several rows", c.same_gene, c.genes, list_genes);
  if (c.has_resolutions) {
    out += "matched:\n";
    line(out, "by alias", c.by_alias, c.genes, list_genes);
    line(out, "by Ensembl id", c.by_ensembl, c.genes, list_genes);
    line(out, "ignoring case", c.by_case, c.genes, list_genes);
    line(out, "ambiguous alias", c.ambiguous, c.genes, list_genes);
  }
  return out;
}

}  // namespace trellis::core::annotation

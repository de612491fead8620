#include "trellis/annotation/biotype.hpp"

#include <cctype>

#include "trellis/annotation/memory_source.hpp"

namespace trellis::core::annotation {

namespace {

bool starts_with(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

std::string to_lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

sdk::Biotype classify_ncrna(const std::string& symbol_raw, const std::string& gene_name) {
  using sdk::Biotype;
  const std::string symbol = to_upper(symbol_raw);
  const std::string name = to_lower(gene_name);
  if (contains(name, "host gene")) return Biotype::lncRNA;
  const bool mir_symbol =
      starts_with(symbol, "MIRLET") ||
      (starts_with(symbol, "MIR") && symbol.size() > 3 && std::isdigit(static_cast<unsigned char>(symbol[3])));
  if (mir_symbol || contains(name, "microrna")) return Biotype::miRNA;
  if (starts_with(symbol, "SNORD") || starts_with(symbol, "SNORA") || starts_with(symbol, "SCARNA") ||
      contains(name, "small nucleolar") || contains(name, "small cajal body"))
    return Biotype::snoRNA;
  if (starts_with(symbol, "RNU") || starts_with(symbol, "RNVU") || contains(name, "small nuclear"))
    return Biotype::snRNA;
  if (starts_with(symbol, "RNY") || starts_with(symbol, "VTRNA") || starts_with(symbol, "RN7SL") || symbol == "TERC" ||
      symbol == "RMRP" || symbol == "RPPH1")
    return Biotype::other;
  return Biotype::lncRNA;
}

}  // namespace

sdk::Biotype classify_biotype(const std::string& ncbi_gene_type, const std::string& symbol,
                              const std::string& gene_name) {
  using sdk::Biotype;
  if (ncbi_gene_type == "protein-coding" || ncbi_gene_type == "protein_coding") return Biotype::protein_coding;
  if (ncbi_gene_type == "pseudo" || ncbi_gene_type == "pseudogene" || ends_with(ncbi_gene_type, "_pseudogene"))
    return Biotype::pseudogene;
  if (ncbi_gene_type == "snoRNA" || ncbi_gene_type == "scaRNA") return Biotype::snoRNA;
  if (ncbi_gene_type == "snRNA") return Biotype::snRNA;
  if (ncbi_gene_type == "ncRNA") return classify_ncrna(symbol, gene_name);
  if (ncbi_gene_type == "lncRNA" || ncbi_gene_type == "lincRNA") return Biotype::lncRNA;
  if (ncbi_gene_type == "miRNA") return Biotype::miRNA;
  return Biotype::other;
}

}  // namespace trellis::core::annotation

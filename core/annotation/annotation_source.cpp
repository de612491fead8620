#include "trellis/annotation/annotation_source.hpp"

#include <algorithm>

#include "trellis/annotation/memory_source.hpp"

namespace trellis::core::annotation {

std::string to_string(Ontology ontology) {
  switch (ontology) {
    case Ontology::BP: return "BP";
    case Ontology::CC: return "CC";
    case Ontology::MF: return "MF";
  }
  return "?";
}

std::optional<Ontology> ontology_from_string(const std::string& name) {
  if (name == "BP" || name == "biological_process") return Ontology::BP;
  if (name == "CC" || name == "cellular_component") return Ontology::CC;
  if (name == "MF" || name == "molecular_function") return Ontology::MF;
  return std::nullopt;
}

std::string to_string(MatchKind kind) {
  switch (kind) {
    case MatchKind::symbol: return "symbol";
    case MatchKind::ensembl: return "ensembl";
    case MatchKind::alias: return "alias";
    case MatchKind::symbol_case_insensitive: return "symbol_case_insensitive";
    case MatchKind::alias_case_insensitive: return "alias_case_insensitive";
    case MatchKind::ambiguous: return "ambiguous";
    case MatchKind::none: return "none";
  }
  return "?";
}

AnnotationSource::~AnnotationSource() = default;

namespace {

bool is_ensembl_gene_id(const std::string& name) {
  return name.size() > 4 && to_upper(name.substr(0, 4)) == "ENSG";
}

// "ENSG00000141510.17" -> "ENSG00000141510": datasets often carry the version.
std::string strip_version(const std::string& ensembl_id) {
  return to_upper(ensembl_id.substr(0, ensembl_id.find('.')));
}

}  // namespace

SymbolMatch AnnotationSource::resolve(const std::string& name, bool use_aliases) const {
  SymbolMatch match;
  // Duplicated official symbols / Ensembl ids: prefer a typed record, then
  // the oldest (smallest) Entrez id.
  const auto pick_canonical = [&](std::vector<std::int64_t> ids, MatchKind kind) {
    std::sort(ids.begin(), ids.end());
    match.candidates = ids;
    match.kind = kind;
    match.entrez_id = ids.front();
    for (const std::int64_t id : ids) {
      const auto record = gene(id);
      if (record && record->gene_type != "unknown") {
        match.entrez_id = id;
        break;
      }
    }
  };
  const auto pick_alias = [&](std::vector<std::int64_t> ids, MatchKind kind) {
    std::sort(ids.begin(), ids.end());
    match.candidates = ids;
    if (ids.size() == 1) {
      match.kind = kind;
      match.entrez_id = ids.front();
      return;
    }
    std::vector<std::int64_t> coding;
    for (const std::int64_t id : ids) {
      const auto record = gene(id);
      if (record && record->gene_type == "protein-coding") coding.push_back(id);
    }
    if (coding.size() == 1) {
      match.kind = kind;
      match.entrez_id = coding.front();
    } else {
      match.kind = MatchKind::ambiguous;
      match.entrez_id = -1;
    }
  };

  if (name.empty()) return match;
  if (is_ensembl_gene_id(name)) {
    auto ids = find_ensembl(strip_version(name));
    if (!ids.empty()) pick_canonical(std::move(ids), MatchKind::ensembl);
    return match;
  }
  if (auto ids = find_symbol(name, false); !ids.empty()) {
    pick_canonical(std::move(ids), MatchKind::symbol);
    return match;
  }
  if (use_aliases) {
    if (auto ids = find_alias(name, false); !ids.empty()) {
      pick_alias(std::move(ids), MatchKind::alias);
      return match;
    }
  }
  if (auto ids = find_symbol(name, true); !ids.empty()) {
    pick_canonical(std::move(ids), MatchKind::symbol_case_insensitive);
    return match;
  }
  if (use_aliases) {
    if (auto ids = find_alias(name, true); !ids.empty()) pick_alias(std::move(ids), MatchKind::alias_case_insensitive);
  }
  return match;
}

}  // namespace trellis::core::annotation

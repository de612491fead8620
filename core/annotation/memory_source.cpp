#include "trellis/annotation/memory_source.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

#include "trellis/annotation/tsv_fields.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::core::annotation {

std::string to_upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

namespace {

void add_to(std::unordered_map<std::string, std::vector<std::int64_t>>& index, std::string key, std::int64_t id) {
  auto& ids = index[std::move(key)];
  if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
}

std::vector<std::int64_t> look_up(const std::unordered_map<std::string, std::vector<std::int64_t>>& index,
                                  const std::string& key) {
  const auto it = index.find(key);
  return it == index.end() ? std::vector<std::int64_t>{} : it->second;
}

// Promoter ids are "<gene>_<n>"; a missing or malformed number sorts last.
long promoter_number(std::string_view id) {
  const std::size_t underscore = id.rfind('_');
  long number = std::numeric_limits<long>::max();
  if (underscore == std::string_view::npos) return number;
  const char* first = id.data() + underscore + 1;
  const char* last = id.data() + id.size();
  const auto [end, error] = std::from_chars(first, last, number);
  if (error != std::errc() || end != last) return std::numeric_limits<long>::max();
  return number;
}

}  // namespace

MemoryAnnotationSource::MemoryAnnotationSource(AnnotationTables tables, std::string description) {
  set_tables(std::move(tables), std::move(description));
}

void MemoryAnnotationSource::set_tables(AnnotationTables tables, std::string description) {
  tables_ = std::move(tables);
  description_ = std::move(description);
  symbol_.clear();
  symbol_upper_.clear();
  alias_.clear();
  alias_upper_.clear();
  ensembl_.clear();
  for (const auto& [id, record] : tables_.genes) {
    add_to(symbol_, record.symbol, id);
    add_to(symbol_upper_, to_upper(record.symbol), id);
    for (const auto& ensembl : record.ensembl_ids) add_to(ensembl_, ensembl, id);
  }
  for (const auto& [id, aliases] : tables_.aliases)
    for (const auto& alias : aliases) {
      add_to(alias_, alias, id);
      add_to(alias_upper_, to_upper(alias), id);
    }
}

std::optional<GeneRecord> MemoryAnnotationSource::gene(std::int64_t entrez_id) const {
  const auto it = tables_.genes.find(entrez_id);
  if (it == tables_.genes.end()) return std::nullopt;
  return it->second;
}

std::vector<std::int64_t> MemoryAnnotationSource::find_symbol(const std::string& symbol, bool ignore_case) const {
  return ignore_case ? look_up(symbol_upper_, to_upper(symbol)) : look_up(symbol_, symbol);
}

std::vector<std::int64_t> MemoryAnnotationSource::find_alias(const std::string& alias, bool ignore_case) const {
  return ignore_case ? look_up(alias_upper_, to_upper(alias)) : look_up(alias_, alias);
}

std::vector<std::int64_t> MemoryAnnotationSource::find_ensembl(const std::string& ensembl_id) const {
  return look_up(ensembl_, ensembl_id);
}

std::vector<GoAnnotation> MemoryAnnotationSource::go_annotations(std::int64_t entrez_id) const {
  const auto it = tables_.go.find(entrez_id);
  return it == tables_.go.end() ? std::vector<GoAnnotation>{} : it->second;
}

std::optional<GoTerm> MemoryAnnotationSource::go_term(const std::string& go_id) const {
  const auto it = tables_.go_terms.find(go_id);
  if (it == tables_.go_terms.end()) return std::nullopt;
  return it->second;
}

std::string MemoryAnnotationSource::summary(std::int64_t entrez_id) const {
  const auto it = tables_.summaries.find(entrez_id);
  return it == tables_.summaries.end() ? std::string{} : it->second;
}

std::string MemoryAnnotationSource::promoter(const std::string& ensembl_id) const {
  const auto it = tables_.promoters.find(ensembl_id);
  return it == tables_.promoters.end() ? std::string{} : it->second;
}

void load_summaries(const std::filesystem::path& path, AnnotationTables& tables) {
  sdk::TextInput lines(path);
  const auto columns = header_columns(lines, {"Gene_ID", "Gene_summary"});
  std::string_view line;
  std::vector<std::string_view> fields;
  while (lines.next(line)) {
    if (line.empty()) continue;
    split_tabs(line, fields);
    const std::string_view gene_id = field(fields, columns[0], lines);
    // The export comes from R: a summary of no particular gene has id "NA".
    if (gene_id == "NA" || gene_id.empty()) continue;
    const std::int64_t id = parse_entrez_id(gene_id, lines);
    tables.summaries[id] = std::string(field(fields, columns[1], lines));
  }
}

void load_promoters(const std::filesystem::path& sequences_path, const std::filesystem::path& ensembl_map_path,
                    AnnotationTables& tables) {
  // Both files have no header; a "promoter_id" line is skipped in case one is added.
  std::unordered_map<std::string, std::string> sequence_of;
  std::string_view line;
  std::vector<std::string_view> fields;
  {
    sdk::TextInput lines(sequences_path);
    while (lines.next(line)) {
      if (line.empty()) continue;
      split_tabs(line, fields);
      const auto id = field(fields, 0, lines);
      if (id == "promoter_id") continue;
      sequence_of.emplace(std::string(id), std::string(field(fields, 1, lines)));
    }
  }
  std::unordered_map<std::string, std::pair<long, std::string>> best;  // Ensembl -> (number, promoter id)
  sdk::TextInput lines(ensembl_map_path);
  while (lines.next(line)) {
    if (line.empty()) continue;
    split_tabs(line, fields);
    const auto id = field(fields, 0, lines);
    if (id == "promoter_id") continue;
    const std::string ensembl(field(fields, 1, lines));
    if (!sequence_of.count(std::string(id))) continue;
    const long number = promoter_number(id);
    auto it = best.find(ensembl);
    // Ties (a malformed number) keep the file's order.
    if (it == best.end()) best.emplace(ensembl, std::make_pair(number, std::string(id)));
    else if (number < it->second.first) it->second = {number, std::string(id)};
  }
  for (auto& [ensembl, choice] : best) tables.promoters[ensembl] = sequence_of.at(choice.second);
}

}  // namespace trellis::core::annotation

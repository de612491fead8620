#include "trellis/dna/variants.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>

#include "trellis/sdk/dna_sequence.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/text_input.hpp"

namespace trellis::core::dna {

namespace {

char upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }

bool is_acgt(char c) { return c == 'A' || c == 'C' || c == 'G' || c == 'T'; }

// Column index by name (case-insensitive); throws naming the file when absent.
std::map<std::string, std::size_t> columns(const std::vector<std::string>& header, const std::vector<std::string>& needed,
                                           const std::string& path) {
  std::map<std::string, std::size_t> out;
  for (std::size_t i = 0; i < header.size(); ++i) {
    std::string name = header[i];
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out[name] = i;
  }
  std::string missing;
  for (const auto& n : needed)
    if (!out.count(n)) missing += (missing.empty() ? "" : ", ") + n;
  if (!missing.empty())
    throw sdk::Error("'" + path + "' has no column " + missing + "; its header must name " + [&] {
      std::string all;
      for (const auto& n : needed) all += (all.empty() ? "" : ", ") + n;
      return all;
    }());
  return out;
}

std::string where(const std::string& path, std::int64_t line) {
  return "'" + path + "', line " + std::to_string(line);
}

// One row's fields by column name; a missing field is an error naming the line.
struct Row {
  const std::vector<std::string>& fields;
  const std::map<std::string, std::size_t>& columns;
  const std::string& path;
  std::int64_t line;
  const std::string& operator()(const char* name) const {
    const std::size_t i = columns.at(name);
    if (i >= fields.size()) throw sdk::Error(where(path, line) + " has no " + name + " field");
    return fields[i];
  }
};

std::int64_t position(const std::string& text, const std::string& path, std::int64_t line, const std::string& column) {
  try {
    std::size_t used = 0;
    const double value = std::stod(text, &used);
    if (used == text.size() && value >= 1 && value == std::floor(value)) return static_cast<std::int64_t>(value);
  } catch (const std::exception&) {
  }
  throw sdk::Error(where(path, line) + ": " + column + " '" + text + "' is not a 1-based position");
}

double number(const std::string& text, const std::string& path, std::int64_t line, const std::string& column) {
  // strtod, not stod: p-values such as 7e-312 underflow to a subnormal, which stod rejects.
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (!text.empty() && end == text.c_str() + text.size()) return value;
  throw sdk::Error(where(path, line) + ": " + column + " '" + text + "' is not a number");
}

char allele(const std::string& text, bool may_delete, const std::string& path, std::int64_t line,
            const std::string& column) {
  if (text.size() == 1 && (is_acgt(upper(text[0])) || (may_delete && text[0] == '-')))
    return text[0] == '-' ? '-' : upper(text[0]);
  throw sdk::Error(where(path, line) + ": " + column + " '" + text + "' is not a single base A, C, G or T" +
                   (may_delete ? " (or - for a 1-bp deletion)" : "") +
                   "; longer alleles are not scored: leave the row out");
}

}  // namespace

std::string Variant::name() const {
  return chrom + ":" + std::to_string(pos) + ":" + std::string(1, ref) + ">" + std::string(1, alt);
}

std::vector<Variant> read_variant_table(const std::string& path, std::int64_t min_flank) {
  sdk::TextInput input(sdk::expand_data_dir(path), "--variants");
  std::vector<std::string> fields;
  if (!input.next_fields(fields)) throw sdk::Error("'" + path + "' is empty: expected a header and variant rows");
  const auto col = columns(fields, {"chrom", "pos", "ref", "alt", "window_start", "window"}, path);
  std::vector<Variant> out;
  while (input.next_fields(fields)) {
    const std::int64_t line = input.line_number();
    const Row field{fields, col, path, line};
    Variant v;
    v.chrom = field("chrom");
    v.pos = position(field("pos"), path, line, "pos");
    v.ref = allele(field("ref"), false, path, line, "ref");
    v.alt = allele(field("alt"), true, path, line, "alt");
    const std::int64_t start = position(field("window_start"), path, line, "window_start");
    const std::string& window = field("window");
    sdk::check_dna(window, v.name(), where(path, line) + ", column window");
    v.offset = v.pos - start;
    const auto length = static_cast<std::int64_t>(window.size());
    if (v.offset < 0 || v.offset >= length)
      throw sdk::Error(where(path, line) + ": variant " + v.name() + " lies outside its window (" + v.chrom + ":" +
                       std::to_string(start) + "-" + std::to_string(start + length - 1) + ")");
    if (v.offset < min_flank || length - 1 - v.offset < min_flank)
      throw sdk::Error(where(path, line) + ": variant " + v.name() + " is too close to the window edge (" +
                       std::to_string(std::min(v.offset, length - 1 - v.offset)) + " bases on one side, at least " +
                       std::to_string(min_flank) + " needed); give a longer window or lower --min-flank");
    const char in_window = upper(window[static_cast<std::size_t>(v.offset)]);
    if (in_window != v.ref)
      throw sdk::Error(where(path, line) + ": the ref allele of variant " + v.name() + " disagrees with its window, "
                       "which has " + std::string(1, in_window) + " at " + std::to_string(v.pos) +
                       "; check the window's start and strand (windows are given on the + strand)");
    v.reference = std::make_shared<const std::string>(window);
    out.push_back(std::move(v));
  }
  if (out.empty()) throw sdk::Error("'" + path + "' has a header but no variants");
  return out;
}

MpraData read_mpra(const std::string& path) {
  sdk::TextInput input(sdk::expand_data_dir(path), "--mpra");
  std::vector<std::string> fields;
  if (!input.next_fields(fields)) throw sdk::Error("'" + path + "' is empty: expected Kircher et al.'s MPRA table");
  const auto col = columns(fields, {"chrom", "pos", "ref", "alt", "coefficient", "pvalue", "element"}, path);
  struct Base {
    char ref;
    std::int64_t line;
  };
  std::map<std::string, std::map<std::int64_t, Base>> bases;  // element -> position -> Ref
  std::map<std::string, std::pair<std::string, std::int64_t>> chrom_of;  // element -> (chrom, first line)
  std::vector<Variant> variants;
  while (input.next_fields(fields)) {
    const std::int64_t line = input.line_number();
    const Row field{fields, col, path, line};
    Variant v;
    v.element = field("element");
    v.chrom = field("chrom");
    v.pos = position(field("pos"), path, line, "Pos");
    v.ref = allele(field("ref"), false, path, line, "Ref");
    v.alt = allele(field("alt"), true, path, line, "Alt");
    v.coefficient = number(field("coefficient"), path, line, "Coefficient");
    v.p_value = number(field("pvalue"), path, line, "pValue");
    const auto [chrom, inserted] = chrom_of.emplace(v.element, std::make_pair(v.chrom, line));
    if (chrom->second.first != v.chrom)
      throw sdk::Error(where(path, line) + ": element " + v.element + " is on chromosome " + v.chrom + " here but on " +
                       chrom->second.first + " at line " + std::to_string(chrom->second.second) +
                       "; an element must lie on one chromosome");
    auto& at = bases[v.element];
    const auto [known, fresh] = at.emplace(v.pos, Base{v.ref, line});
    if (!fresh && known->second.ref != v.ref)
      throw sdk::Error(where(path, line) + ": Ref conflict in element " + v.element + " at " + v.chrom + ":" +
                       std::to_string(v.pos) + ": " + std::string(1, v.ref) + " here, " +
                       std::string(1, known->second.ref) + " at line " + std::to_string(known->second.line) +
                       "; fix the table so each position has one reference base");
    variants.push_back(std::move(v));
  }
  MpraData data;
  for (const auto& [name, at] : bases) {
    MpraElement e;
    e.chrom = chrom_of.at(name).first;
    e.start = at.begin()->first;
    const std::int64_t end = at.rbegin()->first;
    std::string sequence(static_cast<std::size_t>(end - e.start + 1), 'N');
    for (std::int64_t p = e.start; p <= end; ++p) {
      const auto found = at.find(p);
      if (found == at.end())
        e.gaps.push_back(p);
      else
        sequence[static_cast<std::size_t>(p - e.start)] = found->second.ref;
    }
    e.sequence = std::make_shared<const std::string>(std::move(sequence));
    if (!e.gaps.empty())
      sdk::log_warning("MPRA element " + name + ": " + std::to_string(e.gaps.size()) +
                    " positions without a row are gaps, read as N (first at " + e.chrom + ":" +
                    std::to_string(e.gaps.front()) + ")");
    data.elements.emplace(name, std::move(e));
  }
  for (auto& v : variants) {
    const MpraElement& e = data.elements.at(v.element);
    v.reference = e.sequence;
    v.offset = v.pos - e.start;
  }
  data.variants = std::move(variants);
  if (data.variants.empty()) throw sdk::Error("'" + path + "' has a header but no variants");
  return data;
}

}  // namespace trellis::core::dna

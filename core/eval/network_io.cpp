#include "trellis/eval/network_io.hpp"

#include <algorithm>
#include <cctype>
#include <numeric>
#include <optional>
#include <sstream>

#include "trellis/sdk/text_input.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/network.hpp"
#include "trellis/util/atomic_file.hpp"
#include "trellis/util/csv.hpp"

namespace trellis::core::eval {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::optional<std::size_t> column_named(const std::vector<std::string>& header, const std::vector<std::string>& names) {
  for (std::size_t c = 0; c < header.size(); ++c)
    if (std::find(names.begin(), names.end(), lower(header[c])) != names.end()) return c;
  return std::nullopt;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> read_truth_network(const std::filesystem::path& file) {
  sdk::TextInput in(file);
  std::string_view view;
  if (!in.next(view))
    throw sdk::Error(file.string() + ": empty file; expected a header line (e.g. regulator<TAB>target)");
  const char delimiter = view.find('\t') == std::string_view::npos && view.find(',') != std::string_view::npos ? ',' : '\t';
  const auto header = sdk::split_fields(view, delimiter);
  if (header.size() < 2)
    throw sdk::Error(file.string() + ": the header has 1 column; expected the regulator and target columns, "
                     "tab-separated (e.g. regulator<TAB>target)");
  const std::size_t from = column_named(header, {"regulator", "source", "tf", "gene1", "from"}).value_or(0);
  const std::size_t to = column_named(header, {"target", "gene2", "to"}).value_or(from == 0 ? 1 : 0);
  if (from == to)
    throw sdk::Error(file.string() + ": cannot tell the regulator column from the target column in the header; "
                     "name them regulator and target");
  std::vector<std::pair<std::string, std::string>> edges;
  while (in.next(view)) {
    if (view.empty()) continue;
    const auto fields = sdk::split_fields(view, delimiter);
    if (fields.size() <= std::max(from, to))
      throw sdk::Error(file.string() + ":" + std::to_string(in.line_number()) + ": " + std::to_string(fields.size()) +
                       " field(s), expected at least " + std::to_string(std::max(from, to) + 1));
    edges.emplace_back(fields[from], fields[to]);
  }
  return edges;
}

std::vector<std::string> read_gene_list(const std::filesystem::path& file) {
  sdk::TextInput in(file);
  std::string_view view;
  std::vector<std::string> genes;
  std::size_t column = 0;
  bool first = true;
  while (in.next(view)) {
    if (view.empty() || view.front() == '#') continue;
    const char delimiter = view.find('\t') == std::string_view::npos ? ',' : '\t';
    auto fields = sdk::split_fields(view, delimiter);
    if (first) {
      first = false;
      if (const auto named = column_named(fields, {"tf", "gene", "symbol", "regulator"})) {
        column = *named;
        continue;
      }
    }
    if (fields.size() <= column)
      throw sdk::Error(file.string() + ":" + std::to_string(in.line_number()) + ": " + std::to_string(fields.size()) +
                       " field(s); the header puts the genes in column " + std::to_string(column + 1));
    std::string gene = std::move(fields[column]);
    while (!gene.empty() && std::isspace(static_cast<unsigned char>(gene.back()))) gene.pop_back();
    if (!gene.empty()) genes.push_back(std::move(gene));
  }
  return genes;
}

void write_network_tsv(const sdk::ScoredEdges& edges, const std::filesystem::path& file) {
  std::vector<std::size_t> order(edges.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return edges.score[a] > edges.score[b]; });
  std::ostringstream out;
  out << "regulator\ttarget\tscore\n";
  // Shortest round-trip form: the file holds exactly the scores that were scored.
  for (const std::size_t e : order)
    out << edges.regulator[e] << '\t' << edges.target[e] << '\t' << util::format_double(edges.score[e]) << '\n';
  util::write_file_atomic(file, out.str());
}

}  // namespace trellis::core::eval

#include "trellis/io/tenx.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "trellis/io/matrix_market.hpp"
#include "trellis/io/tables.hpp"
#include "trellis/sdk/text_input.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::core::io {

namespace {

const std::string gene_expression = "Gene Expression";
const std::string guide_capture = "CRISPR Guide Capture";

std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool has_matrix(const std::filesystem::path& dir) { return !sdk::existing_plain_or_gz(dir / "matrix.mtx").empty(); }

// scanpy's var_names_make_unique: later repeats get "-1", "-2", ...,
// skipping names that already exist.
std::vector<std::string> make_unique(const std::vector<std::string>& names) {
  std::unordered_set<std::string> taken(names.begin(), names.end());
  if (taken.size() == names.size()) return names;
  std::unordered_map<std::string, int> count;
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const auto& n : names) {
    int& seen = count[n];
    if (seen == 0) {
      seen = 1;
      out.push_back(n);
      continue;
    }
    std::string candidate;
    do {
      candidate = n + "-" + std::to_string(seen++);
    } while (taken.count(candidate) > 0);
    taken.insert(candidate);
    out.push_back(candidate);
  }
  return out;
}

// Splits "name12" into the trailing number; -1 when there is none.
long long trailing_number(const std::string& name) {
  std::size_t i = name.size();
  while (i > 0 && std::isdigit(static_cast<unsigned char>(name[i - 1]))) --i;
  if (i == name.size() || name.size() - i > 15) return -1;
  return std::stoll(name.substr(i));
}

// Natural order: "gem_group_2" before "gem_group_10".
bool natural_less(const std::string& a, const std::string& b) {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
      std::size_t ie = i;
      std::size_t je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
      const std::string na = a.substr(i, ie - i);
      const std::string nb = b.substr(j, je - j);
      const auto sa = na.find_first_not_of('0');
      const auto sb = nb.find_first_not_of('0');
      const std::string ta = sa == std::string::npos ? "" : na.substr(sa);
      const std::string tb = sb == std::string::npos ? "" : nb.substr(sb);
      if (ta.size() != tb.size()) return ta.size() < tb.size();
      if (ta != tb) return ta < tb;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

struct Group {
  std::filesystem::path features_file;
  std::vector<std::string> feature_ids;
  std::vector<std::string> feature_names;
  std::vector<std::string> feature_types;
  sdk::AnnData data;
};

Group read_group(const std::filesystem::path& dir) {
  const auto matrix = sdk::existing_plain_or_gz(dir / "matrix.mtx");
  if (matrix.empty())
    throw sdk::Error("10x directory " + quoted(dir) +
                     " has no matrix.mtx or matrix.mtx.gz (nor subdirectories with one); point at the folder "
                     "Cell Ranger wrote, e.g. filtered_feature_bc_matrix");
  Group g;
  g.features_file = sdk::existing_plain_or_gz(dir / "features.tsv");
  const bool legacy = g.features_file.empty();
  if (legacy) g.features_file = sdk::existing_plain_or_gz(dir / "genes.tsv");
  if (g.features_file.empty())
    throw sdk::Error("10x directory " + quoted(dir) +
                     " has no features.tsv(.gz) (nor legacy genes.tsv): it names the rows of " + quoted(matrix) +
                     " and is needed to read it");
  const auto barcodes_file = sdk::existing_plain_or_gz(dir / "barcodes.tsv");
  if (barcodes_file.empty())
    throw sdk::Error("10x directory " + quoted(dir) + " has no barcodes.tsv(.gz): it names the columns (cells) of " +
                     quoted(matrix) + " and is needed to read it");

  TableOptions no_header;
  no_header.header = false;
  no_header.delimiter = '\t';
  no_header.ragged = true;
  const TextTable features = read_table(g.features_file, no_header);
  const std::size_t width = features.columns();
  g.feature_ids = features.column(0);
  g.feature_names = width > 1 ? features.column(1) : g.feature_ids;
  g.feature_types = width > 2 && !legacy ? features.column(2)
                                         : std::vector<std::string>(g.feature_ids.size(), gene_expression);
  for (std::size_t i = 0; i < g.feature_types.size(); ++i)
    if (g.feature_types[i].empty())
      throw sdk::Error(quoted(g.features_file) + " line " + std::to_string(features.lines[i]) +
                       " has no feature type (third column), unlike the first line");
  const TextTable barcode_table = read_table(barcodes_file, no_header);
  std::vector<std::string> barcodes = barcode_table.column(0);

  // Check shapes before reading the whole matrix.
  const MatrixMarketHeader header = read_matrix_market_header(matrix);
  if (header.rows != static_cast<std::int64_t>(g.feature_ids.size()))
    throw sdk::Error(quoted(matrix) + " has " + std::to_string(header.rows) + " rows (features) but " +
                     quoted(g.features_file) + " lists " + std::to_string(g.feature_ids.size()) +
                     " features; the files must come from the same run");
  if (header.cols != static_cast<std::int64_t>(barcodes.size()))
    throw sdk::Error(quoted(matrix) + " has " + std::to_string(header.cols) + " columns (cells) but " +
                     quoted(barcodes_file) + " lists " + std::to_string(barcodes.size()) +
                     " barcodes; the files must come from the same run");
  const std::string duplicate = first_duplicate(barcodes);
  if (!duplicate.empty())
    throw sdk::Error(quoted(barcodes_file) + " lists barcode '" + duplicate + "' more than once");

  const sdk::CsrMatrix counts = read_matrix_market(matrix, /*transpose=*/true);

  std::vector<std::int64_t> expression;
  std::vector<std::int64_t> guides;
  std::map<std::string, std::int64_t> dropped;
  for (std::size_t i = 0; i < g.feature_types.size(); ++i) {
    const std::string& type = g.feature_types[i];
    if (type == gene_expression)
      expression.push_back(static_cast<std::int64_t>(i));
    else if (type == guide_capture)
      guides.push_back(static_cast<std::int64_t>(i));
    else
      ++dropped[type];
  }

  sdk::AnnData& d = g.data;
  d.X = expression.size() == g.feature_ids.size() ? counts : counts.select_cols(expression);
  d.obs.index = std::move(barcodes);
  std::vector<std::string> names;
  std::vector<std::string> ids;
  for (auto i : expression) {
    names.push_back(g.feature_names[static_cast<std::size_t>(i)]);
    ids.push_back(g.feature_ids[static_cast<std::size_t>(i)]);
  }
  d.var.index = make_unique(names);
  d.var.set("gene_ids", sdk::Column::from_strings(std::move(ids)));
  d.var.set("feature_types", sdk::Column::categorical_from(std::vector<std::string>(expression.size(), gene_expression)));

  if (!guides.empty()) {
    d.guide_counts = counts.select_cols(guides);
    std::vector<std::string> targets;
    for (auto i : guides) {
      const std::string& name = g.feature_names[static_cast<std::size_t>(i)];
      d.guides.index.push_back(name);
      targets.push_back(target_from_guide_name(name));
    }
    const std::string repeated = first_duplicate(d.guides.index);
    if (!repeated.empty())
      throw sdk::Error(quoted(g.features_file) + " lists guide '" + repeated +
                       "' more than once; guide names must be unique");
    d.guides.set("target", sdk::Column::from_strings(std::move(targets)));
  }
  nlohmann::json dropped_json = nlohmann::json::object();
  for (const auto& [type, n] : dropped) dropped_json[type] = n;
  d.uns["10x"] = {{"directory", dir.string()}, {"dropped_features", dropped_json}};
  return g;
}

void append_rows(sdk::CsrMatrix& into, const sdk::CsrMatrix& more) {
  const std::int64_t offset = into.nnz();
  into.indices.insert(into.indices.end(), more.indices.begin(), more.indices.end());
  into.values.insert(into.values.end(), more.values.begin(), more.values.end());
  for (std::size_t r = 1; r < more.indptr.size(); ++r) into.indptr.push_back(offset + more.indptr[r]);
  into.rows += more.rows;
}

}  // namespace

bool is_10x_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return false;
  if (has_matrix(dir)) return true;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.is_directory(ec) && has_matrix(entry.path())) return true;
  return false;
}

std::string target_from_guide_name(const std::string& guide) {
  // <target><sep><guide word><number>, e.g. STAT1_sg2, non-targeting_grna9.
  std::size_t end = guide.size();
  while (end > 0 && std::isdigit(static_cast<unsigned char>(guide[end - 1]))) --end;
  if (end == guide.size()) return "";
  const std::string head = lower(guide.substr(0, end));
  for (const char* word : {"sgrna", "grna", "guide", "sg", "g"}) {
    const std::string w = word;
    if (head.size() < w.size() + 2 || head.compare(head.size() - w.size(), w.size(), w) != 0) continue;
    const char sep = head[head.size() - w.size() - 1];
    if (sep != '_' && sep != '-' && sep != '.') continue;
    return guide.substr(0, head.size() - w.size() - 1);
  }
  return "";
}

sdk::AnnData read_10x(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw sdk::Error("10x directory " + quoted(dir) + " does not exist or is not a directory");
  if (has_matrix(dir)) return std::move(read_group(dir).data);

  std::vector<std::string> subdirs;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.is_directory(ec) && has_matrix(entry.path())) subdirs.push_back(entry.path().filename().string());
  if (subdirs.empty()) read_group(dir);  // throws the "no matrix.mtx" message
  std::sort(subdirs.begin(), subdirs.end(), natural_less);

  std::vector<long long> numbers;
  for (const auto& s : subdirs) numbers.push_back(trailing_number(s));
  const bool numbered = std::find(numbers.begin(), numbers.end(), -1) == numbers.end() &&
                        std::set<long long>(numbers.begin(), numbers.end()).size() == numbers.size();
  if (!numbered)
    for (std::size_t i = 0; i < numbers.size(); ++i) numbers[i] = static_cast<long long>(i + 1);

  std::vector<Group> groups;
  for (const auto& s : subdirs) groups.push_back(read_group(dir / s));
  const Group& first = groups.front();
  for (std::size_t k = 1; k < groups.size(); ++k) {
    const Group& g = groups[k];
    if (g.feature_ids != first.feature_ids || g.feature_types != first.feature_types ||
        g.feature_names != first.feature_names)
      throw sdk::Error("gem groups list different features: " + quoted(g.features_file) + " differs from " +
                       quoted(first.features_file) + "; re-run Cell Ranger with one feature reference");
  }

  std::unordered_set<std::string> seen;
  bool collide = false;
  for (const auto& g : groups)
    for (const auto& b : g.data.obs.index)
      if (!seen.insert(b).second) collide = true;

  sdk::AnnData out;
  out.var = first.data.var;
  out.guides = first.data.guides;
  out.X.cols = first.data.X.cols;
  const bool has_guides = first.data.guide_counts.cols > 0 || first.data.guides.size() > 0;
  if (has_guides) out.guide_counts.cols = first.data.guide_counts.cols;
  std::vector<std::int64_t> gem_group;
  nlohmann::json directories = nlohmann::json::array();
  for (std::size_t k = 0; k < groups.size(); ++k) {
    const sdk::AnnData& d = groups[k].data;
    append_rows(out.X, d.X);
    if (has_guides) append_rows(out.guide_counts, d.guide_counts);
    for (const auto& b : d.obs.index) out.obs.index.push_back(collide ? b + "-" + std::to_string(numbers[k]) : b);
    gem_group.insert(gem_group.end(), d.obs.index.size(), numbers[k]);
    directories.push_back(d.uns["10x"]["directory"]);
  }
  out.obs.set("gem_group", sdk::Column::from_integers(std::move(gem_group)));
  out.uns["10x"] = {{"directory", dir.string()},
                    {"gem_group_directories", directories},
                    {"dropped_features", first.data.uns["10x"]["dropped_features"]}};
  return out;
}

}  // namespace trellis::core::io

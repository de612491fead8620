// encoder/precomputed: a gene x dimension matrix computed elsewhere (e.g.
// embeddings from a language model run outside Trellis), matched to the
// universe by gene key. Accepted files:
//   .tsv / .tsv.gz / .txt(.gz): key<TAB>v1<TAB>v2 ...;  .csv / .csv.gz: the same with commas.
//     A first line whose values are all non-numeric is a header.
//   .pt / .pth: a 2-D tensor saved with torch.save (Python), torch::pickle_save
//     or torch::save (C++), plus `keys`: a text file with one gene key per
//     line, line i naming tensor row i.
// A key is a gene symbol, an Ensembl id (version suffix ignored) or an
// Entrez id. Universe genes absent from the file get a zero row and the
// missing flag.
#include "enc_precomputed.hpp"
#include "encoders.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <unordered_map>

#include <ATen/ATen.h>

#include "trellis/sdk/text_input.hpp"
#include "trellis/sdk/missing_rows.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/options.hpp"

namespace trellis::encoders {

namespace {

const std::string kWho = "encoder/precomputed";

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string trimmed(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t\r") - begin + 1);
}

std::optional<double> number(const std::string& text) {
  const std::string t = trimmed(text);
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size() || errno == ERANGE) return std::nullopt;
  return v;
}

/// Universe lookup by symbol, Ensembl id or Entrez id.
class GeneKeys {
 public:
  explicit GeneKeys(const sdk::GeneTable& genes) : genes_(genes) {
    for (std::int64_t g = 0; g < genes.size(); ++g) {
      const sdk::Gene& gene = genes.at(g);
      if (!gene.ensembl_id.empty()) other_.emplace(strip_version(gene.ensembl_id), g);
      if (gene.entrez_id >= 0) other_.emplace(std::to_string(gene.entrez_id), g);
    }
  }
  std::optional<std::int64_t> find(const std::string& key) const {
    if (auto g = genes_.find(key)) return g;
    const auto it = other_.find(strip_version(key));
    if (it != other_.end()) return it->second;
    return std::nullopt;
  }

 private:
  static std::string strip_version(const std::string& id) {
    if (id.rfind("ENS", 0) != 0) return id;
    return id.substr(0, id.find('.'));
  }
  const sdk::GeneTable& genes_;
  std::unordered_map<std::string, std::int64_t> other_;
};

struct Table {
  std::vector<std::string> keys;
  at::Tensor values;  ///< [keys, dim] float32
};

Table read_text_table(const std::string& path, char separator) {
  sdk::TextInput reader(path, "option 'file'");
  const std::string sep_name = separator == ',' ? "comma" : "tab";
  Table out;
  std::vector<float> values;
  std::int64_t dim = -1;
  std::string line;
  bool first = true;
  while (reader.next(line)) {
    if (trimmed(line).empty()) continue;
    const auto fields = sdk::split_fields(line, separator);
    const auto where = "line " + std::to_string(reader.line_number()) + " of '" + path + "'";
    if (fields.size() < 2)
      throw sdk::Error(where + " has no " + sep_name +
                       "-separated values: expected a gene key followed by numbers");
    if (first) {
      first = false;
      bool any_number = false;
      for (std::size_t c = 1; c < fields.size(); ++c) any_number = any_number || number(fields[c]).has_value();
      if (!any_number) continue;  // a header
    }
    const auto row_dim = static_cast<std::int64_t>(fields.size()) - 1;
    if (dim < 0) dim = row_dim;
    if (row_dim != dim)
      throw sdk::Error(where + " has " + std::to_string(row_dim) + " values but the lines before have " +
                       std::to_string(dim) + "; every row needs a key and the same number of values");
    for (std::size_t c = 1; c < fields.size(); ++c) {
      const auto v = number(fields[c]);
      if (!v || !std::isfinite(*v))
        throw sdk::Error(where + ", column " + std::to_string(c + 1) + ": '" + fields[c] + "' is not " +
                         (v ? "a finite number" : "a number") + "; values must be numbers (fill gaps with 0)");
      values.push_back(static_cast<float>(*v));
    }
    out.keys.push_back(trimmed(fields[0]));
  }
  if (out.keys.empty()) throw sdk::Error("'" + path + "' has no data rows");
  out.values = at::from_blob(values.data(), {static_cast<std::int64_t>(out.keys.size()), dim}, at::kFloat).clone();
  return out;
}

Table read_tensor_table(const std::string& path, const std::string& keys_path) {
  if (keys_path.empty())
    throw sdk::Error("tensor file '" + path +
                     "' needs option 'keys': a text file with one gene key per line, line i naming tensor row i");
  at::Tensor tensor = load_tensor_file(path, kWho);
  if (tensor.dim() != 2)
    throw sdk::Error("the tensor in '" + path + "' has " + std::to_string(tensor.dim()) +
                     " dimensions; it must be 2-D [genes, dim]");
  if (!tensor.is_floating_point() && tensor.scalar_type() != at::kInt && tensor.scalar_type() != at::kLong)
    throw sdk::Error("the tensor in '" + path + "' has type " + std::string(c10::toString(tensor.scalar_type())) +
                     "; it must hold numbers");
  Table out;
  sdk::TextInput reader(sdk::expand_data_dir(keys_path), "option 'keys'");
  std::string line;
  while (reader.next(line)) {
    const std::string key = trimmed(line);
    if (!key.empty()) out.keys.push_back(key);
  }
  if (static_cast<std::int64_t>(out.keys.size()) != tensor.size(0))
    throw sdk::Error("keys file '" + keys_path + "' names " + std::to_string(out.keys.size()) +
                     " genes but the tensor in '" + path + "' has " + std::to_string(tensor.size(0)) +
                     " rows; give one key per tensor row, in row order");
  out.values = tensor.to(at::kFloat).contiguous();
  if (!at::isfinite(out.values).all().item<bool>())
    throw sdk::Error("the tensor in '" + path + "' holds NaN or infinite values");
  return out;
}

class Precomputed : public sdk::FeatureEncoder {
 public:
  explicit Precomputed(const sdk::Options& options)
      : file_(options.get_path("file")),
        keys_(options.get_path("keys")),
        missing_flag_(options.get_bool("missing_flag")) {
    if (file_.empty()) throw options.invalid("file", "must name a .tsv, .tsv.gz, .csv or .pt file");
  }

  at::Tensor encode(const sdk::BuildContext& context) override {
    const sdk::GeneTable& genes = context.gene_table();
    const std::string path = sdk::expand_data_dir(file_);
    std::string lower = path;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    Table table;
    if (ends_with(lower, ".pt") || ends_with(lower, ".pth"))
      table = read_tensor_table(path, keys_);
    else if (ends_with(lower, ".csv") || ends_with(lower, ".csv.gz"))
      table = read_text_table(path, ',');
    else if (ends_with(lower, ".tsv") || ends_with(lower, ".tsv.gz") || ends_with(lower, ".txt") ||
             ends_with(lower, ".txt.gz"))
      table = read_text_table(path, '\t');
    else
      throw sdk::Error("cannot tell the format of '" + path +
                       "' from its name; use .tsv, .tsv.gz, .csv, .csv.gz or .pt (with option 'keys')");

    const GeneKeys keys(genes);
    const std::int64_t n = genes.size(), dim = table.values.size(1);
    at::Tensor features = at::zeros({n, dim}, at::kFloat);
    std::vector<bool> present(static_cast<std::size_t>(n), false);
    std::int64_t unmatched = 0, repeated = 0;
    std::vector<std::int64_t> from, to;
    for (std::size_t r = 0; r < table.keys.size(); ++r) {
      const auto g = keys.find(table.keys[r]);
      if (!g) {
        ++unmatched;
        continue;
      }
      if (present[static_cast<std::size_t>(*g)]) {  // the first row of a gene wins
        ++repeated;
        continue;
      }
      present[static_cast<std::size_t>(*g)] = true;
      from.push_back(static_cast<std::int64_t>(r));
      to.push_back(*g);
    }
    if (!from.empty()) {
      const auto index = [](const std::vector<std::int64_t>& v) {
        return at::tensor(at::ArrayRef<std::int64_t>(v), at::kLong);
      };
      features.index_copy_(0, index(to), table.values.index_select(0, index(from)));
    }
    sdk::log_info(kWho + ": " + std::to_string(table.keys.size()) + " rows of dimension " + std::to_string(dim) +
                  " in '" + path + "'; " + std::to_string(unmatched) + " name no universe gene" +
                  (repeated ? "; " + std::to_string(repeated) + " repeat a gene already read (ignored)" : ""));
    const at::Tensor out = sdk::with_missing_flag(features, present, kWho, "an embedding");
    return missing_flag_ ? out : out.narrow(1, 0, out.size(1) - 1).contiguous();
  }

 private:
  std::string file_;
  std::string keys_;
  bool missing_flag_;
};

}  // namespace

sdk::OptionSchema precomputed_options() {
  sdk::OptionSchema s;
  s.require("file", sdk::OptionType::path,
            "embedding file: .tsv/.tsv.gz/.txt (key<TAB>values, optional header), .csv/.csv.gz, or .pt (a 2-D "
            "tensor from torch.save / torch::save, with 'keys'); keys are symbols, Ensembl or Entrez ids");
  s.add_path("keys", "", "for a .pt file: text file with one gene key per line, line i naming tensor row i");
  s.add("missing_flag", true, "append a column that is 1 for genes absent from the file (their row is zero)");
  return s;
}

std::shared_ptr<sdk::FeatureEncoder> make_precomputed(const sdk::Options& options) {
  return std::make_shared<Precomputed>(options);
}

}  // namespace trellis::encoders

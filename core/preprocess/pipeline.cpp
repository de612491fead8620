#include "trellis/preprocess/pipeline.hpp"

#include <cstring>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#include "trellis/preprocess/hvg.hpp"
#include "trellis/preprocess/normalise.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/util/atomic_file.hpp"

namespace trellis::core::preprocess {
namespace {

constexpr char kMagic[8] = {'T', 'R', 'L', 'S', 'P', 'R', 'E', '1'};
constexpr const char* kFileName = "preprocessed.bin";

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDull;
  x ^= x >> 33;
  x *= 0xC4CEB9FE1A85EC53ull;
  x ^= x >> 33;
  return x;
}

std::string scale_name(InputScale s) {
  switch (s) {
    case InputScale::counts: return "counts";
    case InputScale::log_normalised: return "log_normalised";
    default: return "auto";
  }
}

template <class T>
void put(std::string& out, const std::vector<T>& v) {
  out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

class Reader {
 public:
  Reader(const std::string& data, std::size_t pos, std::string file) : data_(data), pos_(pos), file_(std::move(file)) {}
  template <class T>
  std::vector<T> take(std::size_t n) {
    if (data_.size() - pos_ < n * sizeof(T)) {
      throw sdk::Error("preprocessing cache '" + file_ + "' is truncated; delete it to recompute");
    }
    std::vector<T> v(n);
    std::memcpy(v.data(), data_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
    return v;
  }
  bool at_end() const { return pos_ == data_.size(); }

 private:
  const std::string& data_;
  std::size_t pos_;
  std::string file_;
};

}  // namespace

nlohmann::json PreprocessOptions::to_json() const {
  return {{"input", scale_name(input)},
          {"target_sum", target_sum},
          {"n_top_genes", n_top_genes},
          {"forced_genes", forced_genes}};
}

Hasher& Hasher::bytes(const void* data, std::size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    h1_ = mix(h1_ ^ w) + 0x9E3779B97F4A7C15ull;
    h2_ = (h2_ ^ w) * 0x100000001B3ull + (h2_ >> 29);
  }
  std::uint64_t tail = size;  // the length keeps "ab" + "c" apart from "a" + "bc"
  for (std::size_t j = 0; i + j < size; ++j) tail ^= static_cast<std::uint64_t>(p[i + j]) << (8 * j);
  h1_ = mix(h1_ ^ tail);
  h2_ = mix(h2_ + tail);
  return *this;
}

Hasher& Hasher::text(const std::string& s) { return bytes(s.data(), s.size()); }

std::string Hasher::hex() const {
  std::ostringstream out;
  out << std::hex << std::setfill('0') << std::setw(16) << mix(h1_) << std::setw(16) << mix(h2_ ^ h1_);
  return out.str();
}

std::string preprocess_key(const sdk::CsrMatrix& X, const std::vector<std::int64_t>& cell_condition,
                           const std::vector<std::string>& condition_names,
                           const std::vector<std::int64_t>& control_of, const PreprocessOptions& options) {
  Hasher h;
  h.text("trellis-preprocess-v3");
  const std::int64_t shape[2] = {X.rows, X.cols};
  h.bytes(shape, sizeof shape).vec(X.indptr).vec(X.indices).vec(X.values).vec(cell_condition);
  for (const auto& name : condition_names) h.text(name);
  h.vec(control_of).text(options.to_json().dump());
  return h.hex();
}

Preprocessed preprocess(sdk::CsrMatrix& X, const std::vector<std::int64_t>& cell_condition,
                        const std::vector<std::string>& condition_names, std::int64_t control,
                        const PreprocessOptions& options, const std::vector<std::string>& cell_names,
                        const std::vector<std::string>& gene_names) {
  return preprocess(X, cell_condition, condition_names, std::vector<std::int64_t>(condition_names.size(), control),
                    options, cell_names, gene_names);
}

Preprocessed preprocess(sdk::CsrMatrix& X, const std::vector<std::int64_t>& cell_condition,
                        const std::vector<std::string>& condition_names, const std::vector<std::int64_t>& control_of,
                        const PreprocessOptions& options, const std::vector<std::string>& cell_names,
                        const std::vector<std::string>& gene_names) {
  Preprocessed p;
  const auto n_conditions = static_cast<std::int64_t>(condition_names.size());
  check_controls(control_of, n_conditions, "preprocessing");
  p.key = preprocess_key(X, cell_condition, condition_names, control_of, options);
  p.condition_names = condition_names;
  p.control_of = control_of;
  p.control = control_of.empty() ? -1 : control_of.front();
  bool counts = options.input == InputScale::counts;
  if (options.input == InputScale::counts) check_counts(X, cell_names, gene_names);
  if (options.input == InputScale::automatic) counts = looks_like_counts(X);
  if (counts) {
    normalise_log1p(X, options.target_sum);
    p.normalised = true;
  }
  if (options.n_top_genes > 0) {
    p.hvg = highly_variable_genes(X, options.n_top_genes, options.forced_genes);
    p.genes = p.hvg;
    X = X.select_cols(p.genes);
  } else {
    p.genes.resize(static_cast<std::size_t>(X.cols));
    for (std::int64_t g = 0; g < X.cols; ++g) p.genes[static_cast<std::size_t>(g)] = g;
  }
  p.pseudobulk = pseudobulk(X, cell_condition, n_conditions);
  p.control_mean = p.pseudobulk.means.row(p.control);
  p.de = differential_expression(X, cell_condition, n_conditions, control_of);
  return p;
}

void save_preprocessed(const std::filesystem::path& dir, const Preprocessed& p) {
  nlohmann::json header;
  header["key"] = p.key;
  header["condition_names"] = p.condition_names;
  header["control"] = p.control;
  header["control_of"] = p.control_of;
  header["genes"] = p.genes;
  header["hvg"] = p.hvg;
  header["normalised"] = p.normalised;
  header["rows"] = p.pseudobulk.means.rows;
  header["cols"] = p.pseudobulk.means.cols;
  header["cell_counts"] = p.pseudobulk.cell_counts;
  header["skipped"] = p.de.skipped;
  std::vector<std::int64_t> tested;
  for (std::int64_t c = 0; c < static_cast<std::int64_t>(p.de.ranking.size()); ++c) {
    if (p.de.tested(c)) tested.push_back(c);
  }
  header["de_conditions"] = tested;
  std::vector<std::int64_t> significant;
  for (const std::int64_t c : tested) significant.push_back(p.de.significant[static_cast<std::size_t>(c)]);
  header["de_significant"] = significant;
  header["de_size"] = p.de.ranking.size();
  const std::string json = header.dump();
  std::string out(kMagic, sizeof kMagic);
  const std::uint64_t length = json.size();
  out.append(reinterpret_cast<const char*>(&length), sizeof length);
  out += json;
  put(out, p.pseudobulk.means.values);
  put(out, p.control_mean);
  for (const std::int64_t c : tested) {
    put(out, p.de.scores[static_cast<std::size_t>(c)]);
    put(out, p.de.ranking[static_cast<std::size_t>(c)]);
  }
  try {
    std::filesystem::create_directories(dir);
    util::write_file_atomic(dir / kFileName, out);
  } catch (const std::exception& e) {
    throw sdk::Error("cannot write the preprocessing cache in '" + dir.string() + "': " + e.what() +
                     "; check that the run directory is writable");
  }
}

std::optional<Preprocessed> load_preprocessed(const std::filesystem::path& dir, const std::string& key) {
  const std::filesystem::path file = dir / kFileName;
  if (!std::filesystem::exists(file)) return std::nullopt;
  const std::string data = util::read_file(file);
  const std::string where = file.string();
  auto damaged = [&](const std::string& why) {
    return sdk::Error("preprocessing cache '" + where + "' is damaged (" + why + "); delete it to recompute");
  };
  if (data.size() < sizeof kMagic + 8 || std::memcmp(data.data(), kMagic, sizeof kMagic) != 0) {
    throw damaged("not a Trellis preprocessing cache");
  }
  std::uint64_t length = 0;
  std::memcpy(&length, data.data() + sizeof kMagic, sizeof length);
  const std::size_t start = sizeof kMagic + sizeof length;
  if (length > data.size() - start) throw damaged("header length");
  Preprocessed p;
  try {
    const auto header = nlohmann::json::parse(data.substr(start, length));
    p.key = header.at("key").get<std::string>();
    if (p.key != key) return std::nullopt;
    p.condition_names = header.at("condition_names").get<std::vector<std::string>>();
    p.control = header.at("control").get<std::int64_t>();
    p.control_of = header.at("control_of").get<std::vector<std::int64_t>>();
    if (static_cast<std::int64_t>(p.control_of.size()) != header.at("rows").get<std::int64_t>())
      throw damaged("controls per condition");
    p.genes = header.at("genes").get<std::vector<std::int64_t>>();
    p.hvg = header.at("hvg").get<std::vector<std::int64_t>>();
    p.normalised = header.at("normalised").get<bool>();
    p.pseudobulk.means.rows = header.at("rows").get<std::int64_t>();
    p.pseudobulk.means.cols = header.at("cols").get<std::int64_t>();
    p.pseudobulk.cell_counts = header.at("cell_counts").get<std::vector<std::int64_t>>();
    p.de.skipped = header.at("skipped").get<std::vector<std::int64_t>>();
    const auto tested = header.at("de_conditions").get<std::vector<std::int64_t>>();
    const auto de_size = header.at("de_size").get<std::size_t>();
    const auto significant = header.at("de_significant").get<std::vector<std::int64_t>>();
    if (significant.size() != tested.size()) throw damaged("significant gene counts");
    Reader in(data, start + length, where);
    const auto G = static_cast<std::size_t>(p.pseudobulk.means.cols);
    p.pseudobulk.means.values = in.take<float>(static_cast<std::size_t>(p.pseudobulk.means.rows) * G);
    p.control_mean = in.take<float>(G);
    p.de.scores.resize(de_size);
    p.de.ranking.resize(de_size);
    p.de.significant.assign(de_size, 0);
    for (std::size_t i = 0; i < tested.size(); ++i) {
      const std::int64_t c = tested[i];
      if (c < 0 || static_cast<std::size_t>(c) >= de_size) throw damaged("condition index");
      p.de.significant[static_cast<std::size_t>(c)] = significant[i];
      p.de.scores[static_cast<std::size_t>(c)] = in.take<float>(G);
      p.de.ranking[static_cast<std::size_t>(c)] = in.take<std::int32_t>(G);
    }
    if (!in.at_end()) throw damaged("trailing bytes");
  } catch (const nlohmann::json::exception& e) {
    throw damaged(e.what());
  }
  return p;
}

}  // namespace trellis::core::preprocess

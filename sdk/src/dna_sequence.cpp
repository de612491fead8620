#include "trellis/sdk/dna_sequence.hpp"

#include <cctype>
#include <cstdio>
#include <optional>
#include <unordered_map>

#include <ATen/Functions.h>

#include "trellis/sdk/text_input.hpp"
#include "trellis/sdk/data.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::sdk {

namespace {

bool is_base(char c) {
  switch (c) {
    case 'A': case 'C': case 'G': case 'T': case 'N':
    case 'a': case 'c': case 'g': case 't': case 'n':
      return true;
    default:
      return false;
  }
}

std::string shown(char c) {
  if (std::isprint(static_cast<unsigned char>(c))) return std::string("'") + c + "'";
  char code[16];
  std::snprintf(code, sizeof code, "byte 0x%02x", static_cast<unsigned char>(c));
  return code;
}

/// Universe lookup by the ids sequence files use.
class GeneKeys {
 public:
  explicit GeneKeys(const GeneTable& genes) : genes_(genes) {
    for (std::int64_t g = 0; g < genes.size(); ++g) {
      const std::string& e = genes.at(g).ensembl_id;
      if (!e.empty()) ensembl_.emplace(strip_version(e), g);
    }
  }

  std::optional<std::int64_t> find(const std::string& id) const {
    if (auto g = genes_.find(id)) return g;
    const auto e = ensembl_.find(strip_version(id));
    if (e != ensembl_.end()) return e->second;
    // EPD promoter ids: SYMBOL_N (N = the promoter's number).
    const auto underscore = id.rfind('_');
    if (underscore != std::string::npos && underscore + 1 < id.size() &&
        id.find_first_not_of("0123456789", underscore + 1) == std::string::npos)
      return genes_.find(id.substr(0, underscore));
    return std::nullopt;
  }

 private:
  static std::string strip_version(const std::string& id) {
    if (id.rfind("ENS", 0) != 0) return id;
    const auto dot = id.find('.');
    return dot == std::string::npos ? id : id.substr(0, dot);
  }
  const GeneTable& genes_;
  std::unordered_map<std::string, std::int64_t> ensembl_;
};

}  // namespace

void check_dna(const std::string& sequence, const std::string& gene, const std::string& where) {
  for (std::size_t i = 0; i < sequence.size(); ++i)
    if (!is_base(sequence[i]))
      throw Error("the sequence of gene '" + gene + "' (" + where + ") has " + shown(sequence[i]) +
                       " at position " + std::to_string(i + 1) +
                       "; sequences may hold only A, C, G, T and N (any case): replace other IUPAC codes "
                       "with N, or leave the gene out of the sequence file");
}

std::vector<SequenceRecord> read_sequence_records(const std::string& path, const std::string& option) {
  TextInput reader(expand_data_dir(path), option);
  std::vector<SequenceRecord> out;
  const auto add = [&](const std::string& id, std::string sequence, long line) {
    check_dna(sequence, id, "file '" + path + "', line " + std::to_string(line));
    out.push_back({id, std::move(sequence), line});
  };

  std::string line;
  bool first = true, fasta = false;
  std::string id, sequence;
  long id_line = 0;
  while (reader.next(line)) {
    if (line.empty()) continue;
    if (first) {
      fasta = line[0] == '>';
      first = false;
      if (!fasta) {
        const auto fields = split_fields(line);
        if (fields.size() >= 2) {
          std::string second = fields[1];
          for (auto& c : second) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          if (second == "sequence" || second == "seq") continue;  // header
        }
      }
    }
    if (fasta) {
      if (line[0] == '>') {
        if (id_line > 0) add(id, sequence, id_line);
        const auto end = line.find_first_of(" \t", 1);
        id = line.substr(1, end == std::string::npos ? std::string::npos : end - 1);
        sequence.clear();
        id_line = reader.line_number();
      } else {
        sequence += line;
      }
      continue;
    }
    const auto fields = split_fields(line);
    if (fields.size() < 2)
      throw Error("line " + std::to_string(reader.line_number()) + " of '" + path +
                  "' has no tab: expected id<TAB>sequence (or a FASTA file whose first line starts with '>')");
    add(fields[0], fields[1], reader.line_number());
  }
  if (fasta && id_line > 0) add(id, sequence, id_line);
  return out;
}

GeneSequences read_gene_sequences(const std::string& path, const GeneTable& genes) {
  const GeneKeys keys(genes);
  GeneSequences out;
  out.sequence.resize(static_cast<std::size_t>(genes.size()));
  out.records.resize(static_cast<std::size_t>(genes.size()));
  for (auto& record : read_sequence_records(path, "option 'sequences_file'")) {
    ++out.total;
    const auto g = keys.find(record.id);
    if (!g) continue;
    ++out.matched;
    std::string& joined = out.sequence[static_cast<std::size_t>(*g)];
    if (!joined.empty()) joined += 'N';
    joined += record.sequence;
    out.records[static_cast<std::size_t>(*g)].push_back(std::move(record.sequence));
  }
  return out;
}

std::int64_t dna_token(char base) {
  switch (base) {
    case 'A': case 'a': return kBaseA;
    case 'C': case 'c': return kBaseC;
    case 'G': case 'g': return kBaseG;
    case 'T': case 't': return kBaseT;
    default: return kBaseN;
  }
}

at::Tensor dna_tokens(const std::string& sequence) {
  at::Tensor out = at::empty({static_cast<std::int64_t>(sequence.size())}, at::kLong);
  auto* p = out.data_ptr<std::int64_t>();
  for (std::size_t i = 0; i < sequence.size(); ++i) p[i] = dna_token(sequence[i]);
  return out;
}

std::string reverse_complement(const std::string& sequence) {
  std::string out(sequence.rbegin(), sequence.rend());
  for (char& c : out) {
    switch (c) {
      case 'A': c = 'T'; break;
      case 'T': c = 'A'; break;
      case 'C': c = 'G'; break;
      case 'G': c = 'C'; break;
      case 'a': c = 't'; break;
      case 't': c = 'a'; break;
      case 'c': c = 'g'; break;
      case 'g': c = 'c'; break;
      default: break;
    }
  }
  return out;
}

at::Tensor reverse_complement_tokens(const at::Tensor& tokens) {
  // A C G T N -> T G C A N
  static const at::Tensor complement = at::tensor(std::vector<std::int64_t>{kBaseT, kBaseG, kBaseC, kBaseA, kBaseN});
  return complement.index_select(0, tokens.flip({-1}).reshape({-1})).reshape(tokens.sizes());
}

}  // namespace trellis::sdk

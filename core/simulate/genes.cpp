#include "trellis/simulate/genes.hpp"

#include <cmath>
#include <cstdio>
#include <unordered_set>

#include "trellis/sdk/error.hpp"
#include "trellis/io/tables.hpp"
#include "trellis/simulate/random.hpp"

namespace trellis::core::simulate {

namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// `k` distinct indices of [0, n) in random order (partial Fisher-Yates).
std::vector<std::size_t> sample_indices(std::size_t n, std::size_t k, Rng& rng) {
  std::vector<std::size_t> all(n);
  for (std::size_t i = 0; i < n; ++i) all[i] = i;
  for (std::size_t i = 0; i < k; ++i) std::swap(all[i], all[i + rng.below(n - i)]);
  all.resize(k);
  return all;
}

}  // namespace

GeneChoice choose_genes(std::size_t count, double noncoding_fraction, const std::filesystem::path& genes_file,
                        Rng& rng) {
  const auto noncoding = static_cast<std::size_t>(std::llround(static_cast<double>(count) * noncoding_fraction));
  const std::size_t coding = count - noncoding;
  GeneChoice choice;
  if (genes_file.empty()) {
    // Biotypes at random positions, so that names carry no information.
    const std::vector<std::size_t> order = sample_indices(count, count, rng);
    std::vector<std::string> biotypes(count, "protein_coding");
    for (std::size_t i = 0; i < noncoding; ++i) biotypes[order[i]] = rng.bernoulli(0.5) ? "lncRNA" : "miRNA";
    char name[32];
    for (std::size_t i = 0; i < count; ++i) {
      std::snprintf(name, sizeof name, "GENE%05zu", i + 1);
      choice.symbols.push_back(name);
    }
    choice.biotypes = std::move(biotypes);
    return choice;
  }

  const auto table = io::read_tsv_columns(genes_file, {"symbol", "gene_name", "gene_type"});
  std::vector<std::size_t> coding_pool, noncoding_pool;
  std::vector<std::string> noncoding_kind(table[0].size());
  std::unordered_set<std::string> seen;  // a few symbols name two NCBI genes: keep the first
  for (std::size_t i = 0; i < table[0].size(); ++i) {
    const std::string& symbol = table[0][i];
    const std::string& type = table[2][i];
    if (symbol.empty() || !seen.insert(symbol).second) continue;
    if (type == "protein-coding") {
      coding_pool.push_back(i);
    } else if (type == "ncRNA" && starts_with(symbol, "LINC")) {
      noncoding_kind[i] = "lncRNA";
      noncoding_pool.push_back(i);
    } else if (type == "ncRNA" && starts_with(symbol, "MIR")) {
      noncoding_kind[i] = table[1][i].find("microRNA") != std::string::npos ? "miRNA" : "lncRNA";
      noncoding_pool.push_back(i);
    }
  }
  if (coding_pool.size() < coding || noncoding_pool.size() < noncoding)
    throw sdk::Error(genes_file.string() + ": has " + std::to_string(coding_pool.size()) + " protein-coding and " +
                     std::to_string(noncoding_pool.size()) + " LINC*/MIR* ncRNA genes; the simulation needs " +
                     std::to_string(coding) + " and " + std::to_string(noncoding) +
                     " (lower --genes, or use the full orghs_genes.tsv.gz)");
  for (std::size_t k : sample_indices(coding_pool.size(), coding, rng)) {
    choice.symbols.push_back(table[0][coding_pool[k]]);
    choice.biotypes.push_back("protein_coding");
  }
  for (std::size_t k : sample_indices(noncoding_pool.size(), noncoding, rng)) {
    choice.symbols.push_back(table[0][noncoding_pool[k]]);
    choice.biotypes.push_back(noncoding_kind[noncoding_pool[k]]);
  }
  // Interleave coding and non-coding genes so position says nothing of biotype.
  const std::vector<std::size_t> order = sample_indices(count, count, rng);
  GeneChoice shuffled;
  for (std::size_t i : order) {
    shuffled.symbols.push_back(choice.symbols[i]);
    shuffled.biotypes.push_back(choice.biotypes[i]);
  }
  return shuffled;
}

}  // namespace trellis::core::simulate

#include "trellis/io/readers.hpp"

#include <filesystem>
#include <memory>

#include "trellis/io/dense_csv.hpp"
#include "trellis/io/h5ad.hpp"
#include "trellis/io/matrix_market.hpp"
#include "trellis/io/tenx.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/reader.hpp"

namespace trellis::core::io {

namespace fs = std::filesystem;

namespace {

class H5adReader : public sdk::Reader {
 public:
  bool recognises(const std::string& path) const override { return fs::path(path).extension() == ".h5ad"; }
  sdk::AnnData read(const std::string& path) override { return read_h5ad(path); }
};

class TenxReader : public sdk::Reader {
 public:
  bool recognises(const std::string& path) const override { return is_10x_directory(path); }
  sdk::AnnData read(const std::string& path) override { return read_10x(path); }
};

// File names are relative to the dataset directory given as `path`.
class MtxReader : public sdk::Reader {
 public:
  explicit MtxReader(const sdk::Options& options) : options_(options) {}
  bool recognises(const std::string& path) const override {
    std::error_code ec;
    return fs::is_directory(path, ec) && fs::exists(fs::path(path) / options_.get_string("matrix"), ec);
  }
  sdk::AnnData read(const std::string& path) override {
    const fs::path dir(path);
    auto file = [&](const char* key) {
      const std::string name = options_.get_string(key);
      return name.empty() ? fs::path() : dir / name;
    };
    MtxSidecarSpec spec;
    spec.matrix = file("matrix");
    spec.genes = file("genes");
    spec.cells = file("cells");
    spec.guide_counts = file("guide_counts");
    spec.guides = file("guides");
    spec.guide_targets = file("guide_targets");
    spec.genes_by_cells = options_.get_bool("genes_by_cells");
    return read_mtx_with_sidecars(spec);
  }

 private:
  sdk::Options options_;
};

// Dense tables: BEELINE's ExpressionData.csv and the like.
class DenseCsvReader : public sdk::Reader {
 public:
  explicit DenseCsvReader(const sdk::Options& options) : options_(options) {}
  bool recognises(const std::string& path) const override {
    for (const char* suffix : {".csv", ".csv.gz", ".tsv", ".tsv.gz"}) {
      const std::string s(suffix);
      if (path.size() > s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0) return true;
    }
    return false;
  }
  sdk::AnnData read(const std::string& path) override {
    return read_dense_csv(path, options_.get_bool("genes_by_cells"), options_.get_string("control_label"));
  }

 private:
  sdk::Options options_;
};

}  // namespace

void register_readers(sdk::Registrar& r) {
  r.add<sdk::Reader>("h5ad", "AnnData .h5ad files (anndata >= 0.8 encodings)", sdk::OptionSchema{},
               [](const sdk::Options&) { return std::make_shared<H5adReader>(); });
  r.add<sdk::Reader>("10x", "10x Genomics directories (matrix.mtx, features.tsv, barcodes.tsv; gem-group subfolders)",
               sdk::OptionSchema{}, [](const sdk::Options&) { return std::make_shared<TenxReader>(); });
  r.add<sdk::Reader>("mtx", "MatrixMarket counts with sidecar tables of genes, cells and guides",
               sdk::OptionSchema{}
                   .add("matrix", "gene_counts.mtx.gz", "count matrix, relative to the dataset directory")
                   .add("genes", "genes.txt", "gene names, one per line")
                   .add("cells", "cells.tsv", "cell table (first column = cell name); empty for none")
                   .add("guide_counts", "", "guide UMI count matrix; empty for none")
                   .add("guides", "", "guide names, one per line")
                   .add("guide_targets", "", "table of guide -> target gene")
                   .add("genes_by_cells", true, "matrices are genes x cells (else cells x genes)"),
               [](const sdk::Options& o) { return std::make_shared<MtxReader>(o); });
  r.add<sdk::Reader>("csv",
                     "Dense expression tables, CSV or TSV, plain or gzip (BEELINE's genes x cells ExpressionData.csv); "
                     "every cell is unperturbed",
                     sdk::OptionSchema{}
                         .add("genes_by_cells", true, "rows are genes and columns cells (else cells x genes)")
                         .add("control_label", "ctrl", "the condition given to every cell (match [data] control_label)"),
                     [](const sdk::Options& o) { return std::make_shared<DenseCsvReader>(o); });
}

}  // namespace trellis::core::io

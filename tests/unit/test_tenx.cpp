// 10x Genomics matrix directories: features, barcodes, guide capture, gem groups.

#include <algorithm>

#include <zlib.h>

#include "catch.hpp"
#include "support.hpp"
#include "trellis/io/tenx.hpp"
#include "trellis/sdk/error.hpp"

using namespace trellis::core::io;
using trellis::sdk::CsrMatrix;
using trellis::test::TempDir;
using Catch::Contains;

namespace {

void write_gzip(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, content.data(), static_cast<unsigned>(content.size())) == static_cast<int>(content.size()));
  REQUIRE(gzclose(f) == Z_OK);
}

std::vector<std::vector<float>> dense(const CsrMatrix& m) {
  std::vector<std::vector<float>> d(static_cast<std::size_t>(m.rows), std::vector<float>(static_cast<std::size_t>(m.cols)));
  for (std::int64_t r = 0; r < m.rows; ++r)
    for (std::int64_t k = m.indptr[r]; k < m.indptr[r + 1]; ++k) d[r][m.indices[k]] += m.values[k];
  return d;
}

// Features (rows): 3 genes (one symbol repeated), 1 antibody, 2 guides; 3 cells.
// features x cells:
//   ENSG1 A      [1 0 2]
//   ENSG2 B      [0 3 0]
//   ENSG3 A      [4 0 0]
//   CD4   CD4    [9 9 9]   (Antibody Capture: left out)
//   A_sg1        [0 6 0]
//   NTC-nt_1     [1 0 5]
const std::string features =
    "ENSG1\tA\tGene Expression\nENSG2\tB\tGene Expression\nENSG3\tA\tGene Expression\n"
    "CD4\tCD4\tAntibody Capture\nA_sg1\tA_sg1\tCRISPR Guide Capture\nNTC-nt_1\tnon-targeting_grna1\tCRISPR Guide Capture\n";
const std::string matrix =
    "%%MatrixMarket matrix coordinate integer general\n"
    "%metadata_json: {\"software_version\": \"cellranger\"}\n"
    "6 3 11\n1 1 1\n3 1 4\n4 1 9\n6 1 1\n2 2 3\n4 2 9\n5 2 6\n1 3 2\n4 3 9\n6 3 5\n2 2 0\n";

void write_v3(const std::filesystem::path& dir, const std::string& barcodes = "AAAC-1\nCCCG-1\nGGGT-1\n") {
  write_gzip(dir / "matrix.mtx.gz", matrix);
  write_gzip(dir / "features.tsv.gz", features);
  write_gzip(dir / "barcodes.tsv.gz", barcodes);
}

}  // namespace

TEST_CASE("10x: gene expression, guide capture, other features left out", "[tenx]") {
  TempDir dir;
  write_v3(dir.path());
  CHECK(is_10x_directory(dir.path()));
  const auto d = read_10x(dir.path());
  REQUIRE_NOTHROW(d.X.validate("X"));
  CHECK(dense(d.X) == std::vector<std::vector<float>>{{1, 0, 4}, {0, 3, 0}, {2, 0, 0}});
  CHECK(d.var.index == std::vector<std::string>{"A", "B", "A-1"});  // repeated symbols made unique
  CHECK(d.var.columns.at("gene_ids").strings == std::vector<std::string>{"ENSG1", "ENSG2", "ENSG3"});
  CHECK(d.var.columns.at("feature_types").text(0) == "Gene Expression");
  CHECK(d.obs.index == std::vector<std::string>{"AAAC-1", "CCCG-1", "GGGT-1"});
  CHECK(dense(d.guide_counts) == std::vector<std::vector<float>>{{0, 1}, {6, 0}, {0, 5}});
  CHECK(d.guides.index == std::vector<std::string>{"A_sg1", "non-targeting_grna1"});
  CHECK(d.guides.columns.at("target").strings == std::vector<std::string>{"A", "non-targeting"});
  CHECK(d.uns["10x"]["dropped_features"]["Antibody Capture"] == 1);
  CHECK_FALSE(d.obs.has("gem_group"));
}

TEST_CASE("10x: legacy genes.tsv, plain files, no guides", "[tenx]") {
  TempDir dir;
  dir.write("matrix.mtx", "%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 2 5\n2 1 1\n");
  dir.write("genes.tsv", "ENSG1\tX\nENSG2\tY\n");
  dir.write("barcodes.tsv", "c1\nc2\n");
  const auto d = read_10x(dir.path());
  CHECK(dense(d.X) == std::vector<std::vector<float>>{{0, 1}, {5, 0}});
  CHECK(d.var.index == std::vector<std::string>{"X", "Y"});
  CHECK(d.guide_counts.cols == 0);
  CHECK(d.guides.size() == 0);
}

TEST_CASE("10x: gem groups are read in order and concatenated", "[tenx]") {
  TempDir dir;
  write_v3(dir.path() / "run_10");
  write_v3(dir.path() / "run_2", "TTTA-1\nAAAC-1\nCCCC-1\n");  // AAAC-1 also in run_10
  dir.write("notes.txt", "not a group\n");
  CHECK(is_10x_directory(dir.path()));
  const auto d = read_10x(dir.path());
  REQUIRE_NOTHROW(d.X.validate("X"));
  REQUIRE_NOTHROW(d.guide_counts.validate("guides"));
  CHECK(d.X.rows == 6);
  CHECK(d.guide_counts.rows == 6);
  // run_2 before run_10; every barcode suffixed because one repeats.
  CHECK(d.obs.index ==
        std::vector<std::string>{"TTTA-1-2", "AAAC-1-2", "CCCC-1-2", "AAAC-1-10", "CCCG-1-10", "GGGT-1-10"});
  CHECK(d.obs.columns.at("gem_group").integers == std::vector<std::int64_t>{2, 2, 2, 10, 10, 10});
  CHECK(dense(d.X)[4] == std::vector<float>{0, 3, 0});
  CHECK(dense(d.guide_counts)[5] == std::vector<float>{0, 5});
}

TEST_CASE("10x: guide targets from guide names", "[tenx]") {
  CHECK(target_from_guide_name("non-targeting_grna9") == "non-targeting");
  CHECK(target_from_guide_name("ENSG00000224277_grna1") == "ENSG00000224277");
  CHECK(target_from_guide_name("candidate_enh_1_grna2") == "candidate_enh_1");
  CHECK(target_from_guide_name("STAT1-sg12") == "STAT1");
  CHECK(target_from_guide_name("MYC_sgRNA3") == "MYC");
  CHECK(target_from_guide_name("IRF1_guide1") == "IRF1");
  CHECK(target_from_guide_name("CUL3g1").empty());  // no separator: ambiguous
  CHECK(target_from_guide_name("enh_1").empty());
  CHECK(target_from_guide_name("_g1").empty());
}

TEST_CASE("10x: bad directories are refused with the file named", "[tenx]") {
  TempDir dir;
  REQUIRE_THROWS_WITH(read_10x(dir.path() / "nope"), Contains("nope' does not exist or is not a directory"));
  REQUIRE_THROWS_WITH(read_10x(dir.path()), Contains("has no matrix.mtx or matrix.mtx.gz"));
  SECTION("missing features.tsv") {
    write_v3(dir.path());
    std::filesystem::remove(dir.path() / "features.tsv.gz");
    REQUIRE_THROWS_WITH(read_10x(dir.path()),
                        Contains("10x directory '" + dir.path().string() + "' has no features.tsv(.gz) (nor legacy genes.tsv)"));
  }
  SECTION("missing barcodes.tsv") {
    write_v3(dir.path());
    std::filesystem::remove(dir.path() / "barcodes.tsv.gz");
    REQUIRE_THROWS_WITH(read_10x(dir.path()), Contains("has no barcodes.tsv(.gz)"));
  }
  SECTION("sizes disagree") {
    write_v3(dir.path(), "AAAC-1\nCCCG-1\n");
    REQUIRE_THROWS_WITH(read_10x(dir.path()), Contains("matrix.mtx.gz' has 3 columns (cells) but '" +
                                                       (dir.path() / "barcodes.tsv.gz").string() + "' lists 2 barcodes"));
    write_v3(dir.path());
    write_gzip(dir.path() / "features.tsv.gz", "ENSG1\tA\tGene Expression\n");
    REQUIRE_THROWS_WITH(read_10x(dir.path()), Contains("matrix.mtx.gz' has 6 rows (features) but '" +
                                                       (dir.path() / "features.tsv.gz").string() + "' lists 1 features"));
  }
  SECTION("gem groups with different features") {
    write_v3(dir.path() / "g1");
    write_v3(dir.path() / "g2");
    std::string other = features;
    other.replace(other.find("ENSG2"), 5, "ENSG9");
    write_gzip(dir.path() / "g2" / "features.tsv.gz", other);
    REQUIRE_THROWS_WITH(read_10x(dir.path()), Contains("gem groups list different features") && Contains("g2"));
  }
}

TEST_CASE("Gasperini 2019 tiny 10x: two gem groups with guide capture", "[tenx][data]") {
  TRELLIS_REQUIRE_DATA(data);
  const auto d = read_10x(data / "perturbseq" / "gasperini2019_tiny_10x");
  REQUIRE_NOTHROW(d.X.validate("X"));
  REQUIRE_NOTHROW(d.guide_counts.validate("guides"));
  // Reference values from scipy.io.mmread of each group's files.
  CHECK(d.X.rows == 242 + 258);
  CHECK(d.X.cols == 100);
  CHECK(d.X.nnz() == 12560 + 12263);
  CHECK(d.guide_counts.cols == 60);
  CHECK(d.guide_counts.nnz() == 2958 + 3153);
  double gex = 0;
  double guides = 0;
  for (float v : d.X.values) gex += v;
  for (float v : d.guide_counts.values) guides += v;
  CHECK(gex == 48494 + 41270);
  CHECK(guides == 53311 + 57642);
  CHECK(d.var.index.front() == "RSPH14");
  CHECK(d.var.columns.at("gene_ids").strings.front() == "ENSG00000100218");
  CHECK(d.var.index[4] == "DERL3");
  CHECK(dense(d.X)[242 + 1][4] == 3);  // second cell of group 2
  // Barcodes do not repeat across the groups, so they are kept as they are.
  CHECK(d.obs.index.front() == "cell_1");
  CHECK(d.obs.index[241] == "cell_500");
  CHECK(d.obs.index[242] == "cell_2");
  const auto& group = d.obs.columns.at("gem_group").integers;
  CHECK(std::count(group.begin(), group.end(), 1) == 242);
  CHECK(std::count(group.begin(), group.end(), 2) == 258);
  CHECK(d.guides.index.back() == "non-targeting_grna10");
  CHECK(d.guides.columns.at("target").strings.back() == "non-targeting");
  CHECK(d.guides.columns.at("target").strings.front() == "ENSG00000224277");
  double first_cell_guides = 0;
  for (auto k = d.guide_counts.indptr[0]; k < d.guide_counts.indptr[1]; ++k) first_cell_guides += d.guide_counts.values[k];
  CHECK(first_cell_guides == 145);
}

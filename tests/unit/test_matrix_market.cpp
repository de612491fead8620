// MatrixMarket reading, the line reader under it (plain and gzip), sidecar
// tables, and MatrixMarket + sidecar datasets (the Papalexi layout).

#include <chrono>
#include <fstream>
#include <random>
#include <set>

#include <zlib.h>

#include "catch.hpp"
#include "support.hpp"
#include "trellis/io/matrix_market.hpp"
#include "trellis/io/tables.hpp"
#include "trellis/sdk/text_input.hpp"
#include "trellis/sdk/error.hpp"

using namespace trellis::core::io;
using trellis::sdk::CsrMatrix;
using trellis::sdk::TextInput;
using trellis::sdk::is_gzip;
using trellis::test::TempDir;
using Catch::Contains;

namespace {

std::filesystem::path write_gzip(const TempDir& dir, const std::string& name, const std::string& content) {
  const auto path = dir.path() / name;
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, content.data(), static_cast<unsigned>(content.size())) == static_cast<int>(content.size()));
  REQUIRE(gzclose(f) == Z_OK);
  return path;
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::vector<std::string> all_lines(const std::filesystem::path& path) {
  TextInput in(path);
  std::vector<std::string> lines;
  std::string_view line;
  while (in.next(line)) lines.emplace_back(line);
  return lines;
}

// Dense row-major copy, for comparing against matrices written out by hand.
std::vector<std::vector<float>> dense(const CsrMatrix& m) {
  std::vector<std::vector<float>> d(static_cast<std::size_t>(m.rows), std::vector<float>(static_cast<std::size_t>(m.cols)));
  for (std::int64_t r = 0; r < m.rows; ++r)
    for (std::int64_t k = m.indptr[r]; k < m.indptr[r + 1]; ++k) d[r][m.indices[k]] += m.values[k];
  return d;
}

// A 3 x 4 matrix (1-based entries) with comments, an unsorted row and a
// repeated coordinate (summed):
//   [ 1.5  0    0   2 ]
//   [ 0    0    0   0 ]
//   [ 0    7   -3   0 ]      (3,2) is given as 4 + 3
const std::string small_mtx =
    "%%MatrixMarket matrix coordinate real general\n"
    "% written by hand\n"
    "%\n"
    "3 4 5\n"
    "1 4 2\n"
    "3 3 -3.0\n"
    "1 1 1.5e0\n"
    "3 2 4\n"
    "3 2 3\n";

// A large-ish matrix file, so that gzip data spans many blocks and buffers.
std::string big_mtx(int rows, int cols) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> v(1, 60);
  std::string body;
  int entries = 0;
  for (int c = 1; c <= cols; ++c)
    for (int r = 1; r <= rows; ++r)
      if ((r * 7 + c * 3) % 5 == 0) {
        body += std::to_string(r) + " " + std::to_string(c) + " " + std::to_string(v(rng)) + "\n";
        ++entries;
      }
  return "%%MatrixMarket matrix coordinate integer general\n" + std::to_string(rows) + " " + std::to_string(cols) +
         " " + std::to_string(entries) + "\n" + body;
}

}  // namespace

TEST_CASE("text input: line endings, last line without newline, long lines", "[mtx]") {
  TempDir dir;
  const auto plain = dir.write("a.txt", "one\r\ntwo\n\nthree");
  CHECK(all_lines(plain) == std::vector<std::string>{"one", "two", "", "three"});
  const std::string long_line(3'000'000, 'x');  // longer than the initial buffer
  const auto big = dir.write("b.txt", "a\n" + long_line + "\nb\n");
  const auto lines = all_lines(big);
  REQUIRE(lines.size() == 3);
  CHECK(lines[1] == long_line);
  CHECK(lines[2] == "b");
  CHECK(all_lines(dir.write("empty.txt", "")).empty());
  TextInput in(plain);
  std::string_view line;
  in.next(line);
  in.next(line);
  CHECK(in.line_number() == 2);
  CHECK_FALSE(in.gzip());
}

TEST_CASE("text input: gzip is recognised by its magic bytes, whatever the name", "[mtx]") {
  TempDir dir;
  std::string content;
  for (int i = 0; i < 200000; ++i) content += "line " + std::to_string(i) + "\n";
  const auto gz = write_gzip(dir, "no_extension", content);
  CHECK(is_gzip(gz));
  TextInput in(gz);
  CHECK(in.gzip());
  const auto lines = all_lines(gz);
  REQUIRE(lines.size() == 200000);
  CHECK(lines.front() == "line 0");
  CHECK(lines.back() == "line 199999");
  // Concatenated gzip members are one file, as gzip -d reads them.
  const auto a = write_gzip(dir, "a.gz", "first\nsec");
  const auto b = write_gzip(dir, "b.gz", "ond\nthird\n");
  const auto both = dir.path() / "both.gz";
  write_bytes(both, read_bytes(a) + read_bytes(b));
  CHECK(all_lines(both) == std::vector<std::string>{"first", "second", "third"});
}

TEST_CASE("text input: missing file and directory are named", "[mtx]") {
  TempDir dir;
  REQUIRE_THROWS_WITH(TextInput(dir.path() / "nope.tsv"), Contains("cannot open") && Contains("nope.tsv") &&
                                                               Contains("No such file"));
  REQUIRE_THROWS_WITH(TextInput(dir.path()), Contains("is a directory"));
}

TEST_CASE("text input: corrupt and truncated gzip data are reported with the file name", "[mtx]") {
  TempDir dir;
  const std::string content = big_mtx(300, 400);
  const auto good = write_gzip(dir, "good.mtx.gz", content);
  const std::string bytes = read_bytes(good);
  REQUIRE(bytes.size() > 10000);

  SECTION("bytes changed in the middle") {
    std::string bad = bytes;
    for (std::size_t i = bad.size() / 2; i < bad.size() / 2 + 16; ++i) bad[i] = static_cast<char>(~bad[i]);
    const auto path = dir.path() / "middle.mtx.gz";
    write_bytes(path, bad);
    REQUIRE_THROWS_WITH(all_lines(path), Contains("gzip data in '" + path.string() + "' is corrupt (zlib: ") &&
                                             Contains("download or re-create it"));
    // The MatrixMarket reader passes the same error on.
    REQUIRE_THROWS_WITH(read_matrix_market(path), Contains("middle.mtx.gz") && Contains("is corrupt"));
  }
  SECTION("an invalid block header right after the gzip header") {
    std::string bad = bytes;
    bad[10] = static_cast<char>(bad[10] | 0x06);  // BTYPE = 11 is reserved
    const auto path = dir.path() / "block.mtx.gz";
    write_bytes(path, bad);
    REQUIRE_THROWS_WITH(read_matrix_market(path), Contains("block.mtx.gz' is corrupt (zlib: invalid block type)"));
  }
  SECTION("a damaged checksum") {
    std::string bad = bytes;
    bad[bad.size() - 6] = static_cast<char>(~bad[bad.size() - 6]);  // inside the CRC-32 trailer
    const auto path = dir.path() / "crc.mtx.gz";
    write_bytes(path, bad);
    REQUIRE_THROWS_WITH(all_lines(path), Contains("crc.mtx.gz' is corrupt (zlib: incorrect data check)"));
  }
  SECTION("truncated") {
    const auto path = dir.path() / "cut.mtx.gz";
    write_bytes(path, bytes.substr(0, bytes.size() / 2));
    REQUIRE_THROWS_WITH(read_matrix_market(path), Contains("'" + path.string() + "' ends in the middle of its gzip data") &&
                                                      Contains("truncated"));
    write_bytes(path, bytes.substr(0, bytes.size() - 4));  // only the length trailer missing
    REQUIRE_THROWS_WITH(all_lines(path), Contains("truncated"));
  }
}

TEST_CASE("MatrixMarket: values, repeats summed, sorted columns, transpose", "[mtx]") {
  TempDir dir;
  const auto path = dir.write("small.mtx", small_mtx);
  const CsrMatrix m = read_matrix_market(path);
  REQUIRE_NOTHROW(m.validate("small"));
  CHECK(m.rows == 3);
  CHECK(m.cols == 4);
  CHECK(m.indptr == std::vector<std::int64_t>{0, 2, 2, 4});
  CHECK(m.indices == trellis::sdk::BulkVector<std::int32_t>{0, 3, 1, 2});
  CHECK(m.values == trellis::sdk::BulkVector<float>{1.5f, 2.f, 7.f, -3.f});

  const CsrMatrix t = read_matrix_market(path, /*transpose=*/true);
  CHECK(t.rows == 4);
  CHECK(t.cols == 3);
  CHECK(t.indptr == std::vector<std::int64_t>{0, 1, 2, 3, 4});
  CHECK(t.indices == trellis::sdk::BulkVector<std::int32_t>{0, 2, 2, 0});
  CHECK(t.values == trellis::sdk::BulkVector<float>{1.5f, 7.f, -3.f, 2.f});

  const auto header = read_matrix_market_header(path);
  CHECK(header.field == "real");
  CHECK(header.symmetry == "general");
  CHECK(header.entries == 5);

  // The same file gzipped reads the same.
  const CsrMatrix z = read_matrix_market(write_gzip(dir, "small.mtx.gz", small_mtx));
  CHECK(z.indptr == m.indptr);
  CHECK(z.indices == m.indices);
  CHECK(z.values == m.values);
}

TEST_CASE("MatrixMarket: integer, pattern, symmetric and an empty matrix", "[mtx]") {
  TempDir dir;
  const auto pattern = dir.write("p.mtx", "%%MatrixMarket matrix coordinate pattern general\n2 2 2\n2 1\n1 2\n");
  CHECK(dense(read_matrix_market(pattern)) == std::vector<std::vector<float>>{{0, 1}, {1, 0}});
  const auto symmetric =
      dir.write("s.mtx", "%%MatrixMarket matrix coordinate integer symmetric\n3 3 3\n1 1 4\n3 1 5\n3 2 -1\n");
  CHECK(dense(read_matrix_market(symmetric)) == std::vector<std::vector<float>>{{4, 0, 5}, {0, 0, -1}, {5, -1, 0}});
  const auto skew = dir.write("k.mtx", "%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n2 1 3\n");
  CHECK(dense(read_matrix_market(skew)) == std::vector<std::vector<float>>{{0, -3}, {3, 0}});
  const auto empty = dir.write("e.mtx", "%%MatrixMarket matrix coordinate integer general\n2 5 0\n");
  const CsrMatrix e = read_matrix_market(empty, true);
  CHECK(e.rows == 5);
  CHECK(e.cols == 2);
  CHECK(e.nnz() == 0);
  CHECK(e.indptr.size() == 6);
}

TEST_CASE("MatrixMarket: malformed files are refused with file and line", "[mtx]") {
  TempDir dir;
  const auto file = [&](const std::string& text) { return dir.write("bad.mtx", text); };
  const std::string where = (dir.path() / "bad.mtx").string();
  REQUIRE_THROWS_WITH(read_matrix_market(dir.path() / "missing.mtx"), Contains("cannot open") && Contains("missing.mtx"));
  REQUIRE_THROWS_WITH(read_matrix_market(file("1 2 3\n")),
                      Contains("malformed MatrixMarket header in '" + where + "' line 1: expected '%%MatrixMarket"));
  REQUIRE_THROWS_WITH(read_matrix_market(file("%%MatrixMarket matrix coordinate\n1 1 0\n")),
                      Contains("malformed MatrixMarket header in '" + where + "' line 1"));
  REQUIRE_THROWS_WITH(read_matrix_market(file("%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n")),
                      Contains("line 1: dense 'array' files are not supported"));
  REQUIRE_THROWS_WITH(read_matrix_market(file("%%MatrixMarket matrix coordinate complex general\n1 1 0\n")),
                      Contains("complex values are not supported"));
  REQUIRE_THROWS_WITH(read_matrix_market(file("%%MatrixMarket matrix coordinate real hermitian\n1 1 0\n")),
                      Contains("hermitian matrices are not supported"));
  REQUIRE_THROWS_WITH(read_matrix_market(file("")), Contains("line 1: the file is empty"));
  REQUIRE_THROWS_WITH(read_matrix_market(file("%%MatrixMarket matrix coordinate real general\n% only comments\n")),
                      Contains("no size line"));
  REQUIRE_THROWS_WITH(read_matrix_market(file("%%MatrixMarket matrix coordinate real general\n%\n3 x 2\n")),
                      Contains("malformed MatrixMarket size line in '" + where + "' line 3: expected three integers"));
  REQUIRE_THROWS_WITH(read_matrix_market(file("%%MatrixMarket matrix coordinate real symmetric\n3 2 0\n")),
                      Contains("must be square"));
  // Fewer entries than declared (e.g. a truncated plain file).
  REQUIRE_THROWS_WITH(read_matrix_market(file("%%MatrixMarket matrix coordinate real general\n3 3 3\n1 1 1\n2 2 2\n")),
                      Contains("'" + where + "' has 2 entries but its size line (line 2) declares 3"));
  REQUIRE_THROWS_WITH(read_matrix_market(file("%%MatrixMarket matrix coordinate real general\n3 3 1\n1 1 1\n2 2 2\n")),
                      Contains("more entries than the 1 declared") && Contains("extra entry at line 4"));
  REQUIRE_THROWS_WITH(
      read_matrix_market(file("%%MatrixMarket matrix coordinate real general\n3 3 3\n1 1 1\n%c\n4 1 2\n3 3 1\n")),
      Contains("MatrixMarket index out of range in '" + where + "' line 5: entry (4, 1) is outside the declared 3 x 3"));
  REQUIRE_THROWS_WITH(read_matrix_market(file("%%MatrixMarket matrix coordinate real general\n3 3 1\n1 0 1\n")),
                      Contains("index out of range") && Contains("line 3") && Contains("1-based"));
  REQUIRE_THROWS_WITH(read_matrix_market(file("%%MatrixMarket matrix coordinate real general\n3 3 2\n1 1 1\n2 2\n")),
                      Contains("malformed MatrixMarket entry in '" + where + "' line 4: expected 'row column value'"));
  REQUIRE_THROWS_WITH(read_matrix_market(file("%%MatrixMarket matrix coordinate real general\n3 3 1\n1 1 abc\n")),
                      Contains("line 3"));
  REQUIRE_THROWS_WITH(read_matrix_market(file("%%MatrixMarket matrix coordinate real general\n3 3 1\n1 1 nan\n")),
                      Contains("line 3 is not a finite number"));
}

TEST_CASE("tables: TSV and CSV with quotes, typed columns, names", "[mtx]") {
  TempDir dir;
  const auto tsv = dir.write("cells.tsv", "cell\tbio_rep\tn\tscore\n1\trep_1\t3\t0.5\n2\trep_2\t4\tNA\n\n3\trep_1\t5\t2\n");
  const TextTable t = read_table(tsv);
  CHECK(t.header == std::vector<std::string>{"cell", "bio_rep", "n", "score"});
  REQUIRE(t.rows.size() == 3);
  CHECK(t.lines == std::vector<std::int64_t>{2, 3, 5});
  const auto frame = to_data_frame(t);
  CHECK(frame.index_name == "cell");
  CHECK(frame.index == std::vector<std::string>{"1", "2", "3"});
  CHECK(frame.column_order == std::vector<std::string>{"bio_rep", "n", "score"});
  const auto& rep = frame.columns.at("bio_rep");
  CHECK(rep.kind == trellis::sdk::Column::Kind::categorical);
  CHECK(rep.categories == std::vector<std::string>{"rep_1", "rep_2"});
  CHECK(rep.codes == std::vector<std::int32_t>{0, 1, 0});
  CHECK(frame.columns.at("n").integers == std::vector<std::int64_t>{3, 4, 5});
  CHECK(frame.columns.at("score").kind == trellis::sdk::Column::Kind::real);
  CHECK(frame.columns.at("score").is_missing(1));

  const auto csv = dir.write("g.csv", "guide,target,note\nA_1,A,\"has, comma\"\nB_1,B,\"say \"\"hi\"\"\"\n");
  const TextTable c = read_table(csv);
  CHECK(c.rows[0] == std::vector<std::string>{"A_1", "A", "has, comma"});
  CHECK(c.rows[1][2] == "say \"hi\"");
  // R's write.table: the header has no name for the row-name column.
  const TextTable r = read_table(dir.write("r.csv", "x,y\nrow1,1,2\n"));
  CHECK(r.header == std::vector<std::string>{"", "x", "y"});

  REQUIRE_THROWS_WITH(read_table(dir.write("ragged.tsv", "a\tb\n1\t2\n3\n")),
                      Contains("ragged.tsv' line 3 has 1 fields but the header has 2"));
  REQUIRE_THROWS_WITH(read_table(dir.write("q.csv", "a,b\n\"x,1\n")), Contains("q.csv' line 2: unterminated quoted field"));
  REQUIRE_THROWS_WITH(to_data_frame(read_table(dir.write("dup.tsv", "id\tv\nx\t1\nx\t2\n"))),
                      Contains("'x' appears more than once"));

  CHECK(read_names(dir.write("genes.txt", "STAT1\n IRF1 \r\nMYC\n\n")) == std::vector<std::string>{"STAT1", "IRF1", "MYC"});
  REQUIRE_THROWS_WITH(read_names(dir.write("gap.txt", "A\n\nB\n")), Contains("gap.txt' line 2 is empty"));
}

namespace {

// Genes x cells = 3 x 4 and guides x cells = 3 x 4, with sidecar files.
struct SidecarFixture {
  TempDir dir;
  MtxSidecarSpec spec;
  SidecarFixture() {
    spec.matrix = write_gzip(dir, "counts.mtx.gz",
                             "%%MatrixMarket matrix coordinate integer general\n3 4 5\n1 1 3\n3 1 1\n2 2 5\n2 4 2\n3 4 7\n");
    spec.genes = dir.write("genes.txt", "G1\nG2\nG3\n");
    spec.cells = dir.write("cells.tsv", "cell\tbatch\nc1\tb1\nc2\tb1\nc3\tb2\nc4\tb2\n");
    spec.guide_counts = dir.write("grna.mtx",
                                  "%%MatrixMarket matrix coordinate integer general\n3 4 4\n1 1 9\n2 2 1\n3 3 8\n1 4 2\n");
    spec.guides = dir.write("grnas.txt", "G1g1\nG1g2\nNTg1\n");
    spec.guide_targets = dir.write("targets.tsv", "grna_id\tgrna_target\nNTg1\tnon-targeting\nG1g1\tG1\n");
  }
};

}  // namespace

TEST_CASE("MatrixMarket with sidecar tables", "[mtx]") {
  SidecarFixture f;
  const auto d = read_mtx_with_sidecars(f.spec);
  CHECK(d.X.rows == 4);
  CHECK(d.X.cols == 3);
  CHECK(dense(d.X) == std::vector<std::vector<float>>{{3, 0, 1}, {0, 5, 0}, {0, 0, 0}, {0, 2, 7}});
  CHECK(d.var.index == std::vector<std::string>{"G1", "G2", "G3"});
  CHECK(d.obs.index == std::vector<std::string>{"c1", "c2", "c3", "c4"});
  CHECK(d.obs.index_name == "cell");
  CHECK(d.obs.columns.at("batch").text(2) == "b2");
  CHECK(dense(d.guide_counts) == std::vector<std::vector<float>>{{9, 0, 0}, {0, 1, 0}, {0, 0, 8}, {2, 0, 0}});
  CHECK(d.guides.index == std::vector<std::string>{"G1g1", "G1g2", "NTg1"});
  const auto& target = d.guides.columns.at("target");
  CHECK(target.strings == std::vector<std::string>{"G1", "", "non-targeting"});  // G1g2 is not in the table

  SECTION("without a target table, targets come from guide names; cells from a name list") {
    f.spec.guides = f.dir.write("grnas.txt", "G1_sg1\nG1_sg2\nnon-targeting_1\n");
    f.spec.guide_targets.clear();
    f.spec.cells = f.dir.write("barcodes.txt", "AAA\nCCC\nGGG\nTTT\n");
    const auto e = read_mtx_with_sidecars(f.spec);
    CHECK(e.guides.columns.at("target").strings == std::vector<std::string>{"G1", "G1", ""});
    CHECK(e.obs.index.back() == "TTT");
  }
  SECTION("cells x genes orientation") {
    f.spec.genes_by_cells = false;
    f.spec.matrix = f.dir.write("cxg.mtx", "%%MatrixMarket matrix coordinate integer general\n4 3 2\n1 3 4\n4 1 2\n");
    f.spec.guide_counts = f.dir.write("cxg_grna.mtx", "%%MatrixMarket matrix coordinate integer general\n4 3 1\n2 2 6\n");
    const auto e = read_mtx_with_sidecars(f.spec);
    CHECK(dense(e.X) == std::vector<std::vector<float>>{{0, 0, 4}, {0, 0, 0}, {0, 0, 0}, {2, 0, 0}});
    CHECK(dense(e.guide_counts)[1] == std::vector<float>{0, 6, 0});
  }
}

TEST_CASE("MatrixMarket with sidecar tables: every disagreement names both files", "[mtx]") {
  SidecarFixture f;
  const std::string matrix = f.spec.matrix.string();
  SECTION("genes") {
    f.spec.genes = f.dir.write("genes.txt", "G1\nG2\n");
    REQUIRE_THROWS_WITH(read_mtx_with_sidecars(f.spec),
                        Contains("'" + matrix + "' has 3 rows (genes) but '" + f.spec.genes.string() + "' lists 2 gene names"));
  }
  SECTION("cells") {
    f.spec.cells = f.dir.write("cells.tsv", "cell\tbatch\nc1\tb1\nc2\tb1\nc3\tb2\n");
    REQUIRE_THROWS_WITH(read_mtx_with_sidecars(f.spec),
                        Contains("'" + matrix + "' has 4 columns (cells) but '" + f.spec.cells.string() + "' describes 3 cells"));
  }
  SECTION("guide matrix cells") {
    f.spec.guide_counts = f.dir.write("grna.mtx", "%%MatrixMarket matrix coordinate integer general\n3 5 0\n");
    REQUIRE_THROWS_WITH(read_mtx_with_sidecars(f.spec), Contains("grna.mtx' has 5 columns (cells) but '" + matrix + "' has 4"));
  }
  SECTION("guide names") {
    f.spec.guides = f.dir.write("grnas.txt", "G1g1\nNTg1\n");
    REQUIRE_THROWS_WITH(read_mtx_with_sidecars(f.spec),
                        Contains("grna.mtx' has 3 rows (guides) but '" + f.spec.guides.string() + "' lists 2 guide names"));
  }
  SECTION("a target table naming an unknown guide") {
    f.spec.guide_targets = f.dir.write("targets.tsv", "grna_id\tgrna_target\nG1g1\tG1\nG7g1\tG7\n");
    REQUIRE_THROWS_WITH(read_mtx_with_sidecars(f.spec),
                        Contains("targets.tsv' line 3 names guide 'G7g1', which is not in '" + f.spec.guides.string() + "'"));
  }
  SECTION("a guide given two targets") {
    f.spec.guide_targets = f.dir.write("targets.tsv", "grna_id\tgrna_target\nG1g1\tG1\nG1g1\tG2\n");
    REQUIRE_THROWS_WITH(read_mtx_with_sidecars(f.spec), Contains("line 3 gives guide 'G1g1' a second target (first at line 2)"));
  }
  SECTION("missing files") {
    f.spec.genes = f.dir.path() / "nope.txt";
    REQUIRE_THROWS_WITH(read_mtx_with_sidecars(f.spec), Contains("genes file '" + f.spec.genes.string() + "' does not exist"));
    f.spec.genes = f.dir.path() / "genes.txt";
    f.spec.guides.clear();
    REQUIRE_THROWS_WITH(read_mtx_with_sidecars(f.spec), Contains("no guide names"));
  }
}

TEST_CASE("Papalexi 2021 THP-1: MatrixMarket with sidecar tables", "[mtx][data]") {
  TRELLIS_REQUIRE_DATA(data);
  const auto dir = data / "perturbseq" / "papalexi2021_thp1";
  MtxSidecarSpec spec;
  spec.matrix = dir / "gene_counts.mtx.gz";
  spec.genes = dir / "genes.txt";
  spec.cells = dir / "cells.tsv";
  spec.guide_counts = dir / "grna_counts.mtx.gz";
  spec.guides = dir / "grnas.txt";
  spec.guide_targets = dir / "grna_targets.tsv";
  const auto start = std::chrono::steady_clock::now();
  const auto d = read_mtx_with_sidecars(spec);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  WARN("read Papalexi (20,729 cells, 1.39 M + 0.16 M entries) in " << seconds << " s");
  REQUIRE_NOTHROW(d.X.validate("papalexi X"));
  REQUIRE_NOTHROW(d.guide_counts.validate("papalexi guides"));
  // Reference values from scipy.io.mmread of the same files.
  CHECK(d.X.rows == 20729);
  CHECK(d.X.cols == 299);
  CHECK(d.X.nnz() == 1390126);
  double total = 0;
  for (float v : d.X.values) total += v;
  CHECK(total == 4299765);
  const auto row_sum = [](const CsrMatrix& m, std::int64_t r) {
    double s = 0;
    for (auto k = m.indptr[r]; k < m.indptr[r + 1]; ++k) s += m.values[k];
    return s;
  };
  CHECK(row_sum(d.X, 0) == 212);
  CHECK(row_sum(d.X, 20728) == 238);
  // The file's first entry "2 1 3": gene 2 (ITGB1BP1) of cell 1.
  CHECK(d.X.indices[0] == 1);
  CHECK(d.X.values[0] == 3);
  CHECK(d.var.index[1] == "ITGB1BP1");
  CHECK(d.obs.index.front() == "1");
  CHECK(d.obs.columns.at("bio_rep").categories == std::vector<std::string>{"rep_1", "rep_2", "rep_3"});
  CHECK(d.guide_counts.rows == 20729);
  CHECK(d.guide_counts.cols == 110);
  CHECK(d.guide_counts.nnz() == 162681);
  double guide_total = 0;
  for (float v : d.guide_counts.values) guide_total += v;
  CHECK(guide_total == 4619963);
  std::set<std::string> targets;
  for (const auto& t : d.guides.columns.at("target").strings) targets.insert(t);
  CHECK(targets.size() == 27);  // 26 genes + non-targeting
  CHECK(targets.count("non-targeting") == 1);
  CHECK(seconds < 1.5);
}

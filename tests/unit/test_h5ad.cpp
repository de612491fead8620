#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "support.hpp"
#include "trellis/io/h5ad.hpp"
#include "trellis/io/h5ad_layout.hpp"
#include "trellis/io/hdf5_util.hpp"
#include "trellis/sdk/error.hpp"

using namespace trellis::core::io;
using Catch::Contains;
using trellis::sdk::AnnData;
using trellis::sdk::Column;
using trellis::sdk::CsrMatrix;
using trellis::test::TempDir;
using trellis::test::read_text;
namespace fs = std::filesystem;

namespace {

// Cells x genes (4 x 3), zeros not stored:
//   c0: [1, 0, 2]   c1: [0, 0, 0]   c2: [0, 3.5, 0]   c3: [4, 5, 6]
CsrMatrix small_matrix() {
  CsrMatrix m;
  m.rows = 4;
  m.cols = 3;
  m.indptr = {0, 2, 2, 3, 6};
  m.indices = {0, 2, 1, 0, 1, 2};
  m.values = {1.f, 2.f, 3.5f, 4.f, 5.f, 6.f};
  return m;
}

const std::vector<std::vector<double>> small_dense = {{1, 0, 2}, {0, 0, 0}, {0, 3.5, 0}, {4, 5, 6}};

AnnData small_anndata() {
  AnnData a;
  a.X = small_matrix();
  a.obs.index = {"c0", "c1", "c2", "c3"};
  Column condition;
  condition.kind = Column::Kind::categorical;
  condition.categories = {"ctrl", "A+B"};
  condition.codes = {0, 1, 1, -1};
  a.obs.set("condition", condition);
  a.obs.set("label", Column::from_strings({"x", "y", "", "\xc3\xbc"}));  // "ü": UTF-8 survives
  a.obs.set("count", Column::from_integers({1, 2, 3, -4}));
  a.obs.set("score", Column::from_reals({0.5, -1.25, 1e10, 3}));
  Column guides = Column::from_integers({7, 0, 9, 10});
  guides.missing = {0, 1, 0, 0};
  a.obs.set("guides", guides);
  Column flag;
  flag.kind = Column::Kind::boolean;
  flag.booleans = {1, 0, 1, 1};
  a.obs.set("flag", flag);
  Column passed = flag;
  passed.booleans = {1, 0, 0, 1};
  passed.missing = {0, 1, 0, 0};
  a.obs.set("passed", passed);
  a.var.index = {"g0", "g1", "g2"};
  a.uns = {{"name", "trellis"},
           {"n", 3},
           {"pi", 3.5},
           {"flag", true},
           {"list", {1, 2, 3}},
           {"floats", {0.5, 1.5}},
           {"names", {"a", "b"}},
           {"matrix", {{1, 2}, {3, 4}}},
           {"nested", {{"deep", {{"x", 1}}}, {"empty", nlohmann::json::object()}}}};
  return a;
}

std::vector<std::vector<double>> dense(const CsrMatrix& m) {
  std::vector<std::vector<double>> out(static_cast<std::size_t>(m.rows), std::vector<double>(m.cols, 0.0));
  for (std::int64_t r = 0; r < m.rows; ++r)
    for (auto k = m.indptr[r]; k < m.indptr[r + 1]; ++k) out[r][m.indices[k]] = m.values[k];
  return out;
}

// Exit code and stdout of a shell command (stderr goes to `errors`).
std::pair<int, std::string> run(const std::string& command, const fs::path& errors) {
  FILE* pipe = popen((command + " 2>" + errors.string()).c_str(), "r");
  REQUIRE(pipe);
  std::string out;
  std::array<char, 4096> buffer{};
  std::size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}


bool have_anndata() { return std::system("/usr/bin/python3 -c 'import anndata' >/dev/null 2>&1") == 0; }

// Runs a Python script with anndata and parses the JSON it prints.
nlohmann::json run_python(const TempDir& dir, const std::string& script, const std::string& arguments) {
  const auto file = dir.write("script.py", script);
  const auto [code, out] = run("/usr/bin/python3 " + file.string() + " " + arguments, dir.path() / "stderr.txt");
  INFO("python stderr: " << read_text(dir.path() / "stderr.txt"));
  REQUIRE(code == 0);
  return nlohmann::json::parse(out);
}

// Opens a file for changing it in place (to make broken files).
void modify(const fs::path& file, const std::function<void(hid_t)>& change) {
  hdf5::Handle f(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
  REQUIRE(f.get() >= 0);
  change(f);
}

template <class T>
void overwrite(hid_t file, const char* path, const std::vector<T>& values) {
  hdf5::Handle d(H5Dopen2(file, path, H5P_DEFAULT));
  REQUIRE(d.get() >= 0);
  REQUIRE(H5Dwrite(d, hdf5::native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0);
}

void set_attribute(hid_t file, const char* path, const char* name, const std::string& value) {
  hdf5::Handle o(H5Oopen(file, path, H5P_DEFAULT));
  REQUIRE(o.get() >= 0);
  hdf5::set_string_attribute(o, name, value);
}

}  // namespace

TEST_CASE("h5ad round trip keeps X and obs/var columns of every kind and uns", "[h5ad]") {
  TempDir dir;
  const AnnData a = small_anndata();
  auto var = a.var;
  AnnData b = a;
  b.var.set("gene_type", Column::categorical_from({"coding", "lncRNA", "coding"}));
  b.var.set("mean", Column::from_reals({0.1, 0.2, std::numeric_limits<double>::quiet_NaN()}));
  b.var.index_name = "gene_symbol";
  const auto file = dir.path() / "out.h5ad";
  write_h5ad(b, file);
  const AnnData r = read_h5ad(file);
  CHECK(dense(r.X) == small_dense);
  CHECK(r.X.indptr == b.X.indptr);
  CHECK(r.obs.index == b.obs.index);
  CHECK(r.obs.column_order == b.obs.column_order);
  const auto& condition = r.obs.column("condition", "obs");
  CHECK(condition.kind == Column::Kind::categorical);
  CHECK(condition.categories == std::vector<std::string>{"ctrl", "A+B"});
  CHECK(condition.codes == std::vector<std::int32_t>{0, 1, 1, -1});
  CHECK(r.obs.column("label", "obs").strings == std::vector<std::string>{"x", "y", "", "\xc3\xbc"});
  CHECK(r.obs.column("count", "obs").integers == std::vector<std::int64_t>{1, 2, 3, -4});
  CHECK(r.obs.column("count", "obs").missing.empty());
  CHECK(r.obs.column("score", "obs").reals == std::vector<double>{0.5, -1.25, 1e10, 3});
  const auto& guides = r.obs.column("guides", "obs");
  CHECK(guides.kind == Column::Kind::integer);
  CHECK(guides.missing == std::vector<std::uint8_t>{0, 1, 0, 0});
  CHECK(guides.text(0) == "7");
  CHECK(guides.text(1) == "");
  CHECK(r.obs.column("flag", "obs").booleans == std::vector<std::uint8_t>{1, 0, 1, 1});
  const auto& passed = r.obs.column("passed", "obs");
  CHECK(passed.kind == Column::Kind::boolean);
  CHECK(passed.missing == std::vector<std::uint8_t>{0, 1, 0, 0});
  CHECK(passed.booleans[3] == 1);
  CHECK(r.var.index == std::vector<std::string>{"g0", "g1", "g2"});
  CHECK(r.var.index_name == "gene_symbol");
  CHECK(r.var.column("gene_type", "var").text(1) == "lncRNA");
  CHECK(std::isnan(r.var.column("mean", "var").reals[2]));
  CHECK(r.uns == b.uns);
}

TEST_CASE("h5ad written by Trellis reads in Python anndata with the same values", "[h5ad][interop]") {
  if (!have_anndata()) {
    WARN("/usr/bin/python3 cannot import anndata: skipping the interoperability test");
    return;
  }
  TempDir dir;
  const auto file = dir.path() / "trellis.h5ad";
  write_h5ad(small_anndata(), file);
  const std::string script = R"(
import json, sys, warnings
warnings.simplefilter("ignore")
import anndata, numpy as np, pandas as pd
a = anndata.read_h5ad(sys.argv[1])
def plain(v):
    if isinstance(v, dict): return {k: plain(x) for k, x in v.items()}
    if isinstance(v, np.ndarray): return [plain(x) for x in v.tolist()]
    if isinstance(v, list): return [plain(x) for x in v]
    if isinstance(v, np.generic): return v.item()
    return v
obs = {}
for c in a.obs.columns:
    s = a.obs[c]
    d = {"dtype": str(s.dtype)}
    if str(s.dtype) == "category":
        d["categories"] = list(s.cat.categories)
        d["codes"] = s.cat.codes.tolist()
        d["ordered"] = bool(s.cat.ordered)
    else:
        d["values"] = [None if pd.isna(v) else plain(v) for v in s]
    obs[c] = d
print(json.dumps({"shape": list(a.shape), "X": a.X.toarray().tolist(), "X_type": type(a.X).__name__,
                  "obs_names": list(a.obs_names), "var_names": list(a.var_names), "var_columns": list(a.var.columns),
                  "obs_columns": list(a.obs.columns), "obs": obs, "uns": plain(dict(a.uns))}))
)";
  const auto j = run_python(dir, script, file.string());
  CHECK(j["shape"] == nlohmann::json({4, 3}));
  CHECK(j["X_type"] == "csr_matrix");
  CHECK(j["X"].get<std::vector<std::vector<double>>>() == small_dense);
  CHECK(j["obs_names"] == nlohmann::json({"c0", "c1", "c2", "c3"}));
  CHECK(j["var_names"] == nlohmann::json({"g0", "g1", "g2"}));
  CHECK(j["var_columns"].empty());
  CHECK(j["obs_columns"] == nlohmann::json({"condition", "label", "count", "score", "guides", "flag", "passed"}));
  const auto& obs = j["obs"];
  CHECK(obs["condition"]["dtype"] == "category");
  CHECK(obs["condition"]["categories"] == nlohmann::json({"ctrl", "A+B"}));
  CHECK(obs["condition"]["codes"] == nlohmann::json({0, 1, 1, -1}));
  CHECK(obs["condition"]["ordered"] == false);
  CHECK(obs["label"]["dtype"] == "object");
  CHECK(obs["label"]["values"] == nlohmann::json({"x", "y", "", "\xc3\xbc"}));
  CHECK(obs["count"]["dtype"] == "int64");
  CHECK(obs["count"]["values"] == nlohmann::json({1, 2, 3, -4}));
  CHECK(obs["score"]["dtype"] == "float64");
  CHECK(obs["score"]["values"] == nlohmann::json({0.5, -1.25, 1e10, 3.0}));
  CHECK(obs["guides"]["dtype"] == "Int64");
  CHECK(obs["guides"]["values"] == nlohmann::json({7, nullptr, 9, 10}));
  CHECK(obs["flag"]["dtype"] == "bool");
  CHECK(obs["flag"]["values"] == nlohmann::json({true, false, true, true}));
  CHECK(obs["passed"]["dtype"] == "boolean");
  CHECK(obs["passed"]["values"] == nlohmann::json({true, nullptr, false, true}));
  CHECK(j["uns"] == small_anndata().uns);
}

TEST_CASE("h5ad written by Python anndata with dense X or CSC X with int64 indices reads in Trellis",
          "[h5ad][interop]") {
  if (!have_anndata()) {
    WARN("/usr/bin/python3 cannot import anndata: skipping the interoperability test");
    return;
  }
  TempDir dir;
  const std::string script = R"(
import json, sys, warnings
warnings.simplefilter("ignore")
import anndata, h5py, numpy as np, pandas as pd, scipy.sparse as sp
X = np.array([[0, 1.5, 0, 2], [0, 0, 0, 0], [3, 0, 0.25, 0]], dtype=np.float64)
obs = pd.DataFrame({
    "condition": pd.Categorical(["ctrl", None, "KLF1+ctrl"], categories=["ctrl", "KLF1+ctrl", "unused"]),
    "name": ["a", "b", "c"],
    "n": np.array([5, 6, 7], dtype=np.int32),
    "frac": [0.5, np.nan, 1.0],
    "ok": [True, False, True],
    "guides": pd.array([1, None, 3], dtype="Int64"),
    "passed": pd.array([True, None, False], dtype="boolean"),
}, index=["cell1", "cell2", "cell3"])
var = pd.DataFrame({"biotype": ["coding", "coding", "lncRNA", "miRNA"]}, index=["G1", "G2", "G3", "G4"])
var.index.name = "gene_symbol"
uns = {"method": "test", "k": 5, "weights": np.array([0.5, 0.25]), "labels": np.array(["x", "y"], dtype=object),
       "nested": {"deep": {"flag": True}}, "grid": np.array([[1, 2, 3], [4, 5, 6]])}
anndata.AnnData(X=X, obs=obs, var=var, uns=uns).write_h5ad(sys.argv[1] + "/dense.h5ad")
csc = sp.csc_matrix(X.astype(np.float32))
csc.indices = csc.indices.astype(np.int64)
csc.indptr = csc.indptr.astype(np.int64)
anndata.AnnData(X=csc, obs=obs, var=var).write_h5ad(sys.argv[1] + "/csc.h5ad")
with h5py.File(sys.argv[1] + "/csc.h5ad") as f:
    info = {"csc_encoding": f["X"].attrs["encoding-type"], "csc_indices": str(f["X/indices"].dtype),
            "dense_encoding": h5py.File(sys.argv[1] + "/dense.h5ad")["X"].attrs["encoding-type"]}
print(json.dumps({"X": X.tolist(), **info}))
)";
  const auto j = run_python(dir, script, dir.path().string());
  CHECK(j["csc_encoding"] == "csc_matrix");
  CHECK(j["csc_indices"] == "int64");
  CHECK(j["dense_encoding"] == "array");
  const auto expected = j["X"].get<std::vector<std::vector<double>>>();
  for (const char* name : {"dense.h5ad", "csc.h5ad"}) {
    INFO(name);
    const AnnData a = read_h5ad(dir.path() / name);
    CHECK(dense(a.X) == expected);
    CHECK(a.X.nnz() == 4);
    CHECK(a.obs.index == std::vector<std::string>{"cell1", "cell2", "cell3"});
    CHECK(a.var.index == std::vector<std::string>{"G1", "G2", "G3", "G4"});
    CHECK(a.var.index_name == "gene_symbol");
    CHECK(a.var.column("biotype", "var").text(2) == "lncRNA");  // anndata made it categorical
    const auto& condition = a.obs.column("condition", "obs");
    CHECK(condition.categories == std::vector<std::string>{"ctrl", "KLF1+ctrl", "unused"});
    CHECK(condition.codes == std::vector<std::int32_t>{0, -1, 1});
    CHECK(a.obs.column("name", "obs").strings == std::vector<std::string>{"a", "b", "c"});
    CHECK(a.obs.column("n", "obs").integers == std::vector<std::int64_t>{5, 6, 7});
    const auto& frac = a.obs.column("frac", "obs");
    CHECK(frac.reals[0] == 0.5);
    CHECK(frac.is_missing(1));
    CHECK(a.obs.column("ok", "obs").booleans == std::vector<std::uint8_t>{1, 0, 1});
    const auto& guides = a.obs.column("guides", "obs");
    CHECK(guides.kind == Column::Kind::integer);
    CHECK(guides.integers[2] == 3);
    CHECK(guides.missing == std::vector<std::uint8_t>{0, 1, 0});
    const auto& passed = a.obs.column("passed", "obs");
    CHECK(passed.kind == Column::Kind::boolean);
    CHECK(passed.booleans[0] == 1);
    CHECK(passed.booleans[2] == 0);
    CHECK(passed.missing == std::vector<std::uint8_t>{0, 1, 0});
  }
  const AnnData a = read_h5ad(dir.path() / "dense.h5ad");
  CHECK(a.uns["method"] == "test");
  CHECK(a.uns["k"] == 5);
  CHECK(a.uns["weights"] == nlohmann::json({0.5, 0.25}));
  CHECK(a.uns["labels"] == nlohmann::json({"x", "y"}));
  CHECK(a.uns["nested"]["deep"]["flag"] == true);
  CHECK(a.uns["grid"] == nlohmann::json({{1, 2, 3}, {4, 5, 6}}));
}

TEST_CASE("h5ad reads the Norman 2019 / McFaline-Figueroa 2023 subset", "[h5ad][data]") {
  TRELLIS_REQUIRE_DATA(data);
  // Expected values from /usr/bin/python3 + anndata 0.8 on the same file.
  const AnnData a = read_h5ad(data / "perturbseq" / "norman19_mcfaline23_subset.h5ad");
  REQUIRE(a.X.rows == 5961);
  REQUIRE(a.X.cols == 500);
  CHECK(a.X.nnz() == 211790);
  CHECK(std::vector<std::int64_t>(a.X.indptr.begin(), a.X.indptr.begin() + 4) ==
        std::vector<std::int64_t>{0, 15, 28, 44});
  CHECK(a.X.indices[15] == 437);
  CHECK(a.X.indices[16] == 435);
  CHECK(a.X.values[15] == Approx(0.694249));
  CHECK(a.X.values[17] == Approx(1.61120024));
  double sum = 0;
  for (float v : a.X.values) sum += v;
  CHECK(sum == Approx(406134.54356718063).epsilon(1e-9));
  const auto row = dense(a.X.select_rows({5000}))[0];
  CHECK(row[0] == 0.0);
  CHECK(row[4] == Approx(2.02594562));
  CHECK(row[41] == Approx(2.02594562));

  CHECK(a.obs.index.front() == "TGGTTAGCACATCCGG-3");
  CHECK(a.obs.index[5000] == "10C_C10_RT_BC_129_Lig_BC_212");
  CHECK(a.obs.index.back() == "12D_G12_RT_BC_50_Lig_BC_214");
  for (const char* c : {"condition", "perturbation", "perturbation_type", "dataset", "cell_type", "dose", "treatment",
                        "ncounts", "ngenes"})
    CHECK(a.obs.has(c));
  const auto& dataset = a.obs.column("dataset", "obs");
  CHECK(dataset.categories == std::vector<std::string>{"mcfaline23", "norman19"});
  std::size_t norman = 0, control = 0;
  for (std::size_t i = 0; i < a.obs.size(); ++i) norman += dataset.text(i) == "norman19";
  const auto& perturbation = a.obs.column("perturbation", "obs");
  for (std::size_t i = 0; i < a.obs.size(); ++i) control += perturbation.text(i) == "control";
  CHECK(norman == 3375);
  CHECK(control == 400);
  CHECK(a.obs.column("condition", "obs").categories.size() == 34);
  CHECK(a.obs.column("condition", "obs").text(0) == "KLF1+MAP2K6");
  CHECK(a.obs.column("perturbation_type", "obs").text(0) == "CRISPRa");
  CHECK(a.obs.column("cell_type", "obs").categories == std::vector<std::string>{"A172", "T98G", "U87MG", "k562"});
  CHECK(a.obs.column("cell_type", "obs").text(5000) == "T98G");
  CHECK(a.obs.column("dose", "obs").text(0) == "1+1");
  CHECK(a.obs.column("treatment", "obs").text(0) == "none");
  CHECK(a.obs.column("ncounts", "obs").reals[0] == 19854.0);
  CHECK(a.obs.column("ngenes", "obs").integers[0] == 3684);
  CHECK(a.obs.column("ngenes", "obs").integers[5000] == 922);

  CHECK(a.var.index_name == "gene_symbol");
  CHECK(std::vector<std::string>(a.var.index.begin(), a.var.index.begin() + 5) ==
        std::vector<std::string>{"PERM1", "RNF223", "MIR34AHG", "NPPA", "KAZN"});
  CHECK(a.var.index.back() == "LINC00316");
  CHECK(duplicate_names(a.var).empty());
  const auto& hvg = a.var.column("highly_variable", "var");
  CHECK(hvg.kind == Column::Kind::boolean);
  CHECK(std::count(hvg.booleans.begin(), hvg.booleans.end(), 1) == 500);
  CHECK(a.var.column("means", "var").reals[0] == Approx(0.0016353599059467016));
  CHECK(a.var.column("dispersions_norm", "var").reals[0] == Approx(1.5881718));
  CHECK(a.uns["hvg"]["flavor"] == "seurat");
  CHECK(a.uns["log1p"] == nlohmann::json::object());
}

TEST_CASE("duplicate_names lists each repeated name once", "[h5ad]") {
  trellis::sdk::DataFrame frame;
  frame.index = {"A", "B", "A", "C", "B", "A"};
  CHECK(duplicate_names(frame) == std::vector<std::string>{"A", "B"});
  frame.index = {"A", "B"};
  CHECK(duplicate_names(frame).empty());
}

TEST_CASE("read_h5ad refuses missing and non-HDF5 and truncated files", "[h5ad][errors]") {
  TempDir dir;
  REQUIRE_THROWS_WITH(read_h5ad(dir.path() / "absent.h5ad"), Contains("absent.h5ad: no such file"));
  const auto text = dir.write("screen.h5ad", "cell,gene\n1,2\n");
  REQUIRE_THROWS_WITH(read_h5ad(text), Contains("screen.h5ad: not an HDF5 file"));
  const auto file = dir.path() / "whole.h5ad";
  write_h5ad(small_anndata(), file);
  const auto size = fs::file_size(file);
  fs::resize_file(file, size / 2);
  REQUIRE_THROWS_WITH(read_h5ad(file), Contains("whole.h5ad: cannot open the HDF5 file") && Contains("truncated"));
}

TEST_CASE("read_h5ad names unknown encodings and old files and inconsistent matrices", "[h5ad][errors]") {
  TempDir dir;
  const auto file = dir.path() / "screen.h5ad";
  auto fresh = [&] { write_h5ad(small_anndata(), file); };

  fresh();
  modify(file, [](hid_t f) { set_attribute(f, "obs/label", "encoding-type", "awkward-array"); });
  REQUIRE_THROWS_WITH(read_h5ad(file), Contains("screen.h5ad: obs/label has encoding-type 'awkward-array', which "
                                                "Trellis does not read (supported: array, string-array, categorical"));
  fresh();
  modify(file, [](hid_t f) { set_attribute(f, "X", "encoding-type", "coo_matrix"); });
  REQUIRE_THROWS_WITH(read_h5ad(file),
                      Contains("screen.h5ad: X has encoding-type 'coo_matrix'") && Contains("csr_matrix, csc_matrix"));
  fresh();
  modify(file, [](hid_t f) { REQUIRE(H5Adelete_by_name(f, "obs", "encoding-type", H5P_DEFAULT) >= 0); });
  REQUIRE_THROWS_WITH(read_h5ad(file),
                      Contains("obs has no 'encoding-type' attribute") && Contains("anndata older than 0.8"));

  fresh();  // indptr {0, 2, 2, 3, 6}
  modify(file, [](hid_t f) { overwrite<std::int64_t>(f, "X/indptr", {0, 2, 1, 3, 6}); });
  REQUIRE_THROWS_WITH(read_h5ad(file), Contains("screen.h5ad: X: indptr is not monotone at row 1"));
  fresh();
  modify(file, [](hid_t f) { overwrite<std::int64_t>(f, "X/indptr", {0, 2, 2, 3, 9}); });
  REQUIRE_THROWS_WITH(read_h5ad(file), Contains("X: indptr ends at 9 but there are 6 stored values"));
  fresh();
  modify(file, [](hid_t f) { overwrite<std::int32_t>(f, "X/indices", {0, 2, 1, 0, 7, 2}); });
  REQUIRE_THROWS_WITH(read_h5ad(file), Contains("X: column index 7 in row 3 (stored value 4) is out of range [0, 3)"));
  fresh();
  modify(file, [](hid_t f) {
    overwrite<float>(f, "X/data", {1.f, 2.f, std::numeric_limits<float>::quiet_NaN(), 4.f, 5.f, 6.f});
  });
  REQUIRE_THROWS_WITH(read_h5ad(file), Contains("screen.h5ad: X: 1 NaN and 0 infinite values; the first at cell 'c2' (row 2), gene 'g1' "
                               "(column 1), value NaN"));
  fresh();
  modify(file, [](hid_t f) {
    overwrite<float>(f, "X/data", {1.f, 2.f, 3.f, std::numeric_limits<float>::infinity(), 5.f, 6.f});
  });
  REQUIRE_THROWS_WITH(read_h5ad(file), Contains("X: 0 NaN and 1 infinite values; the first at cell 'c3' (row 3), gene 'g0' (column 0)"));
  fresh();
  modify(file, [](hid_t f) {
    hdf5::Handle x(H5Gopen2(f, "X", H5P_DEFAULT));
    hdf5::set_int_attribute(x, "shape", {5, 3});
  });
  REQUIRE_THROWS_WITH(read_h5ad(file), Contains("screen.h5ad: X has 5 rows but obs has 4 cells"));
  fresh();
  modify(file, [](hid_t f) {
    hdf5::Handle x(H5Gopen2(f, "X", H5P_DEFAULT));
    hdf5::set_int_attribute(x, "shape", {4, 2});
  });
  REQUIRE_THROWS_WITH(read_h5ad(file), Contains("screen.h5ad: X has 2 columns but var has 3 genes"));
  fresh();
  modify(file, [](hid_t f) { overwrite<std::int8_t>(f, "obs/condition/codes", {0, 1, 2, -1}); });
  REQUIRE_THROWS_WITH(read_h5ad(file), Contains("obs/condition/codes: code 2 at row 2 is out of range"));
}

TEST_CASE("read_h5ad with check_values = false keeps NaN; X's layout is read without its values", "[h5ad]") {
  TempDir dir;
  const auto file = dir.path() / "screen.h5ad";
  write_h5ad(small_anndata(), file);
  const H5adMatrixLayout layout = read_h5ad_matrix_layout(file);
  CHECK(layout.encoding == "CSR");
  CHECK(layout.dtype == "float32");
  CHECK(layout.index_dtype == "int32");
  CHECK(layout.rows == 4);
  CHECK(layout.cols == 3);
  CHECK(layout.stored == 6);
  modify(file, [](hid_t f) {
    overwrite<float>(f, "X/data", {1.f, 2.f, std::numeric_limits<float>::quiet_NaN(), 4.f, 5.f, 6.f});
  });
  H5adReadOptions options;
  options.check_values = false;
  const AnnData a = read_h5ad(file, options);
  CHECK(std::isnan(a.X.values[2]));
  CHECK(a.X.values[3] == 4.f);
  modify(file, [](hid_t f) { REQUIRE(H5Ldelete(f, "X", H5P_DEFAULT) >= 0); });
  REQUIRE_THROWS_WITH(read_h5ad_matrix_layout(file), Contains("screen.h5ad has no X"));
}

TEST_CASE("read_h5ad skips uns entries it cannot read and keeps the rest", "[h5ad]") {
  TempDir dir;
  const auto file = dir.path() / "screen.h5ad";
  write_h5ad(small_anndata(), file);
  modify(file, [](hid_t f) {
    hdf5::Handle g(H5Gcreate2(f, "uns/rank_genes_groups", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    hdf5::set_string_attribute(g, "encoding-type", "dataframe");
  });
  const AnnData a = read_h5ad(file);
  CHECK_FALSE(a.uns.contains("rank_genes_groups"));
  CHECK(a.uns["name"] == "trellis");
}

TEST_CASE("write_h5ad refuses bad data and never leaves a partial file", "[h5ad][errors]") {
  TempDir dir;
  const auto file = dir.path() / "out.h5ad";
  auto no_files = [&] { return fs::directory_iterator(dir.path()) == fs::directory_iterator(); };

  AnnData a = small_anndata();
  a.X.values[1] = std::numeric_limits<float>::quiet_NaN();
  REQUIRE_THROWS_WITH(write_h5ad(a, file), Contains("out.h5ad: X: 1 NaN and 0 infinite values; the first at cell 'c0' (row 0), gene 'g2'"));
  CHECK(no_files());

  a = small_anndata();
  a.obs.index.pop_back();
  REQUIRE_THROWS_WITH(write_h5ad(a, file), Contains("out.h5ad: X has 4 rows but obs has 3 cells"));
  a = small_anndata();
  a.var.index.push_back("g3");
  REQUIRE_THROWS_WITH(write_h5ad(a, file), Contains("X has 3 columns but var has 4 genes"));
  CHECK(no_files());

  // Failures found midway (after the file was created) leave nothing behind either.
  a = small_anndata();
  a.obs.columns["count"].integers.pop_back();
  REQUIRE_THROWS_WITH(write_h5ad(a, file), Contains("out.h5ad: obs/count has 3 entries but obs has 4 rows"));
  CHECK(no_files());
  a = small_anndata();
  a.uns["nested"]["missing"] = nullptr;
  REQUIRE_THROWS_WITH(write_h5ad(a, file), Contains("out.h5ad: uns/nested/missing is null"));
  CHECK(no_files());
  a = small_anndata();
  a.uns["mixed"] = {1, "a"};
  REQUIRE_THROWS_WITH(write_h5ad(a, file), Contains("uns/mixed: lists must hold only numbers"));
  a = small_anndata();
  a.obs.set("a/b", Column::from_integers({1, 2, 3, 4}));
  REQUIRE_THROWS_WITH(write_h5ad(a, file), Contains("the name 'a/b' contains '/'"));
  CHECK(no_files());

  // An existing file survives a failed overwrite.
  write_h5ad(small_anndata(), file);
  a = small_anndata();
  a.uns["bad"] = nullptr;
  REQUIRE_THROWS(write_h5ad(a, file));
  CHECK(read_h5ad(file).obs.index.size() == 4);
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);

  REQUIRE_THROWS_WITH(write_h5ad(small_anndata(), dir.path() / "no" / "such" / "dir.h5ad"),
                      Contains("dir.h5ad: cannot create") && Contains("HDF5:"));
}

TEST_CASE("write_h5ad with gzip compression reads back the same", "[h5ad]") {
  TempDir dir;
  const auto file = dir.path() / "gz.h5ad";
  H5adWriteOptions options;
  options.compression = 4;
  write_h5ad(small_anndata(), file, options);
  const AnnData r = read_h5ad(file);
  CHECK(dense(r.X) == small_dense);
  CHECK(r.obs.column("score", "obs").reals[2] == 1e10);
}

// Not part of the suite: tests/perf/h5ad_read.sh runs it on a large file.
TEST_CASE("h5ad read speed on the file named by TRELLIS_PERF_H5AD", "[.perf][h5ad_perf]") {
  const char* path = std::getenv("TRELLIS_PERF_H5AD");
  if (!path || !*path) {
    WARN("set TRELLIS_PERF_H5AD to an .h5ad file");
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  const AnnData a = read_h5ad(path);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto checked = std::chrono::steady_clock::now();
  a.X.validate("X");
  const double validate = std::chrono::duration<double>(std::chrono::steady_clock::now() - checked).count();
  std::cout << "trellis_read_seconds " << seconds << "\n"
            << "shape " << a.X.rows << " x " << a.X.cols << ", nnz " << a.X.nnz() << " (of the read time, " << validate
            << " s checks X)\n";
  TempDir dir;
  const auto written = std::chrono::steady_clock::now();
  write_h5ad(a, dir.path() / "copy.h5ad");
  std::cout << "trellis_write_seconds "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - written).count() << "\n";
}

// Gene annotation: sources (TSV export, Bioconductor SQLite), biotype rules,
// the gene universe builder and the coverage report.
//
// Expected values for real genes were looked up independently in the shared
// TSV files with zcat/awk (the commands are next to the values).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <sqlite3.h>
#include <zlib.h>

#include "catch.hpp"
#include "support.hpp"
#include "trellis/annotation/annotation_source.hpp"
#include "trellis/annotation/biotype.hpp"
#include "trellis/annotation/coverage.hpp"
#include "trellis/annotation/gene_table_builder.hpp"
#include "trellis/annotation/memory_source.hpp"
#include "trellis/annotation/open_source.hpp"
#include "trellis/annotation/sqlite_source.hpp"
#include "trellis/annotation/tsv_fields.hpp"
#include "trellis/annotation/tsv_source.hpp"
#include "trellis/sdk/text_input.hpp"
#include "trellis/sdk/error.hpp"

namespace fs = std::filesystem;
using namespace trellis::core::annotation;
using trellis::sdk::Biotype;
using trellis::test::TempDir;

namespace {

void write_gz(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  gzFile file = gzopen(path.c_str(), "wb");
  REQUIRE(file != nullptr);
  REQUIRE(gzwrite(file, content.data(), static_cast<unsigned>(content.size())) == static_cast<int>(content.size()));
  gzclose(file);
}

const char* const kFixtureGenes =
    "entrez_id\tsymbol\tgene_name\tgene_type\tchromosome\tensembl_ids\tcytoband\n"
    "10\tAAA\talpha gene\tprotein-coding\t1\tENSG00000000010|ENSG00000000011\t1p1\n"
    "20\tBBB\tbeta record\tunknown\t1\t\t1p1\n"
    "21\tBBB\tbeta gene\tprotein-coding\t1\tENSG00000000021\t1p1\n"
    "30\tC1orf30\tgamma antisense RNA 1\tncRNA\t1\tENSG00000000030\t1p1\n";
const char* const kFixtureGo =
    "entrez_id\tgo_id\tevidence\tontology\n"
    "10\tGO:0000001\tIDA\tBP\n"
    "10\tGO:0000001\tIEA\tBP\n"
    "10\tGO:0000002\tIEA\tCC\n"
    "10\tGO:0000003\tND\tMF\n";
const char* const kFixtureGoTerms =
    "go_id\tontology\tterm\tdefinition\n"
    "GO:0000001\tBP\tfirst process\tDoes things.\n"
    "GO:0000002\tCC\tsome place\tA place.\n"
    "GO:0000003\tMF\tmolecular_function\tAny function.\n"
    "all\tuniversal\tall\t\n";

// A small data folder with the shared data's layout.
void write_fixture(const fs::path& dir) {
  write_gz(dir / kGenesTsv, kFixtureGenes);
  write_gz(dir / kGoTsv, kFixtureGo);
  write_gz(dir / kGoTermsTsv, kFixtureGoTerms);
  write_gz(dir / kSummariesTsv,
           "Gene_ID\tRefSeq_accession\tReview_status\tGene_summary\n10\tNM_1\tREVIEWED\tAlpha summary.\n");
  write_gz(dir / kPromotersTsv,
           "AAA_2\tacgtACGT\nAAA_1\tttttTTTT\nBBB_10\tcccc\nBBB_3\tgggg\nORPHAN_1\tnnnn\n");
  write_gz(dir / kPromoterEnsemblTsv,
           "AAA_2\tENSG00000000010\nAAA_1\tENSG00000000011\nBBB_10\tENSG00000000021\nBBB_3\tENSG00000000021\n");
}

// The shared sources are loaded once per test process.
const TsvAnnotationSource& shared_tsv(const fs::path& data) {
  static std::unique_ptr<TsvAnnotationSource> source;
  if (!source) source = std::make_unique<TsvAnnotationSource>(data);
  return *source;
}

// Null when scripts/fetch-annotation has not been run.
const SqliteAnnotationSource* shared_sqlite(const fs::path& data) {
  static std::unique_ptr<SqliteAnnotationSource> source;
  static bool tried = false;
  if (!tried) {
    tried = true;
    const auto org = find_cached_database("org.Hs.eg.sqlite");
    const auto go = find_cached_database("GO.sqlite");
    if (org && go) source = std::make_unique<SqliteAnnotationSource>(*org, *go, data);
  }
  return source.get();
}

#define TRELLIS_REQUIRE_SQLITE(name, data)                                                                   \
  const SqliteAnnotationSource* name = shared_sqlite(data);                                                  \
  if (name == nullptr) {                                                                                     \
    WARN("org.Hs.eg.sqlite / GO.sqlite not found under " << bioconductor_cache_dir()                       \
                                                         << " (run scripts/fetch-annotation): skipping"); \
    return;                                                                                                  \
  }

std::int64_t entrez_of(const AnnotationSource& source, const std::string& symbol) {
  return source.resolve(symbol).entrez_id;
}

Biotype biotype_of(const AnnotationSource& source, const std::string& symbol) {
  const auto record = source.gene(entrez_of(source, symbol));
  REQUIRE(record);
  return classify_biotype(record->gene_type, record->symbol, record->gene_name);
}

}  // namespace

TEST_CASE("annotation: loaders read long lines, CRLF, plain files and split fields at tabs", "[annotation]") {
  using trellis::sdk::TextInput;
  TempDir dir;
  const std::string long_line(200000, 'x');
  write_gz(dir.path() / "a.tsv.gz", "h1\th2\r\n" + long_line + "\n\nlast\tline");
  TextInput lines(dir.path() / "a.tsv.gz");
  std::string_view line;
  REQUIRE(lines.next(line));
  CHECK(line == "h1\th2");
  REQUIRE(lines.next(line));
  CHECK(line == long_line);
  REQUIRE(lines.next(line));
  CHECK(line.empty());
  REQUIRE(lines.next(line));
  CHECK(line == "last\tline");
  CHECK(lines.line_number() == 4);
  CHECK(where(lines) == (dir.path() / "a.tsv.gz").string() + ":4");
  CHECK_FALSE(lines.next(line));

  std::vector<std::string_view> fields;
  trellis::core::io::split_tabs("a\t\tb\t", fields);
  CHECK(fields == std::vector<std::string_view>{"a", "", "b", ""});

  const fs::path plain = dir.write("plain.tsv", "one\ntwo\n");
  TextInput plain_lines(plain);
  REQUIRE(plain_lines.next(line));
  CHECK(line == "one");
}

TEST_CASE("annotation: loaders report missing and truncated files", "[annotation]") {
  using trellis::sdk::TextInput;
  TempDir dir;
  REQUIRE_THROWS_WITH(TextInput(dir.path() / "absent.tsv.gz"), Catch::Contains("absent.tsv.gz") &&
                                                                   Catch::Contains("No such file or directory"));
  std::string content;
  for (int i = 0; i < 20000; ++i) content += "row " + std::to_string(i * 7919) + "\tvalue\n";
  write_gz(dir.path() / "full.gz", content);
  const auto size = fs::file_size(dir.path() / "full.gz");
  fs::copy_file(dir.path() / "full.gz", dir.path() / "cut.gz");
  fs::resize_file(dir.path() / "cut.gz", size / 2);
  TextInput lines(dir.path() / "cut.gz");
  std::string_view line;
  const auto read_all = [&] {
    while (lines.next(line)) {
    }
  };
  REQUIRE_THROWS_WITH(read_all(), Catch::Contains("cut.gz") && Catch::Contains("truncated"));
}

TEST_CASE("annotation: TSV source reads a fixture folder", "[annotation]") {
  TempDir dir;
  write_fixture(dir.path());
  const TsvAnnotationSource source(dir.path());
  CHECK_FALSE(source.has_aliases());
  CHECK(source.tables().genes.size() == 4);
  CHECK(source.tables().go_terms.size() == 3);  // the "all" root is not a term of an ontology

  const auto aaa = source.gene(10);
  REQUIRE(aaa);
  CHECK(aaa->symbol == "AAA");
  CHECK(aaa->gene_name == "alpha gene");
  CHECK(aaa->ensembl_ids == std::vector<std::string>{"ENSG00000000010", "ENSG00000000011"});
  CHECK(source.go_annotations(10).size() == 4);
  const auto term = source.go_term("GO:0000002");
  REQUIRE(term);
  CHECK(term->name == "some place");
  CHECK(term->ontology == Ontology::CC);
  CHECK_FALSE(source.go_term("GO:9999999"));
  CHECK(source.summary(10) == "Alpha summary.");
  CHECK(source.summary(21).empty());
  // Each Ensembl gene keeps its lowest-numbered promoter: BBB_3 before BBB_10 (numeric, not text order).
  CHECK(source.promoter("ENSG00000000010") == "acgtACGT");
  CHECK(source.promoter("ENSG00000000011") == "ttttTTTT");
  CHECK(source.promoter("ENSG00000000021") == "gggg");
  CHECK(source.promoter("ENSG00000000030").empty());
}

TEST_CASE("annotation: name resolution rules", "[annotation]") {
  TempDir dir;
  write_fixture(dir.path());
  const TsvAnnotationSource source(dir.path());

  auto m = source.resolve("AAA");
  CHECK(m.kind == MatchKind::symbol);
  CHECK(m.entrez_id == 10);
  // Two records share BBB: the typed one wins over the smaller "unknown" one.
  m = source.resolve("BBB");
  CHECK(m.kind == MatchKind::symbol);
  CHECK(m.entrez_id == 21);
  CHECK(m.candidates == std::vector<std::int64_t>{20, 21});
  m = source.resolve("C1ORF30");
  CHECK(m.kind == MatchKind::symbol_case_insensitive);
  CHECK(m.entrez_id == 30);
  m = source.resolve("ENSG00000000011.7");
  CHECK(m.kind == MatchKind::ensembl);
  CHECK(m.entrez_id == 10);
  m = source.resolve("ENSG00000099999");
  CHECK(m.kind == MatchKind::none);
  CHECK(m.entrez_id == -1);
  CHECK(source.resolve("").kind == MatchKind::none);
  CHECK(source.resolve("ZZZ").kind == MatchKind::none);

  // Aliases, on a source built from tables directly.
  AnnotationTables tables;
  const auto add = [&](std::int64_t id, const std::string& symbol, const std::string& type,
                       std::vector<std::string> aliases) {
    tables.genes[id] = GeneRecord{id, symbol, symbol + " name", type, {}};
    tables.aliases[id] = std::move(aliases);
  };
  add(1, "X", "protein-coding", {"OLD"});
  add(2, "XP1", "pseudo", {"OLD"});
  add(3, "Y", "protein-coding", {"DUP"});
  add(4, "Z", "protein-coding", {"DUP"});
  add(5, "Foo", "protein-coding", {});
  add(6, "W", "protein-coding", {"FOO"});
  tables.has_aliases = true;
  const MemoryAnnotationSource with_aliases(std::move(tables), "test tables");

  m = with_aliases.resolve("OLD");  // one protein-coding candidate among an alias's genes
  CHECK(m.kind == MatchKind::alias);
  CHECK(m.entrez_id == 1);
  CHECK(m.candidates == std::vector<std::int64_t>{1, 2});
  m = with_aliases.resolve("old");
  CHECK(m.kind == MatchKind::alias_case_insensitive);
  CHECK(m.entrez_id == 1);
  m = with_aliases.resolve("DUP");  // two protein-coding genes: no guess
  CHECK(m.kind == MatchKind::ambiguous);
  CHECK(m.entrez_id == -1);
  CHECK(m.candidates == std::vector<std::int64_t>{3, 4});
  m = with_aliases.resolve("FOO");  // an exact alias beats a symbol that only matches ignoring case
  CHECK(m.kind == MatchKind::alias);
  CHECK(m.entrez_id == 6);
  m = with_aliases.resolve("foo");
  CHECK(m.kind == MatchKind::symbol_case_insensitive);
  CHECK(m.entrez_id == 5);
  CHECK(with_aliases.resolve("OLD", /*use_aliases=*/false).kind == MatchKind::none);
}

TEST_CASE("annotation: TSV source reports broken files", "[annotation]") {
  TempDir dir;
  REQUIRE_THROWS_WITH(TsvAnnotationSource(dir.path() / "nowhere"),
                      Catch::Contains("orghs_genes.tsv.gz") && Catch::Contains("not found") &&
                          Catch::Contains("TRELLIS_DATA_DIR"));

  write_fixture(dir.path());
  const std::string header = "entrez_id\tsymbol\tgene_name\tgene_type\tchromosome\tensembl_ids\tcytoband\n";
  SECTION("missing column") {
    write_gz(dir.path() / kGenesTsv, "entrez_id\tsymbol\tgene_name\tchromosome\tensembl_ids\n1\tA\ta\t1\t\n");
    REQUIRE_THROWS_WITH(TsvAnnotationSource(dir.path()),
                        Catch::Contains("orghs_genes.tsv.gz' has no column 'gene_type'") &&
                            Catch::Contains("entrez_id, symbol, gene_name, chromosome, ensembl_ids"));
  }
  SECTION("bad Entrez id") {
    write_gz(dir.path() / kGenesTsv, header + "1\tA\ta\tpseudo\t1\t\t1p\nx7\tB\tb\tpseudo\t1\t\t1p\n");
    REQUIRE_THROWS_WITH(TsvAnnotationSource(dir.path()),
                        Catch::Contains("orghs_genes.tsv.gz:3") && Catch::Contains("'x7' is not an Entrez gene id"));
  }
  SECTION("short line") {
    write_gz(dir.path() / kGenesTsv, header + "1\tA\n");
    REQUIRE_THROWS_WITH(TsvAnnotationSource(dir.path()),
                        Catch::Contains("orghs_genes.tsv.gz:2") && Catch::Contains("expected at least 3"));
  }
  SECTION("duplicate Entrez id") {
    write_gz(dir.path() / kGenesTsv, header + "1\tA\ta\tpseudo\t1\t\t1p\n1\tB\tb\tpseudo\t1\t\t1p\n");
    REQUIRE_THROWS_WITH(TsvAnnotationSource(dir.path()), Catch::Contains("Entrez id 1 appears twice"));
  }
  SECTION("unknown ontology") {
    write_gz(dir.path() / kGoTsv, "entrez_id\tgo_id\tevidence\tontology\n10\tGO:0000001\tIDA\tXX\n");
    REQUIRE_THROWS_WITH(TsvAnnotationSource(dir.path()),
                        Catch::Contains("orghs_go.tsv.gz:2") && Catch::Contains("unknown GO ontology 'XX'"));
  }
  SECTION("empty file") {
    write_gz(dir.path() / kGoTermsTsv, "");
    REQUIRE_THROWS_WITH(TsvAnnotationSource(dir.path()), Catch::Contains("go_terms.tsv.gz' is empty"));
  }
  SECTION("optional extras may be absent") {
    fs::remove(dir.path() / kSummariesTsv);
    fs::remove(dir.path() / kPromotersTsv);
    const TsvAnnotationSource source(dir.path());
    CHECK(source.summary(10).empty());
    CHECK(source.promoter("ENSG00000000010").empty());
    CHECK(source.gene(10));
  }
}

TEST_CASE("annotation: biotype rules", "[annotation]") {
  // By NCBI type.
  CHECK(classify_biotype("protein-coding", "TP53", "tumor protein p53") == Biotype::protein_coding);
  CHECK(classify_biotype("pseudo", "GAPDHP1", "glyceraldehyde-3-phosphate dehydrogenase pseudogene 1") ==
        Biotype::pseudogene);
  CHECK(classify_biotype("snoRNA", "SNORD3A", "small nucleolar RNA, C/D box 3A") == Biotype::snoRNA);
  CHECK(classify_biotype("snRNA", "RNU1-1", "RNA, U1 small nuclear 1") == Biotype::snRNA);
  for (const char* type : {"rRNA", "tRNA", "scRNA", "biological-region", "other", "unknown", ""})
    CHECK(classify_biotype(type, "X", "x") == Biotype::other);
  // ncRNA split by symbol and name.
  CHECK(classify_biotype("ncRNA", "MIR21", "microRNA 21") == Biotype::miRNA);
  CHECK(classify_biotype("ncRNA", "MIRLET7A1", "microRNA let-7a-1") == Biotype::miRNA);
  CHECK(classify_biotype("ncRNA", "XYZ", "a microRNA of sorts") == Biotype::miRNA);
  CHECK(classify_biotype("ncRNA", "MIR17HG", "miR-17-92a-1 cluster host gene") == Biotype::lncRNA);
  CHECK(classify_biotype("ncRNA", "SNHG1", "small nucleolar RNA host gene 1") == Biotype::lncRNA);
  CHECK(classify_biotype("ncRNA", "SNORD116", "x") == Biotype::snoRNA);
  CHECK(classify_biotype("ncRNA", "SCARNA2", "small Cajal body-specific RNA 2") == Biotype::snoRNA);
  CHECK(classify_biotype("ncRNA", "RNU4ATAC", "x") == Biotype::snRNA);
  CHECK(classify_biotype("ncRNA", "LINC00473", "long intergenic non-protein coding RNA 473") == Biotype::lncRNA);
  CHECK(classify_biotype("ncRNA", "TNS2-AS1", "TNS2 antisense RNA 1") == Biotype::lncRNA);
  CHECK(classify_biotype("ncRNA", "CSTF3-DT", "CSTF3 divergent transcript") == Biotype::lncRNA);
  CHECK(classify_biotype("ncRNA", "LOC105379516", "uncharacterized LOC105379516") == Biotype::lncRNA);
  CHECK(classify_biotype("ncRNA", "RNY1", "RNA, Ro60-associated Y1") == Biotype::other);
  CHECK(classify_biotype("ncRNA", "VTRNA1-1", "vault RNA 1-1") == Biotype::other);
  CHECK(classify_biotype("ncRNA", "TERC", "telomerase RNA component") == Biotype::other);
  // Ensembl-style types.
  CHECK(classify_biotype("lncRNA", "X", "") == Biotype::lncRNA);
  CHECK(classify_biotype("miRNA", "X", "") == Biotype::miRNA);
  CHECK(classify_biotype("processed_pseudogene", "X", "") == Biotype::pseudogene);
  CHECK(classify_biotype("protein_coding", "X", "") == Biotype::protein_coding);
}

TEST_CASE("annotation: biotypes of real genes", "[annotation][data]") {
  TRELLIS_REQUIRE_DATA(data);
  const auto& source = shared_tsv(data);
  CHECK(biotype_of(source, "TP53") == Biotype::protein_coding);
  CHECK(biotype_of(source, "MIR21") == Biotype::miRNA);
  CHECK(biotype_of(source, "MALAT1") == Biotype::lncRNA);     // ncRNA, named transcript
  CHECK(biotype_of(source, "LINC00473") == Biotype::lncRNA);
  CHECK(biotype_of(source, "MIR17HG") == Biotype::lncRNA);    // ncRNA, "host gene"
  CHECK(biotype_of(source, "ZMYM4-AS1") == Biotype::lncRNA);
  CHECK(biotype_of(source, "SNORD3A") == Biotype::snoRNA);    // NCBI type snoRNA
  CHECK(biotype_of(source, "SCARNA2") == Biotype::snoRNA);    // ncRNA, by symbol
  CHECK(biotype_of(source, "RNU1-1") == Biotype::snRNA);
  CHECK(biotype_of(source, "GAPDHP1") == Biotype::pseudogene);
  CHECK(biotype_of(source, "PDE4DIPP4") == Biotype::pseudogene);
  CHECK(biotype_of(source, "RNY1") == Biotype::other);
  CHECK(biotype_of(source, "RNA5S1") == Biotype::other);      // rRNA

  // Whole table. Independent count, the same rules written in awk:
  //   zcat orghs_genes.tsv.gz | awk -F'\t' 'NR>1 {t=$4; s=toupper($2); n=tolower($3); c="other";
  //     if (t=="protein-coding") c="protein_coding"; else if (t=="pseudo") c="pseudogene";
  //     else if (t=="snoRNA") c="snoRNA"; else if (t=="snRNA") c="snRNA";
  //     else if (t=="ncRNA") { if (n ~ /host gene/) c="lncRNA";
  //       else if (s ~ /^MIRLET/ || s ~ /^MIR[0-9]/ || n ~ /microrna/) c="miRNA";
  //       else if (s ~ /^(SNORD|SNORA|SCARNA)/ || n ~ /small nucleolar|small cajal body/) c="snoRNA";
  //       else if (s ~ /^(RNU|RNVU)/ || n ~ /small nuclear/) c="snRNA";
  //       else if (s ~ /^(RNY|VTRNA|RN7SL)/ || s=="TERC" || s=="RMRP" || s=="RPPH1") c="other";
  //       else c="lncRNA" } print c}' | sort | uniq -c
  std::map<Biotype, int> counts;
  for (const auto& [id, record] : source.tables().genes)
    ++counts[classify_biotype(record.gene_type, record.symbol, record.gene_name)];
  CHECK(counts[Biotype::protein_coding] == 20598);
  CHECK(counts[Biotype::lncRNA] == 20238);
  CHECK(counts[Biotype::miRNA] == 1916);
  CHECK(counts[Biotype::snoRNA] == 1254);
  CHECK(counts[Biotype::snRNA] == 174);
  CHECK(counts[Biotype::pseudogene] == 17302);
  CHECK(counts[Biotype::other] == 16132);
}

TEST_CASE("annotation: fixture gene table, fields and options", "[annotation]") {
  TempDir dir;
  write_fixture(dir.path());
  const TsvAnnotationSource source(dir.path());

  const auto built =
      GeneTableBuilder(source).build({"AAA", "ENSG00000000011", "c1orf30", "NOPE"}, {"BBB", "NOPE", "BBB"});
  const auto& table = built.table;
  REQUIRE(table.size() == 5);
  CHECK(table.measured() == std::vector<std::int64_t>{0, 1, 2, 3});
  CHECK_FALSE(table.at(4).measured);

  const auto& aaa = table.at(0);
  CHECK(aaa.symbol == "AAA");
  CHECK(aaa.entrez_id == 10);
  CHECK(aaa.ensembl_id == "ENSG00000000010");
  CHECK(aaa.biotype == Biotype::protein_coding);
  CHECK(aaa.short_name == "alpha gene");
  CHECK(aaa.description == "Alpha summary.");
  CHECK(aaa.sequence == "acgtACGT");
  CHECK(aaa.go_terms == std::vector<std::string>{"GO:0000001", "GO:0000002", "GO:0000003"});

  // The dataset's spelling stays the key; the Ensembl id it used is kept, with its own promoter.
  const auto& by_ensembl = table.at(1);
  CHECK(by_ensembl.symbol == "ENSG00000000011");
  CHECK(by_ensembl.entrez_id == 10);
  CHECK(by_ensembl.ensembl_id == "ENSG00000000011");
  CHECK(by_ensembl.sequence == "ttttTTTT");
  CHECK(built.resolutions[1].official_symbol == "AAA");
  CHECK(built.resolutions[1].match == MatchKind::ensembl);

  CHECK(table.at(2).symbol == "c1orf30");
  CHECK(table.at(2).biotype == Biotype::lncRNA);
  CHECK(built.resolutions[2].official_symbol == "C1orf30");

  const auto& unknown = table.at(3);
  CHECK(unknown.symbol == "NOPE");
  CHECK(unknown.entrez_id == -1);
  CHECK(unknown.biotype == Biotype::other);
  CHECK(unknown.ensembl_id.empty());
  CHECK(unknown.short_name.empty());
  CHECK(unknown.go_terms.empty());
  CHECK(built.resolutions[3].match == MatchKind::none);

  CHECK(table.at(4).symbol == "BBB");
  CHECK(table.at(4).entrez_id == 21);
  CHECK(table.at(4).sequence == "gggg");

  BuildOptions bp_only;
  bp_only.ontologies = {Ontology::BP};
  CHECK(build_gene_table({"AAA"}, {}, source, bp_only).at(0).go_terms == std::vector<std::string>{"GO:0000001"});
  BuildOptions no_iea;
  no_iea.exclude_evidence = {"IEA"};
  // GO:0000001 has IDA besides IEA, so it stays.
  CHECK(build_gene_table({"AAA"}, {}, source, no_iea).at(0).go_terms ==
        std::vector<std::string>{"GO:0000001", "GO:0000003"});
}

TEST_CASE("annotation: gene table input errors", "[annotation]") {
  TempDir dir;
  write_fixture(dir.path());
  const TsvAnnotationSource source(dir.path());
  REQUIRE_THROWS_WITH(build_gene_table({"AAA", "BBB", "AAA", "C1orf30", "BBB", "BBB"}, {}, source),
                      Catch::Contains("2 appear more than once: 'AAA', 'BBB'") &&
                          Catch::Contains("var_names_make_unique"));
  REQUIRE_THROWS_WITH(build_gene_table({"AAA", "", "BBB"}, {}, source),
                      Catch::Contains("empty name at position(s) 1"));
  REQUIRE_THROWS_WITH(build_gene_table({"AAA"}, {"BBB", ""}, source),
                      Catch::Contains("perturbed gene has an empty name"));
  // A perturbed gene listed twice, or also measured, is not an error.
  CHECK(build_gene_table({"AAA"}, {"BBB", "AAA", "BBB"}, source).size() == 2);
}

namespace {

// Norman 2019 (first 26 measured genes of norman19_mcfaline23_subset.h5ad's
// var, plus three more), then perturbed genes.
const std::vector<std::string> kNormanMeasured = {
    "PERM1",  "RNF223", "MIR34AHG", "NPPA",      "KAZN",    "FHAD1",   "TMEM82", "PADI4",     "PHC2",      "CSMD2",
    "ZMYM4-AS1", "SZT2-AS1", "RAB3B", "PLPP3",   "NFIA",    "SGIP1",   "LRRC7",  "NEGR1",     "CLCA2",     "NTNG1",
    "INKA2",  "PDE4DIPP4", "FLG-AS1", "PRR9",    "S100A4",  "NES",     "LINC01705", "MIR3681HG", "CEDORA"};
const std::vector<std::string> kNormanPerturbed = {"KLF1", "MAP2K6", "KLF1", "CEBPE", "PERM1", "TGFBR2", "TP53"};

struct Expected {
  const char* symbol;
  std::int64_t entrez;
  Biotype biotype;
  const char* ensembl;
  std::size_t go_terms;
  const char* summary_prefix;  // "" = no summary
  const char* promoter;        // "" = no promoter
};

// For each gene G (first Ensembl id E, Entrez id I):
//   zcat orghs_genes.tsv.gz | awk -F'\t' '$2=="G"'                  entrez, type, ensembl
//   zcat orghs_go.tsv.gz | awk -F'\t' '$1==I' | cut -f2 | sort -u | wc -l
//   zcat refseq_gene_summaries_human.tsv.gz | awk -F'\t' '$1==I{print substr($4,1,40)}'
//   zcat epd_promoter_ensembl.tsv.gz | awk '$2=="E"' | sort -t_ -k2,2n | head -1, then its sequence
const std::vector<Expected> kExpected = {
    {"PERM1", 84808, Biotype::protein_coding, "ENSG00000187642", 4, "", ""},
    {"MIR34AHG", 106614088, Biotype::lncRNA, "ENSG00000228526", 1, "", ""},
    {"NPPA", 4878, Biotype::protein_coding, "ENSG00000175206", 36, "The protein encoded by this gene belongs",
     "gcttggagagctggggggctataaaaagaggcggcactgggcagctgggAGACAGGGACA"},
    {"FHAD1", 114827, Biotype::protein_coding, "ENSG00000142621", 0, "", ""},
    {"TMEM82", 388595, Biotype::protein_coding, "ENSG00000162460", 1, "",
     "tgacccctcccagcctctctccttccctccaccgacacctttgcccagtGACGTTGGTCT"},
    {"ZMYM4-AS1", 100861513, Biotype::lncRNA, "ENSG00000227409", 0, "", ""},
    {"PLPP3", 8613, Biotype::protein_coding, "ENSG00000162407", 42, "The protein encoded by this gene is a me",
     "tttaaaggacctcgtgaaataaaagtgcagaaaacaaacccaggcgatcACAGCAGCAGC"},
    // INKA2's promoter is filed under its previous symbol, FAM212B_1: found through the Ensembl id.
    {"INKA2", 55924, Biotype::protein_coding, "ENSG00000197852", 5, "",
     "ttccctccacccccagcaccgaccgcgcgcggctagccgctggggaagcGACTCTGAGTC"},
    {"PDE4DIPP4", 101929798, Biotype::pseudogene, "ENSG00000275585", 0, "", ""},
    {"LINC01705", 107985307, Biotype::lncRNA, "", 0, "", ""},
    {"KLF1", 10661, Biotype::protein_coding, "ENSG00000105610", 16, "This gene encodes a hematopoietic-specif",
     "caatcagctaaggacagagaggagccctcgaaggggctatcacagcctcAGAGTTCACGA"},
    // MAP2K6_1 has no Ensembl id in EPD's map, so MAP2K6_2 is the gene's first promoter.
    {"MAP2K6", 5608, Biotype::protein_coding, "ENSG00000108984", 35, "This gene encodes a member of the dual s",
     "gctggtcttccttgcagcctcgaaaacctcaccagagtcgcctctgctgGTCTCTTACTG"},
    {"TGFBR2", 7048, Biotype::protein_coding, "ENSG00000163513", 100, "The protein encoded by this gene is a tr",
     "gaggagtttcctgtttcccccgcagcgctgagttgaagttgagtgagtcACTCGCGCGCA"},
    {"TP53", 7157, Biotype::protein_coding, "ENSG00000141510", 184, "This gene encodes a tumor suppressor pro",
     "tttcccctcccatgtgctcaagactggcgctaaaagttttgagcttctcAAAAGTCTAGA"},
};

void check_expected(const trellis::sdk::GeneTable& table) {
  for (const Expected& e : kExpected) {
    INFO(e.symbol);
    const auto& gene = table.at(table.index_of(e.symbol));
    CHECK(gene.entrez_id == e.entrez);
    CHECK(gene.biotype == e.biotype);
    CHECK(gene.ensembl_id == e.ensembl);
    CHECK(gene.go_terms.size() == e.go_terms);
    CHECK(gene.description.rfind(e.summary_prefix, 0) == 0);
    CHECK(gene.description.empty() == (std::string(e.summary_prefix).empty()));
    CHECK(gene.sequence == e.promoter);
    CHECK((gene.sequence.empty() || gene.sequence.size() == 60));
    CHECK_FALSE(gene.short_name.empty());
  }
  const auto& tp53 = table.at(table.index_of("TP53"));
  CHECK(tp53.short_name == "tumor protein p53");
  CHECK(tp53.go_terms.front() == "GO:0000122");  // sorted: the smallest id first
}

}  // namespace

TEST_CASE("annotation: Norman 2019 gene table from the TSV source", "[annotation][data]") {
  TRELLIS_REQUIRE_DATA(data);
  const auto& source = shared_tsv(data);
  const auto built = GeneTableBuilder(source).build(kNormanMeasured, kNormanPerturbed);
  const auto& table = built.table;

  // Universe: 29 measured + KLF1, MAP2K6, CEBPE, TGFBR2, TP53 (KLF1 once; PERM1 is measured).
  REQUIRE(table.size() == 34);
  CHECK(table.measured().size() == 29);
  for (std::size_t i = 0; i < kNormanMeasured.size(); ++i)
    CHECK(table.at(static_cast<std::int64_t>(i)).symbol == kNormanMeasured[i]);
  const std::vector<std::string> appended = {"KLF1", "MAP2K6", "CEBPE", "TGFBR2", "TP53"};
  for (std::size_t i = 0; i < appended.size(); ++i) {
    CHECK(table.at(static_cast<std::int64_t>(29 + i)).symbol == appended[i]);
    CHECK_FALSE(table.at(static_cast<std::int64_t>(29 + i)).measured);
  }
  check_expected(table);

  // GO restricted to BP: awk -F'\t' '$1==7157 && $4=="BP"' | cut -f2 | sort -u | wc -l  -> 127
  BuildOptions bp;
  bp.ontologies = {Ontology::BP};
  CHECK(build_gene_table({"TP53"}, {}, source, bp).at(0).go_terms.size() == 127);
  // Without electronic annotations: awk -F'\t' '$1==7157 && $3!="IEA"' | cut -f2 | sort -u | wc -l  -> 119
  BuildOptions no_iea;
  no_iea.exclude_evidence = {"IEA"};
  CHECK(build_gene_table({"TP53"}, {}, source, no_iea).at(0).go_terms.size() == 119);
  // GO term text for later text encoders.
  const auto apoptosis = source.go_term("GO:0006915");
  REQUIRE(apoptosis);
  CHECK(apoptosis->name == "apoptotic process");
  CHECK(apoptosis->ontology == Ontology::BP);

  // CEDORA is a newer symbol than this NCBI release: kept, with empty knowledge.
  const auto& cedora = table.at(table.index_of("CEDORA"));
  CHECK(cedora.entrez_id == -1);
  CHECK(cedora.measured);

  // Coverage, from the table above: no summary (17), no promoter (12), no GO term (9).
  const Coverage coverage = compute_coverage(built, source);
  CHECK(coverage.genes == 34);
  CHECK(coverage.measured == 29);
  CHECK(coverage.missing_entrez == std::vector<std::string>{"CEDORA"});
  CHECK(coverage.biotype_other == std::vector<std::string>{"CEDORA"});
  CHECK(coverage.missing_short_name == std::vector<std::string>{"CEDORA"});
  CHECK(coverage.missing_description ==
        std::vector<std::string>{"PERM1", "RNF223", "MIR34AHG", "FHAD1", "TMEM82", "ZMYM4-AS1", "SZT2-AS1",
                                 "RAB3B", "LRRC7", "NEGR1", "INKA2", "PDE4DIPP4", "FLG-AS1", "PRR9", "LINC01705",
                                 "MIR3681HG", "CEDORA"});
  CHECK(coverage.missing_sequence == std::vector<std::string>{"PERM1", "RNF223", "MIR34AHG", "FHAD1", "ZMYM4-AS1",
                                                              "SZT2-AS1", "PDE4DIPP4", "FLG-AS1", "PRR9",
                                                              "LINC01705", "MIR3681HG", "CEDORA"});
  CHECK(coverage.missing_go == std::vector<std::string>{"FHAD1", "ZMYM4-AS1", "SZT2-AS1", "PDE4DIPP4", "FLG-AS1",
                                                        "PRR9", "LINC01705", "MIR3681HG", "CEDORA"});
  CHECK(coverage.biotypes.at(Biotype::protein_coding) == 26);
  CHECK(coverage.biotypes.at(Biotype::lncRNA) == 6);
  CHECK(coverage.biotypes.at(Biotype::pseudogene) == 1);
  CHECK(coverage.biotypes.at(Biotype::other) == 1);
  CHECK(coverage.by_alias.empty());
  CHECK(coverage.same_gene.empty());

  const std::string counts_only = describe(coverage, false);
  CHECK_THAT(counts_only, Catch::Contains("genes: 34 (29 measured, 5 perturbed only)"));
  CHECK_THAT(counts_only, Catch::Contains("biotypes: protein_coding 26, lncRNA 6, pseudogene 1, other 1"));
  CHECK_THAT(counts_only, Catch::Contains("description") && Catch::Contains("17  ( 50.0%)"));
  CHECK_THAT(counts_only, Catch::Contains("sequence") && Catch::Contains("12  ( 35.3%)"));
  CHECK_THAT(counts_only, !Catch::Contains("CEDORA"));
  const std::string listed = describe(coverage, true);
  CHECK_THAT(listed, Catch::Contains("9  ( 26.5%): FHAD1, ZMYM4-AS1, SZT2-AS1"));
  // A table alone gives the same counts, without the matching section.
  const Coverage from_table = compute_coverage(table);
  CHECK(from_table.missing_go == coverage.missing_go);
  CHECK_THAT(describe(from_table, false), !Catch::Contains("by alias"));
}

TEST_CASE("annotation: Ensembl feature ids (Gasperini 2019)", "[annotation][data]") {
  TRELLIS_REQUIRE_DATA(data);
  const auto& source = shared_tsv(data);
  // perturbseq/gasperini2019_tiny_10x/gem_group_1/features.tsv.gz: ENSG00000100218 RSPH14,
  // ENSG00000231495 AL121885.3 (a clone-based lncRNA id that org.Hs.eg.db does not map).
  const auto built = GeneTableBuilder(source).build({"ENSG00000100218", "ENSG00000231495"}, {"ENSG00000100218.12"});
  const auto& rsph14 = built.table.at(0);
  CHECK(rsph14.symbol == "ENSG00000100218");
  CHECK(rsph14.ensembl_id == "ENSG00000100218");
  CHECK(rsph14.entrez_id == 27156);  // awk -F'\t' '$2=="RSPH14"' orghs_genes.tsv
  CHECK(built.resolutions[0].official_symbol == "RSPH14");
  CHECK(built.table.at(1).entrez_id == -1);
  CHECK(built.table.at(2).entrez_id == 27156);  // version suffix ignored
  const Coverage coverage = compute_coverage(built, source);
  CHECK(coverage.by_ensembl ==
        std::vector<std::string>{"ENSG00000100218 -> RSPH14", "ENSG00000100218.12 -> RSPH14"});
  CHECK(coverage.missing_entrez == std::vector<std::string>{"ENSG00000231495"});
  CHECK(coverage.same_gene == std::vector<std::string>{"ENSG00000100218 = ENSG00000100218.12 (Entrez 27156)"});
}

TEST_CASE("annotation: SQLite source agrees with the TSV export", "[annotation][data][sqlite]") {
  TRELLIS_REQUIRE_DATA(data);
  TRELLIS_REQUIRE_SQLITE(sqlite, data);
  const auto& tsv = shared_tsv(data);
  CHECK(sqlite->has_aliases());

  // Same release (org.Hs.eg.db 3.16.0): every gene and GO row should agree.
  const auto& a = tsv.tables();
  const auto& b = sqlite->tables();
  REQUIRE(a.genes.size() == b.genes.size());
  std::size_t differing_genes = 0, differing_go = 0;
  using Row = std::tuple<std::string, Ontology, std::string>;
  const auto rows = [](const std::vector<GoAnnotation>& annotations) {
    std::vector<Row> out;
    for (const auto& x : annotations) out.emplace_back(x.go_id, x.ontology, x.evidence);
    std::sort(out.begin(), out.end());
    return out;
  };
  for (const auto& [id, record] : a.genes) {
    const auto other = sqlite->gene(id);
    if (!other || other->symbol != record.symbol || other->gene_name != record.gene_name ||
        other->gene_type != record.gene_type || other->ensembl_ids != record.ensembl_ids) {
      if (++differing_genes <= 5) WARN("gene " << id << " differs between the sources");
    }
    if (rows(tsv.go_annotations(id)) != rows(sqlite->go_annotations(id))) ++differing_go;
  }
  CHECK(differing_genes == 0);
  CHECK(differing_go == 0);
  CHECK(a.go_terms.size() == b.go_terms.size());
  CHECK(sqlite->go_term("GO:0006915")->name == "apoptotic process");

  // The gene table is the same too.
  const auto from_tsv = build_gene_table(kNormanMeasured, kNormanPerturbed, tsv);
  const auto from_sqlite = build_gene_table(kNormanMeasured, kNormanPerturbed, *sqlite);
  check_expected(from_sqlite);
  REQUIRE(from_sqlite.size() == from_tsv.size());
  for (std::int64_t i = 0; i < from_tsv.size(); ++i) {
    const auto& x = from_tsv.at(i);
    const auto& y = from_sqlite.at(i);
    INFO(x.symbol);
    CHECK(std::tie(x.symbol, x.ensembl_id, x.entrez_id, x.biotype, x.short_name, x.description, x.sequence,
                   x.go_terms, x.measured) ==
          std::tie(y.symbol, y.ensembl_id, y.entrez_id, y.biotype, y.short_name, y.description, y.sequence,
                   y.go_terms, y.measured));
  }
}

TEST_CASE("annotation: SQLite source resolves aliases", "[annotation][data][sqlite]") {
  TRELLIS_REQUIRE_DATA(data);
  TRELLIS_REQUIRE_SQLITE(sqlite, data);
  // sqlite3 org.Hs.eg.sqlite "select a.alias_symbol, g.gene_id, i.symbol from alias a join genes g
  //   using(_id) join gene_info i using(_id) where upper(a.alias_symbol) in ('MEK6', ...)"
  const auto built =
      GeneTableBuilder(*sqlite).build({"MEK6", "FAM212B", "OCT4", "p53", "NOV", "CEDORA", "KLF1"}, {"EKLF"});
  const auto& table = built.table;
  CHECK(table.at(0).entrez_id == 5608);  // MAP2K6
  CHECK(built.resolutions[0].official_symbol == "MAP2K6");
  CHECK(built.resolutions[0].match == MatchKind::alias);
  CHECK(table.at(1).entrez_id == 55924);  // INKA2, previous symbol FAM212B
  CHECK(table.at(1).sequence == "ttccctccacccccagcaccgaccgcgcgcggctagccgctggggaagcGACTCTGAGTC");
  CHECK(table.at(2).entrez_id == 5460);  // POU5F1; the alias also names pseudogenes POU5F1P3, POU5F1P4
  CHECK(table.at(3).entrez_id == 7157);  // alias P53, ignoring case
  CHECK(built.resolutions[3].match == MatchKind::alias_case_insensitive);
  CHECK(table.at(4).entrez_id == -1);  // NOV: CCN3, PLXNA1 and RPL10 are all protein-coding
  CHECK(built.resolutions[4].match == MatchKind::ambiguous);
  CHECK(table.at(5).entrez_id == -1);
  // EKLF is KLF1's alias, but the key is the dataset's spelling, so it is a separate row.
  CHECK(table.size() == 8);
  CHECK(table.at(7).entrez_id == 10661);

  const Coverage coverage = compute_coverage(built, *sqlite);
  CHECK(coverage.by_alias == std::vector<std::string>{"MEK6 -> MAP2K6", "FAM212B -> INKA2", "OCT4 -> POU5F1",
                                                      "p53 -> TP53", "EKLF -> KLF1"});
  CHECK(coverage.ambiguous == std::vector<std::string>{"NOV (CCN3, PLXNA1, RPL10)"});
  CHECK(coverage.missing_entrez == std::vector<std::string>{"NOV", "CEDORA"});
  CHECK(coverage.same_gene == std::vector<std::string>{"KLF1 = EKLF (Entrez 10661)"});
  CHECK_THAT(describe(coverage, false), Catch::Contains("one gene, several rows") && Catch::Contains("1  ( 12.5%)"));
  CHECK_THAT(describe(coverage, true),
             Catch::Contains("ambiguous alias") && Catch::Contains("NOV (CCN3, PLXNA1, RPL10)"));

  // The TSV export has no aliases: the same names stay unresolved there.
  const auto& tsv = shared_tsv(data);
  CHECK(tsv.resolve("MEK6").kind == MatchKind::none);
  CHECK(tsv.resolve("FAM212B").kind == MatchKind::none);
  // ... and aliases can be switched off.
  BuildOptions no_aliases;
  no_aliases.use_aliases = false;
  CHECK(build_gene_table({"MEK6"}, {}, *sqlite, no_aliases).at(0).entrez_id == -1);
}

TEST_CASE("annotation: SQLite source reports unusable databases", "[annotation][sqlite]") {
  TempDir dir;
  REQUIRE_THROWS_WITH(SqliteAnnotationSource(dir.path() / "org.Hs.eg.sqlite", dir.path() / "GO.sqlite"),
                      Catch::Contains("org.Hs.eg.sqlite' not found") && Catch::Contains("scripts/fetch-annotation"));
  const fs::path not_a_database = dir.write("org.Hs.eg.sqlite", "this is not a database, just text\n");
  REQUIRE_THROWS_WITH(SqliteAnnotationSource(not_a_database, dir.path() / "GO.sqlite"),
                      Catch::Contains("org.Hs.eg.sqlite' cannot answer") && Catch::Contains("not a database"));
  // A valid database without the expected tables.
  const fs::path empty = dir.path() / "empty.sqlite";
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(empty.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "CREATE TABLE other(x INTEGER);", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  REQUIRE_THROWS_WITH(SqliteAnnotationSource(empty, empty),
                      Catch::Contains("empty.sqlite' cannot answer") && Catch::Contains("no such table: genes") &&
                          Catch::Contains("is it the right file"));
}

namespace {

// Sets TRELLIS_CACHE_DIR for the life of the object.
class ScopedCacheDir {
 public:
  explicit ScopedCacheDir(const fs::path& dir) {
    const char* previous = std::getenv("TRELLIS_CACHE_DIR");
    had_ = previous != nullptr;
    if (had_) saved_ = previous;
    setenv("TRELLIS_CACHE_DIR", dir.c_str(), 1);
  }
  ~ScopedCacheDir() {
    if (had_) setenv("TRELLIS_CACHE_DIR", saved_.c_str(), 1);
    else unsetenv("TRELLIS_CACHE_DIR");
  }

 private:
  bool had_ = false;
  std::string saved_;
};

}  // namespace

TEST_CASE("annotation: the cache folder follows TRELLIS_CACHE_DIR", "[annotation]") {
  TempDir dir;
  const ScopedCacheDir cache(dir.path());
  CHECK(bioconductor_cache_dir() == dir.path() / "bioconductor");
  CHECK_FALSE(find_cached_database("GO.sqlite"));
  dir.write("bioconductor/r-bioc-go.db/usr/lib/R/site-library/GO.db/extdata/GO.sqlite", "x");
  const auto found = find_cached_database("GO.sqlite");
  REQUIRE(found);
  CHECK(*found == dir.path() / "bioconductor/r-bioc-go.db/usr/lib/R/site-library/GO.db/extdata/GO.sqlite");
}

TEST_CASE("annotation: opening a source by name", "[annotation]") {
  TempDir dir;
  write_fixture(dir.path());
  const auto tsv = open_annotation_source("tsv", dir.path());
  CHECK(tsv->resolve("AAA").entrez_id == 10);
  CHECK_THAT(tsv->describe(), Catch::Contains("TSV files in " + dir.path().string()));
  REQUIRE_THROWS_WITH(open_annotation_source("mygene", dir.path()),
                      Catch::Contains("unknown annotation source 'mygene'") && Catch::Contains("\"sqlite\""));
  const ScopedCacheDir cache(dir.path() / "empty-cache");
  REQUIRE_THROWS_WITH(open_annotation_source("sqlite", dir.path()),
                      Catch::Contains("org.Hs.eg.sqlite not found under " + (dir.path() / "empty-cache").string()) &&
                          Catch::Contains("run scripts/fetch-annotation"));
}

TEST_CASE("annotation: loading and annotating 20,000 genes is fast", "[annotation][data][timing]") {
  TRELLIS_REQUIRE_DATA(data);
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const TsvAnnotationSource source(data);
  const auto loaded = Clock::now();

  std::vector<std::int64_t> ids;
  for (const auto& [id, record] : source.tables().genes)
    if (record.gene_type == "protein-coding") ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto id : ids)
    if (names.size() < 20000 && seen.insert(source.gene(id)->symbol).second) names.push_back(source.gene(id)->symbol);
  REQUIRE(names.size() == 20000);

  const auto before = Clock::now();
  const auto built = GeneTableBuilder(source).build(names, {});
  const auto after = Clock::now();
  const auto seconds = [](auto d) { return std::chrono::duration<double>(d).count(); };
  WARN("TSV source load " << seconds(loaded - start) << " s; annotating 20,000 genes " << seconds(after - before)
                          << " s");
  CHECK(built.table.size() == 20000);
  CHECK(compute_coverage(built.table).missing_entrez.empty());
  CHECK(seconds(loaded - start) + seconds(after - before) < 10.0);
}

TEST_CASE("annotation: loading the SQLite source is fast", "[annotation][data][sqlite][timing]") {
  TRELLIS_REQUIRE_DATA(data);
  const auto org = find_cached_database("org.Hs.eg.sqlite");
  const auto go = find_cached_database("GO.sqlite");
  if (!org || !go) {
    WARN("org.Hs.eg.sqlite / GO.sqlite not found under " << bioconductor_cache_dir()
                                                         << " (run scripts/fetch-annotation): skipping");
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  const SqliteAnnotationSource source(*org, *go, data);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  WARN("SQLite source load " << seconds << " s");
  CHECK(source.tables().genes.size() == 77614);  // zcat orghs_genes.tsv.gz | tail -n +2 | wc -l
  CHECK(seconds < 10.0);
}

TEST_CASE("annotation: fetch-annotation does nothing when the databases are cached", "[annotation]") {
  TempDir dir;
  const auto org = dir.write("bioconductor/a/org.Hs.eg.sqlite", "x");
  const auto go = dir.write("bioconductor/b/GO.sqlite", "x");
  const std::string command = "TRELLIS_CACHE_DIR='" + dir.path().string() + "' '" +
                              std::string(TRELLIS_SOURCE_DIR) + "/scripts/fetch-annotation' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  CHECK(status == 0);
  CHECK_THAT(output, Catch::Contains("org.Hs.eg.sqlite: " + org.string()) &&
                         Catch::Contains("GO.sqlite: " + go.string()));
  CHECK_THAT(output, !Catch::Contains("Get:"));  // nothing downloaded
}

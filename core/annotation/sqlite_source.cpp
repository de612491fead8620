#include "trellis/annotation/sqlite_source.hpp"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <memory>

#include <sqlite3.h>

#include "trellis/annotation/tsv_source.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::core::annotation {

namespace {

constexpr const char* kFetchHint = "run scripts/fetch-annotation to fetch the Bioconductor databases";

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct FinalizeStatement {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Database = std::unique_ptr<sqlite3, CloseDb>;
using Statement = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

Database open_read_only(const std::filesystem::path& path) {
  if (!std::filesystem::is_regular_file(path))
    throw sdk::Error("annotation database '" + path.string() + "' not found; " + kFetchHint);
  sqlite3* raw = nullptr;
  const int code = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  Database db(raw);
  if (code != SQLITE_OK)
    throw sdk::Error("cannot open annotation database '" + path.string() + "': " +
                     (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(code)));
  return db;
}

// Runs `sql` and calls `row(statement)` for each result row.
template <typename Row>
void for_each_row(sqlite3* db, const std::filesystem::path& path, const std::string& sql, Row&& row) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
    Statement guard(raw);
    throw sdk::Error("annotation database '" + path.string() + "' cannot answer '" + sql + "': " +
                     sqlite3_errmsg(db) + "; is it the right file (org.Hs.eg.sqlite / GO.sqlite)? " + kFetchHint);
  }
  Statement statement(raw);
  int code = SQLITE_OK;
  while ((code = sqlite3_step(statement.get())) == SQLITE_ROW) row(statement.get());
  if (code != SQLITE_DONE)
    throw sdk::Error("reading annotation database '" + path.string() + "' failed: " + sqlite3_errmsg(db));
}

std::string text(sqlite3_stmt* statement, int column) {
  const auto* value = sqlite3_column_text(statement, column);
  return value ? std::string(reinterpret_cast<const char*>(value),
                             static_cast<std::size_t>(sqlite3_column_bytes(statement, column)))
               : std::string{};
}

void load_org_db(const std::filesystem::path& path, AnnotationTables& tables) {
  const Database db = open_read_only(path);
  // org.Hs.eg.db keys every table by an internal _id; map it to the Entrez id.
  std::unordered_map<std::int64_t, std::int64_t> entrez_of;
  for_each_row(db.get(), path,
               "SELECT g._id, g.gene_id, i.symbol, i.gene_name, t.gene_type FROM genes g "
               "LEFT JOIN gene_info i ON i._id = g._id LEFT JOIN genetype t ON t._id = g._id",
               [&](sqlite3_stmt* s) {
                 const std::string gene_id = text(s, 1);
                 std::int64_t entrez = -1;
                 const auto [end, error] = std::from_chars(gene_id.data(), gene_id.data() + gene_id.size(), entrez);
                 if (error != std::errc() || end != gene_id.data() + gene_id.size())
                   throw sdk::Error("annotation database '" + path.string() + "': genes.gene_id '" + gene_id +
                                    "' is not an Entrez id");
                 entrez_of[sqlite3_column_int64(s, 0)] = entrez;
                 GeneRecord& record = tables.genes[entrez];
                 record.entrez_id = entrez;
                 record.symbol = text(s, 2);
                 record.gene_name = text(s, 3);
                 record.gene_type = text(s, 4);
               });
  const auto entrez = [&](sqlite3_stmt* s) {
    const auto it = entrez_of.find(sqlite3_column_int64(s, 0));
    return it == entrez_of.end() ? std::int64_t{-1} : it->second;
  };
  // rowid order keeps the primary-assembly Ensembl id first, as the TSV export does.
  for_each_row(db.get(), path, "SELECT _id, ensembl_id FROM ensembl ORDER BY rowid", [&](sqlite3_stmt* s) {
    if (const auto id = entrez(s); id >= 0) tables.genes[id].ensembl_ids.push_back(text(s, 1));
  });
  for_each_row(db.get(), path, "SELECT _id, alias_symbol FROM alias", [&](sqlite3_stmt* s) {
    if (const auto id = entrez(s); id >= 0) tables.aliases[id].push_back(text(s, 1));
  });
  for (const Ontology ontology : {Ontology::BP, Ontology::CC, Ontology::MF}) {
    std::string table = "go_" + to_string(ontology);
    for (char& c : table) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for_each_row(db.get(), path, "SELECT _id, go_id, evidence FROM " + table, [&](sqlite3_stmt* s) {
      if (const auto id = entrez(s); id >= 0) tables.go[id].push_back(GoAnnotation{text(s, 1), ontology, text(s, 2)});
    });
  }
  tables.has_aliases = true;
}

void load_go_db(const std::filesystem::path& path, AnnotationTables& tables) {
  const Database db = open_read_only(path);
  for_each_row(db.get(), path, "SELECT go_id, term, ontology, definition FROM go_term", [&](sqlite3_stmt* s) {
    const auto ontology = ontology_from_string(text(s, 2));
    if (!ontology) return;  // the root "all" term (ontology "universal")
    GoTerm term{text(s, 0), *ontology, text(s, 1), text(s, 3)};
    std::string id = term.go_id;
    tables.go_terms.emplace(std::move(id), std::move(term));
  });
}

}  // namespace

SqliteAnnotationSource::SqliteAnnotationSource(const std::filesystem::path& org_db, const std::filesystem::path& go_db,
                                               const std::optional<std::filesystem::path>& extras_dir) {
  AnnotationTables tables;
  load_org_db(org_db, tables);
  load_go_db(go_db, tables);
  if (extras_dir) load_optional_extras(*extras_dir, tables);
  set_tables(std::move(tables), "Bioconductor databases " + org_db.string() + " and " + go_db.string());
}

std::filesystem::path bioconductor_cache_dir() {
  const char* cache = std::getenv("TRELLIS_CACHE_DIR");
  if (cache != nullptr && *cache != '\0') return std::filesystem::path(cache) / "bioconductor";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home ? home : ".") / ".cache" / "trellis" / "bioconductor";
}

std::optional<std::filesystem::path> find_cached_database(const std::string& file_name) {
  const auto root = bioconductor_cache_dir();
  std::error_code error;
  if (!std::filesystem::is_directory(root, error)) return std::nullopt;
  for (auto it = std::filesystem::recursive_directory_iterator(root, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error))
    if (it->path().filename() == file_name && it->is_regular_file(error)) return it->path();
  return std::nullopt;
}

}  // namespace trellis::core::annotation

#pragma once
// Where gene knowledge comes from: a source answers per-gene questions keyed
// by NCBI Entrez id, and maps the names datasets use (symbols, aliases,
// Ensembl ids) to Entrez ids. TsvAnnotationSource and SqliteAnnotationSource
// are interchangeable implementations.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace trellis::core::annotation {

/// The three Gene Ontology namespaces.
enum class Ontology { BP, CC, MF };

/// "BP", "CC", "MF".
std::string to_string(Ontology ontology);
/// Inverse of to_string (also accepts "biological_process", ...); nullopt otherwise.
std::optional<Ontology> ontology_from_string(const std::string& name);

/// One gene as NCBI Gene describes it.
struct GeneRecord {
  std::int64_t entrez_id = -1;
  std::string symbol;                    ///< official symbol, e.g. "TP53"
  std::string gene_name;                 ///< short name, e.g. "tumor protein p53"
  std::string gene_type;                 ///< NCBI type: "protein-coding", "ncRNA", "pseudo", ...
  std::vector<std::string> ensembl_ids;  ///< primary assembly first, as the source lists them
};

/// One GO annotation of a gene (a term may appear once per evidence code).
struct GoAnnotation {
  std::string go_id;
  Ontology ontology = Ontology::BP;
  std::string evidence;  ///< e.g. "IDA", "IEA"
};

/// A GO term's text.
struct GoTerm {
  std::string go_id;
  Ontology ontology = Ontology::BP;
  std::string name;        ///< e.g. "immune response"
  std::string definition;
};

/// How a dataset's gene name was matched.
enum class MatchKind {
  symbol,                   ///< the official symbol, exactly
  ensembl,                  ///< an Ensembl gene id (version suffix ignored)
  alias,                    ///< a previous symbol or alias, exactly
  symbol_case_insensitive,  ///< the official symbol, ignoring case
  alias_case_insensitive,   ///< an alias, ignoring case
  ambiguous,                ///< an alias shared by several genes, none preferred
  none,                     ///< not found
};

/// "symbol", "ensembl", ...
std::string to_string(MatchKind kind);

/// Outcome of resolving one name.
struct SymbolMatch {
  std::int64_t entrez_id = -1;           ///< -1 when ambiguous or not found
  MatchKind kind = MatchKind::none;
  std::vector<std::int64_t> candidates;  ///< all genes the matching step found
};

/// Read-only gene knowledge. Implementations are immutable after
/// construction, so one source may be shared by threads.
class AnnotationSource {
 public:
  virtual ~AnnotationSource();

  /// Where the knowledge comes from, for messages (e.g. "TSV files in /data").
  virtual std::string describe() const = 0;
  /// Whether the source knows aliases (the TSV export has no alias table).
  virtual bool has_aliases() const = 0;

  /// The gene with this Entrez id, or nullopt.
  virtual std::optional<GeneRecord> gene(std::int64_t entrez_id) const = 0;
  /// Genes whose official symbol is `symbol` (exactly, or ignoring ASCII case).
  virtual std::vector<std::int64_t> find_symbol(const std::string& symbol, bool ignore_case) const = 0;
  /// Genes that list `alias` among their aliases; empty when has_aliases() is false.
  virtual std::vector<std::int64_t> find_alias(const std::string& alias, bool ignore_case) const = 0;
  /// Genes mapped to an Ensembl gene id (without version suffix).
  virtual std::vector<std::int64_t> find_ensembl(const std::string& ensembl_id) const = 0;

  /// GO annotations of a gene, all three ontologies, all evidence codes.
  virtual std::vector<GoAnnotation> go_annotations(std::int64_t entrez_id) const = 0;
  /// A GO term's name and definition, or nullopt for an unknown id.
  virtual std::optional<GoTerm> go_term(const std::string& go_id) const = 0;
  /// The RefSeq summary of a gene; empty when there is none.
  virtual std::string summary(std::int64_t entrez_id) const = 0;
  /// The first EPD promoter sequence of an Ensembl gene; empty when there is none.
  virtual std::string promoter(const std::string& ensembl_id) const = 0;

  /// Resolves a dataset's gene name to one gene. Steps, first hit wins:
  /// Ensembl id (for names starting "ENSG"), exact official symbol, exact
  /// alias, official symbol ignoring case, alias ignoring case.
  ///
  /// Several genes with one official symbol or Ensembl id are rare
  /// artefacts (tRNA copies, retired records of type "unknown"): the first
  /// non-"unknown" gene with the smallest Entrez id is taken. An alias shared
  /// by several genes is genuinely ambiguous: it resolves only when exactly
  /// one candidate is protein-coding (e.g. OCT4 -> POU5F1, not its
  /// pseudogenes), otherwise the match is `ambiguous` with the candidates
  /// listed, because wrong knowledge is worse than none.
  SymbolMatch resolve(const std::string& name, bool use_aliases = true) const;
};

}  // namespace trellis::core::annotation

#pragma once
/// @file data.hpp
/// The data a plugin sees: the gene universe with its knowledge, a read-only
/// view of a screen, perturbation conditions, and training batches.
///
/// The host fills these from the data layer; plugins only read them.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

/// Gene biotype classes (NCBI gene type refined by symbol and name rules).
enum class Biotype { protein_coding, lncRNA, miRNA, snoRNA, snRNA, pseudogene, other };

/// "protein_coding", "lncRNA", ...
TRELLIS_SDK_API std::string to_string(Biotype biotype);
/// Inverse of to_string; nullopt for an unknown name.
TRELLIS_SDK_API std::optional<Biotype> biotype_from_string(const std::string& name);

/// What a perturbation does to its target gene.
enum class PerturbationType { knockout, knockdown, activation, unknown };

TRELLIS_SDK_API std::string to_string(PerturbationType type);
/// Inverse of to_string; also reads the technology names screens record
/// (CRISPRa = activation, CRISPRi = knockdown, CRISPRko = knockout, any case).
TRELLIS_SDK_API std::optional<PerturbationType> perturbation_type_from_string(const std::string& name);

/// Everything known about one gene of the universe. Fields that a source
/// lacks stay empty (or -1 for ids).
struct TRELLIS_SDK_API Gene {
  std::string symbol;                 ///< HGNC symbol: the gene's key in Trellis
  std::string ensembl_id;
  std::int64_t entrez_id = -1;
  Biotype biotype = Biotype::other;
  std::string short_name;             ///< e.g. "signal transducer and activator of transcription 1"
  std::string description;            ///< long free text (RefSeq summary)
  std::string sequence;               ///< DNA (e.g. promoter), upper or lower case ACGTN
  std::vector<std::string> go_terms;  ///< GO ids, e.g. "GO:0006955"
  bool measured = false;              ///< expression is measured in the screen
};

/// The gene universe: measured genes plus perturbed genes that are not
/// measured. Row `i` of every feature tensor and node `i` of every graph is
/// gene `i` of this table.
class TRELLIS_SDK_API GeneTable {
 public:
  /// Appends a gene; throws trellis::sdk::Error on a duplicate symbol.
  std::int64_t add(Gene gene);
  std::int64_t size() const { return static_cast<std::int64_t>(genes_.size()); }
  const Gene& at(std::int64_t index) const;
  const std::vector<Gene>& genes() const { return genes_; }
  /// Index of a symbol, or nullopt.
  std::optional<std::int64_t> find(const std::string& symbol) const;
  /// Index of a symbol; throws trellis::sdk::Error naming it when absent.
  std::int64_t index_of(const std::string& symbol) const;
  /// Universe indices of the measured genes, in screen column order.
  const std::vector<std::int64_t>& measured() const { return measured_; }

 private:
  std::vector<Gene> genes_;
  std::unordered_map<std::string, std::int64_t> index_;
  std::vector<std::int64_t> measured_;
};

/// A perturbation condition: control, or a set of perturbed genes.
struct TRELLIS_SDK_API Condition {
  std::string name;                         ///< as spelled in the dataset, e.g. "KLF1+MAP2K6"
  std::vector<std::string> genes;           ///< perturbed gene symbols; empty for control
  std::vector<std::int64_t> gene_indices;   ///< their universe indices
  PerturbationType type = PerturbationType::unknown;
  /// The cell context the condition was measured in: the values of the
  /// `[data] context` columns joined by "/", e.g. "T98G". Empty when the
  /// screen has no contexts. A condition is the pair (perturbed genes,
  /// context), and its changes are taken against its own context's control.
  std::string context;

  bool is_control() const { return genes.empty(); }
};

/// Read-only view of a screen after preprocessing: cells x measured genes.
///
/// Expression is CSR: `indptr [cells + 1]` int64, `indices [nnz]` int32
/// (column = position in GeneTable::measured()), `values [nnz]` float32, on
/// the scale the models use (log1p of library-size-normalised counts).
struct TRELLIS_SDK_API Screen {
  const GeneTable* genes = nullptr;
  at::Tensor indptr;
  at::Tensor indices;
  at::Tensor values;
  std::vector<Condition> conditions;          ///< distinct conditions
  at::Tensor cell_condition;                  ///< [cells] int64 index into `conditions`
  std::map<std::string, std::vector<std::string>> covariates;  ///< per-cell covariates, e.g. cell_type

  std::int64_t num_cells() const;
  std::int64_t num_genes() const;
  /// Dense [n, genes] float32 expression of the given cells.
  at::Tensor dense_rows(const at::Tensor& cells) const;
  /// Cell ids (int64) of a condition.
  at::Tensor cells_of(std::int64_t condition) const;
  /// Mean expression [genes] over a condition's cells (pseudobulk).
  at::Tensor mean_of(std::int64_t condition) const;
  /// Index of the only control condition. Throws trellis::sdk::Error when
  /// there is none, or when the screen has several contexts (each has its
  /// own control: use control_of() or control_index(context)).
  std::int64_t control_index() const;
  /// Index of the control condition of `context`; throws trellis::sdk::Error
  /// naming the context when it has none.
  std::int64_t control_index(const std::string& context) const;
  /// Index of the control condition of `condition`'s context.
  std::int64_t control_of(std::int64_t condition) const;
  /// The distinct contexts in order of first appearance; {""} for a screen
  /// without contexts.
  std::vector<std::string> contexts() const;
  /// Index of a condition by name, or nullopt.
  std::optional<std::int64_t> find_condition(const std::string& name) const;
};

/// A mini-batch for a neural predictor.
///
/// Per-cell pairs: each row pairs a perturbed cell (`target`) with a sampled
/// control cell (`control`). Per-condition targets: `target` is a condition's
/// pseudobulk and `control` the control mean. Perturbed genes are given as a
/// flat list with the batch row each belongs to, so combinations of any size
/// sum with one scatter.
struct TRELLIS_SDK_API Batch {
  at::Tensor control;          ///< [B, G_measured]
  at::Tensor target;           ///< [B, G_measured]; undefined at prediction
  at::Tensor perturbed_gene;   ///< [K] int64 universe index of each perturbed gene
  at::Tensor perturbed_row;    ///< [K] int64 batch row of each perturbed gene
  at::Tensor perturbation_sign;  ///< [K] float: +1 activation, -1 knockdown/knockout
  std::vector<std::int64_t> condition;  ///< [B] index into Screen::conditions
  /// BatchMode::items only: [B] int64 indices in [0, TrainingStage::items),
  /// whose meaning is the predictor's (genes, modules, ...).
  at::Tensor items;
  std::int64_t size() const;
};

/// The perturbation part of a batch (perturbed_gene, perturbed_row,
/// perturbation_sign) for one row per condition, in order. Sign: +1 for
/// activation, -1 for knockdown and knockout, 0 when the type is unknown.
/// `control` and `target` are left undefined.
TRELLIS_SDK_API Batch perturbation_batch(const std::vector<const Condition*>& conditions);


}  // namespace trellis::sdk

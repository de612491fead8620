#pragma once
// 10x Genomics Cell Ranger matrix directories (matrix.mtx, features.tsv,
// barcodes.tsv; plain or gzip), including Perturb-seq runs with CRISPR
// guide capture, and folders holding one such directory per gem group.

#include <filesystem>
#include <string>

#include "trellis/sdk/table.hpp"

namespace trellis::core::io {

/// True when `dir` holds a 10x matrix (matrix.mtx[.gz]) or subdirectories
/// that each hold one.
bool is_10x_directory(const std::filesystem::path& dir);

/// The target a guide's name implies, or "" when it implies none: the name
/// without a trailing guide number such as "_grna3", "-sg2", "_guide1"
/// ("non-targeting_grna9" -> "non-targeting", "candidate_enh_1_grna1" ->
/// "candidate_enh_1").
std::string target_from_guide_name(const std::string& guide);

/// Reads a 10x matrix directory. Returns X = cells x "Gene Expression"
/// features (var index = feature name, made unique by appending "-1", "-2",
/// ... to repeats, as scanpy does; var columns `gene_ids` and
/// `feature_types`); obs index = barcodes. "CRISPR Guide Capture" features
/// become `guide_counts` (cells x guides) and `guides` (index = guide name,
/// column `target` from target_from_guide_name, "" when none can be
/// derived). Other feature types (e.g. antibody capture) are left out and
/// counted in uns["10x"]["dropped_features"]. Legacy genes.tsv (id, name)
/// is read as gene expression.
///
/// When `dir` has no matrix but subdirectories that do (one per gem group),
/// each is read in natural name order and the cells are concatenated: obs
/// column `gem_group` holds the subdirectory's trailing number (or its
/// 1-based position when the names have no distinct numbers), and when a
/// barcode occurs in more than one group every barcode gets the suffix
/// "-<gem_group>". All groups must list the same features.
///
/// Throws trellis::sdk::Error naming the file for a missing file, shapes
/// that disagree, or malformed content.
sdk::AnnData read_10x(const std::filesystem::path& dir);

}  // namespace trellis::core::io

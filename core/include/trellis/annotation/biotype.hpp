#pragma once
// Biotype classes from NCBI gene types, refined by symbol and name rules.

#include <string>

#include "trellis/sdk/data.hpp"

namespace trellis::core::annotation {

/// Classifies a gene.
///
/// NCBI types map directly: "protein-coding" -> protein_coding, "pseudo" ->
/// pseudogene, "snoRNA" -> snoRNA, "snRNA" -> snRNA; "rRNA", "tRNA",
/// "scRNA", "biological-region", "other", "unknown" and anything unknown ->
/// other. Ensembl-style biotypes ("protein_coding", "lncRNA", "miRNA",
/// "*_pseudogene", ...) are accepted too.
///
/// NCBI's "ncRNA" lumps several classes; rules on symbol and name, first
/// match wins:
///  1. name contains "host gene" (MIR17HG, SNHG1) -> lncRNA: the host
///     transcript is a long RNA even though its symbol starts with MIR/SN;
///  2. symbol MIR<digit> / MIRLET, or name contains "microRNA" -> miRNA;
///  3. symbol SNORD / SNORA / SCARNA, or name contains "small nucleolar" /
///     "small Cajal body" -> snoRNA (scaRNAs are snoRNA-like guides);
///  4. symbol RNU / RNVU, or name contains "small nuclear" -> snRNA;
///  5. small structured RNAs that are neither long nor one of the classes
///     above: Y RNAs (RNY), vault RNAs (VTRNA), TERC, RMRP, RPPH1, RN7SL ->
///     other;
///  6. everything else -> lncRNA. This covers the explicit markers (LINC...,
///     "-AS<n>" / "-DT" / "-IT" / "-OT" suffixes, "antisense", "long
///     intergenic", "long non-coding", "lncRNA", "divergent transcript") and
///     also the ~14,000 "uncharacterized LOC..." records and named
///     transcripts such as MALAT1, NEAT1 and XIST: NCBI files almost all of
///     these as lncRNA in RefSeq, so calling them lncRNA is right far more
///     often than "other" would be.
sdk::Biotype classify_biotype(const std::string& ncbi_gene_type, const std::string& symbol,
                              const std::string& gene_name);

}  // namespace trellis::core::annotation

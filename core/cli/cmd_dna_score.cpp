// `trellis dna score`: variants scored zero-shot by a trained DNA language
// model beside the 3-mer context and (for MPRA elements) position
// baselines; with an MPRA table, the scores are also evaluated against the
// measured effects.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "run_dir.hpp"
#include "trellis/dna/context_counts.hpp"
#include "trellis/dna/model_loading.hpp"
#include "trellis/dna/mpra_evaluation.hpp"
#include "trellis/dna/variant_scoring.hpp"
#include "trellis/dna/variants.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/dna_model.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/util/atomic_file.hpp"

namespace trellis::core::cli {

namespace {

namespace fs = std::filesystem;

struct ScoreArgs {
  std::string model;
  std::string variants;
  std::string mpra;
  std::string out;
  std::int64_t flank = 150;
  std::int64_t min_flank = 20;
  std::int64_t batch_size = 64;
  double significance = 1e-5;
};

std::string text(double v) {
  if (std::isnan(v)) return "NA";
  char s[32];
  std::snprintf(s, sizeof s, "%.6g", v);
  return s;
}

std::string scores_tsv(const std::vector<dna::Variant>& variants, const std::vector<dna::MethodScores>& methods) {
  std::ostringstream out;
  out << "chrom\tpos\tref\talt\telement\tcoefficient\tp_value";
  for (const auto& m : methods) out << '\t' << m.method;
  out << '\n';
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const auto& v = variants[i];
    out << v.chrom << '\t' << v.pos << '\t' << v.ref << '\t' << v.alt << '\t' << v.element << '\t'
        << text(v.coefficient) << '\t' << text(v.p_value);
    for (const auto& m : methods) out << '\t' << text(m.scores[i]);
    out << '\n';
  }
  return out.str();
}

void run_score(const GlobalOptions& global, const ScoreArgs& args) {
  configure_logging(global);
  if (args.variants.empty() == args.mpra.empty())
    throw sdk::Error("give exactly one of --variants (a table with reference windows) and --mpra (Kircher et al.'s "
                     "MPRA table)");
  const auto host = load_plugins(global, nullptr);
  const int threads = configure_threads(global, 0);
  sdk::DnaModelHeader header;
  const auto model = dna::load_dna_model(*host, args.model, header);
  if (!header.training.contains("context_counts"))
    throw sdk::Error("the model file '" + args.model + "' has no base counts for the 3-mer baseline; train it with "
                     "`trellis dna train`");
  const auto counts = dna::ContextCounts::from_json(header.training["context_counts"], "'" + args.model + "'");

  std::vector<dna::Variant> variants;
  if (!args.mpra.empty())
    variants = dna::read_mpra(args.mpra).variants;
  else
    variants = dna::read_variant_table(args.variants, args.min_flank);
  StagedDir out(args.out);
  spdlog::info("scoring {} variants with {} ({}), windows of {} bp, {} threads", variants.size(), args.model,
               header.architecture, 2 * args.flank + 1, threads);

  dna::ScoreSettings settings;
  settings.flank = args.flank;
  settings.batch_size = args.batch_size;
  const auto started = std::chrono::steady_clock::now();
  std::vector<dna::MethodScores> methods{{"dnalm", dna::score_with_model(*model, variants, settings)}};
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  methods.push_back({"context3", dna::score_with_context(counts, variants, args.flank)});
  if (!args.mpra.empty()) methods.push_back({"position", dna::score_by_position(variants)});

  std::int64_t deletions = 0;
  for (const auto& v : variants) deletions += v.deletion() ? 1 : 0;
  const double rate = static_cast<double>(variants.size()) / seconds;
  nlohmann::json summary = {{"model", args.model},
                            {"architecture", header.architecture},
                            {"variants", variants.size()},
                            {"deletions", deletions},
                            {"window", 2 * args.flank + 1},
                            {"seconds", seconds},
                            {"variants_per_second", rate},
                            {"threads", threads}};
  util::write_file_atomic(out.path() / "scores.tsv", scores_tsv(variants, methods));
  if (!args.mpra.empty()) {
    const auto rows = dna::evaluate_mpra(variants, methods, args.significance);
    util::write_file_atomic(out.path() / "mpra_evaluation.tsv", dna::mpra_tsv(rows));
    std::cout << dna::mpra_summary(rows);
    summary["significance"] = args.significance;
  }
  util::write_file_atomic(out.path() / "score.json", summary.dump(2) + "\n");
  out.commit();
  std::printf("Scored %zu variants (%lld deletions) in %.1f s: %.0f variants/s. Output: %s\n", variants.size(),
              static_cast<long long>(deletions), seconds, rate, args.out.c_str());
}

}  // namespace

void add_dna_score_command(CLI::App& dna, GlobalOptions& global) {
  auto* score = dna.add_subcommand(
      "score", "Score variants zero-shot: log P(alt) - log P(ref) at the masked variant, both strands averaged");
  auto args = std::make_shared<ScoreArgs>();
  score->add_option("--model", args->model, "A model file written by `trellis dna train` (DIR/model.pt)")->required();
  score->add_option("--variants", args->variants,
                    "TSV with a header: chrom, pos, ref, alt, window_start, window (the + strand reference around "
                    "the variant)");
  score->add_option("--mpra", args->mpra,
                    "Kircher et al.'s saturation-mutagenesis table (Chrom, Pos, Ref, Alt, Coefficient, pValue, "
                    "Element): references rebuilt per element, scores evaluated against the effects");
  score->add_option("--out", args->out, "Output folder (new or empty): scores.tsv, score.json, mpra_evaluation.tsv")
      ->required();
  score->add_option("--flank", args->flank, "Bases each side of the variant in its window (windows of 2 flank + 1)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{100000}))
      ->capture_default_str();
  score->add_option("--min-flank", args->min_flank,
                    "--variants: a variant needs at least this many bases of its window on each side")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  score->add_option("--batch-size", args->batch_size, "Windows per forward pass")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  score->add_option("--significance", args->significance,
                    "--mpra: pValue below which a variant is significant (positives: significant with a negative "
                    "Coefficient; negatives: not significant)")
      ->capture_default_str();
  score->callback([&global, args] { run_score(global, *args); });
}

}  // namespace trellis::core::cli

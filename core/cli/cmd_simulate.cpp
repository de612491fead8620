// `trellis simulate`: a synthetic screen with known ground truth, as .h5ad
// plus the true network as TSV beside it.
#include <cstdlib>
#include <filesystem>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "trellis/io/h5ad.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/simulate/simulate.hpp"

namespace trellis::core::cli {

namespace {

namespace fs = std::filesystem;

// A default data file under $TRELLIS_DATA_DIR, or empty (with a note) when
// the variable is unset or the file is missing there.
fs::path data_file(const char* relative, const char* what) {
  const char* dir = std::getenv("TRELLIS_DATA_DIR");
  if (!dir || !*dir) return {};
  const fs::path file = fs::path(dir) / relative;
  std::error_code ec;
  if (fs::is_regular_file(file, ec)) return file;
  spdlog::warn("simulate: TRELLIS_DATA_DIR is set but has no {} ({}); using the built-in {}", relative, what, what);
  return {};
}

}  // namespace

void add_simulate_command(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("simulate", "Write a synthetic Perturb-seq screen with a known regulatory network");
  struct Args {
    simulate::SimulationOptions options;
    std::string out;
    std::string genes_file;
    std::string baseline_file;
  };
  auto args = std::make_shared<Args>();
  auto& o = args->options;
  // Ranges are checked by simulate::validate, whose messages say how to fix them.
  cmd->add_option("--cells", o.cells, "Cells")->capture_default_str();
  cmd->add_option("--genes", o.genes, "Measured genes")->capture_default_str();
  cmd->add_option("--perturbations", o.perturbations, "Single-gene perturbation targets")->capture_default_str();
  cmd->add_option("--combos", o.combos, "Double perturbations (pairs of the targets)")->capture_default_str();
  cmd->add_option("--seed", o.seed, "Random seed")->capture_default_str();
  cmd->add_option("--out", args->out, "Output .h5ad; the network goes to the same name with .network.tsv")
      ->required();
  cmd->add_option("--type", o.type, "knockdown or activation")
      ->capture_default_str()->check(CLI::IsMember({"knockdown", "activation"}));
  cmd->add_option("--fold-min", o.fold_min, "Smallest fold change of a target (default: 0.1 knockdown, 3 activation)");
  cmd->add_option("--fold-max", o.fold_max, "Largest fold change of a target (default: 0.3 knockdown, 10 activation)");
  cmd->add_option("--control-fraction", o.control_fraction, "Share of control cells")->capture_default_str();
  cmd->add_option("--regulator-fraction", o.network.regulator_fraction, "Share of genes that regulate others")
      ->capture_default_str();
  cmd->add_option("--mean-out-degree", o.network.mean_out_degree, "Mean targets of a protein-coding regulator")
      ->capture_default_str();
  cmd->add_option("--noncoding-fraction", o.noncoding_fraction, "Share of lncRNA/miRNA genes")->capture_default_str();
  cmd->add_option("--unmeasured-fraction", o.unmeasured_fraction, "Share of perturbed genes outside the measured ones")
      ->capture_default_str();
  cmd->add_option("--interaction-fraction", o.interaction_fraction, "Share of doubles with a non-additive term")
      ->capture_default_str();
  cmd->add_option("--library-size", o.library_median, "Median UMIs per cell")->capture_default_str();
  cmd->add_option("--genes-file", args->genes_file,
                  "Gene table (orghs_genes.tsv.gz); default $TRELLIS_DATA_DIR/genes/orghs_genes.tsv.gz, else synthetic names")
      ->check(CLI::ExistingFile);
  cmd->add_option("--baseline-file", args->baseline_file,
                  "NB baseline (perturbplan_K562_10x_baseline.tsv.gz); default under $TRELLIS_DATA_DIR/simulation/, "
                  "else log-normal")
      ->check(CLI::ExistingFile);
  cmd->callback([&global, args] {
    configure_logging(global);
    auto& options = args->options;
    const fs::path out = args->out;
    if (out.extension() != ".h5ad")
      throw sdk::Error("--out '" + args->out + "' must end in .h5ad (the network is written beside it as .network.tsv)");
    fs::path network_file = out;
    network_file.replace_extension(".network.tsv");
    options.genes_file = !args->genes_file.empty() ? fs::path(args->genes_file)
                                                    : data_file("genes/orghs_genes.tsv.gz", "gene names");
    options.baseline_file = !args->baseline_file.empty()
                                ? fs::path(args->baseline_file)
                                : data_file("simulation/perturbplan_K562_10x_baseline.tsv.gz", "baseline");
    options.threads = configure_threads(global, 0);
    if (out.has_parent_path()) {
      std::error_code ec;
      fs::create_directories(out.parent_path(), ec);
      if (ec) throw sdk::Error("cannot create the folder of --out '" + args->out + "': " + ec.message());
    }
    simulate::Network network;
    const sdk::AnnData data = simulate::simulate(options, &network);
    io::write_h5ad(data, out);
    simulate::write_network_tsv(network, network_file);
    spdlog::info("simulate: wrote {} and {}", out.string(), network_file.string());
  });
}

}  // namespace trellis::core::cli

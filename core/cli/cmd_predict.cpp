// `trellis predict`: predictions for named conditions from a saved run.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>

#include <ATen/ATen.h>
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "trellis/config/config.hpp"
#include "trellis/data/data_config.hpp"
#include "trellis/experiment/predictions.hpp"
#include "trellis/experiment/prepare.hpp"
#include "trellis/experiment/requested.hpp"
#include "trellis/sdk/text_input.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/split/split_io.hpp"

namespace trellis::core::cli {

namespace fs = std::filesystem;

namespace {

// Conditions listed one per line; blank lines and # comments are skipped.
void append_conditions(const std::string& file, std::vector<std::string>& out) {
  sdk::TextInput in(file);
  std::string_view line;
  while (in.next(line)) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    out.emplace_back(line);
  }
}

}  // namespace

void add_predict_command(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("predict", "Predict named conditions (also unseen combinations) from a saved run");
  struct Args {
    std::string run;
    std::vector<std::string> perturb;
    std::string perturb_file;
    std::string out;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--run", args->run, "Run directory written by `trellis run`")->required();
  cmd->add_option("--perturb", args->perturb, "A condition, e.g. A+B (repeatable)");
  cmd->add_option("--perturb-file", args->perturb_file,
                  "A file of conditions, one per line (blank lines and lines starting with # are skipped)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", args->out, "Output file: .h5ad or .csv")->required();
  cmd->callback([&global, args] {
    configure_logging(global);
    if (!args->perturb_file.empty()) append_conditions(args->perturb_file, args->perturb);
    if (args->perturb.empty())
      throw sdk::Error("name the conditions to predict with --perturb A+B (repeatable) or --perturb-file FILE");
    const fs::path run_dir(args->run);
    const fs::path out(args->out);
    if (out.extension() != ".h5ad" && out.extension() != ".csv")
      throw sdk::Error("--out '" + args->out + "': use a .h5ad or .csv file name");
    for (const char* required : {"config.toml", "split.toml", "model.pt"})
      if (!fs::exists(run_dir / required))
        throw sdk::Error("'" + (run_dir / required).string() + "' does not exist: " +
                         (std::string(required) == "model.pt"
                              ? "this run's predictor could not be saved (see its run.json); run it again"
                              : "is '" + args->run + "' a run directory written by `trellis run`?"));
    const toml::table config = config::load(run_dir / "config.toml");
    configure_threads(global, config["threads"].value_or<std::int64_t>(0));
    const auto host = load_plugins(global, &config);
    const auto prepared = experiment::prepare(config, *host, split::read_split(run_dir / "split.toml"));
    const auto data_config = data::parse_data_config(config::to_json(*config.get_as<toml::table>("data")));
    const auto conditions = experiment::requested_conditions(args->perturb, prepared->screen(), data_config.format);

    sdk::Predictor& predictor = *prepared->model.predictor;
    const plugin::Origin& origin = prepared->model.origin("model.predictor");
    plugin::guarded(origin, "load", [&] { predictor.load((run_dir / "model.pt").string(), prepared->context); });
    const auto started = std::chrono::steady_clock::now();
    const at::Tensor predicted = plugin::guarded(origin, "predict", [&] { return predictor.predict(conditions); });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const auto expected_cols = static_cast<std::int64_t>(prepared->screen().num_genes());
    if (predicted.dim() != 2 || predicted.size(0) != static_cast<std::int64_t>(conditions.size()) ||
        predicted.size(1) != expected_cols)
      throw sdk::Error("the predictor returned a tensor of the wrong shape; expected [" +
                       std::to_string(conditions.size()) + ", " + std::to_string(expected_cols) + "]");
    if (!at::isfinite(predicted).all().item<bool>())
      throw sdk::Error("the predictor returned NaN or infinite values; the saved model may be damaged");

    std::vector<std::string> seen;
    for (const auto& c : conditions) {
      const auto in = [&](const std::vector<std::string>& set) {
        return std::find(set.begin(), set.end(), c.name) != set.end();
      };
      const auto& s = prepared->split;
      seen.push_back(in(s.train) ? "train" : in(s.val) ? "val" : in(s.test) ? "test" : "unseen");
    }
    experiment::write_predictions(
        {args->perturb, experiment::measured_gene_names(prepared->screen()), predicted, {{"split_set", seen}}}, out);
    std::cout << "Predicted " << conditions.size() << " conditions x " << expected_cols << " genes in "
              << seconds << " s (" << static_cast<double>(conditions.size()) / std::max(seconds, 1e-9)
              << " conditions/s) -> " << out.string() << "\n";
  });
}

}  // namespace trellis::core::cli

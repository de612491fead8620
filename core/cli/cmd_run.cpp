// `trellis run`: resolve a config, build the model it names, record the run.
#include <filesystem>
#include <iostream>
#include <map>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "trellis/config/config.hpp"
#include "trellis/data/screen_loader.hpp"
#include "trellis/model/assembly.hpp"
#include "trellis/preprocess/pipeline.hpp"
#include "trellis/sdk/split.hpp"
#include "trellis/split/condition_sets.hpp"
#include "trellis/split/split_io.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/util/atomic_file.hpp"

namespace trellis::core::cli {

namespace fs = std::filesystem;

namespace {

// Fails before any work when results could not be saved.
void prepare_run_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw sdk::Error("cannot create run directory '" + dir.string() + "': " + ec.message());
  try {
    util::write_file_atomic(dir / ".write_test", "ok");
  } catch (const std::exception& e) {
    throw sdk::Error("run directory '" + dir.string() + "' is not writable: " + e.what());
  }
  fs::remove(dir / ".write_test", ec);
}

// Removes a run directory this run created if the run fails, so a failed
// run leaves nothing behind that looks like a result.
class RunDirGuard {
 public:
  explicit RunDirGuard(fs::path dir) : dir_(std::move(dir)), created_(!fs::exists(dir_)) {}
  ~RunDirGuard() {
    std::error_code ec;
    if (created_ && !kept_) fs::remove_all(dir_, ec);
  }
  void keep() { kept_ = true; }

 private:
  fs::path dir_;
  bool created_;
  bool kept_ = false;
};

// Loads [data], caches its preprocessing, splits its conditions as [split]
// says, and records the split in the run directory.
void load_and_split(const toml::table& config, const plugin::PluginHost& host, const fs::path& run_dir) {
  const auto* data_table = config.get_as<toml::table>("data");
  if (!data_table) {
    spdlog::info("no [data] in the config: building the model only");
    return;
  }
  const data::LoadedScreen loaded = data::load_screen(data::parse_data_config(config::to_json(*data_table)), host);
  spdlog::info("data:\n{}", data::describe(loaded));
  preprocess::save_preprocessed(run_dir, loaded.preprocessed);

  nlohmann::json split_options = nlohmann::json::object();
  if (const auto* t = config.get_as<toml::table>("split")) split_options = config::to_json(*t);
  const std::string type = split_options.value("type", std::string("simulation"));
  const std::uint64_t seed = split_options.value("seed", config["seed"].value_or<std::int64_t>(0));
  split_options.erase("type");
  split_options.erase("seed");
  const auto splitter = host.create<sdk::Splitter>(sdk::Kind::splitter, type, split_options, "[split]");

  const sdk::Screen& screen = loaded.data->screen;
  std::vector<sdk::Condition> perturbed;
  std::map<std::string, std::int64_t> cells;
  for (std::size_t i = 0; i < screen.conditions.size(); ++i) {
    if (screen.conditions[i].is_control()) continue;
    perturbed.push_back(screen.conditions[i]);
    cells[screen.conditions[i].name] = screen.cells_of(static_cast<std::int64_t>(i)).size(0);
  }
  const sdk::Split split = splitter->split(perturbed, seed);
  split::validate_split(split, perturbed, "[split] (" + type + ")");
  split::write_split(split, run_dir / "split.toml");
  spdlog::info("split ({}, seed {}):\n{}", type, seed, split::summarise(split, cells));
}

std::string plugins_toml(const plugin::PluginHost& host) {
  toml::array list;
  for (const auto& p : host.plugins())
    list.push_back(toml::table{{"name", p->name}, {"version", p->version}, {"library", p->path.string()}});
  return config::to_toml(toml::table{{"plugins", list}});
}

}  // namespace

void add_run_command(CLI::App& app, GlobalOptions& global) {
  auto* run = app.add_subcommand("run", "Run one experiment: build the model a config names");
  struct Args {
    std::string file;
    std::vector<std::string> overrides;
    std::string out;
  };
  auto args = std::make_shared<Args>();
  run->add_option("EXPERIMENT", args->file, "Experiment config (TOML)")->required();
  run->add_option("--set", args->overrides, "Override KEY=VALUE (value parsed as TOML; repeatable)");
  run->add_option("--out", args->out, "Run directory (default: runs/<experiment name>)");
  run->callback([&global, args] {
    configure_logging(global);
    const toml::table config = load_config(args->file, args->overrides);
    const fs::path run_dir = args->out.empty() ? fs::path("runs") / fs::path(args->file).stem() : fs::path(args->out);
    RunDirGuard guard(run_dir);
    prepare_run_dir(run_dir);
    const int threads = configure_threads(global, config["threads"].value_or<std::int64_t>(0));
    spdlog::info("experiment {} -> {} ({} threads)", args->file, run_dir.string(), threads);

    const auto host = load_plugins(global, &config);
    load_and_split(config, *host, run_dir);
    const auto model = model::assemble(config, *host);
    std::cout << "Built " << model.provenance.size() << " components:\n";
    for (const auto& p : model.provenance)
      std::cout << "  [" << p.table << "] " << p.key << "  (plugin " << p.plugin << " " << p.version << ")\n";

    config::write_resolved(config, run_dir);
    util::write_file_atomic(run_dir / "plugins.toml", plugins_toml(*host));
    std::cout << "Run directory: " << run_dir.string() << "\n";
    guard.keep();
  });
}

}  // namespace trellis::core::cli

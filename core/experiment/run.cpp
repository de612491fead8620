// `trellis run`: fit, predict the test conditions, evaluate, record.
#include "trellis/experiment/run.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <optional>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <torch/utils.h>

#include "trellis/config/config.hpp"
#include "trellis/experiment/config_schema.hpp"
#include "trellis/experiment/predictions.hpp"
#include "trellis/experiment/prepare.hpp"
#include "trellis/preprocess/pipeline.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/split/split_io.hpp"
#include "trellis/train/trainer.hpp"
#include "trellis/eval/structure_recovery.hpp"
#include "trellis/util/atomic_file.hpp"
#include "trellis_git_commit.hpp"

namespace trellis::core::experiment {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::int64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::int64_t>(usage.ru_maxrss) * 1024;  // Linux reports kB
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buffer;
}

std::string host_name() {
  char buffer[256] = {0};
  gethostname(buffer, sizeof buffer - 1);
  return buffer;
}

std::vector<sdk::Condition> conditions_of(const sdk::Screen& screen, const std::vector<std::int64_t>& indices) {
  std::vector<sdk::Condition> out;
  out.reserve(indices.size());
  for (std::int64_t i : indices) out.push_back(screen.conditions.at(static_cast<std::size_t>(i)));
  return out;
}

// The subgroup(s) of each test condition, for the predictions' obs.
std::vector<std::string> subgroup_column(const sdk::Split& split) {
  std::vector<std::string> out;
  for (const auto& name : split.test) {
    std::string groups;
    for (const auto& [group, members] : split.subgroups)
      if (std::find(members.begin(), members.end(), name) != members.end())
        groups += (groups.empty() ? "" : ";") + group;
    out.push_back(groups);
  }
  return out;
}

void flatten(const nlohmann::json& j, const std::string& prefix, std::map<std::string, nlohmann::json>& out) {
  if (j.is_object() && !j.empty()) {
    for (const auto& [key, value] : j.items()) flatten(value, prefix.empty() ? key : prefix + "." + key, out);
  } else {
    out[prefix] = j;
  }
}

// The model's input graphs as gene-symbol TSVs, for inspection and for
// `trellis graph score`.
void write_graphs(const Prepared& p, const fs::path& folder) {
  if (p.context.graphs.empty()) return;
  fs::create_directories(folder);
  for (const auto& [name, graph] : p.context.graphs)
    eval::write_graph_tsv(graph, p.loaded.data->genes, folder / (name + ".tsv"));
}

}  // namespace

std::vector<std::string> differing_keys(const toml::table& a, const toml::table& b) {
  std::map<std::string, nlohmann::json> fa, fb;
  flatten(config::to_json(a), "", fa);
  flatten(config::to_json(b), "", fb);
  std::vector<std::string> keys;
  for (const auto& [key, value] : fa) {
    const auto it = fb.find(key);
    if (it == fb.end() || it->second != value) keys.push_back(key);
  }
  for (const auto& [key, value] : fb)
    if (!fa.count(key)) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  return keys;
}

RunResult run(const toml::table& config, const plugin::PluginHost& host, const RunOptions& options) {
  const auto start = Clock::now();
  const std::string started_at = utc_now();
  const fs::path& dir = options.run_dir;
  check_config(config, host);  // top level, device, [eval], [split]: before any data is loaded
  const EvalSettings eval = eval_settings(config);
  // Metrics first: a misspelt metric fails before any data is loaded.
  const auto metrics = eval::create_metrics(host, eval.metrics);

  const auto prepared = prepare(config, host);
  Prepared& p = *prepared;
  split::write_split(p.split, dir / "split.toml");
  preprocess::save_preprocessed(dir, p.loaded.preprocessed);
  write_graphs(p, dir / "graphs");
  const sdk::Screen& screen = p.screen();
  const preprocess::Preprocessed& pre = p.loaded.preprocessed;
  const std::uint64_t seed = p.context.seed;
  p.context.run_dir = dir.string();

  sdk::Predictor& predictor = *p.model.predictor;
  std::optional<train::Trainer> trainer;
  nlohmann::json training = nullptr;
  const auto* train_table = config.get_as<toml::table>("train");
  if (auto* neural = dynamic_cast<sdk::NeuralPredictor*>(&predictor)) {
    train::TrainerOptions topts;
    topts.settings = train::resolve_settings(neural->training_defaults(),
                                             train_table ? config::to_json(*train_table) : nlohmann::json::object(),
                                             "[train]");
    std::shared_ptr<eval::NamedMetric> stop_metric;
    try {
      stop_metric = std::make_shared<eval::NamedMetric>(
          eval::create_metrics(host, {topts.settings.early_stopping_metric}).at(0));
    } catch (const std::exception& e) {
      throw sdk::Error(std::string("[train].early_stopping_metric: ") + e.what());
    }
    topts.direction = stop_metric->metric->direction();
    if (!p.val.empty()) {
      topts.validate = [&p, &pre, stop_metric](sdk::NeuralPredictor& model) {
        eval::EvaluationInput in;
        in.screen = &p.screen();
        in.preprocessed = &pre;
        in.conditions = p.val;
        in.predicted = model.predict(conditions_of(p.screen(), p.val));
        return eval::score(in, *stop_metric);
      };
    } else {
      spdlog::warn("the split has no validation conditions: the last epoch is kept, no early stopping");
    }
    topts.checkpoint_dir = dir / "checkpoints";
    topts.resume = options.resume;
    topts.seed = seed;
    topts.progress_bar = options.progress_bar;
    training = {{"settings", train::to_json(topts.settings)}};
    trainer.emplace(p.context, std::move(topts));
    p.context.trainer = &*trainer;
  } else if (train_table && !train_table->empty()) {
    spdlog::warn("[train] is ignored: {} is fitted in closed form", p.model.provenance.front().key);
  }

  // Parameter initialisation happens in prepare(), inside fit(): seed it.
  torch::manual_seed(seed);
  const auto fit_start = Clock::now();
  predictor.fit(p.context);
  const double fit_seconds = seconds_since(fit_start);
  spdlog::info("fitted in {:.2f} s", fit_seconds);
  if (trainer) {
    const auto& r = trainer->report();
    training["epochs_run"] = r.epochs_run;
    training["best_epoch"] = r.best_epoch;
    training["best_score"] = r.best_score;
    training["stopped_early"] = r.stopped_early;
    training["train_loss"] = r.train_loss;
    training["val_score"] = r.val_score;
  }
  bool saved = true;
  try {
    predictor.save((dir / "model.pt").string());
  } catch (const sdk::Error& e) {
    saved = false;
    spdlog::warn("{}: `trellis predict` cannot use this run", e.what());
  }

  const auto predict_start = Clock::now();
  const std::vector<sdk::Condition> test = conditions_of(screen, p.test);
  eval::EvaluationInput input;
  input.screen = &screen;
  input.preprocessed = &pre;
  input.conditions = p.test;
  input.predicted = predictor.predict(test);
  input.subgroups = p.split.subgroups;
  if (eval.sample_cells > 0) input.predicted_cells = predictor.sample(test, eval.sample_cells, seed);
  const double predict_seconds = seconds_since(predict_start);

  RunResult result;
  result.evaluation = eval::evaluate(input, metrics);
  eval::write_metrics(result.evaluation, dir);
  const std::vector<std::string> genes = measured_gene_names(screen);
  eval::write_top_de(input, genes, dir);
  PredictionTable table{p.split.test, genes, input.predicted, {{"subgroup", subgroup_column(p.split)}}};
  write_predictions(table, dir / "predictions.h5ad");

  for (const auto& m : eval.headline)
    if (result.evaluation.overall.count(m)) result.headline.push_back(m);
  result.wall_seconds = seconds_since(start);
  nlohmann::json info = {
      {"trellis_version", TRELLIS_VERSION},
      {"git_commit", TRELLIS_GIT_COMMIT},
      {"started_at", started_at},
      {"host", host_name()},
      {"threads", options.threads},
      {"seed", seed},
      {"split", {{"type", p.split_type}, {"seed", p.split_seed}}},
      {"predictor", p.model.provenance.front().key},
      {"model_saved", saved},
      {"wall_seconds", result.wall_seconds},
      {"fit_seconds", fit_seconds},
      {"predict_seconds", predict_seconds},
      {"peak_rss_bytes", peak_rss_bytes()},
      {"test_conditions", p.test.size()},
      {"training", training},
  };
  util::write_file_atomic(dir / "run.json", info.dump(2) + "\n");
  return result;
}

}  // namespace trellis::core::experiment

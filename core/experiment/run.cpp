// `trellis run`: fit, predict the test conditions, evaluate, record.
#include "trellis/experiment/run.hpp"

#include <chrono>
#include <optional>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <torch/utils.h>

#include "trellis/config/config.hpp"
#include "trellis/eval/settings.hpp"
#include "trellis/experiment/config_schema.hpp"
#include "trellis/experiment/network_task.hpp"
#include "trellis/experiment/perturbation_trace.hpp"
#include "trellis/experiment/prepare.hpp"
#include "trellis/experiment/run_record.hpp"
#include "trellis/experiment/scoring.hpp"
#include "trellis/preprocess/pipeline.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/fit_support.hpp"
#include "trellis/sdk/trace.hpp"
#include "trellis/split/split_io.hpp"
#include "trellis/train/residual_target.hpp"
#include "trellis/train/trainer.hpp"
#include "trellis/eval/structure_recovery.hpp"
#include "trellis/util/atomic_file.hpp"

namespace trellis::core::experiment {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<sdk::Condition> conditions_of(const sdk::Screen& screen, const std::vector<std::int64_t>& indices) {
  std::vector<sdk::Condition> out;
  out.reserve(indices.size());
  for (std::int64_t i : indices) out.push_back(screen.conditions.at(static_cast<std::size_t>(i)));
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
  const eval::EvalSettings eval = eval::parse_eval_settings(config);
  // Metrics first: a misspelt metric fails before any data is loaded.
  const Task task = task_of(config);
  std::vector<eval::NamedMetric> metrics;
  std::vector<eval::NamedGraphMetric> graph_metrics;
  std::optional<SupervisedSettings> supervised;
  if (task == Task::network) {
    graph_metrics = eval::create_graph_metrics(host, eval.metrics, eval.network);
    check_network_task(config, host);
    if (!eval.supervised.is_null()) supervised = parse_supervised(eval.supervised);
  } else {
    if (!eval.supervised.is_null())
      throw sdk::Error("[eval.supervised] scores an inferred network: it needs task = \"network\"");
    metrics = eval::create_metrics(host, eval.metrics);
  }

  const auto prepared = prepare(config, host);
  Prepared& p = *prepared;
  std::optional<sdk::GraphMetricInput> network_truth;
  std::vector<std::string> truth_as_prior;
  if (task == Task::network) {
    network_truth = load_network_truth(p, config);
    truth_as_prior = check_truth_as_prior(p, *network_truth, config);
  }
  split::write_split(p.split, dir / "split.toml");
  preprocess::save_preprocessed(dir, p.loaded.preprocessed);
  write_graphs(p, dir / "graphs");
  const sdk::Screen& screen = p.screen();
  const preprocess::Preprocessed& pre = p.loaded.preprocessed;
  const std::uint64_t seed = p.context.seed;
  p.context.run_dir = dir.string();

  sdk::Predictor& predictor = *p.model.predictor;
  auto* traceable = dynamic_cast<sdk::Traceable*>(&predictor);
  if (eval.trace && !traceable)
    throw sdk::Error("[eval] trace = true needs a predictor that shows its intermediates (sdk::Traceable); " +
                     p.model.provenance.front().key +
                     " does not: remove 'trace' or use e.g. predictor/grape or predictor/gears");
  // A network from [model.network] needs no fitted predictor.
  const bool fit_predictor = task == Task::response || !p.model.network;
  std::optional<train::Trainer> trainer;
  nlohmann::json training = nullptr;
  const auto* train_table = config.get_as<toml::table>("train");
  if (auto* neural = fit_predictor ? dynamic_cast<sdk::NeuralPredictor*>(&predictor) : nullptr) {
    train::TrainerOptions topts;
    const std::vector<sdk::TrainingStage> stages = neural->stages();
    nlohmann::json train_json = train_table ? config::to_json(*train_table) : nlohmann::json::object();
    const train::Target target = train::take_target(train_json);
    topts.control_shift = train::apply_target(target, p.context);
    topts.stage_settings =
        train::resolve_stage_settings(stages, train_json, p.model.origin("model.predictor").key);
    // The stage that fits expression ("fit", else the last) sets the early-stopping metric.
    const auto fit = topts.stage_settings.find("fit");
    topts.settings = fit != topts.stage_settings.end() ? fit->second : topts.stage_settings.at(stages.back().name);
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
        in.reference_conditions = p.train;
        in.predicted = plugin::guarded(p.model.origin("model.predictor"), "predict",
                                       [&] { return model.predict(conditions_of(p.screen(), p.val)); });
        return eval::score(in, *stop_metric);
      };
    } else {
      spdlog::warn("the split has no validation conditions: the last epoch is kept, no early stopping");
    }
    topts.checkpoint_dir = dir / "checkpoints";
    topts.resume = options.resume;
    topts.seed = seed;
    topts.progress_bar = options.progress_bar;
    topts.profile_steps = options.profile_steps;
    topts.profile_dir = dir;
    training = {{"settings", train::to_json(topts.settings)}};
    if (stages.size() > 1)
      for (const auto& stage : stages) training["stage_settings"][stage.name] = train::to_json(topts.stage_settings.at(stage.name));
    training["target"] = train::target_name(target);
    trainer.emplace(p.context, std::move(topts));
    p.context.trainer = &*trainer;
  } else if (fit_predictor && train_table && !train_table->empty()) {
    spdlog::warn("[train] is ignored: {} is fitted in closed form", p.model.provenance.front().key);
  }

  // Parameter initialisation happens in prepare(), inside fit(): seed it.
  torch::manual_seed(seed);
  const auto fit_start = Clock::now();
  const plugin::Origin& origin = p.model.origin("model.predictor");
  if (fit_predictor) plugin::guarded(origin, "fit", [&] { predictor.fit(p.context); });
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
    training["scalars"] = r.scalars;
    if (r.stages.size() > 1) {
      training["stages"] = nlohmann::json::array();
      for (const auto& stage : r.stages)
        training["stages"].push_back({{"name", stage.name},
                                      {"epochs_run", stage.epochs_run},
                                      {"best_epoch", stage.best_epoch},
                                      {"train_loss", stage.train_loss},
                                      {"val_score", stage.val_score},
                                      {"scalars", stage.scalars}});
    }
  }
  bool saved = fit_predictor;
  if (fit_predictor) {
    try {
      plugin::guarded(origin, "save", [&] { predictor.save((dir / "model.pt").string()); });
    } catch (const plugin::PluginError& e) {
      saved = false;
      spdlog::warn("{}: `trellis predict` cannot use this run", e.what());
    }
  }

  const auto predict_start = Clock::now();
  double predict_seconds = 0.0;
  RunResult result;
  if (task == Task::network) {
    result.evaluation = infer_and_score_network(p, std::move(*network_truth), graph_metrics, supervised, dir);
    predict_seconds = seconds_since(predict_start);
    eval::write_metrics(result.evaluation, dir);
    // The default headline names expression metrics: a network run shows its own.
    for (const auto& m : eval.headline)
      if (result.evaluation.overall.count(m)) result.headline.push_back(m);
    if (result.headline.empty()) result.headline = result.evaluation.metrics;
  } else {
    const std::vector<sdk::Condition> test = conditions_of(screen, p.test);
    eval::EvaluationInput input;
    input.screen = &screen;
    input.preprocessed = &pre;
    input.conditions = p.test;
    input.reference_conditions = p.train;
    input.predicted = plugin::guarded(origin, "predict", [&] { return predictor.predict(test); });
    input.subgroups = p.split.subgroups;
    if (eval.sample_cells > 0)
      input.predicted_cells =
          plugin::guarded(origin, "sample", [&] { return predictor.sample(test, eval.sample_cells, seed); });
    predict_seconds = seconds_since(predict_start);
    if (eval.trace) {
      if (auto* neural = dynamic_cast<sdk::NeuralPredictor*>(&predictor)) neural->eval();
      // Each context's conditions against its own control.
      const sdk::ControlMeans controls(p.context);
      std::vector<TraceRow> rows;
      for (const std::string& context : screen.contexts()) {
        std::vector<sdk::Condition> in_context;
        for (const sdk::Condition& c : test)
          if (c.context == context) in_context.push_back(c);
        if (in_context.empty()) continue;
        const auto traced = plugin::guarded(origin, "trace", [&] {
          return perturbation_trace(*traceable, screen.conditions.at(static_cast<std::size_t>(screen.control_index(context))),
                                    in_context, controls.of(context));
        });
        rows.insert(rows.end(), traced.begin(), traced.end());
      }
      write_trace(rows, dir);
    }
    Scored scored = score_and_write(p, input, metrics, eval.headline, dir);
    result.evaluation = std::move(scored.evaluation);
    result.headline = std::move(scored.headline);
  }
  result.wall_seconds = seconds_since(start);
  nlohmann::json info = provenance(started_at, options.threads);
  info.update(nlohmann::json{
      {"seed", seed},
      {"split", {{"type", p.split_type}, {"seed", p.split_seed}}},
      {"task", task_name(task)},
      {"predictor", p.model.provenance.front().key},
      {"model_saved", saved},
      {"wall_seconds", result.wall_seconds},
      {"fit_seconds", fit_seconds},
      {"predict_seconds", predict_seconds},
      {"peak_rss_bytes", peak_rss_bytes()},
      {"test_conditions", task == Task::network ? std::size_t{0} : p.test.size()},
      {"truth_as_prior", truth_as_prior},
      {"training", training},
  });
  util::write_file_atomic(dir / "run.json", info.dump(2) + "\n");
  return result;
}

}  // namespace trellis::core::experiment

#include "trellis/dna/training.hpp"

#include <chrono>
#include <cmath>
#include <set>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <torch/utils.h>

#include "trellis/config/config.hpp"
#include "trellis/dna/context_counts.hpp"
#include "trellis/dna/corpus.hpp"
#include "trellis/dna/masked_training.hpp"
#include "trellis/dna/model_loading.hpp"
#include "trellis/dna/validation.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/dna_sequence.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/options.hpp"
#include "trellis/sdk/suggest.hpp"
#include "trellis/train/trainer.hpp"
#include "trellis/util/atomic_file.hpp"

namespace trellis::core::dna {

namespace {

namespace fs = std::filesystem;

sdk::OptionSchema corpus_schema() {
  sdk::OptionSchema s;
  s.require("files", sdk::OptionType::string_list, "FASTA or TSV (id<TAB>sequence) files of DNA, plain or gzip");
  s.add("window", std::int64_t{300}, "bases per training window").min(16);
  s.add("stride", std::int64_t{300}, "bases between window starts within a record").min(1);
  s.add("min_length", std::int64_t{50}, "records shorter than this are left out").min(1);
  s.add("validation_fraction", 0.05, "share of genes (EPD ids SYMBOL_N grouped by SYMBOL) held out for validation")
      .greater_than(0).less_than(1);
  s.add("max_validation_windows", std::int64_t{1000}, "validation windows scored each epoch (a seeded sample)").min(1);
  s.add("both_strands", true, "train on reverse complements too");
  s.add("soft_mask_weight", 0.1, "loss weight of lower-case (soft-masked repeat) bases").range(0, 1);
  return s;
}

sdk::OptionSchema masking_schema() {
  sdk::OptionSchema s;
  s.add("fraction", 0.15, "share of known bases the loss counts").greater_than(0).less_than(1);
  s.add("replace_mask", 0.8, "of those, shown as the mask token").range(0, 1);
  s.add("replace_random", 0.1, "of those, shown as a random base (the rest stay as they are)").range(0, 1);
  return s;
}

nlohmann::json table_json(const toml::table& config, const std::string& name) {
  const toml::node* node = config.get(name);
  if (!node) return nlohmann::json::object();
  if (!node->is_table()) throw sdk::Error("[" + name + "] must be a table");
  return config::to_json(*node);
}

// The DNA defaults of [train]: GPN's optimiser, a few passes over the corpus.
sdk::TrainingSettings train_defaults() {
  sdk::TrainingSettings s;
  s.epochs = 1;
  s.batch_size = 64;
  s.optimizer = "adamw";
  s.learning_rate = 1e-3;
  s.weight_decay = 0.01;
  s.schedule = "cosine";
  s.clip_norm = 1.0;
  s.patience = 0;
  return s;
}

void check_top_level(const toml::table& config) {
  static const std::vector<std::string> known = {"seed", "threads", "plugin_path", "corpus", "masking", "model",
                                                 "train", "task", "device", "eval"};
  for (auto&& [key, node] : config) {
    const std::string k(key.str());
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      const std::string near = sdk::closest_match(k, known);
      throw sdk::Error("unknown key '" + k + "' in a DNA training config" +
                       (near.empty() ? std::string() : " (did you mean '" + near + "'?)") +
                       "; it takes seed, threads, plugin_path, [corpus], [masking], [model] and [train]");
    }
  }
}

double perplexity(double nll) { return std::exp(nll); }

constexpr std::int64_t kDefaultWarmupSteps = 200;

// A JSON default as a TOML value.
void insert_default(toml::table& table, const std::string& key, const nlohmann::json& value) {
  if (value.is_boolean()) table.insert(key, value.get<bool>());
  else if (value.is_number_integer()) table.insert(key, value.get<std::int64_t>());
  else if (value.is_number()) table.insert(key, value.get<double>());
  else if (value.is_string()) table.insert(key, value.get<std::string>());
}

void complete_table(toml::table& config, const std::string& name, const sdk::OptionSchema& schema) {
  if (!config.contains(name)) config.insert(name, toml::table{});
  toml::table* table = config.get_as<toml::table>(name);
  if (!table) return;  // reported when the table is read
  for (const auto& spec : schema.specs())
    if (!spec.required && !table->contains(spec.name)) insert_default(*table, spec.name, spec.default_value);
}

}  // namespace

void complete_dna_config(toml::table& config) {
  complete_table(config, "corpus", corpus_schema());
  complete_table(config, "masking", masking_schema());
  if (!config.contains("train")) config.insert("train", toml::table{});
  if (toml::table* train = config.get_as<toml::table>("train")) {
    // Keys that mean nothing here (expression metrics, cells, step decay) are left out.
    const nlohmann::json defaults = train::to_json(train_defaults());
    for (const char* key : {"epochs", "batch_size", "optimizer", "learning_rate", "weight_decay", "schedule",
                            "clip_norm", "patience"})
      if (!train->contains(key)) insert_default(*train, key, defaults.at(key));
    if (!train->contains("warmup_steps")) train->insert("warmup_steps", kDefaultWarmupSteps);
  }
}

bool dna_config_path(const std::string& table, const std::string&, const std::string& key) {
  return (table == "corpus" && key == "files") || (table.empty() && key == "plugin_path");
}

void train_dna_model(const toml::table& config, const plugin::PluginHost& host, const DnaTrainOptions& options) {
  check_top_level(config);
  const auto seed = static_cast<std::uint64_t>(config["seed"].value_or<std::int64_t>(0));
  const sdk::Options corpus_options(corpus_schema(), table_json(config, "corpus"), "[corpus]");
  const sdk::Options mask_options(masking_schema(), table_json(config, "masking"), "[masking]");
  MaskSettings mask{mask_options.get_double("fraction"), mask_options.get_double("replace_mask"),
                    mask_options.get_double("replace_random")};
  if (mask.replace_mask + mask.replace_random > 1)
    throw sdk::Error("[masking] replace_mask + replace_random must be at most 1, got " +
                     std::to_string(mask.replace_mask + mask.replace_random));
  nlohmann::json train_table = table_json(config, "train");
  std::int64_t warmup_steps = kDefaultWarmupSteps;
  if (train_table.contains("warmup_steps")) {
    if (!train_table["warmup_steps"].is_number_integer() || train_table["warmup_steps"].get<std::int64_t>() < 0)
      throw sdk::Error("[train] option 'warmup_steps' must be a non-negative integer, got " +
                       train_table["warmup_steps"].dump());
    warmup_steps = train_table["warmup_steps"].get<std::int64_t>();
    train_table.erase("warmup_steps");
  }
  const sdk::TrainingSettings settings = train::resolve_settings(train_defaults(), train_table, "[train]");
  nlohmann::json model_options = table_json(config, "model");
  if (!model_options.contains("type") || !model_options["type"].is_string())
    throw sdk::Error("[model] needs type = \"dnalm/<name>\", e.g. \"dnalm/gpn_conv\" (`trellis plugins list` shows them)");
  const std::string type = model_options["type"].get<std::string>();
  model_options.erase("type");

  CorpusSettings cs;
  cs.files = corpus_options.get_strings("files");
  cs.window = corpus_options.get_int("window");
  cs.stride = corpus_options.get_int("stride");
  cs.min_length = corpus_options.get_int("min_length");
  cs.validation_fraction = corpus_options.get_double("validation_fraction");
  cs.seed = seed;
  const bool both_strands = corpus_options.get_bool("both_strands");
  const Corpus corpus = build_corpus(cs);

  ContextCounts counts;
  for (const auto& w : corpus.train.sequence) {
    counts.add(w);
    if (both_strands) counts.add(sdk::reverse_complement(w));
  }
  const ValidationSet validation = make_validation_set(corpus.validation, both_strands, mask, seed + 1,
                                                       corpus_options.get_int("max_validation_windows"), counts);

  torch::manual_seed(seed);
  auto model = create_dna_model(host, type, model_options, "[model]");
  std::int64_t parameters = 0;
  for (const auto& p : model->parameters()) parameters += p.numel();
  spdlog::info("{} ({}): {} parameters; validation: {} masked bases, perplexity unigram {:.4f}, 3-mer context {:.4f}",
               type, model->architecture(), parameters, validation.positions,
               perplexity(validation.unigram_nll), perplexity(validation.context_nll));

  MaskedDnaTraining task(model, tokenize(corpus.train, corpus_options.get_double("soft_mask_weight")), mask,
                         both_strands, settings);
  sdk::Screen no_screen;
  sdk::FitContext context;
  context.screen = &no_screen;
  context.seed = seed;

  const std::int64_t tokens_per_epoch = task.stages().front().items * cs.window;
  auto epoch_started = std::chrono::steady_clock::now();
  std::vector<nlohmann::json> history;
  train::TrainerOptions topts;
  topts.settings = settings;
  topts.checkpoint_dir = options.out / "checkpoints";
  topts.resume = options.resume;
  topts.seed = seed;
  topts.direction = sdk::Direction::lower_is_better;
  topts.progress_bar = options.progress_bar;
  topts.warmup_steps = warmup_steps;
  topts.schedule_by_step = true;
  topts.validate = [&](sdk::NeuralPredictor&) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_started).count();
    const ValidationScore score = score_validation(*model, validation, settings.batch_size);
    const double tokens_per_second = static_cast<double>(tokens_per_epoch) / seconds;
    spdlog::info("validation perplexity {:.4f} (3-mer context {:.4f}, unigram {:.4f}), masked-base accuracy {:.4f}; "
                 "{:.0f} training tokens/s",
                 perplexity(score.nll), perplexity(validation.context_nll), perplexity(validation.unigram_nll),
                 score.accuracy, tokens_per_second);
    history.push_back({{"validation_perplexity", perplexity(score.nll)},
                       {"validation_accuracy", score.accuracy},
                       {"training_tokens_per_second", tokens_per_second}});
    epoch_started = std::chrono::steady_clock::now();
    return score.nll;
  };
  std::error_code ec;
  fs::create_directories(options.out, ec);
  if (ec) throw sdk::Error("cannot create the output folder '" + options.out.string() + "': " + ec.message());
  train::Trainer trainer(context, topts);
  trainer.train(task);
  const train::TrainingReport& report = trainer.report();

  const ValidationScore best = score_validation(*model, validation, settings.batch_size);
  nlohmann::json training = {
      {"corpus", cs.files},
      {"window", cs.window},
      {"stride", cs.stride},
      {"both_strands", both_strands},
      {"train_windows", corpus.train.size()},
      {"validation_windows", corpus.validation.size()},
      {"train_genes", corpus.train_groups},
      {"validation_genes", corpus.validation_groups},
      {"validation_split", "by gene (EPD promoter ids SYMBOL_N grouped by SYMBOL), seeded hash"},
      {"validation_masked_bases", validation.positions},
      {"validation_perplexity", perplexity(best.nll)},
      {"validation_accuracy", best.accuracy},
      {"unigram_perplexity", perplexity(validation.unigram_nll)},
      {"context3_perplexity", perplexity(validation.context_nll)},
      {"parameters", parameters},
      {"epochs_run", report.epochs_run},
      {"best_epoch", report.best_epoch},
      {"seconds", report.seconds},
      {"threads", at::get_num_threads()},
      {"seed", seed},
      {"history", history},
      {"train_loss", report.train_loss},
  };
  sdk::DnaModelHeader header;
  header.component = type.find('/') == std::string::npos ? "dnalm/" + type : type;
  header.options = model_options;
  header.architecture = model->architecture();
  header.training = training;
  header.training["context_counts"] = counts.to_json();
  sdk::save_dna_model((options.out / "model.pt").string(), header, *model);
  util::write_file_atomic(options.out / "training.json", training.dump(2) + "\n");
  config::write_resolved(config, options.out);
  spdlog::info("model written to '{}': validation perplexity {:.4f} vs 3-mer context {:.4f} and unigram {:.4f}; "
               "accuracy {:.4f}; {:.0f} s",
               (options.out / "model.pt").string(), perplexity(best.nll), perplexity(validation.context_nll),
               perplexity(validation.unigram_nll), best.accuracy, report.seconds);
}

}  // namespace trellis::core::dna

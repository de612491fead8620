#pragma once
// `trellis dna train`: a DNA language model trained from scratch on a
// corpus by masked-base prediction, with the host's training loop.

#include <filesystem>

#include <toml++/toml.h>

namespace trellis::core::plugin {
class PluginHost;
}

namespace trellis::core::dna {

struct DnaTrainOptions {
  std::filesystem::path out;   ///< model.pt, training.json, config.toml, checkpoints/
  bool resume = false;         ///< continue from out/checkpoints/last.pt
  bool progress_bar = false;
};

/// The keys of a DNA training config: the top level (seed, threads,
/// plugin_path), [corpus], [masking], [model] (a dnalm/* component) and
/// [train]. Unknown keys are errors naming the known ones.
/// Writes out/model.pt (the best validation epoch's parameters, with the
/// corpus's count baselines in its header), out/training.json (validation
/// perplexity and accuracy beside the unigram and 3-mer baselines', tokens
/// per second, the history) and out/config.toml, each atomically.
void train_dna_model(const toml::table& config, const plugin::PluginHost& host, const DnaTrainOptions& options);

/// Adds every [corpus], [masking] and [train] key the config leaves out,
/// with its default: `--set` can then change any of them, and the resolved
/// config saved beside the model lists every setting.
void complete_dna_config(toml::table& config);

/// Is `key` of the table `table` (dotted, "" = top level) a path in a DNA
/// training config? (For config::load.)
bool dna_config_path(const std::string& table, const std::string& type, const std::string& key);

}  // namespace trellis::core::dna

// `trellis`: one binary, one subcommand per job. Errors end in one line
// saying what went wrong and a non-zero exit code.
#include <malloc.h>

#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "commands.hpp"

int main(int argc, char** argv) {
  using namespace trellis::core::cli;
  // Training allocates and frees tensors of the same large sizes every step.
  // glibc hands blocks above its mmap threshold (at most 32 MB by default)
  // back to the kernel on free, so every step faulted its memory in again,
  // zero-filled: a third of GRAPE's step time. Keep blocks up to 256 MB and
  // up to 512 MB of freed memory in the heap for reuse.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  CLI::App app{"Trellis: compose, train and compare models of genetic perturbation responses.", "trellis"};
  app.require_subcommand(1);
  app.set_version_flag("--version", TRELLIS_VERSION);
  GlobalOptions global;
  app.add_option("--threads", global.threads, "Threads for LibTorch, OpenMP and OpenBLAS (default: config, else all cores)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--log-level", global.log_level, "trace, debug, info, warn, error, critical or off")
      ->capture_default_str();
  app.add_option("--plugin-path", global.plugin_path,
                 "Plugin directory or library, searched before the config's plugin_path (repeatable)");

  add_plugins_command(app, global);
  add_config_command(app, global);
  add_run_command(app, global);
  add_eval_command(app, global);
  add_predict_command(app, global);
  add_data_command(app, global);
  add_simulate_command(app, global);
  add_bench_command(app, global);
  add_graph_command(app, global);
  add_dna_command(app, global);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "trellis: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

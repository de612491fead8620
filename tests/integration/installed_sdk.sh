#!/usr/bin/env bash
# Installs Trellis from the build tree into a temporary prefix, builds the
# example plugin against that installed SDK alone, and checks that the
# installed binary loads it and can build a model with it.
# Usage: installed_sdk.sh SOURCE_DIR BUILD_DIR WORK_DIR
set -euo pipefail
source_dir=$1 build_dir=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
prefix="$work/prefix"

cmake --install "$build_dir" --prefix "$prefix" > "$work/install.log"
test -x "$prefix/bin/trellis"
test -f "$prefix/include/trellis/sdk/plugin.hpp"

# A separate CMake project that sees only the installed prefix.
launcher=()
command -v ccache > /dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$source_dir/plugins/examples/hello" -B "$work/hello" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" "${launcher[@]}" > "$work/configure.log"
cmake --build "$work/hello" > "$work/build.log"
test -f "$work/hello/trellis_hello.so"

run() { env -u TRELLIS_PLUGIN_PATH TRELLIS_PLUGIN_PATH="$work/hello" "$prefix/bin/trellis" "$@"; }

list=$(run plugins list)
echo "$list"
grep -q "hello 1.0.0 \[MIT\]" <<< "$list"
grep -q "relation/sign  \[hello\]" <<< "$list"
# The installed binary also finds the installed plugins on its own.
grep -q "predictor/no_change  \[baselines\]" <<< "$list"
grep -q "$prefix/lib" <<< "$list"

cat > "$work/experiment.toml" <<TOML
[model.predictor]
type = "predictor/no_change"
[model.relations]
type = "relation/sign"
positive = "up"
TOML
out=$(run run "$work/experiment.toml" --out "$work/run")
echo "$out"
grep -q "\[model.relations\] relation/sign  (plugin hello 1.0.0)" <<< "$out"

if run run "$work/experiment.toml" --set model.relations.negative=up --out "$work/run2" 2> "$work/err.txt"; then
  echo "expected the plugin's own option check to fail" >&2
  exit 1
fi
grep -q "plugin 'hello'.*must differ from 'positive'" "$work/err.txt"

# The two-stage predictor with a graph adapter in its slot, trained end to end
# on Norman 2019 (skipped without the shared data).
data_dir=${TRELLIS_DATA_DIR:-$source_dir/../shared/data}
if [ -f "$data_dir/perturbseq/norman19_mcfaline23_subset.h5ad" ]; then
  cat > "$work/two_stage.toml" <<TOML
extends = ["$source_dir/configs/data/norman19.toml"]
seed = 1
[model.predictor]
type = "predictor/latent_shift"
latent = 8
[model.graphs.prior]
type = "graph/coexpression"
[model.adapters.genes]
type = "adapter/graph_smoothing"
graph = "prior"
[train]
epochs = 3
[train.pretrain_autoencoder]
epochs = 2
max_cells_per_condition = 10
TOML
  out=$(TRELLIS_DATA_DIR="$data_dir" run run "$work/two_stage.toml" --out "$work/two_stage" 2>&1)
  echo "$out" | tail -n 20
  grep -q "stage 'pretrain_autoencoder': epoch 2/2" <<< "$out"
  grep -q "stage 'fit': epoch 3/3" <<< "$out"
  # Both stages' histories and the fit stage's named scalar are recorded, and
  # the adapter trained as part of the model (its parameter is saved with it).
  /usr/bin/python3 - "$work/two_stage/run.json" <<'PY'
import json, sys
training = json.load(open(sys.argv[1]))["training"]
stages = {s["name"]: s for s in training["stages"]}
assert len(stages["pretrain_autoencoder"]["train_loss"]) == 2, stages
assert len(stages["fit"]["train_loss"]) == 3, stages
assert len(training["scalars"]["embedding_norm"]) == 3, training["scalars"]
PY
  { cat "$work/two_stage.toml"; printf '[train.pretrain]\nepochs = 1\n'; } > "$work/bad_stage.toml"
  if TRELLIS_DATA_DIR="$data_dir" run run "$work/bad_stage.toml" --out "$work/two_stage2" 2> "$work/err2.txt"; then
    echo "expected an unknown stage to fail" >&2
    exit 1
  fi
  grep -q "\[train.pretrain\]: predictor/latent_shift has no training stage 'pretrain'" "$work/err2.txt"
else
  echo "two-stage example skipped: no Norman 2019 data under $data_dir"
fi
echo "installed SDK example plugin: OK"

#!/usr/bin/env bash
# predictor/grape cost on a simulated screen (default 20,000 cells x 5,000
# genes, 100 singles, 50 doubles; real gene symbols and knowledge from the
# shared data), 2 threads: seconds per training step of batch 32, measured
# on one short epoch (`train.epochs=1`, CELLS_PER_CONDITION cells of each
# training condition), and the full epoch it implies at the model's default
# of 100 cells per condition; set-up and peak RSS; then batched prediction
# of random gene pairs from the saved run: conditions per second and the
# time all 12.5 M pairs of 5,000 genes would take.
# usage: tests/perf/grape_epoch.sh BUILD_DIR [CELLS GENES PAIRS CELLS_PER_CONDITION]
set -euo pipefail
build=${1:?usage: grape_epoch.sh BUILD_DIR [CELLS GENES PAIRS]}
cells=${2:-20000}
genes=${3:-5000}
pairs=${4:-200}
per_condition=${5:-4}
root=$(cd "$(dirname "$0")/../.." && pwd)
trellis="$build/bin/trellis"
export TRELLIS_DATA_DIR=${TRELLIS_DATA_DIR:-$root/../shared/data}
[ -d "$TRELLIS_DATA_DIR" ] || { echo "grape_epoch: needs the shared data (TRELLIS_DATA_DIR) for gene knowledge"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== simulated: $cells cells x $genes genes, 100 singles, 50 doubles; 2 threads"
"$trellis" --threads 2 simulate --cells "$cells" --genes "$genes" --perturbations 100 --combos 50 --seed 1 \
  --out "$work/screen.h5ad" > "$work/log" 2>&1 || { cat "$work/log"; exit 1; }
cat > "$work/experiment.toml" <<TOML
extends = ["$root/configs/experiments/grape_simulated.toml"]
[data]
path = "$work/screen.h5ad"
TOML
OMP_WAIT_POLICY=passive /usr/bin/time -f "%e %M" -o "$work/time" "$trellis" --threads 2 run "$work/experiment.toml" \
  --set train.epochs=1 --set train.max_cells_per_condition="$per_condition" --out "$work/run" > "$work/log" 2>&1 ||
  { cat "$work/log"; exit 1; }
read -r wall kb < "$work/time"
epoch=$(grep -oE "epoch 1/1: train loss .*, [0-9.]+ s" "$work/log" | grep -oE "[0-9.]+ s$" | tr -d ' s' | tail -1)
train_conditions=$(grep -oE "^train: [0-9]+ conditions" "$work/log" | grep -oE "[0-9]+" || echo 0)
/usr/bin/python3 - "$work/run/run.json" "$wall" "$kb" "$epoch" "$train_conditions" "$per_condition" <<'PY'
import json, sys
info = json.load(open(sys.argv[1]))
wall, mb, epoch = float(sys.argv[2]), int(sys.argv[3]) / 1024, float(sys.argv[4])
conditions, per_condition = int(sys.argv[5]), int(sys.argv[6])
steps = (conditions * per_condition + 31) // 32
full_steps = (conditions * 100 + 31) // 32
per_step = epoch / max(steps, 1)
setup = info["wall_seconds"] - info["fit_seconds"] - info["predict_seconds"]
print(f"training: {per_step:.2f} s/step ({steps} steps of 32 in {epoch:.1f} s, validation included); a full epoch "
      f"at 100 cells per condition ({full_steps} steps) ~ {per_step * full_steps / 60:.1f} min; set-up {setup:.1f} s "
      f"(data, encoders, graphs); wall {wall:.1f} s; peak RSS {mb:.0f} MB")
PY

# Random pairs of measured genes, predicted in one call from the saved run.
/usr/bin/python3 - "$work/run/predictions.h5ad" "$pairs" > "$work/pairs.txt" <<'PY'
import random, sys, h5py
names = [n.decode() for n in h5py.File(sys.argv[1], "r")["var"]["_index"][:]]
rng = random.Random(1)
seen = set()
while len(seen) < int(sys.argv[2]):
    a, b = rng.sample(names, 2)
    seen.add(tuple(sorted((a, b))))
for a, b in sorted(seen):
    print(f"{a}+{b}")
PY
OMP_WAIT_POLICY=passive "$trellis" --threads 2 predict --run "$work/run" --perturb-file "$work/pairs.txt" \
  --out "$work/pairs.h5ad" > "$work/predict.log" 2>&1 || { cat "$work/predict.log"; exit 1; }
rate=$(grep -oE "\(([0-9.e+]+) conditions/s\)" "$work/predict.log" | grep -oE "[0-9.e+]+" | head -1)
/usr/bin/python3 - "$rate" "$genes" "$pairs" <<'PY'
import sys
rate, genes, pairs = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
total = genes * (genes - 1) // 2
hours = total / rate / 3600
print(f"prediction: {rate:.0f} conditions/s over {pairs} random pairs; all {total:,} pairs of {genes} genes "
      f"would take {hours:.1f} h on 2 threads")
PY

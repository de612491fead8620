#!/usr/bin/env bash
# One training step of GRAPE and of GEARS at 5,000 genes (a simulated screen
# of 6,000 cells, 100 singles, 50 doubles; batch 32; 2 threads), held
# against the machine's limit: `trellis run --profile 5` counts each step's
# floating-point work from the operands' shapes (dense operations) and
# measures a float32 matmul peak in the same process. Printed per
# configuration: seconds per step, GFLOP per step, GFLOP/s and its ratio to
# the peak, and the operations taking most time; then the ratios, all from
# this one run. GRAPE runs with its defaults and with the cheaper structure
# learner of configs/models/ablations/grape_fast_learner.toml (32-wide
# similarity heads, pairs chosen every 10 steps). With
# TRELLIS_BEFORE_BUILD=DIR (another build tree, e.g. of an older commit)
# both models also run with DIR/bin/trellis, so code changes are measured in
# the same run too.
# usage: tests/perf/train_step.sh BUILD_DIR [GENES]
set -euo pipefail
build=${1:?usage: train_step.sh BUILD_DIR [GENES]}
genes=${2:-5000}
root=$(cd "$(dirname "$0")/../.." && pwd)
export TRELLIS_DATA_DIR=${TRELLIS_DATA_DIR:-$root/../shared/data}
[ -d "$TRELLIS_DATA_DIR" ] || { echo "train_step: needs the shared data (TRELLIS_DATA_DIR) for gene knowledge"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$build/bin/trellis" --threads 2 simulate --cells 6000 --genes "$genes" --perturbations 100 --combos 50 --seed 1 \
  --out "$work/screen.h5ad" > "$work/log" 2>&1 || { cat "$work/log"; exit 1; }
echo "== simulated: 6000 cells x $genes genes, 100 singles, 50 doubles; batch 32, 2 threads"

# profile LABEL TRELLIS EXPERIMENT [--set ...]: one short epoch, 5 profiled steps.
profile() {
  local label=$1 trellis=$2 experiment=$3
  shift 3
  cat > "$work/$label.toml" <<TOML
extends = ["$root/configs/experiments/$experiment.toml"]
[data]
path = "$work/screen.h5ad"
TOML
  OMP_WAIT_POLICY=passive "$trellis" --threads 2 run "$work/$label.toml" --set train.epochs=1 \
    --set train.max_cells_per_condition=6 --profile 5 "$@" --out "$work/$label" > "$work/$label.log" 2>&1 ||
    { tail -20 "$work/$label.log"; exit 1; }
  grep -oE "profile: [0-9]+ steps.*|profile: most time.*" "$work/$label.log" | sed "s/^profile:/  $label:/"
  grep -E "^# seconds_per_step" "$work/$label/step_profile.tsv" | cut -f2 > "$work/$label.seconds"
}

ratio() { /usr/bin/python3 -c "import sys; b, a = float(open(sys.argv[1]).read()), float(open(sys.argv[2]).read()); print(f'  {sys.argv[3]}: {a:.3f} s/step vs {b:.3f} s/step before: {b / a:.2f}x faster')" "$work/$1.seconds" "$work/$2.seconds" "$3"; }

if [ -n "${TRELLIS_BEFORE_BUILD:-}" ]; then
  profile grape_old_build "$TRELLIS_BEFORE_BUILD/bin/trellis" grape_simulated
  profile gears_old_build "$TRELLIS_BEFORE_BUILD/bin/trellis" gears_simulated
fi
profile grape "$build/bin/trellis" grape_simulated
profile grape_fast_learner "$build/bin/trellis" grape_simulated --set model.gsl.head_dim=32 \
  --set model.gsl.recompute_every=10
profile gears "$build/bin/trellis" gears_simulated
echo "== ratios"
ratio grape grape_fast_learner "GRAPE, fast learner vs the default learner"
if [ -n "${TRELLIS_BEFORE_BUILD:-}" ]; then
  ratio grape_old_build grape "GRAPE, this build vs $TRELLIS_BEFORE_BUILD"
  ratio gears_old_build gears "GEARS, this build vs $TRELLIS_BEFORE_BUILD"
fi

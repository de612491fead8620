#!/usr/bin/env bash
# adapter/grn_topological's overhead per training step for GEARS and GRAPE on
# a simulated screen of 20,000 cells x 5,000 genes (real gene symbols, so
# DoRothEA A-C has edges among them), 2 threads: each model runs one short
# epoch with --profile 5, without the adapter and with the shipped
# configs/models/{gears,grape}_grn.toml adapter (DoRothEA A-C + co-expression,
# GraphSAGE, cross-attention over all genes); GRAPE also with the attention's
# keys limited to DoRothEA's regulators. Printed: seconds per step and peak
# RSS of each run, and the added step time (goal <= 25 %) and added peak RSS
# (goal <= 300 MB), all from this one run.
# usage: tests/perf/adapter.sh BUILD_DIR [CELLS GENES]
set -euo pipefail
build=${1:?usage: adapter.sh BUILD_DIR [CELLS GENES]}
cells=${2:-20000}
genes=${3:-5000}
root=$(cd "$(dirname "$0")/../.." && pwd)
export TRELLIS_DATA_DIR=${TRELLIS_DATA_DIR:-$root/../shared/data}
[ -d "$TRELLIS_DATA_DIR" ] || { echo "adapter: needs the shared data (TRELLIS_DATA_DIR) for gene symbols and DoRothEA"; exit 1; }
trellis="$build/bin/trellis"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$trellis" --threads 2 simulate --cells "$cells" --genes "$genes" --perturbations 100 --combos 50 --seed 1 \
  --out "$work/screen.h5ad" > "$work/log" 2>&1 || { cat "$work/log"; exit 1; }
echo "== simulated: $cells cells x $genes genes, 100 singles, 50 doubles; batch 32, 2 threads"

# profile NAME EXPERIMENT ADAPTER_MODEL [--set ...]: one short epoch, 5 profiled
# steps; ADAPTER_MODEL (e.g. gears_grn) adds its graphs and adapter, "" none.
profile() {
  local name=$1 experiment=$2 adapter=$3
  shift 3
  local extends="\"$root/configs/experiments/$experiment.toml\""
  [ -z "$adapter" ] || extends="$extends, \"$root/configs/models/$adapter.toml\""
  cat > "$work/$name.toml" <<TOML
extends = [$extends]
[data]
path = "$work/screen.h5ad"
TOML
  OMP_WAIT_POLICY=passive /usr/bin/time -f "%M" -o "$work/$name.rss" "$trellis" --threads 2 run "$work/$name.toml" \
    --set train.epochs=1 --set train.max_cells_per_condition=6 --profile 5 "$@" --out "$work/$name" \
    > "$work/$name.log" 2>&1 || { tail -20 "$work/$name.log"; exit 1; }
  grep -E "^# seconds_per_step" "$work/$name/step_profile.tsv" | cut -f2 > "$work/$name.seconds"
  grep -oE "graph '[a-z]+', [0-9]+ edges among [0-9]+ genes" "$work/$name.log" | sort -u | sed "s/^/  $name: /" || true
}

profile gears gears_simulated ""
profile gears_grn gears_simulated gears_grn
profile grape grape_simulated ""
profile grape_grn grape_simulated grape_grn

/usr/bin/python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
def read(name):
    return float(open(f"{work}/{name}.seconds").read()), int(open(f"{work}/{name}.rss").read()) / 1024
for model in ("gears", "grape"):
    base_s, base_mb = read(model)
    s, mb = read(model + "_grn")
    print(f"{model.upper()}: {base_s:.3f} s/step, peak RSS {base_mb:.0f} MB without the adapter; "
          f"{s:.3f} s/step, {mb:.0f} MB with it")
    print(f"  added step time {100 * (s / base_s - 1):+.1f} % (goal <= 25 %), "
          f"added peak RSS {mb - base_mb:+.0f} MB (goal <= 300 MB)")
PY

#!/usr/bin/env bash
# Data-layer figures at genome-screen scale: simulate a 100k x 5k screen,
# read it back (Trellis vs anndata, via h5ad_read.sh), then load +
# preprocess + split it with `trellis run` — wall time and peak RSS of each.
# usage: tests/perf/data_layer.sh BUILD_DIR [CELLS GENES]
set -euo pipefail
build=${1:?usage: data_layer.sh BUILD_DIR [CELLS GENES]}
cells=${2:-100000}
genes=${3:-5000}
here=$(cd "$(dirname "$0")" && pwd)
trellis="$build/bin/trellis"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure() {  # measure LABEL COMMAND...: prints wall seconds and peak RSS
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/out.log" 2>&1 || { cat "$work/out.log"; exit 1; }
  read -r seconds kb < "$work/time"
  printf '%-34s %8.1f s %8.0f MB\n' "$label" "$seconds" "$((kb / 1024))"
}

echo "== simulator: $cells cells x $genes genes, 100 singles, 50 doubles (goal: < 120 s, < 4096 MB)"
measure "trellis simulate" "$trellis" --threads 2 simulate --cells "$cells" --genes "$genes" \
  --perturbations 100 --combos 50 --seed 1 --out "$work/screen.h5ad"
echo "file: $(du -m "$work/screen.h5ad" | cut -f1) MB"

echo
echo "== read: Trellis read_h5ad vs anndata.read_h5ad on the simulated file (goal: ratio >= 1)"
TRELLIS_PERF_H5AD_FILE="$work/screen.h5ad" "$here/h5ad_read.sh" "$build"

echo
echo "== load + normalise + HVG + pseudobulk + DE + simulation split (goal: RSS < 2x the matrix)"
cat > "$work/experiment.toml" <<TOML
[data]
path = "$work/screen.h5ad"
perturbation_type = "knockdown"
[data.annotation]
source = "none"
[model.predictor]
type = "predictor/no_change"
[split]
type = "simulation"
TOML
measure "trellis run (data + split)" "$trellis" --threads 2 run "$work/experiment.toml" --out "$work/run"
grep -E "^(read|cells|values|conditions) " "$work/out.log" || true
grep -A4 "^\[.*split (simulation" "$work/out.log" | tail -4 || true

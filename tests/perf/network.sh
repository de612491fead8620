#!/usr/bin/env bash
# Network inference cost: wall time and peak RSS of each network/* method on
# BEELINE's mDC (821 genes x 383 cells, cell-type-specific ChIP-seq truth,
# 321 TFs), 2 threads; then correlation and GRNBoost2 on a simulated screen
# of 2,000 genes x 20,000 cells (TF-restricted to the simulator's
# regulators). A full GRNBoost2 fit there takes hours, so it is timed on its
# first GRNBOOST_TARGETS targets (default 10) and the whole fit projected
# from the time per target (labelled as a projection), while
# cell_transformer_gnn runs whole (its goal: <= 10 min on 2 threads), over a
# co-expression prior (synthetic genes have no curated one). All from this
# one run.
# usage: tests/perf/network.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: network.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
export TRELLIS_DATA_DIR=${TRELLIS_DATA_DIR:-$root/../shared/data}
[ -d "$TRELLIS_DATA_DIR/grn/beeline_mdc" ] || { echo "network: needs the shared data (TRELLIS_DATA_DIR)"; exit 1; }
trellis="$build/bin/trellis"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
targets=${GRNBOOST_TARGETS:-10}

# run NAME CONFIG [--set ...]: prints seconds and peak RSS.
run() {
  local name=$1 config=$2
  shift 2
  OMP_WAIT_POLICY=passive /usr/bin/time -f "%e %M" -o "$work/$name.time" "$trellis" --threads 2 run "$config" "$@" \
    --out "$work/$name" > "$work/$name.log" 2>&1 || { tail -5 "$work/$name.log"; exit 1; }
  read -r seconds rss < "$work/$name.time"
  printf '%-34s %9.1f s %8d MB\n' "$name" "$seconds" $((rss / 1024))
}

echo "== BEELINE mDC (821 genes x 383 cells), 2 threads: whole run (load, infer, score)"
for model in correlation pidc grnboost prior random cell_transformer_gnn; do
  printf 'extends = ["%s/configs/data/beeline_mdc_chip_specific.toml", "%s/configs/models/%s_network.toml"]\nseed = 1\n' \
    "$root" "$root" "$model" > "$work/$model.toml"
  run "mdc_$model" "$work/$model.toml"
done

echo "== simulated 2,000 genes x 20,000 cells, 2 threads"
"$trellis" --threads 2 simulate --cells 20000 --genes 2000 --perturbations 60 --combos 30 --seed 0 \
  --out "$work/screen.h5ad" > "$work/simulate.log" 2>&1 || { cat "$work/simulate.log"; exit 1; }
cut -f1 "$work/screen.network.tsv" | tail -n +2 | sort -u > "$work/regulators.txt"
echo "   ($(wc -l < "$work/regulators.txt") regulators in the simulator's network)"
for model in correlation grnboost cell_transformer_gnn_coexpression; do
  cat > "$work/sim_$model.toml" <<TOML
extends = ["$root/configs/data/simulated.toml", "$root/configs/models/${model}_network.toml"]
seed = 1
[data]
path = "$work/screen.h5ad"
truth_network = "$work/screen.network.tsv"
regulators = "$work/regulators.txt"
[split]
type = "none"
TOML
done
run sim_correlation "$work/sim_correlation.toml"
run sim_cell_transformer_gnn "$work/sim_cell_transformer_gnn_coexpression.toml"
run "sim_grnboost_${targets}_targets" "$work/sim_grnboost.toml" --set model.network.max_targets="$targets"
# Boosting time alone: from the log line announcing the targets to the one
# counting the edges (1 s resolution).
log="$work/sim_grnboost_${targets}_targets.log"
start=$(grep -m1 "network/grnboost: .* targets from" "$log" | sed -E 's/^\[([0-9:]+)\].*/\1/')
end=$(grep -m1 "edges with positive importance" "$log" | sed -E 's/^\[([0-9:]+)\].*/\1/')
seconds=$(( $(date -d "$end" +%s) - $(date -d "$start" +%s) ))
awk -v s="$seconds" -v t="$targets" 'BEGIN { printf "grnboost PROJECTION (not a full run): %d targets boosted in %d s, %.1f s per target -> about %.1f h for all 2,000 targets on 2 threads\n", t, s, s / t, s / t * 2000 / 3600 }'

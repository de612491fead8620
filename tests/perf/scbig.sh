#!/usr/bin/env bash
# predictor/scbig cost on a simulated screen of 20,000 cells x 5,000 genes
# (100 singles, 50 doubles), 2 threads, the shipped configs/models/scbig.toml:
# gene-module clustering time, autoencoder epoch time, flow-matching step
# time, cells per second sampled at inference and peak RSS, from one
# `trellis run` with one epoch of each stage (steps profiled); then GEARS
# (Trellis) for one epoch on the same screen. Printed: scBIG's whole fit at
# the shipped epochs, estimated from the measured parts, against 20 GEARS
# epochs (the goal: within that time), and peak RSS against 2 GB.
# usage: tests/perf/scbig.sh BUILD_DIR [CELLS GENES]
set -euo pipefail
build=${1:?usage: scbig.sh BUILD_DIR [CELLS GENES]}
cells=${2:-20000}
genes=${3:-5000}
root=$(cd "$(dirname "$0")/../.." && pwd)
export TRELLIS_DATA_DIR=${TRELLIS_DATA_DIR:-$root/../shared/data}
[ -d "$TRELLIS_DATA_DIR" ] || { echo "scbig: needs the shared data (TRELLIS_DATA_DIR) for gene knowledge"; exit 1; }
trellis="$build/bin/trellis"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$trellis" --threads 2 simulate --cells "$cells" --genes "$genes" --perturbations 100 --combos 50 --seed 1 \
  --out "$work/screen.h5ad" > "$work/log" 2>&1 || { cat "$work/log"; exit 1; }
echo "== simulated: $cells cells x $genes genes, 100 singles, 50 doubles; 2 threads"

# run NAME EXPERIMENT [--set ...]: one run, wall time and peak RSS recorded.
run() {
  local name=$1 experiment=$2
  shift 2
  cat > "$work/$name.toml" <<TOML
extends = ["$root/configs/experiments/$experiment.toml"]
[data]
path = "$work/screen.h5ad"
TOML
  OMP_WAIT_POLICY=passive /usr/bin/time -f "%e %M" -o "$work/$name.time" "$trellis" --threads 2 run \
    "$work/$name.toml" "$@" --out "$work/$name" > "$work/$name.log" 2>&1 || { tail -30 "$work/$name.log"; exit 1; }
}

run scbig scbig_simulated --set model.predictor.pretrain_epochs=1 --set model.predictor.epochs=1 --profile 5
run gears gears_simulated --set train.epochs=1

/usr/bin/python3 - "$work" "$root/configs/models/scbig.toml" <<'PY'
import json, re, sys, tomllib
work, shipped = sys.argv[1:]
log = open(f"{work}/scbig.log").read()
gears_log = open(f"{work}/gears.log").read()
model = tomllib.load(open(shipped, "rb"))["model"]["predictor"]
pretrain_epochs, flow_epochs = model.get("pretrain_epochs", 100), model.get("epochs", 50)

def seconds(pattern, text):
    found = re.findall(pattern, text)
    if not found:
        sys.exit(f"scbig: no line matching {pattern!r} in the log")
    return float(found[-1])

clustering = seconds(r"gsl/module_clustering: .*; ([0-9.e+-]+) s", log)
ae_epoch = seconds(r"stage 'pretrain_autoencoder': epoch 1/1: .*, ([0-9.]+) s", log)
flow_epoch = seconds(r"stage 'fit': epoch 1/1: .*, ([0-9.]+) s", log)
encode = seconds(r"predictor/scbig: encoding ([0-9]+) cells", log)
sampled = seconds(r"predictor/scbig: [0-9]+ conditions x [0-9]+ cells; .* ([0-9.e+]+) cells/s", log)
# --profile times steps of each stage; the last profile line is the flow stage's.
flow_step = seconds(r"profile: [0-9]+ steps of batch [0-9]+: ([0-9.]+) s/step", log)
gears_epoch = seconds(r"epoch 1/1: .*, ([0-9.]+) s", gears_log)
wall, kb = open(f"{work}/scbig.time").read().split()
peak_mb = int(kb) / 1024
fit = clustering + pretrain_epochs * ae_epoch + flow_epochs * flow_epoch
gears20 = 20 * gears_epoch
print(f"clustering (32 modules):           {clustering:.1f} s")
print(f"autoencoder epoch:                 {ae_epoch:.1f} s")
print(f"flow-matching epoch (+validation): {flow_epoch:.1f} s; one step {flow_step:.3f} s")
print(f"cells encoded into the latent:     {int(encode)}")
print(f"sampling at inference:             {sampled:.0f} cells/s")
print(f"peak RSS:                          {peak_mb:.0f} MB ({peak_mb / 2048:.2f} of the 2 GB goal)")
print(f"GEARS (Trellis) epoch:             {gears_epoch:.1f} s; 20 epochs {gears20:.0f} s")
print(f"scBIG fit at the shipped {pretrain_epochs} + {flow_epochs} epochs: {fit:.0f} s = "
      f"{fit / gears20:.2f} x 20 GEARS epochs (goal <= 1)")
PY

#!/usr/bin/env bash
# Graph construction at genome scale: graph/go_similarity over every gene
# with GO annotation (~20,700 genes) and graph/coexpression over a simulated
# screen (default 20,000 cells x 5,000 genes) — seconds of the build itself
# and peak RSS of the process (the test binary starts at ~160 MB: LibTorch).
# usage: tests/perf/graphs.sh BUILD_DIR [CELLS GENES]
set -euo pipefail
build=${1:?usage: graphs.sh BUILD_DIR [CELLS GENES]}
cells=${2:-20000}
genes=${3:-5000}
tests="$build/bin/trellis_tests"
trellis="$build/bin/trellis"
[ -x "$tests" ] || { echo "no $tests: build trellis_tests first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure() {  # measure LABEL COMMAND...: prints the build's seconds and the process's peak RSS
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/out.log" 2>&1 || { cat "$work/out.log"; exit 1; }
  read -r _ kb < "$work/time"
  local line before
  line=$(grep -E "^(go_similarity|coexpression) " "$work/out.log" || true)
  before=$(sed -n 's/^rss before build (MB) //p' "$work/out.log")
  [ -n "$line" ] || { cat "$work/out.log"; exit 1; }
  printf '%-30s %6.1f s  peak %5d MB (%s MB before the build)\n  %s\n' "$label" "${line##* }" \
    "$((kb / 1024))" "$before" "$line"
}

echo "== graph/go_similarity over all annotated human genes (goal: seconds)"
measure "go_similarity (all GO genes)" env TRELLIS_PERF_GRAPHS=go "$tests" "[graphs_perf]"

echo
echo "== graph/coexpression over $cells cells x $genes genes (goal: memory bounded, no dense copy of all cells)"
"$trellis" --threads 2 simulate --cells "$cells" --genes "$genes" --perturbations 100 --combos 50 --seed 1 \
  --out "$work/screen.h5ad" > "$work/simulate.log" 2>&1 || { cat "$work/simulate.log"; exit 1; }
measure "coexpression ($cells x $genes)" env TRELLIS_PERF_GRAPHS="$work/screen.h5ad" "$tests" "[graphs_perf]"

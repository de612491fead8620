#!/usr/bin/env bash
# Times read_h5ad against Python anndata.read_h5ad on one synthetic CSR file
# (default 100,000 cells x 5,000 genes, 10% non-zero), with peak RSS of each.
# usage: tests/perf/h5ad_read.sh BUILD_DIR [CELLS GENES DENSITY COMPRESSION]
# COMPRESSION: none (default, as anndata writes) or gzip.
# With TRELLIS_PERF_H5AD_FILE set, that existing file is read instead (e.g. a
# screen written by `trellis simulate`).
set -euo pipefail
build=${1:?usage: h5ad_read.sh BUILD_DIR [CELLS GENES DENSITY COMPRESSION]}
cells=${2:-100000}
genes=${3:-5000}
density=${4:-0.1}
compression=${5:-none}
here=$(cd "$(dirname "$0")" && pwd)
tests="$build/bin/trellis_tests"
python=/usr/bin/python3
[ -x "$tests" ] || { echo "no $tests: build trellis_tests first" >&2; exit 1; }
"$python" -c 'import anndata, scipy' 2>/dev/null || { echo "$python cannot import anndata and scipy" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -n "${TRELLIS_PERF_H5AD_FILE:-}" ]; then
  file=$TRELLIS_PERF_H5AD_FILE
  cells=$("$python" -c 'import h5py, sys; print(h5py.File(sys.argv[1], "r")["X"].attrs["shape"][0])' "$file")
else
  file="$work/bench.h5ad"
  "$python" "$here/make_h5ad.py" "$file" "$cells" "$genes" "$density" "$compression"
fi
echo "file size: $(du -m "$file" | cut -f1) MB"
# Warm the page cache so both readers start from the same state.
cat "$file" > /dev/null

cat > "$work/read.py" <<'PY'
import sys, time, warnings
warnings.simplefilter("ignore")
import anndata
start = time.perf_counter()
a = anndata.read_h5ad(sys.argv[1])
print(time.perf_counter() - start, a.X.nnz)
PY
# Best of three runs each: the machine may be shared.
runs=3
trellis=""; python_seconds=""
for i in $(seq $runs); do
  TRELLIS_PERF_H5AD="$file" /usr/bin/time -f "%M" -o "$work/trellis.rss.$i" \
    "$tests" "[h5ad_perf]" > "$work/trellis.out" 2>&1 || { cat "$work/trellis.out"; exit 1; }
  t=$(awk '/trellis_read_seconds/ {print $2}' "$work/trellis.out")
  trellis=$(awk -v a="$trellis" -v b="$t" 'BEGIN {print (a == "" || b < a) ? b : a}')
  /usr/bin/time -f "%M" -o "$work/python.rss.$i" "$python" "$work/read.py" "$file" > "$work/python.out"
  t=$(awk '{print $1}' "$work/python.out")
  python_seconds=$(awk -v a="$python_seconds" -v b="$t" 'BEGIN {print (a == "" || b < a) ? b : a}')
done
grep -m1 '^shape' "$work/trellis.out" || true
grep -m1 '^trellis_write_seconds' "$work/trellis.out" | sed 's/^trellis_write_seconds/write_h5ad of the same data (seconds):/' || true
cat "$work"/trellis.rss.* | sort -n | tail -1 > "$work/trellis.rss"
cat "$work"/python.rss.* | sort -n | tail -1 > "$work/python.rss"

# Baselines: each process before reading anything.
/usr/bin/time -f "%M" -o "$work/trellis0.rss" "$tests" "[h5ad_perf]" > /dev/null 2>&1 || true
/usr/bin/time -f "%M" -o "$work/python0.rss" "$python" -c 'import anndata' 2>/dev/null

nnz=$(awk '{print $2}' "$work/python.out")
matrix_mb=$(awk -v n="$nnz" -v r="$cells" 'BEGIN {printf "%.0f", (n * 8 + (r + 1) * 8) / 1048576}')
printf '%-10s %10s %14s %18s\n' reader "best of 3 s" "peak RSS MB" "RSS - baseline MB"
printf '%-10s %10.3f %14.0f %18.0f\n' trellis "$trellis" "$(($(cat "$work/trellis.rss") / 1024))" \
  "$(( ($(cat "$work/trellis.rss") - $(cat "$work/trellis0.rss")) / 1024 ))"
printf '%-10s %10.3f %14.0f %18.0f\n' anndata "$python_seconds" "$(($(cat "$work/python.rss") / 1024))" \
  "$(( ($(cat "$work/python.rss") - $(cat "$work/python0.rss")) / 1024 ))"
echo "in-memory CSR matrix (float32 values, int32 indices, int64 indptr): $matrix_mb MB"
awk -v t="$trellis" -v p="$python_seconds" 'BEGIN {printf "speed-up (anndata / trellis): %.2fx\n", p / t}'

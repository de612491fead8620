#!/usr/bin/env bash
# DNA language model cost, one run, 2 threads: the default model
# (configs/dna/gpn_promoters.toml, 12 layers x 128) trained from scratch on
# the 29,597 EPD promoters (goal: <= 30 min, validation perplexity clearly
# below the 3-mer baseline's), then the 23,136 MPRA variants scored
# (goal: >= 1,000 variants/s) and every promoter's gene embedded.
# With DNALM_MODEL=FILE the training is skipped and FILE is scored and embedded.
# usage: tests/perf/dnalm.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: dnalm.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
export TRELLIS_DATA_DIR=${TRELLIS_DATA_DIR:-$root/../shared/data}
[ -f "$TRELLIS_DATA_DIR/variants/kircher2019_mpra_grch38.tsv.gz" ] || { echo "dnalm: needs the shared data (TRELLIS_DATA_DIR)"; exit 1; }
trellis="$build/bin/trellis"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_WAIT_POLICY=passive

# timed NAME ARGS...: runs trellis, keeps wall seconds and peak RSS in $work/NAME.time.
timed() {
  local name=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/$name.time" "$trellis" --threads 2 "$@" > "$work/$name.log" 2>&1 ||
    { tail -5 "$work/$name.log"; exit 1; }
}
field() { /usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))$2)" "$1"; }

model=${DNALM_MODEL:-}
if [ -z "$model" ]; then
  timed train dna train "$root/configs/dna/gpn_promoters.toml" --out "$work/model"
  model="$work/model/model.pt"
  read -r seconds rss < "$work/train.time"
  t="$work/model/training.json"
  echo "== training (default config, 2 threads)"
  printf 'wall time                    %8.1f min (goal <= 30: %s)\n' "$(awk -v s="$seconds" 'BEGIN { print s / 60 }')" \
    "$(awk -v s="$seconds" 'BEGIN { print (s <= 1800 ? "met" : "not met") }')"
  printf 'training tokens per second   %8.0f\n' "$(field "$t" "['history'][-1]['training_tokens_per_second']")"
  printf 'peak RSS                     %8d MB\n' $((rss / 1024))
  printf 'validation perplexity        %8.4f (3-mer context %.4f, unigram %.4f; ratio to 3-mer %.4f)\n' \
    "$(field "$t" "['validation_perplexity']")" "$(field "$t" "['context3_perplexity']")" \
    "$(field "$t" "['unigram_perplexity']")" \
    "$(field "$t" "['validation_perplexity'] / json.load(open(sys.argv[1]))['context3_perplexity']")"
  printf 'masked-base accuracy         %8.4f\n' "$(field "$t" "['validation_accuracy']")"
fi

echo "== scoring the MPRA variants (windows of 301 bp, 2 threads)"
timed score dna score --model "$model" --mpra "$TRELLIS_DATA_DIR/variants/kircher2019_mpra_grch38.tsv.gz" --out "$work/score"
read -r seconds rss < "$work/score.time"
printf 'variants scored per second   %8.0f (goal >= 1,000; %s variants, %s deletions, model time %.1f s)\n' \
  "$(field "$work/score/score.json" "['variants_per_second']")" "$(field "$work/score/score.json" "['variants']")" \
  "$(field "$work/score/score.json" "['deletions']")" "$(field "$work/score/score.json" "['seconds']")"
printf 'peak RSS                     %8d MB (whole command %.1f s)\n' $((rss / 1024)) "$seconds"
grep -E "^all " "$work/score.log" | sed 's/^/   /'

echo "== embedding genes (29,597 promoters of 16,455 genes, both strands)"
timed embed dna embed --model "$model" --sequences "$TRELLIS_DATA_DIR/sequences/epd_promoters_300bp.tsv.gz" --out "$work/embeddings.tsv"
read -r seconds rss < "$work/embed.time"
grep -o "Embedded .*threads)" "$work/embed.log" | sed 's/^/   /'
printf 'peak RSS                     %8d MB (whole command %.1f s)\n' $((rss / 1024)) "$seconds"

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
echo "installed SDK example plugin: OK"

#!/bin/sh
# Costs of externrefs under deferred reference counting: a wasm call passing
# an externref against one passing an i64 (wasm -> wasm and host -> wasm),
# global.get of an externref against an i64, and a collection per live
# reference and per dead activations-table entry. Medians of RUNS runs.
# usage: bench/externref.sh BUILD_DIR [RUNS]   (after make BUILD=BUILD_DIR)
set -eu
B=${1:-build}
RUNS=${2:-5}
out=${OUT:-build/bench}
mkdir -p "$out"
CFLAGS="-std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude -I."
gcc $CFLAGS -o "$out/externref_bench" bench/tools/externref_bench.c "$B/libwasmbox.a" \
    $(pkg-config --libs libseccomp libcap libunwind libzstd libxxhash) -lm
"$out/externref_bench" "$RUNS"

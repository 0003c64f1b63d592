#!/bin/sh
# Baseline compile speed (MB/s of function-body bytes) on the largest
# module at hand, and start-up + compile of that module as whole processes:
# wasmbox (compile_bench, one run) against node with V8's baseline tier
# only (Liftoff, no tier-up). Medians of repeated runs, interleaved.
# usage: bench/compile-speed.sh BUILD_DIR   (after validate-throughput.sh)
set -eu
B=${1:-build}
out=build/bench
CFLAGS="-std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude -I."
gcc $CFLAGS -o "$out/compile_bench" bench/tools/compile_bench.c cli/util.c "$B/libwasmbox.a" \
    $(pkg-config --libs libseccomp libcap libunwind libzstd libxxhash) -lm
NODEFLAGS="--liftoff --no-wasm-tier-up --no-wasm-dynamic-tiering --no-wasm-lazy-compilation"
for f in "$out/big-O0.wasm" "$out/big-O1.wasm"; do
    "$out/compile_bench" "$f" 9 0
    node $NODEFLAGS bench/node-compile.mjs "$f" 9
    # whole processes: start-up + read + compile, 7 interleaved runs each
    wt="" nt=""
    for i in 1 2 3 4 5 6 7; do
        s=$(date +%s%N); "$out/compile_bench" "$f" 1 0 >/dev/null; e=$(date +%s%N)
        wt="$wt $(( (e - s) / 1000000 ))"
        s=$(date +%s%N); node $NODEFLAGS bench/node-compile.mjs "$f" 1 >/dev/null; e=$(date +%s%N)
        nt="$nt $(( (e - s) / 1000000 ))"
    done
    wm=$(echo $wt | tr ' ' '\n' | sort -n | sed -n 4p)
    nm=$(echo $nt | tr ' ' '\n' | sort -n | sed -n 4p)
    echo "process start-up + compile of $(basename "$f"): wasmbox ${wm} ms, node (liftoff) ${nm} ms (medians of 7)"
done

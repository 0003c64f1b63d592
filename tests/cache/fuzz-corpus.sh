#!/bin/sh
# fuzz-corpus.sh WASMBOX OUTDIR — seeds for tests/fuzz/fuzz_cache_entry.c:
# 'E' + every cache entry and 'P' + its decompressed payload, for the
# example and benchmark modules (and a few spec modules) at opt levels 0
# and 2, compiled with `wasmbox compile` into a scratch cache.
set -eu
wasmbox=$1 out=$2
mkdir -p "$out"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0
for m in build/bench/examples/wasm/*.wasm build/bench/wasm/*.wasm \
         $(ls build/spec/*.wasm 2>/dev/null | head -n 200); do
    [ -f "$m" ] || continue
    for o in 0 2; do
        "$wasmbox" compile --cache-dir "$tmp/c" --opt-level $o "$m" >/dev/null 2>&1 || true
    done
done
for e in "$tmp"/c/*.wbc; do
    [ -f "$e" ] || continue
    k=$(basename "$e" .wbc)
    { printf E; cat "$e"; } > "$out/E-$k"
    { printf P; tail -c +65 "$e" | zstd -dq; } > "$out/P-$k" 2>/dev/null || rm -f "$out/P-$k"
    n=$((n + 1))
done
echo "fuzz-corpus: $n entries from $(ls "$out" | wc -l) seeds in $out"

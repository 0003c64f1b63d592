#!/bin/sh
# fuzz-corpus.sh WASMBOX OUTDIR — seeds for tests/fuzz/fuzz_cache_entry.c:
# 'E' + every cache entry, and 'P' + u32 tables size + its decompressed
# tables + its code, for the example and benchmark modules (and a few spec
# modules) at opt levels 0 and 2, compiled with `wasmbox compile` into a
# scratch cache. Entry layout: cache/cache.h.
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
u64() { od -An -tu8 -j "$2" -N 8 "$1" | tr -d ' '; }      # FILE OFFSET
u32le() { # N: 4 bytes, little-endian
    printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) $(($1 >> 8 & 255)) \
        $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"
}
for e in "$tmp"/c/*.wbc; do
    [ -f "$e" ] || continue
    k=$(basename "$e" .wbc)
    { printf E; cat "$e"; } > "$out/E-$k"
    zsize=$(u64 "$e" 32) off=$(u64 "$e" 56) csize=$(u64 "$e" 64)
    tail -c +129 "$e" | head -c "$zsize" | zstd -dq > "$tmp/tables" 2>/dev/null || continue
    { printf P; u32le "$(stat -c %s "$tmp/tables")"; cat "$tmp/tables"
      tail -c +$((off + 1)) "$e" | head -c "$csize"; } > "$out/P-$k"
    n=$((n + 1))
done
echo "fuzz-corpus: $n entries from $(ls "$out" | wc -l) seeds in $out"

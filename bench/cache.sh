#!/usr/bin/env bash
# cache.sh — what the code cache buys at start-up, and what it shares.
#
#   bench/cache.sh [BUILD_DIR]      (default: build)
#
# 1. End-to-end wall time of `wasmbox run` for hello world and for the
#    largest benchmark module (at scale 1: start-up dominates), confined
#    (the default policy, standard) and in-process (--policy none), each
#    cold (entry removed first: compile + store), warm (entry present: map)
#    and --no-cache (compile only); rounds interleave every case, medians
#    of RUNS runs. The native hello binary is the reference row. Goal:
#    warm hello world under 2 ms, confinement included.
# 2. Sharing: 4 confined workers of the largest module running at once
#    (default scale) map its cache entry; /proc/PID/smaps of each worker
#    gives Rss and Pss of the entry's code mapping. Pss ~ Rss / 4 means one
#    physical copy for all four.
#
# Environment: RUNS (default 15). Times are wall clock on a shared,
# noisy machine: compare the rows of one run, not runs of different days.
set -u
B=${1:-build}
WB=$B/wasmbox
RUNS=${RUNS:-15}
BD=
for d in "$B/bench" build/bench; do
    [ -f "$d/examples/wasm/hello.wasm" ] && BD=$d && break
done
[ -x "$WB" ] || { echo "cache: no $WB (make first)" >&2; exit 2; }
[ -n "$BD" ] || { echo "cache: no hello.wasm (make bench-programs)" >&2; exit 2; }
HELLO=$BD/examples/wasm/hello.wasm
NATIVE=$BD/examples/native/hello
BIG=$(ls -S "$BD"/wasm/*.wasm 2>/dev/null | head -n 1)
[ -n "$BIG" ] || { echo "cache: no benchmark modules in $BD/wasm" >&2; exit 2; }
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
C=$out/cache

# us CMD...: wall time of CMD in microseconds (bash's clock: no extra fork).
us() {
    local t0 t1
    t0=$EPOCHREALTIME
    "$@" >/dev/null 2>"$out/err" </dev/null || { echo "FAILED"; return 1; }
    t1=$EPOCHREALTIME
    echo $(( (10#${t1%.*} - 10#${t0%.*}) * 1000000 + 10#${t1#*.} - 10#${t0#*.} ))
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
                                               else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
ms() { awk -v u="$1" 'BEGIN { printf "%8.2f", u / 1000 }'; }

# one MODULE-TAG POLICY CASE: one timed run into $out/TAG.POLICY.CASE
one() {
    local tag=$1 pol=$2 c=$3 mod args
    if [ "$tag" = hello ]; then mod=$HELLO args=; else mod=$BIG args=1; fi
    case $c in
        cold) rm -f "$C"/*.wbc; us "$WB" run --policy "$pol" --cache-dir "$C" "$mod" $args ;;
        warm) us "$WB" run --policy "$pol" --cache-dir "$C" "$mod" $args ;;
        nocache) us "$WB" run --policy "$pol" --no-cache "$mod" $args ;;
    esac >>"$out/$tag.$pol.$c"
}

# warm-up: page cache, the binaries; every case must work
for tag in hello big; do
    for pol in standard none; do
        for c in cold warm nocache; do
            one $tag $pol $c
            grep -q FAILED "$out/$tag.$pol.$c" && {
                echo "cache: $tag --policy $pol ($c) failed:"; cat "$out/err"; exit 1; }
            : >"$out/$tag.$pol.$c"
        done
    done
done
for _ in $(seq "$RUNS"); do
    [ -x "$NATIVE" ] && us "$NATIVE" >>"$out/native"
    for tag in hello big; do
        for pol in standard none; do
            # warm right after cold: the entry was just written
            for c in cold warm nocache warm; do one $tag $pol $c; done
        done
    done
done

echo "code cache: start-up, median of $RUNS runs (ms, wall, end to end)"
echo "  hello: $HELLO ($(stat -c %s "$HELLO") bytes)"
echo "  big:   $BIG ($(stat -c %s "$BIG") bytes, largest benchmark module; run at scale 1)"
printf '  %-6s %-16s %8s %8s %10s %11s\n' module policy cold warm --no-cache warm/cold
for tag in hello big; do
    for pol in standard none; do
        c=$(median <"$out/$tag.$pol.cold") w=$(median <"$out/$tag.$pol.warm")
        n=$(median <"$out/$tag.$pol.nocache")
        label=$pol; [ "$pol" = standard ] && label="standard (conf.)"
        printf '  %-6s %-16s %s %s %s %11s\n' "$tag" "$label" "$(ms "$c")" "$(ms "$w")" \
            "$(ms "$n")   " "$(awk -v a="$w" -v b="$c" 'BEGIN { printf "%.2f", a / b }')"
    done
done
[ -s "$out/native" ] && printf '  native hello (reference)  %s\n' "$(ms "$(median <"$out/native")")"
w=$(median <"$out/hello.standard.warm")
if [ "$w" -lt 2000 ]; then verdict=met; else verdict="not met"; fi
echo "  goal: warm hello world under 2 ms, confined: $(ms "$w") ms, $verdict"
n=$(ls "$C"/*.wbc 2>/dev/null | wc -l)
echo "  entries: $n, $(du -k "$C" | awk '{ print $1 }') kB in the cache directory"

# -- 2. Sharing between 4 concurrent workers ---------------------------------
"$WB" run --cache-dir "$C" "$BIG" 1 >/dev/null </dev/null || { echo "cache: $BIG failed"; exit 1; }
pids=
for i in 1 2 3 4; do
    "$WB" run --cache-dir "$C" "$BIG" >/dev/null </dev/null & pids="$pids $!"
done
# per worker: "rss pss" of its entry mappings (kB)
measure() {
    : >"$out/smaps"
    for p in $pids; do
        for w in $(cat /proc/"$p"/task/*/children 2>/dev/null); do
            awk '/^[0-9a-f]+-[0-9a-f]+ / { m = ($0 ~ /\.wbc/) } m && /^Rss:/ { r += $2 }
                 m && /^Pss:/ { q += $2 } END { if (r) print r, q }' /proc/"$w"/smaps \
                2>/dev/null >>"$out/smaps"
        done
    done
}
tries=0
measure
while [ "$(wc -l <"$out/smaps")" -lt 4 ] && [ "$tries" -lt 200 ]; do
    sleep 0.02; tries=$((tries + 1)); measure
done
sleep 0.2              # let the workers touch their code
measure
st=0; for p in $pids; do wait "$p" || st=1; done
echo
echo "code cache: sharing, 4 confined workers of $(basename "$BIG") at once (/proc/PID/smaps)"
if [ "$(wc -l <"$out/smaps")" -lt 4 ]; then
    echo "  not measured: only $(wc -l <"$out/smaps") workers were seen mapping the entry"
    echo "  (the runs ended too soon?)"
else
    awk '{ printf "  worker %d: entry code Rss %5d kB, Pss %5d kB\n", NR, $1, $2; r += $1; q += $2 }
         END { printf "  total:    Rss %5d kB, Pss %5d kB (Pss/Rss %.2f; 0.25 = one copy for 4)\n",
                      r, q, r ? q / r : 0 }' "$out/smaps"
fi
[ "$st" = 0 ] || echo "  (a worker failed)"

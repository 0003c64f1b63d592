#!/usr/bin/env bash
# interrupt-overhead.sh — what epoch interruption and fuel cost: runs every
# benchmark program (bench/programs/*.c, built to wasm32-wasi with clang)
# under `wasmbox run` three ways, interleaved:
#
#   plain   no interruption checks
#   epoch   --timeout 1h: an epoch check at every function entry and loop
#           header (the watchdog thread sleeps meanwhile)
#   fuel    --fuel 2^63-1: a fuel charge per region of straight-line code
#
# and prints per program the median CPU time (user + sys) of each and the
# slowdown against plain, then the geometric means. Goals: epoch <= 5 %,
# fuel <= 25 %. Outputs of the three runs must be identical.
#
#   bench/interrupt-overhead.sh [BUILD_DIR]     (default: build)
#
# Environment: RUNS (default 5), DIV (default 5: each program runs at
# DEFAULT_SCALE / DIV, about 0.2 s natively), WASM_DIR (prebuilt NAME.wasm,
# e.g. build/bench/wasm from `make bench-programs`; else built here with
# CLANG, default clang, into BUILD_DIR/bench-interrupt), ONLY (space-
# separated program names).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
B=${1:-build}
WB=$B/wasmbox
RUNS=${RUNS:-5}
DIV=${DIV:-5}
CLANG=${CLANG:-clang}
out=$B/bench-interrupt
TIMEFORMAT='%3U %3S'

[ -x "$WB" ] || { echo "interrupt-overhead: no $WB (make first)" >&2; exit 2; }
mkdir -p "$out" || exit 2

# cpu_ms CMD...: runs CMD (output to $out/run.out), prints user+sys in ms.
cpu_ms() {
    local t u s
    t=$( { time "$@" >"$out/run.out" 2>&1; } 2>&1 ) || { echo "FAILED"; return 1; }
    u=${t% *} s=${t#* }
    echo $(( (10#${u%.*} * 1000 + 10#${u#*.}) + (10#${s%.*} * 1000 + 10#${s#*.}) ))
}

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '%-11s %6s %9s %7s %9s %7s\n' program scale "plain ms" "epoch" "" "fuel"
printf '%-11s %6s %9s %7s %9s %7s\n' ----------- ------ -------- ------- -------- -------
sum_e=0 sum_f=0 n=0 failed=0
for src in "$here"/programs/*.c; do
    name=$(basename "$src" .c)
    if [ -n "${ONLY:-}" ]; then
        case " $ONLY " in *" $name "*) ;; *) continue ;; esac
    fi
    wasm=${WASM_DIR:-$out}/$name.wasm
    [ -n "${WASM_DIR:-}" ] && [ -f "$wasm" ] || wasm=$out/$name.wasm
    if [ "$wasm" = "$out/$name.wasm" ] && [ ! "$wasm" -nt "$src" ]; then
        "$CLANG" --target=wasm32-wasi -O2 -ffp-contract=off -o "$wasm" "$src" ||
            { echo "$name: build failed"; failed=1; continue; }
    fi
    def=$(sed -n 's/^#define DEFAULT_SCALE \([0-9]*\).*/\1/p' "$src")
    scale=$(( ${def:-$DIV} / DIV )); [ "$scale" -ge 1 ] || scale=1
    tp="" te="" tf="" ref=""
    for _ in $(seq "$RUNS"); do
        for mode in plain epoch fuel; do
            case $mode in
            plain) opts=() ;;
            epoch) opts=(--timeout 1h) ;;
            fuel) opts=(--fuel 9223372036854775807) ;;
            esac
            ms=$(cpu_ms "$WB" run "${opts[@]}" "$wasm" "$scale") || { echo "$name ($mode): run failed:"; cat "$out/run.out"; failed=1; continue 3; }
            if [ -z "$ref" ]; then
                ref=$(cat "$out/run.out")
            elif [ "$(cat "$out/run.out")" != "$ref" ]; then
                echo "$name ($mode): output differs"; failed=1; continue 3
            fi
            case $mode in plain) tp="$tp $ms" ;; epoch) te="$te $ms" ;; fuel) tf="$tf $ms" ;; esac
        done
    done
    mp=$(echo "$tp" | median) me=$(echo "$te" | median) mf=$(echo "$tf" | median)
    [ "$mp" -gt 0 ] || mp=1
    printf '%-11s %6d %9d %+6.1f%% %9d %+6.1f%%\n' "$name" "$scale" "$mp" \
        "$(awk -v a="$me" -v b="$mp" 'BEGIN { print (a / b - 1) * 100 }')" "$mf" \
        "$(awk -v a="$mf" -v b="$mp" 'BEGIN { print (a / b - 1) * 100 }')"
    sum_e=$(awk -v s="$sum_e" -v a="$me" -v b="$mp" 'BEGIN { print s + log(a / b) }')
    sum_f=$(awk -v s="$sum_f" -v a="$mf" -v b="$mp" 'BEGIN { print s + log(a / b) }')
    n=$((n + 1))
done
if [ "$n" -gt 0 ]; then
    awk -v e="$sum_e" -v f="$sum_f" -v n="$n" 'BEGIN {
        ge = (exp(e / n) - 1) * 100; gf = (exp(f / n) - 1) * 100
        printf "geometric mean over %d programs: epoch %+.1f%% (goal <= 5%%), fuel %+.1f%% (goal <= 25%%)\n", n, ge, gf
    }'
fi
exit $failed

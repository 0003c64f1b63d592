#!/usr/bin/env bash
# confine-overhead.sh — what confinement costs at start-up: end-to-end wall
# time of `wasmbox run --policy strict hello.wasm` (a confined worker: probe,
# namespaces, empty root, landlock, seccomp, supervisor) against
# `wasmbox run --policy none hello.wasm` (in-process, unconfined), runs
# interleaved, medians. Goal: overhead <= 1 ms. Also prints the median time
# from clone3 to "confined" as the supervisor measures it (--report json),
# and, as root, the confined start-up without the pinned empty network
# namespace (WASMBOX_NETNS_PIN=, see wasmbox(1)).
#
#   bench/confine-overhead.sh [BUILD_DIR]      (default: build)
#
# Environment: RUNS (default 20), HELLO (default BUILD_DIR/bench/examples/
# wasm/hello.wasm, else build/bench/examples/wasm/hello.wasm), POLICY
# (default strict).
set -u
B=${1:-build}
WB=$B/wasmbox
RUNS=${RUNS:-20}
POLICY=${POLICY:-strict}
HELLO=${HELLO:-}
if [ -z "$HELLO" ]; then
    for h in "$B/bench/examples/wasm/hello.wasm" build/bench/examples/wasm/hello.wasm; do
        [ -f "$h" ] && HELLO=$h && break
    done
fi
[ -x "$WB" ] || { echo "confine-overhead: no $WB (make first)" >&2; exit 2; }
[ -n "$HELLO" ] && [ -f "$HELLO" ] || { echo "confine-overhead: no hello.wasm (make bench-programs)" >&2; exit 2; }
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT

# measure NAME CMD...: appends CMD's wall time (us) to $out/NAME and, with
# the stopwatch bench/tools/rss.c (make bench-programs builds it), its CPU
# time (user + system of the process tree, us) to $out/NAME.cpu.
RSS=
for r in "$B/bench/rss" build/bench/rss; do [ -x "$r" ] && RSS=$r && break; done
measure() {
    local name=$1 t0 t1 line; shift
    if [ -n "$RSS" ]; then
        "$RSS" -o "$out/t" -- "$@" >/dev/null 2>"$out/err" || { echo FAILED >>"$out/$name"; return 1; }
        line=$(tail -n1 "$out/t")
        echo "$line" | sed -n 's/.*wall=\([0-9.]*\).*/\1/p' | awk '{ printf "%d\n", $1 * 1e6 }' >>"$out/$name"
        echo "$line" | sed -n 's/.*cpu=\([0-9.]*\).*/\1/p' | awk '{ printf "%d\n", $1 * 1e6 }' >>"$out/$name.cpu"
        return 0
    fi
    t0=$EPOCHREALTIME
    "$@" >/dev/null 2>"$out/err" || { echo FAILED >>"$out/$name"; return 1; }
    t1=$EPOCHREALTIME
    echo $(( (10#${t1%.*} - 10#${t0%.*}) * 1000000 + 10#${t1#*.} - 10#${t0#*.} )) >>"$out/$name"
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
                                               else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# warm-up (page cache, the binary)
"$WB" run --policy none "$HELLO" >/dev/null && "$WB" run --policy "$POLICY" "$HELLO" >/dev/null ||
    { echo "confine-overhead: hello.wasm does not run" >&2; exit 1; }
for f in none conf fresh spawn none.cpu conf.cpu fresh.cpu; do : >"$out/$f"; done
for ((i = 0; i < RUNS; i++)); do
    measure none "$WB" run --policy none "$HELLO"
    measure conf "$WB" run --policy "$POLICY" "$HELLO"
    if [ "$(id -u)" -eq 0 ]; then
        WASMBOX_NETNS_PIN= measure fresh "$WB" run --policy "$POLICY" "$HELLO"
    fi
    "$WB" run --policy "$POLICY" --report json="$out/r.json" "$HELLO" >/dev/null 2>&1 &&
        sed -n 's/.*"spawn_us":\([0-9]*\).*/\1/p' "$out/r.json" >>"$out/spawn"
done
if grep -q FAILED "$out/none" "$out/conf" "$out/fresh"; then
    echo "confine-overhead: a run failed"; cat "$out/err"; exit 1
fi
n=$(median <"$out/none") c=$(median <"$out/conf") s=$(median <"$out/spawn")
d=$((c - n))
printf 'start-up of hello.wasm, median of %d interleaved runs (%s)\n' "$RUNS" "$(uname -r)"
printf '  --policy none (in-process)      %8.3f ms\n' "$(echo "$n / 1000" | bc -l)"
printf '  --policy %-8s (confined)     %8.3f ms\n' "$POLICY" "$(echo "$c / 1000" | bc -l)"
printf '  confinement overhead            %8.3f ms  (goal <= 1 ms: %s)\n' \
    "$(echo "$d / 1000" | bc -l)" "$([ "$d" -le 1000 ] && echo met || echo NOT met)"
printf '  ratio confined / none           %8.2f\n' "$(echo "$c / $n" | bc -l)"
printf '  clone3 -> confined (supervisor) %8.3f ms\n' "$(echo "${s:-0} / 1000" | bc -l)"
if [ -s "$out/conf.cpu" ]; then
    nc=$(median <"$out/none.cpu") cc=$(median <"$out/conf.cpu")
    printf '  CPU time (user+sys, all processes): none %.3f ms, confined %.3f ms, +%.3f ms\n' \
        "$(echo "$nc / 1000" | bc -l)" "$(echo "$cc / 1000" | bc -l)" \
        "$(echo "($cc - $nc) / 1000" | bc -l)"
fi
if [ -s "$out/fresh" ]; then
    f=$(median <"$out/fresh")
    printf '  confined, netns not pinned      %8.3f ms  (WASMBOX_NETNS_PIN=: a new one per run)\n' \
        "$(echo "$f / 1000" | bc -l)"
    if [ -s "$out/fresh.cpu" ]; then
        printf '    its CPU time                  %8.3f ms\n' \
            "$(echo "$(median <"$out/fresh.cpu") / 1000" | bc -l)"
    fi
fi
echo "  (one 2-vCPU VM shared with other jobs: noisy; compare within one run)"

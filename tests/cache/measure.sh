#!/bin/sh
# measure.sh WASMBOX MODULE [RUNS] [-- RUN-OPTIONS...] — start-up through
# the code cache: median wall time of `wasmbox run` with the entry absent
# (cold: compile + store), present (warm: load), and with --no-cache
# (compile only), interleaved, RUNS times each (default 15). Uses a
# scratch cache directory. Prints one line per case, in milliseconds.
set -eu
wb=$1 mod=$2 runs=${3:-15}
shift 2; [ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
now() { date +%s%N; }
one() { # CASE RUN-OPTIONS...: runs once, prints the nanoseconds
    c=$1; shift
    [ "$c" = cold ] && rm -f "$dir"/*.wbc
    t0=$(now)
    if [ "$c" = nocache ]; then
        "$wb" run --no-cache --cache-dir "$dir" "$@" "$mod" >/dev/null
    else
        "$wb" run --cache-dir "$dir" "$@" "$mod" >/dev/null
    fi
    echo $(( $(now) - t0 ))
}
median() { sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f", m / 1e6 }'; }
"$wb" run --cache-dir "$dir" "$@" "$mod" >/dev/null   # warms the page cache; must work
for i in $(seq "$runs"); do
    for c in cold warm nocache; do
        case $c in
            cold) one cold "$@" >> "$dir/cold.t" ;;
            warm) one warm "$@" >> "$dir/warm.t" ;;
            nocache) one nocache "$@" >> "$dir/nocache.t" ;;
        esac
    done
done
size=$(stat -c %s "$dir"/*.wbc 2>/dev/null | head -n 1)
printf '%s (%s bytes, entry %s bytes), median of %s runs:\n' "$mod" "$(stat -c %s "$mod")" "${size:-?}" "$runs"
printf '  cold (miss: compile + store) %8s ms\n' "$(median < "$dir/cold.t")"
printf '  warm (hit: load)             %8s ms\n' "$(median < "$dir/warm.t")"
printf '  --no-cache (compile only)    %8s ms\n' "$(median < "$dir/nocache.t")"

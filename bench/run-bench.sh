#!/bin/sh
# run-bench.sh — the benchmark run: wasmbox against native code and node.
#
#   bench/run-bench.sh [options] [BUILD_DIR]      (default BUILD_DIR: build)
#
# Reports, in this order:
#   1. each program of bench/programs: median wall time of N runs under
#      native (gcc -O2), node (default tiering, bench/node-wasi.mjs),
#      `wasmbox run --opt-level 0` and `wasmbox run` (default level), with
#      ratios to native and the geometric mean of the ratios per runtime.
#      Rounds are interleaved: round r runs every program under every runtime
#      once (the runtime order rotates per round), so that a burst of load
#      from other jobs hits all columns alike. Every run's output is checked
#      against the native output; a mismatch or a non-zero exit is FAIL.
#   2. start-up: examples/hello end to end, median of 20 interleaved runs.
#   3. peak RSS per runtime (hello world, and over the programs).
#   4. decode+validate throughput (bench/validate-throughput.sh) and compile
#      speed (bench/compile-speed.sh: baseline tier against V8's Liftoff; here
#      also the default tier and V8's TurboFan).
#   5. the output of bench/interrupt-overhead.sh, bench/externref.sh and
#      bench/cache.sh (code cache: cold vs warm start-up, sharing),
#      bench/confine-overhead.sh (start-up of a confined hello world against
#      --policy none), when those exist (called with BUILD_DIR).
# Times come from bench/tools/rss.c (wall: CLOCK_MONOTONIC around fork/wait;
# cpu: user + sys of the process tree; peak RSS: getrusage), not time(1).
#
# Results: stdout, and in the bench directory results.txt (the same text),
# results.md (the tables in Markdown) and results.json (one object: machine,
# date, git commit, configuration, every row).
#
# Options:
#   --runs N          timed runs per program and runtime (default 5)
#   --div D           run each program at its default scale / D (default 3;
#                     the defaults are ~1 s natively, so ~0.3 s)
#   --startup-runs N  runs of the start-up measurement (default 20)
#   --only NAME       only this program (may be repeated)
#   --no-compile      skip section 4
#   --no-extra        skip section 5
#   --quick           --runs 3 --div 10 --startup-runs 10 (a try-out)
#   --bench-dir DIR   programs and outputs (default build/bench; make
#                     bench-programs builds them there, and is run when some
#                     are missing)
#   -h, --help        this text
#
# Environment: NODE (default node), MAKE (default make),
# RUN_TIMEOUT (seconds per program run, default 300).
#
# A wasmbox without `run` (or without --opt-level) gives "n/a" columns.
# wasmbox runs use a private code cache directory (XDG_CACHE_HOME set to
# BENCH_DIR/cache, emptied at the start), so once the cache exists the
# program rows are warm-cache after the first round.
set -u
cd "$(dirname "$0")/.." || exit 2

usage() { # [STATUS]: the header comment; on stderr unless STATUS is 0
    if [ "${1:-2}" = 0 ]; then
        sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
    else
        sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2
    fi
    exit "${1:-2}"
}

RUNS=5 DIV=3 SRUNS=20 ONLY= DO_COMPILE=1 DO_EXTRA=1 BENCH=build/bench B=
while [ $# -gt 0 ]; do
    case $1 in
    --runs) [ $# -ge 2 ] || usage; RUNS=$2; shift 2 ;;
    --div) [ $# -ge 2 ] || usage; DIV=$2; shift 2 ;;
    --startup-runs) [ $# -ge 2 ] || usage; SRUNS=$2; shift 2 ;;
    --only) [ $# -ge 2 ] || usage; ONLY="$ONLY $2"; shift 2 ;;
    --no-compile) DO_COMPILE=0; shift ;;
    --no-extra) DO_EXTRA=0; shift ;;
    --quick) RUNS=3 DIV=10 SRUNS=10; shift ;;
    --bench-dir) [ $# -ge 2 ] || usage; BENCH=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    -*) echo "run-bench: unknown option $1" >&2; usage ;;
    *) [ -z "$B" ] || usage; B=$1; shift ;;
    esac
done
B=${B:-build}
for v in "$RUNS" "$SRUNS"; do
    case $v in ''|*[!0-9]*|0) echo "run-bench: --runs/--startup-runs need a number >= 1" >&2; exit 2 ;; esac
done
case $DIV in ''|*[!0-9.]*) echo "run-bench: --div needs a positive number" >&2; exit 2 ;; esac
NODE=${NODE:-node}
TMO=${RUN_TIMEOUT:-300}
WB=$B/wasmbox
RSS=$BENCH/rss
T0=$(date +%s)

# -- Programs and tools -------------------------------------------------------
names=
for src in bench/programs/*.c; do
    n=$(basename "$src" .c)
    if [ -n "$ONLY" ]; then
        case " $ONLY " in *" $n "*) ;; *) continue ;; esac
    fi
    names="$names $n"
done
[ -n "$names" ] || { echo "run-bench: no programs selected" >&2; exit 2; }

stale=0
for n in $names; do
    for f in "$BENCH/native/$n" "$BENCH/wasm/$n.wasm"; do
        if [ ! -e "$f" ] || [ "bench/programs/$n.c" -nt "$f" ]; then stale=1; fi
    done
done
for f in "$RSS" "$BENCH/examples/native/hello" "$BENCH/examples/wasm/hello.wasm"; do
    [ -e "$f" ] || stale=1
done
if [ "$stale" = 1 ]; then
    echo "run-bench: building the programs (make bench-programs)" >&2
    ${MAKE:-make} --no-print-directory -s BUILD="$(dirname "$BENCH")" bench-programs >&2 || exit 1
fi

W=$(mktemp -d) || exit 2
trap 'rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$BENCH/cache"
rm -rf "${BENCH:?}/cache/"*
export XDG_CACHE_HOME="$PWD/$BENCH/cache"
case $BENCH in /*) XDG_CACHE_HOME=$BENCH/cache ;; esac

to=
if command -v timeout >/dev/null 2>&1; then to="timeout $TMO"; fi

# -- Runtimes -----------------------------------------------------------------
# Keys: native node wb0 wb. A runtime that is missing stays in the tables as
# "n/a"; notes= says why.
rts="native" notes=
if command -v "$NODE" >/dev/null 2>&1; then
    rts="$rts node"
else
    notes="$notes|node: '$NODE' not found"
fi
if [ ! -x "$WB" ]; then
    notes="$notes|wasmbox: $WB not built"
elif ! "$WB" run --help >/dev/null 2>&1; then
    notes="$notes|wasmbox: $WB has no run command yet"
else
    if "$WB" run --opt-level 0 --help >/dev/null 2>&1; then
        rts="$rts wb0"
    else
        notes="$notes|wasmbox -O0: wasmbox run has no --opt-level yet"
    fi
    rts="$rts wb"
fi
ALL_RTS="native node wb0 wb"

# run_rt RT TIMESFILE NATIVE WASM ARGS...: one run through the stopwatch;
# stdout to $W/out, stderr to $W/err; the stopwatch line goes to TIMESFILE.
run_rt() {
    rt=$1 tf=$2 nat=$3 wasm=$4; shift 4
    case $rt in
    native) "$RSS" -o "$tf" -- $to "$nat" "$@" ;;
    node)   "$RSS" -o "$tf" -- $to "$NODE" bench/node-wasi.mjs "$wasm" "$@" ;;
    wb0)    "$RSS" -o "$tf" -- $to "$WB" run --opt-level 0 "$wasm" "$@" ;;
    wb)     "$RSS" -o "$tf" -- $to "$WB" run "$wasm" "$@" ;;
    esac >"$W/out" 2>"$W/err"
}

# rotate N WORDS...: the words, starting at the (N mod count)-th.
rotate() {
    k=$1; shift
    k=$((k % $#)); i=0; head= tail=
    for w in "$@"; do
        if [ $i -lt $k ]; then tail="$tail $w"; else head="$head $w"; fi
        i=$((i + 1))
    done
    echo $head $tail
}

load() { cut -d' ' -f1 /proc/loadavg; }
loads=$(load)

say() { echo "$*" >&2; }

# -- 1. Programs ----------------------------------------------------------------
say "run-bench: runtimes: $rts; $RUNS runs; default scale / $DIV"
for n in $names; do
    def=$(sed -n 's/^#define DEFAULT_SCALE \([0-9]*\).*/\1/p' "bench/programs/$n.c")
    s=$(awk -v d="${def:-1}" -v k="$DIV" 'BEGIN { s = int(d / k + 0.5); print (s < 1 ? 1 : s) }')
    echo "$s" >"$W/scale.$n"
    # The reference output (and a warm-up of the native binary).
    "$BENCH/native/$n" "$s" >"$W/ref.$n" 2>/dev/null
    echo "[exit $?]" >>"$W/ref.$n"
done

r=0
while [ $r -lt "$RUNS" ]; do
    say "run-bench: round $((r + 1))/$RUNS ($(($(date +%s) - T0)) s, load $(load))"
    loads="$loads $(load)"
    for n in $names; do
        s=$(cat "$W/scale.$n")
        for rt in $(rotate $r $rts); do
            [ -e "$W/bad.$n.$rt" ] && continue     # failed once: not timed again
            run_rt "$rt" "$W/t.$n.$rt" "$BENCH/native/$n" "$BENCH/wasm/$n.wasm" "$s"
            echo "[exit $?]" >>"$W/out"
            if ! cmp -s "$W/out" "$W/ref.$n"; then
                { tr '\n' ' ' <"$W/out" | cut -c1-160; echo; head -n 3 "$W/err"; } >"$W/bad.$n.$rt"
                say "run-bench: FAIL $n under $rt: $(head -n 1 "$W/bad.$n.$rt")"
            fi
        done
    done
    r=$((r + 1))
done

# field NAME FILE: the values of NAME= in the stopwatch lines of FILE.
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" "$2"; }
median() {
    sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# res: one line per program and runtime: NAME SCALE RT WALL CPU RSS_KB STATE
: >"$W/res"
for n in $names; do
    for rt in $ALL_RTS; do
        f=$W/t.$n.$rt
        if [ -e "$W/bad.$n.$rt" ]; then st=FAIL
        elif [ -s "$f" ]; then st=ok
        else st=na; fi
        if [ "$st" = ok ]; then
            echo "$n $(cat "$W/scale.$n") $rt $(field wall "$f" | median) $(field cpu "$f" | median) $(field rss_kb "$f" | median) ok"
        else
            echo "$n $(cat "$W/scale.$n") $rt - - - $st"
        fi
    done
done >>"$W/res"

# -- 2. Start-up ----------------------------------------------------------------
hello_n=$BENCH/examples/native/hello
hello_w=$BENCH/examples/wasm/hello.wasm
printf 'Hello, world!\n[exit 0]\n' >"$W/ref.hello"
say "run-bench: start-up, $SRUNS runs ($(($(date +%s) - T0)) s)"
to=   # no timeout(1) in between: it would add its own start-up
r=0
while [ $r -lt "$SRUNS" ]; do
    for rt in $(rotate $r $rts); do
        [ -e "$W/bad.hello.$rt" ] && continue
        run_rt "$rt" "$W/s.$rt" "$hello_n" "$hello_w"
        echo "[exit $?]" >>"$W/out"
        if ! cmp -s "$W/out" "$W/ref.hello"; then
            { tr '\n' ' ' <"$W/out" | cut -c1-160; echo; head -n 3 "$W/err"; } >"$W/bad.hello.$rt"
        fi
    done
    r=$((r + 1))
done
# sres: RT WALL_MS RSS_KB STATE
: >"$W/sres"
for rt in $ALL_RTS; do
    if [ -e "$W/bad.hello.$rt" ]; then
        echo "$rt - - FAIL"
    elif [ -s "$W/s.$rt" ]; then
        echo "$rt $(field wall "$W/s.$rt" | median | awk '{ printf "%.2f", $1 * 1000 }') $(field rss_kb "$W/s.$rt" | median) ok"
    else
        echo "$rt - - na"
    fi
done >>"$W/sres"
loads="$loads $(load)"

# -- 4. Validate and compile ------------------------------------------------------
: >"$W/validate.txt" ; : >"$W/compile.txt"
if [ "$DO_COMPILE" = 1 ]; then
    if [ ! -e "$B/libwasmbox.a" ]; then
        echo "(not run: $B/libwasmbox.a not built)" >"$W/validate.txt"
    else
        say "run-bench: decode+validate throughput ($(($(date +%s) - T0)) s)"
        bench/validate-throughput.sh "$B" >"$W/validate.txt" 2>&1 ||
            echo "(bench/validate-throughput.sh failed: status $?)" >>"$W/validate.txt"
        say "run-bench: compile speed ($(($(date +%s) - T0)) s)"
        bench/compile-speed.sh "$B" >"$W/compile.txt" 2>&1 ||
            echo "(bench/compile-speed.sh failed: status $?)" >>"$W/compile.txt"
        # The default tier (compile-speed.sh times the baseline), and V8's
        # optimizing tier on the smaller module (~7 s a run on the larger).
        if [ -x build/bench/compile_bench ]; then
            for f in build/bench/big-O0.wasm build/bench/big-O1.wasm; do
                [ -e "$f" ] && build/bench/compile_bench "$f" 5 2 >>"$W/compile.txt" 2>&1
            done
        fi
        if [ -e build/bench/big-O1.wasm ] && command -v "$NODE" >/dev/null 2>&1; then
            echo "node turbofan: build/bench/big-O1.wasm: $("$NODE" --no-liftoff --no-wasm-lazy-compilation \
                bench/node-compile.mjs build/bench/big-O1.wasm 3 2>&1)" >>"$W/compile.txt"
        fi
    fi
fi

# -- 5. Other issues' rows --------------------------------------------------------
: >"$W/extra.txt"
if [ "$DO_EXTRA" = 1 ]; then
    for x in interrupt-overhead externref cache confine-overhead; do
        [ -f "bench/$x.sh" ] || continue
        say "run-bench: bench/$x.sh ($(($(date +%s) - T0)) s)"
        {
            echo "== bench/$x.sh"
            if [ -x "bench/$x.sh" ]; then
                "bench/$x.sh" "$B" 2>&1 || echo "(bench/$x.sh failed: status $?)"
            else
                sh "bench/$x.sh" "$B" 2>&1 || echo "(bench/$x.sh failed: status $?)"
            fi
        } >>"$W/extra.txt"
    done
fi
loads="$loads $(load)"
elapsed=$(($(date +%s) - T0))

# -- Report -------------------------------------------------------------------------
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
ncpu=$(nproc 2>/dev/null || echo '?')
date_now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ -n "$(GIT_OPTIONAL_LOCKS=0 git status --porcelain --untracked-files=no 2>/dev/null | head -n 1)" ]; then
    dirty=true
else
    dirty=false
fi
node_v=$("$NODE" --version 2>/dev/null || echo none)
gcc_v=$(gcc -dumpfullversion 2>/dev/null || echo '?')
clang_v=$(clang --version 2>/dev/null | sed -n '1s/.*version \([0-9.]*\).*/\1/p')

# The tables: one awk program over res, sres and the compile/validate text.
# Writes the text report to $W/report.txt, Markdown to $W/report.md and
# the JSON rows to $W/rows.json.
awk -v RUNS="$RUNS" -v DIV="$DIV" -v SRUNS="$SRUNS" -v W="$W" -v notes="$notes" '
function fmt(x, d) { return x == "-" ? "-" : sprintf("%." d "f", x) }
function mb(kb) { return kb == "-" ? "-" : sprintf("%.1f", kb / 1024) }
function jnum(x) { return (x == "-" || x == "") ? "null" : x }
function jstr(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/\t/, "\\t", s); return "\"" s "\"" }
BEGIN {
    nrt = split("native node wb0 wb", RT, " ")
    LABEL["native"] = "native"; LABEL["node"] = "node"
    LABEL["wb0"] = "wasmbox -O0"; LABEL["wb"] = "wasmbox"
    JKEY["native"] = "native"; JKEY["node"] = "node"
    JKEY["wb0"] = "wasmbox_O0"; JKEY["wb"] = "wasmbox"
    txt = W "/report.txt"; md = W "/report.md"; js = W "/rows.json"
}
FILENAME ~ /\/res$/ {
    n = $1
    if (!(n in seen)) { seen[n] = 1; order[++np] = n }
    scale[n] = $2; wall[n, $3] = $4; cpu[n, $3] = $5; rss[n, $3] = $6; st[n, $3] = $7
    next
}
FILENAME ~ /\/sres$/ { swall[$1] = $2; srss[$1] = $3; sst[$1] = $4; next }
FILENAME ~ /validate.txt$/ {
    # decode+validate: FILE, X MB, median of N runs T ms, R MB/s (...)
    if ($0 ~ /^decode\+validate: /) {
        f = $2; sub(/,$/, "", f); nv++
        vfile[nv] = f; vmb[nv] = $3
        for (i = 1; i <= NF; i++) if ($i == "MB/s") vrate[nv] = $(i - 1)
        for (i = 1; i <= NF; i++) if ($i == "runs") vms[nv] = $(i + 1)
    }
    next
}
FILENAME ~ /compile.txt$/ {
    if ($0 ~ /^compile: /) {
        # compile: FILE, X MB of function bodies, median of N: decode+validate A ms,
        #   jit -OL B ms = C MB/s (jit alone), D MB/s (all)
        f = $2; sub(/,$/, "", f)
        if (!(f in cseen)) { cseen[f] = 1; cfile[++nc] = f }
        body[f] = $3
        lvl = ""; for (i = 1; i <= NF; i++) if ($i ~ /^-O[0-9s]$/) { lvl = substr($i, 3); jms = $(i + 1) }
        for (i = 1; i <= NF; i++) if ($i == "decode+validate") dvms = $(i + 1)
        key = (lvl == "0") ? "wb0" : "wb"
        cjit[f, key] = jms; cdv[f, key] = dvms
        last = f
    } else if ($0 ~ /^node compile: /) {
        # after a compile: line of compile-speed.sh, for the same file
        cnode[last] = $(NF - 1)
    } else if ($0 ~ /^node turbofan: /) {
        f = $3; sub(/:$/, "", f); ctf[f] = $(NF - 1)
    } else if ($0 ~ /^process start-up \+ compile of /) {
        # keyed by the basename: this line names the file without its folder
        f = $6; sub(/:$/, "", f); sub(/.*\//, "", f)
        for (i = 1; i <= NF; i++) { if ($i == "wasmbox") pwb[f] = $(i + 1); if ($i == "(liftoff)") pnode[f] = $(i + 1) }
    }
    next
}
END {
    # ---- programs
    printf "Programs: wall time, median of %d runs (default scale / %s), ratio to native\n", RUNS, DIV > txt
    printf "%-10s %6s", "program", "scale" > txt
    for (k = 1; k <= nrt; k++) printf "  %-18s", LABEL[RT[k]] > txt
    printf "\n" > txt
    printf "| program | scale | native, s |" > md
    for (k = 2; k <= nrt; k++) printf " %s, s (ratio) |", LABEL[RT[k]] > md
    printf "\n|---|--:|" > md
    for (k = 1; k <= nrt; k++) printf "--:|" > md
    printf "\n" > md
    printf "\"programs\": [" > js
    for (p = 1; p <= np; p++) {
        n = order[p]
        printf "%-10s %6d", n, scale[n] > txt
        printf "| %s | %d |", n, scale[n] > md
        printf "%s\n  {\"name\": %s, \"scale\": %d", (p > 1 ? "," : ""), jstr(n), scale[n] > js
        for (k = 1; k <= nrt; k++) {
            rt = RT[k]; s = st[n, rt]; cell = ""
            if (s == "ok") {
                cell = sprintf("%.3fs", wall[n, rt])
                if (rt != "native" && st[n, "native"] == "ok" && wall[n, "native"] > 0) {
                    ratio = wall[n, rt] / wall[n, "native"]
                    cell = cell sprintf(" %5.2fx", ratio)
                    lsum[rt] += log(ratio); lcnt[rt]++
                    if (cpu[n, "native"] > 0 && cpu[n, rt] > 0) { csum[rt] += log(cpu[n, rt] / cpu[n, "native"]); ccnt[rt]++ }
                }
                if (rss[n, rt] > rmax[rt]) { rmax[rt] = rss[n, rt]; rmaxn[rt] = n }
                rlist[rt] = rlist[rt] " " rss[n, rt]
            } else cell = (s == "FAIL") ? "FAIL" : "n/a"
            printf "  %-18s", cell > txt
            mcell = cell
            if (s == "ok") {
                mcell = sprintf("%.3f", wall[n, rt])
                if (cell ~ /x$/) mcell = mcell sprintf(" (%.2f×)", ratio)
            }
            printf " %s |", mcell > md
            if (s == "ok")
                printf ", %s: {\"wall_s\": %s, \"cpu_s\": %s, \"peak_rss_kb\": %s%s}", jstr(JKEY[rt]), wall[n, rt], cpu[n, rt], rss[n, rt], \
                    (rt != "native" && st[n, "native"] == "ok" && wall[n, "native"] > 0) ? sprintf(", \"ratio\": %.4f", wall[n, rt] / wall[n, "native"]) : "" > js
            else
                printf ", %s: {\"status\": %s}", jstr(JKEY[rt]), jstr(s == "FAIL" ? "fail" : "n/a") > js
        }
        printf "\n" > txt; printf "\n" > md; printf "}" > js
    }
    printf "\n],\n" > js
    printf "%-17s", "geomean (wall)" > txt
    printf "| **geomean** (wall) | |" > md
    printf "\"geomean_ratio\": {" > js
    sep = ""
    for (k = 1; k <= nrt; k++) {
        rt = RT[k]
        if (rt == "native") { cell = "1.00x" }
        else if (lcnt[rt] > 0) {
            g = exp(lsum[rt] / lcnt[rt]); cell = sprintf("%.2fx", g)
            if (lcnt[rt] < np) cell = cell sprintf(" (%d of %d)", lcnt[rt], np)
            printf "%s%s: {\"wall\": %.4f, \"cpu\": %s, \"programs\": %d}", sep, jstr(JKEY[rt]), g, \
                (ccnt[rt] > 0 ? sprintf("%.4f", exp(csum[rt] / ccnt[rt])) : "null"), lcnt[rt] > js
            sep = ", "
        } else cell = "n/a"
        printf "  %-18s", cell > txt
        mcell = cell; sub(/x/, "×", mcell)
        printf " %s |", mcell > md
    }
    printf "\n" > txt; printf "\n" > md; printf "},\n" > js
    printf "%-17s", "geomean (cpu)" > txt
    printf "| geomean (cpu time) | |" > md
    for (k = 1; k <= nrt; k++) {
        rt = RT[k]
        cell = (rt == "native") ? "1.00x" : (ccnt[rt] > 0 ? sprintf("%.2fx", exp(csum[rt] / ccnt[rt])) : "n/a")
        if (rt != "native" && ccnt[rt] > 0 && ccnt[rt] < np) cell = cell sprintf(" (%d of %d)", ccnt[rt], np)
        printf "  %-18s", cell > txt
        mcell = cell; sub(/x/, "×", mcell)
        printf " %s |", mcell > md
    }
    printf "\n" > txt; printf "\n" > md

    # ---- start-up and RSS
    printf "\nStart-up: examples/hello end to end, median of %d runs; peak RSS (MB)\n", SRUNS > txt
    printf "%-12s %12s %12s %14s %s\n", "runtime", "hello ms", "hello RSS", "programs RSS", "(median; max)" > txt
    printf "\nStart-up (examples/hello end to end, median of %d runs) and peak RSS:\n", SRUNS > md
    printf "\n| runtime | start-up (hello), ms | peak RSS, hello, MB | peak RSS, programs: median (max), MB |\n|---|--:|--:|--:|\n" > md
    printf "\"startup\": {" > js
    sep = ""
    for (k = 1; k <= nrt; k++) {
        rt = RT[k]
        nr = split(rlist[rt], rv, " ")
        # median of the programs peak RSS
        for (i = 1; i <= nr; i++) for (j = i + 1; j <= nr; j++) if (rv[j] + 0 < rv[i] + 0) { t = rv[i]; rv[i] = rv[j]; rv[j] = t }
        rmed = nr ? (nr % 2 ? rv[(nr + 1) / 2] : (rv[nr / 2] + rv[nr / 2 + 1]) / 2) : "-"
        hs = (sst[rt] == "ok") ? swall[rt] : (sst[rt] == "FAIL" ? "FAIL" : "n/a")
        hr = (sst[rt] == "ok") ? mb(srss[rt]) : "-"
        pr = nr ? sprintf("%s (%s %s)", mb(rmed), mb(rmax[rt]), rmaxn[rt]) : "n/a"
        printf "%-12s %12s %12s %14s\n", LABEL[rt], hs, hr, pr > txt
        printf "| %s | %s | %s | %s |\n", LABEL[rt], hs, hr, pr > md
        if (sst[rt] == "ok") {
            printf "%s%s: {\"hello_ms\": %s, \"hello_peak_rss_kb\": %s}", sep, jstr(JKEY[rt]), swall[rt], srss[rt] > js
            sep = ", "
        }
        prss[rt] = nr ? sprintf("{\"median_kb\": %s, \"max_kb\": %s, \"max_program\": %s}", rmed, rmax[rt], jstr(rmaxn[rt])) : ""
    }
    printf "},\n\"peak_rss_programs\": {" > js
    sep = ""
    for (k = 1; k <= nrt; k++) if (prss[RT[k]] != "") { printf "%s%s: %s", sep, jstr(JKEY[RT[k]]), prss[RT[k]] > js; sep = ", " }
    printf "},\n" > js

    # ---- validate
    printf "\"validate\": [" > js
    if (nv) {
        printf "\nDecode+validate throughput (one core)\n" > txt
        printf "\nDecode+validate throughput (one core, median):\n" > md
        printf "\n| module | size, MB | decode+validate, ms | MB/s |\n|---|--:|--:|--:|\n" > md
        for (i = 1; i <= nv; i++) {
            f = vfile[i]; sub(/.*\//, "", f)
            printf "  %-14s %7s MB %9s ms %7s MB/s\n", f, vmb[i], vms[i], vrate[i] > txt
            printf "| %s | %s | %s | %s |\n", f, vmb[i], vms[i], vrate[i] > md
            printf "%s{\"module\": %s, \"mb\": %s, \"ms\": %s, \"mb_per_s\": %s}", (i > 1 ? ", " : ""), jstr(f), jnum(vmb[i]), jnum(vms[i]), jnum(vrate[i]) > js
        }
    }
    printf "],\n\"compile\": [" > js
    # ---- compile
    if (nc) {
        printf "\nCompile speed: MB/s of function bodies, decode+validate+compile in one process (ms)\n" > txt
        printf "%-14s %7s %18s %18s %18s %18s\n", "module", "MB", "wasmbox -O0", "wasmbox default", "node liftoff", "node turbofan" > txt
        printf "\nCompile speed: MB/s of function bodies for decode + validate + compile inside one process (time in ms), median:\n" > md
        printf "\n| module | function bodies, MB | wasmbox -O0 | wasmbox default | node Liftoff | node TurboFan |\n|---|--:|--:|--:|--:|--:|\n" > md
        for (i = 1; i <= nc; i++) {
            f = cfile[i]; sz = body[f]; short = f; sub(/.*\//, "", short)
            c0 = (f SUBSEP "wb0") in cjit ? cjit[f, "wb0"] + cdv[f, "wb0"] : ""
            c2 = (f SUBSEP "wb") in cjit ? cjit[f, "wb"] + cdv[f, "wb"] : ""
            cl = (f in cnode) ? cnode[f] : ""; ct = (f in ctf) ? ctf[f] : ""
            a = c0 != "" ? sprintf("%.0f (%.0f ms)", sz / c0 * 1000, c0) : "-"
            b = c2 != "" ? sprintf("%.0f (%.0f ms)", sz / c2 * 1000, c2) : "-"
            c = cl != "" ? sprintf("%.0f (%.0f ms)", sz / cl * 1000, cl) : "-"
            d = ct != "" ? sprintf("%.0f (%.0f ms)", sz / ct * 1000, ct) : "-"
            printf "%-14s %7s %18s %18s %18s %18s\n", short, sz, a, b, c, d > txt
            printf "| %s | %s | %s | %s | %s | %s |\n", short, sz, a, b, c, d > md
            printf "%s{\"module\": %s, \"function_bodies_mb\": %s, \"wasmbox_O0_ms\": %s, \"wasmbox_ms\": %s, \"node_liftoff_ms\": %s, \"node_turbofan_ms\": %s, \"process_wasmbox_O0_ms\": %s, \"process_node_liftoff_ms\": %s}", \
                (i > 1 ? ", " : ""), jstr(short), jnum(sz), jnum(c0), jnum(c2), jnum(cl), jnum(ct), jnum(pwb[short]), jnum(pnode[short]) > js
        }
        np2 = 0
        for (i = 1; i <= nc; i++) {
            short = cfile[i]; sub(/.*\//, "", short)
            if (!(short in pwb)) continue
            if (!np2++) {
                printf "Whole processes (start-up + read + baseline compile, median of 7):\n" > txt
                printf "\n| whole process: start-up + read + baseline compile, median of 7 | wasmbox -O0, ms | node Liftoff, ms |\n|---|--:|--:|\n" > md
            }
            printf "  %-14s wasmbox %s ms, node (Liftoff) %s ms\n", short, pwb[short], pnode[short] > txt
            printf "| %s | %s | %s |\n", short, pwb[short], pnode[short] > md
        }
    }
    printf "],\n" > js
    if (notes != "") {
        m = split(substr(notes, 2), nn, "|")
        printf "\nNot measured:\n" > txt
        printf "\nNot measured:\n\n" > md
        for (i = 1; i <= m; i++) { printf "  %s\n", nn[i] > txt; printf "- %s\n", nn[i] > md }
    }
}' "$W/res" "$W/sres" "$W/validate.txt" "$W/compile.txt"

# json_lines FILE: the lines of FILE as a JSON array of strings.
json_lines() {
    awk 'BEGIN { printf "[" } { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, "\\t"); gsub(/[\001-\037]/, "");
        printf "%s\"%s\"", (NR > 1 ? ", " : ""), $0 } END { printf "]" }' "$1"
}
json_str() { printf '%s' "$1" | awk '{ gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); printf "\"%s\"", $0 }'; }

{
    echo "wasmbox benchmarks: $date_now, commit $commit$( [ "$dirty" = true ] && echo ' (with uncommitted changes)')"
    echo "machine: $ncpu x $cpu_model; load average during the run: $(echo $loads | tr ' ' '\n' | sort -n | sed -n '1p;$p' | tr '\n' ' ' | awk '{ print $1 "-" $2 }'); node $node_v, gcc $gcc_v, clang $clang_v; $elapsed s"
    echo
    cat "$W/report.txt"
    if [ -s "$W/validate.txt" ] || [ -s "$W/compile.txt" ]; then
        echo
        echo "Raw output of bench/validate-throughput.sh, bench/compile-speed.sh:"
        sed 's/^/  /' "$W/validate.txt" "$W/compile.txt"
    fi
    if [ -s "$W/extra.txt" ]; then
        echo
        cat "$W/extra.txt"
    fi
    if ls "$W"/bad.* >/dev/null 2>&1; then
        echo
        echo "Failures (output differs from native, or non-zero exit):"
        for f in "$W"/bad.*; do
            what=$(basename "$f" | sed 's/^bad\.//; s/\.native$/ natively/; s/\.node$/ under node/;
                s/\.wb0$/ under wasmbox -O0/; s/\.wb$/ under wasmbox/')
            echo "  $what: output '$(head -n 1 "$f")'"
            sed -n '2,$ { /^$/d; s/^/      stderr: /p; }' "$f"
        done
    fi
} >"$BENCH/results.txt"
cat "$BENCH/results.txt"
{
    echo "Measured $date_now at commit $commit$( [ "$dirty" = true ] && echo ' (with uncommitted changes)') on $ncpu x $cpu_model (load average $(echo $loads | tr ' ' '\n' | sort -n | sed -n '1p;$p' | tr '\n' ' ' | awk '{ print $1 "-" $2 }')), node $node_v, gcc $gcc_v, clang $clang_v."
    echo "Wall time, median of $RUNS interleaved runs at the default scale / $DIV; ratio to native."
    echo
    cat "$W/report.md"
} >"$BENCH/results.md"

{
    echo "{"
    echo "\"machine\": {\"nproc\": $ncpu, \"cpu_model\": $(json_str "$cpu_model"), \"kernel\": $(json_str "$(uname -r)"), \"loadavg_samples\": [$(echo $loads | sed 's/ /, /g')]},"
    echo "\"date\": \"$date_now\", \"git_commit\": \"$commit\", \"git_dirty\": $dirty,"
    echo "\"tools\": {\"node\": $(json_str "$node_v"), \"gcc\": $(json_str "$gcc_v"), \"clang\": $(json_str "$clang_v")},"
    echo "\"config\": {\"runs\": $RUNS, \"scale_divisor\": $DIV, \"startup_runs\": $SRUNS, \"runtimes\": $(json_str "$rts"), \"elapsed_s\": $elapsed},"
    cat "$W/rows.json"
    printf '"not_measured": '; printf '%s\n' "$notes" | tr '|' '\n' | sed '/^$/d' >"$W/notes"; json_lines "$W/notes"; echo ","
    printf '"raw": {"validate": '; json_lines "$W/validate.txt"
    printf ', "compile": '; json_lines "$W/compile.txt"
    printf ', "extra": '; json_lines "$W/extra.txt"
    echo "}"
    echo "}"
} >"$BENCH/results.json"
echo
echo "run-bench: results in $BENCH/results.{txt,md,json}"
ls "$W"/bad.* >/dev/null 2>&1 && exit 1
exit 0

#!/usr/bin/env bash
# check-programs.sh — build the benchmark programs and the examples natively
# (gcc) and to wasm32-wasi (clang), run both builds, and check that the wasm
# build under node prints exactly what the native build prints.
#
#   bench/check-programs.sh [options] [BUILD_DIR]
#
# BUILD_DIR (default build/bench) receives native/NAME, wasm/NAME.wasm,
# examples/{native,wasm}/ and scratch directories. Programs are rebuilt only
# when their source is newer than the binary, so a make rule can build them
# first and this script reuses them.
#
# Options:
#   --scale N      scale argument for the smoke runs (default 1: the whole
#                  check takes well under a minute)
#   --time         also time the native builds at their default scale
#   --time-node    also time the wasm builds under node at the default scale
#                  (implies --time; compares those outputs too)
#   --runs N       timed runs per program, the median is printed (default 3)
#   --node-tier T  V8 tier for every node run: default (Liftoff, then TurboFan
#                  for functions called again; a running loop never tiers
#                  up), turbofan (optimizing only) or liftoff (baseline only)
#   --only NAME    only this benchmark program (may be repeated)
#   --no-examples  skip the examples/ checks
#   -h, --help     this text
#
# Environment: GCC (default gcc), CLANG (default clang), NODE (default node).
#
# Output: one line per program, "ok" or "FAIL" with both outputs; with
# --time a table of times. Exit status: 0 all matched, 1 a build failed or an
# output differed, 2 usage error or a missing tool.

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

GCC=${GCC:-gcc}
CLANG=${CLANG:-clang}
NODE=${NODE:-node}

# The command lines documented in examples/README.md; keep them in sync.
NATIVE_FLAGS=(-std=gnu11 -O2 -ffp-contract=off -Wall -Wextra)
WASM_FLAGS=(--target=wasm32-wasi -O2 -ffp-contract=off -Wall -Wextra)

usage() { # [STATUS]: the header comment; on stderr unless STATUS is 0
	if [ "${1:-2}" = 0 ]; then
		sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
	else
		sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2
	fi
	exit "${1:-2}"
}

build_dir=
scale=1
do_time=0
do_time_node=0
runs=3
examples=1
node_opts=()
only=()
while [ $# -gt 0 ]; do
	case $1 in
	--scale) [ $# -ge 2 ] || usage; scale=$2; shift 2 ;;
	--time) do_time=1; shift ;;
	--time-node) do_time=1; do_time_node=1; shift ;;
	--runs) [ $# -ge 2 ] || usage; runs=$2; shift 2 ;;
	--node-tier)
		[ $# -ge 2 ] || usage
		case $2 in
		default) node_opts=() ;;
		turbofan|liftoff) node_opts=("--$2") ;;
		*) echo "check-programs: --node-tier: default, turbofan or liftoff" >&2; exit 2 ;;
		esac
		shift 2 ;;
	--only) [ $# -ge 2 ] || usage; only+=("$2"); shift 2 ;;
	--no-examples) examples=0; shift ;;
	-h|--help) usage 0 ;;
	-*) echo "check-programs: unknown option $1" >&2; usage ;;
	*) [ -z "$build_dir" ] || usage; build_dir=$1; shift ;;
	esac
done
build_dir=${build_dir:-build/bench}
case $scale in ''|*[!0-9]*|0) echo "check-programs: --scale needs a number >= 1" >&2; exit 2 ;; esac
case $runs in ''|*[!0-9]*|0) echo "check-programs: --runs needs a number >= 1" >&2; exit 2 ;; esac

for tool in "$GCC" "$CLANG" "$NODE"; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "check-programs: $tool not found (make deps installs it)" >&2
		exit 2
	fi
done

mkdir -p "$build_dir/native" "$build_dir/wasm" || exit 2
build_dir=$(cd "$build_dir" && pwd)
launcher=$here/node-wasi.mjs
failures=0

# up_to_date OUT SRC: OUT exists and is newer than SRC and than this script.
up_to_date() {
	[ -e "$1" ] && [ ! "$2" -nt "$1" ] && [ ! "$0" -nt "$1" ]
}

# build SRC NATIVE_OUT WASM_OUT: prints the failing command's output on error.
build() {
	local src=$1 nat=$2 wasm=$3 log
	if ! up_to_date "$nat" "$src"; then
		if ! log=$("$GCC" "${NATIVE_FLAGS[@]}" -o "$nat" "$src" -lm 2>&1); then
			printf '%s\n' "$log" >&2
			return 1
		fi
		[ -z "$log" ] || printf '%s\n' "$log" >&2
	fi
	if ! up_to_date "$wasm" "$src"; then
		if ! log=$("$CLANG" "${WASM_FLAGS[@]}" -o "$wasm" "$src" 2>&1); then
			printf '%s\n' "$log" >&2
			return 1
		fi
		[ -z "$log" ] || printf '%s\n' "$log" >&2
	fi
	return 0
}

# run_capture VAR CMD...: runs CMD, stores its exact stdout (trailing
# newlines included) followed by "[exit N]" in VAR. stderr is not compared:
# strerror() texts may legitimately differ between glibc and wasi-libc.
run_capture() {
	local __var=$1 __out
	shift
	__out=$("$@" 2>/dev/null; printf '[exit %d]' $?)
	printf -v "$__var" '%s' "$__out"
}

# time_median CMD...: runs CMD $runs times (output discarded) and prints
# "WALL CPU": the median wall time and the median CPU time (user + system,
# children included) in seconds. CPU time is the steadier of the two when
# other jobs share the machine; node's CPU time includes its compiler threads.
time_median() {
	local i t walls=() cpus=() TIMEFORMAT='%R %U %S'
	for ((i = 0; i < runs; i++)); do
		t=$( { time "$@" >/dev/null 2>&1; } 2>&1 )
		walls+=("$(awk '{ printf "%.3f", $1 }' <<<"$t")")
		cpus+=("$(awk '{ printf "%.3f", $2 + $3 }' <<<"$t")")
	done
	printf '%s %s\n' \
		"$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')" \
		"$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
}

report() { # STATUS NAME DETAIL
	printf '%-5s %-14s %s\n' "$1" "$2" "$3"
}

oneline() { # TEXT: newlines shown as spaces
	printf '%s' "$1" | tr '\n' ' '
}

# ---- benchmark programs ----------------------------------------------------

programs=()
for src in "$here"/programs/*.c; do
	name=$(basename "$src" .c)
	if [ ${#only[@]} -gt 0 ]; then
		case " ${only[*]} " in *" $name "*) ;; *) continue ;; esac
	fi
	programs+=("$name")
done
if [ ${#programs[@]} -eq 0 ]; then
	echo "check-programs: no programs selected" >&2
	exit 2
fi

echo "== benchmark programs: native (gcc) vs wasm32-wasi under node, scale $scale"
built=()
for name in "${programs[@]}"; do
	src=$here/programs/$name.c
	nat=$build_dir/native/$name
	wasm=$build_dir/wasm/$name.wasm
	if ! build "$src" "$nat" "$wasm"; then
		report FAIL "$name" "build failed"
		failures=$((failures + 1))
		continue
	fi
	built+=("$name")
	run_capture out_native "$nat" "$scale"
	run_capture out_wasm "$NODE" "$launcher" "${node_opts[@]}" "$wasm" "$scale"
	line=${out_native%%$'\n'*}
	if [ "$out_native" != "$out_wasm" ]; then
		report FAIL "$name" "native: $(oneline "$out_native") | wasm: $(oneline "$out_wasm")"
		failures=$((failures + 1))
	elif ! [[ $out_native =~ ^$name:\ checksum\ [0-9a-f]+$'\n'\[exit\ 0\]$ ]]; then
		report FAIL "$name" "unexpected output: $(oneline "$out_native")"
		failures=$((failures + 1))
	else
		report ok "$name" "$line"
	fi
done

# ---- examples --------------------------------------------------------------

# make_fixture DIR: the same small tree for the native and the wasm runs.
make_fixture() {
	rm -rf "$1"
	mkdir -p "$1/sub/deeper" || return 1
	printf 'first line\nsecond line: caf\xc3\xa9\n' >"$1/in.txt"
	printf 'in a subdirectory\n' >"$1/sub/file.txt"
	: >"$1/empty"
	: >"$1/.hidden"
	ln -s in.txt "$1/link"
	# ~2 MB of text: heavy output through fd_write.
	awk 'BEGIN { for (i = 0; i < 40000; i++) printf "%06d the quick brown fox jumps over the lazy dog\n", i }' \
		>"$1/big.txt"
}

# check_example LABEL PROGRAM ARGS...: runs PROGRAM natively inside a fresh
# fixture and its wasm build under node inside another, with the same
# arguments and environment, and compares stdout and exit status.
check_example() {
	local label=$1 prog=$2 out_native out_wasm
	shift 2
	local nat=$build_dir/examples/native/$prog wasm=$build_dir/examples/wasm/$prog.wasm
	local fx_n=$build_dir/examples/fixture-native fx_w=$build_dir/examples/fixture-wasm
	if ! make_fixture "$fx_n" || ! make_fixture "$fx_w"; then
		report FAIL "$label" "cannot create the fixture"
		return 1
	fi
	run_capture out_native env -C "$fx_n" -i EX_ONE=1 EX_TWO='two words' LANG=C \
		"$nat" "$@"
	run_capture out_wasm env -C "$fx_w" "$NODE" "$launcher" "${node_opts[@]}" --dir . \
		--env EX_ONE=1 --env 'EX_TWO=two words' --env LANG=C "$wasm" "$@"
	if [ "$out_native" != "$out_wasm" ]; then
		report FAIL "$label" "outputs differ:"
		diff <(printf '%s\n' "$out_native") <(printf '%s\n' "$out_wasm") | head -20
		return 1
	fi
	report ok "$label" "$(printf '%s\n' "$out_native" | wc -l) lines, $(printf '%s\n' "$out_native" | tail -1)"
}

if [ "$examples" = 1 ]; then
	echo "== examples: native vs wasm32-wasi under node (same files, args, environment)"
	mkdir -p "$build_dir/examples/native" "$build_dir/examples/wasm"
	ex_ok=1
	for prog in hello cat ls fcopy; do
		if ! build "$root/examples/$prog.c" "$build_dir/examples/native/$prog" \
			"$build_dir/examples/wasm/$prog.wasm"; then
			report FAIL "$prog" "build failed"
			failures=$((failures + 1))
			ex_ok=0
		fi
	done
	if [ "$ex_ok" = 1 ]; then
		check_example hello hello || failures=$((failures + 1))
		check_example hello-args hello one 'two words' '' || failures=$((failures + 1))
		check_example cat cat in.txt sub/file.txt big.txt || failures=$((failures + 1))
		check_example cat-missing cat in.txt missing.txt empty || failures=$((failures + 1))
		check_example ls ls || failures=$((failures + 1))
		check_example ls-sub ls sub || failures=$((failures + 1))
		check_example ls-missing ls nowhere || failures=$((failures + 1))
		check_example fcopy fcopy in.txt out.txt . || failures=$((failures + 1))
		check_example fcopy-sub fcopy big.txt sub/copy.txt sub || failures=$((failures + 1))
		check_example fcopy-missing fcopy missing.txt out.txt || failures=$((failures + 1))
	fi
fi

# ---- timing ----------------------------------------------------------------

if [ "$do_time" = 1 ] && [ ${#built[@]} -gt 0 ]; then
	echo "== default scale, median of $runs run(s), seconds (wall, and cpu = user + sys)"
	if [ "$do_time_node" = 1 ]; then
		printf '%-12s %8s %8s %8s %8s %7s %7s  %s\n' program nat-wall nat-cpu \
			node-wall node-cpu r-wall r-cpu output
	else
		printf '%-12s %8s %8s  %s\n' program nat-wall nat-cpu output
	fi
	for name in "${built[@]}"; do
		nat=$build_dir/native/$name
		wasm=$build_dir/wasm/$name.wasm
		out_native=$("$nat" 2>&1)
		read -r w_nat c_nat < <(time_median "$nat")
		if [ "$do_time_node" = 1 ]; then
			out_wasm=$("$NODE" "$launcher" "${node_opts[@]}" "$wasm" 2>&1)
			read -r w_node c_node < <(time_median "$NODE" "$launcher" "${node_opts[@]}" "$wasm")
			ratios=$(awk -v a="$w_node" -v b="$w_nat" -v c="$c_node" -v d="$c_nat" \
				'BEGIN { printf "%6.2fx %6.2fx", (b > 0 ? a / b : 0), (d > 0 ? c / d : 0) }')
			if [ "$out_native" = "$out_wasm" ]; then
				match=$out_native
			else
				match="MISMATCH native: $out_native | wasm: $out_wasm"
				failures=$((failures + 1))
			fi
			printf '%-12s %8s %8s %8s %8s %s  %s\n' "$name" "$w_nat" "$c_nat" \
				"$w_node" "$c_node" "$ratios" "$match"
		else
			printf '%-12s %8s %8s  %s\n' "$name" "$w_nat" "$c_nat" "$out_native"
		fi
	done
fi

if [ "$failures" -gt 0 ]; then
	echo "check-programs: $failures failure(s)"
	exit 1
fi
echo "check-programs: all outputs match"
exit 0

# bench/bench.mk — benchmark programs, the smoke suite and the full run.
# Included by the top-level Makefile. Everything goes to $(BUILD)/bench,
# whatever SAN says: the programs are the same for every build of wasmbox.
#
#   make bench-programs   native and wasm32-wasi builds of bench/programs/*.c
#                         and examples/*.c, and the stopwatch bench/tools/rss.c
#   make bench-smoke      each program once at scale 1 under node and
#                         `wasmbox run` (-O0 and default), against native output
#   make bench-run        the full run (bench/run-bench.sh): program times and
#                         ratios, start-up, peak RSS, compile speed, decode+
#                         validate throughput; BENCH_ARGS="--runs 3 ..." passes
#                         options (bench/run-bench.sh --help)
#   make bench-cache      the code cache alone (bench/cache.sh; also part of
#                         bench-run): cold vs warm `wasmbox run` of hello and
#                         of the largest module, 4 workers sharing the code

BENCH_B       := $(BUILD)/bench
BENCH_GCC     ?= gcc
BENCH_CLANG   ?= clang
# The command lines of examples/README.md and bench/check-programs.sh.
BENCH_NFLAGS  := -std=gnu11 -O2 -ffp-contract=off -Wall -Wextra
BENCH_WFLAGS  := --target=wasm32-wasi -O2 -ffp-contract=off -Wall -Wextra

BENCH_NAMES   := $(patsubst bench/programs/%.c,%,$(wildcard bench/programs/*.c))
BENCH_EXNAMES := $(patsubst examples/%.c,%,$(wildcard examples/*.c))
BENCH_BINS    := $(BENCH_NAMES:%=$(BENCH_B)/native/%) \
                 $(BENCH_NAMES:%=$(BENCH_B)/wasm/%.wasm) \
                 $(BENCH_EXNAMES:%=$(BENCH_B)/examples/native/%) \
                 $(BENCH_EXNAMES:%=$(BENCH_B)/examples/wasm/%.wasm) \
                 $(BENCH_B)/rss

$(BENCH_B)/native/%: bench/programs/%.c bench/bench.mk
	@mkdir -p $(dir $@)
	$(BENCH_GCC) $(BENCH_NFLAGS) -o $@ $< -lm

$(BENCH_B)/wasm/%.wasm: bench/programs/%.c bench/bench.mk
	@mkdir -p $(dir $@)
	$(BENCH_CLANG) $(BENCH_WFLAGS) -o $@ $<

$(BENCH_B)/examples/native/%: examples/%.c bench/bench.mk
	@mkdir -p $(dir $@)
	$(BENCH_GCC) $(BENCH_NFLAGS) -o $@ $< -lm

$(BENCH_B)/examples/wasm/%.wasm: examples/%.c bench/bench.mk
	@mkdir -p $(dir $@)
	$(BENCH_CLANG) $(BENCH_WFLAGS) -o $@ $<

$(BENCH_B)/rss: bench/tools/rss.c
	@mkdir -p $(dir $@)
	$(BENCH_GCC) -std=gnu11 -O2 -Wall -Wextra -Werror -o $@ $<

bench-programs: $(BENCH_BINS)

# A test suite: prints "N passed, N failed[, N skipped]" (tests/run-suites).
bench-smoke: all bench-programs
	@BENCH_DIR=$(BENCH_B) bench/smoke $(B)

BENCH_ARGS ?=
bench-run: all bench-programs
	@bench/run-bench.sh --bench-dir $(BENCH_B) $(BENCH_ARGS) $(B)

bench-cache: all bench-programs
	@bench/cache.sh $(B)

.PHONY: bench-programs bench-smoke bench-run bench-cache

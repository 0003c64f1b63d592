# wasmbox — top-level build. See README.md.
#
#   make            build/wasmbox and build/libwasmbox.a
#   make test       every suite, normal and sanitizer builds, one summary line
#   make SAN=1 ...  the same targets with ASan+UBSan, objects under build-san/
#   make deps       install missing Debian packages (no-op when all present)
#   make fuzz       run the libFuzzer decode+validate target (FUZZ_TIME=seconds)
#   make fuzz-cache the same for the code-cache entry parser (cache/cache.mk)
#   make examples   examples/*.c as wasm modules in build/examples/
#   make install    wasmbox and its man pages (PREFIX, DESTDIR; supervisor/install.mk)
#   make bench      benchmarks (not part of make test)

CC       ?= gcc
PKGS     := libseccomp libcap libunwind libzstd libxxhash
SAN      ?= 0
PREFIX   ?= /usr/local
DESTDIR  ?=

BUILD    ?= build
ifeq ($(SAN),1)
B        := $(BUILD)-san
OPT      := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
B        := $(BUILD)
OPT      := -O2
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# Targets that install dependencies first re-run make after `make deps`,
# so pkg-config is asked again once the packages are there. Every other
# target needs them already.
SELF_DEPS_GOALS := deps clean test demo fuzz bench
ifeq ($(filter $(SELF_DEPS_GOALS),$(MAKECMDGOALS)),)
ifeq ($(PKG_LIBS),)
$(error pkg-config finds none of: $(PKGS) - run 'make deps' first)
endif
endif

CFLAGS   := -std=gnu11 $(OPT) -g -Wall -Wextra -Werror -fno-strict-aliasing \
            -Iinclude -I. $(PKG_CFLAGS) $(EXTRA_CFLAGS)
DEPFLAGS  = -MMD -MP
LDLIBS   := $(PKG_LIBS) -lm

# Library folders, in dependency order (DESIGN.md).
LIB_DIRS := common wasm jit gc runtime cache wasi policy sandbox supervisor
LIB_SRCS := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/obj/%.o)
CLI_SRCS := $(wildcard cli/*.c)
CLI_OBJS := $(CLI_SRCS:%.c=$(B)/obj/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
SPEC_SRCS := $(wildcard tests/spec/*.c)
SPEC_OBJS := $(SPEC_SRCS:%.c=$(B)/obj/%.o)

all: $(B)/wasmbox $(B)/libwasmbox.a

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(B)/libwasmbox.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(B)/wasmbox: $(CLI_OBJS) $(B)/libwasmbox.a
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJS) $(B)/libwasmbox.a $(LDLIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libwasmbox.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) -MF $@.d -o $@ $< $(B)/libwasmbox.a $(LDLIBS) -lcmocka

$(B)/spec-runner: $(SPEC_OBJS) $(B)/libwasmbox.a
	$(CC) $(CFLAGS) -o $@ $(SPEC_OBJS) $(B)/libwasmbox.a $(LDLIBS)

# -- Spec scripts: wast2json output, generated at build time --------------
SPEC_DIR   ?= ../shared/spec
SPEC_WASTS := $(wildcard $(SPEC_DIR)/core/*.wast)
SPEC_JSONS := $(SPEC_WASTS:$(SPEC_DIR)/core/%.wast=build/spec/%.json)

build/spec/%.json: $(SPEC_DIR)/core/%.wast
	@mkdir -p build/spec
	@wast2json --enable-all $< -o $@

spec-json: $(SPEC_JSONS)

# -- The embedding example (examples/embed/: the library used from C) -----
EMBED := $(B)/examples/embed $(B)/examples/guest.wasm

$(B)/examples/embed: examples/embed/embed.c $(B)/libwasmbox.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) -MF $@.d -o $@ $< $(B)/libwasmbox.a $(LDLIBS)

$(B)/examples/guest.wasm: examples/embed/guest.wat
	@mkdir -p $(dir $@)
	wat2wasm --debug-names $< -o $@

# -- Tests -----------------------------------------------------------------
unit: $(UNIT_BINS)

check-build: all unit $(B)/spec-runner $(EMBED)

# One build's suites; tests/run-suites prints per-suite lines and a summary.
check: check-build spec-json bench-programs examples
	@tests/run-suites $(B)

test: deps
	@$(MAKE) --no-print-directory check-build spec-json bench-programs examples
	@$(MAKE) --no-print-directory SAN=1 check-build
	@tests/run-suites build build-san

deps:
	@tools/deps.sh

# -- Fuzzing (clang libFuzzer + ASan/UBSan) --------------------------------
FUZZ_TIME   ?= 600
FUZZ_B      := build-fuzz
FUZZ_CFLAGS := -std=gnu11 -O1 -g -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=all -Iinclude -I.
FUZZ_LIB    := common wasm

$(FUZZ_B)/fuzz_module: tests/fuzz/fuzz_module.c $(foreach d,$(FUZZ_LIB),$(wildcard $(d)/*.c))
	@mkdir -p $(FUZZ_B)
	clang $(FUZZ_CFLAGS) -o $@ $^ -lm

# Seed corpus: every module of the spec suite.
fuzz-corpus: spec-json
	@mkdir -p $(FUZZ_B)/corpus
	@cp -u build/spec/*.wasm $(FUZZ_B)/corpus/

fuzz: deps $(FUZZ_B)/fuzz_module fuzz-corpus
	$(FUZZ_B)/fuzz_module -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 \
	    -max_len=65536 -print_final_stats=1 $(FUZZ_B)/corpus

# -- Benchmarks -------------------------------------------------------------
bench-validate: all
	@bench/validate-throughput.sh $(B)

bench-compile: all
	@bench/compile-speed.sh $(B)

# -- Demo: build wasmbox and run examples/hello.wasm confined (policy strict) --
demo: deps
	@$(MAKE) --no-print-directory all examples
	cd $(BUILD) && $(abspath $(B))/wasmbox run --policy strict examples/hello.wasm from make demo

bench-interrupt: all bench-programs
	@WASM_DIR=$(BENCH_B)/wasm bench/interrupt-overhead.sh $(B)

# Start-up of a confined hello world (--policy strict) against --policy none;
# also section 5 of make bench.
bench-confine: all bench-programs
	@bench/confine-overhead.sh $(B)

bench: deps
	@$(MAKE) --no-print-directory bench-run

.PHONY: all unit check check-build test deps spec-json fuzz fuzz-corpus bench bench-validate bench-compile bench-interrupt bench-confine clean install demo

clean:
	rm -rf build build-san build-fuzz

# Rules owned by a folder live beside it (bench/bench.mk, wasi/wasi.mk, ...).
include $(wildcard */*.mk)

-include $(shell find $(B) -name '*.d' 2>/dev/null)

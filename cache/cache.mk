# cache/cache.mk — the code cache's fuzz target (STYLE.md 21). Included by
# the top-level Makefile.
#
#   make fuzz-cache   libFuzzer on the cache-entry parser and the artifact
#                     checks (FUZZ_TIME=seconds), seeded with the entries
#                     and payloads of the benchmark and example modules

FUZZ_CACHE_SRCS := tests/fuzz/fuzz_cache_entry.c cache/cache_entry.c cache/cache_check.c \
                   $(wildcard common/*.c wasm/*.c jit/*.c)

$(FUZZ_B)/fuzz_cache_entry: $(FUZZ_CACHE_SRCS) cache/cache.h cache/cache_int.h
	@mkdir -p $(FUZZ_B)
	clang $(FUZZ_CFLAGS) $(PKG_CFLAGS) -o $@ $(FUZZ_CACHE_SRCS) \
	    $(shell pkg-config --libs libzstd libxxhash) -lm

# Seeds: 'E' + each entry file, 'P' + each decompressed payload, for the
# modules under $(BUILD)/bench compiled at opt levels 0 and 2.
fuzz-cache-corpus: all
	@tests/cache/fuzz-corpus.sh $(B)/wasmbox $(FUZZ_B)/corpus-cache

fuzz-cache: deps $(FUZZ_B)/fuzz_cache_entry
	@$(MAKE) --no-print-directory fuzz-cache-corpus
	$(FUZZ_B)/fuzz_cache_entry -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 \
	    -max_len=1048576 -print_final_stats=1 $(FUZZ_B)/corpus-cache

.PHONY: fuzz-cache fuzz-cache-corpus

# examples/examples.mk — `make examples`: the example programs as wasm32-wasi
# modules in $(BUILD)/examples/, ready to run:
#
#   make examples
#   cd build && ./wasmbox run --policy strict examples/hello.wasm
#
# They are the very modules bench/bench.mk builds (same compiler and flags,
# see examples/README.md) under $(BUILD)/bench/examples/wasm/, copied here so
# that the documented paths are short. Nothing is built into the source tree.

EXAMPLES_B     := $(BUILD)/examples
EXAMPLES_NAMES := $(patsubst examples/%.c,%,$(wildcard examples/*.c))

$(EXAMPLES_B)/%.wasm: $(BUILD)/bench/examples/wasm/%.wasm
	@mkdir -p $(dir $@)
	cp $< $@

examples: $(EXAMPLES_NAMES:%=$(EXAMPLES_B)/%.wasm)

.PHONY: examples

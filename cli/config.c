/* config.c — `wasmbox config [OPTIONS]`: lists every setting of the
 * configuration (opt level, proposals, tunables, limits, cache) with its
 * value, default and meaning, and the configuration's cache key. The
 * options are those of `wasmbox run` that shape the configuration, so
 * `wasmbox config -O --max-memory 64MiB` shows what such a run uses. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/tunables.h"

static const char config_help_head[] =
    "usage: wasmbox config [OPTIONS]\n"
    "\n"
    "Lists every setting with its value, its default and its meaning. The value\n"
    "is the default unless OPTIONS (the same as for wasmbox run) change it. Set\n"
    "any setting with `wasmbox run --tunable KEY=VALUE`; settings marked [cache\n"
    "key] change generated code and are part of the code cache key.\n"
    "\n"
    "Options:\n";

static const char config_help_tail[] =
    "  -h, --help              show this help\n"
    "\n"
    "Example:\n"
    "  wasmbox config --opt-level 0 --timeout 5s --tunable memory-guard=2GiB\n";

static const char fuel_text[] =
    "Fuel (--fuel N): each instruction executed costs 1, except nop, drop, block,\n"
    "loop, end and else, which cost 0. Fuel is charged ahead for each region of\n"
    "straight-line code (a region starts at a function's entry, a loop header, an\n"
    "else, and after the end of a block or if); a region that the remaining fuel\n"
    "cannot pay for does not run: the module traps with \"all fuel consumed\".\n"
    "An if's then-arm is charged with the code before the if, the code after a\n"
    "loop's end with each iteration of the loop, and the code after a br_if even\n"
    "when it branches.\n";

int wb_cmd_config(int argc, char **argv)
{
    wb_cli_tunables t;
    wb_config *defaults = NULL;
    wb_config_key k;
    uint8_t key[16];
    int status;

    if ((status = wb_cli_tunables_init(&t, "config")) >= 0)
        return status;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(config_help_head, stdout);
            fputs(wb_cli_tunables_help, stdout);
            fputs(config_help_tail, stdout);
            status = WB_EXIT_OK;
            goto out;
        }
        if ((status = wb_cli_tunables_option(&t, argc, argv, &i)) > 0)
            goto out;
        if (status == 0) {
            wb_cli_error("config: unknown option '%s' (see wasmbox config --help)", argv[i]);
            status = WB_EXIT_USAGE;
            goto out;
        }
    }
    if (!(defaults = wb_config_new())) {
        wb_cli_error("out of memory");
        status = WB_EXIT_USAGE;
        goto out;
    }
    printf("Settings (wasmbox run --tunable KEY=VALUE):\n\n");
    for (size_t i = 0; wb_config_key_at(i, &k); i++) {
        char val[256], def[256];
        wb_config_get(t.config, k.name, val, sizeof(val));
        wb_config_get(defaults, k.name, def, sizeof(def));
        printf("  %s = %s", k.name, val[0] ? val : "\"\"");
        if (strcmp(val, def) != 0)
            printf(" (default %s)", def[0] ? def : "\"\"");
        printf("  [%s%s]\n      %s\n", k.kind, k.code ? ", cache key" : "", k.meaning);
    }
    printf("\n%s", fuel_text);
    if (t.timeout_ns)
        printf("\nTime limit: %s (--timeout)\n", t.timeout_text);
    if (t.has_fuel)
        printf("\nFuel: %llu (--fuel)\n", (unsigned long long)t.fuel);
    wb_config_hash(t.config, key);
    printf("\nCache key of this configuration (wasmbox %s): ", WASMBOX_VERSION);
    for (int i = 0; i < 16; i++)
        printf("%02x", key[i]);
    printf("\n");
    status = WB_EXIT_OK;
out:
    wb_config_free(defaults);
    wb_cli_tunables_free(&t);
    return status;
}

/* raise — proc_raise is not supported (no signals for a sandboxed guest):
 * it returns ERRNO_NOTSUP and the program goes on. */
#include "wasitest.h"

__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise")))
uint16_t raw_proc_raise(uint32_t sig);

int main(void)
{
    SHOW(raw_proc_raise(9));
    SHOW(raw_proc_raise(15));
    SHOW(raw_proc_raise(0));
    puts("still running");
    return 0;
}

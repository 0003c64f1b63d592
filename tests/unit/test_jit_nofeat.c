/* test_jit_nofeat.c — the execution tests of test_jit.c again, with the
 * baseline compiler built (from jit/compile.c, into this binary) on a CPU
 * that reports none of the optional features: lzcnt, tzcnt, popcnt and
 * SSE4.1 all take their fallback sequences. cpuid is replaced by a stub;
 * nothing in the library exists for this test. */
#define _GNU_SOURCE
#include <cpuid.h>

static int th_fake_cpuid(unsigned leaf, unsigned *a, unsigned *b, unsigned *c, unsigned *d)
{
    (void)leaf;
    *a = *b = *c = *d = 0;
    return 1;
}
#undef __cpuid_count
#define __get_cpuid(leaf, a, b, c, d) th_fake_cpuid(leaf, a, b, c, d)
#define __get_cpuid_max(leaf, sig) ((void)(leaf), (void)(sig), 0u)
#define __cpuid_count(leaf, sub, a, b, c, d) th_fake_cpuid(leaf, &(a), &(b), &(c), &(d))

#include "jit/compile.c"

#undef __get_cpuid
#undef __get_cpuid_max
#undef __cpuid_count

#include "tests/unit/test_jit.c"

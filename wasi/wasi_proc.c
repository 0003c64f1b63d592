/* wasi_proc.c — arguments, environment and process functions: args_*,
 * environ_*, proc_exit, proc_raise. None of them makes a system call. */
#include "wasi/wasi_int.h"

/* Writes count pointers at vec_ptr and the strings at buf_ptr. */
static uint16_t put_strings(wasi_call *c, uint32_t vec_ptr, uint32_t buf_ptr, const char *s,
                            uint32_t count, uint32_t size)
{
    uint32_t off = 0;

    if (!wasi_mem_array_ok(c, vec_ptr, count, 4) || !wasi_mem_ok(c, buf_ptr, size))
        return WASI_ERRNO_FAULT;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t len = (uint32_t)strlen(s + off) + 1;
        wasi_put32(wasi_mem(c, vec_ptr + (uint64_t)i * 4), buf_ptr + off);
        off += len;
    }
    memmove(wasi_mem(c, buf_ptr), s, size);
    return WASI_ERRNO_SUCCESS;
}

static uint16_t put_sizes(wasi_call *c, uint32_t count_ptr, uint32_t size_ptr, uint32_t count,
                          uint32_t size)
{
    if (!wasi_mem_ok(c, count_ptr, 4) || !wasi_mem_ok(c, size_ptr, 4))
        return WASI_ERRNO_FAULT;
    wasi_put32(wasi_mem(c, count_ptr), count);
    wasi_put32(wasi_mem(c, size_ptr), size);
    return WASI_ERRNO_SUCCESS;
}

uint16_t wb_wasi_args_get(wasi_call *c, const wb_val *a)
{
    return put_strings(c, wasi_arg32(a, 0), wasi_arg32(a, 1), c->w->args, c->w->argc,
                       c->w->args_size);
}

uint16_t wb_wasi_args_sizes_get(wasi_call *c, const wb_val *a)
{
    return put_sizes(c, wasi_arg32(a, 0), wasi_arg32(a, 1), c->w->argc, c->w->args_size);
}

uint16_t wb_wasi_environ_get(wasi_call *c, const wb_val *a)
{
    return put_strings(c, wasi_arg32(a, 0), wasi_arg32(a, 1), c->w->env, c->w->envc,
                       c->w->env_size);
}

uint16_t wb_wasi_environ_sizes_get(wasi_call *c, const wb_val *a)
{
    return put_sizes(c, wasi_arg32(a, 0), wasi_arg32(a, 1), c->w->envc, c->w->env_size);
}

/* Ends the run: the host function turns this into wb_caller_exit. */
uint16_t wb_wasi_proc_exit(wasi_call *c, const wb_val *a)
{
    c->exiting = true;
    c->exit_code = wasi_arg32(a, 0);
    return WASI_ERRNO_SUCCESS;
}

/* Signals are not delivered to or from a sandboxed guest: raising one would
 * mean kill() on the host process. Always unsupported. */
uint16_t wb_wasi_proc_raise(wasi_call *c, const wb_val *a)
{
    (void)c;
    (void)a;
    return WASI_ERRNO_NOTSUP;
}

/* wb_exit.h — exit statuses of the wasmbox command, in the style of
 * timeout(1) and docker run. A module's own exit code passes through
 * unchanged; these are wasmbox's own outcomes. Documented in wasmbox --help
 * and wasmbox(1). */
#ifndef WB_EXIT_H
#define WB_EXIT_H

#define WB_EXIT_OK          0
#define WB_EXIT_FAILURE     1    /* a command's own failure (e.g. check found problems) */
#define WB_EXIT_TIMEOUT     124  /* time limit reached */
#define WB_EXIT_USAGE       125  /* usage error or wasmbox's internal error */
#define WB_EXIT_INVALID     126  /* invalid or malformed module, failed instantiation */
#define WB_EXIT_NOT_FOUND   127  /* module file not found */
#define WB_EXIT_TRAP        134  /* wasm trap */
#define WB_EXIT_LIMIT       137  /* killed by a resource limit */
#define WB_EXIT_VIOLATION   159  /* policy violation (forbidden system call) */

#endif

/* wb_limits.h — every implementation limit of wasmbox, in one place.
 *
 * Module-structure limits follow the implementation limits of the
 * WebAssembly JS API (the ones every browser engine enforces), so a module
 * that loads in a browser loads here, and a hostile one cannot make the
 * decoder or validator allocate or loop without bound. Override any of them
 * with -DWB_MAX_...=N. */
#ifndef WB_LIMITS_H
#define WB_LIMITS_H

#ifndef WB_MAX_MODULE_SIZE
#define WB_MAX_MODULE_SIZE     (1024u * 1024u * 1024u) /* bytes */
#endif
#ifndef WB_MAX_TYPES
#define WB_MAX_TYPES           1000000u
#endif
#ifndef WB_MAX_FUNCS
#define WB_MAX_FUNCS           1000000u   /* imported + defined */
#endif
#ifndef WB_MAX_IMPORTS
#define WB_MAX_IMPORTS         100000u
#endif
#ifndef WB_MAX_EXPORTS
#define WB_MAX_EXPORTS         100000u
#endif
#ifndef WB_MAX_GLOBALS
#define WB_MAX_GLOBALS         1000000u
#endif
#ifndef WB_MAX_TABLES
#define WB_MAX_TABLES          100000u
#endif
#ifndef WB_MAX_MEMORIES
#define WB_MAX_MEMORIES        100u       /* imported + defined (2.0 validates at most 1) */
#endif
#ifndef WB_MAX_ELEM_SEGMENTS
#define WB_MAX_ELEM_SEGMENTS   10000000u
#endif
#ifndef WB_MAX_DATA_SEGMENTS
#define WB_MAX_DATA_SEGMENTS   100000u
#endif
#ifndef WB_MAX_PARAMS
#define WB_MAX_PARAMS          1000u
#endif
#ifndef WB_MAX_RESULTS
#define WB_MAX_RESULTS         1000u
#endif
#ifndef WB_MAX_LOCALS
#define WB_MAX_LOCALS          50000u     /* params + declared locals */
#endif
#ifndef WB_MAX_BODY_SIZE
#define WB_MAX_BODY_SIZE       7654321u   /* bytes of one function body */
#endif
#ifndef WB_MAX_NAME
#define WB_MAX_NAME            100000u    /* bytes of one import/export/custom name */
#endif
#ifndef WB_MAX_TABLE_SIZE
#define WB_MAX_TABLE_SIZE      10000000u  /* elements: initial size (a maximum up to
                                              2^32-1 is valid, table.wast) */
#endif
#ifndef WB_MAX_NESTING
#define WB_MAX_NESTING         10000u     /* open blocks in one function */
#endif
#ifndef WB_MAX_OPERANDS
#define WB_MAX_OPERANDS        1000000u   /* operand stack depth while validating */
#endif
#ifndef WB_MAX_BR_TABLE
#define WB_MAX_BR_TABLE        1000000u   /* targets of one br_table */
#endif
#ifndef WB_MAX_MEMORY_PAGES
#define WB_MAX_MEMORY_PAGES    65536u     /* 32-bit memories: 4 GiB */
#endif

#endif

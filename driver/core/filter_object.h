/*
 * The object string encoder (docs/spec/filter-object.md b): a loaded program as `@WinDiv_...`, exactly
 * as the reference library writes it (b.6 quirks included). The driver side needs it for the
 * data of REFLECT events (docs/spec/device-abi.md 8, 12).
 */
#ifndef DIVERT_CORE_FILTER_OBJECT_H
#define DIVERT_CORE_FILTER_OBJECT_H

#include <stddef.h>

#include "core/filter_program.h"

/* An upper bound of an object string plus its NUL (b.6). */
#define DIVERT_OBJECT_MAXLEN 10255

/*
 * Writes the object string of program and its terminating NUL to out. Returns the bytes
 * written including the NUL, or 0 when cap is too small (out is then untouched beyond cap).
 * A 256-instruction program gives `@WinDiv_WW` (b.6: the count is written modulo 256).
 */
size_t divert_program_encode_object(const divert_program *program, char *out, size_t cap);

#endif

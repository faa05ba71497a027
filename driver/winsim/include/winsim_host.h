/*
 * The few C-library services the simulation needs, behind declarations that use no library
 * types: the kernel-side simulation sources see mingw-w64's headers, whose C-library half
 * (stdio, stdlib) describes the Windows CRT, not the Linux one they run on. host.c is
 * compiled with the native headers and implements these.
 */
#ifndef WINSIM_HOST_H
#define WINSIM_HOST_H

#include <stddef.h>

void *winsim_host_alloc(size_t length);        /* zeroed; aborts when out of memory */
void winsim_host_free(void *block);
__attribute__((format(printf, 1, 2)))
void winsim_host_print(const char *format, ...);   /* to stderr */
__attribute__((format(printf, 1, 0)))
void winsim_host_vprint(const char *format, __builtin_va_list args);
__attribute__((noreturn))
void winsim_host_abort(void);
void winsim_host_yield(void);

/* A plain mutual-exclusion lock for the simulation's own tables (no IRQL semantics). */
typedef struct winsim_lock
{
    volatile int held;
} winsim_lock;
void winsim_lock_acquire(winsim_lock *lock);
void winsim_lock_release(winsim_lock *lock);

#endif /* WINSIM_HOST_H */

/* C-library services for the simulation (winsim_host.h), compiled with the native headers. */
#include "winsim_host.h"

#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void *winsim_host_alloc(size_t length)
{
    void *block = calloc(1, length == 0 ? 1 : length);
    if (block == NULL)
    {
        fprintf(stderr, "winsim: host out of memory (%zu bytes)\n", length);
        abort();
    }
    return block;
}

void winsim_host_free(void *block)
{
    free(block);
}

void winsim_host_vprint(const char *format, va_list args)
{
    vfprintf(stderr, format, args);
    fflush(stderr);
}

void winsim_host_print(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    winsim_host_vprint(format, args);
    va_end(args);
}

void winsim_host_abort(void)
{
    abort();
}

void winsim_host_yield(void)
{
    sched_yield();
}

void winsim_lock_acquire(winsim_lock *lock)
{
    while (__atomic_exchange_n(&lock->held, 1, __ATOMIC_ACQUIRE) != 0)
    {
        sched_yield();
    }
}

void winsim_lock_release(winsim_lock *lock)
{
    __atomic_store_n(&lock->held, 0, __ATOMIC_RELEASE);
}

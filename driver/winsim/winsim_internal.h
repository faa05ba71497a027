/*
 * Shared between the simulation's kernel areas. Every simulated kernel routine starts with
 * WINSIM_IRQL_MAX (or _EXACT) naming the IRQL its WDK page documents, and fails the run (like
 * a Driver Verifier bug check) when called above it; anything not simulated calls
 * winsim_fail, so a gap shows as an abort naming the routine, never as a silent success.
 */
#ifndef WINSIM_INTERNAL_H
#define WINSIM_INTERNAL_H

#include "kernel.h"
#include "winsim.h"
#include "winsim_host.h"

__attribute__((noreturn, format(printf, 2, 3)))
void winsim_fail(const char *function, const char *format, ...);

/* ---- irql.c ----------------------------------------------------------------------------- */
KIRQL winsim_irql(void);
void winsim_irql_max(const char *function, KIRQL max);
void winsim_irql_exact(const char *function, KIRQL level);
KIRQL winsim_irql_raise(const char *function, KIRQL level);
void winsim_irql_lower(const char *function, KIRQL level);
#define WINSIM_IRQL_MAX(level) winsim_irql_max(__func__, (level))
#define WINSIM_IRQL_EXACT(level) winsim_irql_exact(__func__, (level))
/* A thread blocks in a simulated kernel wait (counted by winsim_waiters). */
void winsim_wait_begin(void);
void winsim_wait_end(void);
/* Spin locks the simulation itself takes (the I/O manager's cancel lock). */
void winsim_spin_acquire(const char *function, PKSPIN_LOCK lock);
void winsim_spin_release(const char *function, PKSPIN_LOCK lock);

/* ---- ke.c ------------------------------------------------------------------------------- */
typedef void winsim_deferred_fn(void *context);
/* Queues work to run at DISPATCH_LEVEL "on another processor" (winsim_run_deferred). */
void winsim_defer(winsim_deferred_fn *function, void *context);
uint64_t winsim_ke_leaks(void);
/* "an armed KTIMER" / "a queued KDPC" when one lies in [start, start + length), else NULL. */
const char *winsim_ke_live_object_in(const void *start, size_t length);

/* ---- pool.c ----------------------------------------------------------------------------- */
bool winsim_pool_owns(const void *address, size_t length);
uint64_t winsim_pool_report(void);

/* ---- irp_io.c --------------------------------------------------------------------------- */
bool winsim_user_owns(const void *address, size_t length);
bool winsim_device_live(const void *device);
uint64_t winsim_io_leaks(void);

/* ---- nbl.c ------------------------------------------------------------------------------ */
/* An NBL the stack owns (not from any driver pool): one NET_BUFFER per buffer, its data
 * copied into an MDL chain split where the buffer says, starting offsets[i] bytes in. */
PNET_BUFFER_LIST winsim_nbl_from_stack(const winsim_buffer *buffers, uint32_t count, const uint32_t *offsets);
void winsim_nbl_stack_free(PNET_BUFFER_LIST nbl, uint32_t count);
/* Copies a NET_BUFFER's data (from its current offset) out; false if the chain is short. */
bool winsim_nb_copy(PNET_BUFFER buffer, uint8_t *out, uint32_t capacity, uint32_t *length);
/* Injection bookkeeping on NBLs: who injected it (NULL = the stack's own) and with what context. */
void winsim_nbl_mark_injected(PNET_BUFFER_LIST nbl, HANDLE injector, HANDLE context, bool inFlight);
HANDLE winsim_nbl_injector(const NET_BUFFER_LIST *nbl, HANDLE *context);
uint64_t winsim_nbl_leaks(void);

/* ---- wfp.c ------------------------------------------------------------------------------ */
winsim_verdict winsim_classify(const GUID *layer, const FWPS_INCOMING_VALUES0 *values,
                               const FWPS_INCOMING_METADATA_VALUES0 *meta, void *layerData);
uint64_t winsim_wfp_leaks(void);

#endif /* WINSIM_INTERNAL_H */

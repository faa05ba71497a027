/*
 * The handle state machine (docs/spec/device-abi.md 4-6, 8, 9): OPENING -> (INITIALIZE) -> OPENING and
 * initialized -> (STARTUP) -> OPEN -> (SHUTDOWN RECV/SEND/BOTH: flags, still OPEN) ->
 * CLOSING (host cleanup). Every request check runs here in the spec's order; each function
 * returns the status to complete the request with (SUCCESS = go on).
 *
 * Memory: the host allocates the divert_handle (about 7.1 KiB with its program, sizeof 7296
 * on x64: non-paged, never on a kernel stack) and owns the queued entries (queue.h). Locking: none; the host
 * serialises calls on one handle. Time: `now` is the host's tick clock (queue.h).
 *
 * Request flow for a host:
 *   decode the header (divert_request_decode), then by kind:
 *   INITIALIZE  divert_handle_initialize(h, req, version record, ...)
 *   STARTUP     divert_handle_startup(h, req, program bytes) -> register divert_hooks_for()
 *   RECV        divert_handle_recv(h, req, *addr_len_ptr) -> divert_queue_take_batch(), or
 *               when nothing is queued divert_handle_recv_action() says pend or PIPE_EMPTY
 *   SEND        divert_handle_send(h, req) -> divert_send_next()/divert_inject_prepare() loop
 *   SET/GET     divert_handle_set_param / divert_handle_get_param
 *   SHUTDOWN    divert_handle_shutdown(h, req) -> re-ask divert_handle_recv_action() for
 *               every pending RECV
 *   cleanup     divert_handle_close(h, now, ...) -> re-inject / free, cancel pending RECVs
 */
#ifndef DIVERT_CORE_HANDLE_H
#define DIVERT_CORE_HANDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "divert_abi.h"
#include "core/filter_program.h"
#include "core/ioctl.h"
#include "core/queue.h"
#include "core/status.h"

typedef enum divert_handle_state
{
    DIVERT_HANDLE_OPENING,    /* created; INITIALIZE then STARTUP expected */
    DIVERT_HANDLE_OPEN,       /* after STARTUP (even one whose program was then refused) */
    DIVERT_HANDLE_CLOSING     /* cleanup started: every request fails */
} divert_handle_state;

typedef struct divert_handle
{
    divert_handle_state state;
    bool initialized;          /* INITIALIZE succeeded */
    bool shutdown_recv;
    bool shutdown_send;
    bool reflect_ready;        /* REFLECT: the initial snapshot is queued (others: true) */
    uint32_t layer;
    int16_t priority;          /* user priority, -30000..30000 */
    uint32_t internal_priority;/* (wire priority << 16) | (counter & 0xFFFF) (6.4) */
    uint64_t flags;            /* open flags */
    uint64_t filter_flags;     /* from STARTUP */
    uint32_t queue_length;     /* parameters as last set (6.3) */
    uint32_t queue_time_ms;
    uint32_t queue_size;
    uint64_t ticks_per_ms;     /* host clock ticks per millisecond */
    divert_queue queue;
    divert_program program;    /* the validated copy of the STARTUP program */
} divert_handle;

/* A new handle (state OPENING) with default parameters. */
void divert_handle_init(divert_handle *h, uint64_t ticks_per_ms, uint32_t queue_overhead);

/*
 * INITIALIZE (5): version record checked and answered (driver_bits = driver pointer width),
 * then layer / priority / flags / layer-mandatory flags, then the state. counter is the
 * host's global INITIALIZE counter (atomically incremented by the host).
 */
divert_status divert_handle_initialize(divert_handle *h, const divert_request *req,
                                       uint8_t *version, size_t version_len,
                                       uint32_t driver_bits, uint32_t counter);

/*
 * STARTUP (5): filter flags, state (OPENING and initialized), the state becomes OPEN, then
 * the program is copied and validated for the layer (a.7). A REFLECT handle starts with
 * reflect_ready false; the host calls divert_handle_reflect_ready() after the snapshot.
 */
divert_status divert_handle_startup(divert_handle *h, const divert_request *req,
                                    const uint8_t *program, size_t program_len);

/*
 * RECV (8): addr_len is the u32 the host read at addr_len_ptr (ignored when that is 0).
 * Address arguments, SEND_ONLY, then state. *max_packets is for divert_queue_take_batch.
 */
divert_status divert_handle_recv(const divert_handle *h, const divert_request *req,
                                 uint32_t addr_len, uint32_t *max_packets);

typedef enum divert_recv_action
{
    DIVERT_RECV_DELIVER,      /* something is queued: take a batch now */
    DIVERT_RECV_PEND,         /* wait for a packet */
    DIVERT_RECV_PIPE_EMPTY    /* complete with PIPE_EMPTY (shut down and drained) */
} divert_recv_action;

/* What a valid RECV (new or pending) does with the queue as it is now. */
divert_recv_action divert_handle_recv_action(const divert_handle *h);

/*
 * SEND (9): address arguments, state, SHUTDOWN_SEND (PIPE_EMPTY), RECV_ONLY or a layer
 * that cannot inject (INVALID_PARAMETER).
 */
divert_status divert_handle_send(const divert_handle *h, const divert_request *req);

/* SET_PARAM (6.3): range, then state; updates the queue limits. */
divert_status divert_handle_set_param(divert_handle *h, const divert_request *req);

/* GET_PARAM (6.3): data buffer exactly 8 bytes, param 0..4, then state. */
divert_status divert_handle_get_param(const divert_handle *h, const divert_request *req,
                                      size_t data_len, uint64_t *value);

/* SHUTDOWN (6.5): how in 1..3, then state; sets the shutdown flags (idempotent). */
divert_status divert_handle_shutdown(divert_handle *h, const divert_request *req);

/* REFLECT: the initial snapshot of open handles has been queued. */
void divert_handle_reflect_ready(divert_handle *h);

/* May a new packet/event be queued (OPEN and RECV not shut down)? */
bool divert_handle_may_queue(const divert_handle *h);

/*
 * Should this NETWORK-layer callout see a packet injected by the driver with the given
 * internal priority (6.4)? Only when the injector's priority is strictly greater.
 */
bool divert_handle_sees_injected(const divert_handle *h, uint32_t injector_priority);

/*
 * Cleanup (12, "Close"): the state becomes CLOSING and the queue is emptied into
 * *reinject (NETWORK layers, not SNIFF, not timed out: put back on the wire) and *discard
 * (free), both oldest first. The host cancels pending RECVs.
 */
void divert_handle_close(divert_handle *h, uint64_t now, divert_queue_entry **reinject,
                         divert_queue_entry **discard);

#endif

/*
 * The harness side of the simulated kernel: what a test (the "user process", "the network
 * stack" and "the I/O manager" around the driver) calls. Everything the driver itself calls
 * is the kernel API the shim declares; those definitions live in irql.c, ke.c, pool.c,
 * irp_io.c, nbl.c and wfp.c.
 *
 * Threading: any harness thread may call these; each thread has its own simulated IRQL, which
 * starts at PASSIVE_LEVEL. Deferred work (DPCs, injection completions) runs when a harness
 * calls winsim_run_deferred or winsim_advance_ms, or while the driver waits for a rundown.
 */
#ifndef WINSIM_H
#define WINSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- driver lifetime -------------------------------------------------------------------- */
/* Runs DriverEntry; returns its NTSTATUS. */
int32_t winsim_load(void);
/* Runs DriverUnload (no file may be open), then checks that every kernel object the driver
 * created is gone and prints the pool report. Returns the bytes of pool still outstanding
 * plus one per other leaked object (MDL, NBL, engine, callout, injection handle, timer). */
uint64_t winsim_unload(void);

/* ---- pool ------------------------------------------------------------------------------ */
/* Bytes ExAllocatePool2 has zeroed so far for allocations made at DISPATCH_LEVEL (those
 * without POOL_FLAG_UNINITIALIZED): the per-packet cost a classify path should not pay. */
uint64_t winsim_pool_dispatch_zeroed(void);
/* Low-resource simulation: after `after` more successful ExAllocatePool2 calls, the next
 * `count` return NULL (the documented failure without POOL_FLAG_RAISE_ON_FAILURE). */
void winsim_pool_fail(uint32_t after, uint32_t count);

/* ---- user memory ------------------------------------------------------------------------ */
/* A buffer in the simulated user address space: the only memory ProbeForRead and
 * MmProbeAndLockPages(UserMode) accept. Freed by winsim_user_free. */
void *winsim_user_alloc(size_t length);
void winsim_user_free(void *buffer);

/* ---- files and I/O requests ------------------------------------------------------------- */
typedef struct winsim_file winsim_file;
typedef struct winsim_request winsim_request;

/* CreateFile on the DOS name (resolved through the symbolic link): IRP_MJ_CREATE. */
winsim_file *winsim_open(const char *dos_name, int32_t *status);
/* CloseHandle: IRP_MJ_CLEANUP, then IRP_MJ_CLOSE (every IRP must have completed by then). */
void winsim_close(winsim_file *file);
/* The last user handle closes while requests may still be running (another thread's
 * DeviceIoControl): IRP_MJ_CLEANUP only. winsim_close then sends just IRP_MJ_CLOSE. */
void winsim_cleanup(winsim_file *file);

/*
 * DeviceIoControl: METHOD_IN/OUT_DIRECT as the I/O manager does it (the input buffer copied
 * to a system buffer, the output buffer probed, locked and described by irp->MdlAddress).
 * input and output must be user memory (winsim_user_alloc) or NULL.
 */
winsim_request *winsim_ioctl(winsim_file *file, uint32_t code, const void *input, uint32_t input_length,
                             void *output, uint32_t output_length);
bool winsim_request_done(const winsim_request *request);
int32_t winsim_request_status(const winsim_request *request);
uint64_t winsim_request_information(const winsim_request *request);
/* What the dispatch routine returned: STATUS_PENDING when the driver pended the IRP (which may
 * have completed since), as NtDeviceIoControlFile reports it to the caller. */
int32_t winsim_request_dispatch_status(const winsim_request *request);
/* CancelIo on one request (IoCancelIrp). */
void winsim_cancel(winsim_request *request);
void winsim_request_free(winsim_request *request);

/* ---- interleavings ----------------------------------------------------------------------- */
/* Runs function(context) once, on the thread that next enters the simulated kernel routine
 * named (e.g. "KeSetTimerEx"), before the routine does anything: a point at which a test can
 * make another thread's request run "in between". One hook at a time. */
typedef void winsim_hook_fn(void *context);
void winsim_hook_before(const char *routine, winsim_hook_fn *function, void *context);
/* Threads blocked in a simulated kernel wait (ExWaitForRundownProtectionRelease with a
 * reference held, FwpsCalloutUnregisterById0 while a classification still calls the callout). */
uint32_t winsim_waiters(void);

/* ---- simulated time and deferred work ---------------------------------------------------- */
/* Runs queued DPCs and injection completions until none is left. */
void winsim_run_deferred(void);
/* QueryPerformanceCounter as user mode reads it (the simulated clock), and its frequency. */
uint64_t winsim_counter(uint64_t *frequency);
/* Moves the performance counter forward, fires due timers, runs deferred work. */
void winsim_advance_ms(uint64_t milliseconds);

/* ---- the network stack ------------------------------------------------------------------ */
typedef struct winsim_verdict
{
    bool blocked;       /* a callout returned FWP_ACTION_BLOCK */
    bool absorbed;      /* ... with FWPS_CLASSIFY_OUT_FLAG_ABSORB: the stack drops it silently */
    uint32_t callouts;  /* classifyFn invocations */
} winsim_verdict;

typedef struct winsim_packet_meta
{
    uint32_t if_index;
    uint32_t sub_if_index;
    uint32_t compartment;
    bool loopback;
} winsim_packet_meta;

/*
 * The stack sends (outbound) or receives (inbound) an IP packet: it is classified at the
 * outbound/inbound IP packet layer of its family, as an NBL whose MDL chain splits the bytes
 * at split (0 = one MDL). Inbound NBLs start after the IP header, as WFP indicates them.
 */
winsim_verdict winsim_stack_packet(bool outbound, const uint8_t *packet, uint32_t length,
                                   const winsim_packet_meta *meta, uint32_t split);

/* One NET_BUFFER of a list: an IP packet whose MDL chain splits at split (0 = one MDL). */
typedef struct winsim_buffer
{
    const uint8_t *packet;
    uint32_t length;
    uint32_t split;
} winsim_buffer;

/* As winsim_stack_packet, for a list of count NET_BUFFERs indicated together (as LSO, RSC
 * and batched receives do); the metadata's IP header size is the first packet's, once for
 * the indication, as WFP reports it. */
winsim_verdict winsim_stack_packets(bool outbound, const winsim_buffer *buffers, uint32_t count,
                                    const winsim_packet_meta *meta);

/* A packet routed through this host (IP forwarding on): from one interface to another. */
typedef struct winsim_forward_meta
{
    uint32_t source_if_index;
    uint32_t destination_if_index;
    uint32_t compartment;
} winsim_forward_meta;

/* The stack forwards an IP packet: classified at the IPFORWARD layer of its family, as an NBL
 * that starts at the IP header, its MDL chain split at split (0 = one MDL). */
winsim_verdict winsim_stack_forward(const uint8_t *packet, uint32_t length, const winsim_forward_meta *meta,
                                    uint32_t split);

/* ---- the Base Filtering Engine service ------------------------------------------------- */
/* The BFE stops (e.g. restarted by an administrator or after a crash): every management
 * session ends and every provider, sub-layer, callout and filter is gone; run-time callouts
 * stay registered. Sessions cannot be opened until winsim_bfe_start. */
void winsim_bfe_stop(void);
void winsim_bfe_start(void);

/* ---- flows (ALE) ------------------------------------------------------------------------- */
typedef struct winsim_flow
{
    uint64_t id;            /* the flow handle classify reports (FWPS_METADATA_FIELD_FLOW_HANDLE) */
    bool outbound;
    uint8_t protocol;
    uint32_t local_addr, remote_addr;   /* IPv4, host order (as WFP gives them) */
    uint16_t local_port, remote_port;
    uint32_t process_id;
    uint64_t endpoint;
} winsim_flow;

/* An IPv4 flow is established: classified at FWPM_LAYER_ALE_FLOW_ESTABLISHED_V4. */
winsim_verdict winsim_flow_established(const winsim_flow *flow);
/* A classification of the flow starts (true) or ends (false) on "another processor": while it
 * runs, FwpsFlowRemoveContext0 returns STATUS_PENDING; flowDeleteFn runs (deferred) at its end. */
void winsim_flow_classifying(uint64_t id, bool active);
/* The flow ends: every callout's flowDeleteFn runs for its context (DISPATCH_LEVEL). */
void winsim_flow_end(uint64_t id);

/* A socket operation and the ALE layer it is classified at (IPv4). */
typedef enum winsim_socket_op
{
    WINSIM_SOCKET_BIND,       /* ALE_RESOURCE_ASSIGNMENT_V4 */
    WINSIM_SOCKET_LISTEN,     /* ALE_AUTH_LISTEN_V4 */
    WINSIM_SOCKET_CONNECT,    /* ALE_AUTH_CONNECT_V4 */
    WINSIM_SOCKET_ACCEPT,     /* ALE_AUTH_RECV_ACCEPT_V4 */
    WINSIM_SOCKET_CLOSE,      /* ALE_ENDPOINT_CLOSURE_V4 */
    WINSIM_SOCKET_RELEASE     /* ALE_RESOURCE_RELEASE_V4 */
} winsim_socket_op;

/* A socket operation is classified at its ALE layer with the socket's endpoint (flow's id and
 * direction unused) and the layer's FLAGS value (e.g. FWP_CONDITION_FLAG_IS_LOOPBACK, or
 * FWP_CONDITION_FLAG_IS_REAUTHORIZE for a re-authorization). blocked: the operation is refused. */
winsim_verdict winsim_socket_event(winsim_socket_op op, const winsim_flow *socket, uint32_t flags);

/* What an injection put on the "wire" (send/forward) or up the stack (receive). */
typedef enum winsim_inject_kind
{
    WINSIM_INJECT_SEND, WINSIM_INJECT_RECEIVE, WINSIM_INJECT_FORWARD
} winsim_inject_kind;

typedef struct winsim_injection
{
    winsim_inject_kind kind;
    uint32_t compartment;
    uint32_t if_index;
    uint32_t sub_if_index;
    uint64_t context;       /* the injection context the driver passed */
    uint32_t length;
    uint8_t data[];         /* length bytes */
} winsim_injection;

/* Injections recorded so far, in order (their completions may still be pending). */
uint32_t winsim_injection_count(void);
const winsim_injection *winsim_injection_get(uint32_t index);
/*
 * WFP indicates an injected packet at its layer again (send: outbound, receive: inbound,
 * forward: the forward layer, from meta's interface to the one the injection named), so
 * other callouts, and the injector's own, see it: injection `index` is classified as a stack
 * packet that FwpsQueryPacketInjectionState0 reports as injected by its injection handle with
 * its context. The injecting driver must still be loaded.
 */
winsim_verdict winsim_stack_reinject(uint32_t index, const winsim_packet_meta *meta);

#endif /* WINSIM_H */

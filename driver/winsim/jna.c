/*
 * libwinsim_jna.so: the simulated kernel with the driver in it, as the Java harness
 * (java/winsim) loads it through JNA. It plays the user-mode half of Windows around the
 * driver: kernel32's CreateFile / DeviceIoControl / GetOverlappedResult / CancelIoEx /
 * CloseHandle on overlapped handles, with the NTSTATUS-to-Win32-error translation, and the
 * network stack's side (packets in, injections out) for the tests.
 *
 * One simulated processor: every call enters `cpu`, so the driver never runs on two Java
 * threads at once (the IRQL and spin-lock checks still apply within a call). A request the
 * driver pends is remembered by its OVERLAPPED; whichever call completes it, the completion
 * is written into the OVERLAPPED as the I/O manager writes the IO_STATUS_BLOCK, and threads
 * waiting in GetOverlappedResult wake. They wait outside `cpu`, so a pended RECV never blocks
 * the thread that injects the packet completing it.
 */
/* clock_gettime, pthread_cond_timedwait. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "winsim.h"

#define EXPORT __attribute__((visibility("default")))

#define STATUS_SUCCESS                ((int32_t)0x00000000)
#define STATUS_PENDING                ((int32_t)0x00000103)
#define STATUS_INVALID_DEVICE_REQUEST ((int32_t)0xC0000010)
#define STATUS_INVALID_PARAMETER      ((int32_t)0xC000000D)
#define STATUS_NO_MEMORY              ((int32_t)0xC0000017)
#define STATUS_ACCESS_DENIED          ((int32_t)0xC0000022)
#define STATUS_BUFFER_TOO_SMALL       ((int32_t)0xC0000023)
#define STATUS_OBJECT_NAME_NOT_FOUND  ((int32_t)0xC0000034)
#define STATUS_INSUFFICIENT_RESOURCES ((int32_t)0xC000009A)
#define STATUS_DEVICE_NOT_READY       ((int32_t)0xC00000A3)
#define STATUS_NOT_SUPPORTED          ((int32_t)0xC00000BB)
#define STATUS_PIPE_EMPTY             ((int32_t)0xC00000D9)
#define STATUS_INTERNAL_ERROR         ((int32_t)0xC00000E5)
#define STATUS_CANCELLED              ((int32_t)0xC0000120)
#define STATUS_INVALID_DEVICE_STATE   ((int32_t)0xC0000184)
#define STATUS_INVALID_BUFFER_SIZE    ((int32_t)0xC0000206)
#define STATUS_HOPLIMIT_EXCEEDED      ((int32_t)0xC000A012)

#define ERROR_IO_INCOMPLETE 996u
#define ERROR_IO_PENDING    997u
#define ERROR_NOT_FOUND     1168u

/* The x64 OVERLAPPED: Internal (the status), InternalHigh (the information), then fields the
 * I/O manager does not write. */
typedef struct overlapped
{
    uint64_t internal;
    uint64_t internalHigh;
} overlapped;

typedef struct pending
{
    struct pending *next;
    winsim_file *file;
    overlapped *overlapped;
    winsim_request *request;
} pending;

/* A Java boolean argument as JNA passes it: a 32-bit int, true as -1 (not 1), which a C bool
 * parameter would read as an invalid bool (255): taken as int and compared with 0. */
typedef int32_t jna_bool;

static pthread_mutex_t cpu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static pending *pendings;
static uint32_t pending_count;

/* RtlNtStatusToDosError for every status the driver and the simulated I/O manager return
 * (docs/spec/device-abi.md §11.2); an unknown status maps to ERROR_MR_MID_NOT_FOUND, as there. */
static uint32_t dos_error(int32_t status)
{
    switch (status)
    {
    case STATUS_INVALID_DEVICE_REQUEST: return 1;     /* ERROR_INVALID_FUNCTION */
    case STATUS_OBJECT_NAME_NOT_FOUND:  return 2;     /* ERROR_FILE_NOT_FOUND */
    case STATUS_ACCESS_DENIED:          return 5;     /* ERROR_ACCESS_DENIED */
    case STATUS_NO_MEMORY:              return 8;     /* ERROR_NOT_ENOUGH_MEMORY */
    case STATUS_DEVICE_NOT_READY:       return 21;    /* ERROR_NOT_READY */
    case STATUS_INVALID_DEVICE_STATE:   return 22;    /* ERROR_BAD_COMMAND */
    case STATUS_NOT_SUPPORTED:          return 50;    /* ERROR_NOT_SUPPORTED */
    case STATUS_INVALID_PARAMETER:      return 87;    /* ERROR_INVALID_PARAMETER */
    case STATUS_BUFFER_TOO_SMALL:       return 122;   /* ERROR_INSUFFICIENT_BUFFER */
    case STATUS_PIPE_EMPTY:             return 232;   /* ERROR_NO_DATA */
    case STATUS_CANCELLED:              return 995;   /* ERROR_OPERATION_ABORTED */
    case STATUS_HOPLIMIT_EXCEEDED:      return 1232;  /* ERROR_HOST_UNREACHABLE */
    case STATUS_INTERNAL_ERROR:         return 1359;  /* ERROR_INTERNAL_ERROR */
    case STATUS_INSUFFICIENT_RESOURCES: return 1450;  /* ERROR_NO_SYSTEM_RESOURCES */
    case STATUS_INVALID_BUFFER_SIZE:    return 1784;  /* ERROR_INVALID_USER_BUFFER */
    default:                            return 317;   /* ERROR_MR_MID_NOT_FOUND */
    }
}

static bool nt_error(int32_t status)
{
    return ((uint32_t)status >> 30) == 3;
}

static void enter(void)
{
    pthread_mutex_lock(&cpu);
}

/* Writes the completions of finished pended requests into their OVERLAPPEDs, then wakes the
 * waiters: any call may have completed a request. */
static void leave(void)
{
    pending **link = &pendings;
    while (*link != NULL)
    {
        pending *entry = *link;
        if (!winsim_request_done(entry->request))
        {
            link = &entry->next;
            continue;
        }
        entry->overlapped->internalHigh = winsim_request_information(entry->request);
        entry->overlapped->internal = (uint64_t)(int64_t)winsim_request_status(entry->request);
        winsim_request_free(entry->request);
        *link = entry->next;
        pending_count--;
        free(entry);
    }
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&cpu);
}

__attribute__((noreturn)) static void fail(const char *function, const char *message)
{
    fprintf(stderr, "winsim: FAIL in %s: %s\n", function, message);
    abort();
}

/* ---- the driver -------------------------------------------------------------------------- */
EXPORT int32_t winsim_jna_load(void)
{
    int32_t status;
    enter();
    status = winsim_load();
    leave();
    return status;
}

/* Deferred work first (the network finishes the injections in flight), then DriverUnload;
 * returns the leak count winsim_unload reports (0 = nothing left behind). */
EXPORT uint64_t winsim_jna_unload(void)
{
    uint64_t leaks;
    enter();
    if (pendings != NULL)
    {
        fail(__func__, "requests still pending (their files are open)");
    }
    winsim_run_deferred();
    leaks = winsim_unload();
    leave();
    return leaks;
}

EXPORT void winsim_jna_run_deferred(void)
{
    enter();
    winsim_run_deferred();
    leave();
}

EXPORT void winsim_jna_advance_ms(uint64_t milliseconds)
{
    enter();
    winsim_advance_ms(milliseconds);
    leave();
}

EXPORT uint64_t winsim_jna_counter(uint64_t *frequency)
{
    return winsim_counter(frequency);
}

/* ---- the process's memory ----------------------------------------------------------------- */
EXPORT void *winsim_jna_user_alloc(size_t length)
{
    return winsim_user_alloc(length);
}

EXPORT void winsim_jna_user_free(void *buffer)
{
    winsim_user_free(buffer);
}

/* ---- kernel32 ---------------------------------------------------------------------------- */
/* CreateFile on an overlapped handle: NULL (INVALID_HANDLE_VALUE) with *error on failure. */
EXPORT winsim_file *winsim_jna_create_file(const char *dos_name, uint32_t *error)
{
    int32_t status = STATUS_SUCCESS;
    winsim_file *file;
    enter();
    file = winsim_open(dos_name, &status);
    leave();
    *error = status >= 0 ? 0 : dos_error(status);
    return file;
}

/*
 * DeviceIoControl with an OVERLAPPED, as NtDeviceIoControlFile reports it: a request the
 * driver pended returns FALSE with ERROR_IO_PENDING (its completion goes to the OVERLAPPED); a
 * request completed at once writes the OVERLAPPED and *returned unless it failed outright.
 */
EXPORT bool winsim_jna_device_io_control(winsim_file *file, uint32_t code, const void *input, uint32_t input_length,
                                         void *output, uint32_t output_length, uint32_t *returned,
                                         void *overlapped_memory, uint32_t *error)
{
    overlapped *ov = overlapped_memory;
    winsim_request *request;
    int32_t dispatched, status;
    const pending *entry;
    if (ov == NULL)
    {
        fail(__func__, "the simulation models overlapped handles only");
    }
    enter();
    for (entry = pendings; entry != NULL; entry = entry->next)
    {
        if (entry->overlapped == ov)
        {
            fail(__func__, "OVERLAPPED reused while its request is pending");
        }
    }
    ov->internal = (uint64_t)STATUS_PENDING;
    ov->internalHigh = 0;
    request = winsim_ioctl(file, code, input, input_length, output, output_length);
    dispatched = winsim_request_dispatch_status(request);
    if (dispatched == STATUS_PENDING)
    {
        pending *added = calloc(1, sizeof(*added));
        if (added == NULL)
        {
            fail(__func__, "out of memory");
        }
        added->file = file;
        added->overlapped = ov;
        added->request = request;
        added->next = pendings;
        pendings = added;
        pending_count++;
        leave();
        *error = ERROR_IO_PENDING;
        return false;
    }
    status = winsim_request_status(request);
    if (!nt_error(status))
    {
        ov->internalHigh = winsim_request_information(request);
        ov->internal = (uint64_t)(int64_t)status;
        *returned = (uint32_t)ov->internalHigh;
    }
    winsim_request_free(request);
    leave();
    *error = status >= 0 ? 0 : dos_error(status);
    return status >= 0;
}

/* GetOverlappedResult: the OVERLAPPED holds STATUS_PENDING until the request completes. */
EXPORT bool winsim_jna_get_overlapped_result(void *overlapped_memory, uint32_t *transferred, jna_bool wait,
                                             uint32_t *error)
{
    const overlapped *ov = overlapped_memory;
    int32_t status;
    pthread_mutex_lock(&cpu);
    while ((int32_t)ov->internal == STATUS_PENDING && wait)
    {
        pthread_cond_wait(&changed, &cpu);
    }
    status = (int32_t)ov->internal;
    *transferred = (uint32_t)ov->internalHigh;
    pthread_mutex_unlock(&cpu);
    if (status == STATUS_PENDING)
    {
        *error = ERROR_IO_INCOMPLETE;
        return false;
    }
    *error = status >= 0 ? 0 : dos_error(status);
    return status >= 0;
}

/* CancelIoEx: the request on this OVERLAPPED, or every pending request of the file (NULL). */
EXPORT bool winsim_jna_cancel_io_ex(winsim_file *file, void *overlapped_memory, uint32_t *error)
{
    bool found = false;
    pending *entry;
    enter();
    for (entry = pendings; entry != NULL; entry = entry->next)
    {
        if (entry->file == file && (overlapped_memory == NULL || (void *)entry->overlapped == overlapped_memory) &&
            !winsim_request_done(entry->request))
        {
            winsim_cancel(entry->request);
            found = true;
        }
    }
    leave();
    *error = found ? 0 : ERROR_NOT_FOUND;
    return found;
}

/* CloseHandle: cleanup cancels what the driver still holds, then the file closes. */
EXPORT void winsim_jna_close_handle(winsim_file *file)
{
    enter();
    winsim_close(file);
    leave();
}

/* ---- the harness ------------------------------------------------------------------------- */
/* Waits (at most timeout_ms of real time) until `count` requests are pended in the driver. */
EXPORT bool winsim_jna_await_pending(uint32_t count, uint32_t timeout_ms)
{
    struct timespec deadline;
    bool reached;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L)
    {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&cpu);
    while (pending_count < count && pthread_cond_timedwait(&changed, &cpu, &deadline) != ETIMEDOUT)
    {
    }
    reached = pending_count >= count;
    pthread_mutex_unlock(&cpu);
    return reached;
}

EXPORT uint32_t winsim_jna_pending_count(void)
{
    uint32_t count;
    pthread_mutex_lock(&cpu);
    count = pending_count;
    pthread_mutex_unlock(&cpu);
    return count;
}

/* The stack sends or receives a packet; verdict[] = { blocked, absorbed, callouts }. */
EXPORT void winsim_jna_stack_packet(jna_bool outbound, const uint8_t *packet, uint32_t length, uint32_t if_index,
                                    uint32_t sub_if_index, uint32_t compartment, jna_bool loopback, uint32_t split,
                                    uint32_t verdict[3])
{
    winsim_packet_meta meta = { if_index, sub_if_index, compartment, loopback != 0 };
    winsim_verdict v;
    enter();
    v = winsim_stack_packet(outbound != 0, packet, length, &meta, split);
    leave();
    verdict[0] = v.blocked;
    verdict[1] = v.absorbed;
    verdict[2] = v.callouts;
}

/* Injection `index` through its layer again (winsim_stack_reinject); verdict[] as above. */
EXPORT void winsim_jna_stack_reinject(uint32_t index, uint32_t if_index, uint32_t sub_if_index, uint32_t compartment,
                                      jna_bool loopback, uint32_t verdict[3])
{
    winsim_packet_meta meta = { if_index, sub_if_index, compartment, loopback != 0 };
    winsim_verdict v;
    enter();
    v = winsim_stack_reinject(index, &meta);
    leave();
    verdict[0] = v.blocked;
    verdict[1] = v.absorbed;
    verdict[2] = v.callouts;
}

EXPORT uint32_t winsim_jna_injection_count(void)
{
    return winsim_injection_count();
}

/* Injection `index`: meta[] = { kind, compartment, if_index, sub_if_index, length }; copies at
 * most `capacity` data bytes. */
EXPORT void winsim_jna_injection_get(uint32_t index, uint32_t meta[5], uint64_t *context, uint8_t *data,
                                     uint32_t capacity)
{
    const winsim_injection *injection = winsim_injection_get(index);
    meta[0] = (uint32_t)injection->kind;
    meta[1] = injection->compartment;
    meta[2] = injection->if_index;
    meta[3] = injection->sub_if_index;
    meta[4] = injection->length;
    *context = injection->context;
    memcpy(data, injection->data, injection->length < capacity ? injection->length : capacity);
}

static void put_verdict(winsim_verdict v, uint32_t verdict[3])
{
    verdict[0] = v.blocked;
    verdict[1] = v.absorbed;
    verdict[2] = v.callouts;
}

/* The stack forwards a packet from one interface to another; verdict[] as above. */
EXPORT void winsim_jna_stack_forward(const uint8_t *packet, uint32_t length, uint32_t source_if_index,
                                     uint32_t destination_if_index, uint32_t compartment, uint32_t verdict[3])
{
    const winsim_forward_meta meta = { source_if_index, destination_if_index, compartment };
    winsim_verdict v;
    enter();
    v = winsim_stack_forward(packet, length, &meta, 0);
    leave();
    put_verdict(v, verdict);
}

/* endpoint[] = { protocol, local_addr, local_port, remote_addr, remote_port, process_id, outbound }
 * (IPv4 addresses in host order, as WFP gives them). */
static winsim_flow flow_of(uint64_t id, uint64_t endpoint_handle, const uint32_t endpoint[7])
{
    winsim_flow flow;
    memset(&flow, 0, sizeof(flow));
    flow.id = id;
    flow.endpoint = endpoint_handle;
    flow.protocol = (uint8_t)endpoint[0];
    flow.local_addr = endpoint[1];
    flow.local_port = (uint16_t)endpoint[2];
    flow.remote_addr = endpoint[3];
    flow.remote_port = (uint16_t)endpoint[4];
    flow.process_id = endpoint[5];
    flow.outbound = endpoint[6] != 0;
    return flow;
}

/* A socket operation (winsim_socket_op) at its ALE layer; verdict[] as above. */
EXPORT void winsim_jna_socket_event(uint32_t op, uint64_t endpoint_handle, const uint32_t endpoint[7], uint32_t flags,
                                    uint32_t verdict[3])
{
    const winsim_flow socket = flow_of(0, endpoint_handle, endpoint);
    winsim_verdict v;
    enter();
    v = winsim_socket_event((winsim_socket_op)op, &socket, flags);
    leave();
    put_verdict(v, verdict);
}

/* A flow is established (winsim_flow_established); verdict[] as above. */
EXPORT void winsim_jna_flow_established(uint64_t id, uint64_t endpoint_handle, const uint32_t endpoint[7],
                                        uint32_t verdict[3])
{
    const winsim_flow flow = flow_of(id, endpoint_handle, endpoint);
    winsim_verdict v;
    enter();
    v = winsim_flow_established(&flow);
    leave();
    put_verdict(v, verdict);
}

/* The flow ends: flowDeleteFn for every context attached to it. */
EXPORT void winsim_jna_flow_end(uint64_t id)
{
    enter();
    winsim_flow_end(id);
    leave();
}

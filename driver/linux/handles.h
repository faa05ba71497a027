/*
 * The Linux host's handle table and what every part of the host shares: the per-handle state
 * (struct handle), the queued-packet record, the limits, the clock and the last-error
 * message. Private to host.c, requests.c, capture.c and reflect.c, which all sit above it;
 * it knows nothing of them.
 */
#ifndef DIVERT4J_LINUX_HANDLES_H
#define DIVERT4J_LINUX_HANDLES_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "divert_abi.h"
#include "core/handle.h"
#include "hold.h"
#include "nfq.h"
#include "rawsock.h"
#include "rules.h"
#include "core/status.h"

#define ERR_ACCESS_DENIED       5u
#define ERR_INVALID_HANDLE      6u
#define ERR_INVALID_PARAMETER   87u
#define ERR_OPERATION_ABORTED   995u
#define ERR_NO_SYSTEM_RESOURCES 1450u

#define MAX_HANDLES 1024
#define TICKS_PER_MS 1000000u /* the clock is in nanoseconds */
/*
 * Holding (hold.h): at most HOLD_MAX packets per handle, each for at most HOLD_NS after its
 * capture. Held packets pin their sender's socket memory, so neither may grow without bound;
 * a packet sent back later than that is injected as a copy, exactly as without holding.
 */
#define HOLD_MAX 4096u
#define HOLD_NS  INT64_C(250000000)
/* The kernel queue takes the packets the reader has not read yet, plus the held ones. */
#define KERNEL_QUEUE_MAXLEN (DIVERT_WORK_QUEUE_LENGTH_MAX + HOLD_MAX)
/*
 * The capture thread takes up to READ_BURST datagrams per system call, wakes RECV once for
 * them all and then looks at the hold deadlines, at least every READ_TIMEOUT_MS when idle.
 */
#define READ_BURST 16u
#define READ_TIMEOUT_MS 100u
/* Internal storage per queued packet beyond its bytes, counted against QUEUE_SIZE. */
#define ENTRY_OVERHEAD 128u

/*
 * A queued packet: the core links it through q (first member), the host owns the memory.
 * While hold.held, the kernel still has the packet: the entry lives on after RECV (received)
 * until SEND claims it or the hold ends.
 */
typedef struct entry
{
    divert_queue_entry q;
    hold_item          hold;
    DIVERT_ADDRESS     addr;
    /* Offset of a transport checksum the kernel fills in later (capture.c), 0 when none. */
    uint32_t           csum_at;
    /* The kernel's packet is a GSO super-packet: only a verdict can send it on (requests.c). */
    int                gso;
    uint8_t            data[];
} entry;

static inline entry *entry_of_hold(hold_item *it)
{
    return (entry *)(void *)((char *)it - offsetof(entry, hold));
}

/* A RECV waiting for a packet, findable by its slot for divert4j_cancel. */
typedef struct pending
{
    struct pending *next;
    uint64_t        slot;
    int             cancelled;
} pending;

typedef struct handle
{
    pthread_mutex_t mu;        /* serialises every core call on `core` */
    pthread_cond_t  cv;
    int             refs;
    int             closing;
    divert_handle   core;
    pending        *waiting;
    int             started;   /* STARTUP done: visible to REFLECT handles (table_mu) */
    DIVERT_DATA_REFLECT reflect;
    /* capture */
    int             have_queue;
    nfq_conn        nfq;
    rules_handle    rules;
    int             rules_installed;
    pthread_t       reader;
    int             reader_started;
    atomic_int      stop;      /* tells the capture thread to end */
    rawsock_set  inject;
    uint8_t        *rbuf;      /* READ_BURST datagrams of NFQ_RECV_BUFFER bytes */
    hold_set        held;      /* under mu */
    int64_t         last_stamp; /* capture thread only */
    nfq_verdicts    rverdicts;  /* capture thread only */
} handle;

/* Guards table, generation and every handle's `started`; taken before a handle's mu. */
extern pthread_mutex_t table_mu;
extern handle *table[MAX_HANDLES];
extern uint32_t generation[MAX_HANDLES];
/* Detail of this thread's last failure (divert4j_last_message). */
extern _Thread_local char last_message[256];

/* Records the message and returns `error` (a Win32 code). */
uint32_t fail(uint32_t error, const char *fmt, ...);
/* The core's verdict as the Win32 error the client sees, with its name as the message. */
uint32_t status_fail(divert_status st, const char *what);
/* Frees a list of entries the kernel does not hold. */
void free_entries(divert_queue_entry *e);
/* The host clock (ns since boot): the address Timestamp and the core's queue ticks. */
int64_t now_ns(void);
/* The open handle of this id with one more reference, or NULL. */
handle *acquire(int32_t id);
/* Drops a reference taken by acquire. */
void release(handle *h);

#endif

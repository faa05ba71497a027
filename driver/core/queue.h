/*
 * The per-handle packet queue (docs/spec/device-abi.md 6.3 limits, 8 batch framing).
 *
 * Memory: entries are intrusive. The host embeds a divert_queue_entry in its own packet
 * record (allocated and freed by the host) and the queue only links and unlinks them. Every
 * function that removes entries returns them as a NULL-terminated list linked through `next`
 * (oldest first); the host then owns them again (copies, re-injects or frees them).
 *
 * Time: `now` and entry times are in the host's clock ticks (the Windows driver uses
 * KeQueryPerformanceCounter, the same clock as the address Timestamp); the age limit is given
 * in the same ticks. The core never reads a clock.
 *
 * Locking: none. The host serialises all calls on one queue (the handle's lock).
 */
#ifndef DIVERT_CORE_QUEUE_H
#define DIVERT_CORE_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"

typedef struct divert_queue_entry
{
    struct divert_queue_entry *next;
    struct divert_queue_entry *prev;
    uint64_t time;      /* set by divert_queue_push: `now` at insertion */
    uint32_t length;    /* data bytes this entry delivers (0 for FLOW/SOCKET events) */
} divert_queue_entry;

typedef struct divert_queue
{
    divert_queue_entry *head;     /* oldest */
    divert_queue_entry *tail;     /* newest */
    uint32_t count;
    uint64_t bytes;               /* sum of (length + overhead) of queued entries */
    uint32_t overhead;            /* per-entry storage the host counts against max_bytes */
    uint32_t max_length;          /* QUEUE_LENGTH */
    uint64_t max_bytes;           /* QUEUE_SIZE */
    uint64_t max_age;             /* QUEUE_TIME in ticks */
} divert_queue;

/* An empty queue with the default limits (age: default ms x ticks_per_ms). */
void divert_queue_init(divert_queue *q, uint32_t overhead, uint64_t ticks_per_ms);

/* New limits; they apply from the next push / batch (nothing is evicted now). */
void divert_queue_set_limits(divert_queue *q, uint32_t max_length, uint64_t max_bytes,
                             uint64_t max_age);

/* True when the entry is older than the age limit at now. */
bool divert_queue_entry_expired(const divert_queue *q, const divert_queue_entry *e, uint64_t now);

/*
 * Appends e (its length set by the caller) stamped with now. Returns what to free: the
 * oldest entries evicted to respect the length and byte limits, or e itself when it can
 * never fit (storage larger than max_bytes, or longer than DIVERT_MTU_MAX) - then nothing
 * else is evicted.
 */
divert_queue_entry *divert_queue_push(divert_queue *q, divert_queue_entry *e, uint64_t now);

/* Removes the timed-out entries at the head; returns them for freeing. */
divert_queue_entry *divert_queue_expire(divert_queue *q, uint64_t now);

/* Removes everything (handle close); returns all entries, oldest first. */
divert_queue_entry *divert_queue_drain(divert_queue *q);

/* What one RECV completion takes from the queue (docs/spec/device-abi.md 8, "batch framing"). */
typedef struct divert_recv_batch
{
    divert_queue_entry *entries;  /* taken entries, FIFO order: packet i <-> address i */
    uint32_t count;               /* number of entries (and addresses to write) */
    uint32_t first_length;        /* bytes of the first entry to copy (truncated if too long) */
    uint32_t bytes;               /* total bytes to copy = the request's bytes returned */
    divert_status status;         /* SUCCESS, or BUFFER_TOO_SMALL when the first was truncated */
    divert_queue_entry *expired;  /* timed-out entries dropped on the way: free them */
} divert_recv_batch;

/*
 * Takes the next batch for a data buffer of data_len bytes and at most max_packets
 * addresses (see divert_recv_max_packets). Expired head entries are dropped first; then the
 * first packet is always taken (truncated to data_len if needed); further packets follow
 * while an address slot is left, they fit entirely in the remaining buffer and have not
 * timed out. count = 0 when the queue is (now) empty.
 */
void divert_queue_take_batch(divert_queue *q, uint64_t now, uint32_t data_len,
                             uint32_t max_packets, divert_recv_batch *out);

#endif

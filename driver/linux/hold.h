/*
 * The packets of one handle that the kernel still holds: queued by NFQUEUE, copied into the
 * handle's queue, but given no verdict yet. A packet sent back unchanged then costs one
 * verdict that lets the original go on, instead of a drop verdict at capture plus a raw-socket
 * injection of a copy (a second trip through routing and the output hooks). Every packet gets
 * exactly one verdict: accept-like when it comes back unchanged, drop when it is sent back
 * modified, not at all, or too late (the copy is then injected, as without holding).
 *
 * A hold_set keeps its items in capture order (for ageing) and indexed by their stamp, the
 * address Timestamp the packet was delivered with (unique per handle), which is what SEND
 * finds them by. Items are intrusive; the host owns the memory. No locking: the host
 * serialises every call on a set (the handle's lock).
 */
#ifndef DIVERT4J_HOLD_H
#define DIVERT4J_HOLD_H

#include <stdint.h>

#define HOLD_BUCKETS 4096u /* power of two */

typedef struct hold_item
{
    struct hold_item *prev, *next; /* capture order */
    struct hold_item *chain;       /* next in the stamp's bucket */
    int64_t  stamp;
    uint32_t id;        /* NFQUEUE packet id */
    uint32_t pass_mark; /* the mark that lets the packet go on past this handle */
    int      held;      /* in a set */
    int      received;  /* handed to the application: SEND may claim it */
} hold_item;

typedef struct
{
    hold_item *oldest, *newest;
    uint32_t   count;
    hold_item *bucket[HOLD_BUCKETS];
} hold_set;

void hold_init(hold_set *s);

/* Adds `it` (stamp, id and pass_mark set; newer than every item in the set) as not received. */
void hold_add(hold_set *s, hold_item *it);

/* Takes `it` out of the set (it must be in it). */
void hold_remove(hold_set *s, hold_item *it);

/* The received item with this stamp, or NULL. */
hold_item *hold_find_received(const hold_set *s, int64_t stamp);

#endif

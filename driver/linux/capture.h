/*
 * Capture for the Linux host (capture.c): the NFQUEUE queue, rules and reader thread of an
 * OPEN handle, and the end of what the kernel still holds.
 */
#ifndef DIVERT4J_LINUX_CAPTURE_H
#define DIVERT4J_LINUX_CAPTURE_H

#include "handles.h"

/* Queue, rules and reader thread for a handle that has just become OPEN. */
uint32_t start_capture(handle *h);
/*
 * Reads what the socket holds (a burst at most; with `wait`, waits for the first datagram up
 * to READ_TIMEOUT_MS), wakes RECV once for all of it, ends the holds that are due. Returns the
 * number of datagrams read, or a negative errno (-EAGAIN: none).
 */
int read_packets(handle *h, int wait);
/* Entries leaving the queue or the hold; the kernel's copy of a held one is dropped. mu held. */
void discard_entries(handle *h, divert_queue_entry *q, nfq_verdicts *v);
/* Ends the holds older than HOLD_NS (all of them with `all`). mu held. */
void end_holds(handle *h, int64_t now, int all, nfq_verdicts *v);

#endif

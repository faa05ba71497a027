/*
 * The seven requests of the Linux host, each a core call under the handle's mutex plus what
 * only the host can do: RECV waits on the handle's condition variable, SEND releases a held
 * original unchanged or injects the packet through raw sockets (rawsock.h). Apart from
 * host.c so that the entry points read as the table of what exists.
 */
#define _GNU_SOURCE
#include "requests.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "core/inject.h"
#include "core/queue.h"
#include "reflect.h"

static atomic_uint init_counter;

static uint32_t do_initialize(handle *h, const divert_request *req, uint8_t *data, uint32_t len,
                              uint32_t *bytes)
{
    uint32_t layer = req->u.initialize.layer;
    if (layer == DIVERT_LAYER_FLOW || layer == DIVERT_LAYER_SOCKET) {
        /* Answered like any handshake, but the handle stays uninitialized. */
        divert_status st = divert_version_exchange(data, len, 64);
        if (st != DIVERT_STATUS_SUCCESS) {
            return status_fail(st, "INITIALIZE");
        }
        *bytes = DIVERT_VERSION_SIZE;
        return fail(ERR_INVALID_PARAMETER, "the %s layer is not supported on Linux (netfilter queues packets only)",
                    layer == DIVERT_LAYER_FLOW ? "FLOW" : "SOCKET");
    }
    pthread_mutex_lock(&h->mu);
    divert_status st = divert_handle_initialize(&h->core, req, data, len, 64,
                                                atomic_fetch_add(&init_counter, 1u));
    pthread_mutex_unlock(&h->mu);
    if (st != DIVERT_STATUS_SUCCESS) {
        return status_fail(st, "INITIALIZE");
    }
    *bytes = DIVERT_VERSION_SIZE;
    return 0;
}

static uint32_t do_startup(handle *h, const divert_request *req, const uint8_t *data, uint32_t len)
{
    pthread_mutex_lock(&h->mu);
    divert_status st = divert_handle_startup(&h->core, req, data, len);
    pthread_mutex_unlock(&h->mu);
    if (st != DIVERT_STATUS_SUCCESS) {
        return status_fail(st, "STARTUP");
    }
    uint32_t rc = start_capture(h);
    if (rc == 0) {
        reflect_started(h);
    }
    return rc;
}

static uint32_t do_recv(handle *h, uint64_t slot, const divert_request *req, uint8_t *data,
                        uint32_t len, uint32_t *bytes)
{
    DIVERT_ADDRESS *addrs = (DIVERT_ADDRESS *)(uintptr_t)req->u.recv.addr;
    uint32_t *addr_len_ptr = (uint32_t *)(uintptr_t)req->u.recv.addr_len_ptr;
    uint32_t addr_len = addr_len_ptr != NULL ? *addr_len_ptr : 0;
    uint32_t max = 0;
    divert_recv_batch batch = {0};
    nfq_verdicts v;
    nfq_verdicts_init(&v);
    pthread_mutex_lock(&h->mu);
    divert_status st = divert_handle_recv(&h->core, req, addr_len, &max);
    if (st != DIVERT_STATUS_SUCCESS) {
        pthread_mutex_unlock(&h->mu);
        return status_fail(st, "RECV");
    }
    pending me = {.next = h->waiting, .slot = slot, .cancelled = 0};
    h->waiting = &me;
    uint32_t rc = 0;
    for (;;) {
        divert_recv_action action = divert_handle_recv_action(&h->core);
        if (action == DIVERT_RECV_DELIVER) {
            divert_queue_take_batch(&h->core.queue, (uint64_t)now_ns(), len, max, &batch);
            discard_entries(h, batch.expired, &v);
            if (batch.count > 0) {
                break;
            }
        } else if (action == DIVERT_RECV_PIPE_EMPTY) {
            rc = status_fail(DIVERT_STATUS_PIPE_EMPTY, "RECV");
            break;
        } else if (me.cancelled || h->closing) {
            rc = fail(ERR_OPERATION_ABORTED, "RECV cancelled");
            break;
        } else {
            pthread_cond_wait(&h->cv, &h->mu);
        }
    }
    for (pending **pp = &h->waiting; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == &me) {
            *pp = me.next;
            break;
        }
    }
    pthread_mutex_unlock(&h->mu);
    (void)nfq_verdicts_flush(&h->nfq, &v);
    if (rc != 0) {
        return rc;
    }
    uint32_t off = 0, i = 0;
    for (divert_queue_entry *q = batch.entries; q != NULL; q = q->next, i++) {
        entry *e = (entry *)(void *)q;
        uint32_t n = i == 0 ? batch.first_length : q->length;
        if (n > 0) {
            memcpy(data + off, e->data, n);
        }
        off += n;
        if (addrs != NULL) {
            memcpy(&addrs[i], &e->addr, sizeof e->addr);
        }
    }
    /* What the kernel still holds waits for SEND; the rest is done with. */
    pthread_mutex_lock(&h->mu);
    for (divert_queue_entry *q = batch.entries, *next; q != NULL; q = next) {
        entry *e = (entry *)(void *)q;
        next = q->next;
        if (e->hold.held) {
            e->hold.received = 1;
        } else {
            free(e);
        }
    }
    pthread_mutex_unlock(&h->mu);
    if (addr_len_ptr != NULL) {
        *addr_len_ptr = batch.count * DIVERT_ADDRESS_SIZE;
    }
    *bytes = batch.bytes;
    return status_fail(batch.status, "RECV");
}

/* 9.1 step 3-4: puts one prepared packet on its way. */
static divert_status inject_one(handle *h, uint8_t *pkt, uint32_t len, const DIVERT_ADDRESS *a)
{
    int inbound = h->core.layer == DIVERT_LAYER_NETWORK_FORWARD || !a->Outbound;
    int e = rawsock_send(&h->inject, pkt, len, inbound, a->Network.IfIdx);
    if (e == -EMSGSIZE && !inbound) {
        /* Larger than the path MTU: tell the sender, as the stack would. */
        uint8_t scratch[1280]; /* the longest reply: IPv6's minimum MTU */
        uint32_t n;
        if (divert_build_too_big(pkt, len, scratch, sizeof scratch, &n)) {
            (void)rawsock_send(&h->inject, scratch, n, 1, a->Network.IfIdx);
        }
        return DIVERT_STATUS_SUCCESS;
    }
    if (e == -ENOMEM) {
        return DIVERT_STATUS_INSUFFICIENT_RESOURCES;
    }
    if (e != 0) {
        fail(0, "injection: %s", strerror(-e));
        /* Soft errors: unreachable as such (1232), anything else as a bad packet (87). */
        return e == -ENETUNREACH || e == -EHOSTUNREACH ? DIVERT_STATUS_HOPLIMIT_EXCEEDED
                                                       : DIVERT_STATUS_INVALID_PARAMETER;
    }
    return DIVERT_STATUS_SUCCESS;
}

/*
 * Whether pkt is e's packet unchanged. A checksum the kernel has not filled in yet (csum_at,
 * capture.c) is no part of the comparison: the kernel still has the packet and fills it in
 * itself, whatever the copy holds there (recomputed by 9.1 step 1, or as received).
 */
static int unchanged(const entry *e, const uint8_t *pkt, uint32_t len)
{
    if (e->q.length != len) {
        return 0;
    }
    if (e->csum_at == 0) {
        return memcmp(e->data, pkt, len) == 0;
    }
    uint32_t after = e->csum_at + 2;
    return memcmp(e->data, pkt, e->csum_at) == 0 && memcmp(e->data + after, pkt + after, len - after) == 0;
}

/*
 * SEND of a packet the kernel may still hold (found by its stamp): sent back unchanged, the
 * original goes on (its verdict collected in v) and 1 is returned. A GSO super-packet sent
 * back modified but on its way (direction, interface) replaces the original in its verdict
 * instead, sent at once after what v holds: no raw socket sends a packet larger than the
 * MTU, while the kernel cuts the replacement into segments (with checksums of its own) as it
 * would have cut the original; 1 as well. Otherwise 0: the caller injects pkt, and a held
 * original that was modified or redirected is dropped.
 *
 * With !prepared, pkt is the caller's packet before 9.1 steps 1-2: it is released only when
 * those steps could change none of the bytes compared (no impostor, an IPv4 header checksum
 * flagged valid, transport checksums flagged valid or not compared) and it is unchanged;
 * anything else leaves the hold as it is and returns 0, for the caller to prepare a copy and
 * ask again. That spares a large packet sent back as received its copy and checksum.
 */
static int release_held(handle *h, const uint8_t *pkt, uint32_t len, const DIVERT_ADDRESS *a, int prepared,
                        nfq_verdicts *v)
{
    int released = 0, replace = 0;
    uint32_t id = 0, mark = 0;
    pthread_mutex_lock(&h->mu);
    hold_item *it = hold_find_received(&h->held, a->Timestamp);
    entry *e = it != NULL ? entry_of_hold(it) : NULL;
    int same_way = e != NULL && e->addr.Outbound == a->Outbound && e->addr.IPv6 == a->IPv6
                   && e->addr.Network.IfIdx == a->Network.IfIdx && e->addr.Network.SubIfIdx == a->Network.SubIfIdx;
    if (e != NULL) {
        int keeps = prepared
                    || (!a->Impostor && (a->IPv6 || a->IPChecksum) && (e->csum_at != 0 || (a->TCPChecksum && a->UDPChecksum)));
        released = keeps && same_way && unchanged(e, pkt, len);
        if (!prepared && !released) {
            e = NULL; /* for the prepared copy to decide */
        }
    }
    if (e != NULL) {
        replace = same_way && !released && e->gso;
        id = it->id;
        mark = it->pass_mark;
        hold_remove(&h->held, it);
        if (!replace) {
            (void)nfq_verdicts_add(&h->nfq, v, id, released ? NFQ_REPEAT : NFQ_DROP, released ? &mark : NULL);
        }
        free(e);
    }
    pthread_mutex_unlock(&h->mu);
    if (replace) {
        (void)nfq_verdicts_flush(&h->nfq, v);
        if (nfq_verdict(&h->nfq, id, NFQ_REPEAT, pkt, len, &mark) == 0) {
            return 1;
        }
        /* Not taken (too long for a verdict): dropped, and injected like any other packet. */
        (void)nfq_verdict(&h->nfq, id, NFQ_DROP, NULL, 0, NULL);
    }
    return released;
}

static uint32_t do_send(handle *h, const divert_request *req, const uint8_t *data, uint32_t len,
                        uint32_t *bytes)
{
    pthread_mutex_lock(&h->mu);
    divert_status st = divert_handle_send(&h->core, req);
    pthread_mutex_unlock(&h->mu);
    if (st != DIVERT_STATUS_SUCCESS) {
        return status_fail(st, "SEND");
    }
    /* The host's private copy of each packet (9.1): on the stack unless it is large. */
    uint8_t small[2048], *large = NULL;
    uint32_t large_cap = 0;
    const uint8_t *addrs = (const uint8_t *)(uintptr_t)req->u.send.addr;
    nfq_verdicts v;
    nfq_verdicts_init(&v);
    divert_send_batch b;
    divert_send_begin(&b, req);
    size_t off;
    uint32_t plen, index;
    while (divert_send_next(&b, data, len, &off, &plen, &index)) {
        DIVERT_ADDRESS a;
        memcpy(&a, addrs + (size_t)index * DIVERT_ADDRESS_SIZE, sizeof a);
        if (release_held(h, data + off, plen, &a, 0, &v)) {
            divert_send_result(&b, DIVERT_STATUS_SUCCESS);
            continue;
        }
        uint8_t *copy = small;
        if (plen > sizeof small) {
            if (plen > large_cap) {
                free(large);
                large = malloc(plen);
                large_cap = large != NULL ? plen : 0;
            }
            copy = large;
        }
        if (copy == NULL) {
            divert_send_result(&b, DIVERT_STATUS_INSUFFICIENT_RESOURCES);
            continue;
        }
        memcpy(copy, data + off, plen);
        st = divert_inject_prepare(copy, plen, &a);
        if (st == DIVERT_STATUS_SUCCESS && !release_held(h, copy, plen, &a, 1, &v)) {
            /* In order: what was released before this packet goes first. */
            (void)nfq_verdicts_flush(&h->nfq, &v);
            st = inject_one(h, copy, plen, &a);
        }
        divert_send_result(&b, st);
    }
    free(large);
    (void)nfq_verdicts_flush(&h->nfq, &v);
    st = divert_send_complete(&b, bytes);
    return status_fail(st, "SEND");
}

static uint32_t do_param(handle *h, const divert_request *req, uint8_t *data, uint32_t len, uint32_t *bytes)
{
    pthread_mutex_lock(&h->mu);
    divert_status st;
    if (req->kind == DIVERT_REQUEST_GET_PARAM) {
        uint64_t v = 0;
        st = divert_handle_get_param(&h->core, req, len, &v);
        if (st == DIVERT_STATUS_SUCCESS) {
            memcpy(data, &v, sizeof v);
            *bytes = sizeof v;
        }
    } else {
        st = divert_handle_set_param(&h->core, req);
    }
    pthread_mutex_unlock(&h->mu);
    return status_fail(st, req->kind == DIVERT_REQUEST_GET_PARAM ? "GET_PARAM" : "SET_PARAM");
}

static uint32_t do_shutdown(handle *h, const divert_request *req)
{
    pthread_mutex_lock(&h->mu);
    divert_status st = divert_handle_shutdown(&h->core, req);
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    return status_fail(st, "SHUTDOWN");
}

uint32_t host_request(handle *h, uint64_t slot, const divert_request *req, uint8_t *data, uint32_t len,
                      uint32_t *bytes)
{
    uint32_t rc = 0;
    switch (req->kind) {
    case DIVERT_REQUEST_INITIALIZE: rc = do_initialize(h, req, data, len, bytes); break;
    case DIVERT_REQUEST_STARTUP: rc = do_startup(h, req, data, len); break;
    case DIVERT_REQUEST_RECV: rc = do_recv(h, slot, req, data, len, bytes); break;
    case DIVERT_REQUEST_SEND: rc = do_send(h, req, data, len, bytes); break;
    case DIVERT_REQUEST_SET_PARAM:
    case DIVERT_REQUEST_GET_PARAM: rc = do_param(h, req, data, len, bytes); break;
    case DIVERT_REQUEST_SHUTDOWN: rc = do_shutdown(h, req); break;
    }
    return rc;
}

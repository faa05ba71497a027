/*
 * The entry points of the Linux host (host.h): open, ioctl, cancel, close and the last
 * message. Each finds the handle in the table (handles.c) and leaves the work to requests.c,
 * capture.c and reflect.c; close is here because it undoes all three in order.
 */
#define _GNU_SOURCE
#include "host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "core/inject.h"
#include "handles.h"
#include "reflect.h"
#include "requests.h"

DIVERT4J_EXPORT uint32_t divert4j_open(int32_t *out)
{
    if (out == NULL) {
        return fail(ERR_INVALID_PARAMETER, "no handle pointer");
    }
    *out = 0;
    if (geteuid() != 0) {
        return fail(ERR_ACCESS_DENIED, "divert4j needs root (CAP_NET_ADMIN) on Linux");
    }
    handle *h = calloc(1, sizeof *h);
    if (h == NULL) {
        return fail(ERR_NO_SYSTEM_RESOURCES, "out of memory");
    }
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    divert_handle_init(&h->core, TICKS_PER_MS, ENTRY_OVERHEAD);
    h->nfq.fd = -1;
    rawsock_init(&h->inject, 0);
    hold_init(&h->held);
    pthread_mutex_lock(&table_mu);
    for (uint32_t i = 0; i < MAX_HANDLES; i++) {
        if (table[i] == NULL) {
            table[i] = h;
            uint32_t gen = generation[i] & 0x1FFFu; /* keeps the id a positive int32 */
            *out = (int32_t)(gen * MAX_HANDLES + i + 1);
            break;
        }
    }
    pthread_mutex_unlock(&table_mu);
    if (*out == 0) {
        free(h);
        return fail(ERR_NO_SYSTEM_RESOURCES, "too many handles (%d)", MAX_HANDLES);
    }
    return 0;
}

DIVERT4J_EXPORT uint32_t divert4j_ioctl(int32_t id, uint64_t slot, uint32_t code,
                                        const uint8_t *header, uint8_t *data, uint32_t len,
                                        uint32_t *bytes)
{
    uint32_t ignored;
    if (bytes == NULL) {
        bytes = &ignored;
    }
    *bytes = 0;
    last_message[0] = '\0';
    if (data == NULL) {
        len = 0;
    }
    divert_request req;
    divert_status st = divert_request_decode(code, header, header == NULL ? 0 : DIVERT_IOCTL_SIZE, &req);
    if (st != DIVERT_STATUS_SUCCESS) {
        return status_fail(st, "request");
    }
    handle *h = acquire(id);
    if (h == NULL) {
        return fail(ERR_INVALID_HANDLE, "no such handle");
    }
    uint32_t rc = host_request(h, slot, &req, data, len, bytes);
    release(h);
    return rc;
}

DIVERT4J_EXPORT uint32_t divert4j_cancel(int32_t id, uint64_t slot)
{
    handle *h = acquire(id);
    if (h == NULL) {
        return fail(ERR_INVALID_HANDLE, "no such handle");
    }
    pthread_mutex_lock(&h->mu);
    for (pending *p = h->waiting; p != NULL; p = p->next) {
        if (slot == 0 || p->slot == slot) {
            p->cancelled = 1;
        }
    }
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    release(h);
    return 0;
}

DIVERT4J_EXPORT uint32_t divert4j_close(int32_t id)
{
    if (id <= 0) {
        return fail(ERR_INVALID_HANDLE, "no such handle");
    }
    uint32_t idx = (uint32_t)(id - 1) % MAX_HANDLES;
    uint32_t gen = (uint32_t)(id - 1) / MAX_HANDLES;
    pthread_mutex_lock(&table_mu);
    handle *h = table[idx];
    if (h == NULL || (generation[idx] & 0x1FFFu) != gen) {
        pthread_mutex_unlock(&table_mu);
        return fail(ERR_INVALID_HANDLE, "no such handle");
    }
    pthread_mutex_lock(&h->mu);
    int already = h->closing;
    h->closing = 1;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_mutex_unlock(&table_mu);
    if (already) {
        return fail(ERR_INVALID_HANDLE, "handle already closing");
    }
    reflect_closing(h);
    /* No new packets: rules first, then the thread, then what the kernel still holds. */
    char err[512];
    if (h->rules_installed) {
        (void)rules_remove(h->rules.tag, err, sizeof err);
    }
    if (h->reader_started) {
        atomic_store(&h->stop, 1);
        (void)nfq_wake(&h->nfq); /* else it notices within READ_TIMEOUT_MS */
        pthread_join(h->reader, NULL);
        while (read_packets(h, 0) > 0) {
        }
    }
    divert_queue_entry *reinject, *discard;
    nfq_verdicts v;
    nfq_verdicts_init(&v);
    pthread_mutex_lock(&h->mu);
    while (h->refs > 0) {
        pthread_cond_wait(&h->cv, &h->mu);
    }
    divert_handle_close(&h->core, (uint64_t)now_ns(), &reinject, &discard);
    /* Device-abi.md 12, Close: what is still queued goes back on its way (the kernel's
     * original when it still holds it); what was received and never sent back is dropped. */
    for (divert_queue_entry *q = reinject, *next; q != NULL; q = next) {
        entry *e = (entry *)(void *)q;
        next = q->next;
        if (e->hold.held) {
            hold_remove(&h->held, &e->hold);
            (void)nfq_verdicts_add(&h->nfq, &v, e->hold.id, NFQ_REPEAT, &e->hold.pass_mark);
        } else {
            (void)nfq_verdicts_flush(&h->nfq, &v);
            if (e->csum_at != 0) {
                /* a checksum the kernel left to offload (capture.c): the raw socket sends bytes as they are */
                (void)divert_inject_prepare(e->data, q->length, &e->addr);
            }
            int inbound = h->core.layer == DIVERT_LAYER_NETWORK_FORWARD || !e->addr.Outbound;
            (void)rawsock_send(&h->inject, e->data, q->length, inbound, e->addr.Network.IfIdx);
        }
        free(e);
    }
    discard_entries(h, discard, &v);
    end_holds(h, 0, 1, &v);
    pthread_mutex_unlock(&h->mu);
    (void)nfq_verdicts_flush(&h->nfq, &v);
    if (h->have_queue) {
        nfq_close(&h->nfq);
    }
    rawsock_close(&h->inject);
    free(h->rbuf);
    pthread_mutex_lock(&table_mu);
    table[idx] = NULL;
    generation[idx]++;
    pthread_mutex_unlock(&table_mu);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    free(h);
    return 0;
}

DIVERT4J_EXPORT uint32_t divert4j_last_message(char *buf, uint32_t len)
{
    if (buf == NULL || len == 0) {
        return ERR_INVALID_PARAMETER;
    }
    snprintf(buf, len, "%s", last_message);
    return 0;
}

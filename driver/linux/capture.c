/*
 * Capture for the Linux host: per OPEN handle one NFQUEUE queue, its netfilter rules and one
 * reader thread that evaluates the filter with the core's VM and gives each packet its
 * verdict (passed on with the handle's release mark, queued for RECV and held, or dropped).
 * Apart from the request paths so that the thread's work reads in one place.
 */
#define _GNU_SOURCE
#include "capture.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>

#include "core/hooks.h"
#include "core/filter_eval.h"
#include "core/packet_parse.h"
#include "core/queue.h"
#include "prefilter.h"

static char owner_tag[RULES_OWNER_TAG_LEN + 1];
static int owner_ready;
static unsigned lo_index;

/* Once per process: owner tag, stale rules of dead owners, the watchdog for ours. */
static uint32_t prepare_owner(void)
{
    uint32_t rc = 0;
    pthread_mutex_lock(&table_mu);
    if (!owner_ready) {
        char err[512] = "";
        if (rules_owner_tag(owner_tag, 0) != 0) {
            rc = fail(ERR_NO_SYSTEM_RESOURCES, "cannot read /proc/self/stat");
        } else if (rules_remove_stale(err, sizeof err) < 0) {
            rc = fail(ERR_ACCESS_DENIED, "cannot list or clean netfilter rules (root needed): %s", err);
        } else if (rules_start_watchdog(owner_tag, err, sizeof err) != 0) {
            rc = fail(ERR_NO_SYSTEM_RESOURCES, "%s", err);
        } else {
            lo_index = if_nametoindex("lo");
            owner_ready = 1;
        }
    }
    pthread_mutex_unlock(&table_mu);
    return rc;
}

/* The mark that hands a packet back so that the handles after this one see it (rules.h). */
static uint32_t pass_mark(const handle *h, const nfq_packet *p)
{
    return (p->mark & ~RULES_MARK_MASK) | rules_mark(h->inject.id, p->hook == NF_INET_LOCAL_IN);
}

/*
 * Entries leaving the queue (expired, evicted, discarded) or the hold: the kernel's copy of a
 * held one is dropped (verdict collected in v). mu held.
 */
void discard_entries(handle *h, divert_queue_entry *q, nfq_verdicts *v)
{
    while (q != NULL) {
        divert_queue_entry *next = q->next;
        entry *e = (entry *)(void *)q;
        if (e->hold.held) {
            hold_remove(&h->held, &e->hold);
            (void)nfq_verdicts_add(&h->nfq, v, e->hold.id, NFQ_DROP, NULL);
        }
        free(e);
        q = next;
    }
}

/*
 * Ends the holds older than HOLD_NS (all of them with `all`): the kernel drops its copy; an
 * entry still queued stays queued, a received one is freed. mu held.
 */
void end_holds(handle *h, int64_t now, int all, nfq_verdicts *v)
{
    hold_item *it;
    while ((it = h->held.oldest) != NULL && (all || it->stamp + HOLD_NS <= now)) {
        entry *e = entry_of_hold(it);
        int received = it->received;
        hold_remove(&h->held, it);
        (void)nfq_verdicts_add(&h->nfq, v, it->id, NFQ_DROP, NULL);
        if (received) {
            free(e);
        }
    }
}

/* Returns 1 when the packet was queued for RECV. */
static int on_packet(handle *h, const nfq_packet *p)
{
    const divert_handle *c = &h->core; /* layer, flags and program are fixed once OPEN */
    DIVERT_ADDRESS a;
    memset(&a, 0, sizeof a);
    /* Strictly increasing: the stamp is what SEND finds a held packet by. */
    int64_t now = now_ns();
    if (now <= h->last_stamp) {
        now = h->last_stamp + 1;
    }
    h->last_stamp = now;
    a.Timestamp = now;
    a.Layer = c->layer;
    a.Event = DIVERT_EVENT_NETWORK_PACKET;
    a.IPv6 = p->family == NFPROTO_IPV6;
    if (p->hook == NF_INET_LOCAL_IN) {
        a.Network.IfIdx = p->indev;
    } else {
        a.Outbound = 1;
        a.Network.IfIdx = p->outdev;
        a.Loopback = c->layer == DIVERT_LAYER_NETWORK && p->outdev == lo_index;
        /*
         * Locally generated packets reach us with their checksums computed, except those the
         * stack leaves to offload, which a GSO queue gets as they are (below).
         */
        a.IPChecksum = a.TCPChecksum = a.UDPChecksum = p->hook == NF_INET_LOCAL_OUT;
    }
    divert_packet_view view = divert_view_flat(p->payload, p->payload_len);
    divert_packet pkt;
    /*
     * A truncated packet (cap_len: larger than the copy range, only possible for a GSO
     * super-packet beyond 65531 bytes) cannot be delivered whole, so it matches nothing and
     * passes unseen. Inbound packets are seen reassembled (INPUT), so a FRAGMENTS handle
     * matches none. The walk (for the fragment flag) only when asked: the evaluator walks as
     * its fields need.
     */
    int match = p->cap_len == 0 && p->payload_len <= DIVERT_MTU_MAX
                && divert_parse_driver_lazy(&view, a.IPv6, &pkt)
                && !(p->hook == NF_INET_LOCAL_IN
                     && (!divert_packet_walk(&view, &pkt)
                         || pkt.fragment != ((c->flags & DIVERT_FLAG_FRAGMENTS) != 0)))
                && divert_filter_eval(&c->program, c->layer, &a, &view, &pkt) == DIVERT_EVAL_MATCH;
    /*
     * On a GSO queue the kernel does not fill in a checksum left to offload (CSUMNOTREADY):
     * the TCP/UDP checksum field holds only the pseudo-header sum. The address says so as
     * WinDivert's does for an offloaded checksum (docs/spec/device-abi.md §7.1: 0 is "may be
     * invalid"), so that a SEND recomputes it (§9.1) unless told not to; csum_at lets the
     * release of the held original ignore that field (requests.c).
     */
    uint32_t csum_at = 0;
    if (match && (p->skbinfo & NFQ_SKB_CSUMNOTREADY) && divert_packet_walk(&view, &pkt)) {
        if (pkt.transport == DIVERT_TRANSPORT_TCP) {
            a.TCPChecksum = 0;
            csum_at = pkt.transport_offset + 16;
        } else if (pkt.transport == DIVERT_TRANSPORT_UDP) {
            a.UDPChecksum = 0;
            csum_at = pkt.transport_offset + 6;
        }
        if (csum_at + 2 > p->payload_len) {
            csum_at = 0; /* no room for the field: nothing to leave out of the comparison */
        }
    }
    nfq_verdicts *v = &h->rverdicts;
    uint32_t mark = pass_mark(h, p);
    pthread_mutex_lock(&h->mu);
    if (!match || !divert_handle_may_queue(&h->core)) {
        pthread_mutex_unlock(&h->mu);
        (void)nfq_verdicts_add(&h->nfq, v, p->id, NFQ_REPEAT, &mark);
        return 0;
    }
    int sniff = (c->flags & DIVERT_FLAG_SNIFF) != 0;
    int held = 0, queued = 0;
    if (!(c->flags & DIVERT_FLAG_DROP)) {
        entry *e = malloc(sizeof *e + p->payload_len);
        if (e != NULL) {
            a.Sniffed = sniff;
            e->addr = a;
            e->q.length = p->payload_len;
            e->csum_at = csum_at;
            e->gso = (p->skbinfo & NFQ_SKB_GSO) != 0;
            memcpy(e->data, p->payload, p->payload_len);
            e->hold.held = 0;
            if (!sniff && !(c->flags & DIVERT_FLAG_RECV_ONLY) && h->held.count < HOLD_MAX) {
                e->hold.stamp = now;
                e->hold.id = p->id;
                e->hold.pass_mark = mark;
                hold_add(&h->held, &e->hold);
                held = 1;
            }
            discard_entries(h, divert_queue_expire(&h->core.queue, (uint64_t)now), v);
            /* The push may refuse e itself: then its hold ends at once, with a drop. */
            discard_entries(h, divert_queue_push(&h->core.queue, &e->q, (uint64_t)now), v);
            queued = 1;
        }
    }
    pthread_mutex_unlock(&h->mu);
    if (sniff) {
        (void)nfq_verdicts_add(&h->nfq, v, p->id, NFQ_REPEAT, &mark);
    } else if (!held) {
        (void)nfq_verdicts_add(&h->nfq, v, p->id, NFQ_DROP, NULL);
    }
    return queued;
}

/*
 * Reads what the socket holds (a burst at most; with `wait`, waits for the first datagram up
 * to READ_TIMEOUT_MS), wakes RECV once for all of it, ends the holds that are due. Returns the
 * number of datagrams read, or a negative errno (-EAGAIN: none).
 */
int read_packets(handle *h, int wait)
{
    uint32_t lens[READ_BURST];
    int got = nfq_recv_many(&h->nfq, h->rbuf, NFQ_RECV_BUFFER, READ_BURST, lens, wait);
    int queued = 0;
    for (int i = 0; i < got; i++) {
        const uint8_t *d = h->rbuf + (size_t)i * NFQ_RECV_BUFFER;
        size_t off = 0;
        nfq_packet p;
        int rc;
        while (lens[i] > 0 && (rc = nfq_parse(d, lens[i], &off, &p)) != 0) {
            if (rc == 1) {
                queued |= on_packet(h, &p);
            } else if (rc == -EBADMSG) {
                break;
            }
        }
    }
    pthread_mutex_lock(&h->mu);
    end_holds(h, now_ns(), 0, &h->rverdicts);
    if (queued) {
        pthread_cond_broadcast(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
    (void)nfq_verdicts_flush(&h->nfq, &h->rverdicts);
    return got;
}

static void *reader_main(void *arg)
{
    handle *h = arg;
    while (!atomic_load(&h->stop)) {
        (void)read_packets(h, 1);
    }
    return NULL;
}

/* The netfilter hooks of the core's interception points (docs/spec/device-abi.md 4.2). */
static unsigned capture_hooks(uint32_t layer, uint64_t filter_flags)
{
    static const struct { divert_hook hook; unsigned rule; } map[] = {
        {DIVERT_HOOK_OUTBOUND_IPPACKET_V4, RULES_OUT_V4}, {DIVERT_HOOK_OUTBOUND_IPPACKET_V6, RULES_OUT_V6},
        {DIVERT_HOOK_INBOUND_IPPACKET_V4, RULES_IN_V4},   {DIVERT_HOOK_INBOUND_IPPACKET_V6, RULES_IN_V6},
        {DIVERT_HOOK_IPFORWARD_V4, RULES_FWD_V4},         {DIVERT_HOOK_IPFORWARD_V6, RULES_FWD_V6},
    };
    uint32_t hooks = divert_hooks_for(layer, filter_flags);
    unsigned rules = 0;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (hooks & (UINT32_C(1) << map[i].hook)) {
            rules |= map[i].rule;
        }
    }
    return rules;
}

uint32_t start_capture(handle *h)
{
    unsigned capture = capture_hooks(h->core.layer, h->core.filter_flags);
    unsigned release = capture;
    if (h->core.layer == DIVERT_LAYER_NETWORK && !(h->core.flags & DIVERT_FLAG_RECV_ONLY)) {
        release |= RULES_OUT_V4 | RULES_OUT_V6 | RULES_IN_V4 | RULES_IN_V6;
    }
    if (release == 0) {
        return 0; /* captures nothing and injects nothing another handle must skip */
    }
    uint32_t rc = prepare_owner();
    if (rc != 0) {
        return rc;
    }
    int e = nfq_open(&h->nfq);
    if (e == 0) {
        e = nfq_bind_free(&h->nfq, RULES_QUEUE_FIRST, RULES_QUEUE_COUNT);
    }
    if (e == 0) {
        e = nfq_set_copy_packet(&h->nfq, 0xFFFF);
    }
    if (e == 0) {
        e = nfq_set_maxlen(&h->nfq, KERNEL_QUEUE_MAXLEN);
    }
    if (e != 0) {
        return fail(e == -EPERM ? ERR_ACCESS_DENIED : ERR_NO_SYSTEM_RESOURCES, "NFQUEUE: %s", strerror(-e));
    }
    h->have_queue = 1;
    rawsock_init(&h->inject, (uint16_t)(h->nfq.queue - RULES_QUEUE_FIRST));
    memset(&h->rules, 0, sizeof h->rules);
    snprintf(h->rules.tag, sizeof h->rules.tag, "%s%04x", owner_tag, h->nfq.queue);
    h->rules.queue = h->nfq.queue;
    h->rules.priority = h->core.priority;
    h->rules.capture = capture;
    h->rules.release = release;
    uint32_t maybe = prefilter_prepare(&h->rules, &h->core.program);
    /*
     * GSO: the queue gets GSO/GRO super-packets (up to 64 KiB) whole rather than cut into
     * MTU-sized segments by the kernel first, which is what keeps matched TCP fast. WinDivert
     * shows large-send packets whole as well (packets up to DIVERT_MTU_MAX). Not for a filter
     * that reads what segmentation changes (lengths, ids, checksums, sequence numbers,
     * FIN/PSH/URG, payload bytes: DIVERT_BPF_MAYBE_SEGMENTS, or one too long to tell): it must
     * see, and be matched against, the packets that go on the wire. The flag is the queue's,
     * and the kernel still segments for every queue without it, so a handle that needs
     * segments gets them whatever the handles before or after it do. Asked before the reader
     * starts (the request waits for its acknowledgement on the socket the reader reads); an
     * old kernel without it just leaves the queue as it was.
     */
    if (capture != 0 && !(maybe & (DIVERT_BPF_MAYBE_SEGMENTS | DIVERT_BPF_TOO_LONG))) {
        (void)nfq_set_flags(&h->nfq, NFQ_FLAG_GSO, NFQ_FLAG_GSO);
    }
    if (capture != 0) {
        h->rbuf = malloc((size_t)READ_BURST * NFQ_RECV_BUFFER);
        if (h->rbuf == NULL) {
            return fail(ERR_NO_SYSTEM_RESOURCES, "out of memory");
        }
        e = nfq_set_recv_timeout(&h->nfq, READ_TIMEOUT_MS);
        if (e != 0) {
            return fail(ERR_NO_SYSTEM_RESOURCES, "NFQUEUE: %s", strerror(-e));
        }
        if (pthread_create(&h->reader, NULL, reader_main, h) != 0) {
            return fail(ERR_NO_SYSTEM_RESOURCES, "cannot start the capture thread");
        }
        h->reader_started = 1;
    }
    char err[1024] = "";
    if (rules_install(&h->rules, err, sizeof err) != 0) {
        return fail(ERR_ACCESS_DENIED, "cannot install netfilter rules: %s", err);
    }
    h->rules_installed = 1;
    return 0;
}

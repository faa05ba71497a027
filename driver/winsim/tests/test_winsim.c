/*
 * End to end through the real driver/windows sources on the simulated kernel: load, open,
 * the INITIALIZE/STARTUP handshake with the ABI bytes, a RECV pended until a classify at the
 * outbound IPv4 layer delivers a UDP packet, SEND re-injecting it, cancellation, close with a
 * pended RECV, and unload with nothing leaked.
 */
#include <pthread.h>
#include <string.h>

#include "winsim_test.h"

/* SEND from h with the address its last RECV wrote; returns the injection's index. */
static uint32_t send_back(handle *h, const uint8_t *packet, uint32_t length)
{
    uint32_t index = winsim_injection_count();
    CHECK_EQ(send_packet(h, h->addr, packet, length), STATUS_SUCCESS);
    CHECK_EQ(winsim_injection_count(), index + 1);
    return index;
}

/* The same UDP packet with a 4-byte IP option (NOPs): IHL 6. */
static uint32_t build_udp_option(uint8_t *out, uint16_t dport, const char *payload)
{
    uint32_t length = build_udp(out, dport, payload);
    memmove(out + 24, out + 20, length - 20);
    memset(out + 20, 1, 4);
    length += 4;
    out[0] = 0x46; out[2] = (uint8_t)(length >> 8); out[3] = (uint8_t)length;
    out[10] = out[11] = 0;
    uint16_t ip = sum16(out, 24, 0);
    out[10] = (uint8_t)(ip >> 8); out[11] = (uint8_t)ip;
    return length;
}

/* Runs of the pool's POOL_FLAG_UNINITIALIZED fill (0xA5) long enough not to be chance. */
static bool has_fill(const void *bytes, size_t n)
{
    const uint8_t *p = bytes;
    size_t run = 0;
    for (size_t i = 0; i < n; i++)
    {
        run = p[i] == 0xA5 ? run + 1 : 0;
        if (run == 4) return true;
    }
    return false;
}

static void test_divert_and_reinject(void)
{
    uint8_t packet[64], other[64];
    uint32_t length = build_udp(packet, 53, "winsim");
    CHECK_EQ(winsim_load(), STATUS_SUCCESS);
    handle h = open_handle();
    start(&h, 0, DIVERT_FILTER_FLAG_OUTBOUND | DIVERT_FILTER_FLAG_IP, DIVERT_FIELD_UDP);

    winsim_request *r = recv_start(&h);
    CHECK(!winsim_request_done(r));                      /* pended: nothing queued yet */

    /* A TCP packet does not match "udp": it passes, the RECV stays pending. */
    uint32_t tcp_length = build_udp(other, 80, "tcp?");
    other[9] = 6;
    winsim_verdict v = winsim_stack_packet(true, other, tcp_length, &META, 0);
    CHECK_EQ(v.callouts, 1);
    CHECK(!v.blocked);
    CHECK(!winsim_request_done(r));

    /* The UDP packet, split across two MDLs: diverted (blocked + absorbed) and delivered. */
    v = winsim_stack_packet(true, packet, length, &META, 10);
    CHECK(v.blocked);
    CHECK(v.absorbed);
    CHECK(winsim_request_done(r));
    CHECK_EQ(winsim_request_status(r), STATUS_SUCCESS);
    CHECK_EQ(winsim_request_information(r), length);
    CHECK(memcmp(h.data, packet, length) == 0);
    CHECK_EQ(*h.addr_len, sizeof(DIVERT_ADDRESS));
    CHECK_EQ(h.addr->Layer, DIVERT_LAYER_NETWORK);
    CHECK_EQ(h.addr->Event, DIVERT_EVENT_NETWORK_PACKET);
    CHECK_EQ(h.addr->Outbound, 1);
    CHECK_EQ(h.addr->Loopback, 0);
    CHECK_EQ(h.addr->IPv6, 0);
    CHECK_EQ(h.addr->Network.IfIdx, 7);
    CHECK_EQ(h.addr->Network.SubIfIdx, 3);
    CHECK(h.addr->Timestamp != 0);
    winsim_request_free(r);

    /* SEND the packet back with the address RECV gave: one outbound network injection. */
    uint32_t before = send_back(&h, packet, length);
    const winsim_injection *inj = winsim_injection_get(before);
    CHECK_EQ(inj->kind, WINSIM_INJECT_SEND);
    CHECK_EQ(inj->length, length);
    CHECK(memcmp(inj->data, packet, length) == 0);
    CHECK(inj->context != 0);                            /* the injector's internal priority */
    winsim_run_deferred();                               /* completion frees the NBL */

    /* CancelIo on a pended RECV completes it STATUS_CANCELLED through the cancel-safe queue. */
    r = recv_start(&h);
    CHECK(!winsim_request_done(r));
    winsim_cancel(r);
    CHECK(winsim_request_done(r));
    CHECK_EQ(winsim_request_status(r), STATUS_CANCELLED);
    winsim_request_free(r);

    /* Closing the handle with a RECV pended: cleanup cancels it. */
    r = recv_start(&h);
    CHECK(!winsim_request_done(r));
    close_handle(&h);
    CHECK(winsim_request_done(r));
    CHECK_EQ(winsim_request_status(r), STATUS_CANCELLED);
    winsim_request_free(r);

    CHECK_EQ(winsim_unload(), 0);
}

/* SNIFF: the packet continues (not blocked) and a copy is delivered, marked Sniffed. DROP: the
 * packet is blocked and nothing is queued. Inbound: the NBL starts after the IP header and the
 * driver retreats to it. */
static void test_sniff_drop_inbound(void)
{
    uint8_t packet[64];
    uint32_t length = build_udp(packet, 53, "sniffed");
    CHECK_EQ(winsim_load(), STATUS_SUCCESS);
    handle sniff = open_handle(), drop = open_handle();
    start(&sniff, DIVERT_FLAG_SNIFF, DIVERT_FILTER_FLAG_INBOUND | DIVERT_FILTER_FLAG_IP, DIVERT_FIELD_UDP);
    winsim_request *r = recv_start(&sniff);
    winsim_verdict v = winsim_stack_packet(false, packet, length, &META, 24);
    CHECK(!v.blocked);
    CHECK_EQ(v.callouts, 1);
    CHECK(winsim_request_done(r));
    CHECK_EQ(winsim_request_status(r), STATUS_SUCCESS);
    CHECK_EQ(winsim_request_information(r), length);
    CHECK(memcmp(sniff.data, packet, length) == 0);      /* from the IP header on */
    CHECK_EQ(sniff.addr->Sniffed, 1);
    CHECK_EQ(sniff.addr->Outbound, 0);
    CHECK_EQ(sniff.addr->Network.IfIdx, 7);
    winsim_request_free(r);

    start(&drop, DIVERT_FLAG_DROP, DIVERT_FILTER_FLAG_OUTBOUND | DIVERT_FILTER_FLAG_IP, DIVERT_FIELD_UDP);
    uint32_t injected = winsim_injection_count();
    v = winsim_stack_packet(true, packet, length, &META, 0);
    CHECK(v.blocked);
    CHECK_EQ(winsim_injection_count(), injected);        /* dropped: nothing re-injected */
    close_handle(&sniff);
    close_handle(&drop);
    CHECK_EQ(winsim_unload(), 0);
}

/* SHUTDOWN: RECV makes a waiting RECV end with STATUS_PIPE_EMPTY; SEND refuses later SENDs. */
static void test_shutdown(void)
{
    uint8_t packet[64];
    uint32_t length = build_udp(packet, 53, "late");
    CHECK_EQ(winsim_load(), STATUS_SUCCESS);
    handle h = open_handle();
    start(&h, 0, DIVERT_FILTER_FLAG_OUTBOUND | DIVERT_FILTER_FLAG_IP, DIVERT_FIELD_UDP);
    winsim_request *r = recv_start(&h);
    CHECK(!winsim_request_done(r));
    memset(h.header, 0, DIVERT_IOCTL_SIZE);
    put32(h.header, DIVERT_SHUTDOWN_BOTH);
    CHECK_EQ(ioctl_done(&h, IOCTL_DIVERT_SHUTDOWN, 0, NULL), STATUS_SUCCESS);
    CHECK(winsim_request_done(r));
    CHECK_EQ(winsim_request_status(r), STATUS_PIPE_EMPTY);
    winsim_request_free(r);

    DIVERT_ADDRESS outbound = { 0 };
    outbound.Outbound = 1;
    uint32_t injected = winsim_injection_count();
    CHECK_EQ(send_packet(&h, &outbound, packet, length), STATUS_PIPE_EMPTY);
    CHECK_EQ(winsim_injection_count(), injected);
    close_handle(&h);
    CHECK_EQ(winsim_unload(), 0);
}

/*
 * Packet records come from the pool uninitialised (POOL_FLAG_UNINITIALIZED: no zeroing of up to
 * 64 KiB per packet at DISPATCH_LEVEL), and no unwritten byte of one reaches the caller: the
 * data RECV returns is the packet, the bytes after it are untouched, the address carries no
 * fill.
 */
static void test_packet_records_uninitialised(void)
{
    static uint8_t payload[1400], packet[1500];
    for (size_t i = 0; i < sizeof(payload); i++) payload[i] = (uint8_t)(i * 7);
    uint32_t length = build_udp_n(packet, 53, payload, sizeof(payload));
    CHECK_EQ(winsim_load(), STATUS_SUCCESS);
    handle h = open_handle();
    start(&h, 0, DIVERT_FILTER_FLAG_OUTBOUND | DIVERT_FILTER_FLAG_IP, DIVERT_FIELD_UDP);
    winsim_request *r = recv_start(&h);
    memset(h.data, 0, 2048);
    uint64_t zeroed = winsim_pool_dispatch_zeroed();
    winsim_verdict v = winsim_stack_packet(true, packet, length, &META, 600);
    zeroed = winsim_pool_dispatch_zeroed() - zeroed;
    fprintf(stderr, "winsim test: %u-byte packet diverted, pool zeroed %llu bytes at DISPATCH_LEVEL\n",
            (unsigned)length, (unsigned long long)zeroed);
    CHECK(zeroed < length);
    CHECK(v.blocked);
    CHECK(winsim_request_done(r));
    CHECK_EQ(winsim_request_information(r), length);
    CHECK(memcmp(h.data, packet, length) == 0);
    CHECK(!has_fill(h.data, 2048));
    CHECK(!has_fill(h.addr, sizeof(*h.addr)));
    CHECK_EQ(h.addr->Reserved2, 0);
    winsim_request_free(r);
    close_handle(&h);
    CHECK_EQ(winsim_unload(), 0);
}

/*
 * Re-injection from classify goes back into the routing compartment the packet was classified
 * in (FWPS_METADATA_FIELD_COMPARTMENT_ID), not UNSPECIFIED_COMPARTMENT_ID: here a packet
 * queued in compartment 5 and re-injected when its handle closes.
 */
static void test_reinject_compartment(void)
{
    uint8_t packet[64];
    uint32_t length = build_udp(packet, 53, "compartment");
    const winsim_packet_meta meta5 = { 7, 3, 5, false };
    CHECK_EQ(winsim_load(), STATUS_SUCCESS);
    handle h = open_handle();
    start(&h, 0, DIVERT_FILTER_FLAG_OUTBOUND | DIVERT_FILTER_FLAG_IP, DIVERT_FIELD_UDP);
    winsim_verdict v = winsim_stack_packet(true, packet, length, &meta5, 0);
    CHECK(v.blocked);
    uint32_t before = winsim_injection_count();
    close_handle(&h);                                    /* queued, never received: re-injected */
    CHECK_EQ(winsim_injection_count(), before + 1);
    if (winsim_injection_count() == before + 1)
    {
        const winsim_injection *inj = winsim_injection_get(before);
        fprintf(stderr, "winsim test: classified in compartment 5, re-injected into compartment %u\n",
                (unsigned)inj->compartment);
        CHECK_EQ(inj->kind, WINSIM_INJECT_SEND);
        CHECK_EQ(inj->compartment, 5);
        CHECK(memcmp(inj->data, packet, length) == 0);
    }
    CHECK_EQ(winsim_unload(), 0);
}

/* The injections since `before` that carry exactly these bytes. */
static uint32_t injected_copies(uint32_t before, const uint8_t *packet, uint32_t length)
{
    uint32_t copies = 0;
    for (uint32_t i = before; i < winsim_injection_count(); i++)
    {
        const winsim_injection *inj = winsim_injection_get(i);
        copies += inj->length == length && memcmp(inj->data, packet, length) == 0;
    }
    return copies;
}

/*
 * A list of two NET_BUFFERs, one matching: it is blocked, the match delivered, the other
 * re-injected (into the list's compartment). A match whose record cannot be allocated is
 * re-injected like a non-match instead of vanishing with the blocked list.
 */
static void test_list_reinjection(void)
{
    uint8_t udp[64], tcp[64];
    uint32_t udp_length = build_udp(udp, 53, "in list"), tcp_length = build_udp(tcp, 80, "other");
    tcp[9] = 6;
    const winsim_packet_meta meta5 = { 7, 3, 5, false };
    const winsim_buffer list[2] = { { tcp, tcp_length, 0 }, { udp, udp_length, 12 } };
    CHECK_EQ(winsim_load(), STATUS_SUCCESS);
    handle h = open_handle();
    start(&h, 0, DIVERT_FILTER_FLAG_OUTBOUND | DIVERT_FILTER_FLAG_IP, DIVERT_FIELD_UDP);
    winsim_request *r = recv_start(&h);
    uint32_t before = winsim_injection_count();
    winsim_verdict v = winsim_stack_packets(true, list, 2, &meta5);
    CHECK(v.blocked && v.absorbed);
    CHECK(winsim_request_done(r));
    CHECK_EQ(winsim_request_information(r), udp_length);
    CHECK(memcmp(h.data, udp, udp_length) == 0);
    winsim_request_free(r);
    CHECK_EQ(winsim_injection_count(), before + 1);
    CHECK_EQ(injected_copies(before, tcp, tcp_length), 1);
    if (winsim_injection_count() == before + 1) CHECK_EQ(winsim_injection_get(before)->compartment, 5);

    /* The packet record's allocation fails: the packet goes back on the wire, not lost. */
    before = winsim_injection_count();
    winsim_pool_fail(0, 1);
    v = winsim_stack_packet(true, udp, udp_length, &META, 0);
    uint32_t copies = injected_copies(before, udp, udp_length);
    fprintf(stderr, "winsim test: record allocation failed: blocked %d, re-injected %u\n", v.blocked,
            (unsigned)copies);
    CHECK(!v.blocked || copies == 1);
    winsim_run_deferred();
    close_handle(&h);
    CHECK_EQ(winsim_unload(), 0);
}

/*
 * Buffers the driver cannot put back on the wire forbid blocking their list: one longer than
 * any packet record (an LSO send), or an inbound one whose own IP header is longer than the
 * size the indication's metadata gives (IP options). The list then continues untouched;
 * blocking it would lose those buffers.
 */
static void test_unusable_buffers(void)
{
    static uint8_t lso[70000];
    uint8_t udp[64], opt[64];
    uint32_t udp_length = build_udp(udp, 53, "match"), opt_length = build_udp_option(opt, 53, "options");
    build_udp(lso, 80, "lso");
    lso[9] = 6;
    lso[2] = lso[3] = 0;                                 /* LSO: no meaningful total length */
    CHECK_EQ(winsim_load(), STATUS_SUCCESS);
    handle h = open_handle(), in = open_handle();
    start(&h, 0, DIVERT_FILTER_FLAG_OUTBOUND | DIVERT_FILTER_FLAG_IP, DIVERT_FIELD_UDP);
    start(&in, 0, DIVERT_FILTER_FLAG_INBOUND | DIVERT_FILTER_FLAG_IP, DIVERT_FIELD_UDP);
    winsim_request *r = recv_start(&h);
    uint32_t before = winsim_injection_count();
    const winsim_buffer out_list[2] = { { udp, udp_length, 0 }, { lso, sizeof(lso), 1000 } };
    winsim_verdict v = winsim_stack_packets(true, out_list, 2, &META);
    fprintf(stderr, "winsim test: list with a %u-byte buffer: blocked %d, injections %u\n",
            (unsigned)sizeof(lso), v.blocked, (unsigned)(winsim_injection_count() - before));
    CHECK(!v.blocked);
    CHECK(!winsim_request_done(r));                      /* nothing taken from the list */

    winsim_request *ri = recv_start(&in);
    before = winsim_injection_count();
    const winsim_buffer in_list[2] = { { udp, udp_length, 0 }, { opt, opt_length, 0 } };
    v = winsim_stack_packets(false, in_list, 2, &META);
    uint32_t copies = injected_copies(before, opt, opt_length);
    fprintf(stderr, "winsim test: inbound list, second IP header 24 bytes (metadata 20): blocked %d, "
            "injections %u, intact copies %u\n", v.blocked, (unsigned)(winsim_injection_count() - before),
            (unsigned)copies);
    CHECK(!v.blocked);
    CHECK(!winsim_request_done(ri));
    winsim_run_deferred();
    close_handle(&h);
    close_handle(&in);
    CHECK(winsim_request_done(r) && winsim_request_done(ri));
    winsim_request_free(r);
    winsim_request_free(ri);
    CHECK_EQ(winsim_unload(), 0);
}

/*
 * CloseHandle on one thread while STARTUP runs on another: IRP_MJ_CLEANUP arrives after the
 * core accepted the program but before the expiry timer is armed (routine "KeSetTimerEx") or
 * before the per-handle WFP session is opened ("FwpmEngineOpen0"). Cleanup must wait for the
 * request; otherwise the timer stays armed in the freed handle, or the dynamic session and
 * its filters outlive the handle, their callout unregistered: a filter whose callout is gone
 * blocks every packet it matches.
 */
static void test_cleanup_during_startup(const char *routine)
{
    uint8_t packet[64];
    uint32_t length = build_udp(packet, 53, "after close");
    CHECK_EQ(winsim_load(), STATUS_SUCCESS);
    handle h = open_handle(), other = open_handle();
    racer race = { winsim_cleanup, h.file, 0, 0, false };
    initialize(&h, 0);
    winsim_hook_before(routine, racer_start, &race);
    int32_t status = startup(&h, DIVERT_FILTER_FLAG_OUTBOUND | DIVERT_FILTER_FLAG_IP, DIVERT_FIELD_UDP);
    CHECK_EQ(pthread_join(race.thread, NULL), 0);
    CHECK(race.waited);
    close_handle(&h);                                    /* IRP_MJ_CLOSE: the handle is freed */
    winsim_advance_ms(1000);
    winsim_verdict v = winsim_stack_packet(true, packet, length, &META, 0);
    fprintf(stderr, "winsim test: cleanup before %s: waited for STARTUP %d, STARTUP 0x%08x; after close a UDP "
            "packet: blocked %d (%u callouts)\n", routine, race.waited, (unsigned)status, v.blocked,
            (unsigned)v.callouts);
    CHECK(!v.blocked);
    close_handle(&other);
    CHECK_EQ(winsim_unload(), 0);
}

/*
 * FLOW layer with FLOW_DELETED tracking: an established flow is reported and gets a flow
 * context; its end is reported through flowDeleteFn. A flow still attached when the handle
 * closes is detached by cleanup: at once, or - while a classification of the flow is in
 * progress - later (FwpsFlowRemoveContext0 returns STATUS_PENDING). Until then the callout
 * cannot be unregistered (STATUS_DEVICE_BUSY); close must wait for the flows and unregister
 * again, or the callout stays registered for good and the driver can never unload.
 */
static void test_flow_contexts(void)
{
    const winsim_flow web = { 41, true, 6, 0x0A000001, 0x5DB8D822, 50000, 443, 1234, 0x77 };
    winsim_flow idle = web, busy = web;
    idle.id = 42; idle.local_port = 50001;
    busy.id = 43; busy.local_port = 50002;
    CHECK_EQ(winsim_load(), STATUS_SUCCESS);
    handle h = open_handle();
    initialize_layer(&h, DIVERT_LAYER_FLOW, DIVERT_FLAG_SNIFF | DIVERT_FLAG_RECV_ONLY);
    CHECK_EQ(startup(&h, DIVERT_FILTER_FLAG_IP | DIVERT_FILTER_FLAG_EVENT_FLOW_DELETED, DIVERT_FIELD_ZERO),
             STATUS_SUCCESS);

    winsim_request *r = recv_start(&h);
    winsim_verdict v = winsim_flow_established(&web);
    CHECK_EQ(v.callouts, 1);
    CHECK(!v.blocked);
    CHECK(winsim_request_done(r));
    CHECK_EQ(h.addr->Layer, DIVERT_LAYER_FLOW);
    CHECK_EQ(h.addr->Event, DIVERT_EVENT_FLOW_ESTABLISHED);
    CHECK_EQ(h.addr->Flow.LocalPort, 50000);
    CHECK_EQ(h.addr->Flow.RemotePort, 443);
    CHECK_EQ(h.addr->Flow.ProcessId, 1234);
    winsim_request_free(r);
    r = recv_start(&h);
    winsim_flow_end(web.id);                             /* flowDeleteFn: FLOW_DELETED */
    CHECK(winsim_request_done(r));
    CHECK_EQ(h.addr->Event, DIVERT_EVENT_FLOW_DELETED);
    CHECK_EQ(h.addr->Flow.LocalPort, 50000);
    winsim_request_free(r);

    (void)winsim_flow_established(&idle);
    (void)winsim_flow_established(&busy);
    winsim_flow_classifying(busy.id, true);
    racer race = { winsim_close, h.file, 0, 0, false };
    racer_start(&race);
    winsim_flow_classifying(busy.id, false);             /* the other CPU's classify ends */
    CHECK_EQ(pthread_join(race.thread, NULL), 0);
    winsim_run_deferred();
    fprintf(stderr, "winsim test: close with a flow being classified: close waited %d\n", race.waited);
    CHECK(race.waited);
    handle_buffers_free(&h);
    winsim_flow_end(idle.id);
    winsim_flow_end(busy.id);
    CHECK_EQ(winsim_unload(), 0);
}

/*
 * The BFE restarts while the driver is loaded: divert4j's sub-layers (static objects) go with
 * it. A later STARTUP must still succeed and capture: the driver re-creates them.
 */
static void test_bfe_restart(void)
{
    uint8_t packet[64];
    uint32_t length = build_udp(packet, 53, "after restart");
    CHECK_EQ(winsim_load(), STATUS_SUCCESS);
    handle before = open_handle();
    start(&before, 0, DIVERT_FILTER_FLAG_OUTBOUND | DIVERT_FILTER_FLAG_IP, DIVERT_FIELD_UDP);
    winsim_bfe_stop();
    winsim_bfe_start();
    winsim_verdict v = winsim_stack_packet(true, packet, length, &META, 0);
    CHECK(!v.blocked);                                   /* its filters went with the BFE */
    close_handle(&before);

    handle h = open_handle();
    initialize(&h, 0);
    int32_t status = startup(&h, DIVERT_FILTER_FLAG_OUTBOUND | DIVERT_FILTER_FLAG_IP, DIVERT_FIELD_UDP);
    winsim_request *r = recv_start(&h);
    v = winsim_stack_packet(true, packet, length, &META, 0);
    fprintf(stderr, "winsim test: STARTUP after a BFE restart: 0x%08x; a UDP packet: blocked %d\n",
            (unsigned)status, v.blocked);
    CHECK_EQ(status, STATUS_SUCCESS);
    CHECK(v.blocked);
    CHECK(winsim_request_done(r));
    if (winsim_request_done(r))
    {
        CHECK_EQ(winsim_request_information(r), length);
    }
    close_handle(&h);                                    /* cancels the RECV if still pending */
    winsim_request_free(r);
    CHECK_EQ(winsim_unload(), 0);
}

/* Priorities (docs/spec/device-abi.md §6.4): the higher handle diverts first; its re-injection,
 * indicated again, is taken by the lower one and skipped by itself; the lower one's
 * re-injection is skipped by both. */
static void test_priority_reinject(void)
{
    uint8_t packet[64];
    uint32_t length = build_udp(packet, 53, "priority");
    CHECK_EQ(winsim_load(), STATUS_SUCCESS);
    handle high = open_handle(), low = open_handle();
    start_at(&high, 30100, 0, DIVERT_FILTER_FLAG_OUTBOUND | DIVERT_FILTER_FLAG_IP, DIVERT_FIELD_UDP);
    start_at(&low, 29995, 0, DIVERT_FILTER_FLAG_OUTBOUND | DIVERT_FILTER_FLAG_IP, DIVERT_FIELD_UDP);
    winsim_request *rh = recv_start(&high), *rl = recv_start(&low);

    winsim_verdict v = winsim_stack_packet(true, packet, length, &META, 0);
    CHECK(v.blocked);
    CHECK_EQ(v.callouts, 1);
    CHECK(winsim_request_done(rh));
    CHECK(!winsim_request_done(rl));
    winsim_request_free(rh);
    uint32_t by_high = send_back(&high, packet, length);
    CHECK_EQ(winsim_injection_get(by_high)->context >> 16, 30100);

    v = winsim_stack_reinject(by_high, &META);
    CHECK(v.blocked);
    CHECK_EQ(v.callouts, 2);
    CHECK(winsim_request_done(rl));
    CHECK_EQ(winsim_request_status(rl), STATUS_SUCCESS);
    CHECK(memcmp(low.data, packet, length) == 0);
    winsim_request_free(rl);

    uint32_t by_low = send_back(&low, packet, length);
    rh = recv_start(&high);
    v = winsim_stack_reinject(by_low, &META);
    CHECK(!v.blocked);
    CHECK_EQ(v.callouts, 2);
    CHECK(!winsim_request_done(rh));
    close_handle(&high);
    CHECK(winsim_request_done(rh));
    winsim_request_free(rh);
    close_handle(&low);
    winsim_run_deferred();
    CHECK_EQ(winsim_unload(), 0);
}

/* An outbound loopback packet matches a `loopback` program; a non-loopback one does not. */
static void test_loopback(void)
{
    uint8_t packet[64];
    uint32_t length = build_udp(packet, 53, "lo");
    const winsim_packet_meta lo = { 1, 0, 1, true };
    CHECK_EQ(winsim_load(), STATUS_SUCCESS);
    handle h = open_handle();
    start(&h, 0, DIVERT_FILTER_FLAG_OUTBOUND | DIVERT_FILTER_FLAG_IP, DIVERT_FIELD_LOOPBACK);
    CHECK(!winsim_stack_packet(true, packet, length, &META, 0).blocked);
    CHECK(winsim_stack_packet(true, packet, length, &lo, 0).blocked);
    winsim_request *r = recv_start(&h);
    CHECK(winsim_request_done(r));
    CHECK_EQ(h.addr->Loopback, 1);
    CHECK_EQ(h.addr->Outbound, 1);
    winsim_request_free(r);
    close_handle(&h);
    CHECK_EQ(winsim_unload(), 0);
}

/*
 * The service stops with handles open, packets queued and RECVs pended: the handles close
 * (their queues re-injected, the RECVs cancelled) and DriverUnload runs while those
 * injections' completions are still pending; it waits for them (nothing run beforehand).
 */
static void test_unload_with_injections_in_flight(void)
{
    uint8_t packet[64];
    CHECK_EQ(winsim_load(), STATUS_SUCCESS);
    handle a = open_handle(), b = open_handle();
    start(&a, 0, DIVERT_FILTER_FLAG_OUTBOUND | DIVERT_FILTER_FLAG_IP, DIVERT_FIELD_UDP);
    start_at(&b, 29000, 0, DIVERT_FILTER_FLAG_OUTBOUND | DIVERT_FILTER_FLAG_IP, DIVERT_FIELD_TCP);
    uint32_t before = winsim_injection_count();
    for (int i = 0; i < 8; i++)
    {
        uint32_t length = build_udp(packet, (uint16_t)(100 + i), "queued");
        CHECK(winsim_stack_packet(true, packet, length, &META, 0).blocked);
    }
    winsim_request *pended = recv_start(&b);
    CHECK(!winsim_request_done(pended));
    winsim_close(a.file);
    winsim_close(b.file);
    CHECK(winsim_request_done(pended));
    CHECK_EQ(winsim_request_status(pended), STATUS_CANCELLED);
    winsim_request_free(pended);
    CHECK_EQ(winsim_injection_count(), before + 8);   /* re-injected, completions still queued */
    CHECK_EQ(winsim_unload(), 0);
    for (int i = 0; i < 8; i++)
    {
        uint32_t length = build_udp(packet, (uint16_t)(100 + i), "queued");
        const winsim_injection *inj = winsim_injection_get(before + (uint32_t)i);
        CHECK_EQ(inj->kind, WINSIM_INJECT_SEND);
        CHECK(inj->length == length && memcmp(inj->data, packet, length) == 0);
    }
    winsim_user_free(a.header); winsim_user_free(a.data); winsim_user_free(a.addr); winsim_user_free(a.addr_len);
    winsim_user_free(b.header); winsim_user_free(b.data); winsim_user_free(b.addr); winsim_user_free(b.addr_len);
}

int main(void)
{
    test_divert_and_reinject();
    test_sniff_drop_inbound();
    test_shutdown();
    test_packet_records_uninitialised();
    test_reinject_compartment();
    test_list_reinjection();
    test_unusable_buffers();
    test_cleanup_during_startup("KeSetTimerEx");
    test_cleanup_during_startup("FwpmEngineOpen0");
    test_flow_contexts();
    test_bfe_restart();
    test_priority_reinject();
    test_loopback();
    test_unload_with_injections_in_flight();
    return test_finish("winsim");
}

/*
 * End to end through the real driver/windows sources on the simulated kernel: load, open,
 * the INITIALIZE/STARTUP handshake with the ABI bytes, a RECV pended until a classify at the
 * outbound IPv4 layer delivers a UDP packet, SEND re-injecting it, cancellation, close with a
 * pended RECV, and unload with nothing leaked.
 */
#include <string.h>

#include "divert_abi.h"
#include "core/filter_program.h"
#include "programs.h"
#include "support.h"
#include "winsim.h"

#define STATUS_SUCCESS   0
#define STATUS_CANCELLED ((int32_t)0xC0000120)
#define STATUS_PIPE_EMPTY ((int32_t)0xC00000D9)

typedef struct handle
{
    winsim_file *file;
    uint8_t *header;        /* 16-byte request header, user memory */
    uint8_t *data;          /* data buffer, user memory */
    DIVERT_ADDRESS *addr;
    uint32_t *addr_len;
} handle;

static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static uint16_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1) sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

/* IPv4 10.0.0.1 -> 10.0.0.2, UDP 1234 -> dport, payload bytes, both checksums valid. */
static uint32_t build_udp(uint8_t *out, uint16_t dport, const char *payload)
{
    size_t n = strlen(payload);
    uint32_t total = (uint32_t)(28 + n), pseudo = 0;
    memset(out, 0, total);
    out[0] = 0x45; out[2] = (uint8_t)(total >> 8); out[3] = (uint8_t)total;
    out[4] = 0x12; out[5] = 0x34; out[8] = 64; out[9] = 17;
    out[12] = 10; out[15] = 1; out[16] = 10; out[19] = 2;
    uint16_t ip = sum16(out, 20, 0);
    out[10] = (uint8_t)(ip >> 8); out[11] = (uint8_t)ip;
    out[20] = 0x04; out[21] = 0xD2; out[22] = (uint8_t)(dport >> 8); out[23] = (uint8_t)dport;
    out[24] = (uint8_t)((8 + n) >> 8); out[25] = (uint8_t)(8 + n);
    memcpy(out + 28, payload, n);
    for (int i = 12; i < 20; i += 2) pseudo += (uint32_t)(out[i] << 8 | out[i + 1]);
    pseudo += 17 + (uint32_t)(8 + n);
    uint16_t udp = sum16(out + 20, 8 + n, pseudo);
    out[26] = (uint8_t)(udp >> 8); out[27] = (uint8_t)udp;
    return total;
}

static handle open_handle(void)
{
    handle h;
    int32_t status = -1;
    h.file = winsim_open("\\\\.\\Divert4j", &status);
    CHECK_EQ(status, STATUS_SUCCESS);
    CHECK(h.file != NULL);
    h.header = winsim_user_alloc(DIVERT_IOCTL_SIZE);
    h.data = winsim_user_alloc(2048);
    h.addr = winsim_user_alloc(sizeof(DIVERT_ADDRESS));
    h.addr_len = winsim_user_alloc(sizeof(uint32_t));
    return h;
}

static void close_handle(handle *h)
{
    winsim_close(h->file);
    winsim_user_free(h->header);
    winsim_user_free(h->data);
    winsim_user_free(h->addr);
    winsim_user_free(h->addr_len);
}

static int32_t ioctl_done(handle *h, uint32_t code, uint32_t length, uint64_t *information)
{
    winsim_request *r = winsim_ioctl(h->file, code, h->header, DIVERT_IOCTL_SIZE, length ? h->data : NULL, length);
    CHECK(winsim_request_done(r));
    int32_t status = winsim_request_status(r);
    if (information != NULL) *information = winsim_request_information(r);
    winsim_request_free(r);
    return status;
}

/* INITIALIZE (NETWORK layer, the priority as on the wire, open flags) then STARTUP with a
 * one-test program. */
static void start_at(handle *h, uint32_t wire_priority, uint64_t flags, uint64_t filter_flags, uint32_t field)
{
    uint64_t info = 0;
    memset(h->header, 0, DIVERT_IOCTL_SIZE);
    put32(h->header, DIVERT_LAYER_NETWORK);
    put32(h->header + 4, wire_priority);
    put64(h->header + 8, flags);
    memset(h->data, 0, DIVERT_VERSION_SIZE);
    put64(h->data, DIVERT_MAGIC_DLL);
    put32(h->data + 8, DIVERT_VERSION_MAJOR);
    put32(h->data + 12, DIVERT_VERSION_MINOR);
    put32(h->data + 16, 64);
    CHECK_EQ(ioctl_done(h, IOCTL_DIVERT_INITIALIZE, DIVERT_VERSION_SIZE, &info), STATUS_SUCCESS);
    CHECK_EQ(info, DIVERT_VERSION_SIZE);
    uint64_t magic;
    memcpy(&magic, h->data, 8);
    CHECK(magic == DIVERT_MAGIC_SYS);

    memset(h->header, 0, DIVERT_IOCTL_SIZE);
    put64(h->header, filter_flags);
    uint32_t n = build_chain(h->data, 0, 1, &(test_t){field, EQ, 0, field == DIVERT_FIELD_ZERO ? 0 : 1});
    CHECK_EQ(ioctl_done(h, IOCTL_DIVERT_STARTUP, n, NULL), STATUS_SUCCESS);
}

/* The same at priority 0 (30000 on the wire). */
static void start(handle *h, uint64_t flags, uint64_t filter_flags, uint32_t field)
{
    start_at(h, 30000, flags, filter_flags, field);
}

static winsim_request *recv_start(handle *h)
{
    memset(h->header, 0, DIVERT_IOCTL_SIZE);
    put64(h->header, (uint64_t)(uintptr_t)h->addr);
    put64(h->header + 8, (uint64_t)(uintptr_t)h->addr_len);
    *h->addr_len = sizeof(DIVERT_ADDRESS);
    return winsim_ioctl(h->file, IOCTL_DIVERT_RECV, h->header, DIVERT_IOCTL_SIZE, h->data, 2048);
}

static const winsim_packet_meta META = { 7, 3, 1, false };

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
    DIVERT_ADDRESS *send_addr = winsim_user_alloc(sizeof(DIVERT_ADDRESS));
    memcpy(send_addr, h.addr, sizeof(DIVERT_ADDRESS));
    memcpy(h.data, packet, length);
    memset(h.header, 0, DIVERT_IOCTL_SIZE);
    put64(h.header, (uint64_t)(uintptr_t)send_addr);
    put64(h.header + 8, sizeof(DIVERT_ADDRESS));
    uint32_t before = winsim_injection_count();
    uint64_t info = 0;
    CHECK_EQ(ioctl_done(&h, IOCTL_DIVERT_SEND, length, &info), STATUS_SUCCESS);
    CHECK_EQ(info, length);
    CHECK_EQ(winsim_injection_count(), before + 1);
    const winsim_injection *inj = winsim_injection_get(before);
    CHECK_EQ(inj->kind, WINSIM_INJECT_SEND);
    CHECK_EQ(inj->length, length);
    CHECK(memcmp(inj->data, packet, length) == 0);
    CHECK(inj->context != 0);                            /* the injector's internal priority */
    winsim_run_deferred();                               /* completion frees the NBL */
    winsim_user_free(send_addr);

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

    DIVERT_ADDRESS *send_addr = winsim_user_alloc(sizeof(DIVERT_ADDRESS));
    memset(send_addr, 0, sizeof(*send_addr));
    send_addr->Outbound = 1;
    memcpy(h.data, packet, length);
    memset(h.header, 0, DIVERT_IOCTL_SIZE);
    put64(h.header, (uint64_t)(uintptr_t)send_addr);
    put64(h.header + 8, sizeof(DIVERT_ADDRESS));
    uint32_t injected = winsim_injection_count();
    CHECK_EQ(ioctl_done(&h, IOCTL_DIVERT_SEND, length, NULL), STATUS_PIPE_EMPTY);
    CHECK_EQ(winsim_injection_count(), injected);
    winsim_user_free(send_addr);
    close_handle(&h);
    CHECK_EQ(winsim_unload(), 0);
}

/* SEND from h with the address its last RECV wrote; returns the injection's index. */
static uint32_t send_back(handle *h, uint32_t length)
{
    DIVERT_ADDRESS *send_addr = winsim_user_alloc(sizeof(DIVERT_ADDRESS));
    uint32_t index = winsim_injection_count();
    memcpy(send_addr, h->addr, sizeof(DIVERT_ADDRESS));
    memset(h->header, 0, DIVERT_IOCTL_SIZE);
    put64(h->header, (uint64_t)(uintptr_t)send_addr);
    put64(h->header + 8, sizeof(DIVERT_ADDRESS));
    CHECK_EQ(ioctl_done(h, IOCTL_DIVERT_SEND, length, NULL), STATUS_SUCCESS);
    CHECK_EQ(winsim_injection_count(), index + 1);
    winsim_user_free(send_addr);
    return index;
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
    uint32_t by_high = send_back(&high, length);
    CHECK_EQ(winsim_injection_get(by_high)->context >> 16, 30100);

    v = winsim_stack_reinject(by_high, &META);
    CHECK(v.blocked);
    CHECK_EQ(v.callouts, 2);
    CHECK(winsim_request_done(rl));
    CHECK_EQ(winsim_request_status(rl), STATUS_SUCCESS);
    CHECK(memcmp(low.data, packet, length) == 0);
    winsim_request_free(rl);

    uint32_t by_low = send_back(&low, length);
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

int main(void)
{
    test_divert_and_reinject();
    test_sniff_drop_inbound();
    test_shutdown();
    test_priority_reinject();
    return test_finish("winsim");
}

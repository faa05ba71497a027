/*
 * The Linux host through its IOCTL-shaped entry points (the requests the Java client sends),
 * against the real kernel in a private network namespace with loopback traffic: handshake,
 * startup with a compiled program, RECV (single, batch, truncation), SEND with checksum
 * repair, SNIFF / DROP, parameters, shutdown, queue-length overflow, priorities with
 * re-injection reaching only the lower handle, re-injection of queued packets at close,
 * packets held by the kernel until sent back (unchanged, modified, twice, never, late),
 * REFLECT events for the handles of the process, the layers Linux does not support, and TCP
 * modified on its way: GSO super-packets whole, or segments for a filter that reads them.
 * Needs root; exit 77 (skipped) otherwise.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "divert_abi.h"
#include "core/filter_object.h"
#include "core/filter_program.h"
#include "host.h"
#include "loopback.h"
#include "programs.h"
#include "support.h"

static const uint64_t FF_OUT = DIVERT_FILTER_FLAG_OUTBOUND | DIVERT_FILTER_FLAG_IP | DIVERT_FILTER_FLAG_IPV6;

/* ---- requests exactly as the Java client builds them ---- */

static uint32_t initialize(int32_t h, uint32_t layer, int16_t prio, uint64_t flags)
{
    DIVERT_IOCTL io;
    memset(&io, 0, sizeof io);
    io.initialize.layer = layer;
    io.initialize.priority = (uint32_t)(prio + DIVERT_PRIORITY_WIRE_OFFSET);
    io.initialize.flags = flags;
    DIVERT_VERSION v;
    memset(&v, 0, sizeof v);
    v.magic = DIVERT_MAGIC_DLL;
    v.major = 2;
    v.minor = 2;
    v.bits = 64;
    uint32_t bytes = 0;
    uint32_t rc = divert4j_ioctl(h, 1, IOCTL_DIVERT_INITIALIZE, (uint8_t *)&io, (uint8_t *)&v, sizeof v, &bytes);
    CHECK(v.magic == DIVERT_MAGIC_SYS && v.major == 2 && v.minor == 2);
    return rc;
}

static uint32_t startup(int32_t h, uint64_t ff, const uint8_t *prog, uint32_t len)
{
    DIVERT_IOCTL io;
    memset(&io, 0, sizeof io);
    io.startup.flags = ff;
    uint32_t bytes;
    return divert4j_ioctl(h, 1, IOCTL_DIVERT_STARTUP, (uint8_t *)&io, (uint8_t *)prog, len, &bytes);
}

/* A handle whose filter is `udp.DstPort == port` (outbound IPv4/IPv6 hooks). */
static int32_t open_udp(uint16_t port, int16_t prio, uint64_t flags)
{
    int32_t h;
    REQUIRE(divert4j_open(&h) == 0);
    REQUIRE(initialize(h, DIVERT_LAYER_NETWORK, prio, flags) == 0);
    uint8_t prog[48];
    test_t t[2] = {{DIVERT_FIELD_UDP, EQ, 0, 1, 0, 0, 0}, {DIVERT_FIELD_UDP_DSTPORT, EQ, 0, port, 0, 0, 0}};
    uint32_t len = build_chain(prog, 0, 2, t);
    uint32_t rc = startup(h, FF_OUT, prog, len);
    if (rc != 0) {
        char msg[256];
        divert4j_last_message(msg, sizeof msg);
        fprintf(stderr, "startup: %u %s\n", rc, msg);
    }
    REQUIRE(rc == 0);
    return h;
}

static uint32_t recv_batch(int32_t h, uint8_t *data, uint32_t len, DIVERT_ADDRESS *addrs,
                           uint32_t *addr_len, uint32_t *bytes)
{
    DIVERT_IOCTL io;
    memset(&io, 0, sizeof io);
    io.recv.addr = (uint64_t)(uintptr_t)addrs;
    io.recv.addr_len_ptr = (uint64_t)(uintptr_t)addr_len;
    return divert4j_ioctl(h, 7, IOCTL_DIVERT_RECV, (uint8_t *)&io, data, len, bytes);
}

static uint32_t recv_one(int32_t h, uint8_t *data, uint32_t len, DIVERT_ADDRESS *addr, uint32_t *bytes)
{
    DIVERT_IOCTL io;
    memset(&io, 0, sizeof io);
    io.recv.addr = (uint64_t)(uintptr_t)addr;
    return divert4j_ioctl(h, 7, IOCTL_DIVERT_RECV, (uint8_t *)&io, data, len, bytes);
}

static uint32_t send_one(int32_t h, const uint8_t *data, uint32_t len, const DIVERT_ADDRESS *addr, uint32_t *bytes)
{
    DIVERT_IOCTL io;
    memset(&io, 0, sizeof io);
    io.send.addr = (uint64_t)(uintptr_t)addr;
    io.send.addr_len = sizeof *addr;
    return divert4j_ioctl(h, 8, IOCTL_DIVERT_SEND, (uint8_t *)&io, (uint8_t *)data, len, bytes);
}

static uint32_t set_param(int32_t h, uint32_t param, uint64_t val)
{
    DIVERT_IOCTL io;
    memset(&io, 0, sizeof io);
    io.set_param.param = param;
    io.set_param.val = val;
    uint32_t bytes;
    return divert4j_ioctl(h, 1, IOCTL_DIVERT_SET_PARAM, (uint8_t *)&io, NULL, 0, &bytes);
}

static uint32_t shutdown_handle(int32_t h, uint32_t how)
{
    DIVERT_IOCTL io;
    memset(&io, 0, sizeof io);
    io.shutdown.how = how;
    uint32_t bytes;
    return divert4j_ioctl(h, 1, IOCTL_DIVERT_SHUTDOWN, (uint8_t *)&io, NULL, 0, &bytes);
}

static int ends_with(const uint8_t *data, uint32_t len, const char *text)
{
    size_t n = strlen(text);
    return len >= n && memcmp(data + len - n, text, n) == 0;
}

static void test_divert_and_modify(int rx)
{
    int32_t h = open_udp(5001, 0, 0);
    uint8_t buf[2048];
    DIVERT_ADDRESS a;
    uint32_t n;
    udp_send(AF_INET, 5001, "a-packet");
    CHECK(recv_one(h, buf, sizeof buf, &a, &n) == 0);
    CHECK(n == 36 && ends_with(buf, n, "a-packet"));
    CHECK(a.Layer == DIVERT_LAYER_NETWORK && a.Event == 0 && a.Outbound == 1 && a.Loopback == 1);
    CHECK(a.IPv6 == 0 && a.Sniffed == 0 && a.Network.IfIdx == if_nametoindex("lo"));
    /* rewritten payload, UDP checksum left for SEND to repair */
    memcpy(buf + 28, "A-PACKET", 8);
    a.UDPChecksum = 0;
    uint32_t sent;
    CHECK(send_one(h, buf, n, &a, &sent) == 0 && sent == n);
    CHECK(strcmp(udp_text(rx), "A-PACKET") == 0);

    /* a batch: three packets, each whole, addresses one per packet */
    const char *texts[] = {"one", "two", "three"};
    for (int i = 0; i < 3; i++) {
        udp_send(AF_INET, 5001, texts[i]);
    }
    int got = 0;
    for (int round = 0; round < 3 && got < 3; round++) {
        DIVERT_ADDRESS addrs[8];
        uint32_t alen = sizeof addrs;
        CHECK(recv_batch(h, buf, sizeof buf, addrs, &alen, &n) == 0);
        uint32_t count = alen / DIVERT_ADDRESS_SIZE;
        CHECK(count >= 1 && alen % DIVERT_ADDRESS_SIZE == 0);
        uint32_t off = 0;
        for (uint32_t i = 0; i < count && got < 3; i++, got++) {
            uint32_t plen = (uint32_t)(buf[off + 2] << 8 | buf[off + 3]);
            CHECK(ends_with(buf + off, plen, texts[got]));
            CHECK(addrs[i].Outbound == 1);
            off += plen;
        }
        CHECK(off == n);
        /* the whole batch goes back in one SEND */
        DIVERT_IOCTL io;
        memset(&io, 0, sizeof io);
        io.send.addr = (uint64_t)(uintptr_t)addrs;
        io.send.addr_len = alen;
        uint32_t sent_bytes;
        CHECK(divert4j_ioctl(h, 8, IOCTL_DIVERT_SEND, (uint8_t *)&io, buf, n, &sent_bytes) == 0);
        CHECK(sent_bytes == n);
    }
    CHECK(got == 3);
    for (int i = 0; i < 3; i++) {
        CHECK(strcmp(udp_text(rx), texts[i]) == 0);
    }

    /* truncation: the first packet is cut to the buffer, error 122, address still written */
    udp_send(AF_INET, 5001, "truncated");
    memset(&a, 0, sizeof a);
    CHECK(recv_one(h, buf, 10, &a, &n) == 122 && n == 10 && a.Outbound == 1);

    /* parameters */
    CHECK(set_param(h, DIVERT_PARAM_QUEUE_LENGTH, 31) == 87);
    CHECK(set_param(h, DIVERT_PARAM_QUEUE_LENGTH, 32) == 0);
    CHECK(set_param(h, DIVERT_PARAM_VERSION_MAJOR, 2) == 87);
    DIVERT_IOCTL io;
    memset(&io, 0, sizeof io);
    io.get_param.param = DIVERT_PARAM_QUEUE_LENGTH;
    uint64_t v = 0;
    CHECK(divert4j_ioctl(h, 1, IOCTL_DIVERT_GET_PARAM, (uint8_t *)&io, (uint8_t *)&v, 8, &n) == 0 && v == 32);
    io.get_param.param = DIVERT_PARAM_VERSION_MINOR;
    CHECK(divert4j_ioctl(h, 1, IOCTL_DIVERT_GET_PARAM, (uint8_t *)&io, (uint8_t *)&v, 8, &n) == 0 && v == 2);
    CHECK(divert4j_ioctl(h, 1, IOCTL_DIVERT_GET_PARAM, (uint8_t *)&io, (uint8_t *)&v, 4, &n) == 87);
    CHECK(divert4j_ioctl(h, 1, 0x12345678, (uint8_t *)&io, NULL, 0, &n) == 1);

    /* a queued packet is re-injected when the handle closes */
    udp_send(AF_INET, 5001, "queued");
    udp_send(AF_INET, 5002, "marker"); /* not ours: it reaches the second receiver directly */
    CHECK(divert4j_close(h) == 0);
    CHECK(strcmp(udp_text(rx), "queued") == 0);
    CHECK(divert4j_close(h) == 6);
}

static void test_sniff_overflow_and_shutdown(int rx)
{
    int32_t h = open_udp(5003, 0, DIVERT_FLAG_SNIFF | DIVERT_FLAG_RECV_ONLY);
    CHECK(set_param(h, DIVERT_PARAM_QUEUE_LENGTH, 32) == 0);
    char text[16];
    for (int i = 0; i < 100; i++) {
        snprintf(text, sizeof text, "s%03d", i);
        udp_send(AF_INET, 5003, text);
    }
    /* sniffed packets continue: once all arrived, all were seen */
    for (int i = 0; i < 100; i++) {
        snprintf(text, sizeof text, "s%03d", i);
        CHECK(strcmp(udp_text(rx), text) == 0);
    }
    CHECK(shutdown_handle(h, DIVERT_SHUTDOWN_RECV) == 0);
    uint8_t buf[2048];
    DIVERT_ADDRESS a;
    uint32_t n;
    int got = 0;
    uint32_t rc;
    while ((rc = recv_one(h, buf, sizeof buf, &a, &n)) == 0) {
        snprintf(text, sizeof text, "s%03d", 68 + got);
        CHECK(ends_with(buf, n, text)); /* the oldest were discarded */
        CHECK(a.Sniffed == 1);
        got++;
    }
    CHECK(rc == 232);
    CHECK(got == 32);
    DIVERT_ADDRESS addr;
    memset(&addr, 0, sizeof addr);
    CHECK(send_one(h, buf, 20, &addr, &n) == 87); /* RECV_ONLY */
    CHECK(divert4j_close(h) == 0);
}

static void test_priorities(int rx)
{
    int32_t hi = open_udp(5004, 100, 0);
    int32_t lo = open_udp(5004, -100, DIVERT_FLAG_SNIFF);
    uint8_t buf[2048];
    DIVERT_ADDRESS a;
    uint32_t n;
    udp_send(AF_INET, 5004, "prio");
    CHECK(recv_one(hi, buf, sizeof buf, &a, &n) == 0 && ends_with(buf, n, "prio"));
    uint32_t sent;
    CHECK(send_one(hi, buf, n, &a, &sent) == 0);
    CHECK(strcmp(udp_text(rx), "prio") == 0);
    /* the lower handle saw it once (the re-injection), the higher one not again */
    CHECK(shutdown_handle(lo, DIVERT_SHUTDOWN_BOTH) == 0);
    CHECK(recv_one(lo, buf, sizeof buf, &a, &n) == 0 && ends_with(buf, n, "prio") && a.Sniffed);
    CHECK(recv_one(lo, buf, sizeof buf, &a, &n) == 232);
    CHECK(shutdown_handle(hi, DIVERT_SHUTDOWN_RECV) == 0);
    CHECK(recv_one(hi, buf, sizeof buf, &a, &n) == 232);
    CHECK(send_one(lo, buf, n, &a, &sent) == 232); /* send shut down */
    CHECK(divert4j_close(hi) == 0);
    CHECK(divert4j_close(lo) == 0);
}

/* Receives one packet of h into its own slot of a batch being built (data at *off). */
static void recv_into(int32_t h, uint8_t *data, uint32_t *off, DIVERT_ADDRESS *addr, const char *text)
{
    uint32_t n;
    CHECK(recv_one(h, data + *off, 2048, addr, &n) == 0 && ends_with(data + *off, n, text));
    *off += n;
}

/*
 * The kernel holds what a handle has queued until it is sent back (driver/linux/hold.h):
 * sent back unchanged, modified, twice, never, after the hold ended, or still held at close,
 * every packet must arrive as often as it was sent, in order, as sent, and be seen once by a
 * lower-priority handle.
 */
static void test_sent_back(int rx)
{
    int32_t h = open_udp(5006, 0, 0);
    int32_t lo = open_udp(5006, -1, DIVERT_FLAG_SNIFF | DIVERT_FLAG_RECV_ONLY);
    uint8_t buf[8192];
    DIVERT_ADDRESS addrs[3];
    uint32_t off = 0, sent;
    udp_send(AF_INET, 5006, "same");
    recv_into(h, buf, &off, &addrs[0], "same");
    CHECK(send_one(h, buf, off, &addrs[0], &sent) == 0 && sent == off);
    CHECK(strcmp(udp_text(rx), "same") == 0);

    udp_send(AF_INET, 5006, "twice");
    off = 0;
    recv_into(h, buf, &off, &addrs[0], "twice");
    CHECK(send_one(h, buf, off, &addrs[0], &sent) == 0 && send_one(h, buf, off, &addrs[0], &sent) == 0);
    CHECK(strcmp(udp_text(rx), "twice") == 0 && strcmp(udp_text(rx), "twice") == 0);

    udp_send(AF_INET, 5006, "never");
    off = 0;
    recv_into(h, buf, &off, &addrs[0], "never");

    /* one SEND: unchanged, modified (checksum left to SEND), unchanged */
    const char *texts[] = {"b-one", "b-two", "b-three"};
    off = 0;
    for (int i = 0; i < 3; i++) {
        udp_send(AF_INET, 5006, texts[i]);
        uint32_t at = off;
        recv_into(h, buf, &off, &addrs[i], texts[i]);
        if (i == 1) {
            memcpy(buf + at + 28, "B-TWO", 5);
            addrs[i].UDPChecksum = 0;
        }
    }
    DIVERT_IOCTL io;
    memset(&io, 0, sizeof io);
    io.send.addr = (uint64_t)(uintptr_t)addrs;
    io.send.addr_len = sizeof addrs;
    CHECK(divert4j_ioctl(h, 8, IOCTL_DIVERT_SEND, (uint8_t *)&io, buf, off, &sent) == 0 && sent == off);
    CHECK(strcmp(udp_text(rx), "b-one") == 0); /* not "never" */
    CHECK(strcmp(udp_text(rx), "B-TWO") == 0);
    CHECK(strcmp(udp_text(rx), "b-three") == 0);

    /* sent back after the host stopped holding it (250 ms): injected as a copy, once */
    udp_send(AF_INET, 5006, "late");
    off = 0;
    recv_into(h, buf, &off, &addrs[0], "late");
    usleep(400 * 1000);
    CHECK(send_one(h, buf, off, &addrs[0], &sent) == 0);
    CHECK(strcmp(udp_text(rx), "late") == 0);

    udp_send(AF_INET, 5006, "held at close");
    off = 0;
    recv_into(h, buf, &off, &addrs[0], "held at close");
    CHECK(divert4j_close(h) == 0);
    udp_send(AF_INET, 5006, "end"); /* only the lower handle is left */
    CHECK(strcmp(udp_text(rx), "end") == 0);

    const char *seen[] = {"same", "twice", "twice", "b-one", "B-TWO", "b-three", "late", "end"};
    CHECK(shutdown_handle(lo, DIVERT_SHUTDOWN_RECV) == 0);
    for (size_t i = 0; i < sizeof seen / sizeof seen[0]; i++) {
        uint32_t n;
        CHECK(recv_one(lo, buf, sizeof buf, &addrs[0], &n) == 0 && ends_with(buf, n, seen[i]));
    }
    uint32_t n;
    CHECK(recv_one(lo, buf, sizeof buf, &addrs[0], &n) == 232);
    CHECK(divert4j_close(lo) == 0);
}

static void test_drop(int rx)
{
    int32_t h = open_udp(5005, 0, DIVERT_FLAG_DROP);
    udp_send(AF_INET, 5005, "dropped");
    /* drop verdicts are given in order: a later packet seen after closing proves the loss */
    CHECK(divert4j_close(h) == 0);
    udp_send(AF_INET, 5005, "after");
    CHECK(strcmp(udp_text(rx), "after") == 0);
}

static int32_t open_reflect(void)
{
    int32_t h;
    REQUIRE(divert4j_open(&h) == 0);
    REQUIRE(initialize(h, DIVERT_LAYER_REFLECT, 0, DIVERT_FLAG_SNIFF | DIVERT_FLAG_RECV_ONLY) == 0);
    uint8_t prog[24];
    test_t t = {DIVERT_FIELD_ZERO, EQ, 0, 0, 0, 0, 0}; /* true */
    uint32_t len = build_chain(prog, 0, 1, &t);
    REQUIRE(startup(h, 0, prog, len) == 0);
    return h;
}

/* One REFLECT event: its address, and its data is an object string with its NUL. */
static void expect_event(int32_t r, uint32_t event, uint64_t flags, int16_t prio)
{
    uint8_t buf[DIVERT_OBJECT_MAXLEN];
    DIVERT_ADDRESS a;
    uint32_t n = 0;
    CHECK(recv_one(r, buf, sizeof buf, &a, &n) == 0);
    CHECK(a.Layer == DIVERT_LAYER_REFLECT && a.Event == event && a.Sniffed == 1);
    CHECK(a.Reflect.ProcessId == (uint32_t)getpid() && a.Reflect.Layer == DIVERT_LAYER_NETWORK);
    CHECK(a.Reflect.Flags == flags && a.Reflect.Priority == prio && a.Reflect.Timestamp > 0);
    CHECK(n > 9 && memcmp(buf, "@WinDiv_", 8) == 0 && buf[n - 1] == '\0' && strlen((char *)buf) == n - 1);
}

static void test_reflect(void)
{
    int32_t before = open_udp(5006, 7, DIVERT_FLAG_SNIFF);
    int32_t r = open_reflect();
    expect_event(r, DIVERT_EVENT_REFLECT_OPEN, DIVERT_FLAG_SNIFF, 7);      /* the snapshot */
    int32_t r2 = open_reflect();                                          /* REFLECT handles do not report each other */
    int32_t after = open_udp(5007, -3, DIVERT_FLAG_DROP);
    expect_event(r, DIVERT_EVENT_REFLECT_OPEN, DIVERT_FLAG_DROP, -3);
    CHECK(divert4j_close(before) == 0);
    expect_event(r, DIVERT_EVENT_REFLECT_CLOSE, DIVERT_FLAG_SNIFF, 7);
    CHECK(divert4j_close(after) == 0);
    expect_event(r, DIVERT_EVENT_REFLECT_CLOSE, DIVERT_FLAG_DROP, -3);
    CHECK(shutdown_handle(r, DIVERT_SHUTDOWN_RECV) == 0);
    uint8_t buf[64];
    DIVERT_ADDRESS a;
    uint32_t n;
    CHECK(recv_one(r, buf, sizeof buf, &a, &n) == 232);
    /* r2 saw the same two handles: open, open, close, close */
    expect_event(r2, DIVERT_EVENT_REFLECT_OPEN, DIVERT_FLAG_SNIFF, 7);
    expect_event(r2, DIVERT_EVENT_REFLECT_OPEN, DIVERT_FLAG_DROP, -3);
    expect_event(r2, DIVERT_EVENT_REFLECT_CLOSE, DIVERT_FLAG_SNIFF, 7);
    expect_event(r2, DIVERT_EVENT_REFLECT_CLOSE, DIVERT_FLAG_DROP, -3);
    CHECK(divert4j_close(r) == 0);
    CHECK(divert4j_close(r2) == 0);
}

static void test_errors(void)
{
    int32_t h;
    REQUIRE(divert4j_open(&h) == 0);
    uint8_t buf[64];
    DIVERT_ADDRESS a;
    uint32_t n;
    CHECK(recv_one(h, buf, sizeof buf, &a, &n) == 22); /* not started */
    CHECK(initialize(h, DIVERT_LAYER_FLOW, 0, DIVERT_FLAG_SNIFF | DIVERT_FLAG_RECV_ONLY) == 87);
    char msg[256];
    divert4j_last_message(msg, sizeof msg);
    CHECK(strstr(msg, "not supported on Linux") != NULL);
    CHECK(initialize(h, DIVERT_LAYER_SOCKET, 0, DIVERT_FLAG_RECV_ONLY) == 87);
    CHECK(initialize(h, DIVERT_LAYER_NETWORK, 0, DIVERT_FLAG_SNIFF | DIVERT_FLAG_DROP) == 87);
    CHECK(initialize(h, DIVERT_LAYER_NETWORK, 0, DIVERT_FLAG_SEND_ONLY) == 0);
    CHECK(initialize(h, DIVERT_LAYER_NETWORK, 0, 0) == 22); /* only once */
    uint8_t prog[24];
    test_t f = {DIVERT_FIELD_ZERO, EQ, 0, 1, 0, 0, 0}; /* false */
    uint32_t len = build_chain(prog, 0, 1, &f);
    CHECK(startup(h, 0x1, prog, len) == 87);
    CHECK(startup(h, 0, prog, len) == 0);
    CHECK(recv_one(h, buf, sizeof buf, &a, &n) == 87); /* SEND_ONLY */
    CHECK(divert4j_close(h) == 0);
    CHECK(divert4j_ioctl(h, 1, IOCTL_DIVERT_RECV, buf, buf, 1, &n) == 6);
}

/* ---- TCP over loopback (MTU 1500) through a handle that upper-cases every payload ---- */

#define TCP_PORT 5100
#define TCP_BYTES (2u << 20)

typedef struct
{
    int32_t handle;
    int listener;
    size_t got;
    size_t upper; /* bytes that arrived upper-cased */
} tcp_server;

static void set_lo_mtu(int mtu)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(s >= 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    ifr.ifr_mtu = mtu;
    REQUIRE(ioctl(s, SIOCSIFMTU, &ifr) == 0);
    close(s);
}

/* The namespace's count of ICMP "destination unreachable" messages received (/proc/net/snmp). */
static long icmp_in_unreachable(void)
{
    FILE *f = fopen("/proc/net/snmp", "r");
    REQUIRE(f != NULL);
    char names[1024], values[1024];
    long found = -1;
    while (found < 0 && fgets(names, sizeof names, f) != NULL && fgets(values, sizeof values, f) != NULL) {
        if (strncmp(names, "Icmp:", 5) != 0) {
            continue;
        }
        char *ns, *vs;
        char *n = strtok_r(names, " \n", &ns), *v = strtok_r(values, " \n", &vs);
        for (; n != NULL && v != NULL; n = strtok_r(NULL, " \n", &ns), v = strtok_r(NULL, " \n", &vs)) {
            if (strcmp(n, "InDestUnreachs") == 0) {
                found = atol(v);
            }
        }
    }
    fclose(f);
    REQUIRE(found >= 0);
    return found;
}

/* Reads until the end of the stream (or WAIT_MS of silence), then shuts the handle's RECV. */
static void *tcp_server_main(void *arg)
{
    tcp_server *s = arg;
    struct pollfd pf = {.fd = s->listener, .events = POLLIN};
    int c = poll(&pf, 1, WAIT_MS) == 1 ? accept(s->listener, NULL, NULL) : -1;
    static char buf[65536];
    pf.fd = c;
    while (c >= 0 && poll(&pf, 1, WAIT_MS) == 1) {
        ssize_t n = recv(c, buf, sizeof buf, 0);
        if (n <= 0) {
            break;
        }
        for (ssize_t i = 0; i < n; i++) {
            s->upper += buf[i] >= 'A' && buf[i] <= 'Z';
        }
        s->got += (size_t)n;
    }
    if (c >= 0) {
        close(c);
    }
    CHECK(shutdown_handle(s->handle, DIVERT_SHUTDOWN_RECV) == 0);
    return NULL;
}

static void *tcp_client_main(void *arg)
{
    (void)arg;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(s >= 0);
    struct timeval tv = {.tv_sec = WAIT_MS / 1000};
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(TCP_PORT)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    static char chunk[65536];
    for (size_t i = 0; i < sizeof chunk; i++) {
        chunk[i] = (char)('a' + i % 26);
    }
    size_t sent = 0;
    if (connect(s, (struct sockaddr *)&a, sizeof a) == 0) {
        ssize_t n;
        while (sent < TCP_BYTES && (n = send(s, chunk, sizeof chunk, MSG_NOSIGNAL)) > 0) {
            sent += (size_t)n;
        }
    }
    CHECK(sent == TCP_BYTES);
    close(s);
    return NULL;
}

/*
 * TCP_BYTES from a client to a server over loopback, both in this process, through a handle
 * for `tcp and tcp.DstPort == TCP_PORT` that upper-cases every payload and sends each packet
 * back for SEND to repair the TCP checksum. That filter reads nothing segmentation changes, so the handle gets the stack's
 * GSO super-packets whole, above the MTU, with the TCP checksum left to offload; the modified
 * ones go on as replacements of the kernel's originals. With `and tcp.PayloadLength != 1`
 * added (a field segmentation changes) it gets segments of at most the MTU, checksums filled
 * in. Either way every byte must arrive, upper-cased, and no packet may have been too large
 * to inject (the host would have answered the sender with an ICMP "fragmentation needed").
 */
static void test_tcp_modified(int reads_segments)
{
    set_lo_mtu(1500);
    long unreachable = icmp_in_unreachable();
    int32_t h;
    REQUIRE(divert4j_open(&h) == 0);
    REQUIRE(initialize(h, DIVERT_LAYER_NETWORK, 0, 0) == 0);
    uint8_t prog[96];
    test_t t[3] = {{DIVERT_FIELD_TCP, EQ, 0, 1, 0, 0, 0}, {DIVERT_FIELD_TCP_DSTPORT, EQ, 0, TCP_PORT, 0, 0, 0},
                   {DIVERT_FIELD_TCP_PAYLOADLENGTH, NEQ, 0, 1, 0, 0, 0}};
    REQUIRE(startup(h, FF_OUT, prog, build_chain(prog, 0, reads_segments ? 3 : 2, t)) == 0);
    tcp_server srv = {.handle = h, .listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(TCP_PORT)};
    a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(srv.listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    REQUIRE(bind(srv.listener, (struct sockaddr *)&a4, sizeof a4) == 0 && listen(srv.listener, 1) == 0);
    pthread_t server, client;
    REQUIRE(pthread_create(&server, NULL, tcp_server_main, &srv) == 0);
    REQUIRE(pthread_create(&client, NULL, tcp_client_main, NULL) == 0);
    static uint8_t buf[DIVERT_MTU_MAX];
    uint32_t largest = 0, packets = 0, n, rc;
    int flags_ok = 1;
    DIVERT_ADDRESS a;
    while ((rc = recv_one(h, buf, sizeof buf, &a, &n)) == 0) {
        packets++;
        largest = n > largest ? n : largest;
        /* GSO packets leave their checksum to offload; segments have it filled in */
        flags_ok &= a.IPChecksum == 1 && (reads_segments ? a.TCPChecksum == 1 : n <= 1500 || a.TCPChecksum == 0);
        uint32_t ihl = (buf[0] & 0x0Fu) * 4;
        for (uint32_t i = ihl + (buf[ihl + 12] >> 4) * 4u; i < n; i++) {
            buf[i] = buf[i] >= 'a' && buf[i] <= 'z' ? (uint8_t)(buf[i] - 'a' + 'A') : buf[i];
        }
        a.TCPChecksum = 0; /* modified: for SEND to repair */
        uint32_t sent;
        CHECK(send_one(h, buf, n, &a, &sent) == 0 && sent == n);
    }
    CHECK(rc == 232);
    pthread_join(client, NULL);
    pthread_join(server, NULL);
    CHECK(packets > 0 && flags_ok);
    CHECK(reads_segments ? largest <= 1500 : largest > 1500);
    CHECK_EQ(srv.got, (size_t)TCP_BYTES);
    CHECK_EQ(srv.upper, (size_t)TCP_BYTES);
    CHECK_EQ(icmp_in_unreachable(), unreachable);
    CHECK(divert4j_close(h) == 0);
    close(srv.listener);
    set_lo_mtu(65536);
}

int main(void)
{
    loopback_enter_private_netns();
    int rx1 = udp_receiver(AF_INET, 5001);
    int rx2 = udp_receiver(AF_INET, 5002);
    int rx3 = udp_receiver(AF_INET, 5003);
    int rx4 = udp_receiver(AF_INET, 5004);
    int rx5 = udp_receiver(AF_INET, 5005);
    int rx6 = udp_receiver(AF_INET, 5006);
    test_divert_and_modify(rx1);
    CHECK(strcmp(udp_text(rx2), "marker") == 0);
    test_sniff_overflow_and_shutdown(rx3);
    test_priorities(rx4);
    test_drop(rx5);
    test_sent_back(rx6);
    test_reflect();
    test_errors();
    test_tcp_modified(0);
    test_tcp_modified(1);
    FILE *f = popen("iptables-save -t mangle; ip6tables-save -t mangle", "r");
    char save[65536];
    size_t got = f ? fread(save, 1, sizeof save - 1, f) : 0;
    if (f) {
        pclose(f);
    }
    save[got] = '\0';
    CHECK(got > 0 && strstr(save, "D4J-") == NULL); /* every handle closed: no rule left */
    return test_finish("linux host");
}

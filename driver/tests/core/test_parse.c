/* Packet decomposition (docs/spec/helpers.md 3.1, 3.2) on the sample packets and on malformed input. */
#include <string.h>

#include "core/packet_parse.h"
#include "core_support.h"
#include "support.h"

static uint8_t buf[256];

static int load(int id)
{
    return hex_decode(SAMPLE_PACKETS[id], buf, sizeof buf);
}

static bool parse_user(const uint8_t *b, uint32_t n, divert_packet *p)
{
    divert_packet_view v = divert_view_flat(b, n);
    return divert_parse_user(&v, p);
}

static void test_samples(void)
{
    static const struct {
        int id, len, version, protocol, transport, header_length, payload_length;
        bool fragment, offset;
    } cases[] = {
        {1, 60, 4, 1, DIVERT_TRANSPORT_ICMP, 28, 32, false, false},
        {2, 70, 4, 6, DIVERT_TRANSPORT_TCP, 52, 18, false, false},
        {3, 57, 4, 17, DIVERT_TRANSPORT_UDP, 28, 29, false, false},
        {4, 80, 6, 6, DIVERT_TRANSPORT_TCP, 80, 0, false, false},
        {5, 64, 6, 58, DIVERT_TRANSPORT_ICMPV6, 48, 16, false, false},
        {6, 77, 6, 17, DIVERT_TRANSPORT_UDP, 64, 13, false, false},
        {7, 28, 4, 1, DIVERT_TRANSPORT_ICMP, 28, 0, true, false},
        {8, 52, 4, 1, DIVERT_TRANSPORT_NONE, 20, 32, true, true},
        {9, 64, 6, 58, DIVERT_TRANSPORT_ICMPV6, 56, 8, true, false},
        {10, 72, 6, 58, DIVERT_TRANSPORT_NONE, 48, 24, true, true},
        {11, 40, 6, 6, DIVERT_TRANSPORT_NONE, 40, 0, false, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        divert_packet p;
        int n = load(cases[i].id);
        CHECK_EQ(n, cases[i].len);
        CHECK(parse_user(buf, (uint32_t)n, &p));
        CHECK_EQ(p.ip_version, cases[i].version);
        CHECK_EQ(p.protocol, cases[i].protocol);
        CHECK_EQ(p.transport, cases[i].transport);
        CHECK_EQ(p.header_length, cases[i].header_length);
        CHECK_EQ(p.payload_length, cases[i].payload_length);
        CHECK_EQ(p.fragment, cases[i].fragment);
        CHECK_EQ(p.fragment_offset, cases[i].offset);
        CHECK(!p.truncated && !p.extended);
        CHECK_EQ(p.length, n);
        /* the driver variant accepts exactly these complete packets for their version */
        divert_packet d;
        divert_packet_view v = divert_view_flat(buf, (uint32_t)n);
        CHECK(divert_parse_driver(&v, cases[i].version == 6, &d));
        CHECK(test_packet_same(&d, &p));
        CHECK(!divert_parse_driver(&v, cases[i].version != 6, &d));
    }
}

static void test_truncated_and_extended(void)
{
    divert_packet p;
    int n = load(1);
    CHECK(parse_user(buf, 50, &p));
    CHECK(p.truncated && !p.extended);
    CHECK_EQ(p.packet_length, 50);
    CHECK_EQ(p.payload_length, 22);
    divert_packet_view v = divert_view_flat(buf, 50);
    CHECK(!divert_parse_driver(&v, false, &p));

    buf[n] = 1;
    buf[n + 1] = 2;
    CHECK(parse_user(buf, (uint32_t)n + 2, &p));
    CHECK(p.extended && !p.truncated);
    CHECK_EQ(p.payload_length, 32);
    CHECK_EQ(p.length, n + 2);
    v = divert_view_flat(buf, (uint32_t)n + 2);
    CHECK(!divert_parse_driver(&v, false, &p));
}

static void test_invalid(void)
{
    divert_packet p;
    int n = load(1);
    CHECK(!parse_user(buf, 19, &p));
    buf[0] = 0x44;                       /* IHL 4 */
    CHECK(!parse_user(buf, (uint32_t)n, &p));
    buf[0] = 0x4F;                       /* IHL 15: 60 bytes > total? total = 60, ok */
    CHECK(parse_user(buf, (uint32_t)n, &p));
    CHECK(parse_user(buf, 60, &p) && p.transport == DIVERT_TRANSPORT_NONE && p.payload_length == 0);
    CHECK(!parse_user(buf, 59, &p));     /* len < 4 x IHL */
    buf[0] = 0x45;
    buf[2] = 0;
    buf[3] = 19;                         /* total < header */
    CHECK(!parse_user(buf, (uint32_t)n, &p));
    buf[0] = 0x55;
    CHECK(!parse_user(buf, (uint32_t)n, &p));
    n = load(5);
    CHECK(!parse_user(buf, 39, &p));
    CHECK(parse_user(buf, 40, &p) && p.truncated && p.transport == DIVERT_TRANSPORT_NONE);
    CHECK(!parse_user(NULL, 0, &p));
}

static void test_tcp_and_fragment_edges(void)
{
    divert_packet p;
    int n = load(2);
    buf[32] = 0x40;                      /* data offset 4 < 5: no TCP header */
    CHECK(parse_user(buf, (uint32_t)n, &p));
    CHECK_EQ(p.transport, DIVERT_TRANSPORT_NONE);
    CHECK_EQ(p.header_length, 20);
    buf[32] = 0xF0;                      /* data offset 15 = 60 bytes > 50 left: clamped */
    CHECK(parse_user(buf, (uint32_t)n, &p));
    CHECK_EQ(p.transport, DIVERT_TRANSPORT_TCP);
    CHECK_EQ(p.header_length, 70);
    CHECK_EQ(p.payload_length, 0);
    /* ICMP is only recognised inside IPv4, ICMPv6 only inside IPv6 */
    n = load(5);
    buf[6] = 1;
    CHECK(parse_user(buf, (uint32_t)n, &p) && p.transport == DIVERT_TRANSPORT_NONE && p.protocol == 1);
    /* a second fragment header stops the walk */
    n = load(9);
    buf[40] = 44;
    CHECK(parse_user(buf, (uint32_t)n, &p));
    CHECK_EQ(p.protocol, 44);
    CHECK(p.fragment && !p.fragment_offset);
    CHECK_EQ(p.header_length, 48);
    /* an extension header longer than the packet is not consumed */
    n = load(6);
    buf[41] = 200;
    CHECK(parse_user(buf, (uint32_t)n, &p));
    CHECK_EQ(p.protocol, 0);
    CHECK_EQ(p.header_length, 40);
}

struct chunked { const uint8_t *data; int calls; int fail_after; };

static bool chunked_read(void *ctx, uint32_t off, uint32_t len, uint8_t *out)
{
    struct chunked *c = ctx;
    if (c->fail_after >= 0 && c->calls >= c->fail_after) {
        return false;
    }
    c->calls++;
    memcpy(out, c->data + off, len);
    return true;
}

static void test_callback_view(void)
{
    for (int id = 1; id <= 11; id++) {
        int n = load(id);
        divert_packet flat, cb;
        struct chunked c = {buf, 0, -1};
        divert_packet_view v = divert_view_callback(chunked_read, &c, (uint32_t)n);
        CHECK(parse_user(buf, (uint32_t)n, &flat));
        CHECK(divert_parse_user(&v, &cb));
        CHECK(test_packet_same(&flat, &cb));
        /* a failing read anywhere makes the parse fail instead of using stale bytes */
        for (int k = 0; k < c.calls; k++) {
            struct chunked f = {buf, 0, k};
            divert_packet_view fv = divert_view_callback(chunked_read, &f, (uint32_t)n);
            CHECK(!divert_parse_user(&fv, &cb));
        }
    }
    uint8_t out[4];
    divert_packet_view v = divert_view_flat(buf, 10);
    CHECK(!divert_view_read(&v, 8, 4, out));
    CHECK(!divert_view_read(&v, 11, 0, out));
    CHECK(divert_view_read(&v, 10, 0, out));
    CHECK(!divert_view_read(&v, 0xFFFFFFFFu, 2, out));
}

int main(void)
{
    test_samples();
    test_truncated_and_extended();
    test_invalid();
    test_tcp_and_fragment_edges();
    test_callback_view();
    return test_finish("parse");
}

/*
 * The lazy decomposition contract (core/packet_parse.h): a packet parsed without the walk and
 * evaluated (the evaluator walks it when a field needs that) gives exactly the results of the
 * full decomposition, for every network field, on the sample packets, on every truncation of
 * them and on broken transport headers and IPv6 extension chains; and the walk happens only
 * for the fields that need it.
 */
#include <string.h>

#include "core/filter_eval.h"
#include "core/packet_parse.h"
#include "core_support.h"
#include "programs.h"
#include "support.h"

#define F(name) DIVERT_FIELD_##name

static uint8_t code[24];
static divert_program program;

/* "field <test> arg" alone: accept on success, reject on failure. */
static void one_test(uint32_t field, uint32_t test, uint32_t a0, uint32_t a1)
{
    put_insn(code, 0, (test_t){field, test, 0, a0, a1, 0, 0}, ACC, REJ);
    CHECK_EQ(divert_program_load_user(code, sizeof code, &program), DIVERT_STATUS_SUCCESS);
}

/* Reads that fail beyond `limit` bytes (a NET_BUFFER whose later part cannot be mapped). */
struct limited { const uint8_t *data; uint32_t limit; };

static bool limited_read(void *ctx, uint32_t off, uint32_t len, uint8_t *out)
{
    const struct limited *l = ctx;
    if (off + len > l->limit) {
        return false;
    }
    memcpy(out, l->data + off, len);
    return true;
}

/*
 * The evaluation with the full decomposition against the lazy one (flat and callback view),
 * for program on the len bytes at b. Returns the full decomposition's result (-2: refused).
 */
static int same_results(const uint8_t *b, uint32_t len, const DIVERT_ADDRESS *a)
{
    divert_packet full, lazy, lazy_cb;
    divert_packet_view flat = divert_view_flat(b, len);
    struct limited whole = {b, len};
    divert_packet_view cb = divert_view_callback(limited_read, &whole, len);
    bool ok = divert_parse_user(&flat, &full);
    CHECK_EQ(divert_parse_user_lazy(&flat, &lazy), ok);
    CHECK_EQ(divert_parse_user_lazy(&cb, &lazy_cb), ok);
    if (!ok) {
        return -2;
    }
    CHECK(!lazy.walked && !lazy_cb.walked);
    int want = divert_filter_eval(&program, DIVERT_LAYER_NETWORK, a, &flat, &full);
    CHECK_EQ(divert_filter_eval(&program, DIVERT_LAYER_NETWORK, a, &flat, &lazy), want);
    CHECK_EQ(divert_filter_eval(&program, DIVERT_LAYER_NETWORK, a, &cb, &lazy_cb), want);
    /* walked or not, the decomposition is the same once walked */
    CHECK(divert_packet_walk(&flat, &lazy) && test_packet_same(&lazy, &full));
    return want;
}

/* Packets whose transport header or extension chain is broken, built from the samples. */
static uint32_t broken(int k, uint8_t *b)
{
    uint32_t n;
    switch (k) {
    case 0: /* TCP data offset 4 < 5: no TCP header */
        n = (uint32_t)hex_decode(SAMPLE_PACKETS[2], b, 256);
        b[32] = 0x40;
        return n;
    case 1: /* TCP data offset 15: more than the packet holds, clamped */
        n = (uint32_t)hex_decode(SAMPLE_PACKETS[2], b, 256);
        b[32] = 0xF0;
        return n;
    case 2: /* IPv6 hop-by-hop header longer than the packet: not consumed */
        n = (uint32_t)hex_decode(SAMPLE_PACKETS[6], b, 256);
        b[41] = 200;
        return n;
    case 3: /* a second IPv6 fragment header stops the walk */
        n = (uint32_t)hex_decode(SAMPLE_PACKETS[9], b, 256);
        b[40] = 44;
        return n;
    case 4: /* IPv4 TCP claiming more bytes than the buffer (truncated) */
        n = (uint32_t)hex_decode(SAMPLE_PACKETS[2], b, 256);
        b[2] = 0x05;
        return n;
    default: /* ICMP inside IPv6 is no transport header */
        n = (uint32_t)hex_decode(SAMPLE_PACKETS[5], b, 256);
        b[6] = 1;
        return n;
    }
}

enum { BROKEN = 6 };

/*
 * Every field legal at NETWORK, a few tests and constants, against every sample packet, each
 * of its truncations and the broken packets, both directions.
 */
static void test_every_field_agrees(void)
{
    static const uint32_t args[] = {0, 1, 6, 80, 0x45};
    static const int32_t indexes[] = {0, 3, 20, -1, -4};
    uint8_t b[256];
    int results[3] = {0, 0, 0};
    for (uint32_t field = 0; field < DIVERT_FIELD_COUNT; field++) {
        if (!divert_field_legal(field, DIVERT_LAYER_NETWORK)) {
            continue;
        }
        bool array = divert_field_is_array(field);
        for (size_t k = 0; k < sizeof args / sizeof args[0]; k++) {
            uint32_t test = k % 2 == 0 ? EQ : GT;
            one_test(field, test, args[k], array ? (uint32_t)indexes[k] : 0);
            for (int out = 0; out < 2; out++) {
                DIVERT_ADDRESS a = test_address(DIVERT_LAYER_NETWORK, out);
                for (int id = 1; id <= 11; id++) {
                    uint32_t n = (uint32_t)hex_decode(SAMPLE_PACKETS[id], b, sizeof b);
                    for (uint32_t len = 0; len <= n; len++) {
                        a.IPv6 = len > 0 && b[0] >> 4 == 6;
                        int r = same_results(b, len, &a);
                        results[r == DIVERT_EVAL_MATCH ? 0 : r == DIVERT_EVAL_NOMATCH ? 1 : 2]++;
                    }
                }
                for (int k2 = 0; k2 < BROKEN; k2++) {
                    uint32_t n = broken(k2, b);
                    a.IPv6 = b[0] >> 4 == 6;
                    (void)same_results(b, n, &a);
                }
            }
        }
    }
    /* the sweep saw both answers and refused packets, so it compared something */
    CHECK(results[0] > 0 && results[1] > 0 && results[2] > 0);
}

/* The walk happens when a field needs it, and only then. */
static void test_walks_only_when_needed(void)
{
    static const struct { uint32_t field, arg; bool walks; } cases[] = {
        {F(IP_TTL), 64, false}, {F(IP_SRCADDR), 0, false}, {F(IPV6), 0, false},
        {F(IP), 1, false}, {F(LENGTH), 70, false}, {F(PACKET), 0x45, false},
        {F(OUTBOUND), 1, false}, {F(LOCALADDR), 0, false}, {F(IP_PROTOCOL), 6, false},
        {F(TCP), 1, true}, {F(TCP_DSTPORT), 80, true}, {F(UDP), 0, true},
        {F(PROTOCOL), 6, true}, {F(LOCALPORT), 0, true}, {F(FRAGMENT), 0, true},
        {F(TCP_PAYLOAD), 0, true}, {F(TCP_PAYLOADLENGTH), 0, true}, {F(RANDOM8), 0, true},
    };
    uint8_t b[256];
    uint32_t n = (uint32_t)hex_decode(SAMPLE_PACKETS[2], b, sizeof b);
    divert_packet_view v = divert_view_flat(b, n);
    DIVERT_ADDRESS a = test_address(DIVERT_LAYER_NETWORK, true);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        divert_packet p;
        one_test(cases[i].field, EQ, cases[i].arg, 0);
        CHECK(divert_parse_user_lazy(&v, &p));
        CHECK(divert_filter_eval(&program, DIVERT_LAYER_NETWORK, &a, &v, &p) != DIVERT_EVAL_ERROR);
        CHECK_EQ(p.walked, cases[i].walks);
    }
    /* a field the program never reaches is never walked for: "ip.TTL == 1 and tcp" */
    static uint8_t two[48];
    put_insn(two, 0, (test_t){F(IP_TTL), EQ, 0, 1}, 1, REJ);
    put_insn(two, 1, (test_t){F(TCP), EQ, 0, 1}, ACC, REJ);
    CHECK_EQ(divert_program_load_user(two, sizeof two, &program), DIVERT_STATUS_SUCCESS);
    divert_packet p;
    CHECK(divert_parse_user_lazy(&v, &p));
    CHECK_EQ(divert_filter_eval(&program, DIVERT_LAYER_NETWORK, &a, &v, &p), DIVERT_EVAL_NOMATCH);
    CHECK(!p.walked);
}

/*
 * A callback view that cannot supply the bytes past the IP header: the full parse refuses the
 * packet; the lazy one evaluates the IP fields as the flat view does and fails (ERROR, "no
 * match" to the driver) the first field that needs the walk, never using stale bytes.
 */
static void test_failing_view(void)
{
    uint8_t b[256];
    for (int id = 1; id <= 11; id++) {
        uint32_t n = (uint32_t)hex_decode(SAMPLE_PACKETS[id], b, sizeof b);
        uint32_t ip = b[0] >> 4 == 6 ? 40 : 20;
        struct limited l = {b, n >= 40 ? 40 : 20};
        divert_packet_view cb = divert_view_callback(limited_read, &l, n);
        divert_packet_view flat = divert_view_flat(b, n);
        DIVERT_ADDRESS a = test_address(DIVERT_LAYER_NETWORK, false);
        a.IPv6 = ip == 40;
        divert_packet p, q;
        bool walk_reads = !divert_parse_user(&cb, &p);
        CHECK(divert_parse_user_lazy(&cb, &p));
        one_test(ip == 40 ? F(IPV6_HOPLIMIT) : F(IP_TTL), GT, 1, 0);
        CHECK(divert_parse_user_lazy(&flat, &q));
        CHECK_EQ(divert_filter_eval(&program, DIVERT_LAYER_NETWORK, &a, &cb, &p),
                 divert_filter_eval(&program, DIVERT_LAYER_NETWORK, &a, &flat, &q));
        one_test(F(PROTOCOL), GEQ, 0, 0);
        CHECK_EQ(divert_filter_eval(&program, DIVERT_LAYER_NETWORK, &a, &cb, &p),
                 walk_reads ? DIVERT_EVAL_ERROR : DIVERT_EVAL_MATCH);
    }
}

int main(void)
{
    test_every_field_agrees();
    test_walks_only_when_needed();
    test_failing_view();
    return test_finish("lazy");
}

/*
 * The evaluator and the WinDivertHelperEvalFilter entry: the worked examples of
 * docs/spec/filter-language.md 11.2 (folded filters given in their folded form), the object strings of
 * docs/spec/filter-object.md b.7, FLOW/SOCKET/REFLECT values and the 8.5 input rules.
 */
#include <string.h>

#include "core/filter_eval.h"
#include "core/helper_eval.h"
#include "programs.h"
#include "support.h"

#define F(name) DIVERT_FIELD_##name
#define MAPPED 0xFFFFu

enum { OUT = 1, LOOP = 2, IMP = 4 };

static uint8_t packet[256];
static uint8_t code[256 * 24];

/* Evaluates with the user-mode entry: packet id 0 = none (NULL). */
static int eval_user(uint32_t layer, int id, int flags, int64_t ts, const uint8_t *prog,
                     uint32_t prog_len)
{
    divert_program p;
    if (divert_program_load_user(prog, prog_len, &p) != DIVERT_STATUS_SUCCESS) {
        return -2;
    }
    DIVERT_ADDRESS a = test_address(layer, flags & OUT);
    a.Loopback = (flags & LOOP) != 0;
    a.Impostor = (flags & IMP) != 0;
    a.Timestamp = ts;
    int n = 0;
    if (id > 0) {
        n = hex_decode(SAMPLE_PACKETS[id], packet, sizeof packet);
        a.IPv6 = (packet[0] >> 4) == 6;
    }
    return divert_helper_eval_filter(&p, layer, id > 0 ? packet : NULL, (uint32_t)n, &a, NULL);
}

static int chain(uint32_t layer, int id, int flags, int64_t ts, int join_or, uint32_t n,
                 const test_t *tests)
{
    uint32_t len = build_chain(code, join_or, n, tests);
    return eval_user(layer, id, flags, ts, code, len);
}

#define AND(layer, id, flags, ...) chain(layer, id, flags, 0, 0, \
    sizeof((test_t[]){__VA_ARGS__}) / sizeof(test_t), (test_t[]){__VA_ARGS__})
#define OR(layer, id, flags, ...) chain(layer, id, flags, 0, 1, \
    sizeof((test_t[]){__VA_ARGS__}) / sizeof(test_t), (test_t[]){__VA_ARGS__})

static const int M = DIVERT_EVAL_MATCH, N = DIVERT_EVAL_NOMATCH, E = DIVERT_EVAL_ERROR;

static void test_worked_examples(void)
{
    CHECK_EQ(AND(0, 2, OUT, {F(TCP), NEQ, 0, 0}), M);                                   /* 1 */
    CHECK_EQ(AND(0, 2, OUT, {F(OUTBOUND), NEQ, 0, 0}, {F(TCP_DSTPORT), EQ, 0, 80}), M);  /* 2 */
    CHECK_EQ(AND(0, 2, 0, {F(OUTBOUND), NEQ, 0, 0}, {F(TCP_DSTPORT), EQ, 0, 80}), N);    /* 3 */
    CHECK_EQ(AND(0, 2, OUT, {F(TCP_DSTPORT), EQ, 0, 80}, {F(TCP_PAYLOADLENGTH), GT, 0, 0}), M);
    CHECK_EQ(AND(0, 1, OUT, {F(TCP_DSTPORT), EQ, 0, 80}), N);                           /* 5 */
    CHECK_EQ(AND(0, 1, OUT, {F(TCP_DSTPORT), NEQ, 0, 80}), N);                          /* 6, 7 */
    CHECK_EQ(AND(0, 1, OUT, {F(TCP), EQ, 0, 0}), M);                                    /* 8, 11 */
    CHECK_EQ(AND(0, 1, OUT, {F(TCP_SYN), EQ, 0, 0}), N);                                /* 9 */
    /* 10: (tcp ? tcp.DstPort == 80 : true) */
    put_insn(code, 0, (test_t){F(TCP), NEQ, 0, 0}, 1, ACC);
    put_insn(code, 1, (test_t){F(TCP_DSTPORT), EQ, 0, 80}, ACC, REJ);
    CHECK_EQ(eval_user(0, 1, OUT, 0, code, 48), M);
    CHECK_EQ(eval_user(0, 2, OUT, 0, code, 48), M);
    CHECK_EQ(eval_user(0, 4, OUT, 0, code, 48), N);
    CHECK_EQ(AND(0, 2, OUT, {F(TCP), EQ, 0, 0}), N);                                    /* 12 */
    CHECK_EQ(AND(0, 4, OUT, {F(IP), EQ, 0, 0}), M);                                     /* 13 */
    CHECK_EQ(AND(0, 2, OUT, {F(TCP_SEQNUM), LT, 0, 0, 1}), N);                          /* 14 */
    CHECK_EQ(AND(0, 2, OUT, {F(TCP_SEQNUM), EQ, 0, 0x5338ccc2, 1}), M);                 /* 15 */
    CHECK_EQ(AND(0, 2, OUT, {F(TCP_SEQNUM), GT, 1, 5}), M);                             /* 16 */
    CHECK_EQ(AND(0, 3, OUT, {F(IP_DSTADDR), EQ, 0, 0x08080404, MAPPED}), M);            /* 17-19 */
    CHECK_EQ(AND(0, 3, OUT, {F(IP_DSTADDR), EQ, 0, 0x08080404}), N);                    /* 20 */
    CHECK_EQ(AND(0, 3, OUT, {F(IP_DSTADDR), GEQ, 0, 0x08080000, MAPPED},
                 {F(IP_DSTADDR), LEQ, 0, 0x0808FFFF, MAPPED}), M);                      /* 21 */
    CHECK_EQ(AND(0, 3, OUT, {F(IP_SRCADDR), EQ, 0, 0x0A000001, MAPPED}), M);            /* 22 */
    CHECK_EQ(AND(0, 3, OUT, {F(REMOTEADDR), EQ, 0, 0x08080404, MAPPED},
                 {F(REMOTEPORT), EQ, 0, 53}), M);                                       /* 23 */
    CHECK_EQ(AND(0, 3, 0, {F(REMOTEADDR), EQ, 0, 0x08080404, MAPPED}), N);              /* 24 */
    CHECK_EQ(AND(0, 1, OUT, {F(LOCALPORT), EQ, 0, 8}, {F(REMOTEPORT), EQ, 0, 0}), M);   /* 25 */
    CHECK_EQ(AND(0, 1, 0, {F(LOCALPORT), EQ, 0, 0}, {F(REMOTEPORT), EQ, 0, 8}), M);     /* 26 */
    CHECK_EQ(AND(0, 1, OUT, {F(PACKET), EQ, 0, 0x3f, (uint32_t)-1}), M);                /* 27 */
    CHECK_EQ(AND(0, 1, OUT, {F(PACKET32), EQ, 0, 0x3b3c3d3e, (uint32_t)-5}), M);        /* 28 */
    CHECK_EQ(AND(0, 1, OUT, {F(PACKET16), EQ, 0, 0x003c, 2}), M);                       /* 29, 31 */
    CHECK_EQ(AND(0, 1, OUT, {F(PACKET16), EQ, 0, 0x003c, 1}), N);                       /* 30 */
    CHECK_EQ(OR(0, 1, OUT, {F(PACKET), EQ, 0, 0, 60}, {F(PACKET), NEQ, 0, 0, 60}), N);  /* 32 */
    CHECK_EQ(AND(0, 1, OUT, {F(ICMP_BODY), EQ, 0, 0x0d560001}, {F(ICMP_TYPE), EQ, 0, 8}), M);
    CHECK_EQ(AND(0, 3, OUT, {F(UDP_PAYLOAD16), EQ, 0, 1, (uint32_t)-2},
                 {F(UDP_PAYLOADLENGTH), EQ, 0, 29}), M);                                /* 35 */
    CHECK_EQ(AND(0, 2, OUT, {F(TCP_PAYLOAD32), EQ, 0, 0x47455420, 0}), M);              /* 36 */
    CHECK_EQ(AND(0, 2, OUT, {F(TCP_PAYLOAD), EQ, 0, 0x0a, (uint32_t)-1},
                 {F(TCP_HDRLENGTH), EQ, 0, 8}), M);                                     /* 37 */
    CHECK_EQ(AND(0, 1, OUT, {F(LENGTH), EQ, 0, 60}, {F(IP_LENGTH), EQ, 0, 60}), M);     /* 38 */
    CHECK_EQ(AND(0, 7, OUT, {F(FRAGMENT), NEQ, 0, 0}, {F(ICMP), NEQ, 0, 0},
                 {F(IP_MF), NEQ, 0, 0}), M);                                            /* 39 */
    CHECK_EQ(AND(0, 8, OUT, {F(FRAGMENT), NEQ, 0, 0}, {F(ICMP), NEQ, 0, 0}), N);        /* 40 */
    CHECK_EQ(AND(0, 8, OUT, {F(IP_FRAGOFF), EQ, 0, 1}, {F(PROTOCOL), EQ, 0, 1}), M);    /* 41 */
    CHECK_EQ(AND(0, 9, OUT, {F(FRAGMENT), NEQ, 0, 0}, {F(ICMPV6), NEQ, 0, 0}), M);      /* 42 */
    CHECK_EQ(AND(0, 10, OUT, {F(FRAGMENT), NEQ, 0, 0}, {F(ICMPV6), EQ, 0, 0},
                 {F(PROTOCOL), EQ, 0, 58}), M);                                         /* 43 */
    CHECK_EQ(AND(0, 6, OUT, {F(UDP_DSTPORT), EQ, 0, 43690}, {F(PROTOCOL), EQ, 0, 17},
                 {F(IPV6_NEXTHDR), EQ, 0, 0}), M);                                      /* 44 */
    CHECK_EQ(AND(0, 6, OUT, {F(LOCALADDR), EQ, 0, 1},
                 {F(REMOTEADDR), EQ, 0, 2, 0, 0, 0xfe800000u}), M);                     /* 45 */
    CHECK_EQ(AND(0, 4, OUT, {F(IPV6_SRCADDR), EQ, 0, 0xaabbccdd, 0, 0, 0x20010db8}), M); /* 46 */
    CHECK_EQ(AND(0, 4, OUT, {F(TCP_SYN), NEQ, 0, 0}, {F(TCP_ACK), EQ, 0, 0},
                 {F(TCP_DSTPORT), EQ, 0, 23}), M);                                      /* 47 */
    CHECK_EQ(AND(0, 4, OUT, {F(IPV6_FLOWLABEL), EQ, 0, 0x12345}), N);                   /* 48 */
    CHECK_EQ(AND(0, 11, 0, {F(IPV6_FLOWLABEL), EQ, 0, 5}), N);                          /* 49 */
    CHECK_EQ(AND(0, 11, 0, {F(IPV6_FLOWLABEL), EQ, 0, 0x50000}), M);                    /* 50 */
    CHECK_EQ(AND(0, 5, 0, {F(ICMPV6_TYPE), EQ, 0, 129}, {F(IPV6_HOPLIMIT), EQ, 0, 31}), M);
    test_t ts = {F(TIMESTAMP), EQ, 1, 5};
    CHECK_EQ(chain(0, 1, OUT, -5, 0, 1, &ts), M);                                      /* 52 */
    CHECK_EQ(chain(0, 1, OUT, 5, 0, 1, &ts), N);
    CHECK_EQ(AND(0, 1, OUT | LOOP | IMP, {F(LOOPBACK), NEQ, 0, 0}, {F(IMPOSTOR), NEQ, 0, 0},
                 {F(OUTBOUND), NEQ, 0, 0}), M);                                         /* 54 */
    CHECK_EQ(AND(0, 1, 0, {F(INBOUND), NEQ, 0, 0}), M);                                 /* 55 */
    CHECK_EQ(AND(0, 1, 0, {F(IFIDX), EQ, 0, 0}, {F(SUBIFIDX), EQ, 0, 0}, {F(EVENT), EQ, 0, 0}), M);
    CHECK_EQ(AND(1, 2, 0, {F(TCP_DSTPORT), EQ, 0, 80}), M);                             /* 57 */
    CHECK_EQ(OR(2, 0, 0, {F(IP), NEQ, 0, 0}, {F(IPV6), NEQ, 0, 0}), N);                 /* 58 */
    CHECK_EQ(AND(3, 0, 0, {F(IP), EQ, 0, 0}, {F(IPV6), EQ, 0, 0}), M);                  /* 59 */
    CHECK_EQ(AND(2, 0, 0, {F(PROTOCOL), EQ, 0, 0}, {F(LOCALPORT), EQ, 0, 0},
                 {F(PROCESSID), EQ, 0, 0}), M);                                         /* 60 */
    CHECK_EQ(AND(3, 0, 0, {F(ENDPOINTID), EQ, 0, 0}, {F(TCP), EQ, 0, 0}), M);           /* 61 */
    CHECK_EQ(AND(4, 0, 0, {F(LAYER), EQ, 0, 0}, {F(PRIORITY), EQ, 0, 0}, {F(EVENT), EQ, 0, 0}), M);
    CHECK_EQ(AND(2, 0, 0, {F(ZERO), EQ, 0, 0}), M);                                     /* 63 */
    CHECK_EQ(AND(2, 0, 0, {F(PACKET), EQ, 0, 0x45, 0}), E);                             /* 64 */
    static const struct { int64_t ts; uint32_t r8, r16, r32; } rnd[] = {
        {0, 250, 51515, 2140372834u}, {12345, 232, 5620, 3087206173u}, {-1, 94, 48159, 2786741144u},
    };
    for (int i = 0; i < 3; i++) {                                                       /* 65-67 */
        test_t t[3] = {{F(RANDOM8), EQ, 0, rnd[i].r8}, {F(RANDOM16), EQ, 0, rnd[i].r16},
                       {F(RANDOM32), EQ, 0, rnd[i].r32}};
        CHECK_EQ(chain(0, 1, 0, rnd[i].ts, 0, 3, t), M);
        CHECK_EQ(chain(0, 1, 0, rnd[i].ts + 1, 0, 3, t), N);
    }
}

/* The object strings of docs/spec/filter-object.md b.7 with a packet or address that decides them. */
static int object(uint32_t layer, int id, int flags, const char *obj)
{
    int n = object_decode(obj, code, sizeof code);
    CHECK(n > 0);
    return n > 0 ? eval_user(layer, id, flags, 0, code, (uint32_t)n) : -3;
}

static void test_object_examples(void)
{
    CHECK_EQ(object(0, 1, 0, "@WinDiv_WX_WWWWAA"), M);
    CHECK_EQ(object(0, 1, 0, "@WinDiv_WX_WWWWXX"), N);
    CHECK_EQ(object(0, 2, 0, "@WinDiv_WX_eXWWAX"), M);
    CHECK_EQ(object(0, 2, OUT, "@WinDiv_WY_1dWW2mLXX_YXWWAX"), M);
    CHECK_EQ(object(0, 2, 0, "@WinDiv_WY_1dWW2mLXX_YXWWAX"), N);
    CHECK_EQ(object(0, 1, 0, "@WinDiv_WX_rWW50000XAX"), M);
    CHECK_EQ(object(0, 5, 0, "@WinDiv_WX_zWWXWWWAX"), M);
    CHECK_EQ(object(0, 1, 0, "@WinDiv_WX_2fWWPJ8D9s1VVwAX"), N);  /* bytes 55..58 are 3b3c3d3e */
    CHECK_EQ(object(0, 2, 0, "@WinDiv_WX_2gWW2d200XAX"), N);      /* payload[2] is T */
    CHECK_EQ(object(0, 3, 0, "@WinDiv_WY_1dWW2mALX_1sWW1rAX"), M);
    CHECK_EQ(object(0, 3, 0, "@WinDiv_WZ_eXWWLXLY_1dWW2mAX_1sWW1rAX"), M);
    CHECK_EQ(object(0, 2, 0, "@WinDiv_WZ_eXWWLXLY_1dWW2mAX_1sWW1rAX"), M);
    CHECK_EQ(object(0, 1, 0, "@WinDiv_WZ_eXWWLXLY_1dWW2mAX_1sWW1rAX"), N);
    CHECK_EQ(object(0, 2, LOOP, "@WinDiv_WY_dWWWLXX_1wXWWAX"), M);
    CHECK_EQ(object(0, 1, LOOP, "@WinDiv_WY_dWWWLXX_1wXWWAX"), N);
    CHECK_EQ(object(0, 2, 0, "@WinDiv_WZ_1lXWWLXX_1iWWWLYX_1dWWDxAX"), N);
    CHECK_EQ(object(0, 1, 0, "@WinDiv_WX_2dWWb200WAX"), N);       /* packet[1] == 5: byte is 0 */
    CHECK_EQ(object(0, 3, 0, "@WinDiv_WX_2kXWX1VVzAX"), N);       /* last udp16 is 0x0001 */
    CHECK_EQ(object(0, 3, 0, "@WinDiv_WX_sWWG000XAX"), N);
    CHECK_EQ(object(1, 2, 0, "@WinDiv_WY_1cZWV=LXX_1daWV=AX"), N); /* SrcPort 41754 > 1023 */
    CHECK_EQ(object(0, 3, OUT, "@WinDiv_WX_1zWWG40Oa1VV=WWAX"), N);
    CHECK_EQ(object(0, 4, 0, "@WinDiv_WX_bWWWAX"), M);            /* folded `not ip` */
}

static DIVERT_ADDRESS endpoint(uint32_t layer, bool ipv6, uint8_t protocol)
{
    DIVERT_ADDRESS a = test_address(layer, false);
    a.IPv6 = ipv6;
    a.Flow.Protocol = protocol;
    return a;
}

static int eval_addr(uint32_t layer, const DIVERT_ADDRESS *a, const char *obj)
{
    divert_program p;
    int n = object_decode(obj, code, sizeof code);
    CHECK(n > 0);
    CHECK(divert_program_load_user(code, (uint32_t)n, &p) == DIVERT_STATUS_SUCCESS);
    return divert_helper_eval_filter(&p, layer, NULL, 0, a, NULL);
}

static void test_endpoint_and_reflect_values(void)
{
    uint8_t prog[24];
    divert_program p;
    /* icmp/icmpv6 at FLOW/SOCKET use the IPv6 flag, tcp/udp only the protocol */
    static const struct { bool v6; uint8_t proto; uint32_t field; int expect; } cases[] = {
        {false, 1, DIVERT_FIELD_ICMP, 1}, {true, 1, DIVERT_FIELD_ICMP, 0},
        {true, 58, DIVERT_FIELD_ICMPV6, 1}, {false, 58, DIVERT_FIELD_ICMPV6, 0},
        {true, 6, DIVERT_FIELD_TCP, 1}, {false, 17, DIVERT_FIELD_UDP, 1},
        {false, 6, DIVERT_FIELD_UDP, 0}, {true, 6, DIVERT_FIELD_IP, 0}, {true, 6, DIVERT_FIELD_IPV6, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (uint32_t layer = DIVERT_LAYER_FLOW; layer <= DIVERT_LAYER_SOCKET; layer++) {
            DIVERT_ADDRESS a = endpoint(layer, cases[i].v6, cases[i].proto);
            build_chain(prog, 0, 1, &(test_t){cases[i].field, NEQ, 0, 0});
            CHECK(divert_program_load_user(prog, 24, &p) == DIVERT_STATUS_SUCCESS);
            CHECK_EQ(divert_helper_eval_filter(&p, layer, NULL, 0, &a, NULL), cases[i].expect);
        }
    }
    DIVERT_ADDRESS a = endpoint(DIVERT_LAYER_FLOW, false, 6);
    a.Flow.EndpointId = UINT64_C(0x123456789);
    CHECK_EQ(eval_addr(2, &a, "@WinDiv_WX_2YWWHKAPSfXAX"), M);
    a.Flow.EndpointId = UINT64_C(0x23456789);
    CHECK_EQ(eval_addr(2, &a, "@WinDiv_WX_2YWWHKAPSfXAX"), N);
    a = endpoint(DIVERT_LAYER_SOCKET, false, 6);
    a.Flow.LocalAddr[0] = 0x01020304;
    a.Flow.LocalAddr[1] = 0xFFFF;
    CHECK_EQ(eval_addr(3, &a, "@WinDiv_WX_1zWWG40Oa1VV=WWAX"), M);
    a.Event = DIVERT_EVENT_SOCKET_CONNECT;
    CHECK_EQ(eval_addr(3, &a, "@WinDiv_WX_2cWWaAX"), M);
    a.Flow.ProcessId = 5678;
    CHECK_EQ(eval_addr(3, &a, "@WinDiv_WY_1yWW16oALX_1yWW5HkAX"), M);
    a.Flow.ProcessId = 1235;
    CHECK_EQ(eval_addr(3, &a, "@WinDiv_WY_1yWW16oALX_1yWW5HkAX"), N);

    static const struct { int16_t prio; int expect; } prio[] = {
        {-30000, 1}, {-6, 1}, {-5, 0}, {0, 0}, {30000, 0},
    };
    for (size_t i = 0; i < sizeof prio / sizeof prio[0]; i++) {
        DIVERT_ADDRESS r = test_address(DIVERT_LAYER_REFLECT, false);
        r.Reflect.Priority = prio[i].prio;
        CHECK_EQ(eval_addr(4, &r, "@WinDiv_WX_2bYXbAX"), prio[i].expect);
    }
    /* timestamp >= -1: sign-magnitude over the full 64 bits, INT64_MIN included */
    static const struct { int64_t ts; int expect; } stamps[] = {
        {INT64_MIN, 0}, {-2, 0}, {-1, 1}, {0, 1}, {INT64_MAX, 1},
    };
    for (size_t i = 0; i < sizeof stamps / sizeof stamps[0]; i++) {
        DIVERT_ADDRESS r = test_address(DIVERT_LAYER_REFLECT, false);
        r.Timestamp = stamps[i].ts;
        CHECK_EQ(eval_addr(4, &r, "@WinDiv_WX_2nbXXWAX"), stamps[i].expect);
    }
    /* `-0` is below 0 and never equal to it */
    DIVERT_ADDRESS r = test_address(DIVERT_LAYER_REFLECT, false);
    build_chain(prog, 0, 1, &(test_t){F(TIMESTAMP), GT, 1, 0});
    CHECK(divert_program_load_user(prog, 24, &p) == DIVERT_STATUS_SUCCESS);
    CHECK_EQ(divert_helper_eval_filter(&p, 4, NULL, 0, &r, NULL), M);
    build_chain(prog, 0, 1, &(test_t){F(TIMESTAMP), EQ, 1, 0});
    CHECK(divert_program_load_user(prog, 24, &p) == DIVERT_STATUS_SUCCESS);
    CHECK_EQ(divert_helper_eval_filter(&p, 4, NULL, 0, &r, NULL), N);
}

static void test_entry_rules(void)
{
    uint8_t prog[24];
    divert_program p;
    divert_helper_error why = DIVERT_HELPER_EXECUTION;
    build_chain(prog, 0, 1, &(test_t){F(ZERO), EQ, 0, 0});
    CHECK(divert_program_load_user(prog, 24, &p) == DIVERT_STATUS_SUCCESS);
    int n = hex_decode(SAMPLE_PACKETS[1], packet, sizeof packet);
    DIVERT_ADDRESS a = test_address(0, true);
    CHECK_EQ(divert_helper_eval_filter(&p, 0, packet, (uint32_t)n, &a, &why), M);
    CHECK_EQ(why, DIVERT_HELPER_OK);
    static const struct { uint32_t layer; int pkt; uint32_t len; int v6; divert_helper_error why; } bad[] = {
        {0, 0, 0, 0, DIVERT_HELPER_NO_PACKET}, {1, 1, 19, 0, DIVERT_HELPER_BAD_PACKET},
        {0, 1, 60, 1, DIVERT_HELPER_IPV6_MISMATCH}, {2, 1, 60, 0, DIVERT_HELPER_UNEXPECTED_PACKET},
        {3, 1, 0, 0, DIVERT_HELPER_UNEXPECTED_PACKET}, {5, 0, 0, 0, DIVERT_HELPER_BAD_LAYER},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        a.IPv6 = (unsigned)bad[i].v6;
        CHECK_EQ(divert_helper_eval_filter(&p, bad[i].layer, bad[i].pkt ? packet : NULL, bad[i].len, &a, &why), E);
        CHECK_EQ(why, bad[i].why);
    }
    a.IPv6 = 0;
    CHECK_EQ(divert_helper_eval_filter(&p, 0, packet, (uint32_t)n, NULL, &why), E);
    CHECK_EQ(why, DIVERT_HELPER_NULL_ARGUMENT);
    CHECK_EQ(divert_helper_eval_filter(NULL, 0, packet, (uint32_t)n, &a, NULL), E);
    CHECK_EQ(divert_helper_eval_filter(&p, 0, packet, (uint32_t)n, NULL, NULL), E);
    CHECK_EQ(divert_helper_eval_filter(&p, 0, NULL, 0, &a, NULL), E);
    CHECK_EQ(divert_helper_eval_filter(&p, 0, packet, 19, &a, NULL), E);
    a.IPv6 = 1;                                              /* flag disagrees with IPv4 */
    CHECK_EQ(divert_helper_eval_filter(&p, 0, packet, (uint32_t)n, &a, NULL), E);
    CHECK_EQ(divert_helper_eval_filter(&p, 2, packet, (uint32_t)n, &a, NULL), E);
    CHECK_EQ(divert_helper_eval_filter(&p, 3, packet, (uint32_t)n, &a, NULL), E);
    CHECK_EQ(divert_helper_eval_filter(&p, 2, NULL, 0, &a, NULL), M);
    CHECK_EQ(divert_helper_eval_filter(&p, 4, packet, (uint32_t)n, &a, NULL), M);
    CHECK_EQ(divert_helper_eval_filter(&p, 5, NULL, 0, &a, NULL), E);
    CHECK_EQ(divert_helper_eval_filter(&p, 255, NULL, 0, &a, NULL), E);
    /* user mode: `length` is the buffer length, trailing bytes included; truncated is fine */
    a.IPv6 = 0;
    build_chain(prog, 0, 1, &(test_t){F(LENGTH), EQ, 0, 63});
    CHECK(divert_program_load_user(prog, 24, &p) == DIVERT_STATUS_SUCCESS);
    CHECK_EQ(divert_helper_eval_filter(&p, 0, packet, 63, &a, NULL), M);
    CHECK_EQ(divert_helper_eval_filter(&p, 0, packet, 60, &a, NULL), N);
    build_chain(prog, 0, 1, &(test_t){F(PACKET), EQ, 0, 0x25, (uint32_t)-1});
    CHECK(divert_program_load_user(prog, 24, &p) == DIVERT_STATUS_SUCCESS);
    CHECK_EQ(divert_helper_eval_filter(&p, 0, packet, 34, &a, NULL), M);   /* truncated ICMP */
    /* an illegal field at the network layer is an evaluation error too */
    build_chain(prog, 0, 1, &(test_t){F(PROCESSID), EQ, 0, 0});
    CHECK(divert_program_load_user(prog, 24, &p) == DIVERT_STATUS_SUCCESS);
    CHECK_EQ(divert_helper_eval_filter(&p, 0, packet, (uint32_t)n, &a, &why), E);
    CHECK_EQ(why, DIVERT_HELPER_EXECUTION);
    CHECK_EQ(divert_helper_eval_filter(&p, 2, NULL, 0, &a, NULL), M);
    /* but an illegal field on a path not taken is not */
    put_insn(code, 0, (test_t){F(ZERO), EQ, 0, 0}, ACC, 1);
    put_insn(code, 1, (test_t){F(PROCESSID), EQ, 0, 0}, ACC, REJ);
    CHECK(divert_program_load_user(code, 48, &p) == DIVERT_STATUS_SUCCESS);
    CHECK_EQ(divert_helper_eval_filter(&p, 0, packet, (uint32_t)n, &a, NULL), M);
}

static void test_driver_evaluation(void)
{
    /* the driver parses with the version of the interception point; `length` = IP length */
    uint8_t prog[48];
    divert_program p;
    build_chain(prog, 0, 2, (test_t[]){{F(LENGTH), EQ, 0, 70}, {F(TCP_PAYLOAD), EQ, 0, 'G', 0}});
    CHECK(divert_program_load_driver(prog, 48, DIVERT_LAYER_NETWORK, &p) == DIVERT_STATUS_SUCCESS);
    int n = hex_decode(SAMPLE_PACKETS[2], packet, sizeof packet);
    divert_packet_view v = divert_view_flat(packet, (uint32_t)n);
    divert_packet d;
    DIVERT_ADDRESS a = test_address(0, true);
    CHECK(divert_parse_driver(&v, false, &d));
    CHECK_EQ(divert_filter_eval(&p, 0, &a, &v, &d), M);
    CHECK_EQ(divert_filter_eval(&p, 0, &a, NULL, &d), E);
    CHECK_EQ(divert_filter_eval(&p, 0, &a, &v, NULL), E);
    CHECK_EQ(divert_filter_eval(&p, 2, &a, NULL, NULL), E);
}

/* Runs of tests of one value (divert_insn.run_end) give what the single steps would. */
static void test_membership_runs(void)
{
    /* sample 2: IPv4 TCP to port 80; 3: UDP to 53; 4: IPv6 TCP to 23 */
    test_t ports[4] = {{F(TCP_DSTPORT), EQ, 0, 22}, {F(TCP_DSTPORT), EQ, 0, 25},
                       {F(TCP_DSTPORT), EQ, 0, 80}, {F(TCP_DSTPORT), EQ, 0, 443}};
    CHECK_EQ(chain(0, 2, OUT, 0, 1, 4, ports), M);
    CHECK_EQ(chain(0, 2, OUT, 0, 1, 2, ports), N);        /* 80 not among 22, 25 */
    CHECK_EQ(chain(0, 3, OUT, 0, 1, 4, ports), N);        /* not TCP: every test fails */
    CHECK_EQ(chain(0, 4, OUT, 0, 1, 4, ports), N);
    ports[3].a0 = 23;
    CHECK_EQ(chain(0, 4, OUT, 0, 1, 4, ports), M);        /* found last */
    for (int i = 0; i < 4; i++) {
        ports[i].test = NEQ;
    }
    CHECK_EQ(chain(0, 4, OUT, 0, 0, 4, ports), N);        /* 23 is one of them */
    CHECK_EQ(chain(0, 4, OUT, 0, 0, 3, ports), M);
    CHECK_EQ(chain(0, 3, OUT, 0, 0, 3, ports), N);        /* not TCP: `!=` fails too */

    /* entered in the middle, a run tests only its remaining values */
    put_insn(code, 0, (test_t){F(ZERO), EQ, 0, 0}, 2, 1);
    put_insn(code, 1, (test_t){F(TCP_DSTPORT), EQ, 0, 80}, ACC, 2);
    put_insn(code, 2, (test_t){F(TCP_DSTPORT), EQ, 0, 22}, ACC, 3);
    put_insn(code, 3, (test_t){F(TCP_DSTPORT), EQ, 0, 25}, ACC, REJ);
    CHECK_EQ(eval_user(0, 2, OUT, 0, code, 4 * 24), N);
    /* a test with another success target ends the run */
    put_insn(code, 0, (test_t){F(TCP_DSTPORT), EQ, 0, 22}, ACC, 1);
    put_insn(code, 1, (test_t){F(TCP_DSTPORT), EQ, 0, 80}, REJ, 2);
    put_insn(code, 2, (test_t){F(TCP_DSTPORT), EQ, 0, 80}, ACC, REJ);
    CHECK_EQ(eval_user(0, 2, OUT, 0, code, 3 * 24), N);
    /* so does another array index */
    put_insn(code, 0, (test_t){F(PACKET), NEQ, 0, 0x45, 1}, 1, REJ);   /* packet[1] is 0 */
    put_insn(code, 1, (test_t){F(PACKET), NEQ, 0, 0x45, 0}, ACC, REJ);  /* packet[0] is 0x45 */
    CHECK_EQ(eval_user(0, 2, OUT, 0, code, 2 * 24), N);

    /* the longest run stays within the step limit */
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t port = i == 255 ? 80 : 1000 + i;
        put_insn(code, i, (test_t){F(TCP_DSTPORT), EQ, 0, port}, ACC, i == 255 ? REJ : i + 1);
    }
    CHECK_EQ(eval_user(0, 2, OUT, 0, code, 256 * 24), M);
}

/*
 * An instruction reached from tests of different fields loads its own value again
 * (DIVERT_INSN_REUSE only when every way in tests the same field and index).
 */
static void test_value_reuse(void)
{
    /* sample 2: IPv4 TCP to port 80; 3: UDP to 53 */
    put_insn(code, 0, (test_t){F(TCP_DSTPORT), EQ, 0, 80}, 2, 1);
    put_insn(code, 1, (test_t){F(UDP_DSTPORT), EQ, 0, 53}, 2, REJ);
    put_insn(code, 2, (test_t){F(TCP_DSTPORT), GEQ, 0, 0}, ACC, REJ);
    CHECK_EQ(eval_user(0, 3, OUT, 0, code, 3 * 24), N);   /* tcp.DstPort of UDP: not relevant */
    CHECK_EQ(eval_user(0, 2, OUT, 0, code, 3 * 24), M);
    divert_program p;
    CHECK(divert_program_load_user(code, 3 * 24, &p) == DIVERT_STATUS_SUCCESS);
    CHECK((p.insn[2].flags & DIVERT_INSN_REUSE) == 0);
    /* every way in tests tcp.DstPort: the value loaded by 0 or 1 serves 2 */
    put_insn(code, 1, (test_t){F(TCP_DSTPORT), LT, 0, 1024}, 2, REJ);
    CHECK(divert_program_load_user(code, 3 * 24, &p) == DIVERT_STATUS_SUCCESS);
    CHECK((p.insn[2].flags & DIVERT_INSN_REUSE) != 0 && (p.insn[0].flags & DIVERT_INSN_REUSE) == 0);
    CHECK_EQ(eval_user(0, 2, OUT, 0, code, 3 * 24), M);
    CHECK_EQ(eval_user(0, 3, OUT, 0, code, 3 * 24), N);
}

int main(void)
{
    test_worked_examples();
    test_object_examples();
    test_endpoint_and_reflect_values();
    test_entry_rules();
    test_driver_evaluation();
    test_membership_runs();
    test_value_reuse();
    return test_finish("eval");
}

/*
 * Linux host, pure parts: nfnetlink_queue message parsing on crafted datagrams, verdict
 * collections, the set of held packets, and the iptables-restore scripts of the rule manager
 * (positions, marks, ownership tags).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netlink.h>

#include "hold.h"
#include "nfq.h"
#include "prefilter.h"
#include "programs.h"
#include "rules.h"
#include "support.h"


/* ---- a tiny netlink writer for the crafted datagrams ---- */
typedef struct
{
    _Alignas(4) uint8_t b[4096];
    size_t len;
    size_t msg;
} dgram;

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void begin(dgram *d, uint16_t type, uint8_t family)
{
    d->msg = d->len;
    struct nlmsghdr h = {.nlmsg_type = type};
    memcpy(d->b + d->len, &h, sizeof h);
    d->len += NLMSG_HDRLEN;
    struct nfgenmsg g = {.nfgen_family = family};
    memcpy(d->b + d->len, &g, sizeof g);
    d->len += 4;
}

static void attr(dgram *d, uint16_t type, const void *v, size_t n)
{
    struct nlattr a = {.nla_len = (uint16_t)(NLA_HDRLEN + n), .nla_type = type};
    memcpy(d->b + d->len, &a, sizeof a);
    memcpy(d->b + d->len + NLA_HDRLEN, v, n);
    d->len += NLA_ALIGN(NLA_HDRLEN + n);
}

static void attr32(dgram *d, uint16_t type, uint32_t v)
{
    uint8_t b[4];
    be32(b, v);
    attr(d, type, b, 4);
}

static void end(dgram *d)
{
    uint32_t n = (uint32_t)(d->len - d->msg);
    memcpy(d->b + d->msg, &n, 4);
}

static const uint8_t ipv4_udp[28] = {
    0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    0x30, 0x39, 0x00, 0x35, 0, 8, 0, 0};

static void packet_message(dgram *d, uint32_t id, int with_payload)
{
    begin(d, (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET, 2);
    uint8_t hdr[7] = {0, 0, 0, 0, 0x08, 0x00, 3};
    be32(hdr, id);
    attr(d, NFQA_PACKET_HDR, hdr, sizeof hdr);
    attr32(d, NFQA_MARK, 0x1234);
    attr32(d, NFQA_IFINDEX_OUTDEV, 7);
    attr32(d, NFQA_SKB_INFO, NFQA_SKB_CSUMNOTREADY);
    uint8_t hw[12] = {0, 6, 0, 0, 1, 2, 3, 4, 5, 6, 0, 0};
    attr(d, NFQA_HWADDR, hw, sizeof hw);
    uint8_t ts[16] = {0};
    ts[7] = 5;
    ts[15] = 9;
    attr(d, NFQA_TIMESTAMP, ts, sizeof ts);
    attr32(d, NFQA_UID | NLA_F_NET_BYTEORDER, 0); /* unknown-to-us attributes are skipped */
    if (with_payload) {
        attr(d, NFQA_PAYLOAD, ipv4_udp, sizeof ipv4_udp);
    }
    end(d);
}

static void test_parse_packet(void)
{
    dgram d = {.len = 0};
    packet_message(&d, 42, 1);
    size_t off = 0;
    nfq_packet p;
    CHECK(nfq_parse(d.b, d.len, &off, &p) == 1);
    CHECK(p.id == 42);
    CHECK(p.hw_protocol == 0x0800);
    CHECK(p.hook == 3);
    CHECK(p.family == 2);
    CHECK(p.mark == 0x1234);
    CHECK(p.outdev == 7 && p.indev == 0);
    CHECK(p.skbinfo == NFQA_SKB_CSUMNOTREADY);
    CHECK(p.hwaddr_len == 6 && p.hwaddr[0] == 1 && p.hwaddr[5] == 6);
    CHECK(p.has_timestamp && p.ts_sec == 5 && p.ts_usec == 9);
    CHECK(p.payload_len == sizeof ipv4_udp && memcmp(p.payload, ipv4_udp, sizeof ipv4_udp) == 0);
    CHECK(nfq_parse(d.b, d.len, &off, &p) == 0);
}

static void test_parse_several_and_acks(void)
{
    dgram d = {.len = 0};
    /* an ack (error 0) is skipped, then two packets */
    struct nlmsghdr h = {.nlmsg_len = NLMSG_HDRLEN + 4 + NLMSG_HDRLEN, .nlmsg_type = NLMSG_ERROR};
    memcpy(d.b, &h, sizeof h);
    d.len = NLMSG_ALIGN(h.nlmsg_len);
    packet_message(&d, 1, 1);
    packet_message(&d, 2, 0);
    size_t off = 0;
    nfq_packet p;
    CHECK(nfq_parse(d.b, d.len, &off, &p) == 1 && p.id == 1);
    CHECK(nfq_parse(d.b, d.len, &off, &p) == 1 && p.id == 2 && p.payload == NULL && p.payload_len == 0);
    CHECK(nfq_parse(d.b, d.len, &off, &p) == 0);
}

static void test_parse_errors(void)
{
    nfq_packet p;
    size_t off;
    /* kernel error report */
    dgram e = {.len = 0};
    struct nlmsghdr h = {.nlmsg_len = NLMSG_HDRLEN + 4 + NLMSG_HDRLEN, .nlmsg_type = NLMSG_ERROR};
    memcpy(e.b, &h, sizeof h);
    int err = -ENOENT;
    memcpy(e.b + NLMSG_HDRLEN, &err, 4);
    e.len = h.nlmsg_len;
    off = 0;
    CHECK(nfq_parse(e.b, e.len, &off, &p) == -ENOENT);

    /* a packet without its header attribute */
    dgram d = {.len = 0};
    begin(&d, (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET, 2);
    attr32(&d, NFQA_MARK, 1);
    end(&d);
    off = 0;
    CHECK(nfq_parse(d.b, d.len, &off, &p) == -EBADMSG);

    /* every truncation of a valid message is rejected or ends cleanly, never read past */
    dgram v = {.len = 0};
    packet_message(&v, 9, 1);
    for (size_t cut = 1; cut < v.len; cut++) {
        uint8_t copy[4096];
        memcpy(copy, v.b, cut);
        off = 0;
        int rc = nfq_parse(copy, cut, &off, &p);
        CHECK(rc < 0);
    }
    /* an attribute claiming more than the message holds */
    dgram bad = {.len = 0};
    packet_message(&bad, 9, 1);
    struct nlattr big = {.nla_len = 2000, .nla_type = NFQA_PACKET_HDR};
    memcpy(bad.b + NLMSG_HDRLEN + 4, &big, sizeof big);
    off = 0;
    CHECK(nfq_parse(bad.b, bad.len, &off, &p) == -EBADMSG);
    /* a netlink length shorter than its header */
    dgram tiny = {.len = 0};
    packet_message(&tiny, 9, 1);
    uint32_t three = 3;
    memcpy(tiny.b, &three, 4);
    off = 0;
    CHECK(nfq_parse(tiny.b, tiny.len, &off, &p) == -EBADMSG);
}

/* ---- rule manager scripts ---- */

static rules_handle handle(uint16_t queue, int16_t prio, unsigned capture, unsigned release)
{
    rules_handle h;
    memset(&h, 0, sizeof h);
    snprintf(h.tag, sizeof h.tag, "D4J-0004d2-00000abcde-%04x", queue);
    h.queue = queue;
    h.priority = prio;
    h.capture = capture;
    h.release = release;
    return h;
}

static void test_install_script_empty_table(void)
{
    char out[4096];
    rules_handle h = handle(0x4005, 0, RULES_OUT_V4 | RULES_IN_V4, RULES_OUT_V4 | RULES_IN_V4);
    int n = rules_install_script(out, sizeof out, "*mangle\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n", &h, 4);
    CHECK(n > 0 && (size_t)n == strlen(out));
    static const char expected[] =
        "*mangle\n"
        ":D4J-0004d2-00000abcde-4005o - [0:0]\n"
        ":D4J-0004d2-00000abcde-4005i - [0:0]\n"
        "-A D4J-0004d2-00000abcde-4005o -m mark --mark 0x80000000/0x80000000 -j RETURN\n"
        "-A D4J-0004d2-00000abcde-4005o -j NFQUEUE --queue-num 16389 --queue-bypass\n"
        "-A OUTPUT -m comment --comment \"D4J-0004d2-00000abcde-4005 prio=0\" -j D4J-0004d2-00000abcde-4005o\n"
        "-A OUTPUT -m mark --mark 0x80050000/0xffff0000 -m comment --comment \"D4J-0004d2-00000abcde-4005 prio=0\" -j MARK --set-xmark 0x00000000/0xffff0000\n"
        "-A D4J-0004d2-00000abcde-4005i -i lo -m mark ! --mark 0x40000000/0x40000000 -j RETURN\n"
        "-A D4J-0004d2-00000abcde-4005i -m mark --mark 0x80000000/0x80000000 -j RETURN\n"
        "-A D4J-0004d2-00000abcde-4005i -j NFQUEUE --queue-num 16389 --queue-bypass\n"
        "-A INPUT -m comment --comment \"D4J-0004d2-00000abcde-4005 prio=0\" -j D4J-0004d2-00000abcde-4005i\n"
        "-A INPUT -m mark --mark 0xc0050000/0xffff0000 -m comment --comment \"D4J-0004d2-00000abcde-4005 prio=0\" -j MARK --set-xmark 0x40000000/0xffff0000\n"
        "COMMIT\n";
    CHECK(strcmp(out, expected) == 0);
    if (strcmp(out, expected) != 0) {
        fprintf(stderr, "got:\n%s", out);
    }
    /* the IPv6 family needs nothing for an IPv4-only handle */
    CHECK(rules_install_script(out, sizeof out, "", &h, 6) == 0);
    /* too small a buffer is an error, not a truncated script */
    CHECK(rules_install_script(out, 64, "", &h, 4) == -1);
}

static void test_install_script_positions(void)
{
    static const char save[] =
        "*mangle\n"
        ":OUTPUT ACCEPT [0:0]\n"
        "-A OUTPUT -p tcp -j ACCEPT\n"
        "-A OUTPUT -m comment --comment \"D4J-000001-0000000001-4000 prio=100\" -j D4J-000001-0000000001-4000o\n"
        "-A OUTPUT -m mark --mark 0x80000000/0xffff0000 -m comment --comment \"D4J-000001-0000000001-4000 prio=100\" -j MARK --set-xmark 0x0/0xffff0000\n"
        "-A OUTPUT -m comment --comment \"D4J-000001-0000000001-4001 prio=-5\" -j D4J-000001-0000000001-4001o\n"
        "-A OUTPUT -m mark --mark 0x80010000/0xffff0000 -m comment --comment \"D4J-000001-0000000001-4001 prio=-5\" -j MARK --set-xmark 0x0/0xffff0000\n"
        "COMMIT\n";
    char out[4096];
    /* priority 0: after the prio 100 pair, before the prio -5 pair (rule 4) */
    rules_handle h = handle(0x4002, 0, RULES_OUT_V6, RULES_OUT_V6);
    CHECK(rules_install_script(out, sizeof out, save, &h, 6) > 0);
    CHECK(strstr(out, "-I OUTPUT 4 -m comment --comment \"D4J-0004d2-00000abcde-4002 prio=0\"") != NULL);
    CHECK(strstr(out, "-I OUTPUT 5 -m mark --mark 0x80020000/0xffff0000") != NULL);
    /* equal priority goes after the existing one (older first) */
    h = handle(0x4002, 100, RULES_OUT_V4, RULES_OUT_V4);
    CHECK(rules_install_script(out, sizeof out, save, &h, 4) > 0);
    CHECK(strstr(out, "-I OUTPUT 4 ") != NULL);
    /* highest priority: before every divert4j rule, but not before foreign rules ahead of them */
    h = handle(0x4002, 30000, RULES_OUT_V4, RULES_OUT_V4);
    CHECK(rules_install_script(out, sizeof out, save, &h, 4) > 0);
    CHECK(strstr(out, "-I OUTPUT 2 ") != NULL && strstr(out, "-I OUTPUT 3 ") != NULL);
    /* lowest: appended */
    h = handle(0x4002, -30000, RULES_OUT_V4, RULES_OUT_V4);
    CHECK(rules_install_script(out, sizeof out, save, &h, 4) > 0);
    CHECK(strstr(out, "-A OUTPUT -m comment") != NULL && strstr(out, "-I OUTPUT") == NULL);
    /* a send-only handle: only the release rules, no chain */
    h = handle(0x4003, 0, 0, RULES_OUT_V4 | RULES_IN_V4);
    CHECK(rules_install_script(out, sizeof out, save, &h, 4) > 0);
    CHECK(strstr(out, "NFQUEUE") == NULL && strstr(out, ":D4J") == NULL);
    CHECK(strstr(out, "-I OUTPUT 4 -m mark --mark 0x80030000/0xffff0000") != NULL);
    CHECK(strstr(out, "-A INPUT -m mark --mark 0xc0030000/0xffff0000") != NULL);
    /* forward */
    h = handle(0x4004, 0, RULES_FWD_V4, RULES_FWD_V4);
    CHECK(rules_install_script(out, sizeof out, save, &h, 4) > 0);
    CHECK(strstr(out, "-A FORWARD -m comment --comment \"D4J-0004d2-00000abcde-4004 prio=0\" -j D4J-0004d2-00000abcde-4004f") != NULL);
}

static void test_marks_and_owners(void)
{
    CHECK(rules_mark(5, 0) == 0x80050000u);
    CHECK(rules_mark(5, 1) == 0xC0050000u);
    CHECK(rules_mark(0x3FFF, 0) == 0xBFFF0000u);
    static const char save[] =
        ":D4J-000001-0000000001-4000o - [0:0]\n"
        "-A OUTPUT -m comment --comment \"D4J-000001-0000000001-4000 prio=1\" -j D4J-000001-0000000001-4000o\n"
        "-A OUTPUT -m comment --comment \"D4J-0000ff-00000000a2-4001 prio=1\" -j X\n"
        "-A OUTPUT -m comment --comment \"D4J-zz not ours\" -j ACCEPT\n";
    char owners[256];
    int n = rules_owners_in(save, owners, sizeof owners);
    CHECK(n == 2 * (RULES_OWNER_TAG_LEN + 1));
    CHECK(strcmp(owners, "D4J-000001-0000000001-\nD4J-0000ff-00000000a2-\n") == 0);
    char tag[RULES_OWNER_TAG_LEN + 1];
    CHECK(rules_owner_tag(tag, 0) == 0 && strlen(tag) == RULES_OWNER_TAG_LEN);
    CHECK(rules_process_start(-1) == 0);
    CHECK(strncmp(tag, "D4J-", 4) == 0 && tag[10] == '-' && tag[21] == '-');
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_verdict_collection(void)
{
    nfq_conn c = {.fd = -1, .queue = 0x4001};
    nfq_verdicts v;
    nfq_verdicts_init(&v);
    uint32_t mark = 0x80010000u;
    CHECK(nfq_verdicts_add(&c, &v, 7, NFQ_REPEAT, &mark) == 0);
    CHECK(nfq_verdicts_add(&c, &v, 8, NFQ_DROP, NULL) == 0);
    /* two verdict messages back to back, the first with a mark attribute */
    size_t off = 0;
    uint32_t ids[2] = {7, 8}, verdicts[2] = {NFQ_REPEAT, NFQ_DROP};
    for (int i = 0; i < 2; i++) {
        struct nlmsghdr h;
        memcpy(&h, v.b + off, sizeof h);
        CHECK(h.nlmsg_type == ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_VERDICT));
        CHECK((h.nlmsg_flags & NLM_F_REQUEST) && !(h.nlmsg_flags & NLM_F_ACK));
        CHECK(h.nlmsg_len == (i == 0 ? 40u : 32u));
        const uint8_t *g = v.b + off + NLMSG_HDRLEN;
        CHECK(g[2] == 0x40 && g[3] == 0x01); /* queue number, big-endian */
        const uint8_t *vh = g + 4 + NLA_HDRLEN;
        CHECK(get_be32(vh) == verdicts[i] && get_be32(vh + 4) == ids[i]);
        if (i == 0) {
            CHECK(get_be32(vh + 8 + NLA_HDRLEN) == mark);
        }
        off += h.nlmsg_len;
    }
    CHECK(off == v.len);
    /* when full it is sent first (here failing: no socket), then holds just the new one */
    int rc = 0;
    for (uint32_t id = 0; id < 200 && rc == 0; id++) {
        rc = nfq_verdicts_add(&c, &v, id, NFQ_DROP, NULL);
    }
    CHECK(rc == -EBADF && v.len == 32);
    CHECK(nfq_verdicts_flush(&c, &v) == -EBADF && v.len == 0);
    CHECK(nfq_verdicts_flush(&c, &v) == 0); /* nothing to send */
}

static void test_hold_set(void)
{
    static hold_set s;
    static hold_item items[3 * HOLD_BUCKETS];
    const uint32_t n = sizeof items / sizeof items[0];
    hold_init(&s);
    for (uint32_t i = 0; i < n; i++) {
        items[i].stamp = 1000 + (int64_t)i;
        items[i].id = i;
        hold_add(&s, &items[i]);
    }
    CHECK(s.count == n && s.oldest == &items[0] && s.newest == &items[n - 1]);
    CHECK(items[5].held && !items[5].received);
    CHECK(hold_find_received(&s, 1005) == NULL); /* not handed out yet */
    for (uint32_t i = 0; i < n; i += 2) {
        items[i].received = 1;
    }
    int found = 1;
    for (uint32_t i = 0; i < n; i++) {
        found &= hold_find_received(&s, items[i].stamp) == (i % 2 == 0 ? &items[i] : NULL);
    }
    CHECK(found);
    CHECK(hold_find_received(&s, 999) == NULL);
    /* out of the middle, the oldest and the newest: capture order and index stay right */
    hold_remove(&s, &items[4]);
    hold_remove(&s, &items[0]);
    hold_remove(&s, &items[n - 1]);
    CHECK(!items[4].held && s.count == n - 3);
    CHECK(s.oldest == &items[1] && items[1].prev == NULL);
    CHECK(items[3].next == &items[5] && items[5].prev == &items[3]);
    CHECK(s.newest == &items[n - 2] && items[n - 2].next == NULL);
    CHECK(hold_find_received(&s, 1004) == NULL && hold_find_received(&s, 1006) == &items[6]);
    for (uint32_t i = 1; i + 1 < n; i++) {
        if (i != 4) {
            hold_remove(&s, &items[i]);
        }
    }
    CHECK(s.count == 0 && s.oldest == NULL && s.newest == NULL);
    CHECK(hold_find_received(&s, 1002) == NULL);
}

/* The prefilter of a narrow handle goes on its queue rules, per hook; "accept all" does not. */
static void test_prefilter_rules(void)
{
    static uint8_t bytes[24];
    static divert_program p;
    build_chain(bytes, 0, 1, &(test_t){DIVERT_FIELD_UDP_DSTPORT, EQ, 0, 9});
    CHECK(divert_program_load_driver(bytes, 24, DIVERT_LAYER_NETWORK, &p) == DIVERT_STATUS_SUCCESS);
    static rules_handle h;
    h = handle(0x4005, 0, RULES_OUT_V4 | RULES_IN_V6, RULES_OUT_V4 | RULES_IN_V6);
    prefilter_prepare(&h, &p);
    CHECK(h.bpf[0][0] != '\0' && h.bpf[3][0] != '\0');
    CHECK(h.bpf[1][0] == '\0' && h.bpf[2][0] == '\0' && h.bpf[4][0] == '\0' && h.bpf[5][0] == '\0');
    /* the bytecode text: a count, then that many "code jt jf k" */
    int count = -1, used = 0;
    CHECK(sscanf(h.bpf[0], "%d%n", &count, &used) == 1 && count > 4 && count <= DIVERT_BPF_MAX_INSNS);
    int quads = 0;
    for (const char *q = h.bpf[0] + used; *q == ','; quads++) {
        unsigned code, jt, jf, k;
        int step = 0;
        CHECK(sscanf(q, ",%u %u %u %u%n", &code, &jt, &jf, &k, &step) == 4);
        q += step > 0 ? step : 1;
    }
    CHECK_EQ(quads, count);
    char out[16384];
    CHECK(rules_install_script(out, sizeof out, "", &h, 4) > 0);
    char want[2048];
    snprintf(want, sizeof want, "-A D4J-0004d2-00000abcde-4005o -m bpf --bytecode \"%s\" -j NFQUEUE --queue-num 16389", h.bpf[0]);
    CHECK(strstr(out, want) != NULL);
    CHECK(rules_install_script(out, sizeof out, "", &h, 6) > 0);
    CHECK(strstr(out, "4005i -m bpf --bytecode \"") != NULL);
    /* "true" needs no match */
    build_chain(bytes, 0, 1, &(test_t){DIVERT_FIELD_ZERO, EQ, 0, 0});
    CHECK(divert_program_load_driver(bytes, 24, DIVERT_LAYER_NETWORK, &p) == DIVERT_STATUS_SUCCESS);
    prefilter_prepare(&h, &p);
    CHECK(h.bpf[0][0] == '\0' && h.bpf[3][0] == '\0');
    CHECK(rules_install_script(out, sizeof out, "", &h, 4) > 0 && strstr(out, "-m bpf") == NULL);
    /* what `filter compile --bpf` prints: the four chains of NETWORK, their exactness and listing */
    build_chain(bytes, 0, 1, &(test_t){DIVERT_FIELD_UDP_DSTPORT, EQ, 0, 9});
    CHECK(divert_program_load_driver(bytes, 24, DIVERT_LAYER_NETWORK, &p) == DIVERT_STATUS_SUCCESS);
    CHECK(prefilter_describe(&p, DIVERT_LAYER_NETWORK, out, sizeof out) > 0);
    CHECK(strstr(out, "ipv4 OUTPUT: ") != NULL && strstr(out, "ipv6 INPUT: ") != NULL);
    CHECK(strstr(out, "FORWARD") == NULL);
    CHECK(strstr(out, "instructions, exact\n(000) ldxb     4*([0]&0xf)\n") != NULL);
    CHECK(strstr(out, "jeq      #0x9") != NULL);
    CHECK(strstr(out, "inexact: maybe for [IPv6 extension headers]") != NULL);
    CHECK(strstr(out, "bytecode: ") != NULL);
    CHECK(prefilter_describe(&p, DIVERT_LAYER_NETWORK, out, 100) == -1);
}

int main(void)
{
    test_parse_packet();
    test_parse_several_and_acks();
    test_parse_errors();
    test_install_script_empty_table();
    test_prefilter_rules();
    test_install_script_positions();
    test_marks_and_owners();
    test_verdict_collection();
    test_hold_set();
    return test_finish("linux units");
}

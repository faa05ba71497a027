/*
 * Linux host against the real kernel, in a private network namespace (needs root): NFQUEUE
 * over raw netlink (bind, packet copy, attributes, the GSO flag, verdicts with a new payload,
 * batch verdicts, verdict collections, several datagrams per receive, bounded and woken waits),
 * the iptables rule manager (positions and marks giving WinDivert's priority order, removal,
 * stale-owner cleanup, the kill -9 watchdog, --queue-bypass).
 * Exit 77 (skipped) when not root; tests/run.sh runs it as root.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/netfilter.h>

#include "loopback.h"
#include "nfq.h"
#include "rules.h"
#include "support.h"

static uint8_t rbuf[NFQ_RECV_BUFFER];

typedef struct
{
    nfq_packet p;
    uint8_t data[2048];
} got_packet;

/* Next queued packet on c, or 0 after WAIT_MS. */
static int next_packet(nfq_conn *c, got_packet *g, int wait_ms)
{
    struct pollfd pf = {.fd = c->fd, .events = POLLIN};
    for (;;) {
        int r = poll(&pf, 1, wait_ms);
        if (r <= 0) {
            return 0;
        }
        long n = nfq_recv(c, rbuf, sizeof rbuf);
        if (n <= 0) {
            continue;
        }
        size_t off = 0;
        int rc = nfq_parse(rbuf, (size_t)n, &off, &g->p);
        if (rc == 1) {
            REQUIRE(g->p.payload_len <= sizeof g->data);
            memcpy(g->data, g->p.payload, g->p.payload_len);
            g->p.payload = g->data;
            return 1;
        }
        REQUIRE(rc == 0);
    }
}

static nfq_conn open_queue(void)
{
    nfq_conn c;
    REQUIRE(nfq_open(&c) == 0);
    int bound = nfq_bind_free(&c, RULES_QUEUE_FIRST, RULES_QUEUE_COUNT);
    if (bound != 0) {
        fprintf(stderr, "bind: %s\n", strerror(-bound));
    }
    REQUIRE(bound == 0);
    REQUIRE(c.queue >= RULES_QUEUE_FIRST);
    REQUIRE(nfq_set_copy_packet(&c, 0xFFFF) == 0);
    REQUIRE(nfq_set_maxlen(&c, 1024) == 0);
    return c;
}

static rules_handle make_handle(const char *owner, uint16_t queue, int16_t prio, unsigned capture)
{
    rules_handle h;
    memset(&h, 0, sizeof h);
    snprintf(h.tag, sizeof h.tag, "%s%04x", owner, queue);
    h.queue = queue;
    h.priority = prio;
    h.capture = capture;
    h.release = RULES_OUT_V4 | RULES_OUT_V6 | RULES_IN_V4 | RULES_IN_V6;
    return h;
}

static char save_text[256 * 1024];

static const char *save_all(void)
{
    size_t n = 0;
    const char *cmds[] = {"iptables-save -t mangle", "ip6tables-save -t mangle"};
    for (int i = 0; i < 2; i++) {
        FILE *f = popen(cmds[i], "r");
        REQUIRE(f != NULL);
        n += fread(save_text + n, 1, sizeof save_text - 1 - n, f);
        pclose(f);
    }
    save_text[n] = '\0';
    return save_text;
}

/* IPv4/UDP packet 127.0.0.1:9 -> 127.0.0.1:port with `text`, UDP checksum 0 (none). */
static size_t udp4_packet(uint8_t *b, uint16_t port, const char *text)
{
    size_t n = strlen(text);
    size_t total = 28 + n;
    memset(b, 0, 28);
    b[0] = 0x45;
    b[2] = (uint8_t)(total >> 8);
    b[3] = (uint8_t)total;
    b[8] = 64;
    b[9] = 17;
    b[12] = 127;
    b[15] = 1;
    b[16] = 127;
    b[19] = 1;
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) {
        sum += (uint32_t)(b[i] << 8 | b[i + 1]);
    }
    sum = (sum & 0xFFFF) + (sum >> 16);
    sum = (sum & 0xFFFF) + (sum >> 16);
    b[10] = (uint8_t)(~sum >> 8);
    b[11] = (uint8_t)~sum;
    b[21] = 9;
    b[22] = (uint8_t)(port >> 8);
    b[23] = (uint8_t)port;
    b[24] = (uint8_t)((8 + n) >> 8);
    b[25] = (uint8_t)(8 + n);
    memcpy(b + 28, text, n);
    return total;
}

static void raw_inject(uint32_t mark, uint16_t port, const char *text)
{
    int s = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
    REQUIRE(s >= 0);
    REQUIRE(setsockopt(s, SOL_SOCKET, SO_MARK, &mark, sizeof mark) == 0);
    uint8_t pkt[256];
    size_t n = udp4_packet(pkt, port, text);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(sendto(s, pkt, n, 0, (struct sockaddr *)&a, sizeof a) == (ssize_t)n);
    close(s);
}

static int payload_ends_with(const got_packet *g, const char *text)
{
    size_t n = strlen(text);
    return g->p.payload_len >= n && memcmp(g->p.payload + g->p.payload_len - n, text, n) == 0;
}

static void test_single_queue(nfq_conn *qa, int rx4, int rx6)
{
    got_packet g;
    unsigned lo = if_nametoindex("lo");

    /* a packet with its attributes; accepted with a rewritten payload */
    udp_send(AF_INET, 5001, "hello");
    REQUIRE(next_packet(qa, &g, WAIT_MS));
    CHECK(g.p.hook == NF_INET_LOCAL_OUT);
    CHECK(g.p.family == NFPROTO_IPV4 && g.p.hw_protocol == 0x0800);
    CHECK(g.p.outdev == lo && g.p.indev == 0);
    CHECK(g.p.payload_len == 33 && payload_ends_with(&g, "hello"));
    CHECK(g.p.skbinfo == 0); /* checksums filled in, and no GSO queue to say otherwise */
    uint8_t mod[64];
    memcpy(mod, g.p.payload, g.p.payload_len);
    memcpy(mod + 28, "HELLO", 5);
    mod[26] = mod[27] = 0; /* no UDP checksum */
    CHECK(nfq_verdict(qa, g.p.id, NFQ_ACCEPT, mod, g.p.payload_len, NULL) == 0);
    CHECK(strcmp(udp_text(rx4), "HELLO") == 0);

    /* a longer replacement payload */
    udp_send(AF_INET, 5001, "grow");
    REQUIRE(next_packet(qa, &g, WAIT_MS));
    size_t n = udp4_packet(mod, 5001, "grown up");
    CHECK(nfq_verdict(qa, g.p.id, NFQ_ACCEPT, mod, n, NULL) == 0);
    CHECK(strcmp(udp_text(rx4), "grown up") == 0);

    /* dropped, then the next one arrives first */
    udp_send(AF_INET, 5001, "drop");
    REQUIRE(next_packet(qa, &g, WAIT_MS));
    CHECK(payload_ends_with(&g, "drop"));
    CHECK(nfq_verdict(qa, g.p.id, NFQ_DROP, NULL, 0, NULL) == 0);
    udp_send(AF_INET, 5001, "after");
    REQUIRE(next_packet(qa, &g, WAIT_MS));
    CHECK(nfq_verdict(qa, g.p.id, NFQ_ACCEPT, NULL, 0, NULL) == 0);
    CHECK(strcmp(udp_text(rx4), "after") == 0);

    /* a collection of verdicts, one datagram: each applies to its own packet */
    const char *coll[] = {"c-accept", "c-drop", "c-last"};
    nfq_verdicts v;
    nfq_verdicts_init(&v);
    for (int i = 0; i < 3; i++) {
        udp_send(AF_INET, 5001, coll[i]);
        REQUIRE(next_packet(qa, &g, WAIT_MS));
        CHECK(payload_ends_with(&g, coll[i]));
        uint32_t mark = 0x77;
        CHECK(nfq_verdicts_add(qa, &v, g.p.id, i == 1 ? NFQ_DROP : NFQ_ACCEPT, i == 2 ? &mark : NULL) == 0);
    }
    CHECK(nfq_verdicts_flush(qa, &v) == 0);
    CHECK(strcmp(udp_text(rx4), "c-accept") == 0);
    CHECK(strcmp(udp_text(rx4), "c-last") == 0);

    /* what is waiting, with one receive; then nothing; a bounded wait; a wait ended early */
    static uint8_t many[4 * NFQ_RECV_BUFFER];
    uint32_t lens[4];
    const char *texts3[] = {"m1", "m2", "m3"};
    for (int i = 0; i < 3; i++) {
        udp_send(AF_INET, 5001, texts3[i]);
    }
    CHECK(nfq_recv_many(qa, many, NFQ_RECV_BUFFER, 4, lens, 1) == 3);
    for (int i = 0; i < 3; i++) {
        size_t off = 0;
        nfq_packet p;
        CHECK(lens[i] > 0 && nfq_parse(many + i * NFQ_RECV_BUFFER, lens[i], &off, &p) == 1);
        CHECK(p.payload_len >= 2 && memcmp(p.payload + p.payload_len - 2, texts3[i], 2) == 0);
        CHECK(nfq_verdicts_add(qa, &v, p.id, NFQ_ACCEPT, NULL) == 0);
    }
    CHECK(nfq_verdicts_flush(qa, &v) == 0);
    for (int i = 0; i < 3; i++) {
        CHECK(strcmp(udp_text(rx4), texts3[i]) == 0);
    }
    CHECK(nfq_recv_many(qa, many, NFQ_RECV_BUFFER, 4, lens, 0) == -EAGAIN);
    CHECK(nfq_set_recv_timeout(qa, 50) == 0);
    CHECK(nfq_recv_many(qa, many, NFQ_RECV_BUFFER, 4, lens, 1) == -EAGAIN);
    CHECK(nfq_wake(qa) == 0);
    CHECK(nfq_recv_many(qa, many, NFQ_RECV_BUFFER, 4, lens, 1) == 1 && lens[0] == 0);
    CHECK(nfq_set_recv_timeout(qa, 0) == 0);

    /* IPv6 */
    udp_send(AF_INET6, 5001, "six");
    REQUIRE(next_packet(qa, &g, WAIT_MS));
    CHECK(g.p.family == NFPROTO_IPV6 && g.p.hw_protocol == 0x86DD);
    CHECK(g.p.payload_len == 40 + 8 + 3 && (g.p.payload[0] >> 4) == 6);
    CHECK(nfq_verdict(qa, g.p.id, NFQ_ACCEPT, NULL, 0, NULL) == 0);
    CHECK(strcmp(udp_text(rx6), "six") == 0);

    /* a GSO queue gets a checksum left to offload (loopback offloads UDP's) as it is, flagged */
    CHECK(nfq_set_flags(qa, NFQ_FLAG_GSO, NFQ_FLAG_GSO) == 0);
    udp_send(AF_INET, 5001, "partial");
    REQUIRE(next_packet(qa, &g, WAIT_MS));
    CHECK((g.p.skbinfo & (NFQ_SKB_CSUMNOTREADY | NFQ_SKB_GSO)) == NFQ_SKB_CSUMNOTREADY);
    CHECK(nfq_verdict(qa, g.p.id, NFQ_ACCEPT, NULL, 0, NULL) == 0);
    CHECK(strcmp(udp_text(rx4), "partial") == 0); /* and the kernel still fills it in */
    CHECK(nfq_set_flags(qa, 0, NFQ_FLAG_GSO) == 0);
    CHECK(nfq_set_flags(qa, 1u << 31, 1u << 31) == -EOPNOTSUPP); /* a flag no kernel knows */
}

static void test_priorities(nfq_conn *qa, nfq_conn *qb, int rx4)
{
    got_packet g;
    uint16_t ida = (uint16_t)(qa->queue - RULES_QUEUE_FIRST);
    uint16_t idb = (uint16_t)(qb->queue - RULES_QUEUE_FIRST);

    /* the higher priority handle (A) sees it first; handed back marked, B sees it next */
    udp_send(AF_INET, 5001, "both");
    REQUIRE(next_packet(qa, &g, WAIT_MS));
    CHECK(payload_ends_with(&g, "both"));
    uint32_t mark = rules_mark(ida, 0) | (g.p.mark & ~RULES_MARK_MASK);
    CHECK(nfq_verdict(qa, g.p.id, NFQ_REPEAT, NULL, 0, &mark) == 0);
    REQUIRE(next_packet(qb, &g, WAIT_MS));
    CHECK(payload_ends_with(&g, "both"));
    CHECK((g.p.mark & RULES_MARK_MASK) == 0); /* released after A */
    CHECK(nfq_verdict(qb, g.p.id, NFQ_ACCEPT, NULL, 0, NULL) == 0);
    CHECK(strcmp(udp_text(rx4), "both") == 0);

    /* injected by A: only B (lower) sees it */
    raw_inject(rules_mark(ida, 0), 5001, "fromA");
    REQUIRE(next_packet(qb, &g, WAIT_MS));
    CHECK(payload_ends_with(&g, "fromA"));
    CHECK(nfq_verdict(qb, g.p.id, NFQ_ACCEPT, NULL, 0, NULL) == 0);
    CHECK(strcmp(udp_text(rx4), "fromA") == 0);

    /* injected by B (lowest): nobody sees it; the next packet A sees is the next one sent */
    raw_inject(rules_mark(idb, 0), 5001, "fromB");
    CHECK(strcmp(udp_text(rx4), "fromB") == 0);
    udp_send(AF_INET, 5001, "next");
    REQUIRE(next_packet(qa, &g, WAIT_MS));
    CHECK(payload_ends_with(&g, "next"));
    CHECK(nfq_verdict(qa, g.p.id, NFQ_ACCEPT, NULL, 0, NULL) == 0); /* ACCEPT: leaves the table */
    CHECK(strcmp(udp_text(rx4), "next") == 0);

    /* injected inbound (inbound bit): skips every outbound handle */
    raw_inject(rules_mark(ida, 1), 5001, "inbound");
    CHECK(strcmp(udp_text(rx4), "inbound") == 0);
    udp_send(AF_INET, 5001, "next2");
    REQUIRE(next_packet(qa, &g, WAIT_MS));
    CHECK(payload_ends_with(&g, "next2"));
    CHECK(nfq_verdict(qa, g.p.id, NFQ_ACCEPT, NULL, 0, NULL) == 0);
    CHECK(strcmp(udp_text(rx4), "next2") == 0);
}

static long absent_pid(void)
{
    for (long pid = 0x3FFFFF; pid > 0x300000; pid--) {
        if (rules_process_start(pid) == 0) {
            return pid;
        }
    }
    return -1;
}

static void test_stale_and_watchdog(const char *self_owner, int rx4)
{
    char err[1024];
    /* rules of a dead owner are removed, ours stay */
    char dead[RULES_OWNER_TAG_LEN + 1];
    snprintf(dead, sizeof dead, "D4J-%06lx-%010llx-", absent_pid(), 12345ULL);
    rules_handle h = make_handle(dead, 0x7FF0, 0, RULES_OUT_V4 | RULES_IN_V6);
    REQUIRE(rules_install(&h, err, sizeof err) == 0);
    CHECK(strstr(save_all(), dead) != NULL);
    CHECK(rules_remove_stale(err, sizeof err) >= 1);
    CHECK(strstr(save_all(), dead) == NULL);
    CHECK(strstr(save_all(), self_owner) != NULL);

    /* a child process with a bound queue and rules is killed: traffic flows, rules go */
    int ready[2];
    REQUIRE(pipe(ready) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        close(ready[0]);
        char owner[RULES_OWNER_TAG_LEN + 1];
        if (rules_owner_tag(owner, 0) != 0 || rules_start_watchdog(owner, err, sizeof err) != 0) {
            _exit(2);
        }
        nfq_conn c = open_queue();
        rules_handle ch = make_handle(owner, c.queue, 1000, RULES_OUT_V4);
        if (rules_install(&ch, err, sizeof err) != 0) {
            fprintf(stderr, "child: %s\n", err);
            _exit(3);
        }
        if (write(ready[1], owner, RULES_OWNER_TAG_LEN) != RULES_OWNER_TAG_LEN) {
            _exit(4);
        }
        for (;;) {
            pause(); /* holds the queue without ever giving a verdict */
        }
    }
    close(ready[1]);
    char owner[RULES_OWNER_TAG_LEN + 1] = "";
    REQUIRE(read(ready[0], owner, RULES_OWNER_TAG_LEN) == RULES_OWNER_TAG_LEN);
    close(ready[0]);
    CHECK(strstr(save_all(), owner) != NULL);
    REQUIRE(kill(child, SIGKILL) == 0);
    REQUIRE(waitpid(child, NULL, 0) == child);
    /* the queue is unbound now: --queue-bypass lets the packet through at once */
    udp_send(AF_INET, 5002, "bypass");
    CHECK(strcmp(udp_text(rx4), "bypass") == 0);
    int gone = 0;
    for (int i = 0; i < 100 && !gone; i++) {
        gone = strstr(save_all(), owner) == NULL;
        if (!gone) {
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    CHECK(gone);
}

int main(void)
{
    loopback_enter_private_netns();
    char err[1024] = "";
    char owner[RULES_OWNER_TAG_LEN + 1];
    REQUIRE(rules_owner_tag(owner, 0) == 0);

    int rx4 = udp_receiver(AF_INET, 5001);
    int rx6 = udp_receiver(AF_INET6, 5001);
    nfq_conn qa = open_queue();
    rules_handle ha = make_handle(owner, qa.queue, 0, RULES_OUT_V4 | RULES_OUT_V6);
    if (rules_install(&ha, err, sizeof err) != 0) {
        fprintf(stderr, "install: %s\n", err);
        return 1;
    }
    test_single_queue(&qa, rx4, rx6);

    nfq_conn qb = open_queue();
    CHECK(qb.queue != qa.queue);
    rules_handle hb = make_handle(owner, qb.queue, -10, RULES_OUT_V4);
    REQUIRE(rules_install(&hb, err, sizeof err) == 0);
    test_priorities(&qa, &qb, rx4);

    int rx4b = udp_receiver(AF_INET, 5002);
    /* the watchdog test's traffic (port 5002) must not meet A or B: remove them first */
    CHECK(rules_remove(ha.tag, err, sizeof err) == 0);
    CHECK(strstr(save_all(), ha.tag) == NULL);
    CHECK(strstr(save_all(), hb.tag) != NULL);
    CHECK(rules_remove(hb.tag, err, sizeof err) == 0);
    rules_handle keep = make_handle(owner, 0x7FF1, 0, 0);
    REQUIRE(rules_install(&keep, err, sizeof err) == 0); /* a live owner's rules */
    test_stale_and_watchdog(owner, rx4b);
    CHECK(rules_remove(owner, err, sizeof err) == 0);
    CHECK(strstr(save_all(), "D4J-") == NULL);

    nfq_close(&qa);
    nfq_close(&qb);
    return test_finish("linux live");
}

/*
 * The C side of the passthru benchmark (tests/bench/bench.sh):
 *   nfq_bench accept QUEUE          accept every packet of NFQUEUE QUEUE, one verdict each
 *                                   (the minimal NFQUEUE program divert4j passthru is measured
 *                                   against); runs until killed
 *   nfq_bench accept-batch QUEUE    the same with the Linux host's settings: GSO packets whole
 *                                   (NFQA_CFG_F_GSO, as the host asks for a filter like "tcp"),
 *                                   up to 16 datagrams per recvmmsg and one batch verdict for
 *                                   all of them (the best C program for passthru_tcp_ratio, not
 *                                   a weak one)
 *   nfq_bench tcpsink PORT SECS     accept one TCP connection on PORT and count its bytes;
 *                                   prints "bytes N" and "seconds S"
 *   nfq_bench tcpblast ADDR PORT SECS  send TCP data to ADDR:PORT as fast as possible
 *   nfq_bench blast ADDR PORT SECS  send 64-byte UDP datagrams to ADDR:PORT as fast as possible
 *   nfq_bench sink PORT SECS        count UDP datagrams arriving on PORT; prints "packets N"
 */
#define _GNU_SOURCE /* recvmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int on_packet(struct nfq_q_handle *q, struct nfgenmsg *msg, struct nfq_data *nfa, void *data)
{
    (void)msg;
    (void)data;
    struct nfqnl_msg_packet_hdr *h = nfq_get_msg_packet_hdr(nfa);
    return nfq_set_verdict(q, h != NULL ? ntohl(h->packet_id) : 0, NF_ACCEPT, 0, NULL);
}

static int accept_all(int queue)
{
    struct nfq_handle *h = nfq_open();
    if (h == NULL) {
        perror("nfq_open");
        return 1;
    }
    struct nfq_q_handle *q = nfq_create_queue(h, (uint16_t)queue, on_packet, NULL);
    if (q == NULL || nfq_set_mode(q, NFQNL_COPY_PACKET, 0xFFFF) < 0) {
        perror("nfq_create_queue");
        return 1;
    }
    nfq_set_queue_maxlen(q, 4096);
    int fd = nfq_fd(h);
    static char buf[1 << 16] __attribute__((aligned));
    fprintf(stderr, "nfq_bench: accepting queue %d\n", queue);
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == ENOBUFS || errno == EINTR) {
                continue;
            }
            perror("recv");
            return 1;
        }
        nfq_handle_packet(h, buf, (int)n);
    }
}

static int on_packet_batch(struct nfq_q_handle *q, struct nfgenmsg *msg, struct nfq_data *nfa,
                           void *data)
{
    (void)q;
    (void)msg;
    struct nfqnl_msg_packet_hdr *h = nfq_get_msg_packet_hdr(nfa);
    uint32_t *last = data;
    if (h != NULL) {
        *last = ntohl(h->packet_id);
    }
    return 0;
}

/* What the Linux host does per read: a burst by recvmmsg, then one verdict for the burst. */
static int accept_batch(int queue)
{
    enum { BURST = 16, EACH = 65536 + 4096 };
    struct nfq_handle *h = nfq_open();
    uint32_t last = 0;
    if (h == NULL) {
        perror("nfq_open");
        return 1;
    }
    struct nfq_q_handle *q = nfq_create_queue(h, (uint16_t)queue, on_packet_batch, &last);
    if (q == NULL || nfq_set_mode(q, NFQNL_COPY_PACKET, 0xFFFF) < 0
        || nfq_set_queue_flags(q, NFQA_CFG_F_GSO, NFQA_CFG_F_GSO) < 0) {
        perror("nfq_create_queue");
        return 1;
    }
    nfq_set_queue_maxlen(q, 4096);
    int fd = nfq_fd(h);
    static char buf[BURST][EACH] __attribute__((aligned));
    struct mmsghdr msgs[BURST];
    struct iovec iov[BURST];
    fprintf(stderr, "nfq_bench: accepting queue %d in bursts\n", queue);
    for (;;) {
        for (int i = 0; i < BURST; i++) {
            iov[i].iov_base = buf[i];
            iov[i].iov_len = EACH;
            memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int n = recvmmsg(fd, msgs, BURST, MSG_WAITFORONE, NULL);
        if (n < 0) {
            if (errno == ENOBUFS || errno == EINTR) {
                continue;
            }
            perror("recvmmsg");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            nfq_handle_packet(h, buf[i], (int)msgs[i].msg_len);
        }
        if (n > 0 && nfq_set_verdict_batch(q, last, NF_ACCEPT) < 0) {
            perror("nfq_set_verdict_batch");
            return 1;
        }
    }
}

static int tcp_blast(const char *addr, int port, double secs)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || inet_pton(AF_INET, addr, &a.sin_addr) != 1
        || connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
        perror("tcpblast");
        return 1;
    }
    static char chunk[1 << 17];
    double end = now_s() + secs;
    unsigned long long sent = 0;
    while (now_s() < end) {
        ssize_t n = send(s, chunk, sizeof chunk, 0);
        if (n < 0) {
            perror("send");
            return 1;
        }
        sent += (unsigned long long)n;
    }
    close(s);
    printf("sent %llu\n", sent);
    return 0;
}

static int tcp_sink(int port, double secs)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0
        || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 1) < 0) {
        perror("tcpsink");
        return 1;
    }
    int s = accept(l, NULL, NULL);
    if (s < 0) {
        perror("accept");
        return 1;
    }
    struct timeval tv = {0, 100000};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    static char buf[1 << 17];
    unsigned long long got = 0;
    double first = now_s(), last = first;
    double end = first + secs;
    while (now_s() < end) {
        ssize_t n = recv(s, buf, sizeof buf, 0);
        if (n == 0) {
            break;
        }
        if (n > 0) {
            got += (unsigned long long)n;
            last = now_s();
        }
    }
    printf("bytes %llu\nseconds %.3f\n", got, last - first);
    return 0;
}

static int blast(const char *addr, int port, double secs)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    int family;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        v4->sin_family = family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        len = sizeof *v4;
    } else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        v6->sin6_family = family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        len = sizeof *v6;
    } else {
        fprintf(stderr, "nfq_bench: bad address %s\n", addr);
        return 2;
    }
    int s = socket(family, SOCK_DGRAM, 0);
    if (s < 0) {
        perror("socket");
        return 1;
    }
    char payload[64] = "divert4j-bench";
    double end = now_s() + secs;
    unsigned long sent = 0;
    while (now_s() < end) {
        for (int i = 0; i < 64; i++) {
            if (sendto(s, payload, sizeof payload, 0, (struct sockaddr *)&ss, len) > 0) {
                sent++;
            }
        }
    }
    printf("sent %lu\n", sent);
    return 0;
}

static int sink(int port, double secs)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    int big = 1 << 22;
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0) {
        perror("bind");
        return 1;
    }
    struct timeval tv = {0, 100000};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[2048];
    unsigned long got = 0;
    double first = 0, last = 0;
    double end = now_s() + secs;
    while (now_s() < end) {
        if (recv(s, buf, sizeof buf, 0) > 0) {
            last = now_s();
            if (got++ == 0) {
                first = last;
            }
        }
    }
    printf("packets %lu\nseconds %.3f\n", got, got > 1 ? last - first : 0.0);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "accept") == 0) {
        return accept_all(atoi(argv[2]));
    }
    if (argc == 3 && strcmp(argv[1], "accept-batch") == 0) {
        return accept_batch(atoi(argv[2]));
    }
    if (argc == 5 && strcmp(argv[1], "tcpblast") == 0) {
        return tcp_blast(argv[2], atoi(argv[3]), atof(argv[4]));
    }
    if (argc == 4 && strcmp(argv[1], "tcpsink") == 0) {
        return tcp_sink(atoi(argv[2]), atof(argv[3]));
    }
    if (argc == 5 && strcmp(argv[1], "blast") == 0) {
        return blast(argv[2], atoi(argv[3]), atof(argv[4]));
    }
    if (argc == 4 && strcmp(argv[1], "sink") == 0) {
        return sink(atoi(argv[2]), atof(argv[3]));
    }
    fprintf(stderr, "usage: nfq_bench accept QUEUE | accept-batch QUEUE | blast ADDR PORT SECS | sink PORT SECS"
                    " | tcpblast ADDR PORT SECS | tcpsink PORT SECS\n");
    return 2;
}

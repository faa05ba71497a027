/*
 * Traffic endpoints for the end-to-end tests (no netcat/python needed), all bounded in time:
 *   tcp-server PORT TIMEOUT_S            accept one connection, read to EOF, print "<bytes> <hash>"
 *   tcp-client HOST PORT BYTES TIMEOUT_S send BYTES of a fixed pseudo-random stream, printing
 *                                        "sent N" per MB, then "<bytes> <hash>"
 *   udp-recv PORT COUNT TIMEOUT_S        print each datagram (one line) until COUNT or the timeout
 *   udp-send HOST PORT TEXT...           one datagram per TEXT
 *   tcp-sink PORT TIMEOUT_S              accept one connection, copy it to stdout until EOF
 *   tcp-send HOST PORT TIMEOUT_S [RATE]  connect, copy stdin to the connection until EOF, at
 *                                        most RATE bytes per second if given
 *   udp-seq HOST PORT COUNT RATE SECONDS datagrams numbered 0, 1, ... (8-byte big-endian payload),
 *                                        COUNT of them (0: no limit) at RATE per second (0: as fast
 *                                        as the socket takes them) for at most SECONDS; "sent N"
 *   udp-count PORT COUNT TIMEOUT_S       count udp-seq datagrams until all COUNT numbers arrived,
 *                                        5 s pass without one after the first, or the timeout;
 *                                        "received R distinct D dup U lost L stray S", exit 0 only
 *                                        if every number arrived exactly once. COUNT 0: a sink that
 *                                        counts until the timeout, "received R"
 * HOST is an IPv4 or IPv6 literal. Exit status 0 only if everything expected happened.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static socklen_t address(const char *host, int port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        return sizeof *a4;
    }
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        return sizeof *a6;
    }
    fprintf(stderr, "bad address %s\n", host);
    exit(2);
}

/* FNV-1a over the stream, and the stream itself: a 64-bit LCG. */
typedef struct { uint64_t hash, state, bytes; } stream;

static void feed(stream *s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s->hash = (s->hash ^ p[i]) * 0x100000001b3ULL;
    }
    s->bytes += n;
}

static int wait_fd(int fd, short ev, int64_t deadline)
{
    struct pollfd pf = {.fd = fd, .events = ev};
    int64_t left = deadline - now_ms();
    return left > 0 && poll(&pf, 1, (int)left) == 1;
}

/* One connection accepted on PORT (v4 and v6), "listening" announced on `announce`; -1 on failure. */
static int accept_one(int port, int64_t deadline, FILE *announce)
{
    int s = socket(AF_INET6, SOCK_STREAM, 0);
    int zero = 0, one = 1;
    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 1) != 0) {
        perror("bind/listen");
        return -1;
    }
    fprintf(announce, "listening\n");
    fflush(announce);
    if (!wait_fd(s, POLLIN, deadline)) {
        fprintf(stderr, "no connection\n");
        return -1;
    }
    int c = accept(s, NULL, NULL);
    if (c < 0) {
        perror("accept");
    }
    close(s);
    return c;
}

/*
 * tcp-server (copy 0): the stream's "<bytes> <hash>" on stdout at EOF; tcp-sink (copy 1): the
 * stream itself on stdout, "listening" on stderr.
 */
static int tcp_receive(int port, int timeout, int copy)
{
    int64_t deadline = now_ms() + timeout * 1000LL;
    int c = accept_one(port, deadline, copy ? stderr : stdout);
    if (c < 0) {
        return 1;
    }
    stream st = {.hash = 0xcbf29ce484222325ULL};
    uint8_t buf[65536];
    for (;;) {
        if (!wait_fd(c, POLLIN, deadline)) {
            fprintf(stderr, "timeout after %llu bytes\n", (unsigned long long)st.bytes);
            return 1;
        }
        ssize_t n = read(c, buf, sizeof buf);
        if (n < 0) {
            perror("read");
            return 1;
        }
        if (n == 0) {
            break;
        }
        feed(&st, buf, (size_t)n);
        for (ssize_t off = 0; copy && off < n;) {
            ssize_t w = write(STDOUT_FILENO, buf + off, (size_t)(n - off));
            if (w <= 0 && errno != EINTR) {
                perror("write");
                return 1;
            }
            off += w > 0 ? w : 0;
        }
    }
    if (!copy) {
        printf("%llu %016llx\n", (unsigned long long)st.bytes, (unsigned long long)st.hash);
    }
    return 0;
}

/* A non-blocking socket connected to HOST:PORT by the deadline; -1 on failure. */
static int connect_to(const char *host, int port, int64_t deadline)
{
    struct sockaddr_storage ss;
    socklen_t len = address(host, port, &ss);
    int s = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (connect(s, (struct sockaddr *)&ss, len) != 0 && errno != EINPROGRESS) {
        perror("connect");
        return -1;
    }
    if (!wait_fd(s, POLLOUT, deadline)) {
        fprintf(stderr, "connect timeout\n");
        return -1;
    }
    int err = 0;
    socklen_t el = sizeof err;
    getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el);
    if (err != 0) {
        fprintf(stderr, "connect: %s\n", strerror(err));
        return -1;
    }
    return s;
}

/* Writes all n bytes to the non-blocking s by the deadline; -1 on failure (said on stderr). */
static int send_all(int s, const uint8_t *p, size_t n, int64_t deadline)
{
    size_t off = 0;
    while (off < n) {
        if (!wait_fd(s, POLLOUT, deadline)) {
            fprintf(stderr, "send timeout\n");
            return -1;
        }
        ssize_t w = write(s, p + off, n - off);
        if (w < 0 && errno != EAGAIN && errno != EINTR) {
            perror("write");
            return -1;
        }
        off += w > 0 ? (size_t)w : 0;
    }
    return 0;
}

/* The peer's end of the stream after our SHUT_WR, so that nothing is cut short by our close. */
static void finish(int s, int64_t deadline)
{
    shutdown(s, SHUT_WR);
    uint8_t ignored[64];
    while (wait_fd(s, POLLIN, deadline) && read(s, ignored, sizeof ignored) > 0) {
    }
}

static int tcp_client(const char *host, int port, long long total, int timeout)
{
    int64_t deadline = now_ms() + timeout * 1000LL;
    int s = connect_to(host, port, deadline);
    if (s < 0) {
        return 1;
    }
    stream st = {.hash = 0xcbf29ce484222325ULL, .state = 12345};
    uint8_t buf[16384];
    while ((long long)st.bytes < total) {
        size_t n = sizeof buf;
        if ((long long)(st.bytes + n) > total) {
            n = (size_t)(total - (long long)st.bytes);
        }
        for (size_t i = 0; i < n; i++) {
            st.state = st.state * 6364136223846793005ULL + 1442695040888963407ULL;
            buf[i] = (uint8_t)(st.state >> 56);
        }
        if (send_all(s, buf, n, deadline) != 0) {
            fprintf(stderr, "... after %llu bytes\n", (unsigned long long)st.bytes);
            return 1;
        }
        if ((st.bytes + n) / 1000000 != st.bytes / 1000000) {
            printf("sent %llu\n", (unsigned long long)(st.bytes + n));
            fflush(stdout);
        }
        feed(&st, buf, n);
    }
    finish(s, deadline);
    printf("%llu %016llx\n", (unsigned long long)st.bytes, (unsigned long long)st.hash);
    return 0;
}

/* A UDP socket bound to PORT (v4 and v6), "listening" announced; -1 on failure. */
static int udp_bind(int port)
{
    int s = socket(AF_INET6, SOCK_DGRAM, 0);
    int zero = 0, big = 8 << 20;
    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    /* Beyond rmem_max as root: a slow moment of the receiver must not count as a lost datagram. */
    if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) != 0) {
        setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    }
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("bind");
        return -1;
    }
    printf("listening\n");
    fflush(stdout);
    return s;
}

static int udp_recv(int port, int count, int timeout)
{
    int64_t deadline = now_ms() + timeout * 1000LL;
    int s = udp_bind(port);
    if (s < 0) {
        return 1;
    }
    int got = 0;
    char buf[2048];
    while (got < count && wait_fd(s, POLLIN, deadline)) {
        ssize_t n = recv(s, buf, sizeof buf - 1, 0);
        if (n >= 0) {
            buf[n] = '\0';
            printf("%s\n", buf);
            fflush(stdout);
            got++;
        }
    }
    return got == count ? 0 : 1;
}

static int udp_send(const char *host, int port, int n, char **texts)
{
    struct sockaddr_storage ss;
    socklen_t len = address(host, port, &ss);
    int s = socket(ss.ss_family, SOCK_DGRAM, 0);
    for (int i = 0; i < n; i++) {
        if (sendto(s, texts[i], strlen(texts[i]), 0, (struct sockaddr *)&ss, len) < 0) {
            perror("sendto");
            return 1;
        }
    }
    return 0;
}

static int tcp_send(const char *host, int port, int timeout, long long rate)
{
    int64_t start = now_ms(), deadline = start + timeout * 1000LL;
    int s = connect_to(host, port, deadline);
    if (s < 0) {
        return 1;
    }
    uint8_t buf[65536];
    long long sent = 0;
    for (;;) {
        while (rate > 0 && sent > (now_ms() - start) * rate / 1000) {
            struct timespec pause = {.tv_nsec = 1000000};
            nanosleep(&pause, NULL);
        }
        ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            perror("read");
            return 1;
        }
        if (n == 0) {
            break;
        }
        if (send_all(s, buf, (size_t)n, deadline) != 0) {
            return 1;
        }
        sent += n;
    }
    finish(s, deadline);
    return 0;
}

static int udp_seq(const char *host, int port, long long count, long long rate, int seconds)
{
    struct sockaddr_storage ss;
    socklen_t len = address(host, port, &ss);
    int s = socket(ss.ss_family, SOCK_DGRAM, 0);
    int64_t start = now_ms(), end = start + seconds * 1000LL;
    long long sent = 0;
    while ((count == 0 || sent < count) && now_ms() < end) {
        if (rate > 0 && sent >= (now_ms() - start) * rate / 1000) {
            struct timespec pause = {.tv_nsec = 200000};
            nanosleep(&pause, NULL);
            continue;
        }
        uint8_t seq[8];
        for (int i = 0; i < 8; i++) {
            seq[i] = (uint8_t)((unsigned long long)sent >> (56 - 8 * i));
        }
        /* A full socket buffer is the flood's ceiling, not a failure: the number is sent again. */
        if (sendto(s, seq, sizeof seq, 0, (struct sockaddr *)&ss, len) == (ssize_t)sizeof seq) {
            sent++;
        } else if (errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED) {
            perror("sendto");
            return 1;
        }
    }
    printf("sent %lld\n", sent);
    return count == 0 || sent == count ? 0 : 1;
}

static int udp_count(int port, long long count, int timeout)
{
    int64_t deadline = now_ms() + timeout * 1000LL;
    int s = udp_bind(port);
    if (s < 0) {
        return 1;
    }
    uint8_t *seen = count > 0 ? calloc((size_t)count, 1) : NULL;
    if (count > 0 && seen == NULL) {
        perror("calloc");
        return 1;
    }
    long long received = 0, distinct = 0, dup = 0, stray = 0;
    while (count == 0 || distinct < count) {
        int64_t idle = count > 0 && received > 0 ? now_ms() + 5000 : deadline;
        if (!wait_fd(s, POLLIN, idle < deadline ? idle : deadline)) {
            break;
        }
        uint8_t buf[64];
        ssize_t n = recv(s, buf, sizeof buf, 0);
        if (n < 0) {
            continue;
        }
        received++;
        if (count == 0) {
            continue;
        }
        unsigned long long seq = 0;
        for (int i = 0; i < 8 && i < n; i++) {
            seq = seq << 8 | buf[i];
        }
        if (n != 8 || seq >= (unsigned long long)count) {
            stray++;
        } else if (seen[seq]) {
            dup++;
        } else {
            seen[seq] = 1;
            distinct++;
        }
    }
    free(seen);
    if (count == 0) {
        printf("received %lld\n", received);
        return 0;
    }
    printf("received %lld distinct %lld dup %lld lost %lld stray %lld\n", received, distinct, dup,
           count - distinct, stray);
    return distinct == count && dup == 0 && stray == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "tcp-server") == 0) {
        return tcp_receive(atoi(argv[2]), atoi(argv[3]), 0);
    }
    if (argc >= 6 && strcmp(argv[1], "tcp-client") == 0) {
        return tcp_client(argv[2], atoi(argv[3]), atoll(argv[4]), atoi(argv[5]));
    }
    if (argc >= 5 && strcmp(argv[1], "udp-recv") == 0) {
        return udp_recv(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
    }
    if (argc >= 4 && strcmp(argv[1], "tcp-sink") == 0) {
        return tcp_receive(atoi(argv[2]), atoi(argv[3]), 1);
    }
    if (argc >= 5 && strcmp(argv[1], "tcp-send") == 0) {
        return tcp_send(argv[2], atoi(argv[3]), atoi(argv[4]), argc >= 6 ? atoll(argv[5]) : 0);
    }
    if (argc >= 7 && strcmp(argv[1], "udp-seq") == 0) {
        return udp_seq(argv[2], atoi(argv[3]), atoll(argv[4]), atoll(argv[5]), atoi(argv[6]));
    }
    if (argc >= 5 && strcmp(argv[1], "udp-count") == 0) {
        return udp_count(atoi(argv[2]), atoll(argv[3]), atoi(argv[4]));
    }
    if (argc >= 5 && strcmp(argv[1], "udp-send") == 0) {
        return udp_send(argv[2], atoi(argv[3]), argc - 4, argv + 4);
    }
    fprintf(stderr, "usage: see the comment at the top of e2e_tool.c\n");
    return 2;
}

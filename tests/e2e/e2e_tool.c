/*
 * Traffic endpoints for the end-to-end tests (no netcat/python needed), all bounded in time:
 *   tcp-server PORT TIMEOUT_S            accept one connection, read to EOF, print "<bytes> <hash>"
 *   tcp-client HOST PORT BYTES TIMEOUT_S send BYTES of a fixed pseudo-random stream, printing
 *                                        "sent N" per MB, then "<bytes> <hash>"
 *   udp-recv PORT COUNT TIMEOUT_S        print each datagram (one line) until COUNT or the timeout
 *   udp-send HOST PORT TEXT...           one datagram per TEXT
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

static int tcp_server(int port, int timeout)
{
    int64_t deadline = now_ms() + timeout * 1000LL;
    int s = socket(AF_INET6, SOCK_STREAM, 0);
    int zero = 0, one = 1;
    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 1) != 0) {
        perror("bind/listen");
        return 1;
    }
    printf("listening\n");
    fflush(stdout);
    if (!wait_fd(s, POLLIN, deadline)) {
        fprintf(stderr, "no connection\n");
        return 1;
    }
    int c = accept(s, NULL, NULL);
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
    }
    printf("%llu %016llx\n", (unsigned long long)st.bytes, (unsigned long long)st.hash);
    return 0;
}

static int tcp_client(const char *host, int port, long long total, int timeout)
{
    int64_t deadline = now_ms() + timeout * 1000LL;
    struct sockaddr_storage ss;
    socklen_t len = address(host, port, &ss);
    int s = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (connect(s, (struct sockaddr *)&ss, len) != 0 && errno != EINPROGRESS) {
        perror("connect");
        return 1;
    }
    if (!wait_fd(s, POLLOUT, deadline)) {
        fprintf(stderr, "connect timeout\n");
        return 1;
    }
    int err = 0;
    socklen_t el = sizeof err;
    getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el);
    if (err != 0) {
        fprintf(stderr, "connect: %s\n", strerror(err));
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
        size_t off = 0;
        while (off < n) {
            if (!wait_fd(s, POLLOUT, deadline)) {
                fprintf(stderr, "send timeout at %llu bytes\n", (unsigned long long)(st.bytes + off));
                return 1;
            }
            ssize_t w = write(s, buf + off, n - off);
            if (w < 0 && errno != EAGAIN) {
                perror("write");
                return 1;
            }
            off += w > 0 ? (size_t)w : 0;
        }
        if ((st.bytes + n) / 1000000 != st.bytes / 1000000) {
            printf("sent %llu\n", (unsigned long long)(st.bytes + n));
            fflush(stdout);
        }
        feed(&st, buf, n);
    }
    shutdown(s, SHUT_WR);
    uint8_t ignored[64];
    while (wait_fd(s, POLLIN, deadline) && read(s, ignored, sizeof ignored) > 0) {
    }
    printf("%llu %016llx\n", (unsigned long long)st.bytes, (unsigned long long)st.hash);
    return 0;
}

static int udp_recv(int port, int count, int timeout)
{
    int64_t deadline = now_ms() + timeout * 1000LL;
    int s = socket(AF_INET6, SOCK_DGRAM, 0);
    int zero = 0, big = 4 << 20;
    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("bind");
        return 1;
    }
    printf("listening\n");
    fflush(stdout);
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

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "tcp-server") == 0) {
        return tcp_server(atoi(argv[2]), atoi(argv[3]));
    }
    if (argc >= 6 && strcmp(argv[1], "tcp-client") == 0) {
        return tcp_client(argv[2], atoi(argv[3]), atoll(argv[4]), atoi(argv[5]));
    }
    if (argc >= 5 && strcmp(argv[1], "udp-recv") == 0) {
        return udp_recv(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
    }
    if (argc >= 5 && strcmp(argv[1], "udp-send") == 0) {
        return udp_send(argv[2], atoi(argv[3]), argc - 4, argv + 4);
    }
    fprintf(stderr, "usage: see the comment at the top of e2e_tool.c\n");
    return 2;
}

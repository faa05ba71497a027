#define _GNU_SOURCE
#include "loopback.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

void loopback_enter_private_netns(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "not root: skipped\n");
        exit(77);
    }
    REQUIRE(unshare(CLONE_NEWNET) == 0);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(s >= 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    REQUIRE(ioctl(s, SIOCGIFFLAGS, &ifr) == 0);
    ifr.ifr_flags |= IFF_UP;
    REQUIRE(ioctl(s, SIOCSIFFLAGS, &ifr) == 0);
    close(s);
}

/* The loopback address of family and port, in storage; returns its length. */
static socklen_t loopback_address(int family, uint16_t port, struct sockaddr_storage *storage)
{
    memset(storage, 0, sizeof *storage);
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)storage;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return sizeof *a;
    }
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)storage;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    a->sin6_addr = in6addr_loopback;
    return sizeof *a;
}

int udp_receiver(int family, uint16_t port)
{
    int s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(s >= 0);
    /* Room for every datagram a test queues before it reads them. */
    int big = 1 << 20;
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    struct sockaddr_storage a;
    socklen_t len = loopback_address(family, port, &a);
    REQUIRE(bind(s, (struct sockaddr *)&a, len) == 0);
    return s;
}

void udp_send(int family, uint16_t port, const char *text)
{
    int s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(s >= 0);
    struct sockaddr_storage a;
    socklen_t len = loopback_address(family, port, &a);
    REQUIRE(sendto(s, text, strlen(text), 0, (struct sockaddr *)&a, len) == (ssize_t)strlen(text));
    close(s);
}

const char *udp_text(int s)
{
    static char buf[512];
    struct pollfd pf = {.fd = s, .events = POLLIN};
    if (poll(&pf, 1, WAIT_MS) <= 0) {
        return "";
    }
    ssize_t n = recv(s, buf, sizeof buf - 1, 0);
    buf[n < 0 ? 0 : n] = '\0';
    return buf;
}

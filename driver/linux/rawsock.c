/*
 * Raw-socket injection (rawsock.h): one raw socket per IP version and direction, opened on
 * first use and carrying the injecting handle's mark (rules.h), so that injected packets are
 * seen only by lower-priority handles and never by the handle that sent them.
 */
#define _GNU_SOURCE
#include "rawsock.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rules.h"

void rawsock_init(rawsock_set *s, uint16_t id)
{
    for (int v = 0; v < 2; v++) {
        for (int d = 0; d < 2; d++) {
            s->fd[v][d] = -1;
        }
    }
    s->id = id;
}

void rawsock_close(rawsock_set *s)
{
    for (int v = 0; v < 2; v++) {
        for (int d = 0; d < 2; d++) {
            if (s->fd[v][d] >= 0) {
                close(s->fd[v][d]);
                s->fd[v][d] = -1;
            }
        }
    }
}

static int socket_for(rawsock_set *s, int v6, int inbound)
{
    if (s->fd[v6][inbound] >= 0) {
        return s->fd[v6][inbound];
    }
    /* IPPROTO_RAW implies "header included" for both families. */
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
    if (fd < 0) {
        return -errno;
    }
    uint32_t mark = rules_mark(s->id, inbound);
    if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    s->fd[v6][inbound] = fd;
    return fd;
}

int rawsock_send(rawsock_set *s, const uint8_t *pkt, uint32_t len, int inbound, uint32_t if_index)
{
    if (len < 20) {
        return -EINVAL;
    }
    int v6 = (pkt[0] >> 4) == 6;
    if (v6 && len < 40) {
        return -EINVAL;
    }
    int fd = socket_for(s, v6, inbound ? 1 : 0);
    if (fd < 0) {
        return fd;
    }
    ssize_t r;
    do {
        if (v6) {
            struct sockaddr_in6 dst = {.sin6_family = AF_INET6};
            memcpy(&dst.sin6_addr, pkt + 24, 16);
            if (IN6_IS_ADDR_LINKLOCAL(&dst.sin6_addr) || IN6_IS_ADDR_MC_LINKLOCAL(&dst.sin6_addr)) {
                dst.sin6_scope_id = if_index;
            }
            r = sendto(fd, pkt, len, 0, (struct sockaddr *)&dst, sizeof dst);
        } else {
            struct sockaddr_in dst = {.sin_family = AF_INET};
            memcpy(&dst.sin_addr, pkt + 16, 4);
            r = sendto(fd, pkt, len, 0, (struct sockaddr *)&dst, sizeof dst);
        }
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : 0;
}

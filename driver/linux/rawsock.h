/*
 * Injection of packets the application sends (docs/spec/device-abi.md 9.1) through raw IP sockets that
 * carry the injecting handle's skb mark (rules.h), so that only lower-priority handles see
 * them. Outbound packets leave through the normal output path; inbound packets are sent to
 * their (local) destination and arrive through loopback, flagged as an inbound injection so
 * that outbound handles skip them and inbound handles do not take them for loopback traffic.
 */
#ifndef DIVERT4J_RAWSOCK_H
#define DIVERT4J_RAWSOCK_H

#include <stdint.h>

typedef struct
{
    int fd[2][2]; /* [ipv6][inbound]; -1 until first use */
    uint16_t id;  /* the handle id in the marks */
} rawsock_set;

void rawsock_init(rawsock_set *s, uint16_t id);
void rawsock_close(rawsock_set *s);

/*
 * Sends one complete IP packet (version from its first nibble). `inbound` selects the mark
 * (and thus which handles see it); if_index scopes link-local IPv6 destinations.
 * Returns 0 or -errno.
 */
int rawsock_send(rawsock_set *s, const uint8_t *pkt, uint32_t len, int inbound, uint32_t if_index);

#endif

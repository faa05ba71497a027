/*
 * Packet decomposition (docs/spec/helpers.md 3.1 user variant, 3.2 driver variant), in two
 * stages so that a filter pays only for what its fields read:
 *   the IP header (3.1 steps 1-5 without the extension-header walk): divert_parse_*_lazy;
 *   the walk (the fragment fields, the IPv6 extension headers, the transport header: steps
 *   3-4 and 6-7): divert_packet_walk, on demand; the evaluator calls it for the fields that
 *   need it. divert_parse_user/divert_parse_driver do both stages at once.
 *
 * The result points at the fixed IP header and the first bytes of the transport header
 * (everything field values and the packet hash need): straight into the bytes of a flat view,
 * or into copies inside the result when the view is a callback (a NET_BUFFER chain). Later
 * steps never touch the packet again except for packet[]/payload[] array reads through the
 * view. A result is valid while its view's bytes are, and must not be copied by value (the
 * pointers may refer to its own storage).
 */
#ifndef DIVERT_CORE_PACKET_PARSE_H
#define DIVERT_CORE_PACKET_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/packet_view.h"

typedef enum divert_transport
{
    DIVERT_TRANSPORT_NONE = 0,
    DIVERT_TRANSPORT_TCP,
    DIVERT_TRANSPORT_UDP,
    DIVERT_TRANSPORT_ICMP,
    DIVERT_TRANSPORT_ICMPV6
} divert_transport;

typedef struct divert_packet
{
    /* Set by every successful parse (the IP header): */
    uint32_t length;            /* bytes in the buffer (the `length` filter field) */
    uint32_t ip_total;          /* total length the IP header claims */
    uint32_t packet_length;     /* min(ip_total, length): the bytes that are walked */
    uint32_t ip_header_length;  /* 4 x IHL, or 40 */
    uint8_t ip_version;         /* 4 or 6 */
    bool truncated;             /* ip_total > length */
    bool extended;              /* ip_total < length: more bytes follow the packet */
    bool walked;                /* the fields below are set (divert_packet_walk) */
    const uint8_t *ip;          /* IPv4: bytes 0..19 (options excluded); IPv6: bytes 0..39 */
    /* Set by the walk only: */
    uint32_t transport_offset;  /* where the transport header starts (if any) */
    uint32_t header_length;     /* IP + extension + transport header bytes = payload offset */
    uint32_t payload_length;    /* packet_length - header_length */
    uint8_t protocol;           /* final protocol number after extension headers */
    uint8_t transport;          /* divert_transport */
    bool fragment;              /* IPv4 MF or offset != 0; IPv6 any fragment header */
    bool fragment_offset;       /* a non-zero fragment offset was seen */
    bool more_fragments;        /* MF of the IPv4 header or IPv6 fragment header */
    const uint8_t *transport_header; /* TCP: bytes 0..19; UDP/ICMP/ICMPv6: 0..7; none: 20 zeros */
    uint8_t ip_bytes[40];       /* storage for ip when the view is a callback */
    uint8_t transport_bytes[20]; /* storage for transport_header when the view is a callback */
} divert_packet;

/*
 * User-library decomposition (3.1): the buffer may hold a truncated packet or be followed
 * by more bytes. False when the bytes are not an IPv4/IPv6 packet (or the view failed); the
 * contents of *out are then unspecified.
 */
bool divert_parse_user(const divert_packet_view *view, divert_packet *out);

/*
 * Driver decomposition (3.2): the view is exactly one packet whose IP version the
 * interception point fixes (ipv6). False when the version nibble disagrees, the IP length
 * differs from the view length or the header does not fit; such a packet never matches
 * (and *out is unspecified).
 */
bool divert_parse_driver(const divert_packet_view *view, bool ipv6, divert_packet *out);

/*
 * The same decompositions without the walk (out->walked is false): they accept and refuse
 * exactly the packets the full ones do when the view reads, since only IP header checks
 * can refuse a packet (3.4).
 */
bool divert_parse_user_lazy(const divert_packet_view *view, divert_packet *out);
bool divert_parse_driver_lazy(const divert_packet_view *view, bool ipv6, divert_packet *out);

/*
 * Completes a lazy decomposition (view: the one it was parsed from); nothing to do when
 * p->walked. False, with p->walked still false, when the view cannot supply the bytes (a
 * callback failed): the full parse would have refused the packet then.
 */
bool divert_packet_walk(const divert_packet_view *view, divert_packet *p);

/* Big-endian 16/32-bit loads from a byte array (shared by the field and checksum code). */
static inline uint32_t divert_be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | (uint32_t)p[1];
}

static inline uint32_t divert_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

#endif

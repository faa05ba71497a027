#include "core/packet_parse.h"

enum { PROTO_HOPOPT = 0, PROTO_ICMP = 1, PROTO_TCP = 6, PROTO_UDP = 17, PROTO_ROUTING = 43,
       PROTO_FRAGMENT = 44, PROTO_AH = 51, PROTO_ICMPV6 = 58, PROTO_DSTOPTS = 60,
       PROTO_MOBILITY = 135 };

/* No transport header: field reads of an absent protocol see zeros, never stray bytes. */
static const uint8_t NO_TRANSPORT[20];

/* Walks the IPv6 extension headers (3.1 step 4); cursor/remaining are updated in place. */
static bool walk_ipv6_extensions(const divert_packet_view *view, divert_packet *p,
                                 uint32_t *cursor, uint32_t *remaining)
{
    bool seen_fragment = false;
    while (!p->fragment_offset && *remaining >= 2) {
        uint8_t ext[4];
        uint32_t size;
        if (!divert_view_read(view, *cursor, 2, ext)) {
            return false;
        }
        switch (p->protocol) {
        case PROTO_FRAGMENT:
            if (seen_fragment || *remaining < 8) {
                return true;
            }
            if (!divert_view_read(view, *cursor, 4, ext)) {
                return false;
            }
            size = 8;
            seen_fragment = true;
            p->fragment = true;
            p->fragment_offset = ((uint32_t)ext[2] << 8 | (ext[3] & 0xF8u)) != 0;
            p->more_fragments = (ext[3] & 1u) != 0;
            break;
        case PROTO_AH:
            size = ((uint32_t)ext[1] + 2) * 4;
            break;
        case PROTO_HOPOPT:
        case PROTO_DSTOPTS:
        case PROTO_ROUTING:
        case PROTO_MOBILITY:
            size = ((uint32_t)ext[1] + 1) * 8;
            break;
        default:
            return true;
        }
        if (size > *remaining) {
            return true;
        }
        p->protocol = ext[0];
        *cursor += size;
        *remaining -= size;
    }
    return true;
}

/*
 * 3.1 step 7: finds the transport header of protocol at cursor (none in a later fragment),
 * copies its first bytes if the view is a callback, and completes the walk. Everything is
 * stored at the end, once: a flat view's common packet costs a few loads and these stores.
 * False (the view failed) leaves the walk incomplete.
 */
static bool parse_transport(const divert_packet_view *view, divert_packet *p, uint8_t protocol,
                            bool later_fragment, uint32_t cursor, uint32_t remaining)
{
    uint32_t consumed = 0;
    uint8_t kind = DIVERT_TRANSPORT_NONE;
    const uint8_t *th = NO_TRANSPORT;
    /* a later fragment has no transport header */
    switch (later_fragment ? -1 : protocol) {
    case PROTO_TCP:
        if (remaining >= 20) {
            const uint8_t *tcp = divert_view_bytes(view, cursor, 20, p->transport_bytes);
            if (tcp == NULL) {
                return false;
            }
            uint32_t data_offset = tcp[12] >> 4;
            if (data_offset >= 5) {
                kind = DIVERT_TRANSPORT_TCP;
                th = tcp;
                consumed = data_offset * 4 < remaining ? data_offset * 4 : remaining;
            }
        }
        break;
    case PROTO_UDP:
        kind = remaining >= 8 ? DIVERT_TRANSPORT_UDP : DIVERT_TRANSPORT_NONE;
        break;
    case PROTO_ICMP:
        kind = p->ip_version == 4 && remaining >= 8 ? DIVERT_TRANSPORT_ICMP : DIVERT_TRANSPORT_NONE;
        break;
    case PROTO_ICMPV6:
        kind = p->ip_version == 6 && remaining >= 8 ? DIVERT_TRANSPORT_ICMPV6 : DIVERT_TRANSPORT_NONE;
        break;
    default:
        break;
    }
    if (kind != DIVERT_TRANSPORT_NONE && kind != DIVERT_TRANSPORT_TCP) {
        consumed = 8;
        th = divert_view_bytes(view, cursor, 8, p->transport_bytes);
        if (th == NULL) {
            return false;
        }
    }
    p->transport = kind;
    p->transport_offset = kind != DIVERT_TRANSPORT_NONE ? cursor : 0;
    p->transport_header = th;
    p->header_length = cursor + consumed;
    p->payload_length = remaining - consumed;
    p->walked = true;
    return true;
}

/*
 * The IP header checks (3.1 steps 1-5, 3.2). expect_version is 0 for the user variant
 * (version read from the packet) or 4/6 for the driver variant, which also demands that the
 * IP length equals the view length.
 */
static inline bool parse_ip(const divert_packet_view *view, uint8_t expect_version,
                            divert_packet *p)
{
    uint32_t len = view->length;
    /* 40 bytes at once when they are there: one read for IPv6, and IPv4 needs only 20. */
    const uint8_t *ip = divert_view_bytes(view, 0, len >= 40 ? 40 : 20, p->ip_bytes);
    if (len < 20 || ip == NULL) {
        return false;
    }
    uint8_t version = ip[0] >> 4;
    uint32_t header, total;
    if (expect_version != 0 && version != expect_version) {
        return false;
    }
    if (version == 4) {
        header = (ip[0] & 0x0Fu) * 4u;
        total = divert_be16(ip + 2);
        if (header < 20 || total < header || len < header) {
            return false;
        }
    } else if (version == 6) {
        if (len < 40) {
            return false;
        }
        header = 40;
        total = divert_be16(ip + 4) + 40;
    } else {
        return false;
    }
    if (expect_version != 0 && total != len) {
        return false;
    }
    /*
     * Stored once, at the end: the header pointer and the flags are byte-typed, so every
     * store through p before the last header read would force the compiler to reload the
     * header bytes (they might alias).
     */
    p->ip = ip;
    p->length = len;
    p->ip_version = version;
    p->ip_header_length = header;
    p->ip_total = total;
    p->truncated = total > len;
    p->extended = total < len;
    p->packet_length = total < len ? total : len;
    p->walked = false;
    return true;
}

/* Could the IPv6 next header start a chain of extension headers (walk_ipv6_extensions)? */
static bool ipv6_extension(uint8_t protocol)
{
    switch (protocol) {
    case PROTO_HOPOPT: case PROTO_ROUTING: case PROTO_FRAGMENT: case PROTO_AH:
    case PROTO_DSTOPTS: case PROTO_MOBILITY:
        return true;
    default:
        return false;
    }
}

bool divert_packet_walk(const divert_packet_view *view, divert_packet *p)
{
    if (p->walked) {
        return true;
    }
    const uint8_t *ip = p->ip;
    uint32_t cursor = p->ip_header_length;
    uint32_t remaining = p->packet_length - cursor;
    /* read before the stores: ip may point into *p */
    uint8_t protocol = p->ip_version == 4 ? ip[9] : ip[6];
    bool more = false, later = false;
    if (p->ip_version == 4) {
        more = (ip[6] & 0x20u) != 0;
        later = ((ip[6] & 0x1Fu) | ip[7]) != 0;
    }
    p->protocol = protocol;
    p->more_fragments = more;
    p->fragment_offset = later;
    p->fragment = more || later;
    /*
     * Without extension headers the walk reads nothing there, except that a callback view is
     * asked for the next two bytes as before (its failure fails the walk).
     */
    if (p->ip_version == 6 && (view->data == NULL || ipv6_extension(protocol))) {
        if (!walk_ipv6_extensions(view, p, &cursor, &remaining)) {
            return false;
        }
        protocol = p->protocol;
        later = p->fragment_offset;
    }
    return parse_transport(view, p, protocol, later, cursor, remaining);
}

bool divert_parse_user_lazy(const divert_packet_view *view, divert_packet *out)
{
    return parse_ip(view, 0, out);
}

bool divert_parse_driver_lazy(const divert_packet_view *view, bool ipv6, divert_packet *out)
{
    return parse_ip(view, ipv6 ? 6 : 4, out);
}

bool divert_parse_user(const divert_packet_view *view, divert_packet *out)
{
    return parse_ip(view, 0, out) && divert_packet_walk(view, out);
}

bool divert_parse_driver(const divert_packet_view *view, bool ipv6, divert_packet *out)
{
    return parse_ip(view, ipv6 ? 6 : 4, out) && divert_packet_walk(view, out);
}

#include "packet_parse.h"

enum { PROTO_HOPOPT = 0, PROTO_ICMP = 1, PROTO_TCP = 6, PROTO_UDP = 17, PROTO_ROUTING = 43,
       PROTO_FRAGMENT = 44, PROTO_AH = 51, PROTO_ICMPV6 = 58, PROTO_DSTOPTS = 60,
       PROTO_MOBILITY = 135 };

static void zero(divert_packet *p)
{
    /* One struct store the compiler can widen, not a byte loop: this runs for every packet. */
    static const divert_packet empty;
    *p = empty;
}

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

/* 3.1 step 7: finds the transport header at cursor and copies its first bytes. */
static bool parse_transport(const divert_packet_view *view, divert_packet *p,
                            uint32_t *cursor, uint32_t *remaining)
{
    uint32_t consumed = 0;
    uint8_t kind = DIVERT_TRANSPORT_NONE;
    if (p->fragment_offset) {
        return true;
    }
    switch (p->protocol) {
    case PROTO_TCP:
        if (*remaining >= 20) {
            if (!divert_view_read(view, *cursor, 20, p->transport_header)) {
                return false;
            }
            uint32_t data_offset = p->transport_header[12] >> 4;
            if (data_offset >= 5) {
                kind = DIVERT_TRANSPORT_TCP;
                consumed = data_offset * 4 < *remaining ? data_offset * 4 : *remaining;
            }
        }
        break;
    case PROTO_UDP:
        kind = *remaining >= 8 ? DIVERT_TRANSPORT_UDP : DIVERT_TRANSPORT_NONE;
        break;
    case PROTO_ICMP:
        kind = p->ip_version == 4 && *remaining >= 8 ? DIVERT_TRANSPORT_ICMP : DIVERT_TRANSPORT_NONE;
        break;
    case PROTO_ICMPV6:
        kind = p->ip_version == 6 && *remaining >= 8 ? DIVERT_TRANSPORT_ICMPV6 : DIVERT_TRANSPORT_NONE;
        break;
    default:
        break;
    }
    if (kind == DIVERT_TRANSPORT_NONE) {
        for (uint32_t i = 0; i < sizeof p->transport_header; i++) {
            p->transport_header[i] = 0;
        }
        return true;
    }
    if (kind != DIVERT_TRANSPORT_TCP) {
        consumed = 8;
        if (!divert_view_read(view, *cursor, 8, p->transport_header)) {
            return false;
        }
    }
    p->transport = kind;
    p->transport_offset = *cursor;
    *cursor += consumed;
    *remaining -= consumed;
    return true;
}

/*
 * The common walk. expect_version is 0 for the user variant (version read from the packet)
 * or 4/6 for the driver variant, which also demands that the IP length equals the view length.
 */
static bool parse(const divert_packet_view *view, uint8_t expect_version, divert_packet *p)
{
    uint32_t len = view->length;
    uint32_t cursor;
    zero(p);
    if (len < 20 || !divert_view_read(view, 0, 20, p->ip)) {
        return false;
    }
    p->length = len;
    p->ip_version = p->ip[0] >> 4;
    if (expect_version != 0 && p->ip_version != expect_version) {
        return false;
    }
    if (p->ip_version == 4) {
        uint32_t ihl = p->ip[0] & 0x0Fu;
        uint32_t frag_off;
        if (ihl < 5) {
            return false;
        }
        p->ip_header_length = ihl * 4;
        p->ip_total = divert_be16(p->ip + 2);
        if (p->ip_total < p->ip_header_length || len < p->ip_header_length) {
            return false;
        }
        frag_off = ((uint32_t)(p->ip[6] & 0x1Fu) << 8) | p->ip[7];
        p->more_fragments = (p->ip[6] & 0x20u) != 0;
        p->fragment_offset = frag_off != 0;
        p->fragment = p->more_fragments || p->fragment_offset;
        p->protocol = p->ip[9];
    } else if (p->ip_version == 6) {
        if (len < 40 || !divert_view_read(view, 20, 20, p->ip + 20)) {
            return false;
        }
        p->ip_header_length = 40;
        p->ip_total = divert_be16(p->ip + 4) + 40;
        p->protocol = p->ip[6];
    } else {
        return false;
    }
    if (expect_version != 0 && p->ip_total != len) {
        return false;
    }
    p->truncated = p->ip_total > len;
    p->extended = p->ip_total < len;
    p->packet_length = p->ip_total < len ? p->ip_total : len;
    cursor = p->ip_header_length;
    uint32_t remaining = p->packet_length - cursor;
    if (p->ip_version == 6 && !walk_ipv6_extensions(view, p, &cursor, &remaining)) {
        return false;
    }
    if (!parse_transport(view, p, &cursor, &remaining)) {
        return false;
    }
    p->header_length = cursor;
    p->payload_length = remaining;
    return true;
}

bool divert_parse_user(const divert_packet_view *view, divert_packet *out)
{
    return parse(view, 0, out);
}

bool divert_parse_driver(const divert_packet_view *view, bool ipv6, divert_packet *out)
{
    return parse(view, ipv6 ? 6 : 4, out);
}
